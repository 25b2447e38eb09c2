/**
 * Issue 18: two proxies per AZ, and routes a failover Lambda may switch among the interfaces of the AZ's failover
 * group (`egress6:failover-group`). The verifier must prove R1-R3 and L1 in every state it can see, and refuse
 * (exit 2, naming the route and `network_interface_id`) what it cannot enumerate. The app is the real synthesized
 * output with the failover contract applied (twoProxiesPerAz: what the failover branch will write); the plan
 * corpus holds the same cases as offline plans of HCL (`failover-*`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { InputError, stackFromPlan, verifyStacks, type Report } from "../verifier";
import { MAX_STATES_PER_AZ } from "../verifier/analysis/failover";
import { failoverGroupOf } from "../lib/proxy-signals";
import {
  DEMO_ENV,
  add,
  all,
  one,
  proxyInterface,
  ref,
  remove,
  resultOf,
  synthMode,
  twoProxiesPerAz,
  verify,
  violatedIds,
  violations,
  type Json,
  type SynthApp,
} from "./verifier-helpers";

const GROUP = "egress6:failover-group";

/** The problems of a run that must be refused (exit 2). */
function refused(app: SynthApp): string {
  try {
    verify(app);
  } catch (e) {
    if (e instanceof InputError) return e.problems.join("\n");
    throw e;
  }
  throw new Error("expected exit 2 (InputError), got a report");
}

/** How many failover states the report says it checked. */
function statesChecked(report: Report): number {
  const line = report.assumptions.find((a) => a.startsWith("Failover:"));
  return line ? Number(/in (\d+) failover state/.exec(line)![1]) : 0;
}

/** A copy of an AZ's primary proxy interface under a new name, with changes to its body. */
function addMember(app: SynthApp, az: string, name: string, change: (body: Json) => void): void {
  const primary = proxyInterface(app, az);
  const body = JSON.parse(JSON.stringify(primary.body)) as Json;
  delete body["//"];
  change(body);
  add(app, primary.stack, "aws_network_interface", name, body);
}

describe.each(["proxy", "firewall-proxy"] as const)("two proxies per AZ with failover routes (%s)", (mode) => {
  test("HOLDS in the planned state and with each AZ's routes failed over to the standby", () => {
    const app = synthMode(mode);
    twoProxiesPerAz(app);
    const report = verify(app);
    expect(violatedIds(report)).toEqual([]);
    expect(report.exitCode).toBe(0);
    // One route per AZ, two members each: one failover state per AZ.
    expect(statesChecked(report)).toBe(2);
    for (const id of ["R1", "R2", "R3", "L1"]) expect([id, resultOf(report, id).verdict]).toEqual([id, "HOLDS"]);
  });

  test("the standby classifies as a proxy by the same tags", () => {
    const app = synthMode(mode);
    twoProxiesPerAz(app);
    const rows = verify(app).hosts.filter((h) => h.host.includes("_2_interface"));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatchObject({ role: "proxy", why: expect.stringContaining("egress6:role = proxy") });
  });

  test("a standby whose security group admits nothing: L1 VIOLATED in the failed-over state, naming it", () => {
    const app = synthMode(mode);
    const standby = twoProxiesPerAz(app);
    const primaryGroup = String(proxyInterface(app, "a").body.security_groups[0]).replace(/^\$\{aws_security_group\.(.*)\.id\}$/, "$1");
    const group = one(app, "aws_security_group", (_b, name) => name === primaryGroup);
    add(app, group.stack, "aws_security_group", "standby_closed", {
      name: "standby-closed",
      vpc_id: group.body.vpc_id,
      egress: group.body.egress,
    });
    standby.a.body.security_groups = ["${aws_security_group.standby_closed.id}"];
    const report = verify(app);
    expect(violatedIds(report)).toContain("L1");
    expect(violations(report, "L1").join("\n")).toMatch(
      /workload-a .*with route aws_route\.\w+ \(inspection\) failed over to interface .*_2_interface/,
    );
    // The planned state alone holds: the violation is the failover state's.
    expect(violations(report, "L1").every((v) => v.includes("failed over to interface"))).toBe(true);
  });
});

test("the Lambda may switch a route to a tagged interface whether or not Terraform ignores it: states are checked without lifecycle", () => {
  const app = synthMode("proxy");
  twoProxiesPerAz(app, false);
  expect(all(app, "aws_route").some((r) => r.body.lifecycle)).toBe(false);
  expect(statesChecked(verify(app))).toBe(2);
});

test("ignore_changes = all on a failover route is read as covering network_interface_id: HOLDS", () => {
  const app = synthMode("proxy");
  twoProxiesPerAz(app, "all");
  const report = verify(app);
  expect(violatedIds(report)).toEqual([]);
  expect(statesChecked(report)).toBe(2);
});

