import { Testing } from "cdktf";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { NetworkfirewallFirewall } from "@cdktf/provider-aws/lib/networkfirewall-firewall";
import { InspectionFirewall, type InspectionFirewallProps } from "../../../../modules/firewall/network-firewall";
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
});
