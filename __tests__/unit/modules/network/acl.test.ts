import { AclCidr, AclTraffic, EPHEMERAL_PORTS, LINK_LOCAL_IPV6 } from "../../../../modules/network/acl";

describe("AclCidr", () => {
  test("anyIpv6 is ::/0 as an IPv6 block and sets no IPv4 block", () => {
    expect(AclCidr.anyIpv6().value).toEqual({ ipv6CidrBlock: "::/0" });
  });
  test("anyIpv4 is 0.0.0.0/0 as an IPv4 block", () => {
    expect(AclCidr.anyIpv4().value).toEqual({ cidrBlock: "0.0.0.0/0" });
  });
  test("ipv6 keeps the given block", () => {
    expect(AclCidr.ipv6("2001:db8::/56").value).toEqual({ ipv6CidrBlock: "2001:db8::/56" });
  });
});

describe("AclTraffic", () => {
  test("tcpPort is TCP (protocol 6) on one port", () => {
    expect(AclTraffic.tcpPort(443).value).toEqual({ protocol: "6", fromPort: 443, toPort: 443 });
  });
  test("tcpPortRange is TCP over the range", () => {
    expect(AclTraffic.tcpPortRange(1024, 65535).value).toEqual({ protocol: "6", fromPort: 1024, toPort: 65535 });
  });
  test("icmpv6 is protocol 58 (never 'icmp', which would be ICMPv4) with every code", () => {
    expect(AclTraffic.icmpv6(2).value).toEqual({ protocol: "58", icmpType: 2, icmpCode: -1 });
    expect(AclTraffic.icmpv6(-1).value).toEqual({ protocol: "58", icmpType: -1, icmpCode: -1 });
  });
  test("all is protocol -1 without ports", () => {
    expect(AclTraffic.all().value).toEqual({ protocol: "-1" });
  });
});

describe("constants", () => {
  test("ephemeral ports are 1024-65535", () => {
    expect(EPHEMERAL_PORTS).toEqual({ from: 1024, to: 65535 });
  });
  test("link-local is fe80::/10", () => {
    expect(LINK_LOCAL_IPV6).toBe("fe80::/10");
  });
});
