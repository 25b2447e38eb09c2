/**
 * `npm run bench -- --scale [--json]`: what a long allowlist costs (issue 18). For 10, 1,000 and 10,000 names
 * (tooling/scale-names.ts) in each inspection mode: the wall time and peak RSS of a full synth (`node dist/main.js`,
 * as the plain bench times the demo) and the size of what it writes; then an offline `terraform plan` of the
 * 10,000-name inspection and observability stacks in firewall-proxy mode, where both inspection points hold the
 * list (the provider mirror, as `npm run tf:check`). A mode whose synth refuses a list (an AWS limit the config
 * check enforces) is reported with the refusal, not left out.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { DEMO_CONFIG } from "../config/demo";
import { INSPECTION_MODES, type InspectionMode } from "../config/modes";
import { checkPrerequisites, runOfflineCheck } from "./terraform/check";
import { scaleDomains } from "./scale-names";

/** The allowlist lengths measured. */
export const SCALE_NAMES = [10, 1000, 10_000] as const;
/** The stacks the 10,000-name plan covers: the Network Firewall domain group, and the DNS Firewall lists. */
export const SCALE_PLAN_STACKS = ["inspection", "observability"] as const;

export interface ScaleSynth {
  readonly mode: InspectionMode;
  readonly names: number;
  /** Median wall seconds and the largest peak RSS (MB) of the runs; absent when the synth refused the configuration. */
  readonly seconds?: number;
  /** Median CPU seconds (user + system) of the runs: what a loaded machine does not inflate. */
  readonly cpuSeconds?: number;
  readonly rssMB?: number;
  /** Bytes of every file the synth wrote (cdktf.out). */
  readonly outputBytes?: number;
  /** The synth's first error line, when it refused. */
  readonly refused?: string;
}

export interface ScalePlan {
  readonly stack: string;
  readonly resourcesToAdd?: number;
  /** Seconds of terraform init + plan + show for the stack. */
  readonly seconds: number;
  readonly failure?: string;
}

