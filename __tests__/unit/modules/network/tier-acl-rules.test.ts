import { tierAclRules, TIER_ACL_RULE, type TierAclRulesProps } from "../../../../modules/network/tier-acl-rules";

const props = (over: Partial<TierAclRulesProps> = {}): TierAclRulesProps => ({
  tierIpv6Cidrs: { workload: "2001:db8::/60", proxy: "2001:db8:0:10::/60", firewall: "2001:db8:0:20::/60", endpoint: "2001:db8:0:30::/60" },
  vpcIpv6Cidr: "2001:db8::/56",
  ports: [443, 80],
  proxies: true,
  explicitProxyPort: 3128,
  explicitProxyThroughFirewall: true,
  ...over,
});

describe("tierAclRules", () => {
  const rules = tierAclRules(props());

  test("every tier denies IPv4 first, in both directions", () => {
    for (const t of Object.values(rules)) {
      for (const entries of [t!.ingress, t!.egress]) {
        const lowest = [...entries].sort((a, b) => a.number - b.number)[0];
        expect(lowest).toMatchObject({ number: TIER_ACL_RULE.denyIpv4, action: "deny", peer: { value: { cidrBlock: "0.0.0.0/0" } } });
      }
    }
  });

  test("no tier admits a connection from the internet, only replies on ephemeral ports and ICMPv6", () => {
    for (const t of Object.values(rules)) {
      for (const e of t!.ingress.filter((x) => x.peer.value.ipv6CidrBlock === "::/0")) {
        expect(e.traffic.value.protocol === "58" || e.traffic.value.fromPort === 1024).toBe(true);
      }
    }
  });

  test("the explicit port through the firewall only when the profile says so; no proxy tier without proxies", () => {
    const has = (r: ReturnType<typeof tierAclRules>) => r.firewall!.ingress.some((e) => e.number === TIER_ACL_RULE.proxyExplicitPort);
    expect(has(rules)).toBe(true);
    expect(has(tierAclRules(props({ explicitProxyThroughFirewall: false })))).toBe(false);
    const noProxy = tierAclRules(props({ proxies: false, explicitProxyThroughFirewall: false }));
    expect(noProxy.proxy).toBeUndefined();
    expect(noProxy.workload!.egress.some((e) => e.number === TIER_ACL_RULE.proxyExplicitPort)).toBe(false);
  });

  test("ICAP services open exactly their /128 and port from the proxy tier", () => {
    const r = tierAclRules(props({ icapServices: [{ address: "2001:db8::10", port: 1344 }] }));
    expect(r.proxy!.egress).toContainEqual(
      expect.objectContaining({
        number: TIER_ACL_RULE.icapService,
        peer: expect.objectContaining({ value: { ipv6CidrBlock: "2001:db8::10/128" } }),
      }),
    );
  });

  test("input errors", () => {
    expect(() => tierAclRules(props({ ports: [] }))).toThrow(/no allowlisted port/);
    expect(() => tierAclRules(props({ ports: [443, 443] }))).toThrow(/listed twice/);
    expect(() => tierAclRules(props({ proxies: false }))).toThrow(/no proxies/);
    expect(() =>
      tierAclRules(props({ proxies: false, explicitProxyThroughFirewall: false, icapServices: [{ address: "::1", port: 1 }] })),
    ).toThrow(/ICAP/);
  });
});
