/**
 * The network ACL rules of each tier: a pure function from the tiers' address blocks, the allowlisted ports and the
 * inspection design (proxies or not, the explicit proxy hop through the firewall or not, the proxies' ICAP services)
 * to the numbered ingress and egress rules of every tier. `TierNetworkAcl` turns one tier's rules into resources.
 */
import { TIERS, type Tier } from "../../lib/names";
import { HTTPS_PORT } from "../../lib/ports";
import { ICMPV6_PACKET_TOO_BIG } from "../../lib/protocols";
import { AclCidr, AclEntry, AclTraffic, EPHEMERAL_PORTS, LINK_LOCAL_IPV6 } from "./acl";

/** Rule numbers, per direction. IPv4 is denied first so that no later rule can admit it. */
export const TIER_ACL_RULE = {
  /** Every IPv4 packet, denied. */
  denyIpv4: 10,
  /** The first allowlisted port; port i of `ports` is rule `allowlistedPorts + i`. */
  allowlistedPorts: 100,
  /** The proxies' explicit port. */
  proxyExplicitPort: 130,
  /** HTTPS to or from the interface endpoints (the proxy tier's ingress at the endpoint tier is the next number). */
  endpointHttps: 140,
  /** The first ICAP service; service i is rule `icapService + i`. */
  icapService: 145,
  /** Return traffic on the ephemeral ports. */
  ephemeral: 150,
  /** The endpoint tier's replies to the proxy tier. */
  ephemeralFromProxyTier: 151,
  /** ICMPv6 Packet Too Big (Path MTU discovery). */
  packetTooBig: 160,
  /** ICMPv6 on link-local addresses (neighbour discovery). */
  neighbourDiscovery: 170,
} as const;

/** The most allowlisted ports the numbering holds: their rules must stay below the explicit proxy port's. */
export const MAX_ALLOWLISTED_PORTS = TIER_ACL_RULE.proxyExplicitPort - TIER_ACL_RULE.allowlistedPorts;
/** The most ICAP services the numbering holds: their rules must stay below the ephemeral rule. */
export const MAX_ICAP_SERVICES = TIER_ACL_RULE.ephemeral - TIER_ACL_RULE.icapService;

/** An ICAP service the proxies reach: exactly this address and port are opened. */
export interface AclIcapService {
  /** An IPv6 address (the rule opens its /128). */
  readonly address: string;
  /** Its TCP port. */
  readonly port: number;
}

/** What the rules are computed from. */
export interface TierAclRulesProps {
  /** The IPv6 block (a /60) of each tier, whether or not the tier has subnets. */
  readonly tierIpv6Cidrs: Readonly<Record<Tier, string>>;
  /** The VPC's IPv6 block (the endpoint tier's ICMPv6 peers). */
  readonly vpcIpv6Cidr: string;
  /** The allowlisted destination ports (egress.ports), in order: port i gets rule number 100 + i. */
  readonly ports: readonly number[];
  /** The proxy tier exists: its rules, and every rule that names it, are created. */
  readonly proxies: boolean;
  /** The proxies' explicit port (HTTP(S)_PROXY). Used only with `proxies`. */
  readonly explicitProxyPort: number;
  /** The workload <-> proxy explicit-port hop runs through the firewall tier, both ways. Needs `proxies`. */
  readonly explicitProxyThroughFirewall: boolean;
  /**
   * The ICAP services the proxies reach (DLP), once per address and port. Needs `proxies`.
   * @default - none: no ICAP rule in the ACLs
   */
  readonly icapServices?: readonly AclIcapService[];
}

/** One tier's rules, per direction; everything they do not allow is denied. */
export interface TierAclRules {
  /** Rules for traffic entering the tier's subnets. */
  readonly ingress: AclEntry[];
  /** Rules for traffic leaving the tier's subnets. */
  readonly egress: AclEntry[];
}

const validPort = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65535;

function checkProps(props: TierAclRulesProps): void {
  const bad = props.ports.filter((p) => !validPort(p));
  if (bad.length > 0) throw new Error(`tier ACL rules: ports ${bad.join(", ")} are not TCP ports (1-65535)`);
  if (props.ports.length === 0) throw new Error("tier ACL rules: no allowlisted port; the tiers would carry no traffic");
  if (props.ports.length > MAX_ALLOWLISTED_PORTS) {
    throw new Error(`tier ACL rules: ${props.ports.length} allowlisted ports; the rule numbering holds ${MAX_ALLOWLISTED_PORTS}`);
  }
  if (new Set(props.ports).size !== props.ports.length)
    throw new Error(`tier ACL rules: a port is listed twice in ${props.ports.join(", ")}`);
  if (props.proxies && !validPort(props.explicitProxyPort)) {
    throw new Error(`tier ACL rules: explicit proxy port ${props.explicitProxyPort} is not a TCP port (1-65535)`);
  }
  if (props.explicitProxyThroughFirewall && !props.proxies) {
    throw new Error("tier ACL rules: the explicit proxy hop runs through the firewall, but there are no proxies");
  }
  const icap = props.icapServices ?? [];
  if (icap.length > 0 && !props.proxies) throw new Error("tier ACL rules: ICAP services are reached by the proxies, but there are none");
  if (icap.length > MAX_ICAP_SERVICES) {
    throw new Error(`tier ACL rules: ${icap.length} ICAP services; the rule numbering holds ${MAX_ICAP_SERVICES}`);
  }
  for (const s of icap) if (!validPort(s.port)) throw new Error(`tier ACL rules: ICAP service port ${s.port} is not a TCP port (1-65535)`);
}

