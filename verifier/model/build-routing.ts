/**
 * Routing: gateways, route tables (inline `route` blocks, `aws_route`, gateway endpoints, VGW propagation), the
 * main route table, subnet associations and gateway (edge) associations.
 */
import type { ResourceRef } from "../expr/world";
import { Unknown, showValue, type Value } from "../expr/values";
import { Prefix } from "./prefix";
import { TAG_AZ, TAG_FAILOVER_GROUP, TAG_TIER } from "../tags";
import { asList, signature } from "./read";
import { endpointOf } from "./build-firewalls";
import type { Builder } from "./builder";
import { isRecord } from "../input/source";
import { UNSEEN_NETWORKS, type Failover, type Gateway, type GatewayKind, type Host, type RouteTable, type Target, type Vpc } from "./types";

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

type TargetField = (typeof TARGET_FIELDS)[number];

const EXTERNAL_TARGETS: Partial<Record<TargetField, GatewayKind>> = {
  transit_gateway_id: "transit gateway",
  vpc_peering_connection_id: "VPC peering connection",
  carrier_gateway_id: "carrier gateway",
  local_gateway_id: "local gateway",
  core_network_arn: "core network",
};

/** The gateways a route table can be edge-associated with (VPC user guide, "Gateway route tables"). */
const EDGE_GATEWAYS: ReadonlySet<GatewayKind> = new Set(["internet gateway", "virtual private gateway"]);

function addGateway(b: Builder, ref: ResourceRef, kind: GatewayKind, vpc: Vpc | undefined, extra: Partial<Gateway> = {}): Gateway {
  const gw: Gateway = { key: ref.key, label: b.tag(ref, "Name") ?? ref.address, origin: b.origin(ref), kind, vpc, ...extra };
  b.register(b.gateways, ref, "id", gw);
  return gw;
}

export function buildGateways(b: Builder): void {
  const w = b.world;
  for (const ref of w.resourcesOfType("aws_internet_gateway")) {
    addGateway(b, ref, "internet gateway", b.arg(ref, "vpc_id") === undefined ? undefined : b.vpcOf(ref));
  }
  for (const ref of w.resourcesOfType("aws_internet_gateway_attachment")) {
    const gw = b.lookup(b.gateways, b.arg(ref, "internet_gateway_id"));
    const vpc = b.vpcOf(ref);
    if (!gw)
      b.problem(
        ref,
        `internet_gateway_id is ${showValue(b.arg(ref, "internet_gateway_id"))}, which is no internet gateway in the configuration`,
      );
    if (gw && vpc) (gw as { vpc: Vpc | undefined }).vpc = vpc;
  }
  for (const ref of w.resourcesOfType("aws_egress_only_internet_gateway")) addGateway(b, ref, "egress-only internet gateway", b.vpcOf(ref));
  for (const ref of w.resourcesOfType("aws_nat_gateway")) {
    const subnet = b.subnetOf(ref, b.arg(ref, "subnet_id"), "subnet_id");
    const connectivity = b.arg(ref, "connectivity_type");
    addGateway(b, ref, "NAT gateway", subnet?.vpc, { subnet, publicNat: connectivity !== "private" });
  }
  for (const ref of w.resourcesOfType("aws_vpn_gateway")) {
    const vpc = b.arg(ref, "vpc_id") === undefined ? undefined : b.vpcOf(ref);
    const gw = addGateway(b, ref, "virtual private gateway", vpc);
    vpc?.unseenEntries.push(`virtual private gateway ${gw.label} [${gw.origin}] is attached to the VPC`);
  }
  for (const ref of w.resourcesOfType("aws_vpn_gateway_attachment")) {
    const gw = b.lookup(b.gateways, b.arg(ref, "vpn_gateway_id"));
    const vpc = b.vpcOf(ref);
    if (gw && vpc) (gw as { vpc: Vpc | undefined }).vpc = vpc;
    vpc?.unseenEntries.push(
      `${b.origin(ref)} attaches virtual private gateway ${gw?.label ?? showValue(b.arg(ref, "vpn_gateway_id"))} to the VPC`,
    );
  }
  // Attachments of networks the model does not describe: traffic from them can enter the VPC.
  for (const [type, what] of [
    ["aws_ec2_transit_gateway_vpc_attachment", "attaches a transit gateway"],
    ["aws_networkmanager_vpc_attachment", "attaches a Cloud WAN core network"],
    ["aws_ec2_local_gateway_route_table_vpc_association", "associates an Outposts local gateway route table"],
  ] as const) {
    for (const ref of w.resourcesOfType(type)) b.vpcOf(ref)?.unseenEntries.push(`${b.origin(ref)} ${what} to the VPC`);
  }
  for (const [type, kind] of [
    ["aws_ec2_transit_gateway", "transit gateway"],
    ["aws_vpc_peering_connection", "VPC peering connection"],
    ["aws_ec2_carrier_gateway", "carrier gateway"],
  ] as const) {
    for (const ref of w.resourcesOfType(type)) addGateway(b, ref, kind, undefined);
  }
  for (const ref of w.resourcesOfType("aws_vpc_endpoint")) {
    if ((b.arg(ref, "vpc_endpoint_type") ?? "Gateway") === "Gateway") addGateway(b, ref, "gateway VPC endpoint", b.vpcOf(ref));
  }
}

