/**
 * The network stack's outputs: one flat, stable name per value, so that consumers (other stacks, plan
 * reviewers, Terraform-only users) read `workload_subnet_id_a` rather than a generated cross-stack name.
 */
import { TerraformRemoteState } from "cdktf";
import type { Tier } from "../lib/names";

export const NetworkOutput = {
  vpcId: "vpc_id",
  vpcIpv6Cidr: "vpc_ipv6_cidr_block",
  vpcIpv4Cidr: "vpc_ipv4_cidr_block",
  /** Absent in firewall-igw mode, which has no egress-only internet gateway. */
  egressOnlyGatewayId: "egress_only_internet_gateway_id",
  /** The /60 that holds every /64 of a tier (and nothing else). */
  tierIpv6Cidr: (tier: Tier) => `${tier}_tier_ipv6_cidr_block`,
  subnetId: (tier: Tier, az: string) => `${tier}_subnet_id_${az}`,
  subnetIpv6Cidr: (tier: Tier, az: string) => `${tier}_subnet_ipv6_cidr_block_${az}`,
  routeTableId: (tier: Tier, az: string) => `${tier}_route_table_id_${az}`,
  networkAclId: (tier: Tier) => `${tier}_network_acl_id`,
} as const;

/** Typed access to the network stack's outputs from another stack. */
export class NetworkRefs {
  constructor(private readonly state: TerraformRemoteState) {}

  get vpcId(): string {
    return this.state.getString(NetworkOutput.vpcId);
  }
  get vpcIpv6Cidr(): string {
    return this.state.getString(NetworkOutput.vpcIpv6Cidr);
  }
  get egressOnlyGatewayId(): string {
    return this.state.getString(NetworkOutput.egressOnlyGatewayId);
  }
  tierIpv6Cidr(tier: Tier): string {
    return this.state.getString(NetworkOutput.tierIpv6Cidr(tier));
  }
  subnetId(tier: Tier, az: string): string {
    return this.state.getString(NetworkOutput.subnetId(tier, az));
  }
  subnetIpv6Cidr(tier: Tier, az: string): string {
    return this.state.getString(NetworkOutput.subnetIpv6Cidr(tier, az));
  }
  routeTableId(tier: Tier, az: string): string {
    return this.state.getString(NetworkOutput.routeTableId(tier, az));
  }
}
