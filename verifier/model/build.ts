/**
 * Builds the network model from the evaluated configuration of every stack. Resources are linked by the symbols
 * their ids evaluate to (`aws_route_table.x.id` in stack network), never by name: a route in another stack that
 * reads a route table id through remote state attaches to that table.
 */
import type { World, ResourceRef } from "../expr/evaluate";
import { FirewallEndpointId, Opaque, Unknown, isObjectValue, showValue, type Value } from "../expr/values";
import { Prefix } from "./prefix";
import { TAG_AZ, TAG_ROLE, TAG_TIER } from "../tags";
import type {
  Firewall,
  FirewallPolicyFacts,
  Gateway,
  GatewayKind,
  Host,
  InspectionEndpoint,
  InstanceFacts,
  InterfaceEndpoint,
  Model,
  Nacl,
  NaclRule,
  Protocol,
  RouteTable,
  SecurityGroup,
  SgPeer,
  SgRule,
  Subnet,
  Target,
  Vpc,
} from "./types";

/** The identity of an id-like value: the resource attribute it is, or the literal id. */
export function signature(v: Value | undefined): string | undefined {
  if (v instanceof Opaque) return `${v.resource}|${v.path}`;
  if (v instanceof FirewallEndpointId) return `endpoint|${v.firewall}|${signature(v.subnet) ?? showValue(v.subnet)}`;
  if (typeof v === "string" && v !== "") return `literal|${v}`;
  return undefined;
}

/** Route target arguments and what they point at (aws_route and inline route blocks share the names). */
const TARGET_FIELDS = [
  "gateway_id",
  "egress_only_gateway_id",
  "nat_gateway_id",
  "network_interface_id",
  "instance_id",
  "transit_gateway_id",
  "vpc_peering_connection_id",
  "vpc_endpoint_id",
  "carrier_gateway_id",
  "local_gateway_id",
  "core_network_arn",
] as const;

const EXTERNAL_TARGETS: Partial<Record<(typeof TARGET_FIELDS)[number], GatewayKind>> = {
  transit_gateway_id: "transit gateway",
  vpc_peering_connection_id: "VPC peering connection",
  carrier_gateway_id: "carrier gateway",
  local_gateway_id: "local gateway",
  core_network_arn: "core network",
};

/** The gateways a route table can be edge-associated with (VPC user guide, "Gateway route tables"). */
const EDGE_GATEWAYS: ReadonlySet<GatewayKind> = new Set(["internet gateway", "virtual private gateway"]);

/** Stateless default actions that let traffic skip the stateful engine (Network Firewall developer guide, "Stateless default actions"). */
const STATELESS_PASS = "aws:pass";
/** Stateful default actions that drop what no rule passes; both require strict rule order. */
const STATEFUL_DROPS = ["aws:drop_strict", "aws:drop_established"];

function parseProtocol(v: Value | undefined): Protocol | undefined {
  const s = typeof v === "number" ? String(v) : typeof v === "string" ? v.toLowerCase() : undefined;
  if (s === undefined) return undefined;
  if (s === "-1" || s === "all") return "all";
  const named: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, "ipv6-icmp": 58 };
  if (s in named) return named[s];
  return /^[0-9]+$/.test(s) ? Number(s) : undefined;
}

function isIcmp(p: Protocol): boolean {
  return p === 1 || p === 58;
}

function asNumber(v: Value | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?[0-9]+$/.test(v)) return Number(v);
  return undefined;
}

function asBool(v: Value | undefined): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}

function asList(v: Value | undefined): Value[] {
  if (Array.isArray(v)) return [...v];
  if (v === undefined || v === null) return [];
  return [v];
}

function blocks(v: Value | undefined): Record<string, Value>[] {
  if (Array.isArray(v)) return v.filter(isObjectValue) as Record<string, Value>[];
  return isObjectValue(v) ? [v as Record<string, Value>] : [];
}

interface MutableHost {
  key: string;
  label: string;
  origin: string;
  role: string | undefined;
  subnet: Subnet | undefined;
  sourceDestCheck: boolean;
  securityGroups: SecurityGroup[];
  publicIpv4: string | undefined;
  extraIpv6: string | undefined;
  instances: InstanceFacts[];
}

/**
 * Why an interface with these arguments may get more than one IPv6 address: an address count or list above one,
 * or a delegated prefix (`ipv6_prefix_count`, `ipv6_prefixes`: a /80 of addresses). Undefined when it gets one at most.
 */
function extraIpv6(get: (name: string) => Value | undefined, where: string): string | undefined {
  const count = asNumber(get("ipv6_address_count"));
  if (count !== undefined && count > 1) return `${where}ipv6_address_count = ${count}`;
  for (const name of ["ipv6_addresses", "ipv6_address_list"]) {
    const list = asList(get(name));
    if (list.length > 1) return `${where}${name} lists ${list.length} addresses`;
  }
  const prefixes = asNumber(get("ipv6_prefix_count"));
  if (prefixes !== undefined && prefixes > 0) return `${where}ipv6_prefix_count = ${prefixes} delegates IPv6 prefixes`;
  if (asList(get("ipv6_prefixes")).length > 0) return `${where}ipv6_prefixes delegates IPv6 prefixes`;
  return undefined;
}

export function buildModel(world: World): Model {
  return new Builder(world).build();
}

class Builder {
  private readonly problems: string[] = [];
  private readonly vpcs = new Map<string, Vpc>();
  private readonly routeTables = new Map<string, RouteTable>();
  private readonly subnets = new Map<string, Subnet>();
  private readonly gateways = new Map<string, Gateway>();
  private readonly hosts = new Map<string, MutableHost>();
  private readonly instances: InstanceFacts[] = [];
  private readonly nacls = new Map<string, Nacl>();
  private readonly groups = new Map<string, SecurityGroup>();
  private readonly firewalls = new Map<string, Firewall>();
  private readonly endpoints = new Map<string, InspectionEndpoint>();
  private readonly interfaceEndpoints: InterfaceEndpoint[] = [];

  constructor(private readonly world: World) {}

  private origin(ref: ResourceRef): string {
    return `${ref.address} (${ref.stack.name})`;
  }

  private arg(ref: ResourceRef, name: string): Value | undefined {
    return this.world.argument(ref.key, name);
  }

  private tag(ref: ResourceRef, name: string): string | undefined {
    const v = this.world.tags(ref.key)[name];
    return typeof v === "string" ? v : undefined;
  }

