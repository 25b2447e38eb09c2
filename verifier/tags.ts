/**
 * The tags by which the verifier recognises what a resource is for. They are the contract with the stacks, but
 * written out again here on purpose: the verifier reads the output and imports nothing of the code it judges
 * (the stacks take them from lib/names.ts).
 */

/** On subnets, route tables and network ACLs: `workload`, `proxy`, `firewall`, `endpoint`. */
export const TAG_TIER = "egress6:tier";
/** On proxy ENIs and instances, workload instances, quarantine security groups: `proxy`, `workload`, `quarantine`, `endpoint`. */
export const TAG_ROLE = "egress6:role";
/** The AZ suffix (`a`, `b`) on per-AZ resources. */
export const TAG_AZ = "egress6:az";

/**
 * On proxy ENIs: the failover group (`<env>-<AZ suffix>`). A route to one member may be switched at run time to
 * any interface with the same value, and to nothing else (the failover Lambda's contract, lib/proxy-signals.ts).
 */
export const TAG_FAILOVER_GROUP = "egress6:failover-group";

export const ROLE_WORKLOAD = "workload";
export const ROLE_PROXY = "proxy";
export const TIER_WORKLOAD = "workload";
