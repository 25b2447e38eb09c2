/**
 * A security group whose inline rule lists are authoritative: Terraform removes any rule added outside it, and an
 * empty list means "no rules", not "leave alone". Rules are value types: `SgRule.tcp(443, cidr, "why")`.
 */
import { Construct } from "constructs";
import { SecurityGroup, type SecurityGroupEgress } from "@cdktf/provider-aws/lib/security-group";
import { RESOURCE_ID } from "../../lib/names";
import { PROTOCOL_ICMPV6 } from "../../lib/protocols";

/** IANA protocol name EC2 takes for TCP rules. */
const TCP = "tcp";
/** Every code of an ICMP type, in a security group rule's to_port. */
const EVERY_ICMP_CODE = -1;

/** One TCP (or ICMPv6) rule to or from one IPv6 CIDR. */
export class SgRule {
  static tcp(port: number, ipv6Cidr: string, description: string): SgRule {
    return new SgRule(port, port, ipv6Cidr, description);
  }
  /**
   * Every code of one ICMPv6 type (in a security group rule, from_port is the type and to_port the code), e.g.
   * `SgRule.icmpv6(ICMPV6_PACKET_TOO_BIG, "::/0", "Path MTU discovery")`.
   */
  static icmpv6(type: number, ipv6Cidr: string, description: string): SgRule {
    return new Icmpv6Rule(type, EVERY_ICMP_CODE, ipv6Cidr, description);
  }
  protected constructor(
    readonly fromPort: number,
    readonly toPort: number,
    readonly ipv6Cidr: string,
    readonly description: string,
  ) {}

  /** The inline-rule object; every attribute set, as Terraform's JSON form of an inline rule requires. */
  toTerraform(): SecurityGroupEgress {
    return {
      description: this.description,
      protocol: TCP,
      fromPort: this.fromPort,
      toPort: this.toPort,
      ipv6CidrBlocks: [this.ipv6Cidr],
      cidrBlocks: [],
      prefixListIds: [],
      securityGroups: [],
      selfAttribute: false,
    };
  }
}

/** An ICMPv6 rule: the TCP rule's shape with protocol 58. */
class Icmpv6Rule extends SgRule {
  toTerraform(): SecurityGroupEgress {
    return { ...super.toTerraform(), protocol: PROTOCOL_ICMPV6 };
  }
}

/** Props of {@link ClosedSecurityGroup}. */
export interface ClosedSecurityGroupProps {
  /** The VPC of the group. */
  readonly vpcId: string;
  /** The group's name. */
  readonly name: string;
  /** The group's description. */
  readonly description: string;
  /**
   * The only inbound rules the group has: the inline list is authoritative, so a rule added outside Terraform is removed.
   * @default [] (nothing may connect in)
   */
  readonly ingress?: readonly SgRule[];
  /**
   * The only outbound rules the group has: the inline list is authoritative, so a rule added outside Terraform is removed.
   * @default [] (nothing may connect out)
   */
  readonly egress?: readonly SgRule[];
  /** Tags of the group. */
  readonly tags: Record<string, string>;
}

/** A security group that allows exactly the listed rules and nothing else. */
export class ClosedSecurityGroup extends Construct {
  readonly group: SecurityGroup;

  constructor(scope: Construct, id: string, props: ClosedSecurityGroupProps) {
    super(scope, id);
    this.group = new SecurityGroup(this, RESOURCE_ID, {
      vpcId: props.vpcId,
      name: props.name,
      description: props.description,
      ingress: (props.ingress ?? []).map((r) => r.toTerraform()),
      egress: (props.egress ?? []).map((r) => r.toTerraform()),
      revokeRulesOnDelete: true,
      tags: props.tags,
    });
  }
}
