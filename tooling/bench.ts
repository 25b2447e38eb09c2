/**
 * `npm run bench [-- --json]`: wall time and peak RSS of a full synth of the demo, next to the floor of loading cdktf at
 * all, plus the verifier's in-process time for 1 to 6 AZs. Figures, not pass/fail: compare with the targets.
 * `npm run bench -- --tests [--json]`: instead, the wall time of the unit layer and of the whole `npm test`
 * (tooling/bench-tests.ts).
 * `npm run bench -- --scale [--json]`: instead, synth time, peak RSS and output size for 10, 1,000 and 10,000
 * allowlisted names in each mode, and an offline plan of the 10,000-name stacks (tooling/bench-scale.ts).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import { synthesize } from "../app/synthesize";
import { readConfigSource, verifyDirectory, verifyPlans } from "../verifier";
import { cliConfig, findProviderMirror } from "./terraform/mirror";
import { OFFLINE_AWS_PROVIDER } from "./terraform/overrides";
import { benchTests, formatTestsBench } from "./bench-tests";
import { benchScale, formatScaleBench } from "./bench-scale";

const RUNS = Number(process.env.EGRESS6_BENCH_RUNS ?? 7);
const root = path.resolve(__dirname, "..", "..");
const probe = path.join(root, "tooling", "bench-probe.js");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-bench-"));

interface Sample {
  seconds: number;
  rssBytes: number;
}

/** Runs `node -r probe ...args` and returns wall time and the child's own peak RSS. */
function runNode(args: string[]): Sample {
  const probeFile = path.join(work, "probe");
  const start = performance.now();
  const r = spawnSync(process.execPath, ["-r", probe, ...args], {
    cwd: root,
    env: { ...process.env, EGRESS6_BENCH_PROBE: probeFile, EGRESS6_CONFIG: "" },
    encoding: "utf8",
  });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed:\n${r.stderr}`);
  return { seconds, rssBytes: Number(fs.readFileSync(probeFile, "utf8")) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall time of one run of `command args`; its output is discarded. */
function wallOnce(command: string, args: string[]): number {
  const start = performance.now();
  const r = spawnSync(command, args, { cwd: root, env: { ...process.env, EGRESS6_CONFIG: "" }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${r.stderr}`);
  return (performance.now() - start) / 1000;
}

/**
 * Runs the commands in turns, RUNS rounds after one warm-up round (which also warms the file cache), and returns
 * each one's samples. Taking turns puts a load that comes and goes (other jobs on a shared machine) on every command
 * alike, so the ratios between them hold even when the absolute figures do not.
 */
function inTurns<T>(commands: { label: string; run: () => T }[]): T[][] {
  const samples: T[][] = commands.map(() => []);
  for (let round = 0; round <= RUNS; round++) {
    progress(round === 0 ? `warm-up round (${commands.map((c) => c.label).join("; ")})` : `round ${round}/${RUNS}`);
    commands.forEach((c, i) => {
      const sample = c.run();
      if (round > 0) samples[i].push(sample);
    });
  }
  return samples;
}

function summary(samples: Sample[]): { seconds: number; rssMB: number } {
  return { seconds: median(samples.map((s) => s.seconds)), rssMB: Math.max(...samples.map((s) => s.rssBytes)) / 2 ** 20 };
}

function fmt(n: number, digits = 3): string {
  return n.toFixed(digits);
}

const json = process.argv.slice(2).includes("--json");
const tests = process.argv.slice(2).includes("--tests");
const scale = process.argv.slice(2).includes("--scale");
const unknown = process.argv.slice(2).filter((a) => a !== "--json" && a !== "--tests" && a !== "--scale");
if (unknown.length > 0 || (tests && scale)) {
  const what = unknown.length > 0 ? `unknown argument ${JSON.stringify(unknown[0])}` : "--tests and --scale are two benches; give one";
  process.stderr.write(`error: ${what} (usage: npm run bench -- [--tests | --scale] [--json])\n`);
  process.exit(1);
}
/** Progress on stderr (none with --json), so a long run shows where it is. */
const progress = (line: string) => {
  if (!json) process.stderr.write(`bench: ${line}\n`);
};
if (tests) {
  fs.rmSync(work, { recursive: true, force: true });
  const result = benchTests(root, progress);
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatTestsBench(result)}\n`);
  process.exit(result.unit.failed + result.all.failed > 0 ? 1 : 0);
}
if (scale) {
  spawnSync(process.execPath, [path.join(root, "tooling", "build.js")], { cwd: root }); // dist/ current before timing
  void benchScale(root, work, RUNS, progress).then(
    (result) => {
      fs.rmSync(work, { recursive: true, force: true });
      process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatScaleBench(result)}\n`);
      const planFailed = "stacks" in result.plan && result.plan.stacks.some((p) => p.failure !== undefined);
      process.exit(planFailed ? 1 : 0);
    },
    (e: unknown) => {
      fs.rmSync(work, { recursive: true, force: true });
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}

