/**
 * Loads the output, builds the model and runs every invariant and check: the verifier in one call.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { World } from "./expr/evaluate";
import { buildModel } from "./model/build";
import { Context } from "./analysis/context";
import { InvariantChecks } from "./checks/invariants";
import { failoverStates, foldNonProxyMembers, foldState, inState } from "./analysis/failover";
import type { IntentPorts } from "./checks/base";
import { intentPorts } from "./checks/l1-allowlisted-ports-work";
import { checkovResults } from "./checks/checkov";
import { icmpErrorsOnly } from "./model/filters";
import { loadCdktfOut } from "./input/cdktf-out";
import { loadPlanFiles } from "./input/plan-json";
import { isConfigDirectory, readConfigSource, type ConfigSource } from "./input/hcl-source";
import { InputError, type StackSource } from "./input/source";
import type { Report } from "./report/types";
import type { Model } from "./model/types";
import { decryptionReport } from "./report/decryption";
import { TAG_FAILOVER_GROUP } from "./tags";

export interface VerifyOptions {
  /**
   * The allowlisted TCP ports L1 proves reachable.
   * @default every single TCP port a workload or proxy rule admits toward the internet
   */
  readonly ports?: readonly number[];
}

/** What the verifier never decides, stated in every report. */
const STANDING_ASSUMPTIONS = [
  "Network Firewall rules and proxy allowlists are not evaluated: a firewall endpoint or proxy counts as an inspection point when traffic is routed through it and the firewall policy sends all traffic to its stateful engine.",
  "Concrete prefixes written in the configuration are taken to lie outside the VPC (its /56 is unknown before apply); ::/0 and 0.0.0.0/0 hold everything.",
  "Traffic to Amazon-provided services at fd00:ec2::/32 (DNS, NTP, instance metadata) is not routed by route tables and is not part of these proofs.",
  "Roles fail closed: an instance or network interface is a proxy only when tagged egress6:role = proxy; every other one is a workload, and every subnet holding one is verified as a workload subnet (the interfaces AWS manages for NAT gateways and firewall or interface endpoints are modelled as those).",
  "Security groups: every group of an instance or interface counts, in any order, with inline rules and rule resources alike.",
];

/**
 * The network model of a set of stacks, as the checks see it (also what `npm run diagram` draws). Throws
 * InputError listing every problem when the input cannot be modelled exactly.
 */
export function modelOf(stacks: readonly StackSource[]): Model {
  return modelAndWorld(stacks).model;
}

function modelAndWorld(stacks: readonly StackSource[]): { world: World; model: Model } {
  const world = new World(stacks);
  const model = buildModel(world);
  // Values the input does not give exactly are the root cause of the model's own complaints about them.
  if (world.problems.length > 0) throw new InputError([...new Set(world.problems)]);
  if (model.problems.length > 0) throw new InputError(model.problems);
  return { world, model };
}

export function verifyStacks(stacks: readonly StackSource[], inputs: readonly string[], options: VerifyOptions = {}): Report {
  const { world, model } = modelAndWorld(stacks);
  const ctx = new Context(model);
  const workloads = ctx.workloadSubnets();
  if (workloads.length === 0) {
    throw new InputError([
      `${inputs.join(", ")}: nothing to verify: no instance or network interface outside a proxy role in any subnet, and no aws_subnet tagged egress6:tier = workload`,
    ]);
  }
  const intent: IntentPorts = options.ports
    ? { ports: [...options.ports].sort((a, b) => a - b), source: "given with --ports" }
    : intentPorts(ctx);
  // Every failover state too (analysis/failover.ts): each route to a failover group switched to each member.
  const states = failoverStates(model);
  let invariants = new InvariantChecks(ctx).run(intent);
  for (const state of states) {
    const variant = inState(state, () => new InvariantChecks(new Context(model)).run(intent));
    invariants = foldState(invariants, variant, state.description);
  }
  invariants = invariants.map((r) => (r.id === "R3" ? foldNonProxyMembers(model, r) : r));
  if (world.problems.length > 0) throw new InputError([...new Set(world.problems)]);
  const failoverNote =
    states.length === 0
      ? []
      : [
          `Failover: routes to an interface tagged ${TAG_FAILOVER_GROUP} may point at any interface of its group at run time; R1, R2, R3 and L1 were checked in the planned state and in ${states.length} failover state(s) (every combination of members within an AZ). The failover Lambda is trusted to switch only among a group's interfaces; its behaviour is tested separately.`,
        ];

  const sgClosed = (naclKey: string) =>
    model.subnets
      .filter((s) => s.nacl.key === naclKey)
      .every((s) =>
        ctx
          .hostsIn(s)
          .every((h) =>
            h.securityGroups.every((g) =>
              g.rules.every(
                (r) =>
                  r.egress || icmpErrorsOnly(r) || (r.peer.kind === "cidr" ? !ctx.reachesInternet(r.peer.prefix) : r.peer.kind === "group"),
              ),
            ),
          ),
      );
  const checks = checkovResults(world, model, ctx, sgClosed);
  const results = [...invariants, ...checks];
  const violated = results.some((r) => r.verdict === "VIOLATED");
  // Never a pass through a hop the verifier cannot see through: without a violation to report, the run is unusable
  // input, one line per such route and target.
  if (!violated) {
    const unknown = results.flatMap((r) =>
      r.kind === "invariant"
        ? r.findings.filter((f) => f.verdict === "UNKNOWN").map((f) => `${r.id} ${f.subject}: cannot be decided: ${f.message}`)
        : r.subjects.filter((s) => s.verdict === "UNKNOWN").map((s) => `${r.id} ${s.subject}: cannot be decided: ${s.detail}`),
    );
    if (unknown.length > 0) throw new InputError([...new Set(unknown)]);
  }
  return {
    inputs: [...inputs],
    stacks: stacks.map((s) => s.name),
    assumptions: [...new Set([...world.assumptions, ...STANDING_ASSUMPTIONS, ...failoverNote])],
    hosts: model.hosts.map((h) => ({
      host: h.origin === h.label ? h.label : `${h.label} [${h.origin}]`,
      subnet: h.subnet ? `${h.subnet.label}${h.subnet.az ? ` (${h.subnet.az})` : ""}` : "(no subnet)",
      role: h.role,
      why: h.roleReason,
    })),
    results,
    verdict: violated ? "VIOLATED" : "HOLDS",
    exitCode: violated ? 1 : 0,
    decryption: decryptionReport(stacks),
  };
}

