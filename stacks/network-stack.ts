/**
 * The network stack: an IPv6-only VPC, one egress-only internet gateway, and tiers whose network ACLs admit
 * exactly what each tier needs. Workload subnets get no route to the internet here: egress appears only when
 * the inspection stack adds it (fail closed).
 */
import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { Egress6Stack } from "./base";
import { NetworkOutput } from "./network-outputs";
import type { Egress6Config } from "../config/schema";
import { zonesOf } from "../config/zones";
import { TAG_TIER, TIERS, type Tier } from "../lib/names";
import { modeProfile, tiersOf } from "../config/modes";
import { Ipv6OnlyVpc } from "../modules/network/ipv6-only-vpc";
import { TierNetworkAcl } from "../modules/network/tier-network-acl";
import { tierAclRules } from "../modules/network/tier-acl-rules";
import { icapEndpointsOf } from "../config/tls-inspection";

export class NetworkStack extends Egress6Stack {
  readonly network: Ipv6OnlyVpc;

  constructor(scope: Construct, config: Egress6Config) {
    super(scope, "network", { config });
    const zones = zonesOf(config);
    const profile = modeProfile(config.inspection.mode);
    const tiers = tiersOf(config.inspection.mode);

    this.network = new Ipv6OnlyVpc(this, "vpc", {
      envName: config.name,
      ipv4Cidr: config.vpc.ipv4Cidr,
      ipv6: config.vpc.ipv6,
      zones,
      tiers,
      egressOnlyGateway: profile.proxies,
    });
    const net = this.network;

    // The proxy tier is the only one with a way out here; the inspection stack adds every other route.
    if (profile.proxies) net.addEgressOnlyDefaultRoutes(this, "proxy");

    const rules = tierAclRules({
      tierIpv6Cidrs: Object.fromEntries(TIERS.map((t) => [t, net.tierIpv6Cidr(t)])) as Record<Tier, string>,
      vpcIpv6Cidr: net.vpc.ipv6CidrBlock,
      ports: config.egress.ports,
      proxies: profile.proxies,
      explicitProxyPort: config.inspection.proxy.explicitPort,
      explicitProxyThroughFirewall: profile.explicitProxyThroughFirewall,
      icapServices: icapEndpointsOf(config),
    });
    const acls = {} as Partial<Record<Tier, TierNetworkAcl>>;
    for (const t of tiers) {
      const tierRules = rules[t];
      if (tierRules === undefined) throw new Error(`no network ACL rules for the ${t} tier`);
      acls[t] = new TierNetworkAcl(this, `${t}-acl`, {
        vpcId: net.vpc.id,
        subnetIds: net.subnetsOf(t).map((s) => s.subnet.id),
        ...tierRules,
        tags: { Name: `${config.name}-${t}`, [TAG_TIER]: t },
      });
    }

    this.declareOutputs(tiers, acls);
  }

  private declareOutputs(tiers: readonly Tier[], acls: Partial<Record<Tier, TierNetworkAcl>>): void {
    const net = this.network;
    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    output(NetworkOutput.vpcId, net.vpc.id, "VPC id");
    output(NetworkOutput.vpcIpv6Cidr, net.vpc.ipv6CidrBlock, "The VPC's IPv6 /56");
    output(NetworkOutput.vpcIpv4Cidr, net.vpc.cidrBlock, "The VPC's IPv4 CIDR (required by AWS, used by no subnet)");
    if (net.egressOnlyGateway) {
      output(NetworkOutput.egressOnlyGatewayId, net.egressOnlyGateway.id, "Egress-only internet gateway id");
    }
    for (const t of tiers) {
      output(NetworkOutput.tierIpv6Cidr(t), net.tierIpv6Cidr(t), `The /60 holding every ${t} subnet`);
    }
    for (const { tier, zone, subnet, routeTable } of net.subnets) {
      output(NetworkOutput.subnetId(tier, zone.suffix), subnet.id, `${tier} subnet in ${zone.name}`);
      output(NetworkOutput.subnetIpv6Cidr(tier, zone.suffix), subnet.ipv6CidrBlock, `${tier} subnet /64 in ${zone.name}`);
      output(NetworkOutput.routeTableId(tier, zone.suffix), routeTable.id, `${tier} route table in ${zone.name}`);
    }
    for (const t of tiers) {
      output(NetworkOutput.networkAclId(t), acls[t]!.acl.id, `${t} tier network ACL id`);
    }
  }
}
