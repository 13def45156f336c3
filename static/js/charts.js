// Renders every <canvas data-chart="ID"> from the JSON in <script id="ID" type="application/json">
// (Django's json_script). The JSON: {type: "line"|"bar", labels: [...], datasets: [{label, data, color?, axis?}],
// stacked?: bool, percent?: bool}. Re-runs after htmx swaps, so fragments can carry charts too.
(function () {
  const palette = ["#5b21b6", "#dc2626", "#0891b2", "#d97706", "#16a34a", "#db2777", "#4b5563", "#2563eb", "#65a30d", "#9333ea"];

  function render(canvas) {
    if (canvas._chart) canvas._chart.destroy();
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    const spec = JSON.parse(source.textContent);
    const datasets = spec.datasets.map((set, index) => ({
      label: set.label,
      data: set.data,
      borderColor: set.color || palette[index % palette.length],
      backgroundColor: (set.color || palette[index % palette.length]) + (spec.type === "bar" ? "cc" : "33"),
      fill: spec.type === "line" && set.fill === true,
      tension: 0.25,
      pointRadius: spec.labels.length > 40 ? 0 : 2,
      yAxisID: set.axis || "y",
    }));
    const scales = {
      x: { stacked: !!spec.stacked, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 10 } },
      y: { stacked: !!spec.stacked, beginAtZero: true, ticks: { callback: (v) => (spec.percent ? v + "%" : v.toLocaleString()) } },
    };
    if (spec.datasets.some((set) => set.axis === "y2")) {
      scales.y2 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } };
    }
    canvas._chart = new Chart(canvas, {
      type: spec.type || "line",
      data: { labels: spec.labels, datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } },
        scales,
      },
    });
  }

  function renderAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(render);
  }

  document.addEventListener("DOMContentLoaded", () => renderAll());
  document.addEventListener("htmx:afterSettle", (event) => renderAll(event.target));
  window.alquimistaCharts = { renderAll };
})();
