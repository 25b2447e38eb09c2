import { Testing } from "cdktf";
import { NetworkAcl } from "@cdktf/provider-aws/lib/network-acl";
import { NetworkAclRule } from "@cdktf/provider-aws/lib/network-acl-rule";
import { TierNetworkAcl, type TierNetworkAclProps } from "../../../../modules/network/tier-network-acl";
import { AclCidr, AclTraffic, type AclEntry } from "../../../../modules/network/acl";

const base: TierNetworkAclProps = {
  vpcId: "vpc-1",
  subnetIds: ["subnet-a", "subnet-b"],
  ingress: [{ number: 100, traffic: AclTraffic.tcpPortRange(1024, 65535), peer: AclCidr.anyIpv6() }],
  egress: [
    { number: 50, traffic: AclTraffic.all(), peer: AclCidr.ipv6("2001:db8:0:10::/60"), action: "deny" },
    { number: 100, traffic: AclTraffic.tcpPort(443), peer: AclCidr.anyIpv6() },
  ],
  tags: { Name: "env-proxy" },
};

function synth(props: TierNetworkAclProps): string {
  return Testing.synthScope((scope) => {
    new TierNetworkAcl(scope, "test", props);
  });
}

function rules(json: string): Record<string, Record<string, unknown>> {
  return JSON.parse(json).resource.aws_network_acl_rule;
}

describe("TierNetworkAcl", () => {
  test("one ACL on the given VPC and subnets, with the given tags", () => {
    expect(synth(base)).toHaveResourceWithProperties(NetworkAcl, {
      vpc_id: "vpc-1",
      subnet_ids: ["subnet-a", "subnet-b"],
      tags: { Name: "env-proxy" },
    });
  });

  test("no inline rules on the ACL: each rule is its own aws_network_acl_rule", () => {
    const acl = Object.values(JSON.parse(synth(base)).resource.aws_network_acl)[0] as Record<string, unknown>;
    expect(acl.ingress).toBeUndefined();
    expect(acl.egress).toBeUndefined();
    const names = Object.keys(rules(synth(base))).map((key) => key.replace(/_[0-9A-F]{8}$/, ""));
    expect(names.sort()).toEqual(["test_egress-100", "test_egress-50", "test_ingress-100"]);
  });

  test("each rule carries its number, direction, traffic and peer", () => {
    const json = synth(base);
    expect(json).toHaveResourceWithProperties(NetworkAclRule, {
      egress: false,
      rule_number: 100,
      rule_action: "allow",
      protocol: "6",
      from_port: 1024,
      to_port: 65535,
      ipv6_cidr_block: "::/0",
    });
    expect(json).toHaveResourceWithProperties(NetworkAclRule, {
      egress: true,
      rule_number: 100,
      protocol: "6",
      from_port: 443,
      to_port: 443,
      ipv6_cidr_block: "::/0",
    });
  });

  test("action defaults to allow; an explicit deny is kept", () => {
    const all = Object.values(rules(synth(base)));
    const deny = all.find((r) => r.rule_number === 50);
    expect(deny).toMatchObject({ egress: true, rule_action: "deny", protocol: "-1", ipv6_cidr_block: "2001:db8:0:10::/60" });
    expect(all.filter((r) => r.rule_number === 100).map((r) => r.rule_action)).toEqual(["allow", "allow"]);
  });

  test("every rule points at the ACL it belongs to", () => {
    for (const rule of Object.values(rules(synth(base)))) {
      expect(rule.network_acl_id).toMatch(/^\$\{aws_network_acl\.test_resource_[0-9A-F]+\.id\}$/);
    }
  });

  test("an IPv4 peer and an ICMPv6 rule synthesize their own fields", () => {
    const json = synth({
      ...base,
      ingress: [{ number: 10, traffic: AclTraffic.icmpv6(2), peer: AclCidr.anyIpv4() }],
      egress: [],
    });
    expect(json).toHaveResourceWithProperties(NetworkAclRule, {
      rule_number: 10,
      protocol: "58",
      icmp_type: 2,
      icmp_code: -1,
      cidr_block: "0.0.0.0/0",
    });
    const only = Object.values(rules(json));
    expect(only).toHaveLength(1);
    expect(only[0].ipv6_cidr_block).toBeUndefined();
  });

  test("the same number in ingress and egress is fine", () => {
    expect(() => synth(base)).not.toThrow();
  });

  test("a duplicate rule number in one direction throws", () => {
    const dup: AclEntry[] = [
      { number: 100, traffic: AclTraffic.tcpPort(443), peer: AclCidr.anyIpv6() },
      { number: 100, traffic: AclTraffic.tcpPort(80), peer: AclCidr.anyIpv6() },
    ];
    expect(() => synth({ ...base, egress: dup })).toThrow("test: duplicate egress rule number 100");
    expect(() => synth({ ...base, ingress: dup })).toThrow("test: duplicate ingress rule number 100");
  });

  test("18 numbered rules per direction fit (20 with the two default denies); 19 throw", () => {
    const entries = (n: number): AclEntry[] =>
      Array.from({ length: n }, (_, i) => ({ number: 100 + i, traffic: AclTraffic.tcpPort(1000 + i), peer: AclCidr.anyIpv6() }));
    expect(() => synth({ ...base, egress: entries(18) })).not.toThrow();
    expect(() => synth({ ...base, egress: entries(19) })).toThrow("test: 19 egress rules; an ACL holds 20 per direction");
    expect(() => synth({ ...base, ingress: entries(19) })).toThrow("test: 19 ingress rules");
  });

  test("exposes the ACL", () => {
    Testing.synthScope((scope) => {
      const acl = new TierNetworkAcl(scope, "test", base);
      expect(acl.acl).toBeInstanceOf(NetworkAcl);
    });
  });
});
