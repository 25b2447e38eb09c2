/**
 * `npm run bench -- --tests [--json]`: wall-clock time of the test layers, so the README's figures come from a command.
 * Runs the unit layer alone (`npm run test:unit`), then the whole `npm test` (build, type check, both layers), each
 * once, with jest's own worker count (printed), and names the slowest suites of the whole run.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

/** One timed command: its wall time and what jest reported. */
export interface LayerTiming {
  /** The npm script run (`test:unit`, `test`). */
  readonly script: string;
  /** Wall-clock seconds of the whole npm command. */
  readonly seconds: number;
  /** Test suites jest ran. */
  readonly suites: number;
  /** Tests jest ran. */
  readonly tests: number;
  /** Failed tests plus suites that failed to run. */
  readonly failed: number;
  /** The slowest suites of the run: path relative to the project and seconds. */
  readonly slowest: readonly { readonly suite: string; readonly seconds: number }[];
}

/** What `npm run bench -- --tests` measures. */
export interface TestsBench {
  /** The workers jest runs with here (its resolved `maxWorkers`). */
  readonly workers: number;
  /** The machine's cores. */
  readonly cpus: number;
  /** `npm run test:unit`. */
  readonly unit: LayerTiming;
  /** `npm test`: build, type check, both layers. */
  readonly all: LayerTiming;
}

interface JestJson {
  numTotalTestSuites: number;
  numTotalTests: number;
  numFailedTests: number;
  numFailedTestSuites: number;
  /** `--json` writes each suite's start and end time (ms since the epoch); there is no perfStats in that format. */
  testResults: { name: string; startTime?: number; endTime?: number }[];
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** Jest's resolved worker count for this project on this machine (`jest --showConfig`). */
export function jestWorkers(root: string): number {
  const r = spawnSync(process.execPath, [path.join(root, "node_modules", "jest", "bin", "jest.js"), "--showConfig"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`jest --showConfig failed:\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { globalConfig: { maxWorkers: number } }).globalConfig.maxWorkers;
}

/** Runs `npm run <script> -- --json --outputFile=...` and times it; jest's own output goes to stderr, shown as it runs. */
export function timeLayer(root: string, work: string, script: string, progress: (line: string) => void): LayerTiming {
  const out = path.join(work, `${script.replace(/\W/g, "-")}.json`);
  progress(`npm run ${script} ...`);
  const start = performance.now();
  const r = spawnSync(npm, ["run", "--silent", script, "--", "--json", `--outputFile=${out}`], {
    cwd: root,
    env: { ...process.env, EGRESS6_CONFIG: "" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const seconds = (performance.now() - start) / 1000;
  if (!fs.existsSync(out)) throw new Error(`npm run ${script} wrote no jest result (exit ${r.status}): it failed before jest ran`);
  const result = JSON.parse(fs.readFileSync(out, "utf8")) as JestJson;
  const slowest = result.testResults
    .map((t) => ({
      suite: path.relative(root, t.name),
      seconds: t.startTime !== undefined && t.endTime !== undefined ? (t.endTime - t.startTime) / 1000 : 0,
    }))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, 8);
  progress(`npm run ${script}: ${seconds.toFixed(1)} s, exit ${r.status}`);
  return {
    script,
    seconds,
    suites: result.numTotalTestSuites,
    tests: result.numTotalTests,
    failed: result.numFailedTests + result.numFailedTestSuites,
    slowest,
  };
}

/** Times the unit layer, then the whole `npm test`. */
export function benchTests(root: string, progress: (line: string) => void): TestsBench {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-bench-tests-"));
  try {
    const workers = jestWorkers(root);
    const unit = timeLayer(root, work, "test:unit", progress);
    const all = timeLayer(root, work, "test", progress);
    return { workers, cpus: os.cpus().length, unit, all };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The figures as the README quotes them. */
export function formatTestsBench(b: TestsBench): string {
  const row = (what: string, t: LayerTiming) =>
    `| ${what.padEnd(28)} | ${t.seconds.toFixed(1).padStart(7)} | ${String(t.suites).padStart(6)} | ${String(t.tests).padStart(5)} | ` +
    `${String(t.failed).padStart(6)} |`;
  return [
    `egress6 test bench (jest workers: ${b.workers}, ${b.cpus} CPUs, node ${process.version})`,
    "",
    "| layer                        | seconds | suites | tests | failed |",
    "|------------------------------|---------|--------|-------|--------|",
    row("unit (npm run test:unit)", b.unit),
    row("whole suite (npm test)", b.all),
    "(targets: the unit layer under 60 s, the whole npm test under 180 s, idle)",
    "",
    "slowest suites of the whole run (seconds, in a worker, so they overlap):",
    ...b.all.slowest.map((s) => `  ${s.seconds.toFixed(1).padStart(6)}  ${s.suite}`),
  ].join("\n");
}
