/**
 * The names the proxies, the failover Lambda, the alarms, the verifier and `npm run policy` must agree on, in one
 * place: the metrics each proxy publishes about itself, the tag that says which interfaces may stand in for each
 * other, and the version stamp of an egress policy bundle.
 */
import { createHash } from "node:crypto";

/** CloudWatch namespace of the metrics every proxy publishes about itself. */
export const PROXY_METRIC_NAMESPACE = "egress6/Proxy";

/**
 * The proxy's own metrics:
 * - `Healthy`: 1 each time Squid answered a request on the proxy's explicit port (absent when it did not);
 * - `PolicyVersion`: the running policy bundle's version, as `policyVersionOf(...).metricValue`;
 * - `PolicyApplyFailed`: 1 each time a fetched bundle was refused (fetch, parse or health gate failed; the old one
 *   keeps serving).
 */
export const PROXY_METRIC = { healthy: "Healthy", policyVersion: "PolicyVersion", policyApplyFailed: "PolicyApplyFailed" } as const;

/** Dimensions of every proxy metric: the environment name and the proxy's slot (`proxySlotId`). */
export const PROXY_DIMENSION = { environment: "Environment", proxy: "Proxy" } as const;

/** A proxy's slot, stable across instance replacement: `<AZ suffix>-<n>`, n = 1 (primary), 2 (standby), ... */
export function proxySlotId(azSuffix: string, n: number): string {
  return `${azSuffix}-${n}`;
}

/**
 * On every proxy network interface: the failover group it belongs to (`<env>-<AZ suffix>`). A route whose target
 * Terraform does not manage (`ignore_changes` on `network_interface_id`) may point at any interface of the group its
 * planned target belongs to, and at nothing else: the failover Lambda switches only among them, and the verifier
 * proves R1-R3 for each of them.
 */
export const TAG_FAILOVER_GROUP = "egress6:failover-group";

export function failoverGroupOf(env: string, azSuffix: string): string {
  return `${env}-${azSuffix}`;
}

/** The first line of every policy bundle: `# egress6-policy-version: <id>`. */
export const POLICY_VERSION_PREFIX = "# egress6-policy-version: ";

/**
 * The version of a policy bundle: the sha256 of its text (without the version line), as a 12-hex-digit id and as
 * the number the proxies publish in `PolicyVersion` (the first 8 hex digits: a CloudWatch value holds it exactly).
 */
export function policyVersionOf(bundleWithoutVersionLine: string): { id: string; metricValue: number } {
  const hex = createHash("sha256").update(bundleWithoutVersionLine, "utf8").digest("hex");
  return { id: hex.slice(0, 12), metricValue: parseInt(hex.slice(0, 8), 16) };
}
