/**
 * Route 53 Resolver DNS Firewall on the VPC, fed by the egress allowlist: Network Firewall and Squid never see
 * queries to the Amazon-provided resolver, so without this a workload could tunnel data out through DNS. Allowed
 * names resolve; everything else gets NXDOMAIN. Every query is logged to an encrypted log group.
 */
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { Route53ResolverFirewallDomainList } from "@cdktf/provider-aws/lib/route53-resolver-firewall-domain-list";
import { Route53ResolverFirewallRuleGroup } from "@cdktf/provider-aws/lib/route53-resolver-firewall-rule-group";
import { Route53ResolverFirewallRule } from "@cdktf/provider-aws/lib/route53-resolver-firewall-rule";
import { Route53ResolverFirewallRuleGroupAssociation } from "@cdktf/provider-aws/lib/route53-resolver-firewall-rule-group-association";
import { Route53ResolverFirewallConfig } from "@cdktf/provider-aws/lib/route53-resolver-firewall-config";
import { Route53ResolverQueryLogConfig } from "@cdktf/provider-aws/lib/route53-resolver-query-log-config";
import { Route53ResolverQueryLogConfigAssociation } from "@cdktf/provider-aws/lib/route53-resolver-query-log-config-association";
import { EncryptedLogGroup } from "../shared/encrypted-log-group";
import { dnsSuffixOf } from "../../lib/partition";
import { UserError } from "../../lib/errors";
import { dnsFirewallChunks, dnsFirewallQuotaProblems } from "../../lib/limits";

/**
 * Rule priorities inside the group: the allow rules first (list i at `allow + i`, below the block: at most 99 lists,
 * DNS_FIREWALL_RULES_PER_RULE_GROUP), then block the rest.
 */
export const PRIORITY = { allow: 100, blockEverythingElse: 200 } as const;
/** Association priority: 101-9899 are the values open to customers (Route 53 API, AssociateFirewallRuleGroup). */
export const ASSOCIATION_PRIORITY = 101;
/** Matches every name (Route 53 Resolver DNS Firewall domain list syntax). */
const EVERY_DOMAIN = "*";

/**
 * DNS Firewall domain list entries for allowlist entries in the project's normal form: `example.com` stays exact,
 * `.example.com` (the domain and its subdomains) becomes `example.com` plus `*.example.com`.
 */
export function dnsFirewallDomains(allowlist: readonly string[]): string[] {
  const out = allowlist.flatMap((d) => (d.startsWith(".") ? [d.slice(1), `*${d}`] : [d]));
  return [...new Set(out)];
}

/**
 * Names the VPC itself needs whatever the allowlist says: the instances' own resource-name host names
 * (`*.compute.internal`; `*.ec2.internal` in us-east-1) and the AWS service names that private DNS of the
 * interface endpoints answers (`ssm.<region>.<dns suffix>`, ...).
 */
export function vpcInternalDomains(region: string, endpointServices: readonly string[]): string[] {
  return ["*.compute.internal", "*.ec2.internal", ...endpointServices.map((s) => `${s}.${region}.${dnsSuffixOf(region)}`)];
}

export interface DnsFirewallProps {
  /** The environment name: the domain lists, rule group, association and query log config are named `<envName>-<what>`. */
  readonly envName: string;
  /** The VPC the rule group is associated with, fail-closed, and whose queries are logged. */
  readonly vpcId: string;
  /** Normalised allowlist entries (`example.com`, `.example.com`). */
  readonly allowlist: readonly string[];
  /** Further names to allow, already in DNS Firewall syntax. */
  readonly alsoAllow: readonly string[];
  /** Keep the association from being changed or removed until protection is switched off. */
  readonly mutationProtection: boolean;
  /** Name of the CloudWatch Logs group every DNS query of the VPC is logged to (created here). */
  readonly queryLogGroupName: string;
  /** Days CloudWatch Logs keeps the query log events (a value the API accepts: 1, 3, 5, 7, 14, 30, ...). */
  readonly retentionDays: number;
  /** ARN of the customer-managed KMS key that encrypts the query log group. */
  readonly kmsKeyArn: string;
  /** The key policy that lets CloudWatch Logs use the key: it must exist before the log group. */
  readonly keyPolicy: ITerraformDependable;
}