  private label(ref: ResourceRef, kind: string | undefined): string {
    const az = this.tag(ref, TAG_AZ);
    if (kind && az) return `${kind}-${az}`;
    return this.tag(ref, "Name") ?? ref.address;
  }

  private problem(ref: ResourceRef, text: string): void {
    this.problems.push(`${this.origin(ref)}: ${text}`);
  }

  private prefixArg(ref: ResourceRef, name: string, family: 4 | 6): Prefix | undefined {
    const v = this.arg(ref, name);
    if (v === undefined || v === null || v === "") return undefined;
    const p = typeof v === "string" ? Prefix.parse(v) : undefined;
    if (!p || p.family !== family) {
      this.problem(ref, `${name} is ${showValue(v)}, which is not an IPv${family} CIDR the verifier can work out before apply`);
      return undefined;
    }
    return p;
  }

  build(): Model {
    this.buildVpcs();
    this.buildSubnets();
    this.buildGateways();
    this.buildFirewalls();
    this.buildSecurityGroups();
    this.buildHosts();
    this.buildRouteTables();
    this.buildAssociations();
    this.buildNacls();
    const model: Model = {
      vpcs: [...new Set(this.vpcs.values())],
      subnets: [...new Set(this.subnets.values())],
      routeTables: [...new Set(this.routeTables.values())],
      gateways: [...new Set(this.gateways.values())],
      firewalls: [...this.firewalls.values()],
      endpoints: [...new Set(this.endpoints.values())],
      hosts: [...new Set(this.hosts.values())] as Host[],
      instances: this.instances,
      nacls: [...new Set(this.nacls.values())],
      securityGroups: [...new Set(this.groups.values())],
      interfaceEndpoints: this.interfaceEndpoints,
      problems: [...new Set([...this.world.problems, ...this.problems])],
    };
    return model;
  }

  private vpcOf(ref: ResourceRef, name = "vpc_id"): Vpc | undefined {
    const v = this.arg(ref, name);
    const vpc = this.vpcs.get(signature(v) ?? "");
    if (!vpc) this.problem(ref, `${name} is ${showValue(v)}, which is no VPC in the configuration`);
    return vpc;
  }

  private buildVpcs(): void {
    for (const ref of this.world.resourcesOfType("aws_vpc")) {
      const ipv4 = this.prefixArg(ref, "cidr_block", 4);
      const v6 = this.world.attribute(ref.key, "ipv6_cidr_block");
      const ipv6 = typeof v6 === "string" ? Prefix.parse(v6) : undefined;
      const vpc = { key: ref.key, label: this.tag(ref, "Name") ?? ref.address, origin: this.origin(ref), ipv4: ipv4 ? [ipv4] : [], ipv6: ipv6 ? [ipv6] : [] } as Vpc;
      const main: RouteTable = {
        key: `${ref.key}#main`,
        label: `main route table of ${vpc.label}`,
        origin: `the main route table AWS creates with ${this.origin(ref)}`,
        vpc,
        routes: [],
        isMain: true,
        edgeGateways: [],
      };
      vpc.mainRouteTable = main;
      vpc.defaultNacl = {
        key: `${ref.key}#default-acl`,
        label: `default network ACL of ${vpc.label}`,
        origin: `the default network ACL AWS creates with ${this.origin(ref)} (allows everything)`,
        vpc,
        rules: this.awsDefaultNaclRules(`default network ACL of ${vpc.label}`),
      };
      vpc.defaultSecurityGroup = {
        key: `${ref.key}#default-sg`,
        id: `${ref.key}|default_security_group_id`,
        label: `default security group of ${vpc.label}`,
        origin: `the default security group AWS creates with ${this.origin(ref)}`,
        rules: this.awsDefaultSgRules(`${ref.key}|default_security_group_id`, `default security group of ${vpc.label}`),
      };
      this.vpcs.set(`${ref.key}|id`, vpc);
      this.routeTables.set(`${ref.key}|default_route_table_id`, main);
      this.nacls.set(`${ref.key}|default_network_acl_id`, vpc.defaultNacl);
      this.groups.set(`${ref.key}|default_security_group_id`, vpc.defaultSecurityGroup);
    }
    for (const type of ["aws_vpc_ipv4_cidr_block_association", "aws_vpc_ipv6_cidr_block_association"]) {
      for (const ref of this.world.resourcesOfType(type)) {
        const vpc = this.vpcOf(ref);
        const v = this.world.attribute(ref.key, type.includes("ipv6") ? "ipv6_cidr_block" : "cidr_block");
        const p = typeof v === "string" ? Prefix.parse(v) : undefined;
        if (!vpc) continue;
        if (!p) this.problem(ref, `its CIDR (${showValue(v)}) cannot be worked out before apply`);
        else (p.family === 6 ? vpc.ipv6 : vpc.ipv4).push(p);
      }
    }
  }

  /** AWS's default network ACL: everything in and out, IPv4 (rule 100) and IPv6 (rule 101) (VPC user guide, "Default network ACL"). */
  private awsDefaultNaclRules(origin: string): NaclRule[] {
    const rules: NaclRule[] = [];
    for (const egress of [false, true]) {
      rules.push({ egress, number: 100, allow: true, protocol: "all", from: 0, to: 65535, cidr: Prefix.any(4), origin });
      rules.push({ egress, number: 101, allow: true, protocol: "all", from: 0, to: 65535, cidr: Prefix.any(6), origin });
    }
    return rules;
  }

  /** AWS's default security group: in from members of the group, out to everywhere (VPC user guide, "Default security groups"). */
  private awsDefaultSgRules(id: string, origin: string): SgRule[] {
    return [
      { egress: false, protocol: "all", from: 0, to: 65535, peer: { kind: "group", group: id }, origin },
      { egress: true, protocol: "all", from: 0, to: 65535, peer: { kind: "cidr", prefix: Prefix.any(4) }, origin },
      { egress: true, protocol: "all", from: 0, to: 65535, peer: { kind: "cidr", prefix: Prefix.any(6) }, origin },
    ];
  }

