/**
 * Limits that both the configuration's validation and the modules that build the resources respect: the config
 * refuses a value the modules could not build, with the same numbers.
 */
import { createHash } from "node:crypto";

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
 * list fails at apply (hashicorp/terraform-provider-aws issue #41433): egress6 writes several (dnsFirewallChunks).
 */
export const DNS_FIREWALL_DOMAINS_PER_REQUEST = 1000;

/** An S3 object key is at most 1,024 bytes of UTF-8 (S3 user guide, "Naming Amazon S3 objects"). */
export const S3_OBJECT_KEY_MAX_BYTES = 1024;
/**
 * With S3-native locking (`use_lockfile`), Terraform writes the lock beside the state at `<key>.tflock`
 * (hashicorp/terraform internal/backend/remote-state/s3/backend_state.go, getLockFilePath), the longest key it uses.
 */
export const S3_LOCK_FILE_SUFFIX = ".tflock";

/**
 * Quotas on Route 53 Resolver DNS Firewall (Route 53 developer guide, "Quotas", section "Quotas on Route 53 Resolver
 * DNS Firewall"; awsdocs/amazon-route53-docs doc_source/DNSLimitations.md): rules within a rule group (100), and
 * domain specifications across all the account's DNS Firewall domain lists in a Region (100,000). Both adjustable
 * through Service Quotas; egress6 checks the defaults.
 */
export const DNS_FIREWALL_QUOTAS_SOURCE = 'Route 53 developer guide, "Quotas on Route 53 Resolver DNS Firewall"';
export const DNS_FIREWALL_RULES_PER_RULE_GROUP = 100;
export const DNS_FIREWALL_DOMAINS_PER_ACCOUNT = 100_000;

/**
 * The DNS Firewall allowlist is spread over several domain lists, one ALLOW rule each, so that no list is longer
 * than one UpdateFirewallDomains request takes (DNS_FIREWALL_DOMAINS_PER_REQUEST). A name's list is fixed by a hash
 * of the name, not by its place in the sorted list: adding or removing a name changes only the one list it falls in
 * (a sorted split into runs of 1,000 would shift every later list by one). The number of lists is the smallest power
 * of two that keeps the lists at most three quarters full on average (DNS_FIREWALL_LIST_TARGET_FILL), doubled until no list is over
 * the limit; when it doubles, list i splits into i and i + n (hash mod 2n), so names move only from an existing list
 * into a new one, never between two lists that already exist.
 */
export const DNS_FIREWALL_LIST_TARGET_FILL = (DNS_FIREWALL_DOMAINS_PER_REQUEST * 3) / 4;

/** The hash that places a name in its list: the first 32 bits of its SHA-256, as an unsigned number. */
function listHash(name: string): number {
  return createHash("sha256").update(name, "utf8").digest().readUInt32BE(0);
}

/**
 * The DNS Firewall entries split into domain lists as above: each list sorted, the lists in order of their index.
 * Never an empty list: with no entries, one empty list.
 */
export function dnsFirewallChunks(entries: Iterable<string>): string[][] {
  const names = [...new Set(entries)].sort();
  const hashes = names.map(listHash);
  let count = 1;
  while (names.length / count > DNS_FIREWALL_LIST_TARGET_FILL) count *= 2;
  for (;;) {
    const chunks: string[][] = Array.from({ length: count }, () => []);
    names.forEach((n, i) => chunks[hashes[i] % count].push(n));
    if (chunks.every((c) => c.length <= DNS_FIREWALL_DOMAINS_PER_REQUEST)) return chunks;
    count *= 2;
  }
}

/**
 * What the DNS Firewall egress6 writes would break of the quotas above, one phrase each: its rule group holds one
 * ALLOW rule per list and the final BLOCK rule, and its domains are the entries plus the block rule's `*`.
 */
export function dnsFirewallQuotaProblems(entries: ReadonlySet<string> | readonly string[]): string[] {
  const size = "size" in entries ? entries.size : new Set(entries).size;
  const rules = dnsFirewallChunks(entries).length + 1;
  const domains = size + 1;
  const out: string[] = [];
  if (rules > DNS_FIREWALL_RULES_PER_RULE_GROUP) {
    out.push(
      `make ${size} DNS Firewall entries in ${rules - 1} domain lists of at most ${DNS_FIREWALL_DOMAINS_PER_REQUEST}, so ${rules} rules in the rule group (one per list and the final block); ` +
        `a rule group holds at most ${DNS_FIREWALL_RULES_PER_RULE_GROUP} rules (${DNS_FIREWALL_QUOTAS_SOURCE})`,
    );
  }
  if (domains > DNS_FIREWALL_DOMAINS_PER_ACCOUNT) {
    out.push(
      `make ${domains} DNS Firewall domain specifications (each .example.com is two, egress6 adds the names the VPC needs and the final block's *); ` +
        `an account holds at most ${DNS_FIREWALL_DOMAINS_PER_ACCOUNT} across all its domain lists in a Region (${DNS_FIREWALL_QUOTAS_SOURCE})`,
    );
  }
  return out;
}

/**
 * AWS Network Firewall quotas (Network Firewall developer guide, "AWS Network Firewall quotas"): the capacity of one
 * stateful rule group (30,000, cannot be changed), and the stateful rules of one firewall policy, the capacities of
 * every rule group it references added up (30,000 by default, adjustable).
 */
export const NFW_QUOTAS_SOURCE = 'Network Firewall developer guide, "AWS Network Firewall quotas"';
export const NFW_STATEFUL_RULE_GROUP_CAPACITY_MAX = 30_000;
export const NFW_POLICY_STATEFUL_CAPACITY_MAX = 30_000;

/**
 * Capacities of egress6's Suricata rule groups, fixed: they do not grow with the configuration (the IDS/IPS group's
 * is the most operator rules egress.suricataRules takes).
 */
export const NFW_FIXED_CAPACITY = { baseline: 50, handshake: 50, idsIps: 1000, dlp: 50 } as const;

/** The protocols egress6's domain rule group matches each allowlist entry on: TLS SNI and the HTTP Host header. */
export const NFW_DOMAIN_TARGET_TYPES = ["TLS_SNI", "HTTP_HOST"] as const;

/**
 * The capacity a domain list (ALLOWLIST) rule group uses: one rule per domain per target type, and one per target type
 * for the drop Network Firewall generates for the rest. The developer guide ("Setting rule group capacity in AWS
 * Network Firewall") says a stateful group needs the number of rules it holds; the per-target-type drop was measured
 * by others (a group of capacity 100 holds 99 domains for HTTP_HOST alone), not documented, and is counted to be safe.
 */
export function nfwDomainRulesNeeded(domains: number, targetTypes: number): number {
  return domains * targetTypes + targetTypes;
}

/**
 * The capacities the domain rule group is created with. Capacity cannot change on a rule group (the provider plans a
 * new `capacity` as a replacement), so it is not the exact need but the smallest of these steps that holds it: a
 * list can grow to the step without a replacement. The first step is the 2,000 egress6 always used, so that an
 * existing firewall keeps its group; the last leaves room in the policy's 30,000 for egress6's other groups.
 */
export const NFW_DOMAIN_CAPACITY_STEPS = [2000, 4000, 8000, 16000, 24000, 28000] as const;

/** The step for `needed`, or undefined when none holds it. */
export function nfwDomainCapacity(needed: number): number | undefined {
  return NFW_DOMAIN_CAPACITY_STEPS.find((s) => s >= needed);
}

/**
 * What the firewall policy egress6 writes would break of the quotas above, one phrase each. `domains` is the number of
 * allowlist entries (`.example.com` is one target), `targetTypes` the types each is matched on.
 */
export function nfwCapacityProblems(p: { domains: number; targetTypes: number; idsIps: boolean; dlp: boolean }): string[] {
  const needed = nfwDomainRulesNeeded(p.domains, p.targetTypes);
  const capacity = nfwDomainCapacity(needed);
  const top = NFW_DOMAIN_CAPACITY_STEPS[NFW_DOMAIN_CAPACITY_STEPS.length - 1];
  const out: string[] = [];
  if (needed > NFW_STATEFUL_RULE_GROUP_CAPACITY_MAX) {
    out.push(
      `need a Network Firewall domain rule group of capacity ${needed} (${p.domains} domains x ${p.targetTypes} target types + ${p.targetTypes}); ` +
        `a stateful rule group's capacity is at most ${NFW_STATEFUL_RULE_GROUP_CAPACITY_MAX} (${NFW_QUOTAS_SOURCE})`,
    );
  } else if (capacity === undefined) {
    out.push(
      `need a Network Firewall domain rule group of capacity ${needed} (${p.domains} domains x ${p.targetTypes} target types + ${p.targetTypes}); ` +
        `egress6 sizes it at most ${top}, to leave room for its other rule groups in the policy's ${NFW_POLICY_STATEFUL_CAPACITY_MAX} (${NFW_QUOTAS_SOURCE}); ` +
        `give at most ${Math.floor((top - p.targetTypes) / p.targetTypes)} domains`,
    );
  } else {
    const total =
      capacity +
      NFW_FIXED_CAPACITY.baseline +
      NFW_FIXED_CAPACITY.handshake +
      (p.idsIps ? NFW_FIXED_CAPACITY.idsIps : 0) +
      (p.dlp ? NFW_FIXED_CAPACITY.dlp : 0);
    if (total > NFW_POLICY_STATEFUL_CAPACITY_MAX) {
      out.push(
        `make a Network Firewall policy of stateful capacity ${total} (the domain group's ${capacity} and egress6's other groups); ` +
          `a policy holds at most ${NFW_POLICY_STATEFUL_CAPACITY_MAX} (${NFW_QUOTAS_SOURCE})`,
      );
    }
  }
  return out;
}