export class DnsFirewall extends Construct {
  /**
   * The allowlist's domain lists (lib/limits.ts, dnsFirewallChunks: at most 1,000 names each, a name's list fixed by
   * its hash), each with its ALLOW rule. The first keeps the construct id and name of the single list egress6 wrote
   * before, so an existing list of up to 750 names is updated in place, not replaced.
   */
  readonly allowLists: Route53ResolverFirewallDomainList[];
  readonly ruleGroup: Route53ResolverFirewallRuleGroup;
  readonly queryLogGroup: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: DnsFirewallProps) {
    super(scope, id);
    const name = (what: string) => `${props.envName}-${what}`;

    const entries = new Set([...dnsFirewallDomains(props.allowlist), ...props.alsoAllow]);
    const problems = dnsFirewallQuotaProblems(entries);
    if (problems.length > 0) throw new UserError(problems.map((p) => `egress.domains: ${p}`));
    const suffix = (i: number) => (i === 0 ? "" : `-${i}`);
    this.allowLists = dnsFirewallChunks(entries).map(
      (domains, i) =>
        new Route53ResolverFirewallDomainList(this, `allowlist${suffix(i)}`, { name: name(`egress-allowlist${suffix(i)}`), domains }),
    );
    const everything = new Route53ResolverFirewallDomainList(this, "everything", { name: name("every-domain"), domains: [EVERY_DOMAIN] });
    this.ruleGroup = new Route53ResolverFirewallRuleGroup(this, "rule-group", { name: name("dns-allowlist") });
    this.allowLists.forEach((list, i) => {
      new Route53ResolverFirewallRule(this, `allow${suffix(i)}`, {
        name: `allow-allowlisted${suffix(i)}`,
        firewallRuleGroupId: this.ruleGroup.id,
        firewallDomainListId: list.id,
        priority: PRIORITY.allow + i,
        action: "ALLOW",
        // An allowed name's CNAME chain (CDNs) is followed without being checked against the list again.
        firewallDomainRedirectionAction: "TRUST_REDIRECTION_DOMAIN",
      });
    });
    new Route53ResolverFirewallRule(this, "block", {
      name: "block-everything-else",
      firewallRuleGroupId: this.ruleGroup.id,
      firewallDomainListId: everything.id,
      priority: PRIORITY.blockEverythingElse,
      action: "BLOCK",
      blockResponse: "NXDOMAIN",
    });
    new Route53ResolverFirewallRuleGroupAssociation(this, "association", {
      name: name("dns-allowlist"),
      firewallRuleGroupId: this.ruleGroup.id,
      vpcId: props.vpcId,
      priority: ASSOCIATION_PRIORITY,
      mutationProtection: props.mutationProtection ? "ENABLED" : "DISABLED",
    });
    // If DNS Firewall cannot answer, queries fail rather than resolve unfiltered.
    new Route53ResolverFirewallConfig(this, "fail-closed", { resourceId: props.vpcId, firewallFailOpen: "DISABLED" });

    this.queryLogGroup = new EncryptedLogGroup(this, "query-log-group", {
      name: props.queryLogGroupName,
      retentionDays: props.retentionDays,
      kmsKeyArn: props.kmsKeyArn,
      keyPolicy: props.keyPolicy,
    });
    const queryLog = new Route53ResolverQueryLogConfig(this, "query-log", {
      name: name("dns-queries"),
      destinationArn: this.queryLogGroup.logGroup.arn,
    });
    new Route53ResolverQueryLogConfigAssociation(this, "query-log-association", {
      resolverQueryLogConfigId: queryLog.id,
      resourceId: props.vpcId,
    });
  }
}
