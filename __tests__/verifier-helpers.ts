/**
 * Helpers for the verifier tests: the real app synthesized per inspection mode (once per test file), copies of
 * its Terraform JSON to break on purpose, and the verifier run on them in memory.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { synthesize } from "../app/synthesize";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import type { InspectionMode } from "../config/modes";
import { stackFromTerraformJson, verifyStacks, type Report, type Result, type VerifyOptions } from "../verifier";
import { TAG_AZ, TAG_FAILOVER_GROUP, TAG_ROLE } from "../verifier/tags";
import { failoverGroupOf } from "../lib/proxy-signals";

export type Json = Record<string, any>;

/** The allowlisted ports of the demo config (egress.ports): what L1 must prove, given to the verifier as --ports would. */
export const CONFIG_PORTS: readonly number[] = parseConfig(DEMO_CONFIG, "demo config").egress.ports;

/** One synthesized app: the output folder and every stack's parsed cdk.tf.json. */
export interface SynthApp {
  readonly dir: string;
  readonly stacks: Record<string, Json>;
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-verifier-test-"));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

const cache = new Map<string, SynthApp>();

/** The demo app in `mode` (with `overrides` on the demo config), synthesized for real into a temporary cdktf.out. */
export function synthMode(mode: InspectionMode, overrides: Json = {}): SynthApp {
  const key = JSON.stringify([mode, overrides]);
  const cached = cache.get(key);
  if (cached) return copy(cached);
  const config = parseConfig({ ...DEMO_CONFIG, ...overrides, inspection: { mode } }, "test");
  const dir = path.join(tmpRoot, `out-${cache.size}`, "cdktf.out");
  synthesize(config, dir);
  const stacks: Record<string, Json> = {};
  for (const name of fs.readdirSync(path.join(dir, "stacks"))) {
    stacks[name] = JSON.parse(fs.readFileSync(path.join(dir, "stacks", name, "cdk.tf.json"), "utf8")) as Json;
  }
  const app = { dir, stacks };
  cache.set(key, app);
  return copy(app);
}

/** A deep copy to mutate. */
export function copy(app: SynthApp): SynthApp {
  return { dir: app.dir, stacks: JSON.parse(JSON.stringify(app.stacks)) as Record<string, Json> };
}

/** Runs the verifier on the (possibly mutated) JSON, in memory. */
export function verify(app: SynthApp, options: VerifyOptions = {}): Report {
  const sources = Object.entries(app.stacks).map(([name, json]) =>
    stackFromTerraformJson(name, path.join(app.dir, "stacks", name, "cdk.tf.json"), json, path.join(app.dir, "stacks", name)),
  );
  return verifyStacks(sources, [app.dir], options);
}

export function resultOf(report: Report, id: string): Result {
  const r = report.results.find((x) => x.id === id);
  if (!r) throw new Error(`no result ${id}`);
  return r;
}

/** Ids of every violated invariant and check. */
export function violatedIds(report: Report): string[] {
  return report.results.filter((r) => r.verdict === "VIOLATED").map((r) => r.id);
}

/** Every violation message of one result, for assertions on what the verifier says. */
export function violations(report: Report, id: string): string[] {
  return resultOf(report, id)
    .findings.filter((f) => f.verdict === "VIOLATED")
    .map((f) => `${f.subject}: ${f.message}`);
}

export interface Found {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  readonly body: Json;
}

/** Every resource of a type, across stacks. */
export function all(app: SynthApp, type: string): Found[] {
  return Object.entries(app.stacks).flatMap(([stack, json]) =>
    Object.entries((json.resource?.[type] ?? {}) as Record<string, Json>).map(([name, body]) => ({ stack, type, name, body })),
  );
}

/** The one resource of a type that matches; fails the test when there is not exactly one. */
export function one(app: SynthApp, type: string, match: (body: Json, name: string) => boolean): Found {
  const found = all(app, type).filter((f) => match(f.body, f.name));
  if (found.length !== 1) throw new Error(`expected one ${type} to match, found ${found.length} (${found.map((f) => f.name).join(", ")})`);
  return found[0];
}

/** A resource by its tags (every listed tag must be equal). */
export function tagged(app: SynthApp, type: string, tags: Record<string, string>): Found {
  return one(app, type, (b) => Object.entries(tags).every(([k, v]) => b.tags?.[k] === v));
}

/** The `aws_route` on the route table a network output names (`workload_route_table_id_a`) to `destination`. */
export function route(app: SynthApp, routeTableOutput: string, destination: (body: Json) => boolean): Found {
  return one(app, "aws_route", (b) => String(b.route_table_id).includes(routeTableOutput) && destination(b));
}

export const toAnyIpv6 = (b: Json) => b.destination_ipv6_cidr_block === "::/0";

export function remove(app: SynthApp, f: Found): void {
  delete app.stacks[f.stack].resource[f.type][f.name];
}

export function add(app: SynthApp, stack: string, type: string, name: string, body: Json): void {
  const resources = (app.stacks[stack].resource ??= {});
  (resources[type] ??= {})[name] = body;
}

/** A `${...}` reference to a resource of the network stack by tags, from inside the network stack. */
export function ref(f: Found, attr = "id"): string {
  return `\${${f.type}.${f.name}.${attr}}`;
}

/** The NACL of a tier (network stack), and its rules. */
export function naclRules(app: SynthApp, tier: string): Found[] {
  const nacl = tagged(app, "aws_network_acl", { "egress6:tier": tier });
  return all(app, "aws_network_acl_rule").filter((r) => r.body.network_acl_id === ref(nacl));
}

/** The demo environment's name: failover groups are `failoverGroupOf(DEMO_ENV, az)`. */
export const DEMO_ENV: string = parseConfig(DEMO_CONFIG, "demo config").name;

/** The proxy interface of an AZ (the primary, as the app synthesizes it today). */
export function proxyInterface(app: SynthApp, az: string): Found {
  return one(
    app,
    "aws_network_interface",
    (b, name) => b.tags?.[TAG_ROLE] === "proxy" && b.tags?.[TAG_AZ] === az && !name.endsWith(STANDBY_SUFFIX),
  );
}

const STANDBY_SUFFIX = "_standby";

/**
 * The failover contract of issue 18 on the synthesized app, as the failover branch will write it: per AZ a
 * standby proxy (its own interface, a copy of the primary's, and its own instance attached to it), both
 * interfaces tagged with the AZ's failover group, and every route to the primary ignoring changes to
 * `network_interface_id` (`ignore` = false leaves the routes' lifecycle alone). Returns the standby interfaces.
 */
export function twoProxiesPerAz(app: SynthApp, ignore: false | string[] | "all" = ["network_interface_id"]): Record<string, Found> {
  const standbys: Record<string, Found> = {};
  for (const az of ["a", "b"]) {
    const primary = proxyInterface(app, az);
    primary.body.tags[TAG_FAILOVER_GROUP] = failoverGroupOf(DEMO_ENV, az);
    const body = JSON.parse(JSON.stringify(primary.body)) as Json;
    body.tags.Name = `${body.tags.Name}-2`;
    delete body["//"];
    const name = `${primary.name}${STANDBY_SUFFIX}`;
    add(app, primary.stack, "aws_network_interface", name, body);
    const instance = one(app, "aws_instance", (b) => b.network_interface?.[0]?.network_interface_id === ref(primary));
    const standbyInstance = JSON.parse(JSON.stringify(instance.body)) as Json;
    standbyInstance.network_interface = [{ device_index: 0, network_interface_id: `\${aws_network_interface.${name}.id}` }];
    standbyInstance.tags = { ...standbyInstance.tags, Name: `${standbyInstance.tags.Name}-2` };
    delete standbyInstance["//"];
    add(app, instance.stack, "aws_instance", `${instance.name}${STANDBY_SUFFIX}`, standbyInstance);
    if (ignore !== false)
      for (const r of all(app, "aws_route").filter((x) => x.body.network_interface_id === ref(primary)))
        r.body.lifecycle = { ...(r.body.lifecycle ?? {}), ignore_changes: ignore };
    standbys[az] = { stack: primary.stack, type: "aws_network_interface", name, body };
  }
  return standbys;
}