test("several failover routes in one AZ are checked in every combination of members", () => {
  const app = synthMode("proxy");
  twoProxiesPerAz(app);
  const route = one(app, "aws_route", (b) => b.network_interface_id === ref(proxyInterface(app, "a")));
  add(app, route.stack, "aws_route", "workload_a_global", {
    ...route.body,
    "//": undefined,
    destination_ipv6_cidr_block: "2000::/3",
  });
  // AZ a: 2 routes x 2 members = 4 states, 3 of them failed over; AZ b: 1.
  expect(statesChecked(verify(app))).toBe(4);
});

test(`more than ${MAX_STATES_PER_AZ} failover states in one AZ are refused, not sampled`, () => {
  const app = synthMode("proxy");
  twoProxiesPerAz(app);
  const primary = proxyInterface(app, "a");
  for (let i = 0; i < MAX_STATES_PER_AZ; i++)
    add(app, primary.stack, "aws_network_interface", `proxy_a_extra_${i}`, {
      ...primary.body,
      "//": undefined,
      tags: { ...primary.body.tags, Name: `x${i}` },
    });
  const text = refused(app);
  expect(text).toMatch(
    /aws_route\.workload_a_default_route \(inspection\): network_interface_id: .* in \d+ combinations, more than the 256/,
  );
});

describe("a failover group the verifier cannot judge is refused (exit 2), naming the route and network_interface_id", () => {
  test("a member in another AZ (egress6:az and subnet)", () => {
    const app = synthMode("proxy");
    twoProxiesPerAz(app);
    const b = proxyInterface(app, "b");
    addMember(app, "a", "proxy_a_elsewhere", (body) => {
      body.subnet_id = b.body.subnet_id;
      body.tags = { ...body.tags, "egress6:az": "b" };
    });
    const text = refused(app);
    expect(text).toMatch(
      /aws_route\.workload_a_default_route \(inspection\): network_interface_id may be switched among failover group "demo-a", whose members are in different AZs: .*aws_network_interface\.proxy_a_elsewhere/,
    );
  });

  test("a member tagged into the AZ but placed in another AZ's subnet", () => {
    const app = synthMode("proxy");
    twoProxiesPerAz(app);
    const b = proxyInterface(app, "b");
    addMember(app, "a", "proxy_a_misplaced", (body) => (body.subnet_id = b.body.subnet_id));
    expect(refused(app)).toMatch(/network_interface_id may be switched among .*proxy_a_misplaced.*\(subnet AZ us-east-1b\)/);
  });

  test("a member in another VPC", () => {
    const app = synthMode("proxy");
    twoProxiesPerAz(app);
    add(app, "inspection", "aws_vpc", "other", { cidr_block: "10.9.0.0/16", assign_generated_ipv6_cidr_block: true });
    add(app, "inspection", "aws_subnet", "other", {
      vpc_id: "${aws_vpc.other.id}",
      availability_zone: "us-east-1a",
      ipv6_native: true,
      ipv6_cidr_block: "${cidrsubnet(aws_vpc.other.ipv6_cidr_block, 8, 1)}",
    });
    addMember(app, "a", "proxy_a_other_vpc", (body) => {
      body.subnet_id = "${aws_subnet.other.id}";
      body.security_groups = [];
    });
    expect(refused(app)).toMatch(
      /aws_route\.workload_a_default_route \(inspection\): network_interface_id may be switched among failover group "demo-a", and .*proxy_a_other_vpc.* is not in the route table's VPC/,
    );
  });

  test("ignore_changes on network_interface_id of a route whose interface has no failover group tag", () => {
    const app = synthMode("proxy");
    twoProxiesPerAz(app);
    delete proxyInterface(app, "b").body.tags[GROUP];
    expect(refused(app)).toMatch(
      /aws_route\.workload_b_default_route \(inspection\): network_interface_id is in lifecycle\.ignore_changes, so it may be switched after apply, but its interface .* carries no egress6:failover-group tag/,
    );
  });

  test("ignore_changes = all on a route to a gateway", () => {
    const app = synthMode("proxy");
    const gw = all(app, "aws_route").find((r) => r.body.egress_only_gateway_id)!;
    gw.body.lifecycle = { ignore_changes: "all" };
    expect(refused(app)).toContain(`aws_route.${gw.name} (${gw.stack}): egress_only_gateway_id is in lifecycle.ignore_changes`);
  });

  test("ignore_changes naming another target argument of a gateway route", () => {
    const app = synthMode("proxy");
    const gw = all(app, "aws_route").find((r) => r.body.egress_only_gateway_id)!;
    gw.body.lifecycle = { ignore_changes: ["egress_only_gateway_id"] };
    expect(refused(app)).toContain(`aws_route.${gw.name} (${gw.stack}): egress_only_gateway_id is in lifecycle.ignore_changes`);
  });

  test("ignore_changes on a route table's inline routes (route) when one targets a gateway", () => {
    const app = synthMode("proxy");
    const gw = all(app, "aws_route").find(
      (r) => r.body.egress_only_gateway_id && /^\$\{aws_route_table\.\w+\.id\}$/.test(r.body.route_table_id),
    )!;
    const tableName = /aws_route_table\.(\w+)\.id/.exec(gw.body.route_table_id)![1];
    const table = one(app, "aws_route_table", (_b, name) => name === tableName);
    expect(table.stack).toBe(gw.stack);
    remove(app, gw);
    table.body.route = [{ ipv6_cidr_block: gw.body.destination_ipv6_cidr_block, egress_only_gateway_id: gw.body.egress_only_gateway_id }];
    table.body.lifecycle = { ignore_changes: ["route"] };
    expect(refused(app)).toContain(`aws_route_table.${tableName} (${table.stack}) route[0]: route is in lifecycle.ignore_changes`);
  });

  test("an ignore_changes the verifier cannot read", () => {
    const app = synthMode("proxy");
    twoProxiesPerAz(app);
    one(app, "aws_route", (b) => b.network_interface_id === ref(proxyInterface(app, "a"))).body.lifecycle = { ignore_changes: 42 };
    expect(refused(app)).toMatch(/aws_route\.workload_a_default_route \(inspection\): lifecycle\.ignore_changes is 42/);
  });

  test("a failover group tag known only after apply", () => {
    const app = synthMode("proxy");
    twoProxiesPerAz(app);
    const primary = proxyInterface(app, "a");
    primary.body.tags[GROUP] = String(primary.body.security_groups[0]);
    expect(refused(app)).toMatch(
      /aws_route\.workload_a_default_route \(inspection\): network_interface_id points at .*whose egress6:failover-group tag is known only after apply/,
    );
  });

  test("a member whose group tag cannot be read", () => {
    const app = synthMode("proxy");
    twoProxiesPerAz(app);
    addMember(app, "a", "proxy_a_unknown", (body) => (body.tags[GROUP] = String(body.security_groups[0])));
    expect(refused(app)).toMatch(
      /network_interface_id may be switched to any interface of failover group "demo-a", and the .* of .*proxy_a_unknown/,
    );
  });

  test("a launch template that gives the interfaces it launches a failover group tag", () => {
    const app = synthMode("proxy");
    twoProxiesPerAz(app);
    add(app, "inspection", "aws_launch_template", "sneaky", {
      name: "sneaky",
      tag_specifications: [{ resource_type: "network-interface", tags: { [GROUP]: failoverGroupOf(DEMO_ENV, "a") } }],
    });
    expect(refused(app)).toMatch(
      /aws_launch_template\.sneaky \(inspection\): tag_specifications gives the network interfaces it launches a egress6:failover-group tag/,
    );
  });

  test("a failover group tag added by aws_ec2_tag", () => {
    const app = synthMode("proxy");
    twoProxiesPerAz(app);
    add(app, "inspection", "aws_ec2_tag", "sneaky", {
      resource_id: "eni-0123456789abcdef0",
      key: GROUP,
      value: failoverGroupOf(DEMO_ENV, "a"),
    });
    expect(refused(app)).toMatch(/aws_ec2_tag\.sneaky \(inspection\): key is "egress6:failover-group"/);
  });
});

