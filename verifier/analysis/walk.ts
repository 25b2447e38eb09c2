/**
 * Follows one packet through the VPC, hop by hop, the way AWS forwards it: the route table of the subnet it is
 * sent from (longest prefix wins; the VPC's own prefixes route `local`), the network ACLs of every subnet
 * boundary it crosses, security groups where it leaves or reaches an instance, inspection endpoints that forward
 * it through their own subnet's route table, and gateways. A gateway route table decides where traffic coming
 * in through an internet gateway goes. Filters are recorded, not obeyed: a denied hop is marked and the walk
 * goes on, so a routing question and a reachability question read the same trace.
 */
import { Prefix, addressText, type Address, type Family } from "../model/prefix";
import { naclAdmitsAll, protocolName, rangeText, sgAdmits, sgRuleText, type Range } from "../model/filters";
import {
  UNSEEN_NETWORKS,
  type Gateway,
  type Host,
  type InspectionEndpoint,
  type Route,
  type RouteTable,
  type Subnet,
} from "../model/types";
import { ROLE_PROXY } from "../tags";
import type { Context } from "./context";

/** Ephemeral ports a client may pick; replies must be let through on all of them (VPC user guide, "Ephemeral ports"). */
export const EPHEMERAL_PORTS: Range = [1024, 65535];
export const TCP = 6;

/** More hops than any sane VPC path: beyond this the route tables loop. */
const MAX_HOPS = 24;

export interface Packet {
  readonly family: Family;
  readonly src: Address;
  readonly dst: Address;
  readonly protocol: number;
  /** Destination ports (or ICMP types): one port for a request, the client's ephemeral range for replies. */
  readonly ports: Range;
  /** A reply of an established connection: security groups (stateful) let it through. */
  readonly reply: boolean;
  readonly srcHost?: Host;
  /** The host the packet is addressed to, when known: delivery checks its security groups. */
  readonly dstHost?: Host;
}

export type HopKind = "origin" | "route" | "acl" | "sg" | "endpoint" | "proxy" | "host" | "gateway" | "deliver" | "drop";

export interface Hop {
  readonly kind: HopKind;
  readonly text: string;
  /** For filters: did it let the packet through? */
  readonly ok?: boolean;
}

export type End =
  | { readonly kind: "gateway"; readonly gateway: Gateway }
  | { readonly kind: "unresolved"; readonly description: string }
  | { readonly kind: "proxy"; readonly host: Host }
  | { readonly kind: "delivered"; readonly subnet: Subnet; readonly host?: Host }
  | { readonly kind: "dropped"; readonly reason: string };

export interface Place {
  readonly label: string;
  readonly az: string | undefined;
}

export interface Trace {
  readonly hops: readonly Hop[];
  readonly end: End;
  /** Inspection endpoints crossed, in order. */
  readonly inspected: readonly InspectionEndpoint[];
  /** Subnets, endpoints and instances the packet passed through (for the same-AZ check). */
  readonly places: readonly Place[];
  /** Filter hops that refused the packet. */
  readonly blocked: readonly Hop[];
  /**
   * Hops the verifier cannot see through, each naming the route and its target: a Gateway Load Balancer endpoint
   * (what its appliances pass is not in the configuration) or a network the packet entered the VPC from that the
   * model does not describe (transit gateway, virtual private gateway, core network, local gateway). A verdict that
   * rests on such a trace is UNKNOWN, never HOLDS.
   */
  readonly unseen: readonly string[];
}

class Builder {
  hops: Hop[] = [];
  inspected: InspectionEndpoint[] = [];
  places: Place[] = [];
  blocked: Hop[] = [];
  unseen: string[] = [];
  tables = new Set<RouteTable>();

  clone(): Builder {
    const b = new Builder();
    b.hops = [...this.hops];
    b.inspected = [...this.inspected];
    b.places = [...this.places];
    b.blocked = [...this.blocked];
    b.unseen = [...this.unseen];
    b.tables = new Set(this.tables);
    return b;
  }

  hop(h: Hop): void {
    this.hops.push(h);
    if (h.ok === false) this.blocked.push(h);
  }

  place(label: string, az: string | undefined): void {
    this.places.push({ label, az });
  }