  private buildSubnets(): void {
    for (const ref of this.world.resourcesOfType("aws_subnet")) {
      const vpc = this.vpcOf(ref);
      if (!vpc) continue;
      const az = this.arg(ref, "availability_zone") ?? this.arg(ref, "availability_zone_id");
      const tier = this.tag(ref, TAG_TIER);
      const subnet: Subnet = {
        key: ref.key,
        label: this.label(ref, tier),
        origin: this.origin(ref),
        vpc,
        az: typeof az === "string" ? az : undefined,
        tier,
        ipv6: this.prefixArg(ref, "ipv6_cidr_block", 6),
        ipv4: this.prefixArg(ref, "cidr_block", 4),
        settings: {
          mapPublicIpOnLaunch: asBool(this.arg(ref, "map_public_ip_on_launch")) ?? false,
          mapCustomerOwnedIpOnLaunch: asBool(this.arg(ref, "map_customer_owned_ip_on_launch")) ?? false,
          enableDns64: asBool(this.arg(ref, "enable_dns64")) ?? false,
          ipv6Native: asBool(this.arg(ref, "ipv6_native")) ?? false,
        },
        routeTable: vpc.mainRouteTable,
        associations: [],
        nacl: vpc.defaultNacl,
      };
      this.subnets.set(`${ref.key}|id`, subnet);
    }
  }

  private subnetOf(ref: ResourceRef, value: Value | undefined, what: string): Subnet | undefined {
    const s = this.subnets.get(signature(value) ?? "");
    if (!s) this.problem(ref, `${what} is ${showValue(value)}, which is no subnet in the configuration`);
    return s;
  }

  private addGateway(ref: ResourceRef, kind: GatewayKind, vpc: Vpc | undefined, extra: Partial<Gateway> = {}): Gateway {
    const gw: Gateway = { key: ref.key, label: this.tag(ref, "Name") ?? ref.address, origin: this.origin(ref), kind, vpc, ...extra };
    this.gateways.set(`${ref.key}|id`, gw);
    return gw;
  }

  private buildGateways(): void {
    for (const ref of this.world.resourcesOfType("aws_internet_gateway")) {
      const vpcId = this.arg(ref, "vpc_id");
      this.addGateway(ref, "internet gateway", vpcId === undefined ? undefined : this.vpcOf(ref));
    }
    for (const ref of this.world.resourcesOfType("aws_internet_gateway_attachment")) {
      const gw = this.gateways.get(signature(this.arg(ref, "internet_gateway_id")) ?? "");
      const vpc = this.vpcOf(ref);
      if (gw && vpc) (gw as { vpc: Vpc | undefined }).vpc = vpc;
    }
    for (const ref of this.world.resourcesOfType("aws_egress_only_internet_gateway")) this.addGateway(ref, "egress-only internet gateway", this.vpcOf(ref));
    for (const ref of this.world.resourcesOfType("aws_nat_gateway")) {
      const subnet = this.subnetOf(ref, this.arg(ref, "subnet_id"), "subnet_id");
      const connectivity = this.arg(ref, "connectivity_type");
      this.addGateway(ref, "NAT gateway", subnet?.vpc, { subnet, publicNat: connectivity !== "private" });
    }
    for (const ref of this.world.resourcesOfType("aws_vpn_gateway")) {
      this.addGateway(ref, "virtual private gateway", this.arg(ref, "vpc_id") === undefined ? undefined : this.vpcOf(ref));
    }
    for (const [type, kind] of [
      ["aws_ec2_transit_gateway", "transit gateway"],
      ["aws_vpc_peering_connection", "VPC peering connection"],
      ["aws_ec2_carrier_gateway", "carrier gateway"],
    ] as const) {
      for (const ref of this.world.resourcesOfType(type)) this.addGateway(ref, kind, undefined);
    }
    for (const ref of this.world.resourcesOfType("aws_vpc_endpoint")) {
      const type = this.arg(ref, "vpc_endpoint_type") ?? "Gateway";
      if (type === "Gateway") this.addGateway(ref, "gateway VPC endpoint", this.vpcOf(ref));
      if (type === "GatewayLoadBalancer") {
        const subnet = this.subnetOf(ref, asList(this.arg(ref, "subnet_ids"))[0], "subnet_ids[0]");
        const ep: InspectionEndpoint = {
          key: ref.key,
          label: this.tag(ref, "Name") ?? ref.address,
          origin: this.origin(ref),
          kind: "gateway load balancer endpoint",
          subnet,
          az: subnet?.az,
          inspects: true,
        };
        this.endpoints.set(`${ref.key}|id`, ep);
      }
      if (type === "Interface") {
        // Not a route target and not part of any proof: an id that names no subnet is counted, not a problem.
        const ids = asList(this.arg(ref, "subnet_ids"));
        const subnets = ids.map((v) => this.subnets.get(signature(v) ?? "")).filter((s): s is Subnet => s !== undefined);
        const service = this.arg(ref, "service_name");
        this.interfaceEndpoints.push({
          key: ref.key,
          label: this.tag(ref, "Name") ?? ref.address,
          origin: this.origin(ref),
          service: typeof service === "string" ? service : showValue(service),
          subnets,
          unknownSubnets: ids.length - subnets.length,
        });
      }
    }
  }

  private buildFirewalls(): void {
    for (const ref of this.world.resourcesOfType("aws_networkfirewall_firewall")) {
      const policyRef = this.world.resource((this.arg(ref, "firewall_policy_arn") as Opaque | undefined)?.resource ?? "");
      const label = this.tag(ref, "Name") ?? this.world.argument(ref.key, "name");
      this.firewalls.set(ref.key, {
        key: ref.key,
        label: typeof label === "string" ? label : ref.address,
        origin: this.origin(ref),
        policy: policyRef?.raw.type === "aws_networkfirewall_firewall_policy" ? this.policyFacts(policyRef) : {
          forwardsAll: false,
          defaultDrop: false,
          statefulDefault: "(unknown)",
          problems: [`its firewall policy (${showValue(this.arg(ref, "firewall_policy_arn"))}) is not in the configuration`],
        },
      });
    }
  }

