/**
 * Limits that both the configuration's validation and the modules that build the resources respect: the config
 * refuses a value the modules could not build, with the same numbers.
 */

/**
 * Rules a network ACL holds per direction, the default deny rules (IPv4 and IPv6) included (VPC user guide,
 * "Amazon VPC quotas", rules per network ACL; adjustable, 20 by default).
 */
export const NACL_RULES_PER_DIRECTION = 20;
/** The `*` rules AWS adds to every ACL of a dual-stack VPC: one IPv4 and one IPv6 default deny, per direction. */
export const NACL_DEFAULT_DENY_RULES = 2;
/** Numbered rules that fit in one direction. */
export const NACL_NUMBERED_RULES = NACL_RULES_PER_DIRECTION - NACL_DEFAULT_DENY_RULES;

/**
 * egress6's own Suricata signature ids (modules/firewall/suricata-rules.ts) live in 9100000-9100999, above the
 * ranges Suricata rule sets publish; an operator rule (egress.suricataRules) must stay out of it.
 */
export const EGRESS6_SID_RANGE = { from: 9_100_000, to: 9_100_999 } as const;

/**
 * Tags on one AWS resource, the provider's default tags included (they are sent with the resource's own): at most 50
 * user tags per resource ("Tag restrictions" in the AWS service guides, e.g. the EC2 user guide; tags whose key starts
 * with `aws:` are AWS's own and do not count).
 */
export const TAGS_PER_RESOURCE = 50;
/**
 * The most tags egress6 itself puts on any one resource: the default tags `egress6:environment` and `egress6:stack`,
 * and `Name`, `egress6:role`, `egress6:az` (or `egress6:tier`) on the resource, and on a proxy interface also
 * `egress6:failover-group` and `egress6:proxy-slot`. __tests__/config-limits.test.ts counts
 * them in the synthesized output of every mode and fails when this number is no longer the largest.
 */
export const EGRESS6_TAGS_PER_RESOURCE = 7;

/**
 * Domains one Route 53 Resolver UpdateFirewallDomains request takes (Route 53 API reference, UpdateFirewallDomains:
 * Domains, maximum 1,000 items). The AWS provider sends a domain list's whole `domains` in one request, so a longer
 * list fails at apply (hashicorp/terraform-provider-aws issue #41433).
 */
export const DNS_FIREWALL_DOMAINS_PER_REQUEST = 1000;

/** An S3 object key is at most 1,024 bytes of UTF-8 (S3 user guide, "Naming Amazon S3 objects"). */
export const S3_OBJECT_KEY_MAX_BYTES = 1024;
/**
 * With S3-native locking (`use_lockfile`), Terraform writes the lock beside the state at `<key>.tflock`
 * (hashicorp/terraform internal/backend/remote-state/s3/backend_state.go, getLockFilePath), the longest key it uses.
 */
export const S3_LOCK_FILE_SUFFIX = ".tflock";
