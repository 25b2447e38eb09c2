/**
 * Issue 15: a value known only after apply is never read as absent. The TLS decryption line of a plan whose firewall
 * policy references a TLS inspection configuration created in the same plan, and true/false arguments the model and
 * the Checkov-style checks read, must say "unknown" (or stop with exit 2), never "none" or "false".
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { readConfigSource } from "../verifier/input/hcl-source";
import { stackFromPlan } from "../verifier/input/plan-json";
import { decryptionFacts } from "../verifier/report/decryption";
import { add, all, one, synthMode, tagged, verify } from "./verifier-helpers";

const CASE = path.join(__dirname, "fixtures", "plan-corpus", "firewall-igw-tls-decrypt");
const plan = () => JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(CASE, "plan.json.gz"))).toString("utf8"));

test("a plan whose policy's TLS inspection configuration ARN is unknown until apply: the report reads the configuration the expression names", async () => {
  const stack = stackFromPlan("tls", path.join(CASE, "plan.json.gz"), plan(), await readConfigSource(CASE));
  const facts = decryptionFacts([stack]).filter((f) => f.line.point === "firewall");
  expect(facts.map((f) => [f.decrypts, f.line.where])).toEqual([
    ["yes", "tls: aws_networkfirewall_firewall_policy.main -> aws_networkfirewall_tls_inspection_configuration.main"],
  ]);
  expect(facts[0].summary).toMatch(/^decrypts TLS \(customer CA\) on port 443/);
  expect(facts[0].line.text).not.toMatch(/decrypts nothing/);
});

test('the same plan without its configuration directory: what it decrypts cannot be told, never "decrypts nothing"', () => {
  const stack = stackFromPlan("tls", path.join(CASE, "plan.json.gz"), plan());
  const facts = decryptionFacts([stack]).filter((f) => f.line.point === "firewall");
  expect(facts.map((f) => f.decrypts)).toEqual(["unknown"]);
  expect(facts[0].line.text).toMatch(/cannot be told before apply/);
  expect(facts[0].line.text).not.toMatch(/decrypts nothing/);
});

test("a subnet's map_public_ip_on_launch known only after apply is exit 2 naming the subnet and the attribute, not false", () => {
  const app = synthMode("proxy");
  const subnet = tagged(app, "aws_subnet", { "egress6:tier": "workload", "egress6:az": "a" });
  app.stacks[subnet.stack].data = {
    ...(app.stacks[subnet.stack].data ?? {}),
    aws_ssm_parameter: { public_flag: { name: "/egress6/public" } },
  };
  subnet.body.map_public_ip_on_launch = "${data.aws_ssm_parameter.public_flag.insecure_value}";
  expect(() => verify(app)).toThrow(/aws_subnet\.\w+ \(network\)\.?:? ?map_public_ip_on_launch cannot be worked out before apply/);
});

test('an instance\'s monitoring known only after apply is UNKNOWN in CKV_AWS_126, never "detailed monitoring is off"', () => {
  const app = synthMode("proxy");
  const instance = one(app, "aws_instance", (b) => b.tags?.["egress6:role"] === "workload" && b.tags?.["egress6:az"] === "a");
  app.stacks[instance.stack].data = {
    ...(app.stacks[instance.stack].data ?? {}),
    aws_ssm_parameter: { monitoring: { name: "/egress6/monitoring" } },
  };
  instance.body.monitoring = "${data.aws_ssm_parameter.monitoring.insecure_value}";
  expect(() => verify(app)).toThrow(/CKV_AWS_126 .*monitoring cannot be worked out before apply/);
});

test("firewall-igw with the workload's routes both ways through a Gateway Load Balancer endpoint instead of the firewall: never HOLDS BY POLICY, exit 2 naming the routes", () => {
  const app = synthMode("firewall-igw");
  const before = verify(app);
  expect(before.results.find((r) => r.id === "R2")!.verdict).toBe("HOLDS BY POLICY");
  add(app, "inspection", "aws_vpc_endpoint", "appliance_a", {
    vpc_id: "${data.terraform_remote_state.network.outputs.vpc_id}",
    vpc_endpoint_type: "GatewayLoadBalancer",
    service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
    subnet_ids: ["${data.terraform_remote_state.network.outputs.firewall_subnet_id_a}"],
  });
  // Every route that sends traffic to AZ a's firewall endpoint now goes to the appliance endpoint instead.
  const toFirewallA = all(app, "aws_route").filter(
    (r) => typeof r.body.vpc_endpoint_id === "string" && r.body.vpc_endpoint_id.includes('"us-east-1a"'),
  );
  expect(toFirewallA.map((r) => r.stack)).toEqual(toFirewallA.map(() => "inspection"));
  expect(toFirewallA.length).toBeGreaterThan(1);
  for (const r of toFirewallA) r.body.vpc_endpoint_id = "${aws_vpc_endpoint.appliance_a.id}";
  let message = "";
  try {
    verify(app);
  } catch (e) {
    message = String((e as Error).message);
  }
  expect(message).toMatch(
    /R2 workload-a \(us-east-1a\): cannot be decided: .*aws_vpc_endpoint\.appliance_a \(Gateway Load Balancer endpoint\)/,
  );
  expect(message).toMatch(/R3 workload-a \(us-east-1a\): cannot be decided/);
});

test("main route table: a swap makes unassociated subnets follow the new main table; two swaps for one VPC are exit 2", () => {
  const app = synthMode("proxy");
  const workloadA = tagged(app, "aws_route_table", { "egress6:tier": "workload", "egress6:az": "a" });
  const proxyA = tagged(app, "aws_route_table", { "egress6:tier": "proxy", "egress6:az": "a" });
  // Subnet workload-a loses its association and the proxy table (::/0 -> egress-only gateway) becomes main.
  const association = one(app, "aws_route_table_association", (b) =>
    String(b.route_table_id).includes(`aws_route_table.${workloadA.name}.`),
  );
  delete app.stacks[association.stack].resource.aws_route_table_association[association.name];
  // The provider says not to manage the default table and swap the main one for the same VPC (exit 2, below): the
  // swap is tested without the demo's aws_default_route_table.
  delete app.stacks.network.resource.aws_default_route_table;
  app.stacks.network.resource.aws_main_route_table_association = {
    swap: { vpc_id: "${aws_vpc.vpc.id}", route_table_id: `\${aws_route_table.${proxyA.name}.id}` },
  };
  const report = verify(app);
  const r3 = report.results.find((r) => r.id === "R3")!;
  expect(r3.subjects.find((s) => s.subject.startsWith("workload-a"))!.verdict).toBe("VIOLATED");
  expect(r3.findings.map((f) => f.message).join("\n")).toMatch(
    /workload-a .*leaves subnet workload-a \(us-east-1a\) without crossing an inspection point|a connection to .* leaves subnet workload-a/,
  );
  app.stacks.network.resource.aws_main_route_table_association.again = {
    vpc_id: "${aws_vpc.vpc.id}",
    route_table_id: `\${aws_route_table.${workloadA.name}.id}`,
  };
  expect(() => verify(app)).toThrow(
    /aws_main_route_table_association\.again \(network\): route_table_id: aws_main_route_table_association\.swap \(network\) already makes another table the main route table/,
  );
});

test("firewall-igw with the IGW edge route for workload a sent to a literal ENI id the configuration does not describe: R1/R2 never HOLD, UNKNOWN naming the route and the target", () => {
  const app = synthMode("firewall-igw");
  const edge = one(app, "aws_route", (_b, name) => name === "edge_to_workload_a_route");
  delete edge.body.vpc_endpoint_id;
  edge.body.network_interface_id = "eni-0123456789abcdef0";
  const report = verify(app);
  for (const id of ["R1", "R2"]) {
    const r = report.results.find((x) => x.id === id)!;
    const a = r.subjects.find((s) => s.subject.startsWith("workload-a"))!;
    expect([id, a.verdict]).toEqual([id, "UNKNOWN"]);
    expect(a.detail).toMatch(/aws_route\.edge_to_workload_a_route \(inspection\)/);
    expect(a.detail).toMatch(/eni-0123456789abcdef0/);
    expect(r.subjects.filter((s) => s.verdict === "HOLDS" || s.verdict === "HOLDS BY POLICY")).toEqual([]);
  }
  expect(report.exitCode).not.toBe(0);
  // With nothing else wrong the same undescribed target is exit 2 naming the route and the target.
  const quiet = synthMode("firewall-igw");
  add(quiet, "network", "aws_route", "rogue_eni", {
    route_table_id: "${aws_route_table.vpc_endpoint_a_routes.id}",
    destination_cidr_block: "192.0.2.0/24",
    network_interface_id: "eni-0123456789abcdef0",
  });
  expect(() => verify(quiet)).toThrow(
    /R2 workload-a \(us-east-1a\): cannot be decided: .*aws_route\.rogue_eni \(network\).*eni-0123456789abcdef0/,
  );
});

test("aws_ebs_encryption_by_default.enabled known only after apply: CKV_AWS_8 is UNKNOWN for an unencrypted volume, never HOLDS", () => {
  const app = synthMode("proxy");
  one(app, "aws_launch_template", (_b, name) => name === "workload_instance_launch_template").body.block_device_mappings[0].ebs.encrypted =
    "false";
  app.stacks.workload.data = { ...(app.stacks.workload.data ?? {}), aws_ssm_parameter: { ebs_default: { name: "/egress6/ebs-default" } } };
  add(app, "workload", "aws_ebs_encryption_by_default", "account", { enabled: "${data.aws_ssm_parameter.ebs_default.insecure_value}" });
  expect(() => verify(app)).toThrow(
    /CKV_AWS_8 .*aws_ebs_encryption_by_default\.account \(workload\) enabled \(EBS encryption by default\) cannot be worked out before apply/,
  );
});

test("aws_main_route_table_association together with aws_default_route_table for the same VPC is exit 2 naming both and the reason", () => {
  const app = synthMode("proxy");
  const proxyA = tagged(app, "aws_route_table", { "egress6:tier": "proxy", "egress6:az": "a" });
  const resources = app.stacks.network.resource;
  expect(Object.keys(resources.aws_default_route_table ?? {})).not.toEqual([]);
  const managed = Object.keys(resources.aws_default_route_table)[0];
  resources.aws_main_route_table_association = {
    swap: { vpc_id: "${aws_vpc.vpc.id}", route_table_id: `\${aws_route_table.${proxyA.name}.id}` },
  };
  expect(() => verify(app)).toThrow(
    new RegExp(
      `aws_main_route_table_association\\.swap \\(network\\): vpc_id: aws_default_route_table\\.${managed} \\(network\\) \\(aws_default_route_table\\) manages the default route table of the same VPC .*not to use both.*resourceVPCRead`,
    ),
  );
});

test('a Network Firewall\'s delete_protection known only after apply is UNKNOWN in CKV_AWS_344, never "is not true"', () => {
  const app = synthMode("firewall-igw");
  const fw = all(app, "aws_networkfirewall_firewall")[0];
  app.stacks[fw.stack].data = { ...(app.stacks[fw.stack].data ?? {}), aws_ssm_parameter: { protect: { name: "/egress6/protect" } } };
  fw.body.delete_protection = "${data.aws_ssm_parameter.protect.insecure_value}";
  expect(() => verify(app)).toThrow(/CKV_AWS_344 .*delete_protection cannot be worked out before apply/);
});

test("a security group rule's self known only after apply is exit 2 naming the resource and the attribute, never read as false", () => {
  const inline = synthMode("proxy");
  const group = one(inline, "aws_security_group", (b) => b.tags?.["egress6:role"] === "workload" && b.tags?.["egress6:az"] === "a");
  inline.stacks[group.stack].data = {
    ...(inline.stacks[group.stack].data ?? {}),
    aws_ssm_parameter: { self_flag: { name: "/egress6/self" } },
  };
  group.body.ingress = [
    ...(group.body.ingress ?? []),
    {
      description: "peers",
      protocol: "tcp",
      from_port: 8080,
      to_port: 8080,
      cidr_blocks: [],
      ipv6_cidr_blocks: [],
      prefix_list_ids: [],
      security_groups: [],
      self: "${data.aws_ssm_parameter.self_flag.insecure_value}",
    },
  ];
  const index = group.body.ingress.length - 1;
  expect(() => verify(inline)).toThrow(
    new RegExp(`aws_security_group\\.${group.name} \\(${group.stack}\\): ingress\\[${index}\\]\\.self cannot be worked out before apply`),
  );

  const separate = synthMode("proxy");
  const g2 = one(separate, "aws_security_group", (b) => b.tags?.["egress6:role"] === "workload" && b.tags?.["egress6:az"] === "a");
  separate.stacks[g2.stack].data = {
    ...(separate.stacks[g2.stack].data ?? {}),
    aws_ssm_parameter: { self_flag: { name: "/egress6/self" } },
  };
  add(separate, g2.stack, "aws_security_group_rule", "peers", {
    type: "ingress",
    protocol: "tcp",
    from_port: 8080,
    to_port: 8080,
    security_group_id: `\${aws_security_group.${g2.name}.id}`,
    self: "${data.aws_ssm_parameter.self_flag.insecure_value}",
  });
  expect(() => verify(separate)).toThrow(
    new RegExp(`aws_security_group_rule\\.peers \\(${g2.stack}\\): self cannot be worked out before apply`),
  );
});