function routeTableOf(b: Builder, ref: ResourceRef, name = "route_table_id"): RouteTable | undefined {
  const v = b.arg(ref, name);
  const rt = b.lookup(b.routeTables, v);
  if (!rt) b.problem(ref, `${name} is ${showValue(v)}, which is no route table in the configuration`);
  return rt;
}

export function buildRouteTables(b: Builder): void {
  const w = b.world;
  for (const ref of w.resourcesOfType("aws_route_table")) {
    const vpc = b.vpcOf(ref);
    if (!vpc) continue;
    const rt: RouteTable = {
      key: ref.key,
      label: b.label(ref, b.tag(ref, TAG_TIER)),
      origin: b.origin(ref),
      vpc,
      routes: [],
      isMain: false,
      edgeGateways: [],
    };
    b.register(b.routeTables, ref, "id", rt);
    for (const [i, block] of b.blocksArg(ref, "route").entries()) addRoute(b, ref, rt, block, `${b.origin(ref)} route[${i}]`, true);
    for (const vgw of asList(b.arg(ref, "propagating_vgws"))) addPropagation(b, ref, rt, vgw);
  }
  const defaultBy = new Map<Vpc, string>();
  for (const ref of w.resourcesOfType("aws_default_route_table")) {
    const rt = routeTableOf(b, ref, "default_route_table_id");
    if (!rt) continue;
    defaultBy.set(rt.vpc, b.origin(ref));
    Object.assign(rt, { key: ref.key, origin: b.origin(ref) });
    for (const [i, block] of b.blocksArg(ref, "route").entries()) addRoute(b, ref, rt, block, `${b.origin(ref)} route[${i}]`, true);
    for (const vgw of asList(b.arg(ref, "propagating_vgws"))) addPropagation(b, ref, rt, vgw);
  }
  for (const ref of w.resourcesOfType("aws_route")) {
    const rt = routeTableOf(b, ref);
    if (rt) addRoute(b, ref, rt, Object.fromEntries(Object.keys(ref.raw.config).map((k) => [k, b.arg(ref, k) ?? null])), b.origin(ref));
  }
  for (const ref of w.resourcesOfType("aws_vpn_gateway_route_propagation")) {
    const rt = routeTableOf(b, ref);
    if (rt) addPropagation(b, ref, rt, b.arg(ref, "vpn_gateway_id") ?? null);
  }
  for (const ref of w.resourcesOfType("aws_vpc_endpoint")) {
    const gw = b.gateways.get(`${ref.key}|id`);
    if (!gw) continue;
    for (const rtId of asList(b.arg(ref, "route_table_ids"))) {
      const rt = b.lookup(b.routeTables, rtId);
      if (rt)
        rt.routes.push({
          destination: { description: `the prefix list of ${showValue(b.arg(ref, "service_name"))}` },
          target: { kind: "gateway", gateway: gw },
          origin: b.origin(ref),
        });
      else b.problem(ref, `route_table_ids names ${showValue(rtId)}, which is no route table in the configuration`);
    }
  }
  for (const ref of w.resourcesOfType("aws_vpc_endpoint_route_table_association")) {
    const gw = b.lookup(b.gateways, b.arg(ref, "vpc_endpoint_id"));
    const rt = routeTableOf(b, ref);
    if (!gw)
      b.problem(ref, `vpc_endpoint_id is ${showValue(b.arg(ref, "vpc_endpoint_id"))}, which is no gateway endpoint in the configuration`);
    if (gw && rt)
      rt.routes.push({
        destination: { description: `the prefix list of ${gw.label}` },
        target: { kind: "gateway", gateway: gw },
        origin: b.origin(ref),
      });
  }
  // aws_main_route_table_association replaces the VPC's main route table (ReplaceRouteTableAssociation on the main
  // association; VPC user guide, "Subnet route tables" > "Main route table"): every subnet without an explicit
  // association is then routed by that table, and the original default table (aws_default_route_table) is an
  // ordinary table nobody falls back to. Two for one VPC: which one is main would depend on apply order.
  const mainBy = new Map<Vpc, string>();
  for (const ref of w.resourcesOfType("aws_main_route_table_association")) {
    const rt = routeTableOf(b, ref);
    const vpc = b.vpcOf(ref);
    if (!rt || !vpc) continue;
    const earlier = mainBy.get(vpc);
    if (earlier) {
      b.problem(
        ref,
        `route_table_id: ${earlier} already makes another table the main route table of ${vpc.label}; which one is main would depend on apply order`,
      );
      continue;
    }
    if (rt.vpc !== vpc) {
      b.problem(ref, `route_table_id names route table ${rt.label}, which belongs to ${rt.vpc.label}, not to vpc_id ${vpc.label}`);
      continue;
    }
    // The provider says not to use both for one VPC (website/docs/r/main_route_table_association.html.markdown:
    // "possible route conflicts"), and after the swap aws_vpc's refresh re-reads default_route_table_id and
    // main_route_table_id from the table that is main now (internal/service/ec2/vpc_.go, resourceVPCRead): which
    // table aws_default_route_table manages would change between applies. Unusable input, not a network.
    const managed = defaultBy.get(vpc);
    if (managed) {
      b.problem(
        ref,
        `vpc_id: ${managed} (aws_default_route_table) manages the default route table of the same VPC ${vpc.label}; the provider says not to use both for one VPC (possible route conflicts), and once this association makes another table main, refreshing aws_vpc reads default_route_table_id and main_route_table_id from the new main table (resourceVPCRead), so which table aws_default_route_table manages would change between applies`,
      );
      continue;
    }
    mainBy.set(vpc, b.origin(ref));
    vpc.mainRouteTable.isMain = false;
    rt.isMain = true;
    vpc.mainRouteTable = rt;
  }
}