  finish(end: End): Trace {
    return { hops: this.hops, end, inspected: this.inspected, places: this.places, blocked: this.blocked, unseen: this.unseen };
  }
}

export function subnetText(s: Subnet): string {
  return `subnet ${s.label}${s.az ? ` (${s.az})` : ""}`;
}

function destinationText(r: Route): string {
  return r.destination instanceof Prefix ? r.destination.toString() : r.destination.description;
}

function targetText(r: Route): string {
  const t = r.target;
  switch (t.kind) {
    case "local":
      return "local";
    case "gateway":
      return `${t.gateway.kind} ${t.gateway.label}`;
    case "endpoint":
      return t.endpoint.label;
    case "host":
      return `network interface ${t.host.label}${t.host.role ? ` (${t.host.role})` : ""}`;
    case "unresolved":
      return t.description;
  }
}

const LOCAL: Route = {
  destination: { description: "the VPC's own prefixes" },
  target: { kind: "local" },
  origin: "the implicit local route",
};

export class Walker {
  constructor(private readonly ctx: Context) {}

  /**
   * The routes a packet to `dst` may take in `rt`: the longest matching prefix, plus any route whose destination set
   * is not spelled out.
   */
  lookup(rt: RouteTable, dst: Address): { route: Route; prefix?: Prefix }[] {
    let best: { route: Route; prefix?: Prefix } | undefined;
    for (const p of dst.family === 6 ? rt.vpc.ipv6 : rt.vpc.ipv4) {
      if (p.containsAddress(dst.family, dst.value) && (!best || p.length > best.prefix!.length)) best = { route: LOCAL, prefix: p };
    }
    for (const route of rt.routes) {
      const d = route.destination;
      if (d instanceof Prefix && d.containsAddress(dst.family, dst.value) && (!best || d.length > best.prefix!.length))
        best = { route, prefix: d };
    }
    const inVpc = this.ctx.insideVpc(dst);
    const open = inVpc ? [] : rt.routes.filter((r) => !(r.destination instanceof Prefix)).map((route) => ({ route }));
    return best ? [best, ...open] : open;
  }

  /** A packet sent by a host (or a forwarding endpoint) in `subnet`. */
  send(pkt: Packet, from: { subnet: Subnet; host?: Host }): Trace[] {
    const b = new Builder();
    b.hop({ kind: "origin", text: `${from.host ? `${from.host.label} in ` : ""}${subnetText(from.subnet)}, ${this.packetText(pkt)}` });
    b.place(from.subnet.label, from.subnet.az);
    if (from.host && !pkt.reply) this.sg(pkt, from.host, true, b);
    return this.route(pkt, from.subnet, b, 0);
  }

  /** A packet arriving from outside through a gateway. */
  enter(pkt: Packet, gateway: Gateway): Trace[] {
    const b = new Builder();
    b.hop({ kind: "gateway", text: `${this.packetText(pkt)} arrives through ${gateway.kind} ${gateway.label}` });
    if (UNSEEN_NETWORKS.has(gateway.kind)) {
      // Where such traffic goes inside the VPC is decided by tables the model does not have (a transit gateway's
      // route tables, and the route table of its attachment's subnet for what comes back in): not guessed.
      b.unseen.push(
        `${gateway.kind} ${gateway.label} [${gateway.origin}]: what comes back into the VPC through it is routed by tables the verifier does not model`,
      );
      b.hop({
        kind: "drop",
        text: `${gateway.kind} ${gateway.label}: what it delivers into the VPC, and by which route table, is not modelled`,
      });
      return [b.finish({ kind: "dropped", reason: `not modelled: traffic entering through ${gateway.kind} ${gateway.label}` })];
    }
    const rt = gateway.edgeRouteTable;
    if (!rt) {
      if (!this.ctx.insideVpc(pkt.dst)) return [b.finish({ kind: "dropped", reason: "not addressed to the VPC" })];
      b.hop({ kind: "route", text: `no gateway route table: the gateway delivers by the VPC's local route` });
      return this.follow(pkt, undefined, LOCAL, b, 0);
    }
    const matches = this.lookup(rt, pkt.dst);
    if (matches.length === 0) {
      b.hop({ kind: "drop", text: `gateway route table ${rt.label} has no route to ${addressText(pkt.dst)}` });
      return [b.finish({ kind: "dropped", reason: "no route" })];
    }
    return matches.flatMap((m, i) => {
      const branch = i === matches.length - 1 ? b : b.clone();
      branch.hop({
        kind: "route",
        text: `gateway route table ${rt.label}: ${destinationText(m.route)} -> ${targetText(m.route)} [${m.route.origin}]`,
      });
      return this.follow(pkt, undefined, m.route, branch, 0);
    });
  }

