import { Testing } from "cdktf";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { NetworkfirewallFirewall } from "@cdktf/provider-aws/lib/networkfirewall-firewall";
import {
  domainCapacity,
  DOMAIN_TARGET_TYPES,
  InspectionFirewall,
  type InspectionFirewallProps,
} from "../../../../modules/firewall/network-firewall";
import { UserError } from "../../../../lib/errors";

type Props = Omit<InspectionFirewallProps, "keyPolicy">;
const base: Props = {
  envName: "dev",
  vpcId: "vpc-1",
  vpcIpv6Cidr: "2001:db8::/56",
  subnets: [{ zone: { name: "eu-west-1a", suffix: "a", index: 0 }, subnetId: "subnet-fa" }],
  domains: [".example.com"],
  ports: [443],
  protection: true,
  kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/fw",
  logGroupNames: { ALERT: "/a", FLOW: "/f", TLS: "/t" },
  logRetentionDays: 30,
};

function synth(props: Props): string {
  return Testing.synthScope((scope) => {
    const keyPolicy = new KmsKeyPolicy(scope, "key-policy", { keyId: "k", policy: "{}" });
    new InspectionFirewall(scope, "test", { ...props, keyPolicy });
  });
}

describe("InspectionFirewall", () => {
  test("one IPv6 endpoint per firewall subnet, protections on, customer key", () => {
    expect(synth(base)).toHaveResourceWithProperties(NetworkfirewallFirewall, {
      name: "dev-egress6-firewall",
      subnet_mapping: [{ subnet_id: "subnet-fa", ip_address_type: "IPV6" }],
      delete_protection: true,
      subnet_change_protection: true,
      firewall_policy_change_protection: true,
      encryption_configuration: { key_id: "arn:aws:kms:eu-west-1:123456789012:key/fw", type: "CUSTOMER_KMS" },
    });
  });

  test("strict-order policy: drop and alert established by default, baseline, handshake, domains by priority", () => {
    const policies = Object.values(JSON.parse(synth(base)).resource.aws_networkfirewall_firewall_policy) as {
      firewall_policy: { stateful_default_actions: string[]; stateful_rule_group_reference: { priority: number }[] };
    }[];
    expect(policies).toHaveLength(1);
    expect(policies[0].firewall_policy.stateful_default_actions).toEqual(["aws:drop_established", "aws:alert_established"]);
    expect(policies[0].firewall_policy.stateful_rule_group_reference.map((r) => r.priority)).toEqual([100, 300, 400]);
  });

  test("suricataRules adds the IDS/IPS group; more than 1000 rules are refused", () => {
    const groups = JSON.parse(synth({ ...base, suricataRules: ["alert tcp any any -> any any (sid:1;)"] })).resource
      .aws_networkfirewall_rule_group;
    expect(Object.keys(groups)).toHaveLength(4);
    expect(() => synth({ ...base, suricataRules: Array.from({ length: 1001 }, () => "x") })).toThrow(UserError);
  });

  describe("the domain rule group's capacity", () => {
    const domainGroup = (domains: string[]) =>
      (Object.values(JSON.parse(synth({ ...base, domains })).resource.aws_networkfirewall_rule_group) as any[]).find((g) =>
        /-domains(-\d+)?$/.test(g.name),
      );
    const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i}.example`);

    test("matches every entry on TLS SNI and HTTP Host, sized at the step that holds 2 per entry + 2", () => {
      const small = domainGroup([".example.com"]);
      expect(small.rule_group.rules_source.rules_source_list.target_types).toEqual([...DOMAIN_TARGET_TYPES]);
      expect(small.capacity).toBe(2000);
      expect(domainGroup(names(999)).capacity).toBe(2000);
      expect(domainGroup(names(1000)).capacity).toBe(4000);
      expect(domainGroup(names(10_000)).capacity).toBe(24_000);
      expect(domainCapacity(10_000)).toBe(24_000);
    });

    test("past the first step the group has a name of its own and is created before the old one is deleted", () => {
      expect(domainGroup(names(999))).toMatchObject({ name: "dev-egress6-domains", lifecycle: { create_before_destroy: true } });
      expect(domainGroup(names(10_000))).toMatchObject({ name: "dev-egress6-domains-24000", lifecycle: { create_before_destroy: true } });
    });

    test("a list no step holds is refused at synth with one line naming the capacity, the limit and the quotas page", () => {
      let error: unknown;
      try {
        synth({ ...base, domains: names(14_000) });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).problems).toEqual([
        `egress.domains: need a Network Firewall domain rule group of capacity 28002 (14000 domains x 2 target types + 2); egress6 sizes it at most 28000, to leave room for its other rule groups in the policy's 30000 (Network Firewall developer guide, "AWS Network Firewall quotas"); give at most 13999 domains`,
      ]);
    });
  });
});