/** Verifies a cdktf.out directory (every stack, cross-stack references resolved). */
export function verifyDirectory(dir: string, options: VerifyOptions = {}): Report {
  return verifyStacks(loadCdktfOut(dir), [dir], options);
}

/**
 * Verifies `terraform show -json` files, one per stack, each a plan (`<stack>.plan.json`) or a state
 * (`<stack>.state.json`). `sources` maps a plan file to its configuration's HCL source (see readConfigSource).
 */
export function verifyPlans(
  files: readonly string[],
  options: VerifyOptions = {},
  sources: ReadonlyMap<string, ConfigSource> = new Map(),
): Report {
  return verifyStacks(loadPlanFiles(files, sources), files, options);
}

/** What a command-line PATH stands for. */
export type InputSet =
  | { readonly kind: "cdktf.out"; readonly dir: string }
  | { readonly kind: "plans"; readonly files: string[]; readonly configDirs?: ReadonlyMap<string, string> };

const SHOW_JSON = /\.json(\.gz)?$/i;

/**
 * Groups command-line paths: each cdktf.out directory on its own, each directory of plan/state files on its own
 * (one app, one mode), and the files given one by one together, as the stacks of one app.
 */
export function inputSets(paths: readonly string[]): InputSet[] {
  const problems: string[] = [];
  const sets: InputSet[] = [];
  const planFiles: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      problems.push(`${p}: no such file or directory (expected a cdktf.out directory, or "terraform show -json" plan or state files)`);
      continue;
    }
    if (stat.isDirectory()) {
      if (fs.existsSync(path.join(p, "manifest.json")) || fs.existsSync(path.join(p, "stacks"))) {
        sets.push({ kind: "cdktf.out", dir: p });
        continue;
      }
      const plans = fs
        .readdirSync(p)
        .filter((f) => /\.(plan|state)\.json(\.gz)?$/i.test(f))
        .sort()
        .map((f) => path.join(p, f));
      if (plans.length > 0) sets.push({ kind: "plans", files: plans });
      else
        problems.push(
          `${p}: neither a cdktf.out directory (no manifest.json or stacks/) nor a directory of *.plan.json / *.state.json files`,
        );
    } else if (SHOW_JSON.test(p)) planFiles.push(p);
    else problems.push(`${p}: not a .json file (expected "terraform show -json" output saved as <stack>.plan.json or <stack>.state.json)`);
  }
  if (problems.length > 0) throw new InputError(problems);
  if (planFiles.length > 0) sets.push({ kind: "plans", files: planFiles });
  return sets;
}

/**
 * The configuration directory of each plan file: given with `--config` (`DIR` when there is one plan, else
 * `STACK=DIR`), or else the plan file's own directory when it holds Terraform files (Atlantis writes plans there).
 */
export function configDirectories(files: readonly string[], given: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const problems: string[] = [];
  const byStack = new Map(
    files.map((f) => [
      path
        .basename(f)
        .replace(/\.gz$/i, "")
        .replace(/\.(plan|state)\.json$|\.json$/i, ""),
      f,
    ]),
  );
  for (const g of given) {
    const m = /^([^=]+)=(.+)$/.exec(g);
    if (m && !fs.existsSync(g)) {
      const file = byStack.get(m[1]);
      if (!file) problems.push(`--config ${g}: no plan file of stack "${m[1]}" was given (stacks: ${[...byStack.keys()].join(", ")})`);
      else out.set(file, m[2]);
    } else if (files.length === 1) out.set(files[0], g);
    else problems.push(`--config ${g}: several plan files were given; write --config STACK=DIR`);
  }
  for (const f of files) if (!out.has(f) && isConfigDirectory(path.dirname(f))) out.set(f, path.dirname(f));
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

/** Verifies one input set, reading the HCL source of plans whose configuration directory is known. */
export async function verifyInputSet(set: InputSet, options: VerifyOptions = {}): Promise<Report> {
  if (set.kind === "cdktf.out") return verifyDirectory(set.dir, options);
  const sources = new Map<string, ConfigSource>();
  const problems: string[] = [];
  for (const [file, dir] of set.configDirs ?? new Map<string, string>()) {
    try {
      sources.set(file, await readConfigSource(dir));
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return verifyPlans(set.files, options, sources);
}
