/**
 * The network as the verifier sees it: what AWS would build from the configuration, reduced to what decides
 * where a packet goes and whether it is let through.
 */
import type { ResourceKey } from "../expr/values";
import type { Prefix } from "./prefix";

/** Something that came from one resource (or, for AWS-created defaults, stands for one). */
export interface Element {
  readonly key: ResourceKey;
  /** Short name for tables and paths: `workload-a`, `proxy-b`, or the Terraform address. */
  readonly label: string;
  /** `aws_subnet.vpc_workload_a (network)`, or a description of an AWS default. */
  readonly origin: string;
}

export interface Vpc extends Element {
  readonly ipv4: Prefix[];
  readonly ipv6: Prefix[];
  mainRouteTable: RouteTable;
  /**
   * Ways into the VPC from networks the model does not describe (an attached virtual private gateway, a transit
   * gateway or core network attachment, a route to one): each names the resource. Traffic from the internet could
   * come in through them, so R1's and R2's "nothing reaches it" cannot be proved while there is one.
   */
  readonly unseenEntries: string[];
  defaultNacl: Nacl;
  defaultSecurityGroup: SecurityGroup;
}

export interface SubnetSettings {
  readonly mapPublicIpOnLaunch: boolean;
  readonly mapCustomerOwnedIpOnLaunch: boolean;
  readonly enableDns64: boolean;
  readonly ipv6Native: boolean;
}

export interface Subnet extends Element {
  readonly vpc: Vpc;
  /** Full AZ name, or undefined when the configuration leaves it to AWS. */
  readonly az: string | undefined;
  /** The `egress6:tier` tag. */
  readonly tier: string | undefined;
  readonly ipv6: Prefix | undefined;
  readonly ipv4: Prefix | undefined;
  readonly settings: SubnetSettings;
  routeTable: RouteTable;
  /** The explicit route table associations that name this subnet (none: the main route table applies). */
  readonly associations: string[];
  /** Every route table an association names: with more than one, which is in force depends on apply order, so each is explored. */
  readonly associatedTables: RouteTable[];
  nacl: Nacl;
}

/** A destination that is a set the configuration does not spell out (a prefix list, propagated routes). */
export interface OpaqueDestination {
  readonly description: string;
}

export interface Route {
  readonly destination: Prefix | OpaqueDestination;
  readonly target: Target;
  /** Which resource (or block) declared it. */
  readonly origin: string;
  /**
   * When the planned target is an interface of a failover group: every interface the route may point at after a
   * failover (the planned one included). The checks run once per failover state (analysis/failover.ts).
   */
  readonly failover?: Failover;
}

/** The interfaces a route may be switched among at run time: one failover group, all in one AZ. */
export interface Failover {
  /** The `egress6:failover-group` value. */
  readonly group: string;
  /** The AZ every member is in (its `egress6:az` tag, else its subnet's AZ). */
  readonly az: string;
  readonly members: readonly Host[];
}

/** A host's `egress6:failover-group` tag: its value, or why it cannot be read before apply. */
export type FailoverTag = { readonly value: string } | { readonly unreadable: string };

export type Target =
  | { readonly kind: "local" }
  | { readonly kind: "gateway"; readonly gateway: Gateway }
  | { readonly kind: "endpoint"; readonly endpoint: InspectionEndpoint }
  | { readonly kind: "host"; readonly host: Host }
  /** A target the configuration does not describe: treated as leaving the VPC for a network nobody can see. */
  | { readonly kind: "unresolved"; readonly description: string };

export interface RouteTable extends Element {
  readonly vpc: Vpc;
  readonly routes: Route[];
  /** Is it the VPC's main route table (the fallback of unassociated subnets)? */
  isMain: boolean;
  /** Gateways whose ingress traffic this table routes (edge associations). */
  readonly edgeGateways: Gateway[];
}

export type GatewayKind =
  | "internet gateway"
  | "egress-only internet gateway"
  | "NAT gateway"
  | "virtual private gateway"
  | "transit gateway"
  | "VPC peering connection"
  | "carrier gateway"
  | "local gateway"
  | "core network"
  | "gateway VPC endpoint";

export interface Gateway extends Element {
  readonly kind: GatewayKind;
  readonly vpc: Vpc | undefined;
  /** NAT gateways: the subnet it sits in. */
  readonly subnet?: Subnet;
  /** NAT gateways: public (reaches the internet through an internet gateway) or private. */
  readonly publicNat?: boolean;
  /** Internet and virtual private gateways: the gateway route table for traffic coming in. */
  edgeRouteTable?: RouteTable;
}

/**
 * Gateways to networks the model does not describe: what lies behind them, and how their own route tables send
 * traffic back into the VPC, is not in the configuration the verifier reads. Leaving for one uninspected breaks R3
 * (the inspection must be inside the VPC, where both directions and the AZ can be checked); anything that would
 * hold only if that network behaves is UNKNOWN. A VPC peering connection is not among them: it does not carry
 * traffic on to another gateway or network (VPC peering guide, "VPC peering limitations": no edge to edge routing).
 */