  /** Routes by the subnet's table; a subnet associated more than once is routed by each (which one holds depends on apply order). */
  private route(pkt: Packet, subnet: Subnet, b: Builder, depth: number): Trace[] {
    const tables = subnet.associatedTables.length > 1 ? [...new Set(subnet.associatedTables)] : [subnet.routeTable];
    return tables.flatMap((rt, i) => this.routeBy(rt, pkt, subnet, i === tables.length - 1 ? b : b.clone(), depth));
  }

  private routeBy(rt: RouteTable, pkt: Packet, subnet: Subnet, b: Builder, depth: number): Trace[] {
    if (depth > MAX_HOPS || b.tables.has(rt)) {
      b.hop({ kind: "drop", text: `routing loop through route table ${rt.label}` });
      return [b.finish({ kind: "dropped", reason: "routing loop" })];
    }
    b.tables.add(rt);
    const matches = this.lookup(rt, pkt.dst);
    if (matches.length === 0) {
      b.hop({ kind: "drop", text: `route table ${rt.label} has no route to ${addressText(pkt.dst)}` });
      return [b.finish({ kind: "dropped", reason: `no route to ${addressText(pkt.dst)} in route table ${rt.label}` })];
    }
    return matches.flatMap((m, i) => {
      const branch = i === matches.length - 1 ? b : b.clone();
      branch.hop({
        kind: "route",
        text: `route table ${rt.label}: ${destinationText(m.route)} -> ${targetText(m.route)} [${m.route.origin}]`,
      });
      return this.follow(pkt, subnet, m.route, branch, depth + 1);
    });
  }

  private follow(pkt: Packet, from: Subnet | undefined, route: Route, b: Builder, depth: number): Trace[] {
    const t = route.target;
    switch (t.kind) {
      case "local": {
        const to = this.ctx.subnetHolding(pkt.dst);
        if (!to) {
          b.hop({ kind: "drop", text: `no subnet holds ${addressText(pkt.dst)}` });
          return [b.finish({ kind: "dropped", reason: "no subnet holds the address" })];
        }
        this.cross(pkt, from, to, b);
        return [this.deliver(pkt, to, b)];
      }
      case "gateway":
        this.cross(pkt, from, undefined, b);
        b.hop({ kind: "gateway", text: `leaves through ${t.gateway.kind} ${t.gateway.label}` });
        return [b.finish({ kind: "gateway", gateway: t.gateway })];
      case "unresolved":
        this.cross(pkt, from, undefined, b);
        b.hop({ kind: "gateway", text: `leaves for ${t.description}` });
        return [b.finish({ kind: "unresolved", description: t.description })];
      case "endpoint": {
        const ep = t.endpoint;
        if (!ep.subnet) {
          b.hop({ kind: "drop", text: `${ep.label} is in no subnet of the configuration` });
          return [b.finish({ kind: "dropped", reason: "endpoint outside the configuration" })];
        }
        this.cross(pkt, from, ep.subnet, b);
        b.inspected.push(ep);
        b.place(ep.label, ep.az);
        if (ep.kind === "gateway load balancer endpoint") {
          b.unseen.push(
            `route ${destinationText(route)} -> ${ep.label} (Gateway Load Balancer endpoint) [${route.origin}]: what the appliances behind it pass or drop is not in the configuration`,
          );
        }
        b.hop({
          kind: "endpoint",
          text: `${ep.label}${ep.inspects ? " inspects it" : " forwards it WITHOUT inspection"}, then forwards it by ${subnetText(ep.subnet)}`,
        });
        return this.route(pkt, ep.subnet, b, depth + 1);
      }
      case "host": {
        const host = t.host;
        if (!host.subnet) {
          b.hop({ kind: "drop", text: `${host.label} is in no subnet of the configuration` });
          return [b.finish({ kind: "dropped", reason: "interface outside the configuration" })];
        }
        this.cross(pkt, from, host.subnet, b);
        b.place(host.label, host.subnet.az);
        if (!pkt.reply) this.sg(pkt, host, false, b);
        if (host.role === ROLE_PROXY) {
          b.hop({ kind: "proxy", text: `proxy ${host.label} takes the connection (it ends here; the proxy opens its own)` });
          return [b.finish({ kind: "proxy", host })];
        }
        if (host.sourceDestCheck) {
          b.hop({ kind: "drop", text: `${host.label} has source/destination checking on: it drops packets not addressed to it` });
          return [b.finish({ kind: "dropped", reason: "source/destination check" })];
        }
        b.hop({ kind: "host", text: `${host.label} forwards it (source/destination check off, not a proxy: no inspection)` });
        if (!pkt.reply) this.sg(pkt, host, true, b);
        return this.route(pkt, host.subnet, b, depth + 1);
      }
    }
  }