function addPropagation(b: Builder, ref: ResourceRef, rt: RouteTable, vgwId: Value): void {
  const gw = b.lookup(b.gateways, vgwId);
  const target: Target = gw
    ? { kind: "gateway", gateway: gw }
    : { kind: "unresolved", description: `virtual private gateway ${showValue(vgwId)}` };
  rt.vpc.unseenEntries.push(
    `${b.origin(ref)} propagates the routes of ${gw ? `virtual private gateway ${gw.label}` : `virtual private gateway ${showValue(vgwId)}`} into route table ${rt.label}`,
  );
  rt.routes.push({ destination: { description: "routes propagated from a virtual private gateway" }, target, origin: b.origin(ref) });
}

const present = (v: Value | undefined) => v !== undefined && v !== null && v !== "";

function addRoute(b: Builder, ref: ResourceRef, rt: RouteTable, r: Record<string, Value>, origin: string, inline = false): void {
  const fields = [
    "destination_cidr_block",
    "destination_ipv6_cidr_block",
    "cidr_block",
    "ipv6_cidr_block",
    "destination_prefix_list_id",
  ].filter((f) => present(r[f]));
  const destinations = fields.map((f) => r[f]);
  if (destinations.length !== 1) {
    b.problems.push(
      `${origin}: a route needs exactly one destination (a CIDR or a prefix list), found ${destinations.length === 0 ? "none" : fields.map((f) => `${f} ${showValue(r[f])}`).join(", ")}`,
    );
    return;
  }
  let destination: Prefix | { description: string };
  if (present(r.destination_prefix_list_id)) destination = { description: `prefix list ${showValue(r.destination_prefix_list_id)}` };
  else {
    const text = destinations[0];
    const p = typeof text === "string" ? Prefix.parse(text) : undefined;
    if (!p) {
      b.problems.push(`${origin}: ${fields[0]} is ${showValue(text)}, which is not a CIDR the verifier can work out before apply`);
      return;
    }
    destination = p;
  }
  let set: TargetField[] = TARGET_FIELDS.filter((f) => present(r[f]));
  // A route to an interface attached to an instance is read back with that instance's id as well (provider aws
  // issue #14197; `instance_id` of aws_route is computed only in provider 5.x): the interface is the target.
  if (set.length === 2 && set.includes("network_interface_id") && set.includes("instance_id")) set = ["network_interface_id"];
  if (set.length !== 1) {
    b.problems.push(`${origin}: a route needs exactly one target, found ${set.length === 0 ? "none" : set.join(", ")}`);
    return;
  }
  const field = set[0];
  const target = targetOf(b, ref, field, r[field], origin);
  if (!target) return;
  // An inline route changes with the table's `route` argument; an aws_route's target with its own argument.
  const ignored = ignoresChanges(b, ref, inline ? "route" : field);
  if (ignored === undefined) return;
  let failover: Failover | undefined;
  if (target.kind === "host") {
    const f = failoverOf(b, target.host, origin, field, ignored, rt.vpc);
    if (f === null) return;
    failover = f;
  } else if (ignored) {
    b.problems.push(
      `${origin}: ${inline ? "route" : field} is in lifecycle.ignore_changes, so its target may be changed after apply without Terraform putting it back; the verifier can follow only a network_interface_id whose interface carries ${TAG_FAILOVER_GROUP} (it may then point at any interface of that group), not ${field} ${target.kind === "gateway" ? target.gateway.label : showValue(r[field])}`,
    );
    return;
  }
  if (target.kind === "gateway" && UNSEEN_NETWORKS.has(target.gateway.kind)) {
    rt.vpc.unseenEntries.push(
      `${origin} routes ${destination instanceof Prefix ? destination.toString() : destination.description} to ${target.gateway.kind} ${target.gateway.label}, which connects the VPC to a network the configuration does not describe`,
    );
  }
  if (target.kind === "unresolved") {
    // A gateway the configuration does not describe (an internet gateway made elsewhere?) may let traffic in; an
    // interface or instance it does not describe may forward what reaches it (from an edge route, say) anywhere in
    // the VPC. Either way no inbound verdict can hold.
    rt.vpc.unseenEntries.push(
      `${origin} routes ${destination instanceof Prefix ? destination.toString() : destination.description} to ${target.description}`,
    );
  }
  // AWS keeps one route per destination in a table: the second create fails (RouteAlreadyExists), so which one
  // exists would depend on apply order. Not a network the verifier can judge: unusable input.
  const same =
    destination instanceof Prefix
      ? rt.routes.find((x) => x.destination instanceof Prefix && x.destination.equals(destination as Prefix))
      : undefined;
  if (same) {
    b.problems.push(
      `${origin}: route table ${rt.label} already has a route to ${destination.toString()} (${same.origin}); AWS refuses the second one (RouteAlreadyExists), so which route exists would depend on apply order`,
    );
    return;
  }
  rt.routes.push(failover ? { destination, target, origin, failover } : { destination, target, origin });
}

