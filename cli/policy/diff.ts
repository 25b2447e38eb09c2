/**
 * `policy diff --against <config file | git rev>`: what changing the environment's config from `--against` to the
 * current one does: the domains and ports added and removed, and every resource of every stack the change adds,
 * removes or changes (by Terraform address, with the attributes that differ), computed by synthesizing both configs.
 * A change to an instance, a launch template or a boot script is flagged: applied, it can replace machines.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../../app/build-app";
import { configLabel, parseConfig, parseConfigText, readConfigBytes } from "../../config/load";
import type { Egress6Config } from "../../config/schema";
import { UserError } from "../../lib/errors";

/**
 * Resources by address (`aws_x.name`), per stack: the synthesized arguments, metadata removed; and the stack's locals
 * as `local.<name>`, which resources read (a proxy's boot script is a local its `user_data_base64` refers to).
 */
export type StackResources = Record<string, Record<string, unknown>>;

/** Synthesizes every stack of `config` (in a temporary folder, removed afterwards) and returns its resources. */
export function synthesizedResources(config: Egress6Config): StackResources {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-policy-diff-"));
  try {
    buildApp(config, dir).synth();
    const stacksDir = path.join(dir, "stacks");
    const out: StackResources = {};
    for (const stack of fs.readdirSync(stacksDir).sort()) {
      const json = JSON.parse(fs.readFileSync(path.join(stacksDir, stack, "cdk.tf.json"), "utf8")) as {
        resource?: Record<string, Record<string, Record<string, unknown>>>;
        locals?: Record<string, unknown>;
      };
      const resources: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(json.locals ?? {})) resources[`local.${name}`] = value;
      for (const [type, byName] of Object.entries(json.resource ?? {})) {
        for (const [name, body] of Object.entries(byName)) {
          const { "//": _metadata, ...rest } = body;
          void _metadata;
          resources[`${type}.${name}`] = rest;
        }
      }
      out[stack] = resources;
    }
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface ResourceChange {
  readonly stack: string;
  readonly address: string;
  readonly kind: "added" | "removed" | "changed";
  /** The top-level arguments that differ (changed resources only). */
  readonly attributes: readonly string[];
  /** Why applying it may replace a machine, if it may. */
  readonly replacementRisk?: string;
}

export interface PolicyDiff {
  readonly domains: { readonly added: readonly string[]; readonly removed: readonly string[] };
  readonly ports: { readonly added: readonly number[]; readonly removed: readonly number[] };
  readonly resources: readonly ResourceChange[];
}

/** Resource types whose change replaces, or leads to replacing, a machine. */
const MACHINE_TYPES = new Set(["aws_instance", "aws_launch_template"]);
const USER_DATA = /^user_data(_base64)?$/;

function riskOf(type: string, attributes: readonly string[]): string | undefined {
  const userData = attributes.filter((a) => USER_DATA.test(a));
  if (userData.length > 0)
    return type === "aws_instance"
      ? `${userData.join(", ")} changes: the instance is replaced or restarted (replacement risk)`
      : `${userData.join(", ")} changes: instances launched from it boot differently (replacement risk)`;
  if (MACHINE_TYPES.has(type)) return `${type} changes (replacement risk)`;
  return undefined;
}

const LOCAL = "local.";
const refersTo = (value: unknown, locals: ReadonlySet<string>) =>
  [...locals].some((name) =>
    new RegExp(`\\blocal\\.${name.replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`)}(?![A-Za-z0-9_-])`).test(JSON.stringify(value) ?? ""),
  );

/** The locals of a stack that differ between `b` and `a`, and those that read them (to any depth). */
function changedLocals(b: Record<string, unknown>, a: Record<string, unknown>): Set<string> {
  const names = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => k.startsWith(LOCAL)).map((k) => k.slice(LOCAL.length));
  const changed = new Set(names.filter((n) => JSON.stringify(b[LOCAL + n]) !== JSON.stringify(a[LOCAL + n])));
  for (let grew = true; grew;) {
    grew = false;
    for (const n of names) {
      if (!changed.has(n) && refersTo(a[LOCAL + n], changed)) {
        changed.add(n);
        grew = true;
      }
    }
  }
  return changed;
}

/**
 * The difference between the synthesized resources of two configs, `before` -> `after`. An argument that reads a
 * local whose value changed is changed too (a proxy's boot script lives in a local).
 */
export function diffResources(before: StackResources, after: StackResources): ResourceChange[] {
  const out: ResourceChange[] = [];
  for (const stack of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const b = before[stack] ?? {};
    const a = after[stack] ?? {};
    const locals = changedLocals(b, a);
    for (const address of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
      if (address.startsWith(LOCAL)) continue;
      const type = address.slice(0, address.indexOf("."));
      if (!(address in b)) {
        out.push({ stack, address, kind: "added", attributes: [], replacementRisk: MACHINE_TYPES.has(type) ? `a new ${type}` : undefined });
        continue;
      }
      if (!(address in a)) {
        out.push({
          stack,
          address,
          kind: "removed",
          attributes: [],
          replacementRisk: MACHINE_TYPES.has(type) ? `${type} removed` : undefined,
        });
        continue;
      }
      const ba = b[address] as Record<string, unknown>;
      const aa = a[address] as Record<string, unknown>;
      const attributes = [...new Set([...Object.keys(ba), ...Object.keys(aa)])]
        .sort()
        .filter((k) => JSON.stringify(ba[k]) !== JSON.stringify(aa[k]) || refersTo(aa[k], locals));
      if (attributes.length > 0) out.push({ stack, address, kind: "changed", attributes, replacementRisk: riskOf(type, attributes) });
    }
  }
  return out.map((c) => (c.replacementRisk === undefined ? (({ replacementRisk: _r, ...rest }) => (void _r, rest))(c) : c));
}

/** The policy difference between two configs, `before` -> `after`, with the resources the synth says change. */
export function policyDiff(before: Egress6Config, after: Egress6Config): PolicyDiff {
  const minus = <T>(x: readonly T[], y: readonly T[]) => x.filter((v) => !y.includes(v));
  return {
    domains: { added: minus(after.egress.domains, before.egress.domains), removed: minus(before.egress.domains, after.egress.domains) },
    ports: { added: minus(after.egress.ports, before.egress.ports), removed: minus(before.egress.ports, after.egress.ports) },
    resources: diffResources(synthesizedResources(before), synthesizedResources(after)),
  };
}

/** The report `policy diff` prints. */
export function formatDiff(diff: PolicyDiff, beforeLabel: string, afterLabel: string): string {
  const list = (xs: readonly (string | number)[]) => (xs.length === 0 ? "none" : xs.join(", "));
  const lines = [
    `policy diff: ${beforeLabel} -> ${afterLabel}`,
    `domains added: ${list(diff.domains.added)}`,
    `domains removed: ${list(diff.domains.removed)}`,
    `ports added: ${list(diff.ports.added)}`,
    `ports removed: ${list(diff.ports.removed)}`,
    `resources: ${diff.resources.length === 0 ? "no change" : `${diff.resources.length} change${diff.resources.length === 1 ? "" : "s"}`}`,
  ];
  const sign = { added: "+", removed: "-", changed: "~" } as const;
  for (const c of diff.resources) {
    const attrs = c.kind === "changed" ? ` (${c.attributes.join(", ")})` : "";
    lines.push(`  ${sign[c.kind]} ${c.stack}: ${c.address}${attrs}${c.replacementRisk ? `  REPLACEMENT RISK: ${c.replacementRisk}` : ""}`);
  }
  const risks = diff.resources.filter((c) => c.replacementRisk !== undefined).length;
  lines.push(
    risks === 0
      ? "no instance, launch template or boot script changes"
      : `${risks} change${risks === 1 ? "" : "s"} may replace machines: review them before applying (workload instances: npm run workloads -- roll, one AZ at a time)`,
  );
  return `${lines.join("\n")}\n`;
}

/**
 * The config `--against` names: a file, or a git revision of the current config's file (`git show REV:./FILE` in the
 * file's folder). `currentFile` is undefined for the embedded demo, which has no file at any revision.
 */
export function loadAgainst(
  against: string,
  currentFile: string | undefined,
  cwd: string = process.cwd(),
): { config: Egress6Config; label: string } {
  const file = path.resolve(cwd, against);
  if (fs.existsSync(file)) {
    const bytes = readConfigBytes(file);
    return { config: parseConfig(parseConfigText(file, bytes.toString("utf8")), configLabel(against)), label: against };
  }
  if (currentFile === undefined) {
    throw new UserError([
      `--against: ${JSON.stringify(against)} is not a file, and a git revision needs the current config's file (the embedded demo has none); name it with --config FILE`,
    ]);
  }
  const dir = path.dirname(path.resolve(cwd, currentFile));
  const spec = `${against}:./${path.basename(currentFile)}`;
  const shown = spawnSync("git", ["show", spec], { cwd: dir, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (shown.error || shown.status !== 0) {
    const why = shown.error ? shown.error.message : (shown.stderr.trim().split("\n")[0] ?? `exit ${String(shown.status)}`);
    throw new UserError([
      `--against: ${JSON.stringify(against)} is neither a config file nor a git revision holding ${currentFile} (git show ${spec}: ${why})`,
    ]);
  }
  const label = `${currentFile} at ${against}`;
  return { config: parseConfig(parseConfigText(currentFile, shown.stdout), label), label };
}
