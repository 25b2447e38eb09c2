// Preloaded into a benchmarked node process (`node -r`): reports its peak RSS on exit to the file named by
// EGRESS6_BENCH_PROBE, so the benchmark can measure child processes without platform tools.
"use strict";
const fs = require("node:fs");
const out = process.env.EGRESS6_BENCH_PROBE;
if (out) {
  process.on("exit", () => {
    fs.writeFileSync(out, String(process.resourceUsage().maxRSS * 1024));
  });
}
