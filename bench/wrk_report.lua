-- Prints the latency percentiles the benchmark reads (wrk's own --latency has no 95th).
done = function(summary, latency, requests)
  io.write(string.format("P50 %.3f\nP95 %.3f\nP99 %.3f\n", latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