  private policyFacts(ref: ResourceRef): FirewallPolicyFacts {
    const policy = blocks(this.arg(ref, "firewall_policy"))[0] ?? {};
    const problems: string[] = [];
    const strings = (v: Value | undefined) => asList(v).filter((x): x is string => typeof x === "string");
    const statelessDefault = strings(policy.stateless_default_actions);
    const fragmentDefault = strings(policy.stateless_fragment_default_actions);
    let forwardsAll = true;
    if (statelessDefault.includes(STATELESS_PASS) || fragmentDefault.includes(STATELESS_PASS)) {
      forwardsAll = false;
      problems.push(`${this.origin(ref)}: a stateless default action is ${STATELESS_PASS}, so traffic skips the stateful engine`);
    }
    for (const reference of blocks(policy.stateless_rule_group_reference)) {
      const group = this.world.resource((reference.resource_arn as Opaque | undefined)?.resource ?? "");
      if (!group) continue;
      const text = JSON.stringify(this.world.attribute(group.key, "rule_group"), (_k, x) => (x instanceof Opaque || x instanceof Unknown ? null : x));
      if (text.includes(`"${STATELESS_PASS}"`)) {
        forwardsAll = false;
        problems.push(`${this.origin(group)}: a stateless rule passes traffic (${STATELESS_PASS}) past the stateful engine`);
      }
    }
    const order = blocks(policy.stateful_engine_options)[0]?.rule_order;
    const statefulDefault = strings(policy.stateful_default_actions);
    const defaultDrop = order === "STRICT_ORDER" && statefulDefault.some((a) => STATEFUL_DROPS.includes(a));
    if (!defaultDrop) {
      problems.push(
        `${this.origin(ref)}: the stateful engine passes what no rule matches (rule_order ${showValue(order ?? "DEFAULT_ACTION_ORDER")}, ` +
          `stateful_default_actions ${showValue(statefulDefault)}; a drop needs STRICT_ORDER with ${STATEFUL_DROPS.join(" or ")})`,
      );
    }
    return { forwardsAll, defaultDrop, problems, statefulDefault: statefulDefault.join(", ") || "(none)" };
  }

  /** The endpoint a route's `vpc_endpoint_id` names. */
  private endpointOf(value: Value): InspectionEndpoint | undefined {
    if (value instanceof FirewallEndpointId) {
      const sig = signature(value)!;
      const existing = this.endpoints.get(sig);
      if (existing) return existing;
      const firewall = this.firewalls.get(value.firewall);
      const subnet = this.subnets.get(signature(value.subnet) ?? "");
      const az = subnet?.az ?? (typeof value.availabilityZone === "string" ? value.availabilityZone : undefined);
      const fwLabel = firewall?.label ?? value.firewall;
      const ep: InspectionEndpoint = {
        key: sig,
        label: `firewall ${fwLabel} endpoint in ${subnet?.label ?? az ?? "an unknown subnet"}`,
        origin: `the endpoint of ${firewall?.origin ?? value.firewall} in ${subnet?.origin ?? "an unknown subnet"}`,
        kind: "firewall endpoint",
        subnet,
        az,
        firewall,
        inspects: firewall ? firewall.policy.forwardsAll : false,
      };
      this.endpoints.set(sig, ep);
      return ep;
    }
    return this.endpoints.get(signature(value) ?? "");
  }

  private buildSecurityGroups(): void {
    for (const ref of this.world.resourcesOfType("aws_security_group")) {
      const group: SecurityGroup = {
        key: ref.key,
        id: `${ref.key}|id`,
        label: this.tag(ref, "Name") ?? (typeof this.arg(ref, "name") === "string" ? String(this.arg(ref, "name")) : ref.address),
        origin: this.origin(ref),
        rules: [],
      };
      this.addInlineSgRules(ref, group);
      this.groups.set(group.id, group);
    }
    for (const ref of this.world.resourcesOfType("aws_default_security_group")) {
      const existing = this.groups.get(signature(this.world.attribute(ref.key, "id")) ?? "");
      if (!existing) continue;
      existing.rules.length = 0;
      Object.assign(existing, { key: ref.key, origin: this.origin(ref), label: this.tag(ref, "Name") ?? existing.label });
      this.addInlineSgRules(ref, existing);
    }
    for (const ref of this.world.resourcesOfType("aws_security_group_rule")) {
      const group = this.groupOf(ref, "security_group_id");
      if (!group) continue;
      const type = this.arg(ref, "type");
      const egress = type === "egress";
      const protocol = parseProtocol(this.arg(ref, "protocol"));
      if (protocol === undefined) {
        this.problem(ref, `protocol ${showValue(this.arg(ref, "protocol"))} is not a protocol`);
        continue;
      }
      const [from, to] = this.sgPorts(protocol, this.arg(ref, "from_port"), this.arg(ref, "to_port"));
      const peers = this.sgPeers(ref, {
        cidr: [...asList(this.arg(ref, "cidr_blocks")), ...asList(this.arg(ref, "ipv6_cidr_blocks"))],
        prefixLists: asList(this.arg(ref, "prefix_list_ids")),
        groups: asList(this.arg(ref, "source_security_group_id")),
        self: asBool(this.arg(ref, "self")) === true ? group : undefined,
      });
      for (const peer of peers) group.rules.push({ egress, protocol, from, to, peer, origin: this.origin(ref) });
    }
    for (const [type, egress] of [["aws_vpc_security_group_ingress_rule", false], ["aws_vpc_security_group_egress_rule", true]] as const) {
      for (const ref of this.world.resourcesOfType(type)) {
        const group = this.groupOf(ref, "security_group_id");
        if (!group) continue;
        const protocol = parseProtocol(this.arg(ref, "ip_protocol"));
        if (protocol === undefined) {
          this.problem(ref, `ip_protocol ${showValue(this.arg(ref, "ip_protocol"))} is not a protocol`);
          continue;
        }
        const [from, to] = this.sgPorts(protocol, this.arg(ref, "from_port"), this.arg(ref, "to_port"));
        const peers = this.sgPeers(ref, {
          cidr: [this.arg(ref, "cidr_ipv4"), this.arg(ref, "cidr_ipv6")].filter((v) => v !== undefined) as Value[],
          prefixLists: asList(this.arg(ref, "prefix_list_id")),
          groups: asList(this.arg(ref, "referenced_security_group_id")),
          self: undefined,
        });
        for (const peer of peers) group.rules.push({ egress, protocol, from, to, peer, origin: this.origin(ref) });
      }
    }
  }

  private groupOf(ref: ResourceRef, name: string): SecurityGroup | undefined {
    const v = this.arg(ref, name);
    const g = this.groups.get(signature(v) ?? "");
    if (!g) this.problem(ref, `${name} is ${showValue(v)}, which is no security group in the configuration`);
    return g;
  }

  private sgPorts(protocol: Protocol, fromV: Value | undefined, toV: Value | undefined): [number, number] {
    const from = asNumber(fromV);
    const to = asNumber(toV);
    if (protocol === "all") return [0, 65535];
    if (isIcmp(protocol)) {
      // Security groups put the ICMP type in from_port (-1: every type).
      return from === undefined || from < 0 ? [0, 255] : [from, from];
    }
    if (from === undefined || to === undefined || from < 0) return [0, 65535];
    return [from, to];
  }

