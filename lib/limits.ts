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
