/**
 * The scale limits of lib/limits.ts: how the DNS Firewall allowlist is split into domain lists, and how the Network
 * Firewall domain rule group is sized, against the Route 53 Resolver DNS Firewall and Network Firewall quotas.
 */
import {
  DNS_FIREWALL_DOMAINS_PER_ACCOUNT,
  DNS_FIREWALL_DOMAINS_PER_REQUEST,
  DNS_FIREWALL_RULES_PER_RULE_GROUP,
  dnsFirewallChunks,
  dnsFirewallQuotaProblems,
  NFW_DOMAIN_CAPACITY_STEPS,
  NFW_FIXED_CAPACITY,
  NFW_POLICY_STATEFUL_CAPACITY_MAX,
  NFW_STATEFUL_RULE_GROUP_CAPACITY_MAX,
  nfwCapacityProblems,
  nfwDomainCapacity,
  nfwDomainRulesNeeded,
} from "../../../lib/limits";

/** `n` distinct names, the same for every call. */
const names = (n: number, prefix = "n") => Array.from({ length: n }, (_, i) => `${prefix}${i}.example`);

describe("dnsFirewallChunks", () => {
  test("a short list is one list, sorted and without duplicates", () => {
    expect(dnsFirewallChunks(["b.example", "a.example", "b.example"])).toEqual([["a.example", "b.example"]]);
    expect(dnsFirewallChunks([])).toEqual([[]]);
  });

  test.each([750, 751, 1000, 20_010, 48_000])("%i names: every name in exactly one list of at most 1,000, a power of two of lists", (n) => {
    const chunks = dnsFirewallChunks(names(n));
    expect(chunks.flat().sort()).toEqual(names(n).sort());
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(DNS_FIREWALL_DOMAINS_PER_REQUEST);
    expect(Math.log2(chunks.length) % 1).toBe(0);
    for (const c of chunks) expect(c).toEqual([...c].sort());
  });

  test("the order the names come in does not matter", () => {
    const list = names(2800);
    expect(dnsFirewallChunks([...list].reverse())).toEqual(dnsFirewallChunks(list));
  });

  test("adding or removing one name changes only the list it falls in", () => {
    const before = dnsFirewallChunks(names(2800));
    const added = dnsFirewallChunks([...names(2800), "new.example"]);
    const removed = dnsFirewallChunks(names(2800).filter((n) => n !== "n17.example"));
    expect(added).toHaveLength(before.length);
    expect(removed).toHaveLength(before.length);
    expect(before.filter((c, i) => JSON.stringify(c) !== JSON.stringify(added[i]))).toHaveLength(1);
    expect(before.filter((c, i) => JSON.stringify(c) !== JSON.stringify(removed[i]))).toHaveLength(1);
  });

  test("when the number of lists doubles, names move only from list i to the new list i + n", () => {
    const small = dnsFirewallChunks(names(1400)); // 2 lists
    const large = dnsFirewallChunks(names(1600)); // 4 lists
    expect([small.length, large.length]).toEqual([2, 4]);
    small.forEach((list, i) => {
      for (const name of list) expect([large[i], large[i + small.length]].some((l) => l.includes(name))).toBe(true);
    });
  });
});

describe("dnsFirewallQuotaProblems", () => {
  test("10,000 wildcards and the VPC's names fit", () => {
    expect(dnsFirewallQuotaProblems(names(20_010))).toEqual([]);
  });

  test("more lists than a rule group holds rules: refused, naming the limit and its source", () => {
    const n = 64 * 750 + 1; // 128 lists
    expect(dnsFirewallChunks(names(n)).length + 1).toBeGreaterThan(DNS_FIREWALL_RULES_PER_RULE_GROUP);
    expect(dnsFirewallQuotaProblems(names(n))).toEqual([
      `make ${n} DNS Firewall entries in 128 domain lists of at most 1000, so 129 rules in the rule group (one per list and the final block); a rule group holds at most 100 rules (Route 53 developer guide, "Quotas on Route 53 Resolver DNS Firewall")`,
    ]);
  });

  test("more domains than the account holds: refused, naming the limit", () => {
    const problems = dnsFirewallQuotaProblems(names(DNS_FIREWALL_DOMAINS_PER_ACCOUNT));
    expect(problems).toContainEqual(
      `make ${DNS_FIREWALL_DOMAINS_PER_ACCOUNT + 1} DNS Firewall domain specifications (each .example.com is two, egress6 adds the names the VPC needs and the final block's *); an account holds at most 100000 across all its domain lists in a Region (Route 53 developer guide, "Quotas on Route 53 Resolver DNS Firewall")`,
    );
  });
});

describe("Network Firewall domain rule group capacity", () => {
  test("one rule per domain per target type, plus the generated drop per target type", () => {
    expect(nfwDomainRulesNeeded(999, 2)).toBe(2000);
    expect(nfwDomainRulesNeeded(10_000, 2)).toBe(20_002);
  });

  test("the capacity is the smallest step that holds the need, so most changes keep the group", () => {
    expect(nfwDomainCapacity(1)).toBe(2000);
    expect(nfwDomainCapacity(2000)).toBe(2000);
    expect(nfwDomainCapacity(2001)).toBe(4000);
    expect(nfwDomainCapacity(20_002)).toBe(24_000);
    expect(nfwDomainCapacity(28_001)).toBeUndefined();
  });

  test("every step fits one rule group and, with egress6's other groups, one policy", () => {
    const others = Object.values(NFW_FIXED_CAPACITY).reduce((a, b) => a + b, 0);
    for (const step of NFW_DOMAIN_CAPACITY_STEPS) {
      expect(step).toBeLessThanOrEqual(NFW_STATEFUL_RULE_GROUP_CAPACITY_MAX);
      expect(step + others).toBeLessThanOrEqual(NFW_POLICY_STATEFUL_CAPACITY_MAX);
    }
  });

  test("10,000 domains fit; 14,000 do not, refused naming the computed capacity, the limit and the quotas page", () => {
    expect(nfwCapacityProblems({ domains: 10_000, targetTypes: 2, idsIps: true, dlp: true })).toEqual([]);
    expect(nfwCapacityProblems({ domains: 13_999, targetTypes: 2, idsIps: true, dlp: true })).toEqual([]);
    expect(nfwCapacityProblems({ domains: 14_000, targetTypes: 2, idsIps: false, dlp: false })).toEqual([
      `need a Network Firewall domain rule group of capacity 28002 (14000 domains x 2 target types + 2); egress6 sizes it at most 28000, to leave room for its other rule groups in the policy's 30000 (Network Firewall developer guide, "AWS Network Firewall quotas"); give at most 13999 domains`,
    ]);
  });

  test("past a rule group's 30,000: refused with that limit", () => {
    expect(nfwCapacityProblems({ domains: 15_000, targetTypes: 2, idsIps: false, dlp: false })).toEqual([
      `need a Network Firewall domain rule group of capacity 30002 (15000 domains x 2 target types + 2); a stateful rule group's capacity is at most 30000 (Network Firewall developer guide, "AWS Network Firewall quotas")`,
    ]);
  });
});