  private sgPeers(
    ref: ResourceRef,
    p: { cidr: Value[]; prefixLists: Value[]; groups: Value[]; self: SecurityGroup | undefined },
  ): SgPeer[] {
    const peers: SgPeer[] = [];
    for (const c of p.cidr) {
      if (c === null || c === "") continue;
      const prefix = typeof c === "string" ? Prefix.parse(c) : undefined;
      if (prefix) peers.push({ kind: "cidr", prefix });
      else this.problem(ref, `a CIDR of a security group rule is ${showValue(c)}, which cannot be worked out before apply`);
    }
    for (const pl of p.prefixLists) if (pl !== null) peers.push({ kind: "prefix list", description: `prefix list ${showValue(pl)}` });
    for (const g of p.groups) if (g !== null) peers.push({ kind: "group", group: signature(g) ?? showValue(g) });
    if (p.self) peers.push({ kind: "group", group: p.self.id });
    return peers;
  }

  private addInlineSgRules(ref: ResourceRef, group: SecurityGroup): void {
    for (const egress of [false, true]) {
      for (const b of blocks(this.arg(ref, egress ? "egress" : "ingress"))) {
        const protocol = parseProtocol(b.protocol);
        if (protocol === undefined) {
          this.problem(ref, `protocol ${showValue(b.protocol)} is not a protocol`);
          continue;
        }
        const [from, to] = this.sgPorts(protocol, b.from_port, b.to_port);
        const peers = this.sgPeers(ref, {
          cidr: [...asList(b.cidr_blocks), ...asList(b.ipv6_cidr_blocks)],
          prefixLists: asList(b.prefix_list_ids),
          groups: asList(b.security_groups),
          self: asBool(b.self) === true ? group : undefined,
        });
        for (const peer of peers) group.rules.push({ egress, protocol, from, to, peer, origin: `${this.origin(ref)} ${egress ? "egress" : "ingress"} block` });
      }
    }
  }

  private groupsFrom(ref: ResourceRef, values: Value[], vpc: Vpc | undefined): SecurityGroup[] {
    const out: SecurityGroup[] = [];
    for (const v of values) {
      const g = this.groups.get(signature(v) ?? "");
      if (g) out.push(g);
      else this.problem(ref, `names security group ${showValue(v)}, which is not in the configuration`);
    }
    if (out.length === 0 && vpc) out.push(vpc.defaultSecurityGroup);
    return out;
  }

  private roleOfTemplate(template: ResourceRef | undefined, resourceType: string): string | undefined {
    if (!template) return undefined;
    for (const spec of blocks(this.arg(template, "tag_specifications"))) {
      if (spec.resource_type === resourceType && isObjectValue(spec.tags) && typeof spec.tags[TAG_ROLE] === "string") return spec.tags[TAG_ROLE] as string;
    }
    return this.tag(template, TAG_ROLE);
  }

  private templateOf(ref: ResourceRef, block: Value | undefined): ResourceRef | undefined {
    const lt = blocks(block)[0];
    if (!lt) return undefined;
    const byId = lt.id ?? lt.launch_template_id;
    if (byId instanceof Opaque) {
      const r = this.world.resource(byId.resource);
      if (r?.raw.type === "aws_launch_template") return r;
    }
    if (typeof lt.name === "string") {
      const r = this.world.resourcesOfType("aws_launch_template").find((t) => this.arg(t, "name") === lt.name);
      if (r) return r;
    }
    this.problem(ref, `its launch template (${showValue(byId ?? lt.name)}) is not in the configuration`);
    return undefined;
  }

  private instanceFacts(ref: ResourceRef, template: ResourceRef | undefined, role: string | undefined): InstanceFacts {
    const facts: InstanceFacts = {
      key: ref.key,
      label: this.label(ref, role),
      origin: this.origin(ref),
      role,
      get: (name: string) => this.arg(ref, name) ?? (template ? this.arg(template, TEMPLATE_NAMES[name] ?? name) : undefined),
      launchTemplate: template ? { key: template.key, label: template.address, origin: this.origin(template) } : undefined,
    };
    this.instances.push(facts);
    return facts;
  }

