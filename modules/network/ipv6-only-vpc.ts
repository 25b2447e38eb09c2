import { Construct } from "constructs";
import { Fn } from "cdktf";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { EgressOnlyInternetGateway } from "@cdktf/provider-aws/lib/egress-only-internet-gateway";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { DefaultNetworkAcl } from "@cdktf/provider-aws/lib/default-network-acl";
import { DefaultRouteTable } from "@cdktf/provider-aws/lib/default-route-table";
import type { Zone } from "../../lib/zone";
import { RESOURCE_ID, TAG_AZ, TAG_TIER, TIERS, type Tier } from "../../lib/names";

/** Where the VPC's /56 comes from. */
export type Ipv6Source = { readonly source: "amazon" } | { readonly source: "ipam"; readonly poolId: string; readonly netmask: number };

export interface Ipv6OnlyVpcProps {
  /** Environment name, prefix of every Name tag. */
  readonly envName: string;
  /** AWS requires an IPv4 CIDR on every VPC; no subnet here uses it. */
  readonly ipv4Cidr: string;
  /**
   * Where the VPC's IPv6 /56 comes from: Amazon's pool (`assign_generated_ipv6_cidr_block`), or an IPAM pool with
   * the given netmask length.
   */
  readonly ipv6: Ipv6Source;
  /** The AZs: one subnet and route table per tier in each; a zone's `index` fixes its /64 in every tier. */
  readonly zones: readonly Zone[];
  /**
   * The tiers to create. A tier keeps its address block (`subnetIndex`) whichever others exist.
   * @default all four: workload, proxy, firewall and endpoint
   */
  readonly tiers?: readonly Tier[];
  /**
   * Create the egress-only internet gateway. Off only for designs whose egress leaves through an
   * inspected internet gateway instead (firewall-igw).
   * @default true
   */
  readonly egressOnlyGateway?: boolean;
}

/** A subnet of one tier in one AZ, with its own route table. */
export interface TierSubnet {
  readonly tier: Tier;
  readonly zone: Zone;
  readonly subnet: Subnet;
  readonly routeTable: RouteTable;
}

/** Subnet /64 index `n` in `cidrsubnet(vpc_ipv6, 8, n)`: tier t owns n = 16t .. 16t+15, i.e. the /60 `cidrsubnet(vpc_ipv6, 4, t)`. */
export function subnetIndex(tier: Tier, zone: Zone): number {
  return TIERS.indexOf(tier) * 16 + zone.index;
}

/**
 * A VPC whose subnets are all IPv6-only: four tiers per AZ (workload, proxy, firewall, endpoint), one route
 * table per tier per AZ holding only the `local` route until a stack adds `aws_route`s, and the VPC's
 * defaults (security group, network ACL, main route table) stripped of every rule.
 */
export class Ipv6OnlyVpc extends Construct {
  readonly vpc: Vpc;
  readonly egressOnlyGateway?: EgressOnlyInternetGateway;
  readonly subnets: TierSubnet[] = [];

  constructor(scope: Construct, id: string, props: Ipv6OnlyVpcProps) {
    super(scope, id);
    const name = (what: string) => `${props.envName}-${what}`;

    this.vpc = new Vpc(this, RESOURCE_ID, {
      cidrBlock: props.ipv4Cidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      ...(props.ipv6.source === "amazon"
        ? { assignGeneratedIpv6CidrBlock: true }
        : { ipv6IpamPoolId: props.ipv6.poolId, ipv6NetmaskLength: props.ipv6.netmask }),
      tags: { Name: name("vpc") },
    });

    // The defaults are what a new subnet or ENI falls back to: leave nothing open in them.
    // Explicit empty lists: an omitted block means "ignore existing rules", an empty one means "remove them".
    new DefaultSecurityGroup(this, "default-security-group", {
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: { Name: name("default-closed") },
    });
    new DefaultNetworkAcl(this, "default-network-acl", {
      defaultNetworkAclId: this.vpc.defaultNetworkAclId,
      ingress: [],
      egress: [],
      tags: { Name: name("default-deny-all") },
      lifecycle: { ignoreChanges: ["subnet_ids"] },
    });
    new DefaultRouteTable(this, "main-route-table", {
      defaultRouteTableId: this.vpc.defaultRouteTableId,
      route: [],
      tags: { Name: name("main-unused") },
    });

    if (props.egressOnlyGateway ?? true) {
      this.egressOnlyGateway = new EgressOnlyInternetGateway(this, "egress-only-gateway", {
        vpcId: this.vpc.id,
        tags: { Name: name("eigw") },
      });
    }

    for (const tier of props.tiers ?? TIERS) {
      for (const zone of props.zones) {
        const tags = { Name: name(`${tier}-${zone.suffix}`), [TAG_TIER]: tier, [TAG_AZ]: zone.suffix };
        const subnet = new Subnet(this, `${tier}-${zone.suffix}`, {
          vpcId: this.vpc.id,
          availabilityZone: zone.name,
          ipv6Native: true,
          ipv6CidrBlock: Fn.cidrsubnet(this.vpc.ipv6CidrBlock, 8, subnetIndex(tier, zone)),
          assignIpv6AddressOnCreation: true,
          mapPublicIpOnLaunch: false,
          enableDns64: false, // DNS64 needs NAT64 and an IPv4 path: never (R1).
          enableResourceNameDnsAaaaRecordOnLaunch: true,
          enableResourceNameDnsARecordOnLaunch: false,
          privateDnsHostnameTypeOnLaunch: "resource-name",
          tags,
        });
        // No inline `route` blocks: they are authoritative and would delete the routes other stacks add.
        const routeTable = new RouteTable(this, `${tier}-${zone.suffix}-routes`, { vpcId: this.vpc.id, tags });
        new RouteTableAssociation(this, `${tier}-${zone.suffix}-routes-association`, {
          subnetId: subnet.id,
          routeTableId: routeTable.id,
        });
        this.subnets.push({ tier, zone, subnet, routeTable });
      }
    }
  }

  /** The /60 holding every /64 of `tier`, and nothing else. */
  tierIpv6Cidr(tier: Tier): string {
    return Fn.cidrsubnet(this.vpc.ipv6CidrBlock, 4, TIERS.indexOf(tier));
  }

  subnetsOf(tier: Tier): TierSubnet[] {
    return this.subnets.filter((s) => s.tier === tier);
  }

  /**
   * Gives every subnet of `tier` a way out: `::/0` to the egress-only internet gateway, one `aws_route` per AZ with
   * the id `<tier>-<az>-default-route` on `scope` (the stack, so that the route's address does not depend on this
   * construct). Throws without the gateway, or when `tier` has no subnet.
   */
  addEgressOnlyDefaultRoutes(scope: Construct, tier: Tier): Route[] {
    const gateway = this.egressOnlyGateway;
    if (gateway === undefined) throw new Error(`${this.node.id}: no egress-only internet gateway for the ${tier} tier's default routes`);
    const subnets = this.subnetsOf(tier);
    if (subnets.length === 0) throw new Error(`${this.node.id}: the ${tier} tier has no subnet to route`);
    return subnets.map(
      ({ zone, routeTable }) =>
        new Route(scope, `${tier}-${zone.suffix}-default-route`, {
          routeTableId: routeTable.id,
          destinationIpv6CidrBlock: "::/0",
          egressOnlyGatewayId: gateway.id,
        }),
    );
  }
}