/** The plain bench: the demo synth against the floor, `npm run synth`, and the verifier. */
function plainBench(): void {
  // The floor, the synth, and `npm run synth` with nothing to rebuild beside what it runs (package.json's `synth`
  // script, read from there so the two never drift apart: the build's up-to-date check, then the synth). npm's own
  // start-up (`npm run env`: npm, a shell and a trivial command) is measured apart and taken out.
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const synthOut = path.join(work, "npm-synth", "cdktf.out");
  const synthScript = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts
    .synth;
  spawnSync(process.execPath, [path.join(root, "tooling", "build.js")], { cwd: root }); // dist/ current before timing
  const [floorSamples, fullSamples, scriptSamples, npmFloorSamples, npmSynthSamples] = inTurns<Sample>([
    { label: "node -e \"require('cdktf')\"", run: () => runNode(["-e", "require('cdktf')"]) },
    { label: "node dist/main.js", run: () => runNode([path.join(root, "dist", "main.js"), "--out", path.join(work, "cdktf.out")]) },
    {
      label: `sh -c '${synthScript}'`,
      run: () => ({ seconds: wallOnce("sh", ["-c", `${synthScript} --out '${synthOut}'`]), rssBytes: 0 }),
    },
    { label: "npm run env", run: () => ({ seconds: wallOnce(npm, ["run", "--silent", "env"]), rssBytes: 0 }) },
    { label: "npm run synth", run: () => ({ seconds: wallOnce(npm, ["run", "--silent", "synth", "--", "--out", synthOut]), rssBytes: 0 }) },
  ]);
  const floor = summary(floorSamples);
  const full = summary(fullSamples);
  const script = summary(scriptSamples).seconds;
  const npmFloor = summary(npmFloorSamples).seconds;
  const npmSynth = summary(npmSynthSamples).seconds;
  const npmRatio = (npmSynth - npmFloor) / full.seconds;

  // Verifier, in process, on the demo app with 1..6 AZs.
  const letters = ["a", "b", "c", "d", "e", "f"];
  const verify: { azs: number; ms: number }[] = [];
  for (let n = 1; n <= 6; n++) {
    progress(`verifier, ${n} AZ${n > 1 ? "s" : ""}`);
    const config = parseConfig({ ...DEMO_CONFIG, availabilityZones: letters.slice(0, n).map((l) => `us-east-1${l}`) });
    const out = path.join(work, `verify-${n}`, "cdktf.out");
    synthesize(config, out);
    verifyDirectory(out); // warm-up
    const times = Array.from({ length: RUNS }, () => {
      const start = performance.now();
      verifyDirectory(out);
      return performance.now() - start;
    });
    verify.push({ azs: n, ms: median(times) });
  }
  // Verifier on a large plan of an HCL configuration (count everywhere), planned offline when terraform is here.
  interface LargePlanResult {
    readonly resources: number;
    readonly firstMs: number;
    readonly medianMs: number;
  }

  /** The verifier on a large plan, or why it could not be measured here. */
  async function largePlan(): Promise<LargePlanResult | { readonly skipped: string }> {
    const dir = path.join(work, "large-plan");
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(root, "tooling", "bench-fixtures", "large-plan.tf"), path.join(dir, "main.tf"));
    fs.writeFileSync(path.join(dir, "zz_offline_override.tf.json"), JSON.stringify({ provider: { aws: { ...OFFLINE_AWS_PROVIDER } } }));
    let mirror;
    try {
      mirror = findProviderMirror({});
    } catch (e) {
      return { skipped: (e as Error).message };
    }
    fs.writeFileSync(path.join(work, "terraformrc"), cliConfig(mirror.root));
    const env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: path.join(work, "terraformrc"),
      TF_IN_AUTOMATION: "1",
      TF_INPUT: "0",
      CHECKPOINT_DISABLE: "1",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    for (const args of [
      ["init", "-backend=false", "-input=false"],
      ["plan", "-input=false", "-refresh=false", "-lock=false", "-out=tfplan"],
    ]) {
      const r = spawnSync("terraform", args, {
        cwd: dir,
        env,
        encoding: "utf8",
        stdio: ["ignore", "ignore", "pipe"],
        maxBuffer: 64 * 2 ** 20,
      });
      if (r.status !== 0) {
        return { skipped: `terraform ${args[0]} failed: ${(r.stderr || r.error?.message || "").split("\n")[0]}` };
      }
    }
    const show = spawnSync("terraform", ["show", "-json", "tfplan"], { cwd: dir, env, encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
    const file = path.join(dir, "large.plan.json");
    fs.writeFileSync(file, show.stdout);
    const resources = (JSON.parse(show.stdout) as { resource_changes: unknown[] }).resource_changes.length;
    const source = await readConfigSource(dir);
    const sources = new Map([[file, source]]);
    const first = performance.now();
    verifyPlans([file], {}, sources);
    const firstMs = performance.now() - first;
    const times = Array.from({ length: RUNS }, () => {
      const start = performance.now();
      verifyPlans([file], {}, sources);
      return performance.now() - start;
    });
    return { resources, firstMs, medianMs: median(times) };
  }

  async function report(): Promise<void> {
    const large = await largePlan();
    fs.rmSync(work, { recursive: true, force: true });

    if (json) {
      const npmRun = { seconds: npmSynth, npmStartSeconds: npmFloor, script: synthScript, scriptSeconds: script, ratio: npmRatio };
      const result = {
        runs: RUNS,
        node: process.version,
        cpus: os.cpus().length,
        floor,
        synth: full,
        npmRunSynth: npmRun,
        verify,
        largePlan: large,
      };
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      console.log(`egress6 bench (${RUNS} runs each, median wall time, max peak RSS; node ${process.version}, ${os.cpus().length} CPUs)`);
      console.log("");
      console.log("| what                          | seconds | peak RSS MB |");
      console.log("|-------------------------------|---------|-------------|");
      console.log(`| node -e "require('cdktf')"    | ${fmt(floor.seconds)}   | ${fmt(floor.rssMB, 1).padStart(11)} |`);
      console.log(`| full synth of the demo        | ${fmt(full.seconds)}   | ${fmt(full.rssMB, 1).padStart(11)} |`);
      console.log("");
      console.log(
        `synth / floor: ${fmt(full.seconds / floor.seconds, 2)}x time, ${fmt(full.rssMB / floor.rssMB, 2)}x memory ` +
          `(targets: <= 0.5 s, <= 150 MB, <= 3x the floor)`,
      );
      console.log("");
      const w = Math.max(47, synthScript.length);
      const row = (what: string, seconds: number) => console.log(`| ${what.padEnd(w)} | ${fmt(seconds)}   |`);
      console.log(`| ${"what".padEnd(w)} | seconds |`);
      console.log(`|${"-".repeat(w + 2)}|---------|`);
      row("node dist/main.js", full.seconds);
      row(synthScript, script);
      row("npm run env (npm's own start-up)", npmFloor);
      row("npm run synth (nothing to rebuild)", npmSynth);
      console.log(
        `npm run synth, npm's start-up aside / node dist/main.js: ${fmt(npmRatio, 2)}x ` +
          `(the script alone: ${fmt(script / full.seconds, 2)}x; target: <= 1.6x)`,
      );
      console.log("");
      console.log("| AZs | verify ms (median) | per AZ ms |");
      console.log("|-----|--------------------|-----------|");
      for (const { azs, ms } of verify) console.log(`| ${azs}   | ${fmt(ms, 1).padStart(18)} | ${fmt(ms / azs, 1).padStart(9)} |`);
      console.log("(target: <= 100 ms for the demo's 2 AZs, growing linearly)");
      console.log("");
      if ("skipped" in large) console.log(`large plan: skipped (${large.skipped})`);
      else {
        console.log(`| large HCL plan | resources | first run ms | median ms |`);
        console.log(`|----------------|-----------|--------------|-----------|`);
        console.log(
          `| 6 AZs, count   | ${String(large.resources).padStart(9)} | ${fmt(large.firstMs, 0).padStart(12)} | ${fmt(large.medianMs, 0).padStart(9)} |`,
        );
        console.log("(target: <= 1 s for a 500-resource plan; reading the HCL source is not included)");
      }
    }
  }
  void report();
}

if (!tests && !scale) plainBench();
