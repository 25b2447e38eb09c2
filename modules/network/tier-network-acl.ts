import { Construct } from "constructs";
import { NetworkAcl } from "@cdktf/provider-aws/lib/network-acl";
import { NetworkAclRule } from "@cdktf/provider-aws/lib/network-acl-rule";
import { NACL_NUMBERED_RULES, NACL_RULES_PER_DIRECTION } from "../../lib/limits";
import { AclEntry } from "./acl";
import { RESOURCE_ID } from "../../lib/names";

/** Props of {@link TierNetworkAcl}. */
export interface TierNetworkAclProps {
  /** The VPC the ACL belongs to. */
  readonly vpcId: string;
  /** The tier's subnets, associated with the ACL. */
  readonly subnetIds: string[];
  /** Rules for traffic entering the tier's subnets. Everything not allowed is denied. */
  readonly ingress: AclEntry[];
  /** Rules for traffic leaving the tier's subnets. Everything not allowed is denied. */
  readonly egress: AclEntry[];
  /** Tags of the ACL (not of its rules, which take none). */
  readonly tags: Record<string, string>;
}

/**
 * One network ACL for a tier, with every rule a separate `aws_network_acl_rule` so that a plan shows each
 * rule by its number. Rules are stateless: each allowed flow needs its return traffic allowed too.
 */
export class TierNetworkAcl extends Construct {
  /** The network ACL. */
  readonly acl: NetworkAcl;

  constructor(scope: Construct, id: string, props: TierNetworkAclProps) {
    super(scope, id);
    this.acl = new NetworkAcl(this, RESOURCE_ID, { vpcId: props.vpcId, subnetIds: props.subnetIds, tags: props.tags });
    for (const [direction, entries] of [
      ["ingress", props.ingress],
      ["egress", props.egress],
    ] as const) {
      if (entries.length > NACL_NUMBERED_RULES) {
        // The schema keeps egress.ports small enough; getting here is a bug in the rules, not in the config.
        throw new Error(
          `${id}: ${entries.length} ${direction} rules; an ACL holds ${NACL_RULES_PER_DIRECTION} per direction, default denies included`,
        );
      }
      const numbers = new Set<number>();
      for (const entry of entries) {
        if (numbers.has(entry.number)) throw new Error(`${id}: duplicate ${direction} rule number ${entry.number}`);
        numbers.add(entry.number);
        new NetworkAclRule(this, `${direction}-${entry.number}`, {
          networkAclId: this.acl.id,
          egress: direction === "egress",
          ruleNumber: entry.number,
          ruleAction: entry.action ?? "allow",
          ...entry.traffic.value,
          ...entry.peer.value,
        });
      }
    }
  }
}
