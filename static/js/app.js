// Behaviour every page may use, kept out of the HTML so the Content-Security-Policy needs no inline
// script or style:
// - <span data-progress="42.5"> inside a .progress bar gets that width (percent);
// - <form data-confirm="Question?"> submits only when the person confirms.
// Both also work in fragments htmx swaps in (afterSwap runs before the browser paints them).
(function () {
  function sizeBars(root) {
    (root || document).querySelectorAll("[data-progress]").forEach((bar) => {
      const percent = Math.min(100, Math.max(0, parseFloat(bar.dataset.progress) || 0));
      bar.style.width = percent + "%";
    });
  }

  document.addEventListener("DOMContentLoaded", () => sizeBars());
  document.addEventListener("htmx:afterSwap", () => sizeBars());
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
