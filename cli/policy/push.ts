/**
 * `policy push --env NAME [--yes]`: applies a policy change and nothing else. For each stack that carries the policy
 * (inspection: the policy object(s), Network Firewall's rule groups, the proxies' alarms; observability: the DNS
 * Firewall domain list and alarms), as synthesized in the output folder: `terraform plan -out`, `terraform show
 * -json` of that saved plan, and a gate: any change outside `PUSH_ALLOWED` (a replacement, an instance, a launch
 * template, a route...) refuses the whole push (exit 1), listing every such change. Otherwise the saved plans are
 * applied (`terraform apply PLAN`: exactly what was judged), with `--yes`; without it, a dry run says what would be.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  gatePlan,
  PlanReadError,
  planChanges,
  terraformError,
  type ChangeKind,
  type ChangeVerdict,
  type GatedChange,
  type GateResult,
  type TerraformRunner,
} from "../shared/terraform-plan";

/**
 * What a push may change, by resource type, and how. Updates in place only for what carries the allowlist; alarms
 * and metric filters (thresholds follow the list's size) may come and go. A replacement is never allowed.
 */
export const PUSH_ALLOWED: Readonly<Record<string, readonly ChangeKind[]>> = {
  /** The policy object(s) the proxies poll (issue 18 part 1). */
  aws_s3_object: ["create", "update"],
  /** Network Firewall's domain list and port rule groups. */
  aws_networkfirewall_rule_group: ["update"],
  /** The DNS Firewall allowlist. */
  aws_route53_resolver_firewall_domain_list: ["update"],
  aws_cloudwatch_metric_alarm: ["create", "update", "delete"],
  aws_cloudwatch_log_metric_filter: ["create", "update", "delete"],
};

/** The stacks a push plans, in apply order. */
export const PUSH_STACKS = ["inspection", "observability"] as const;

/** The push gate: a change is allowed when its type and kind are in PUSH_ALLOWED. */
export function pushRule(change: GatedChange): ChangeVerdict {
  const kinds = PUSH_ALLOWED[change.type];
  if (kinds === undefined) return { allowed: false, reason: `${change.type} is not policy, alarm or metric` };
  if (!kinds.includes(change.kind))
    return { allowed: false, reason: `${change.kind} of ${change.type} (a push only does ${kinds.join(", ")})` };
  return { allowed: true };
}

export interface StackGate extends GateResult {
  readonly stack: string;
  readonly planFile: string;
}

export interface PushOptions {
  /** The synthesized stacks' folder: `<outdir>/stacks`. */
  readonly stacksDir: string;
  readonly terraform: TerraformRunner;
  /** Apply the saved plans when every change is allowed. */
  readonly apply: boolean;
  readonly say: (line: string) => void;
}

/** Exit codes: 0 pushed (or the dry run found only allowed changes), 1 refused, 2 cannot run. */
export async function push(options: PushOptions): Promise<number> {
  const { terraform, say } = options;
  const stacks = PUSH_STACKS.filter((s) => fs.existsSync(path.join(options.stacksDir, s, "cdk.tf.json")));
  if (!stacks.includes("inspection")) {
    say(`error: ${path.join(options.stacksDir, "inspection")}: no synthesized inspection stack; run npm run synth -- --config FILE first`);
    return 2;
  }
  const planDir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-policy-push-"));
  try {
    const gates: StackGate[] = [];
    for (const stack of stacks) {
      const cwd = path.join(options.stacksDir, stack);
      const planFile = path.join(planDir, `${stack}.tfplan`);
      for (const args of [
        ["init", "-input=false"],
        ["plan", "-input=false", `-out=${planFile}`],
      ]) {
        const run = await terraform(args, cwd);
        if (run.code !== 0) {
          say(`error: ${stack}: terraform ${args[0]} failed: ${terraformError(run)}`);
          return 2;
        }
      }
      const shown = await terraform(["show", "-json", planFile], cwd);
      if (shown.code !== 0) {
        say(`error: ${stack}: terraform show -json failed: ${terraformError(shown)}`);
        return 2;
      }
      let gate: GateResult;
      try {
        gate = gatePlan(planChanges(JSON.parse(shown.stdout), `${stack}: terraform show -json`), pushRule);
      } catch (e) {
        if (e instanceof PlanReadError || e instanceof SyntaxError) {
          say(`error: ${e instanceof SyntaxError ? `${stack}: terraform show -json printed no JSON (${e.message})` : e.message}`);
          return 2;
        }
        throw e;
      }
      gates.push({ stack, planFile, ...gate });
    }
    for (const g of gates) {
      for (const c of g.allowed) say(`${g.stack}: ${c.kind} ${c.address}`);
      for (const c of g.refused) say(`${g.stack}: REFUSED ${c.kind} ${c.address}: ${c.reason}`);
    }
    const refused = gates.flatMap((g) => g.refused);
    if (refused.length > 0) {
      say(
        `policy push refused: ${refused.length} change${refused.length === 1 ? " is" : "s are"} not a policy change; nothing applied. Apply them on purpose (npx cdktf deploy <stack>), then push again`,
      );
      return 1;
    }
    const total = gates.reduce((n, g) => n + g.allowed.length, 0);
    if (total === 0) {
      say("policy push: nothing to change");
      return 0;
    }
    if (!options.apply) {
      say(`dry run: ${total} policy change${total === 1 ? "" : "s"} would be applied; run again with --yes to apply them`);
      return 0;
    }
    for (const g of gates.filter((x) => x.allowed.length > 0)) {
      const run = await terraform(["apply", "-input=false", g.planFile], path.join(options.stacksDir, g.stack));
      if (run.code !== 0) {
        say(`error: ${g.stack}: terraform apply failed: ${terraformError(run)}`);
        return 2;
      }
      say(`${g.stack}: applied ${g.allowed.length} change${g.allowed.length === 1 ? "" : "s"}`);
    }
    return 0;
  } finally {
    fs.rmSync(planDir, { recursive: true, force: true });
  }
}
