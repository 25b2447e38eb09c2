/**
 * What every part of the model builder shares: the evaluated configuration, the elements built so far (VPCs,
 * subnets, route tables, filters, hosts, firewalls), the lookups that link them by id, and the problem list.
 * VPCs and subnets are built here; each other concern has its own file (build-routing, build-filters,
 * build-firewalls, build-hosts), and build.ts runs them in order.
 */
import type { World } from "../expr/evaluate";
import type { ResourceRef } from "../expr/world";
import { Literal } from "../input/source";
import { isSymbolic, showValue, type Value } from "../expr/values";
import { Prefix } from "./prefix";
import { TAG_AZ, TAG_TIER } from "../tags";
import { asBool, blocks, blocksProblem, signature } from "./read";
import type {
  FailoverTag,
  Firewall,
  Gateway,
  Host,
  InspectionEndpoint,
  InstanceFacts,
  InterfaceEndpoint,
  Model,
  Nacl,
  NaclRule,
  RouteTable,
  SecurityGroup,
  SgRule,
  Subnet,
  Vpc,
} from "./types";

export interface MutableHost {
  key: string;
  label: string;
  origin: string;
  role: string;
  roleReason: string;
  subnet: Subnet | undefined;
  sourceDestCheck: boolean;
  securityGroups: SecurityGroup[];
  publicIpv4: string | undefined;
  extraIpv6: string | undefined;
  instances: InstanceFacts[];
  failoverGroup?: FailoverTag;
  azTag?: string;
}

export class Builder {
  readonly problems: string[] = [];
  readonly vpcs = new Map<string, Vpc>();
  readonly routeTables = new Map<string, RouteTable>();
  readonly subnets = new Map<string, Subnet>();
  readonly gateways = new Map<string, Gateway>();
  readonly hosts = new Map<string, MutableHost>();
  readonly instances: InstanceFacts[] = [];
  readonly nacls = new Map<string, Nacl>();
  readonly groups = new Map<string, SecurityGroup>();
  readonly firewalls = new Map<string, Firewall>();
  readonly endpoints = new Map<string, InspectionEndpoint>();
  readonly interfaceEndpoints: InterfaceEndpoint[] = [];

  constructor(readonly world: World) {}

  /** The model of everything built so far. */
  model(): Model {
    return {
      vpcs: [...new Set(this.vpcs.values())],
      subnets: [...new Set(this.subnets.values())],
      routeTables: [...new Set(this.routeTables.values())],
      gateways: [...new Set(this.gateways.values())],
      firewalls: [...new Set(this.firewalls.values())],
      endpoints: [...new Set(this.endpoints.values())],
      hosts: [...new Set(this.hosts.values())] as Host[],
      instances: this.instances,
      nacls: [...new Set(this.nacls.values())],
      securityGroups: [...new Set(this.groups.values())],
      interfaceEndpoints: this.interfaceEndpoints,
      problems: [...new Set([...this.world.problems, ...this.problems])],
    };
  }

  origin(ref: ResourceRef): string {
    return `${ref.address} (${ref.stack.name})`;
  }

  arg(ref: ResourceRef, name: string): Value | undefined {
    return this.world.argument(ref.key, name);
  }

  /**
   * A true/false argument. A value known only after apply is a problem (exit 2) naming the resource and attribute,
   * never read as "not set": `map_public_ip_on_launch = var.public` unknown is not false.
   */
  boolArg(ref: ResourceRef, name: string, value: Value | undefined = this.arg(ref, name)): boolean | undefined {
    if (isSymbolic(value)) {
      this.problem(ref, `${name} cannot be worked out before apply (${String(value)}), and the verifier does not read an unknown as false`);
      return undefined;
    }
    return asBool(value);
  }

  tag(ref: ResourceRef, name: string): string | undefined {
    const v = this.world.tags(ref.key)[name];
    return typeof v === "string" ? v : undefined;
  }

  label(ref: ResourceRef, kind: string | undefined): string {
    const az = this.tag(ref, TAG_AZ);
    if (kind && az) return `${kind}-${az}`;
    return this.tag(ref, "Name") ?? ref.address;
  }

  problem(ref: ResourceRef, text: string): void {
    this.problems.push(`${this.origin(ref)}: ${text}`);
  }

  /** Nested blocks of an argument; a value that cannot be read as blocks is a problem, never "no blocks". */
  blocksArg(ref: ResourceRef, name: string): Record<string, Value>[] {
    const v = this.arg(ref, name);
    const why = blocksProblem(v);
    if (why) this.problem(ref, `${name} cannot be read as blocks before apply (${why})`);
    return blocks(v);
  }

  /**
   * Registers an element under every value that can name it: the attribute symbol (`key|id`) and, when the
   * attribute is known (a state), its literal value.
   */
  register<T>(map: Map<string, T>, ref: ResourceRef, attr: string, element: T): void {
    map.set(`${ref.key}|${attr}`, element);
    const raw = ref.raw.config[attr];
    if (raw instanceof Literal && typeof raw.value === "string" && raw.value !== "") map.set(`literal|${raw.value}`, element);
  }

