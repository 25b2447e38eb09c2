/**
 * The verifier on the real app: every inspection mode passes from cdktf.out, firewall-igw says plainly that
 * inbound is refused by policy, and the command behaves (exit codes, --json, one line per input problem).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { INSPECTION_MODES } from "../config/modes";
import { renderReport, verifyDirectory } from "../verifier";
import { CONFIG_PORTS, all, remove, resultOf, synthMode, verify, violatedIds, type Json, type SynthApp } from "./verifier-helpers";

const INVARIANTS = ["R1", "R2", "R3", "L1", "DNS64", "MAIN-RT"];
const CLI = path.resolve(__dirname, "..", "dist", "verifier", "cli.js");

function runCli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.each([...INSPECTION_MODES])("the real app in %s mode", (mode) => {
  let app: SynthApp;
  beforeAll(() => {
    app = synthMode(mode);
  });

  test("every guarantee holds for every workload subnet (R1, R2, R3, L1, DNS64, main route table)", () => {
    // L1 proves the ports the configuration allowlists, not the ones the output happens to open.
    const report = verify(app, { ports: CONFIG_PORTS });
    expect(resultOf(report, "L1").notes.join(" ")).toMatch(
      new RegExp(`Ports checked: ${[...CONFIG_PORTS].sort((a, b) => a - b).join(", ")} \\(given with --ports\\)`),
    );
    for (const id of INVARIANTS) {
      const r = resultOf(report, id);
      expect({ id, verdict: r.verdict, problems: r.findings.filter((f) => f.verdict === "VIOLATED").map((f) => f.message) }).toEqual({
        id,
        verdict: (id === "R1" || id === "R2") && mode === "firewall-igw" ? "HOLDS BY POLICY" : "HOLDS",
        problems: [],
      });
    }
    // One row per workload subnet (two AZs in the demo).
    expect(resultOf(report, "R3").subjects.map((s) => s.subject)).toEqual(["workload-a (us-east-1a)", "workload-b (us-east-1b)"]);
  });

  test("every security check holds, or says why it does not apply", () => {
    const report = verify(app);
    const checks = report.results.filter((r) => r.kind === "check");
    expect(checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(["CKV2_AWS_11", "CKV_AWS_229", "CKV_AWS_232", "CKV_AWS_382", "CKV2_AWS_63"]),
    );
    expect(
      checks
        .filter((c) => c.verdict === "VIOLATED")
        .map(
          (c) =>
            `${c.id}: ${c.findings
              .filter((f) => f.verdict === "VIOLATED")
              .map((f) => `${f.subject} ${f.message}`)
              .join("; ")}`,
        ),
    ).toEqual([]);
    for (const c of checks.filter((x) => x.verdict === "N/A"))
      expect(c.notes.join(" ") + c.findings.map((f) => f.message).join(" ")).toMatch(/\w/);
    expect(report.exitCode).toBe(0);
  });

  test("the text report has a table per invariant with a row per workload subnet", () => {
    const text = renderReport(verify(app));
    for (const id of INVARIANTS) expect(text).toMatch(new RegExp(`^${id}\\s+(HOLDS|HOLDS BY POLICY)\\s`, "m"));
    expect(text).toMatch(/^\s+HOLDS\s+workload-a \(us-east-1a\)/m);
    expect(text).toMatch(/2001:db8::\/56 \(RFC 3849 documentation prefix\)/);
  });
});

test("in firewall-igw mode R2 holds by policy, and the report says inbound is refused by rules, not by the gateway", () => {
  const report = verify(synthMode("firewall-igw"));
  const r2 = resultOf(report, "R2");
  expect(r2.verdict).toBe("HOLDS BY POLICY");
  const byPolicy = r2.findings.filter((f) => f.verdict === "HOLDS BY POLICY");
  expect(byPolicy.map((f) => f.subject)).toEqual(["workload-a (us-east-1a)", "workload-b (us-east-1b)"]);
  expect(byPolicy[0].message).toMatch(/internet gateway .* only through firewall .* inbound is refused by rules, not by the gateway/);
  expect(byPolicy[0].path!.map((p) => p.text).join("\n")).toMatch(/gateway route table .* -> firewall .* endpoint in firewall-a/);
  expect(renderReport(report)).toMatch(/Holds by policy/);
  // Subnets without workloads or proxies are outside R2, but the report does not hide that the gateway reaches them.
  expect(r2.notes.join(" ")).toMatch(
    /Reachable from the internet by routing, but holding no workload or proxy, so outside R2: endpoint-a, endpoint-b, firewall-a, firewall-b\./,
  );
});

test("in firewall-igw mode R1's no-public-address part holds by policy too: the workload /64s are routable from the internet gateway", () => {
  const r1 = resultOf(verify(synthMode("firewall-igw"), { ports: CONFIG_PORTS }), "R1");
  expect(r1.verdict).toBe("HOLDS BY POLICY");
  expect(r1.subjects.map((s) => [s.subject, s.verdict])).toEqual([
    ["workload-a (us-east-1a)", "HOLDS BY POLICY"],
    ["workload-b (us-east-1b)", "HOLDS BY POLICY"],
  ]);
  const byPolicy = r1.findings.filter((f) => f.verdict === "HOLDS BY POLICY");
  expect(byPolicy[0].message).toMatch(
    /no public IPv4 address; its IPv6 addresses are routable from the internet and kept private by policy: internet gateway .* only through firewall/,
  );
  expect(byPolicy[0].path!.map((p) => p.text).join("\n")).toMatch(/gateway route table .* -> firewall .* endpoint in firewall-a/);
  for (const mode of ["firewall-proxy", "proxy"] as const) expect(resultOf(verify(synthMode(mode)), "R1").verdict).toBe("HOLDS");
});

test("in the modes with an egress-only gateway R2 holds by construction: no gateway lets anything in", () => {
  for (const mode of ["firewall-proxy", "proxy"] as const) {
    const r2 = resultOf(verify(synthMode(mode)), "R2");
    expect(r2.verdict).toBe("HOLDS");
    expect(r2.subjects.every((s) => /no internet gateway/.test(s.detail))).toBe(true);
    // The proxies are judged too.
    expect(r2.subjects.map((s) => s.subject)).toEqual(
      expect.arrayContaining(["proxy-a (us-east-1a) [proxies]", "proxy-b (us-east-1b) [proxies]"]),
    );
  }
});

test("L1 proves the configured ports even when the output stops opening one of them", () => {
  for (const mode of ["firewall-proxy", "proxy", "firewall-igw"] as const) {
    const app = synthMode(mode);
    // Port 80 disappears from every security group and network ACL rule: the output no longer names it anywhere.
    for (const g of all(app, "aws_security_group"))
      for (const dir of ["ingress", "egress"])
        if (Array.isArray(g.body[dir])) g.body[dir] = g.body[dir].filter((r: Json) => r.from_port !== 80);
    for (const r of all(app, "aws_network_acl_rule")) if (r.body.from_port === 80) remove(app, r);
    const given = resultOf(verify(app, { ports: CONFIG_PORTS }), "L1");
    expect({ mode, verdict: given.verdict }).toEqual({ mode, verdict: "VIOLATED" });
    expect(given.findings.map((f) => f.message).join("\n")).toMatch(/TCP 80 .* does not work: the request is refused/);
    // Read from the output alone, port 80 would silently drop out of the proof.
    expect(resultOf(verify(app), "L1").notes.join(" ")).toMatch(/Ports checked: 443 \(/);
  }
});

test("L1 proves the allowlisted ports it read from the output, and --ports can name others", () => {
  const app = synthMode("firewall-proxy");
  expect(resultOf(verify(app), "L1").notes.join(" ")).toMatch(/Ports checked: 80, 443/);
  // 22 is allowlisted nowhere: the workload's own rules refuse it, so L1 must fail for it.
  const l1 = resultOf(verify(app, { ports: [443, 22] }), "L1");
  expect(l1.verdict).toBe("VIOLATED");
  expect(l1.findings[0].message).toMatch(/TCP 22 .* does not work: the request is refused/);
});

describe("verifyDirectory on a cdktf.out directory", () => {
  test("reads every stack and resolves cross-stack references", () => {
    const app = synthMode("firewall-proxy");
    const report = verifyDirectory(app.dir);
    expect(report.stacks).toEqual(expect.arrayContaining(["network", "inspection", "workload", "observability"]));
    expect(violatedIds(report)).toEqual(violatedIds(verify(app)));
  });
});

describe("npm run verify (the CLI)", () => {
  test("exit 0 and a table when everything holds; --json for machines", () => {
    const app = synthMode("proxy");
    const text = runCli([app.dir, "--ports", CONFIG_PORTS.join(",")]);
    expect(text.stderr).toBe("");
    expect(text.stdout).toMatch(/^R1\s+HOLDS/m);
    const json = runCli([app.dir, "--json", "--ports", CONFIG_PORTS.join(",")]);
    const report = JSON.parse(json.stdout);
    expect(report.results.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining(INVARIANTS));
    expect(json.code).toBe(report.exitCode);
    expect(text.code).toBe(report.exitCode);
  });

  test("exit 1 with a counterexample when something is violated", () => {
    const app = synthMode("firewall-proxy");
    const broken = path.join(path.dirname(app.dir), "broken", "cdktf.out");
    fs.cpSync(app.dir, broken, { recursive: true });
    const file = path.join(broken, "stacks", "network", "cdk.tf.json");
    const network = JSON.parse(fs.readFileSync(file, "utf8"));
    const subnet = Object.values(
      network.resource.aws_subnet as Record<string, { tags: Record<string, string>; enable_dns64: boolean }>,
    ).find((s) => s.tags["egress6:tier"] === "workload")!;
    subnet.enable_dns64 = true;
    fs.writeFileSync(file, JSON.stringify(network));
    const r = runCli([broken]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^DNS64\s+VIOLATED/m);
    expect(r.stdout).toMatch(/Result: VIOLATED: .*DNS64/);
  });

  test("unusable input: one line per problem on stderr, exit 2, no stack trace", () => {
    const missing = runCli(["/nonexistent/cdktf.out"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      'error: /nonexistent/cdktf.out: no such file or directory (expected a cdktf.out directory, or "terraform show -json" plan or state files)\n',
    );

    const dir = fs.mkdtempSync(path.join(path.dirname(synthMode("proxy").dir), "bad-"));
    const notJson = path.join(dir, "network.plan.json");
    fs.writeFileSync(notJson, "{ nope");
    const bad = runCli([notJson]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: .*network\.plan\.json: not valid JSON \(.*\)\n$/);

    const ports = runCli(["--ports", "443,http"]);
    expect(ports.code).toBe(2);
    expect(ports.stderr).toBe('error: --ports: got "443,http"; expected TCP ports 1-65535 separated by commas, such as 443,80\n');

    const flag = runCli(["--frobnicate"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    for (const r of [missing, bad, ports, flag]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test("a stack that reads an output no stack declares is unusable input, named precisely", () => {
    const app = synthMode("proxy");
    const broken = path.join(path.dirname(app.dir), "dangling", "cdktf.out");
    fs.cpSync(app.dir, broken, { recursive: true });
    const file = path.join(broken, "stacks", "network", "cdk.tf.json");
    const network = JSON.parse(fs.readFileSync(file, "utf8"));
    delete network.output.workload_route_table_id_a;
    fs.writeFileSync(file, JSON.stringify(network));
    const r = runCli([broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /data\.terraform_remote_state\.network \(inspection\) reads output "workload_route_table_id_a" from stack network, which does not declare it/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