export interface ScaleBench {
  readonly runs: number;
  readonly synth: readonly ScaleSynth[];
  /** The 10,000-name plans, or why they were not run. */
  readonly plan:
    { readonly names: number; readonly wallSeconds: number; readonly stacks: readonly ScalePlan[] } | { readonly skipped: string };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

/** The configuration of one measurement: the demo in `mode` with `names` names. */
function scaleConfig(mode: InspectionMode, names: number): unknown {
  return {
    ...DEMO_CONFIG,
    inspection: { ...DEMO_CONFIG.inspection, mode },
    egress: { ...DEMO_CONFIG.egress, domains: scaleDomains(names) },
  };
}

export async function benchScale(root: string, work: string, runs: number, progress: (line: string) => void): Promise<ScaleBench> {
  const probe = path.join(root, "tooling", "bench-probe.js");
  const main = path.join(root, "dist", "main.js");
  const cases = INSPECTION_MODES.flatMap((mode) => SCALE_NAMES.map((names) => ({ mode, names })));
  const synth: ScaleSynth[] = [];
  for (const { mode, names } of cases) {
    progress(`synth, ${mode}, ${names} names (${runs} runs after a warm-up)`);
    const config = path.join(work, `scale-${mode}-${names}.json`);
    fs.writeFileSync(config, JSON.stringify(scaleConfig(mode, names)));
    const seconds: number[] = [];
    const cpu: number[] = [];
    const rss: number[] = [];
    let outputBytes = 0;
    let refused: string | undefined;
    for (let round = 0; round <= runs && refused === undefined; round++) {
      const out = path.join(work, `scale-out-${mode}-${names}`);
      fs.rmSync(out, { recursive: true, force: true });
      const probeFile = path.join(work, "scale-probe");
      const cpuFile = path.join(work, "scale-probe-cpu");
      const start = performance.now();
      const r = spawnSync(process.execPath, ["-r", probe, main, "--config", config, "--out", out], {
        cwd: root,
        env: { ...process.env, EGRESS6_BENCH_PROBE: probeFile, EGRESS6_BENCH_PROBE_CPU: cpuFile, EGRESS6_CONFIG: "" },
        encoding: "utf8",
      });
      const wall = (performance.now() - start) / 1000;
      if (r.status !== 0) {
        // The synth names the environment on its first line; the refusal is on the `error:` lines after it.
        const lines = (r.stderr || r.error?.message || "").split("\n").filter((l) => l.trim() !== "");
        refused =
          lines
            .find((l) => l.startsWith("error:"))
            ?.slice("error:".length)
            .trim() ??
          lines.at(-1) ??
          `exit ${r.status}`;
        break;
      }
      if (round === 0) continue; // warm-up
      seconds.push(wall);
      cpu.push(Number(fs.readFileSync(cpuFile, "utf8")));
      rss.push(Number(fs.readFileSync(probeFile, "utf8")) / 2 ** 20);
      outputBytes = folderBytes(out);
    }
    synth.push(
      refused !== undefined
        ? { mode, names, refused }
        : { mode, names, seconds: median(seconds), cpuSeconds: median(cpu), rssMB: Math.max(...rss), outputBytes },
    );
  }

  const names = SCALE_NAMES[SCALE_NAMES.length - 1];
  const prerequisites = checkPrerequisites();
  if (!prerequisites.ok) return { runs, synth, plan: { skipped: prerequisites.problems.join("; ") } };
  progress(`offline terraform plan, firewall-proxy, ${names} names: ${SCALE_PLAN_STACKS.join(", ")}`);
  const start = performance.now();
  const report = await runOfflineCheck({
    config: scaleConfig("firewall-proxy", names),
    configSource: `bench (${names} names)`,
    modes: ["firewall-proxy"],
    stacks: [...SCALE_PLAN_STACKS],
    mirror: prerequisites.mirror,
    workRoot: work,
  });
  const wallSeconds = (performance.now() - start) / 1000;
  return {
    runs,
    synth,
    plan: {
      names,
      wallSeconds,
      stacks: report.results.map((r) => ({
        stack: r.stack,
        resourcesToAdd: r.resourcesToAdd,
        seconds: r.seconds,
        ...(r.failure ? { failure: `${r.failure.step}: ${r.failure.message.split("\n")[0]}` } : {}),
      })),
    },
  };
}

export function formatScaleBench(b: ScaleBench): string {
  const lines = [
    `egress6 scale bench (${b.runs} runs each after a warm-up, median wall and CPU time of \`node dist/main.js\`, max peak RSS)`,
    "",
    "| mode           | names  | synth s | CPU s   | peak RSS MB | output KB |",
    "|----------------|--------|---------|---------|-------------|-----------|",
  ];
  for (const s of b.synth) {
    const head = `| ${s.mode.padEnd(14)} | ${String(s.names).padStart(6)} |`;
    lines.push(
      s.refused !== undefined
        ? `${head} refused: ${s.refused} |`
        : `${head} ${s.seconds!.toFixed(3).padStart(7)} | ${s.cpuSeconds!.toFixed(3).padStart(7)} | ${s.rssMB!.toFixed(1).padStart(11)} | ${(s.outputBytes! / 1024).toFixed(0).padStart(9)} |`,
    );
  }
  lines.push("");
  if ("skipped" in b.plan) lines.push(`offline plan: skipped (${b.plan.skipped})`);
  else {
    lines.push(
      `offline terraform plan, firewall-proxy, ${b.plan.names} names (${b.plan.wallSeconds.toFixed(1)} s wall, stacks in parallel):`,
    );
    lines.push("| stack         | to add | seconds | result |", "|---------------|--------|---------|--------|");
    for (const p of b.plan.stacks) {
      lines.push(
        `| ${p.stack.padEnd(13)} | ${String(p.resourcesToAdd ?? "-").padStart(6)} | ${p.seconds.toFixed(1).padStart(7)} | ${p.failure ?? "ok"} |`,
      );
    }
  }
  return lines.join("\n");
}
