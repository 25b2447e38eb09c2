/**
 * Loads the output, builds the model and runs every invariant and check: the verifier in one call.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { World } from "./expr/evaluate";
import { buildModel } from "./model/build";
import { Context } from "./analysis/context";
import { InvariantChecks, intentPorts, type IntentPorts } from "./checks/invariants";
import { checkovResults } from "./checks/checkov";
import { icmpErrorsOnly } from "./model/filters";
import { loadCdktfOut } from "./input/cdktf-out";
import { loadPlanFiles } from "./input/plan-json";
import { InputError, type StackSource } from "./input/source";
import type { Report } from "./report/types";
import { decryptionReport } from "./report/decryption";

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
];

export function verifyStacks(stacks: readonly StackSource[], inputs: readonly string[], options: VerifyOptions = {}): Report {
  const world = new World(stacks);
  const model = buildModel(world);
  if (model.problems.length > 0) throw new InputError(model.problems);
  const ctx = new Context(model);
  const workloads = ctx.workloadSubnets();
  if (workloads.length === 0) {
    throw new InputError([
      `${inputs.join(", ")}: no workload subnet found (no aws_subnet tagged egress6:tier = workload, no instance tagged egress6:role = workload); nothing to verify`,
    ]);
  }
  const intent: IntentPorts = options.ports ? { ports: [...options.ports].sort((a, b) => a - b), source: "given with --ports" } : intentPorts(ctx);
  const invariants = new InvariantChecks(ctx).run(intent);
  if (world.problems.length > 0) throw new InputError([...new Set(world.problems)]);

  const sgClosed = (naclKey: string) =>
    model.subnets
      .filter((s) => s.nacl.key === naclKey)
      .every((s) =>
        ctx.hostsIn(s).every((h) =>
          h.securityGroups.every((g) =>
            g.rules.every((r) => r.egress || icmpErrorsOnly(r) || (r.peer.kind === "cidr" ? !ctx.reachesInternet(r.peer.prefix) : r.peer.kind === "group")),
          ),
        ),
      );
  const checks = checkovResults(world, model, ctx, sgClosed);
  const results = [...invariants, ...checks];
  const violated = results.some((r) => r.verdict === "VIOLATED");
  return {
    inputs: [...inputs],
    stacks: stacks.map((s) => s.name),
    assumptions: [...world.assumptions, ...STANDING_ASSUMPTIONS],
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

/** Verifies `terraform show -json` plan files, one per stack, named `<stack>.plan.json`. */
export function verifyPlans(files: readonly string[], options: VerifyOptions = {}): Report {
  return verifyStacks(loadPlanFiles(files), files, options);
}

/** What a command-line PATH stands for. */
export type InputSet = { readonly kind: "cdktf.out"; readonly dir: string } | { readonly kind: "plans"; readonly files: string[] };

/**
 * Groups command-line paths: each cdktf.out directory on its own, each directory of `*.plan.json` on its own (one
 * app, one mode), and the plan files given one by one together, as the stacks of one app.
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
      problems.push(`${p}: no such file or directory (expected a cdktf.out directory or "terraform show -json" plan files)`);
      continue;
    }
    if (stat.isDirectory()) {
      if (fs.existsSync(path.join(p, "manifest.json")) || fs.existsSync(path.join(p, "stacks"))) {
        sets.push({ kind: "cdktf.out", dir: p });
        continue;
      }
      const plans = fs.readdirSync(p).filter((f) => f.endsWith(".plan.json")).sort().map((f) => path.join(p, f));
      if (plans.length > 0) sets.push({ kind: "plans", files: plans });
      else problems.push(`${p}: neither a cdktf.out directory (no manifest.json or stacks/) nor a directory of *.plan.json files`);
    } else planFiles.push(p);
  }
  if (problems.length > 0) throw new InputError(problems);
  if (planFiles.length > 0) sets.push({ kind: "plans", files: planFiles });
  return sets;
}

export function verifyInputSet(set: InputSet, options: VerifyOptions = {}): Report {
  return set.kind === "cdktf.out" ? verifyDirectory(set.dir, options) : verifyPlans(set.files, options);
}
