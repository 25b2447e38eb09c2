/** One of preflight's AWS checks, run by cli/preflight/aws.ts in the order it prints; read calls only (../clients.ts). */
import { DescribeResourcePoliciesCommand, type DescribeResourcePoliciesCommandOutput } from "@aws-sdk/client-cloudwatch-logs";
import { modeHasFirewall } from "../../../config/modes";
import { partitionOf } from "../../../lib/partition";
import { VENDED_LOGS_PREFIX, vendedLogGroups } from "../../../lib/names";
import { listAll, type Check, type CheckContext } from "../clients";
import { ok, problem } from "../result";

/** CloudWatch Logs resource policies: at most 5,120 characters each, 10 per region (PutResourcePolicy API reference). */
export const LOGS_POLICY_MAX_CHARS = 5120;
export const LOGS_POLICIES_PER_REGION = 10;

/**
 * How much the log-delivery resource policy grows for `vended` log groups, given the delivery policies' documents.
 * Each group outside /aws/vendedlogs/ is one more ARN entry; the groups under it share one `/aws/vendedlogs/*` entry,
 * which adds nothing when a policy already has it (CloudWatch Logs user guide, "Logs sent to CloudWatch Logs";
 * the exact text AWS writes into the policy is not documented, so the sizes are an estimate of its ARN entries).
 */
export function policyGrowth(
  vended: readonly string[],
  documents: readonly string[],
  partition: string,
  region: string,
): { growth: number; covered: string } {
  // An account ID is always 12 digits; which account does not change the length.
  const entry = (logGroup: string) => `"arn:${partition}:logs:${region}:123456789012:log-group:${logGroup}:log-stream:*",`.length;
  const prefixEntry = `${VENDED_LOGS_PREFIX}/*`;
  const under = vended.filter((n) => n.startsWith(`${VENDED_LOGS_PREFIX}/`));
  const outside = vended.filter((n) => !n.startsWith(`${VENDED_LOGS_PREFIX}/`));
  const hasPrefixEntry = documents.some((d) => d.includes(`log-group:${prefixEntry}`));
  let growth = outside.reduce((sum, n) => sum + entry(n), 0);
  const notes: string[] = [];
  if (under.length > 0) {
    if (hasPrefixEntry) notes.push(`${under.length} under ${VENDED_LOGS_PREFIX}/, which the policy's ${prefixEntry} entry already covers`);
    else {
      growth += entry(prefixEntry);
      notes.push(`${under.length} under ${VENDED_LOGS_PREFIX}/, one ${prefixEntry} entry for all of them`);
    }
  }
  if (outside.length > 0) notes.push(`${outside.length} outside ${VENDED_LOGS_PREFIX}/, one entry each`);
  return { growth, covered: notes.join("; ") };
}

/** aws:logs-resource-policy: the CloudWatch Logs resource policy has room for the log groups AWS services deliver to. */
export function logsResourcePolicyChecks({ config, c }: CheckContext): Check[] {
  const region = config.region;
  const firewall = modeHasFirewall(config.inspection.mode);
  const obs = config.observability;
  const checks: Check[] = [];
  // The log groups AWS services deliver to for this config: the same record the stacks hand to Network Firewall's
  // logging configuration (modes with a firewall) and to Resolver query logging (DNS Firewall on).
  const groups = vendedLogGroups(config.name);
  const vended = [...(firewall ? Object.values(groups.firewall) : []), ...(obs.dnsFirewall.enabled ? [groups.resolverQueryLogs] : [])];
  checks.push({
    id: "aws:logs-resource-policy",
    what: "that the CloudWatch Logs resource policy has room",
    async run() {
      if (vended.length === 0)
        return [
          ok("aws:logs-resource-policy", "this config delivers no vended logs, so it adds nothing to the CloudWatch Logs resource policy"),
        ];
      const policies = await listAll(
        c.logs,
        (t) => new DescribeResourcePoliciesCommand({ nextToken: t }),
        (o: DescribeResourcePoliciesCommandOutput) => o.resourcePolicies ?? [],
        "nextToken",
      );
      const accountLevel = policies.filter((p) => p.policyScope !== "RESOURCE");
      // Log delivery grants delivery.logs.amazonaws.com; each log group outside /aws/vendedlogs/ adds its ARN to that policy.
      const delivery = accountLevel.filter((p) => String(p.policyDocument ?? "").includes("delivery.logs.amazonaws.com"));
      const { growth, covered } = policyGrowth(
        vended,
        delivery.map((p) => String(p.policyDocument ?? "")),
        partitionOf(region),
        region,
      );
      if (delivery.length === 0) {
        if (accountLevel.length >= LOGS_POLICIES_PER_REGION) {
          return [
            problem(
              "aws:logs-resource-policy",
              `${accountLevel.length} resource policies exist in ${region} (at most ${LOGS_POLICIES_PER_REGION}) and none is a log-delivery policy, so log delivery cannot add one`,
              "delete an unused CloudWatch Logs resource policy",
            ),
          ];
        }
        return [
          ok(
            "aws:logs-resource-policy",
            `${accountLevel.length} of ${LOGS_POLICIES_PER_REGION} resource policies used; log delivery can add its own`,
          ),
        ];
      }
      const largest = Math.max(...delivery.map((p) => String(p.policyDocument).length));
      const adds =
        growth === 0
          ? `egress6's ${vended.length} log groups add nothing (${covered})`
          : `egress6's ${vended.length} log groups would add about ${growth} (${covered})`;
      if (largest + growth > LOGS_POLICY_MAX_CHARS) {
        return [
          problem(
            "aws:logs-resource-policy",
            `the log-delivery resource policy has ${largest} of ${LOGS_POLICY_MAX_CHARS} characters; ${adds}`,
            "remove stale log-group grants from the policy (or delete unused log deliveries) to make room",
          ),
        ];
      }
      return [
        ok("aws:logs-resource-policy", `the log-delivery resource policy has ${largest} of ${LOGS_POLICY_MAX_CHARS} characters; ${adds}`),
      ];
    },
  });
  return checks;
}
