/**
 * The routes that make the inspection points the only way out of a workload subnet: `aws_route`s added to route
 * tables created elsewhere (the network stack's, by id), plus, when a route leaves through it, an internet gateway
 * with its edge (ingress) route table. Every route of AZ x targets AZ x's firewall endpoint or proxy interface.
 *
 * A route via the proxy targets the AZ's primary proxy interface when created, and Terraform then leaves its target
 * alone (`ignore_changes = [network_interface_id]`): the failover Lambda moves it to the AZ's standby (an interface of
 * the same TAG_FAILOVER_GROUP) while the primary is unhealthy, and an apply must not move it back onto a dead proxy.
 *
 * A plain function on the caller's scope, not a construct: the resources keep the ids they have always had
 * (`workload-a-default-route`, `edge-routes`, `internet-gateway`, ...), so no address changes in a plan.
 */
import { Construct } from "constructs";
import { Route } from "@cdktf/provider-aws/lib/route";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";

/** Every destination on the internet. */
const ANY_IPV6 = "::/0";

/** A tier whose route tables receive routes. */
export type RoutedTier = "workload" | "proxy" | "firewall";

/** One route added in every AZ (the same shape as config/modes.ts's `ModeRoute`). */
export interface EgressRoute {
  /** The route table: a tier's, in the AZ, or `edge`, the internet gateway's ingress route table. */
  readonly from: RoutedTier | "edge";
  /** The destination: the whole internet, or the AZ's subnet of a tier. */
  readonly to: "internet" | { readonly subnetOf: "workload" | "proxy" };
  /** Where the route sends it: the AZ's firewall endpoint, the AZ's proxy interface or the internet gateway. */
  readonly via: "firewall" | "proxy" | "internet-gateway";
}

/** What one AZ offers the routes: its route tables, its subnets' blocks and its inspection points. */
export interface EgressRoutesZone {
  /** The AZ suffix (`a`), part of every construct id. */
  readonly suffix: string;
  /** The route table id of each tier in the AZ that receives a route. */
  readonly routeTableIds: Readonly<Partial<Record<RoutedTier, string>>>;
  /** The IPv6 /64 of each subnet a route sends to. */
  readonly subnetIpv6Cidrs: Readonly<Partial<Record<"workload" | "proxy", string>>>;
  /**
   * The AZ's firewall endpoint id, for routes via the firewall.
   * @default none
   */
  readonly firewallEndpointId?: string;
  /**
   * The AZ's primary proxy network interface id, for routes via the proxy (their target at creation only).
   * @default none
   */
  readonly proxyInterfaceId?: string;
}

/** Inputs of `addEgressRoutes`. */
export interface EgressRoutesProps {
  /** Environment name, prefix of the Name tags. */
  readonly envName: string;
  /** The VPC, for the internet gateway and its edge route table. */
  readonly vpcId: string;
  /** The routes to add in every AZ. */
  readonly routes: readonly EgressRoute[];
  /** The AZs, in order. */
  readonly zones: readonly EgressRoutesZone[];
  /** Create an internet gateway (and its edge route table): routes via `internet-gateway` or from `edge` need it. */
  readonly internetGateway: boolean;
}

/** What `addEgressRoutes` created. */
export interface EgressRoutes {
  /** The internet gateway, with `internetGateway`. */
  readonly internetGateway?: InternetGateway;
  /** The internet gateway's ingress route table, with `internetGateway`. */
  readonly edgeRouteTable?: RouteTable;
  /** Every route, in creation order (AZ by AZ, each in the order of `routes`). */
  readonly routes: Route[];
}

/** The construct id of a route: `workload-a-default-route`, `workload-a-to-proxy-route`, `edge-to-workload-a-route`. */
export function egressRouteId(route: EgressRoute, az: string): string {
  if (route.to === "internet") return `${route.from}-${az}-default-route`;
  return route.from === "edge" ? `edge-to-${route.to.subnetOf}-${az}-route` : `${route.from}-${az}-to-${route.to.subnetOf}-route`;
}

function checkProps(props: EgressRoutesProps): void {
  const ids = new Set<string>();
  for (const r of props.routes) {
    const id = egressRouteId(r, "x");
    if (ids.has(id)) throw new Error(`egress routes: two routes from ${r.from} to the same destination (${id})`);
    ids.add(id);
    if ((r.from === "edge" || r.via === "internet-gateway") && !props.internetGateway) {
      throw new Error(`egress routes: ${id} needs the internet gateway, which is not created`);
    }
    if (r.from === "edge" && r.to === "internet") throw new Error("egress routes: the edge route table routes only to subnets of the VPC");
    if (r.from === r.via) throw new Error(`egress routes: ${id} sends the ${r.from} tier's traffic to itself`);
  }
  const suffixes = props.zones.map((z) => z.suffix);
  if (new Set(suffixes).size !== suffixes.length) throw new Error(`egress routes: an AZ is listed twice in ${suffixes.join(", ")}`);
}

/**
 * Adds `props.routes` in every AZ, on `scope`: each targets the same AZ's firewall endpoint or proxy interface (or
 * the one internet gateway). Throws when an AZ lacks what a route needs.
 */
export function addEgressRoutes(scope: Construct, props: EgressRoutesProps): EgressRoutes {
  checkProps(props);
  const internetGateway = props.internetGateway
    ? new InternetGateway(scope, "internet-gateway", { vpcId: props.vpcId, tags: { Name: `${props.envName}-igw` } })
    : undefined;
  let edgeRouteTable: RouteTable | undefined;
  if (internetGateway) {
    edgeRouteTable = new RouteTable(scope, "edge-routes", { vpcId: props.vpcId, tags: { Name: `${props.envName}-igw-ingress` } });
    new RouteTableAssociation(scope, "edge-routes-association", { gatewayId: internetGateway.id, routeTableId: edgeRouteTable.id });
  }

  const routes: Route[] = [];
  for (const zone of props.zones) {
    const az = zone.suffix;
    for (const r of props.routes) {
      const id = egressRouteId(r, az);
      const need = (value: string | undefined, what: string): string => {
        if (value === undefined) throw new Error(`egress routes: ${id} needs ${what} in AZ ${az}`);
        return value;
      };
      const routeTableId = r.from === "edge" ? edgeRouteTable!.id : need(zone.routeTableIds[r.from], `the ${r.from} route table`);
      const destination = r.to === "internet" ? ANY_IPV6 : need(zone.subnetIpv6Cidrs[r.to.subnetOf], `the ${r.to.subnetOf} subnet`);
      const target =
        r.via === "firewall"
          ? { vpcEndpointId: need(zone.firewallEndpointId, "a firewall endpoint") }
          : r.via === "proxy"
            ? { networkInterfaceId: need(zone.proxyInterfaceId, "a proxy interface") }
            : { gatewayId: internetGateway!.id };
      // Via the proxy: the target is the primary at creation, then the failover Lambda's (see the file comment).
      const lifecycle = r.via === "proxy" ? { lifecycle: { ignoreChanges: ["network_interface_id"] } } : {};
      routes.push(new Route(scope, id, { routeTableId, destinationIpv6CidrBlock: destination, ...target, ...lifecycle }));
    }
  }
  return { internetGateway, edgeRouteTable, routes };
}
