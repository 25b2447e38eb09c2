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
import { failoverGroupOf, proxySlotId } from "../lib/proxy-signals";
import { PRIMARY_SLOT, STANDBY_SLOT, TAG_PROXY_SLOT } from "../lib/proxy-failover";

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

/** The interface of an AZ's proxy in `slot` (1 = primary, 2 = standby), by the tags the proxy tier writes. */
export function proxyInterface(app: SynthApp, az: string, slot: number = PRIMARY_SLOT): Found {
  return one(
    app,
    "aws_network_interface",
    (b) => b.tags?.[TAG_ROLE] === "proxy" && b.tags?.[TAG_AZ] === az && b.tags?.[TAG_PROXY_SLOT] === proxySlotId(az, slot),
  );
}

/**
 * The failover contract of issue 18 as the app synthesizes it: per AZ a primary and a standby proxy, both interfaces
 * tagged with the AZ's failover group, every route to the primary ignoring changes to `network_interface_id`.
 * `ignore` rewrites the routes' `ignore_changes` (false removes it) to test the verifier's reading of it. Returns the
 * standby interfaces by AZ.
 */
export function twoProxiesPerAz(app: SynthApp, ignore: false | string[] | "all" = ["network_interface_id"]): Record<string, Found> {
  const standbys: Record<string, Found> = {};
  for (const az of ["a", "b"]) {
    const primary = proxyInterface(app, az);
    expect(primary.body.tags[TAG_FAILOVER_GROUP]).toBe(failoverGroupOf(DEMO_ENV, az));
    const routes = all(app, "aws_route").filter((x) => x.body.network_interface_id === ref(primary));
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) {
      expect(r.body.lifecycle?.ignore_changes).toEqual(["network_interface_id"]);
      if (ignore === false) {
        const { ignore_changes: _dropped, ...rest } = r.body.lifecycle;
        if (Object.keys(rest).length === 0) delete r.body.lifecycle;
        else r.body.lifecycle = rest;
      } else r.body.lifecycle.ignore_changes = ignore;
    }
    standbys[az] = proxyInterface(app, az, STANDBY_SLOT);
    expect(standbys[az].body.tags[TAG_FAILOVER_GROUP]).toBe(failoverGroupOf(DEMO_ENV, az));
  }
  return standbys;
}
