/**
 * The false passes of issue 10, each as a plan of an HCL configuration written here (planned offline with the
 * provider mirror, stored gzipped under fixtures/verifier-hcl/<case>/ beside its .tf files), and the Checkov rows
 * the issue names. Every case here passed wrongly, or was refused, on the verifier before this reader.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError, verifyInputSet, type Report } from "../verifier";
import { add, all, resultOf, synthMode, verify, violations, type Json } from "./verifier-helpers";

const FIXTURES = path.join(__dirname, "fixtures", "verifier-hcl");

async function verifyFixture(name: string, withConfig = true): Promise<Report> {
  const dir = path.join(FIXTURES, name);
  const file = path.join(dir, "plan.json.gz");
  return verifyInputSet({ kind: "plans", files: [file], configDirs: withConfig ? new Map([[file, dir]]) : new Map() }, { ports: [443] });
}

function allText(report: Report, id: string): string {
  return resultOf(report, id)
    .findings.map((f) => [f.subject, f.message, ...(f.path ?? []).map((p) => p.text)].join("\n"))
    .join("\n");
}

test("an inline 2000::/3 -> egress-only gateway route beside the proxy route is a bypass (R3)", async () => {
  const report = await verifyFixture("inline-route-bypass");
  expect(resultOf(report, "R3").verdict).toBe("VIOLATED");
  expect(violations(report, "R3").join("\n")).toMatch(
    /a connection to 2000::1 leaves subnet .*workload\[0\].* without crossing an inspection point/,
  );
  expect(allText(report, "R3")).toContain(
    "2000::/3 -> egress-only internet gateway aws_egress_only_internet_gateway.eigw [aws_route_table.workload (plan) route[1]]",
  );
  // The proxy is recognised through merge(local.tags, {...}).
  expect(report.hosts).toEqual(
    expect.arrayContaining([expect.objectContaining({ role: "proxy", why: expect.stringContaining("egress6:role = proxy") })]),
  );
});

test("the second of two security groups admits SSH from ::/0: R2 is violated whatever the order", async () => {
  const report = await verifyFixture("second-security-group");
  expect(violations(report, "R2").join("\n")).toMatch(
    /security group aws_security_group\.ssh of aws_instance\.app admits ingress tcp 22 from ::\/0/,
  );
});

test("an instance with no egress6 tags, in a for_each module, is a workload: listed, and its exposure found", async () => {
  const report = await verifyFixture("untagged-host");
  expect(report.hosts).toEqual([
    {
      host: 'web [module.box["web"].aws_instance.this (plan)]',
      subnet: "aws_subnet.app (us-east-1a)",
      role: "workload",
      why: expect.stringContaining("no egress6:role tag"),
    },
  ]);
  expect(violations(report, "R2").join("\n")).toContain('module.box["web"].aws_vpc_security_group_ingress_rule.https');
  expect(resultOf(report, "R3").verdict).toBe("VIOLATED");
});

test("Network Firewall + internet gateway written the HCL way (a local map, one([for ...]), dynamic subnet_mapping) holds, R2 by policy", async () => {
  const report = await verifyFixture("firewall-igw-hcl");
  expect(["R1", "R2", "R3", "L1", "DNS64", "MAIN-RT"].map((id) => [id, resultOf(report, id).verdict])).toEqual([
    ["R1", "HOLDS BY POLICY"],
    ["R2", "HOLDS BY POLICY"],
    ["R3", "HOLDS"],
    ["L1", "HOLDS"],
    ["DNS64", "HOLDS"],
    ["MAIN-RT", "HOLDS"],
  ]);
  expect(resultOf(report, "R2").subjects.every((s) => s.detail.startsWith("by policy:"))).toBe(true);
});

test("the naive firewall -> egress-only gateway layout shows the asymmetric return path", async () => {
  const report = await verifyFixture("firewall-eigw-naive");
  expect(violations(report, "R3").join("\n")).toMatch(
    /is asymmetric: the request crosses firewall fw endpoint in aws_subnet\.firewall\[0\] but the reply crosses none/,
  );
  expect(resultOf(report, "R2").subjects.every((s) => s.detail.startsWith("by construction:"))).toBe(true);
});

test("without its configuration directory, an HCL plan's unknown links are exit 2 naming resource, attribute and what to give", async () => {
  await expect(verifyFixture("second-security-group", false)).rejects.toThrow(InputError);
  try {
    await verifyFixture("second-security-group", false);
  } catch (e) {
    expect((e as InputError).problems).toContain(
      "aws_instance.app (plan).vpc_security_group_ids: known only after apply, and the plan keeps only the references of its expression " +
        "(aws_security_group.app.id, aws_security_group.app, aws_security_group.ssh.id, aws_security_group.ssh), not the expression " +
        "(the configuration is written in HCL); give the configuration directory (--config DIR) so the verifier can evaluate it",
    );
  }
});

test("CKV_AWS_352: an ICMP ingress rule is N/A with the reason, not a silent HOLDS", async () => {
  const report = await verifyFixture("firewall-igw-hcl");
  const rows = resultOf(report, "CKV_AWS_352").subjects;
  expect(rows).toEqual(
    expect.arrayContaining([expect.objectContaining({ verdict: "N/A", detail: expect.stringContaining("ICMP has types, not ports") })]),
  );
});

test("CKV2_AWS_11 says when the flow log is in another stack than its VPC", () => {
  const report = verify(synthMode("proxy"));
  const rows = resultOf(report, "CKV2_AWS_11").subjects;
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows)
    expect(r.detail).toMatch(/^flow logs: .*; across stacks: the flow log is in stack observability, not in the VPC's stack network/);
});

test("CKV_AWS_46 finds an AWS secret key planted in the proxies' gzip+base64 user data", () => {
  const app = synthMode("firewall-proxy");
  // The proxies' boot script names the policy bucket, whose generated name is known only after apply: the check
  // says so for each proxy (N/A, never "no secret"), and reads the scripts once the name is known.
  const clean = resultOf(verify(app), "CKV_AWS_46");
  const proxyRows = clean.findings.filter((f) => /aws_instance\.proxy_/.test(f.subject));
  expect(proxyRows).toHaveLength(4);
  for (const f of proxyRows) {
    expect(f.verdict).toBe("N/A");
    expect(f.message).toMatch(/cannot be read before apply .*aws_s3_bucket\.proxy_policy_store\.bucket, known after apply/);
  }
  const inspection = app.stacks.inspection as Json;
  const blocks: Json[] = Array.isArray(inspection.locals) ? inspection.locals : [inspection.locals];
  const keys = blocks.flatMap((b) => Object.keys(b)).filter((k) => /user_data/.test(k));
  for (const k of keys) {
    const b = blocks.find((x) => k in x)!;
    b[k] = String(b[k]).replace(/\$\{aws_s3_bucket\.[^}]+\.bucket\}/g, "demo-policy-20261207");
  }
  expect(resultOf(verify(app), "CKV_AWS_46").verdict).toBe("HOLDS");
  const key = keys[0];
  const block = blocks.find((b) => key in b)!;
  block[key] = `${block[key]}\nexport AWS_SECRET_ACCESS_KEY\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n`;
  const planted = resultOf(verify(app), "CKV_AWS_46");
  expect(planted.verdict).toBe("VIOLATED");
  expect(planted.findings.map((f) => `${f.subject}: ${f.message}`).join("\n")).toMatch(
    /proxy.*: user data contains what looks like an AWS secret access key/,
  );
  expect(fs.existsSync(app.dir)).toBe(true);
});

test("a state and a plan together: the plan's route, read through remote state, lands on the state's route table by its real id", async () => {
  const dir = path.join(FIXTURES, "state-and-plan");
  const files = [path.join(dir, "net.state.json"), path.join(dir, "routes.plan.json.gz")];
  const report = await verifyInputSet({ kind: "plans", files, configDirs: new Map([[files[1], dir]]) }, { ports: [443] });
  expect(report.stacks).toEqual(["net", "routes"]);
  expect(resultOf(report, "R3").verdict).toBe("VIOLATED");
  expect(allText(report, "R3")).toContain(
    "route table aws_route_table.w: ::/0 -> egress-only internet gateway aws_egress_only_internet_gateway.e [aws_route.bypass (routes)]",
  );
});

test("for_each: each.value is evaluated only for an expression that reads it (a map value it cannot evaluate is not needed elsewhere)", () => {
  const app = synthMode("proxy");
  const vpc = all(app, "aws_security_group").find((f) => f.stack === "workload")!.body.vpc_id;
  // The export writes per-AZ values into the for_each map: here one the verifier does not evaluate (templatefile).
  const probe = (cidr: string): Json => ({
    for_each: { a: '${templatefile("a.tftpl", {})}', b: '${templatefile("b.tftpl", {})}' },
    name: "probe-${each.key}",
    vpc_id: vpc,
    egress: [{ protocol: "tcp", from_port: 443, to_port: 443, ipv6_cidr_blocks: [cidr] }],
  });
  add(app, "workload", "aws_security_group", "probe", probe("2001:db8::/64"));
  expect(() => verify(app)).not.toThrow();
  // Where each.value is read, it is evaluated, and what cannot be is still a refusal naming it.
  add(app, "workload", "aws_security_group", "probe_value", probe("${each.value}"));
  expect(() => verify(app)).toThrow(/function templatefile\(\) is not evaluated by the verifier/);
});