  private buildHosts(): void {
    for (const ref of this.world.resourcesOfType("aws_network_interface")) {
      const subnet = this.subnetOf(ref, this.arg(ref, "subnet_id"), "subnet_id");
      const role = this.tag(ref, TAG_ROLE);
      const host: MutableHost = {
        key: ref.key,
        label: this.label(ref, role),
        origin: this.origin(ref),
        role,
        subnet,
        sourceDestCheck: asBool(this.arg(ref, "source_dest_check")) ?? true,
        securityGroups: this.groupsFrom(ref, asList(this.arg(ref, "security_groups")), subnet?.vpc),
        publicIpv4: undefined,
        extraIpv6: extraIpv6((n) => this.arg(ref, n), ""),
        instances: [],
      };
      this.hosts.set(`${ref.key}|id`, host);
    }
    for (const ref of this.world.resourcesOfType("aws_instance")) {
      const template = this.templateOf(ref, this.arg(ref, "launch_template"));
      const role = this.tag(ref, TAG_ROLE) ?? this.roleOfTemplate(template, "instance");
      const facts = this.instanceFacts(ref, template, role);
      const attached = blocks(this.arg(ref, "network_interface"));
      if (attached.length > 0) {
        let primary: MutableHost | undefined;
        for (const ni of attached) {
          const host = this.hosts.get(signature(ni.network_interface_id) ?? "");
          if (!host) {
            this.problem(ref, `network_interface ${showValue(ni.network_interface_id)} is not in the configuration`);
            continue;
          }
          host.instances.push(facts);
          host.role ??= role;
          if (asNumber(ni.device_index) === 0) primary = host;
        }
        if (primary) {
          this.hosts.set(`${ref.key}|primary_network_interface_id`, primary);
          this.hosts.set(`${ref.key}|id`, primary);
        }
        continue;
      }
      const subnet = this.subnetOf(ref, this.arg(ref, "subnet_id"), "subnet_id");
      const templateNic = template ? blocks(this.arg(template, "network_interfaces"))[0] : undefined;
      const groupIds = asList(this.arg(ref, "vpc_security_group_ids") ?? this.arg(ref, "security_groups") ?? (template ? this.arg(template, "vpc_security_group_ids") ?? templateNic?.security_groups : undefined));
      const publicIp = asBool(this.arg(ref, "associate_public_ip_address")) ?? asBool(templateNic?.associate_public_ip_address);
      const host: MutableHost = {
        key: `${ref.key}#primary`,
        label: facts.label,
        origin: facts.origin,
        role,
        subnet,
        sourceDestCheck: asBool(this.arg(ref, "source_dest_check")) ?? true,
        securityGroups: this.groupsFrom(ref, groupIds, subnet?.vpc),
        publicIpv4:
          publicIp === true
            ? "associate_public_ip_address = true"
            : publicIp === undefined && subnet?.settings.mapPublicIpOnLaunch
              ? `its subnet ${subnet.label} maps a public IPv4 address on launch`
              : undefined,
        extraIpv6: extraIpv6((n) => this.arg(ref, n), "") ?? (templateNic ? extraIpv6((n) => templateNic[n], "its launch template's network interface: ") : undefined),
        instances: [facts],
      };
      this.hosts.set(`${ref.key}|primary_network_interface_id`, host);
      this.hosts.set(`${ref.key}|id`, host);
    }
    for (const ref of this.world.resourcesOfType("aws_network_interface_attachment")) {
      const host = this.hosts.get(signature(this.arg(ref, "network_interface_id")) ?? "");
      const inst = this.hosts.get(signature(this.arg(ref, "instance_id")) ?? "");
      if (host && inst) {
        host.instances.push(...inst.instances);
        host.role ??= inst.role;
      }
    }
    for (const ref of this.world.resourcesOfType("aws_network_interface_sg_attachment")) {
      // Adds a group to an ENI's list (an instance's primary ENI included): its rules apply to that host from then on.
      const host = this.hosts.get(signature(this.arg(ref, "network_interface_id")) ?? "");
      const group = this.groupOf(ref, "security_group_id");
      if (!host) this.problem(ref, `network_interface_id ${showValue(this.arg(ref, "network_interface_id"))} is no network interface in the configuration`);
      else if (group && !host.securityGroups.includes(group)) host.securityGroups.push(group);
    }
    for (const ref of UNMODELLED_HOST_TYPES.flatMap((t) => this.world.resourcesOfType(t))) {
      this.problem(ref, `${ref.raw.type} launches instances or attaches network interfaces or security groups in a way the verifier does not model, so it cannot tell what reaches them`);
    }
    for (const ref of this.world.resourcesOfType("aws_autoscaling_group")) {
      const launchConfiguration = this.arg(ref, "launch_configuration");
      if (launchConfiguration !== undefined && launchConfiguration !== null && launchConfiguration !== "") {
        this.problem(ref, `launches from a launch configuration (${showValue(launchConfiguration)}), whose security groups and addresses the verifier does not model; use a launch template`);
        continue;
      }
      const template = this.templateOf(ref, this.arg(ref, "launch_template") ?? blocks(blocks(blocks(this.arg(ref, "mixed_instances_policy"))[0]?.launch_template)[0]?.launch_template_specification));
      const tagRole = blocks(this.arg(ref, "tag")).find((t) => t.key === TAG_ROLE)?.value;
      const role = typeof tagRole === "string" ? tagRole : this.roleOfTemplate(template, "instance");
      const facts = this.instanceFacts(ref, template, role);
      const templateNic = template ? blocks(this.arg(template, "network_interfaces"))[0] : undefined;
      for (const subnetId of asList(this.arg(ref, "vpc_zone_identifier"))) {
        const subnet = this.subnetOf(ref, subnetId, "vpc_zone_identifier");
        const groupIds = asList(template ? this.arg(template, "vpc_security_group_ids") ?? templateNic?.security_groups : undefined);
        const host: MutableHost = {
          key: `${ref.key}#${subnet?.key ?? showValue(subnetId)}`,
          label: `${facts.label} in ${subnet?.label ?? "?"}`,
          origin: facts.origin,
          role,
          subnet,
          sourceDestCheck: true,
          securityGroups: this.groupsFrom(ref, groupIds, subnet?.vpc),
          publicIpv4:
            asBool(templateNic?.associate_public_ip_address) === true
              ? "its launch template associates a public IPv4 address"
              : subnet?.settings.mapPublicIpOnLaunch
                ? `its subnet ${subnet.label} maps a public IPv4 address on launch`
                : undefined,
          extraIpv6: templateNic ? extraIpv6((n) => templateNic[n], "its launch template's network interface: ") : undefined,
          instances: [facts],
        };
        this.hosts.set(host.key, host);
      }
    }
    for (const ref of this.world.resourcesOfType("aws_eip")) {
      const host = this.hosts.get(signature(this.arg(ref, "network_interface") ?? this.arg(ref, "instance")) ?? "");
      if (host) host.publicIpv4 = `Elastic IP ${ref.address}`;
    }
    for (const ref of this.world.resourcesOfType("aws_eip_association")) {
      const host = this.hosts.get(signature(this.arg(ref, "network_interface_id") ?? this.arg(ref, "instance_id")) ?? "");
      if (host) host.publicIpv4 = `Elastic IP association ${ref.address}`;
    }
  }

  private routeTableOf(ref: ResourceRef, name = "route_table_id"): RouteTable | undefined {
    const v = this.arg(ref, name);
    const rt = this.routeTables.get(signature(v) ?? "");
    if (!rt) this.problem(ref, `${name} is ${showValue(v)}, which is no route table in the configuration`);
    return rt;
  }

