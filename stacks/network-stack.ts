/**
 * The network stack: an IPv6-only VPC, one egress-only internet gateway, and tiers whose network ACLs admit
 * exactly what each tier needs. Workload subnets get no route to the internet here: egress appears only when
 * the inspection stack adds it (fail closed).
 */
import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { Route } from "@cdktf/provider-aws/lib/route";
import { Egress6Stack } from "./base";
import { NetworkOutput } from "./network-outputs";
import type { Egress6Config } from "../config/schema";
import { zonesOf } from "../config/zones";
import { TAG_TIER, type Tier } from "../lib/names";
import { modeHasProxies, tiersOf } from "../config/modes";
import { HTTPS_PORT } from "../lib/ports";
import { Ipv6OnlyVpc } from "../modules/network/ipv6-only-vpc";
import { TierNetworkAcl } from "../modules/network/tier-network-acl";
import { AclCidr, AclEntry, AclTraffic, EPHEMERAL_PORTS, LINK_LOCAL_IPV6 } from "../modules/network/acl";
import { ICMPV6_PACKET_TOO_BIG } from "../lib/protocols";
import { icapEndpointsOf } from "../config/tls-inspection";

/** Rule numbers, per direction. IPv4 is denied first so that no later rule can admit it. */
const RULE = {
  denyIpv4: 10,
  allowlistedPorts: 100, // + index of the port in egress.ports
  proxyExplicitPort: 130,
  endpointHttps: 140,
  icapService: 145, // + index of the ICAP endpoint (request, response)
  ephemeral: 150,
  ephemeralFromProxyTier: 151,
  packetTooBig: 160,
  neighbourDiscovery: 170,
} as const;

export class NetworkStack extends Egress6Stack {
  readonly network: Ipv6OnlyVpc;