  lookup<T>(map: ReadonlyMap<string, T>, v: Value | undefined): T | undefined {
    return map.get(signature(v) ?? "");
  }

  prefixArg(ref: ResourceRef, name: string, family: 4 | 6): Prefix | undefined {
    const v = this.arg(ref, name);
    if (v === undefined || v === null || v === "") return undefined;
    const p = typeof v === "string" ? Prefix.parse(v) : undefined;
    if (!p || p.family !== family) {
      this.problem(ref, `${name} is ${showValue(v)}, which is not an IPv${family} CIDR the verifier can work out before apply`);
      return undefined;
    }
    return p;
  }

  vpcOf(ref: ResourceRef, name = "vpc_id"): Vpc | undefined {
    const v = this.arg(ref, name);
    const vpc = this.lookup(this.vpcs, v);
    if (!vpc) this.problem(ref, `${name} is ${showValue(v)}, which is no VPC in the configuration`);
    return vpc;
  }

  subnetOf(ref: ResourceRef, value: Value | undefined, what: string): Subnet | undefined {
    const s = this.lookup(this.subnets, value);
    if (!s) this.problem(ref, `${what} is ${showValue(value)}, which is no subnet in the configuration`);
    return s;
  }

  buildVpcs(): void {
    for (const ref of this.world.resourcesOfType("aws_vpc")) {
      const ipv4 = this.prefixArg(ref, "cidr_block", 4);
      const v6 = this.world.attribute(ref.key, "ipv6_cidr_block");
      const ipv6 = typeof v6 === "string" ? Prefix.parse(v6) : undefined;
      if (v6 !== null && v6 !== "" && !ipv6)
        this.problem(ref, `ipv6_cidr_block is ${showValue(v6)}, which is not an IPv6 CIDR the verifier can work out before apply`);
      const vpc = {
        key: ref.key,
        label: this.tag(ref, "Name") ?? ref.address,
        origin: this.origin(ref),
        ipv4: ipv4 ? [ipv4] : [],
        ipv6: ipv6 ? [ipv6] : [],
        unseenEntries: [],
      } as unknown as Vpc;
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
        rules: awsDefaultNaclRules(`default network ACL of ${vpc.label}`),
      };
      vpc.defaultSecurityGroup = {
        key: `${ref.key}#default-sg`,
        id: `${ref.key}|default_security_group_id`,
        label: `default security group of ${vpc.label}`,
        origin: `the default security group AWS creates with ${this.origin(ref)}`,
        rules: awsDefaultSgRules(`${ref.key}|default_security_group_id`, `default security group of ${vpc.label}`),
      };
      this.register(this.vpcs, ref, "id", vpc);
      this.register(this.routeTables, ref, "default_route_table_id", main);
      // The VPC's main_route_table_id is, when the VPC is created, the same table (VPC user guide, "Main route
      // table"); aws_main_route_table_association may make another table main later.
      this.register(this.routeTables, ref, "main_route_table_id", main);
      this.register(this.nacls, ref, "default_network_acl_id", vpc.defaultNacl);
      this.register(this.groups, ref, "default_security_group_id", vpc.defaultSecurityGroup);
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

  buildSubnets(): void {
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
          mapPublicIpOnLaunch: this.boolArg(ref, "map_public_ip_on_launch") ?? false,
          mapCustomerOwnedIpOnLaunch: this.boolArg(ref, "map_customer_owned_ip_on_launch") ?? false,
          enableDns64: this.boolArg(ref, "enable_dns64") ?? false,
          ipv6Native: this.boolArg(ref, "ipv6_native") ?? false,
        },
        routeTable: vpc.mainRouteTable,
        associations: [],
        associatedTables: [],
        nacl: vpc.defaultNacl,
      };
      this.register(this.subnets, ref, "id", subnet);
    }
  }
}

/** AWS's default network ACL: everything in and out, IPv4 (rule 100) and IPv6 (rule 101) (VPC user guide, "Default network ACL"). */
function awsDefaultNaclRules(origin: string): NaclRule[] {
  const rules: NaclRule[] = [];
  for (const egress of [false, true]) {
    rules.push({ egress, number: 100, allow: true, protocol: "all", from: 0, to: 65535, cidr: Prefix.any(4), origin });
    rules.push({ egress, number: 101, allow: true, protocol: "all", from: 0, to: 65535, cidr: Prefix.any(6), origin });
  }
  return rules;
}

/** AWS's default security group: in from members of the group, out to everywhere (VPC user guide, "Default security groups"). */
function awsDefaultSgRules(id: string, origin: string): SgRule[] {
  return [
    { egress: false, protocol: "all", from: 0, to: 65535, peer: { kind: "group", group: id }, origin },
    { egress: true, protocol: "all", from: 0, to: 65535, peer: { kind: "cidr", prefix: Prefix.any(4) }, origin },
    { egress: true, protocol: "all", from: 0, to: 65535, peer: { kind: "cidr", prefix: Prefix.any(6) }, origin },
  ];
}
