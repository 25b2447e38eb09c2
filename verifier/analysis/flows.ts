/**
 * Connections, not just packets: a TCP connection from an origin to a destination, followed through every
 * flow-terminating hop. A proxy ends the client's connection and opens its own from its own address; a NAT
 * gateway does the same with a translated source. Each piece is a segment, with the replies of that segment
 * traced back to where it started (the return path is what makes an inspection point stateful-safe).
 */
import { Prefix, type Address } from "../model/prefix";
import type { Gateway, Host, Subnet } from "../model/types";
import type { Context } from "./context";
import { NAT64_PREFIX } from "./context";
import { EPHEMERAL_PORTS, TCP, type Packet, type Trace, type Walker } from "./walk";

/** A chain longer than this (proxy behind proxy behind NAT...) is not a design anyone means. */
const MAX_SEGMENTS = 4;

export interface Origin {
  readonly subnet: Subnet;
  readonly address: Address;
  readonly host?: Host;
}

export interface Segment {
  readonly origin: Origin;
  /** Where the segment's packets are sent. */
  readonly destination: Address;
  readonly forward: Trace;
  /** The replies, sent back from where the forward trace ended. */
  readonly replies: readonly Trace[];
}

export interface Connection {
  readonly segments: readonly Segment[];
}

const NAT64 = Prefix.parse(NAT64_PREFIX)!;

/** The IPv4 address a NAT64 address stands for (RFC 6052: the last 32 bits). */
function embeddedIpv4(a: Address): Address {
  return { family: 4, value: a.value & 0xffffffffn };
}

export class Connections {
  constructor(
    private readonly ctx: Context,
    private readonly walker: Walker,
  ) {}

  /** Every way a TCP connection from `origin` to `destination` on `port` can go, segment by segment. */
  open(origin: Origin, destination: Address, port: number, dstHost?: Host): Connection[] {
    return this.explore(origin, destination, port, dstHost, [], new Set());
  }

  private explore(
    origin: Origin,
    destination: Address,
    port: number,
    dstHost: Host | undefined,
    before: Segment[],
    seen: Set<string>,
  ): Connection[] {
    const pkt: Packet = {
      family: destination.family,
      src: origin.address,
      dst: destination,
      protocol: TCP,
      ports: [port, port],
      reply: false,
      srcHost: origin.host,
      dstHost,
    };
    const out: Connection[] = [];
    for (const forward of this.walker.send(pkt, { subnet: origin.subnet, host: origin.host })) {
      const segment: Segment = { origin, destination, forward, replies: this.replies(forward, pkt, origin) };
      const chain = [...before, segment];
      const next = this.onward(forward, destination);
      const key = next ? `${next.origin.subnet.key}|${next.origin.host?.key ?? ""}|${next.destination.value}` : "";
      if (next && chain.length < MAX_SEGMENTS && !seen.has(key)) {
        out.push(...this.explore(next.origin, next.destination, port, undefined, chain, new Set([...seen, key])));
      } else out.push({ segments: chain });
    }
    return out;
  }

  /** Where the next segment starts, when the forward trace ended at something that opens its own connection. */
  private onward(forward: Trace, destination: Address): { origin: Origin; destination: Address } | undefined {
    const end = forward.end;
    if (end.kind === "proxy" && end.host.subnet) {
      // A proxy addressed explicitly (the destination is the proxy itself) forwards to wherever the client asked; the
      // analysis asks only about interception here, where the destination stays the same.
      if (this.ctx.insideVpc(destination)) return undefined;
      const host = end.host;
      return { origin: { subnet: host.subnet!, host, address: this.ctx.addressOf(host.subnet!, destination.family) }, destination };
    }
    if (end.kind === "gateway" && end.gateway.kind === "NAT gateway" && end.gateway.subnet) {
      const nat = end.gateway;
      const onwardDst = destination.family === 6 && NAT64.containsAddress(6, destination.value) ? embeddedIpv4(destination) : destination;
      if (onwardDst.family === 6 && !nat.publicNat) return undefined;
      return { origin: { subnet: nat.subnet!, address: this.ctx.addressOf(nat.subnet!, onwardDst.family) }, destination: onwardDst };
    }
    return undefined;
  }

  /** The replies of one segment: from the gateway they come back through, or from the proxy that answered. */
  private replies(forward: Trace, pkt: Packet, origin: Origin): Trace[] {
    const reply: Packet = {
      family: pkt.family,
      src: pkt.dst,
      dst: origin.address,
      protocol: pkt.protocol,
      ports: EPHEMERAL_PORTS,
      reply: true,
      srcHost: pkt.dstHost,
      dstHost: origin.host,
    };
    const end = forward.end;
    if (end.kind === "proxy" && end.host.subnet) return this.walker.send(reply, { subnet: end.host.subnet, host: end.host });
    if (end.kind === "gateway") return this.replyThrough(reply, end.gateway);
    return [];
  }

  private replyThrough(reply: Packet, gateway: Gateway): Trace[] {
    if (gateway.kind === "NAT gateway") return gateway.subnet ? this.walker.send(reply, { subnet: gateway.subnet }) : [];
    return this.walker.enter(reply, gateway);
  }
}

/** Did this reply come back to the segment's origin? */
export function replyArrives(segment: Segment, reply: Trace): boolean {
  return reply.end.kind === "delivered" && reply.end.subnet === segment.origin.subnet;
}
