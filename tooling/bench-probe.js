// Preloaded into a benchmarked node process (`node -r`): reports its peak RSS on exit to the file named by
// EGRESS6_BENCH_PROBE, and its CPU seconds (user + system) to the file named by EGRESS6_BENCH_PROBE_CPU when set, so
// the benchmark can measure child processes without platform tools.
"use strict";
const fs = require("node:fs");
const out = process.env.EGRESS6_BENCH_PROBE;
const cpuOut = process.env.EGRESS6_BENCH_PROBE_CPU;
if (out) {
  process.on("exit", () => {
    const usage = process.resourceUsage();
    fs.writeFileSync(out, String(usage.maxRSS * 1024));
    if (cpuOut) fs.writeFileSync(cpuOut, String((usage.userCPUTime + usage.systemCPUTime) / 1e6));
  });
}