  private deliver(pkt: Packet, to: Subnet, b: Builder): Trace {
    const host = pkt.dstHost;
    if (host && !pkt.reply) this.sg(pkt, host, false, b);
    if (host && !pkt.reply && host.role === ROLE_PROXY && host.subnet === to) {
      b.hop({ kind: "proxy", text: `proxy ${host.label} takes the connection (addressed to it)` });
      return b.finish({ kind: "proxy", host });
    }
    b.hop({ kind: "deliver", text: `delivered in ${subnetText(to)}${host ? ` to ${host.label}` : ""}` });
    return b.finish({ kind: "delivered", subnet: to, host });
  }

  /** Network ACLs at a subnet boundary: the leaving subnet's egress rules, the entered subnet's ingress rules. */
  private cross(pkt: Packet, from: Subnet | undefined, to: Subnet | undefined, b: Builder): void {
    if (from && to && from === to) return;
    if (from) {
      const v = naclAdmitsAll(from.nacl, true, pkt.protocol, pkt.dst, pkt.ports);
      b.hop({
        kind: "acl",
        ok: v.ok,
        text: `network ACL ${from.nacl.label} (leaving ${from.label}): ${v.ok ? "allows" : "DENIES"} ${this.trafficText(pkt)} to ${addressText(pkt.dst)}: ${v.because}`,
      });
    }
    if (to) {
      b.place(to.label, to.az);
      const v = naclAdmitsAll(to.nacl, false, pkt.protocol, pkt.src, pkt.ports);
      b.hop({
        kind: "acl",
        ok: v.ok,
        text: `network ACL ${to.nacl.label} (entering ${to.label}): ${v.ok ? "allows" : "DENIES"} ${this.trafficText(pkt)} from ${addressText(pkt.src)}: ${v.because}`,
      });
    }
  }

  private sg(pkt: Packet, host: Host, egress: boolean, b: Builder): void {
    const peerAddress = egress ? pkt.dst : pkt.src;
    const peerHost = egress ? pkt.dstHost : pkt.srcHost;
    const port = pkt.ports[0];
    const v = sgAdmits(host.securityGroups, egress, pkt.protocol, port, { address: peerAddress, host: peerHost });
    const groups = host.securityGroups.map((g) => g.label).join(", ") || "(none)";
    b.hop({
      kind: "sg",
      ok: v.ok,
      text: `security groups of ${host.label} [${groups}]: ${v.ok ? `allow (${sgRuleText(v.rule!)} in ${v.group!.label})` : `NO rule allows ${egress ? "egress" : "ingress"} ${protocolName(pkt.protocol)} ${port} ${egress ? "to" : "from"} ${addressText(peerAddress)}`}`,
    });
  }

  private trafficText(pkt: Packet): string {
    return `${protocolName(pkt.protocol)}${rangeText(pkt.protocol, pkt.ports)}`;
  }

  packetText(pkt: Packet): string {
    return `${pkt.reply ? "reply" : "packet"} ${addressText(pkt.src)} -> ${addressText(pkt.dst)} ${protocolName(pkt.protocol)}${rangeText(pkt.protocol, pkt.ports)}`;
  }
}