/**
 * Does `lifecycle.ignore_changes` of the resource name `attribute` (or `all`)? Undefined after reporting a problem
 * (a setting the verifier cannot read exactly). Where the input does not record lifecycle settings (a plan without
 * its HCL configuration, a state) the answer is false: a failover route is then recognised by its target's tag
 * alone (failoverOf), which covers every route the failover Lambda may switch.
 */
function ignoresChanges(b: Builder, ref: ResourceRef, attribute: string): boolean | undefined {
  const lifecycle = ref.raw.lifecycle;
  if (lifecycle === undefined || lifecycle === null) return false;
  const bodies = Array.isArray(lifecycle) ? lifecycle : [lifecycle];
  const bad = (why: string) => {
    b.problem(ref, `lifecycle.ignore_changes ${why}; the verifier reads it only as written (all, or a list of argument names)`);
    return undefined;
  };
  if (!bodies.every(isRecord)) return bad(`cannot be read (${JSON.stringify(lifecycle)})`);
  let found = false;
  for (const body of bodies as Record<string, unknown>[]) {
    const ic = body.ignore_changes;
    if (ic === undefined || ic === null) continue;
    const bare = (x: unknown) => (typeof x === "string" ? x.replace(/^\$\{(.*)\}$/s, "$1").trim() : undefined);
    if (bare(ic) === "all") return true;
    if (!Array.isArray(ic)) return bad(`is ${JSON.stringify(ic)}`);
    for (const item of ic) {
      const name = bare(item);
      const root = name === undefined ? undefined : /^([A-Za-z_][A-Za-z0-9_-]*)(?:$|[.[])/.exec(name)?.[1];
      if (root === undefined) return bad(`names ${JSON.stringify(item)}`);
      if (root === attribute) found = true;
    }
  }
  return found;
}

/**
 * The interfaces a route to `host` may point at after a failover: every interface tagged with the same
 * `egress6:failover-group` (the failover Lambda switches only among them, lib/proxy-signals.ts), or undefined when
 * the host has no group tag. Whether or not Terraform ignores changes to the target, the Lambda may switch it
 * between applies, so a tagged target is always followed. Null after reporting a problem: a target Terraform does
 * not manage whose interface has no readable group, a member whose tag cannot be read, or a group across AZs.
 */
function failoverOf(b: Builder, host: Host, origin: string, field: string, ignored: boolean, vpc: Vpc): Failover | undefined | null {
  const tag = host.failoverGroup;
  if (tag === undefined) {
    if (!ignored) return undefined;
    b.problems.push(
      `${origin}: network_interface_id is in lifecycle.ignore_changes, so it may be switched after apply, but its interface ${host.label} [${host.origin}] carries no ${TAG_FAILOVER_GROUP} tag: the verifier cannot tell which interfaces it may point at`,
    );
    return null;
  }
  if ("unreadable" in tag) {
    b.problems.push(
      `${origin}: network_interface_id points at ${host.label} [${host.origin}], whose ${TAG_FAILOVER_GROUP} tag is ${tag.unreadable}: the verifier cannot tell which interfaces the route may be switched to`,
    );
    return null;
  }
  const all = [...new Set(b.hosts.values())] as Host[];
  const unreadable = all.filter((h) => h.failoverGroup !== undefined && "unreadable" in h.failoverGroup);
  if (unreadable.length > 0) {
    for (const h of unreadable)
      b.problems.push(
        `${origin}: network_interface_id may be switched to any interface of failover group "${tag.value}", and the ${TAG_FAILOVER_GROUP} tag of ${h.label} [${h.origin}] is ${(h.failoverGroup as { unreadable: string }).unreadable}: the verifier cannot tell whether it is one`,
      );
    return null;
  }
  const members = all.filter((h) => h.failoverGroup !== undefined && "value" in h.failoverGroup && h.failoverGroup.value === tag.value);
  const where = (h: Host) => `${h.label} [${h.origin}]`;
  // A route can point only at an interface of its own VPC (EC2 CreateRoute/ReplaceRoute); a member elsewhere says
  // the group is not what the contract describes, and the model would walk into another VPC.
  const elsewhere = members.filter((h) => h.subnet?.vpc !== vpc);
  if (elsewhere.length > 0) {
    b.problems.push(
      `${origin}: ${field} may be switched among failover group "${tag.value}", and ${elsewhere.map(where).join(", ")} is not in the route table's VPC ${vpc.label}: a failover group must stay in one VPC and one AZ`,
    );
    return null;
  }
  const noAz = members.filter((h) => h.azTag === undefined && h.subnet?.az === undefined);
  if (noAz.length > 0) {
    b.problems.push(
      `${origin}: ${field} may be switched among failover group "${tag.value}", and the AZ of ${noAz.map(where).join(", ")} cannot be told (no ${TAG_AZ} tag, no known subnet AZ): a failover group must stay in one AZ`,
    );
    return null;
  }
  for (const [what, azOf] of [
    [TAG_AZ, (h: Host) => h.azTag],
    ["subnet AZ", (h: Host) => h.subnet?.az],
  ] as const) {
    const known = members.filter((h) => azOf(h) !== undefined);
    const first = known.find((h) => h === host) ?? known[0];
    const other = known.filter((h) => azOf(h) !== azOf(first));
    if (other.length > 0) {
      b.problems.push(
        `${origin}: ${field} may be switched among failover group "${tag.value}", whose members are in different AZs: ${other.map((h) => `${where(h)} (${what} ${azOf(h)})`).join(", ")}, not ${what} ${azOf(first)} as ${where(first)}; a failover group must stay in one AZ`,
      );
      return null;
    }
  }
  return { group: tag.value, az: host.azTag ?? members.find((h) => h.azTag !== undefined)?.azTag ?? host.subnet?.az ?? "", members };
}

function targetOf(b: Builder, ref: ResourceRef, field: TargetField, value: Value, origin: string): Target | undefined {
  if (value instanceof Unknown) {
    b.problem(ref, `${field} cannot be worked out: ${value.reason}`);
    return undefined;
  }
  const sig = signature(value);
  const external = EXTERNAL_TARGETS[field];
  if (external) {
    const gw = b.gateways.get(sig ?? "");
    return {
      kind: "gateway",
      gateway: gw ?? { key: sig ?? field, label: `${external} ${showValue(value)}`, origin: b.origin(ref), kind: external, vpc: undefined },
    };
  }
  if (field === "gateway_id" && value === "local") return { kind: "local" };
  if (field === "gateway_id" || field === "egress_only_gateway_id" || field === "nat_gateway_id") {
    const gw = b.gateways.get(sig ?? "");
    if (gw) return { kind: "gateway", gateway: gw };
    return { kind: "unresolved", description: `${field} ${showValue(value)}, not a gateway of the configuration` };
  }
  if (field === "network_interface_id" || field === "instance_id") {
    const host = b.hosts.get(sig ?? "");
    if (host) return { kind: "host", host: host as Host };
    return { kind: "unresolved", description: `${field} ${showValue(value)}, not a network interface of the configuration` };
  }
  // vpc_endpoint_id: AWS accepts only Gateway Load Balancer endpoints here (EC2 API reference, CreateRoute,
  // VpcEndpointId), which is also what a Network Firewall endpoint is. A gateway endpoint is routed by
  // route_table_ids, an interface endpoint by nothing: naming one is a plan that cannot apply.
  const ep = endpointOf(b, value);
  if (ep) return { kind: "endpoint", endpoint: ep };
  const gw = b.gateways.get(sig ?? "");
  const iface = b.interfaceEndpoints.find((e) => sig !== undefined && sig === `${e.key}|id`);
  if (gw || iface) {
    b.problems.push(
      `${origin}: vpc_endpoint_id names ${gw ? `gateway VPC endpoint ${gw.label}` : `interface VPC endpoint ${iface!.label}`}; a route can target only a Gateway Load Balancer (or Network Firewall) endpoint (EC2 CreateRoute, VpcEndpointId)`,
    );
    return undefined;
  }
  return { kind: "unresolved", description: `vpc_endpoint_id ${showValue(value)}, not an endpoint of the configuration` };
}

export function buildAssociations(b: Builder): void {
  for (const ref of b.world.resourcesOfType("aws_route_table_association")) {
    const rt = routeTableOf(b, ref);
    if (!rt) continue;
    const subnetId = b.arg(ref, "subnet_id");
    if (subnetId !== undefined) {
      const subnet = b.subnetOf(ref, subnetId, "subnet_id");
      if (!subnet) continue;
      subnet.associations.push(b.origin(ref));
      subnet.associatedTables.push(rt);
      subnet.routeTable = rt;
      continue;
    }
    const gwId = b.arg(ref, "gateway_id");
    const gw = b.lookup(b.gateways, gwId);
    if (!gw) {
      b.problem(ref, `gateway_id is ${showValue(gwId)}, which is no gateway in the configuration`);
      continue;
    }
    if (!EDGE_GATEWAYS.has(gw.kind)) {
      // AWS refuses it, so the plan cannot apply; and reading it as routing would hide an asymmetric design.
      b.problem(
        ref,
        `a gateway route table can be associated only with an internet gateway or a virtual private gateway, not with ${gw.kind} ${gw.label} (VPC user guide, "Gateway route tables")`,
      );
      continue;
    }
    gw.edgeRouteTable = rt;
    rt.edgeGateways.push(gw);
  }
  // A subnet with no explicit association is routed by the table that is main once everything is applied.
  for (const subnet of new Set(b.subnets.values())) if (subnet.associations.length === 0) subnet.routeTable = subnet.vpc.mainRouteTable;
}
