/**
 * Every command's quiet, machine-readable form (`--json`): one JSON document on stdout, nothing on stderr but
 * errors; and the progress lines of the long ones.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { tempDir } from "./helpers";
import { progressLine, reportJson } from "../tooling/terraform/report";
import type { OfflineCheckReport, StackCheckResult } from "../tooling/terraform/check";

const DIST = path.join(__dirname, "..", "dist");

function node(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, ...base } = process.env;
  const r = spawnSync(process.execPath, [path.join(DIST, script), ...args], {
    env: { ...base, ...env },
    encoding: "utf8",
    cwd: tempDir("cwd"),
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("--json", () => {
  test("synth: the environment, config digest, mode and stacks; stderr stays empty", () => {
    const out = path.join(tempDir("out"), "cdktf.out");
    const r = node("main.js", ["--out", out, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      environment: "demo",
      config: "(embedded demo)",
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      chosenBy: "default",
      region: "us-east-1",
      mode: "firewall-proxy",
      outdir: out,
      stacks: expect.arrayContaining(["bootstrap", "network", "inspection", "workload", "observability"]),
    });
  });

  test("synth: errors stay one line each on stderr, nothing on stdout", () => {
    const r = node("main.js", ["--out", "/", "--json"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: --out \/: refusing to write there/);
  });

  test("squid-config: the file and what it was rendered for", () => {
    const r = node(path.join("cli", "squid-config", "index.js"), ["--az", "b", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ environment: "demo", az: "b", vpcIpv6Cidr: null });
    expect(doc.squidConf).toMatch(/^http_port /m);
    // the same text as without --json
    expect(doc.squidConf).toBe(node(path.join("cli", "squid-config", "index.js"), ["--az", "b"]).stdout);
  });

  test("bench: the figures as numbers (one run each), no progress lines", () => {
    const r = node(path.join("tooling", "bench.js"), ["--json"], { EGRESS6_BENCH_RUNS: "1" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.runs).toBe(1);
    expect(doc.synth.seconds).toBeGreaterThan(0);
    expect(doc.floor.rssMB).toBeGreaterThan(0);
    expect(doc.verify.map((v: { azs: number }) => v.azs)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(node(path.join("tooling", "bench.js"), ["--jsn"]).stderr).toMatch(/^error: unknown argument "--jsn"/);
  }, 300_000);
});

describe("tf:check progress and JSON report", () => {
  const result = (over: Partial<StackCheckResult>): StackCheckResult => ({
    mode: "proxy",
    stack: "network",
    status: "passed",
    resourcesToAdd: 69,
    seconds: 12.08,
    ...over,
  });

  test("one progress line per stack: done/total, stack, [mode], what happened, seconds", () => {
    expect(progressLine(result({}), 3, 15)).toBe("3/15 network [proxy] planned, 12.1 s");
    expect(progressLine(result({ mode: "firewall-igw", status: "same", sameAs: "proxy", seconds: 0 }), 4, 15)).toBe(
      "4/15 network [firewall-igw] same as proxy, 0.0 s",
    );
    expect(progressLine(result({ status: "failed", failure: { step: "init", message: "x" } }), 15, 15)).toBe(
      "15/15 network [proxy] FAILED at init, 12.1 s",
    );
  });

  test("the JSON report keeps every result and the toolchain", () => {
    const report: OfflineCheckReport = {
      results: [result({}), result({ stack: "workload", status: "failed", failure: { step: "plan", message: "Error: boom" } })],
      passed: false,
      totalSeconds: 30.5,
      terraformVersion: "1.11.4",
      mirror: { root: "/m", versions: ["5.100.0"], source: "discovered" },
      notes: ["n"],
    };
    const doc = JSON.parse(reportJson(report));
    expect(doc).toMatchObject({
      passed: false,
      totalSeconds: 30.5,
      terraformVersion: "1.11.4",
      provider: { versions: ["5.100.0"], mirror: "/m" },
      notes: ["n"],
    });
    expect(doc.results[1]).toMatchObject({ stack: "workload", status: "failed", failure: { step: "plan", message: "Error: boom" } });
  });
});
