import { Testing } from "cdktf";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { ClosedSecurityGroup, SgRule, type ClosedSecurityGroupProps } from "../../../../modules/shared/security-group";

const base: ClosedSecurityGroupProps = { vpcId: "vpc-1", name: "dev-proxy", description: "proxy", tags: { Name: "dev-proxy" } };

function synth(props: ClosedSecurityGroupProps): string {
  return Testing.synthScope((scope) => {
    new ClosedSecurityGroup(scope, "test", props);
  });
}

function group(json: string): Record<string, unknown> {
  return Object.values(JSON.parse(json).resource.aws_security_group)[0] as Record<string, unknown>;
}

describe("SgRule", () => {
  test("tcp is one TCP port to one IPv6 CIDR, every other attribute set empty", () => {
    expect(SgRule.tcp(443, "::/0", "HTTPS out").toTerraform()).toEqual({
      description: "HTTPS out",
      protocol: "tcp",
      fromPort: 443,
      toPort: 443,
      ipv6CidrBlocks: ["::/0"],
      cidrBlocks: [],
      prefixListIds: [],
      securityGroups: [],
      selfAttribute: false,
    });
  });

  test("icmpv6 is protocol 58 with the type in from_port and every code (-1) in to_port", () => {
    expect(SgRule.icmpv6(2, "::/0", "PMTU").toTerraform()).toMatchObject({
      protocol: "58",
      fromPort: 2,
      toPort: -1,
      ipv6CidrBlocks: ["::/0"],
      cidrBlocks: [],
    });
  });
});

describe("ClosedSecurityGroup", () => {
  test("name, description, VPC and tags; rules revoked on delete", () => {
    expect(synth(base)).toHaveResourceWithProperties(SecurityGroup, {
      vpc_id: "vpc-1",
      name: "dev-proxy",
      description: "proxy",
      revoke_rules_on_delete: true,
      tags: { Name: "dev-proxy" },
    });
  });

  test("ingress and egress default to explicit empty lists (authoritative: no rules at all)", () => {
    const sg = group(synth(base));
    expect(sg.ingress).toEqual([]);
    expect(sg.egress).toEqual([]);
  });

  test("the listed rules and only them, in order, with no IPv4 CIDR", () => {
    const sg = group(
      synth({
        ...base,
        ingress: [SgRule.tcp(3128, "2001:db8::/60", "from workloads")],
        egress: [SgRule.tcp(443, "::/0", "HTTPS"), SgRule.icmpv6(2, "::/0", "PMTU")],
      }),
    );
    expect(sg.ingress).toEqual([
      {
        description: "from workloads",
        protocol: "tcp",
        from_port: 3128,
        to_port: 3128,
        ipv6_cidr_blocks: ["2001:db8::/60"],
        cidr_blocks: [],
        prefix_list_ids: [],
        security_groups: [],
        self: false,
      },
    ]);
    const egress = sg.egress as Record<string, unknown>[];
    expect(egress.map((r) => [r.protocol, r.from_port, r.to_port])).toEqual([
      ["tcp", 443, 443],
      ["58", 2, -1],
    ]);
    for (const rule of egress) expect(rule.cidr_blocks).toEqual([]);
  });

  test("exposes the group", () => {
    Testing.synthScope((scope) => {
      expect(new ClosedSecurityGroup(scope, "test", base).group).toBeInstanceOf(SecurityGroup);
    });
  });
});