describe("a failover group member that is not a proxy: R3 VIOLATED in the failed-over state", () => {
  test.each([
    ["no role tag, source/destination checking on", (b: Json) => (delete b.tags["egress6:role"], delete b.source_dest_check)],
    ["tagged workload, source/destination checking off (a forwarder)", (b: Json) => (b.tags["egress6:role"] = "workload")],
  ])("%s", (_name, change) => {
    const app = synthMode("proxy");
    twoProxiesPerAz(app);
    addMember(app, "a", "stray", change);
    const report = verify(app);
    expect(violatedIds(report)).toContain("R3");
    expect(violations(report, "R3").join("\n")).toMatch(
      /workload-a \(us-east-1a\): with route aws_route\.workload_a_default_route \(inspection\) failed over to interface .*aws_network_interface\.stray \(inspection\).*not a proxy/,
    );
  });
});

test("a plan records no lifecycle settings: ignore_changes is read from the configuration's source", () => {
  const dir = path.join(__dirname, "fixtures", "plan-corpus", "failover-two-proxies");
  const plan = zlib.gunzipSync(fs.readFileSync(path.join(dir, "plan.json.gz"))).toString("utf8");
  expect(fs.readFileSync(path.join(dir, "main.tf"), "utf8")).toContain("ignore_changes = [network_interface_id]");
  expect(plan).not.toContain("ignore_changes");
});

test("a plan alone (JSON syntax, no configuration directory): the standby is found by its tag, and checked", () => {
  const file = path.join(__dirname, "fixtures", "plan-corpus", "json-failover-standby-closed", "plan.json.gz");
  const text = zlib.gunzipSync(fs.readFileSync(file)).toString("utf8");
  expect(text).not.toContain("ignore_changes");
  const report = verifyStacks([stackFromPlan("plan", file, JSON.parse(text))], [file], { ports: [443] });
  expect(violatedIds(report)).toEqual(["L1"]);
  expect(violations(report, "L1").join("\n")).toMatch(
    /workload-a \(us-east-1a\): with route aws_route\.workload_default \(plan\) failed over to interface .*aws_network_interface\.standby \(plan\)/,
  );
});