export const UNSEEN_NETWORKS: ReadonlySet<GatewayKind> = new Set([
  "transit gateway",
  "virtual private gateway",
  "core network",
  "local gateway",
]);

/** Gateways that connect to the internet. */
export const INTERNET_GATEWAYS: ReadonlySet<GatewayKind> = new Set(["internet gateway", "egress-only internet gateway", "carrier gateway"]);

export interface FirewallPolicyFacts {
  /** Does all traffic reach the stateful engine (stateless defaults forward, no stateless pass)? */
  readonly forwardsAll: boolean;
  /** Does the stateful engine drop what no rule passes (strict order with a drop default)? */
  readonly defaultDrop: boolean;
  /** Why not, in words, when either is false. */
  readonly problems: string[];
  /** e.g. `aws:drop_established` */
  readonly statefulDefault: string;
}

export interface Firewall extends Element {
  readonly policy: FirewallPolicyFacts;
}

/** A bump-in-the-wire inspection point a route can target: a Network Firewall or Gateway Load Balancer endpoint. */
export interface InspectionEndpoint extends Element {
  readonly kind: "firewall endpoint" | "gateway load balancer endpoint";
  readonly subnet: Subnet | undefined;
  readonly az: string | undefined;
  readonly firewall?: Firewall;
  /**
   * Inspects statefully (both directions must cross it). A Gateway Load Balancer endpoint is taken to (its traffic
   * goes to appliances), but every trace through one is marked unseen: what the appliances do is not visible.
   */
  readonly inspects: boolean;
}

/** An instance launched from a launch template, or the settings it would get. */
export interface InstanceFacts extends Element {
  /** `proxy` only when tagged so; every other instance is a `workload` (fail closed). */
  readonly role: string;
  /** Why it has that role, for the report. */
  readonly roleReason: string;
  /** Reads an argument from the instance, falling back to its launch template. */
  readonly get: (name: string) => unknown;
  readonly launchTemplate?: Element;
}

/** A network interface: an instance's primary ENI, a standalone ENI, or the ENIs an Auto Scaling group launches. */
export interface Host extends Element {
  /** `proxy` only when tagged so; every other instance or interface is a `workload` (fail closed). */
  readonly role: string;
  /** Why it has that role, for the report. */
  readonly roleReason: string;
  readonly subnet: Subnet | undefined;
  readonly sourceDestCheck: boolean;
  readonly securityGroups: SecurityGroup[];
  /** Why it has a public IPv4 address, if it may have one. */
  readonly publicIpv4: string | undefined;
  /** Why it may have more than one IPv6 address (an address count or list above one, a delegated prefix), if it may. */
  readonly extraIpv6: string | undefined;
  readonly instances: InstanceFacts[];
  /** The `egress6:failover-group` tag of a standalone interface (`aws_network_interface`), if it has one. */
  readonly failoverGroup?: FailoverTag;
  /** The `egress6:az` tag of a standalone interface, when it is a string. */
  readonly azTag?: string;
}

/** An interface VPC endpoint: a private way to one AWS service, with a network interface in each of its subnets. */
export interface InterfaceEndpoint extends Element {
  /** `service_name`, e.g. `com.amazonaws.us-east-1.ssm`, or a description when it is not a plain string. */
  readonly service: string;
  /** The subnets of `subnet_ids` that are in the configuration. */
  readonly subnets: Subnet[];
  /** How many entries of `subnet_ids` name no subnet of the configuration. */
  readonly unknownSubnets: number;
}

export type Protocol = number | "all";

export interface NaclRule {
  readonly egress: boolean;
  readonly number: number;
  readonly allow: boolean;
  readonly protocol: Protocol;
  /** Port range for TCP/UDP, ICMP type range for ICMP; [0, 65535] when the rule has none. */
  readonly from: number;
  readonly to: number;
  readonly cidr: Prefix;
  readonly origin: string;
}

export interface Nacl extends Element {
  readonly vpc: Vpc | undefined;
  readonly rules: NaclRule[];
}

export type SgPeer =
  | { readonly kind: "cidr"; readonly prefix: Prefix }
  | { readonly kind: "group"; readonly group: string }
  | { readonly kind: "prefix list"; readonly description: string };

export interface SgRule {
  readonly egress: boolean;
  readonly protocol: Protocol;
  readonly from: number;
  readonly to: number;
  readonly peer: SgPeer;
  readonly origin: string;
}

export interface SecurityGroup extends Element {
  /** The signature other rules use to name this group. */
  readonly id: string;
  readonly rules: SgRule[];
}

export interface Model {
  readonly vpcs: Vpc[];
  readonly subnets: Subnet[];
  readonly routeTables: RouteTable[];
  readonly gateways: Gateway[];
  readonly firewalls: Firewall[];
  readonly endpoints: InspectionEndpoint[];
  readonly hosts: Host[];
  readonly instances: InstanceFacts[];
  readonly nacls: Nacl[];
  readonly securityGroups: SecurityGroup[];
  /** Interface VPC endpoints (they route nothing: not used by the checks, drawn by `npm run diagram`). */
  readonly interfaceEndpoints: InterfaceEndpoint[];
  /** Problems that make the input unusable. */
  readonly problems: string[];
}