  private buildRouteTables(): void {
    for (const ref of this.world.resourcesOfType("aws_route_table")) {
      const vpc = this.vpcOf(ref);
      if (!vpc) continue;
      const rt: RouteTable = { key: ref.key, label: this.label(ref, this.tag(ref, TAG_TIER)), origin: this.origin(ref), vpc, routes: [], isMain: false, edgeGateways: [] };
      this.routeTables.set(`${ref.key}|id`, rt);
      for (const [i, b] of blocks(this.arg(ref, "route")).entries()) this.addRoute(ref, rt, b, `${this.origin(ref)} route[${i}]`);
      for (const vgw of asList(this.arg(ref, "propagating_vgws"))) this.addPropagation(ref, rt, vgw);
    }
    for (const ref of this.world.resourcesOfType("aws_default_route_table")) {
      const rt = this.routeTableOf(ref, "default_route_table_id");
      if (!rt) continue;
      Object.assign(rt, { key: ref.key, origin: this.origin(ref) });
      for (const [i, b] of blocks(this.arg(ref, "route")).entries()) this.addRoute(ref, rt, b, `${this.origin(ref)} route[${i}]`);
      for (const vgw of asList(this.arg(ref, "propagating_vgws"))) this.addPropagation(ref, rt, vgw);
    }
    for (const ref of this.world.resourcesOfType("aws_route")) {
      const rt = this.routeTableOf(ref);
      if (rt) this.addRoute(ref, rt, Object.fromEntries(Object.keys(ref.raw.config).map((k) => [k, this.arg(ref, k) ?? null])), this.origin(ref));
    }
    for (const ref of this.world.resourcesOfType("aws_vpn_gateway_route_propagation")) {
      const rt = this.routeTableOf(ref);
      if (rt) this.addPropagation(ref, rt, this.arg(ref, "vpn_gateway_id") ?? null);
    }
    for (const ref of this.world.resourcesOfType("aws_vpc_endpoint")) {
      const gw = this.gateways.get(`${ref.key}|id`);
      if (!gw) continue;
      for (const rtId of asList(this.arg(ref, "route_table_ids"))) {
        const rt = this.routeTables.get(signature(rtId) ?? "");
        if (rt) rt.routes.push({ destination: { description: `the prefix list of ${showValue(this.arg(ref, "service_name"))}` }, target: { kind: "gateway", gateway: gw }, origin: this.origin(ref) });
        else this.problem(ref, `route_table_ids names ${showValue(rtId)}, which is no route table in the configuration`);
      }
    }
    for (const ref of this.world.resourcesOfType("aws_vpc_endpoint_route_table_association")) {
      const gw = this.gateways.get(signature(this.arg(ref, "vpc_endpoint_id")) ?? "");
      const rt = this.routeTableOf(ref);
      if (gw && rt) rt.routes.push({ destination: { description: `the prefix list of ${gw.label}` }, target: { kind: "gateway", gateway: gw }, origin: this.origin(ref) });
    }
    for (const ref of this.world.resourcesOfType("aws_main_route_table_association")) {
      const rt = this.routeTableOf(ref);
      const vpc = this.vpcOf(ref);
      if (!rt || !vpc) continue;
      vpc.mainRouteTable.isMain = false;
      rt.isMain = true;
      vpc.mainRouteTable = rt;
    }
  }

  private addPropagation(ref: ResourceRef, rt: RouteTable, vgwId: Value): void {
    const gw = this.gateways.get(signature(vgwId) ?? "");
    const target: Target = gw ? { kind: "gateway", gateway: gw } : { kind: "unresolved", description: `virtual private gateway ${showValue(vgwId)}` };
    rt.routes.push({ destination: { description: "routes propagated from a virtual private gateway" }, target, origin: this.origin(ref) });
  }

  private addRoute(ref: ResourceRef, rt: RouteTable, b: Record<string, Value>, origin: string): void {
    const destText = [b.destination_cidr_block, b.destination_ipv6_cidr_block, b.cidr_block, b.ipv6_cidr_block].find((v) => v !== undefined && v !== null && v !== "");
    let destination: Prefix | { description: string } | undefined;
    if (destText !== undefined) {
      destination = typeof destText === "string" ? Prefix.parse(destText) : undefined;
      if (!destination) {
        this.problems.push(`${origin}: destination ${showValue(destText)} is not a CIDR the verifier can work out before apply`);
        return;
      }
    } else if (b.destination_prefix_list_id !== undefined && b.destination_prefix_list_id !== null) {
      destination = { description: `prefix list ${showValue(b.destination_prefix_list_id)}` };
    } else {
      this.problems.push(`${origin}: the route has no destination`);
      return;
    }
    const set = TARGET_FIELDS.filter((f) => b[f] !== undefined && b[f] !== null && b[f] !== "");
    if (set.length !== 1) {
      this.problems.push(`${origin}: a route needs exactly one target, found ${set.length === 0 ? "none" : set.join(", ")}`);
      return;
    }
    const field = set[0];
    const value = b[field];
    const target = this.targetOf(ref, field, value);
    if (!target) return;
    // AWS keeps one route per destination in a table: the second create fails (RouteAlreadyExists), so which one
    // exists would depend on apply order. Not a network the verifier can judge: unusable input.
    const same = destination instanceof Prefix ? rt.routes.find((r) => r.destination instanceof Prefix && r.destination.equals(destination)) : undefined;
    if (same) {
      this.problems.push(`${origin}: route table ${rt.label} already has a route to ${destination.toString()} (${same.origin}); AWS refuses the second one (RouteAlreadyExists), so which route exists would depend on apply order`);
      return;
    }
    rt.routes.push({ destination, target, origin });
  }

  private targetOf(ref: ResourceRef, field: (typeof TARGET_FIELDS)[number], value: Value): Target | undefined {
    const sig = signature(value);
    const external = EXTERNAL_TARGETS[field];
    if (external) {
      const gw = this.gateways.get(sig ?? "");
      return { kind: "gateway", gateway: gw ?? { key: sig ?? field, label: `${external} ${showValue(value)}`, origin: this.origin(ref), kind: external, vpc: undefined } };
    }
    if (field === "gateway_id" && value === "local") return { kind: "local" };
    if (field === "gateway_id" || field === "egress_only_gateway_id" || field === "nat_gateway_id") {
      const gw = this.gateways.get(sig ?? "");
      if (gw) return { kind: "gateway", gateway: gw };
      return { kind: "unresolved", description: `${field} ${showValue(value)}, not a gateway of the configuration` };
    }
    if (field === "network_interface_id" || field === "instance_id") {
      const host = this.hosts.get(sig ?? "");
      if (host) return { kind: "host", host: host as Host };
      return { kind: "unresolved", description: `${field} ${showValue(value)}, not a network interface of the configuration` };
    }
    // vpc_endpoint_id
    if (value instanceof Unknown) {
      this.problem(ref, `vpc_endpoint_id cannot be worked out: ${value.reason}`);
      return undefined;
    }
    const ep = this.endpointOf(value);
    if (ep) return { kind: "endpoint", endpoint: ep };
    const gw = this.gateways.get(sig ?? "");
    if (gw) return { kind: "gateway", gateway: gw };
    return { kind: "unresolved", description: `vpc_endpoint_id ${showValue(value)}, not an endpoint of the configuration` };
  }