  constructor(scope: Construct, config: Egress6Config) {
    super(scope, "network", { config });
    const zones = zonesOf(config);
    const withProxy = modeHasProxies(config.inspection.mode);
    const tiers = tiersOf(config.inspection.mode);

    this.network = new Ipv6OnlyVpc(this, "vpc", {
      envName: config.name,
      ipv4Cidr: config.vpc.ipv4Cidr,
      ipv6: config.vpc.ipv6,
      zones,
      tiers,
      egressOnlyGateway: withProxy,
    });
    const net = this.network;

    // The proxy tier is the only one with a way out here; the inspection stack adds every other route.
    if (net.egressOnlyGateway) {
      for (const { zone, routeTable } of net.subnetsOf("proxy")) {
        new Route(this, `proxy-${zone.suffix}-default-route`, {
          routeTableId: routeTable.id,
          destinationIpv6CidrBlock: "::/0",
          egressOnlyGatewayId: net.egressOnlyGateway.id,
        });
      }
    }

    const tier = (t: Tier) => AclCidr.ipv6(net.tierIpv6Cidr(t));
    const vpc = AclCidr.ipv6(net.vpc.ipv6CidrBlock);
    const internet = AclCidr.anyIpv6();
    const ports = config.egress.ports;
    const explicitPort = config.inspection.proxy.explicitPort;

    const denyIpv4: AclEntry = { number: RULE.denyIpv4, traffic: AclTraffic.all(), peer: AclCidr.anyIpv4(), action: "deny" };
    const icmp = (peer: AclCidr): AclEntry[] => [
      { number: RULE.packetTooBig, traffic: AclTraffic.icmpv6(ICMPV6_PACKET_TOO_BIG), peer },
      { number: RULE.neighbourDiscovery, traffic: AclTraffic.icmpv6(-1), peer: AclCidr.ipv6(LINK_LOCAL_IPV6) },
    ];
    const allowlisted = (peer: AclCidr, which: readonly number[] = ports): AclEntry[] =>
      which.map((port, i) => ({ number: RULE.allowlistedPorts + i, traffic: AclTraffic.tcpPort(port), peer }));
    // The proxies reach the internet on egress.ports and, whatever those are, on 443 for their own packages (dnf at
    // boot) and AWS APIs; the proxy security group opens the same. Return traffic is the ephemeral ingress rule.
    const proxyOutboundPorts = ports.includes(HTTPS_PORT) ? ports : [...ports, HTTPS_PORT];
    const ephemeral = (peer: AclCidr, number: number = RULE.ephemeral): AclEntry => ({
      number,
      traffic: AclTraffic.tcpPortRange(EPHEMERAL_PORTS.from, EPHEMERAL_PORTS.to),
      peer,
    });
    const https = (peer: AclCidr): AclEntry => ({ number: RULE.endpointHttps, traffic: AclTraffic.tcpPort(HTTPS_PORT), peer });
    /** Rules that concern proxies exist only where the proxy tier does. */
    const ifProxies = (entries: AclEntry[]): AclEntry[] => (withProxy ? entries : []);
    const explicit = (peer: AclCidr): AclEntry[] =>
      ifProxies([{ number: RULE.proxyExplicitPort, traffic: AclTraffic.tcpPort(explicitPort), peer }]);
    const explicitViaFirewall = (peer: AclCidr): AclEntry[] => (config.inspection.mode === "firewall-proxy" ? explicit(peer) : []);

    // The proxies' ICAP services (DLP), when they decrypt: exactly each service's /128 and port. Their replies come
    // back to the proxy's ephemeral port, which the proxy tier's ephemeral ingress rule already admits from anywhere.
    const icap: AclEntry[] = ifProxies(
      icapEndpointsOf(config).map((e, i) => ({
        number: RULE.icapService + i,
        traffic: AclTraffic.tcpPort(e.port),
        peer: AclCidr.ipv6(`${e.address}/128`),
      })),
    );

    const rules: Record<Tier, { ingress: AclEntry[]; egress: AclEntry[] }> = {
      // Workloads open connections only: to the internet on allowlisted ports (an inspection point sits in the
      // route), to their proxy's explicit port, and to interface endpoints. Inbound is only return traffic.
      workload: {
        ingress: [denyIpv4, ephemeral(internet), ...icmp(internet)],
        egress: [denyIpv4, ...allowlisted(internet), ...explicit(tier("proxy")), https(tier("endpoint")), ...icmp(internet)],
      },
      // Proxies accept workload connections (intercepted on the allowlisted ports, or on the explicit port),
      // open their own to the internet (allowlisted ports plus 443), and use interface endpoints for SSM and logs.
      proxy: {
        ingress: [denyIpv4, ...allowlisted(tier("workload")), ...explicit(tier("workload")), ephemeral(internet), ...icmp(internet)],
        egress: [
          denyIpv4,
          ...allowlisted(internet, proxyOutboundPorts),
          https(tier("endpoint")),
          ...icap,
          ephemeral(tier("workload")),
          ...icmp(internet),
        ],
      },
      // Firewall endpoints forward workload flows on allowlisted ports and their return traffic. In firewall-proxy
      // mode they also carry workload <-> proxy explicit-port flows: the proxy subnet routes its replies to the
      // workloads through the firewall, so the inspection stack routes the requests that way too (symmetry).
      firewall: {
        ingress: [
          denyIpv4,
          ...allowlisted(tier("workload")),
          ...explicitViaFirewall(tier("workload")),
          ephemeral(internet),
          ...icmp(internet),
        ],
        egress: [denyIpv4, ...allowlisted(internet), ...explicitViaFirewall(tier("proxy")), ephemeral(tier("workload")), ...icmp(internet)],
      },
      // Interface endpoints answer HTTPS from workloads and proxies, and nothing else.
      endpoint: {
        ingress: [
          denyIpv4,
          https(tier("workload")),
          ...ifProxies([{ ...https(tier("proxy")), number: RULE.endpointHttps + 1 }]),
          ...icmp(vpc),
        ],
        egress: [
          denyIpv4,
          ephemeral(tier("workload")),
          ...ifProxies([ephemeral(tier("proxy"), RULE.ephemeralFromProxyTier)]),
          ...icmp(vpc),
        ],
      },
    };

    const acls = {} as Partial<Record<Tier, TierNetworkAcl>>;
    for (const t of tiers) {
      acls[t] = new TierNetworkAcl(this, `${t}-acl`, {
        vpcId: net.vpc.id,
        subnetIds: net.subnetsOf(t).map((s) => s.subnet.id),
        ...rules[t],
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
