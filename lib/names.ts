/**
 * Names shared by more than one stack. A stack that needs another stack's *resource id* reads it from remote
 * state; a name that is fixed by configuration alone (a log group, a tag) is computed here, once.
 */

/**
 * The construct id a module gives its main resource. The stacks leave it out of Terraform addresses
 * (`aws_vpc.vpc`, not `aws_vpc.vpc_resource`), so a module's one main resource is named after the module.
 */
export const RESOURCE_ID = "resource";

/** The tiers of the network, in subnet-index order. */
export const TIERS = ["workload", "proxy", "firewall", "endpoint"] as const;
export type Tier = (typeof TIERS)[number];

/**
 * Tags that tell the verifier what a resource is, without knowing this app's construct names.
 * `egress6:tier` on subnets, route tables and NACLs; `egress6:role` on proxies, workloads and quarantine groups;
 * `egress6:az` (the AZ suffix) on every per-AZ resource.
 */
export const TAG_TIER = "egress6:tier";
export const TAG_ROLE = "egress6:role";
export const TAG_AZ = "egress6:az";
/** On every resource (provider default tags): the environment and the stack that manage it. */
export const TAG_ENVIRONMENT = "egress6:environment";
export const TAG_STACK = "egress6:stack";

/** Set by the remediation Lambda on an instance it isolated; the value is the GuardDuty finding id. */
export const TAG_QUARANTINED = "egress6:quarantined";

/**
 * The stacks in deployment order. The name is the cdktf stack id (`cdktf deploy network`), the directory under
 * cdktf.out/stacks/, and the state key `<env>/<stack>.tfstate`. `bootstrap` (the state bucket) stands apart.
 */
export const STACKS = ["network", "inspection", "workload", "observability"] as const;
export type StackName = (typeof STACKS)[number] | "bootstrap";

/** A resource Name tag: `<env>-<what>[-<az>]`. */
export function resourceName(env: string, what: string, az?: string): string {
  return az === undefined ? `${env}-${what}` : `${env}-${what}-${az}`;
}

/**
 * Prefix for log groups that AWS services deliver "vended" logs to (Network Firewall, Route 53 Resolver query logs).
 * Delivery to CloudWatch Logs adds each such group to the account's log resource policy, which holds at most 5,120
 * characters; under this prefix one `/aws/vendedlogs/*` entry covers them all (CloudWatch Logs user guide, "Enabling
 * logging from AWS services", Logs sent to CloudWatch Logs).
 */
export const VENDED_LOGS_PREFIX = "/aws/vendedlogs";

/**
 * The log groups AWS services deliver "vended" logs to: Network Firewall's, by log type (the record the inspection
 * stack hands to the firewall's logging configuration), and Route 53 Resolver query logging's (observability's DNS
 * Firewall). Preflight sizes the log resource policy growth from the same record. All under /aws/vendedlogs/ (a
 * rename: Terraform replaces those groups, see "Upgrading an existing environment" in docs/deploying.md).
 */
export function vendedLogGroups(env: string) {
  return {
    firewall: {
      ALERT: `${VENDED_LOGS_PREFIX}/egress6/${env}/network-firewall/alert`,
      FLOW: `${VENDED_LOGS_PREFIX}/egress6/${env}/network-firewall/flow`,
      TLS: `${VENDED_LOGS_PREFIX}/egress6/${env}/network-firewall/tls`,
    },
    resolverQueryLogs: `${VENDED_LOGS_PREFIX}/egress6/${env}/dns-queries`,
  } as const;
}

/** CloudWatch log groups written by the inspection stack and read by observability's metric filters. */
export function logGroupNames(env: string) {
  const vended = vendedLogGroups(env);
  return {
    firewallAlert: vended.firewall.ALERT,
    firewallFlow: vended.firewall.FLOW,
    firewallTls: vended.firewall.TLS,
    proxyAccess: `/egress6/${env}/proxy/access`,
    vpcFlowLogs: `/egress6/${env}/vpc-flow-logs`,
    dnsQueryLogs: vended.resolverQueryLogs,
    cloudTrail: `/egress6/${env}/cloudtrail`,
  } as const;
}

/**
 * The alias of the bootstrap stack's state key, `alias/<env>-egress6-tfstate`. Fixed by the environment name, so the
 * other stacks' S3 backends can name it before the key exists (Terraform's S3 backend takes `alias/<name>` as
 * `kms_key_id`; hashicorp/terraform internal/backend/remote-state/s3/validate.go, validateKMSKey).
 */
export function stateKeyAlias(env: string): string {
  return `alias/${env}-egress6-tfstate`;
}