  private buildAssociations(): void {
    for (const ref of this.world.resourcesOfType("aws_route_table_association")) {
      const rt = this.routeTableOf(ref);
      if (!rt) continue;
      const subnetId = this.arg(ref, "subnet_id");
      if (subnetId !== undefined) {
        const subnet = this.subnetOf(ref, subnetId, "subnet_id");
        if (!subnet) continue;
        subnet.associations.push(this.origin(ref));
        subnet.routeTable = rt;
        continue;
      }
      const gwId = this.arg(ref, "gateway_id");
      const gw = this.gateways.get(signature(gwId) ?? "");
      if (!gw) {
        this.problem(ref, `gateway_id is ${showValue(gwId)}, which is no gateway in the configuration`);
        continue;
      }
      if (!EDGE_GATEWAYS.has(gw.kind)) {
        // AWS refuses it, so the plan cannot apply; and reading it as routing would hide an asymmetric design.
        this.problem(ref, `a gateway route table can be associated only with an internet gateway or a virtual private gateway, not with ${gw.kind} ${gw.label} (VPC user guide, "Gateway route tables")`);
        continue;
      }
      gw.edgeRouteTable = rt;
      rt.edgeGateways.push(gw);
    }
  }

  private buildNacls(): void {
    for (const ref of this.world.resourcesOfType("aws_network_acl")) {
      const vpc = this.vpcOf(ref);
      const nacl: Nacl = { key: ref.key, label: this.label(ref, this.tag(ref, TAG_TIER)), origin: this.origin(ref), vpc, rules: [] };
      this.nacls.set(`${ref.key}|id`, nacl);
      this.addInlineNaclRules(ref, nacl);
      this.associateNacl(ref, nacl, asList(this.arg(ref, "subnet_ids")));
    }
    for (const ref of this.world.resourcesOfType("aws_default_network_acl")) {
      const v = this.arg(ref, "default_network_acl_id");
      const nacl = this.nacls.get(signature(v) ?? "");
      if (!nacl) {
        this.problem(ref, `default_network_acl_id is ${showValue(v)}, which is no VPC's default network ACL in the configuration`);
        continue;
      }
      Object.assign(nacl, { key: ref.key, origin: this.origin(ref), label: this.tag(ref, "Name") ?? nacl.label });
      nacl.rules.length = 0;
      this.addInlineNaclRules(ref, nacl);
      this.associateNacl(ref, nacl, asList(this.arg(ref, "subnet_ids")));
    }
    for (const ref of this.world.resourcesOfType("aws_network_acl_rule")) {
      const v = this.arg(ref, "network_acl_id");
      const nacl = this.nacls.get(signature(v) ?? "");
      if (!nacl) {
        this.problem(ref, `network_acl_id is ${showValue(v)}, which is no network ACL in the configuration`);
        continue;
      }
      const rule = this.naclRule({
        egress: this.arg(ref, "egress") ?? false,
        number: this.arg(ref, "rule_number"),
        action: this.arg(ref, "rule_action"),
        protocol: this.arg(ref, "protocol"),
        cidr4: this.arg(ref, "cidr_block"),
        cidr6: this.arg(ref, "ipv6_cidr_block"),
        from: this.arg(ref, "from_port"),
        to: this.arg(ref, "to_port"),
        icmpType: this.arg(ref, "icmp_type"),
      }, this.origin(ref));
      if (rule) nacl.rules.push(rule);
    }
    for (const ref of this.world.resourcesOfType("aws_network_acl_association")) {
      const nacl = this.nacls.get(signature(this.arg(ref, "network_acl_id")) ?? "");
      if (!nacl) {
        this.problem(ref, `network_acl_id is ${showValue(this.arg(ref, "network_acl_id"))}, which is no network ACL in the configuration`);
        continue;
      }
      this.associateNacl(ref, nacl, [this.arg(ref, "subnet_id") ?? null]);
    }
    for (const nacl of this.nacls.values()) nacl.rules.sort((a, b) => a.number - b.number);
  }

  private associateNacl(ref: ResourceRef, nacl: Nacl, subnetIds: Value[]): void {
    for (const id of subnetIds) {
      const subnet = this.subnetOf(ref, id, "subnet_ids");
      if (subnet) subnet.nacl = nacl;
    }
  }

  private addInlineNaclRules(ref: ResourceRef, nacl: Nacl): void {
    for (const egress of [false, true]) {
      for (const b of blocks(this.arg(ref, egress ? "egress" : "ingress"))) {
        const rule = this.naclRule({
          egress,
          number: b.rule_no,
          action: b.action,
          protocol: b.protocol,
          cidr4: b.cidr_block,
          cidr6: b.ipv6_cidr_block,
          from: b.from_port,
          to: b.to_port,
          icmpType: b.icmp_type,
        }, `${this.origin(ref)} ${egress ? "egress" : "ingress"} block`);
        if (rule) nacl.rules.push(rule);
      }
    }
  }

  private naclRule(
    r: { egress: Value; number: Value | undefined; action: Value | undefined; protocol: Value | undefined; cidr4: Value | undefined; cidr6: Value | undefined; from: Value | undefined; to: Value | undefined; icmpType: Value | undefined },
    origin: string,
  ): NaclRule | undefined {
    const number = asNumber(r.number);
    const protocol = parseProtocol(r.protocol);
    const cidrText = [r.cidr4, r.cidr6].find((c) => c !== undefined && c !== null && c !== "");
    const cidr = typeof cidrText === "string" ? Prefix.parse(cidrText) : undefined;
    if (number === undefined || protocol === undefined || !cidr || (r.action !== "allow" && r.action !== "deny")) {
      this.problems.push(
        `${origin}: a network ACL rule needs a rule number, protocol, allow/deny and a CIDR known before apply ` +
          `(got number ${showValue(r.number)}, protocol ${showValue(r.protocol)}, action ${showValue(r.action)}, CIDR ${showValue(cidrText)})`,
      );
      return undefined;
    }
    let from = 0;
    let to = 65535;
    if (protocol !== "all" && isIcmp(protocol)) {
      const t = asNumber(r.icmpType);
      [from, to] = t === undefined || t < 0 ? [0, 255] : [t, t];
    } else if (protocol === 6 || protocol === 17) {
      from = asNumber(r.from) ?? 0;
      to = asNumber(r.to) ?? 65535;
    }
    return { egress: asBool(r.egress) ?? false, number, allow: r.action === "allow", protocol, from, to, cidr, origin };
  }
}

/**
 * Resource types that put instances or network interfaces in a subnet, or security groups on them, that the model
 * does not read: the verifier refuses the input rather than judge a network with hosts it cannot see.
 */
const UNMODELLED_HOST_TYPES = [
  "aws_spot_instance_request",
  "aws_spot_fleet_request",
  "aws_ec2_fleet",
  "aws_network_interface_permission",
  "aws_ec2_instance_connect_endpoint",
];

/** Instance argument -> launch template argument, where the names differ. */
const TEMPLATE_NAMES: Record<string, string> = {
  security_groups: "vpc_security_group_ids",
};