/**
 * The rules of every tier that exists (the proxy tier only with `proxies`). Stateless, so each allowed flow has its
 * return traffic allowed too; nothing admits a connection opened from the internet, only replies to the tiers' own.
 */
export function tierAclRules(props: TierAclRulesProps): Partial<Record<Tier, TierAclRules>> {
  checkProps(props);
  const RULE = TIER_ACL_RULE;
  const tier = (t: Tier) => AclCidr.ipv6(props.tierIpv6Cidrs[t]);
  const vpc = AclCidr.ipv6(props.vpcIpv6Cidr);
  const internet = AclCidr.anyIpv6();
  const ports = props.ports;
  const withProxy = props.proxies;

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
  const ifProxies = (entries: () => AclEntry[]): AclEntry[] => (withProxy ? entries() : []);
  const explicit = (peer: AclCidr): AclEntry[] =>
    ifProxies(() => [{ number: RULE.proxyExplicitPort, traffic: AclTraffic.tcpPort(props.explicitProxyPort), peer }]);
  const explicitViaFirewall = (peer: () => AclCidr): AclEntry[] => (props.explicitProxyThroughFirewall ? explicit(peer()) : []);

  // The proxies' ICAP services (DLP), when they decrypt: exactly each service's /128 and port. Their replies come
  // back to the proxy's ephemeral port, which the proxy tier's ephemeral ingress rule already admits from anywhere.
  const icap: AclEntry[] = (props.icapServices ?? []).map((e, i) => ({
    number: RULE.icapService + i,
    traffic: AclTraffic.tcpPort(e.port),
    peer: AclCidr.ipv6(`${e.address}/128`),
  }));

  const rules: Record<Tier, () => TierAclRules> = {
    // Workloads open connections only: to the internet on allowlisted ports (an inspection point sits in the
    // route), to their proxy's explicit port, and to interface endpoints. Inbound is only return traffic.
    workload: () => ({
      ingress: [denyIpv4, ephemeral(internet), ...icmp(internet)],
      egress: [denyIpv4, ...allowlisted(internet), ...explicit(tier("proxy")), https(tier("endpoint")), ...icmp(internet)],
    }),
    // Proxies accept workload connections (intercepted on the allowlisted ports, or on the explicit port),
    // open their own to the internet (allowlisted ports plus 443), and use interface endpoints for SSM and logs.
    proxy: () => ({
      ingress: [denyIpv4, ...allowlisted(tier("workload")), ...explicit(tier("workload")), ephemeral(internet), ...icmp(internet)],
      egress: [
        denyIpv4,
        ...allowlisted(internet, proxyOutboundPorts),
        https(tier("endpoint")),
        ...icap,
        ephemeral(tier("workload")),
        ...icmp(internet),
      ],
    }),
    // Firewall endpoints forward workload flows on allowlisted ports and their return traffic. When the explicit
    // proxy hop runs through them they also carry workload <-> proxy explicit-port flows: the proxy subnet routes its
    // replies to the workloads through the firewall, so the requests are routed that way too (symmetry).
    firewall: () => ({
      ingress: [
        denyIpv4,
        ...allowlisted(tier("workload")),
        ...explicitViaFirewall(() => tier("workload")),
        ephemeral(internet),
        ...icmp(internet),
      ],
      egress: [
        denyIpv4,
        ...allowlisted(internet),
        ...explicitViaFirewall(() => tier("proxy")),
        ephemeral(tier("workload")),
        ...icmp(internet),
      ],
    }),
    // Interface endpoints answer HTTPS from workloads and proxies, and nothing else.
    endpoint: () => ({
      ingress: [
        denyIpv4,
        https(tier("workload")),
        ...ifProxies(() => [{ ...https(tier("proxy")), number: RULE.endpointHttps + 1 }]),
        ...icmp(vpc),
      ],
      egress: [
        denyIpv4,
        ephemeral(tier("workload")),
        ...ifProxies(() => [ephemeral(tier("proxy"), RULE.ephemeralFromProxyTier)]),
        ...icmp(vpc),
      ],
    }),
  };

  const out: Partial<Record<Tier, TierAclRules>> = {};
  for (const t of TIERS) if (t !== "proxy" || withProxy) out[t] = rules[t]();
  return out;
}
