/**
 * L1, the allowlisted ports work: TCP from every workload subnet to the internet on each allowlisted port reaches
 * it through the inspection chain and comes back, Path MTU discovery included. Also where those ports are read from.
 */
import { addressText } from "../model/prefix";
import { sgRuleText, type Range } from "../model/filters";
import { INTERNET_GATEWAYS, UNSEEN_NETWORKS, type Subnet } from "../model/types";
import type { Context } from "../analysis/context";
import { replyArrives, type Connection } from "../analysis/flows";
import { TCP, subnetText, type Trace } from "../analysis/walk";
import { result, type Finding, type Result, type SubjectResult } from "../report/types";
import { ROLE_PROXY } from "../tags";
import { Guarantee, type IntentPorts } from "./base";

const ICMPV6 = 58;
/** ICMPv6 Packet Too Big (RFC 4443 §3.2): what Path MTU discovery listens for (RFC 8201). */
const ICMPV6_PACKET_TOO_BIG = 2;

export class AllowlistedPortsWork extends Guarantee {
  check(workloads: Subnet[], intent: IntentPorts): Result {
    const subjects: SubjectResult[] = [];
    const findings: Finding[] = [];
    const notes = [
      `Ports checked: ${intent.ports.join(", ") || "(none)"} (${intent.source}).`,
      "Network Firewall rules and proxy allowlists are not evaluated: they are taken to pass allowlisted domains on these ports.",
    ];
    for (const w of workloads) {
      const subject = this.label(w);
      const problems: Finding[] = [];
      if (intent.ports.length === 0) {
        problems.push({
          verdict: "VIOLATED",
          subject,
          message: intent.anyTcpOut
            ? `no allowlisted port could be read: ${intent.anyTcpOut}; name the ports with --ports`
            : "no allowlisted port: no security group or network ACL rule of the workloads or proxies admits TCP toward the internet, so no TCP connection can leave",
        });
      }
      if (!w.ipv6) problems.push({ verdict: "VIOLATED", subject, message: `${subnetText(w)} has no IPv6 prefix` });
      for (const port of intent.ports) {
        const failure = this.firstL1Failure(w, port);
        if (failure) problems.push(failure);
      }
      const violated = problems.filter((p) => p.verdict === "VIOLATED");
      findings.push(...(violated.length > 0 ? violated : problems));
      subjects.push({
        subject,
        verdict: violated.length > 0 ? "VIOLATED" : problems.length > 0 ? "UNKNOWN" : "HOLDS",
        detail:
          problems.length > 0
            ? (violated[0] ?? problems[0]).message
            : `TCP ${intent.ports.join(", ")} reaches the internet through the inspection chain and back, every ACL and security group admitting it`,
      });
    }
    return result(
      "L1",
      "invariant",
      "liveness: TCP to the internet on every allowlisted port works end to end through the inspection chain",
      subjects,
      findings,
      notes,
    );
  }

  private firstL1Failure(w: Subnet, port: number): Finding | undefined {
    const subject = this.label(w);
    if (!w.ipv6) return undefined;
    for (const origin of this.origins(w, 6, true)) {
      for (const d of this.ctx.internet(6)) {
        const conns = this.connections.open(origin, d, port);
        const seen = conns.filter((c) => this.unseen(c).length === 0 && !this.endsUnseen(c));
        if (seen.some((c) => this.works(c) === undefined)) continue;
        const maybe = conns.find((c) => !seen.includes(c));
        if (maybe) {
          const what =
            this.unseen(maybe)[0] ??
            `it leaves for ${endText(maybe.segments[maybe.segments.length - 1].forward.end)}, a network the verifier cannot see`;
          return {
            verdict: "UNKNOWN",
            subject,
            message: `whether TCP ${port} from ${subnetText(w)} to ${addressText(d)} works depends on a hop the verifier cannot see through: ${what}`,
            path: this.connectionPath(maybe),
          };
        }
        const c = conns[0];
        const why = c ? this.works(c)! : "no path";
        const from = origin.host
          ? `${origin.host.label} in ${subnetText(w)}`
          : `${subnetText(w)} (no instance there: security groups not checked)`;
        return {
          verdict: "VIOLATED",
          subject,
          message: `TCP ${port} from ${from} to ${addressText(d)} does not work: ${why}`,
          path: c ? this.connectionPath(c) : undefined,
        };
      }
    }
    return undefined;
  }

  /** Does the connection end at a network the verifier cannot see (where it goes on, and whether replies come back, is unknown)? */
  private endsUnseen(c: Connection): boolean {
    const end = c.segments[c.segments.length - 1].forward.end;
    return end.kind === "unresolved" || (end.kind === "gateway" && UNSEEN_NETWORKS.has(end.gateway.kind));
  }

  /** Why the connection does not work end to end, or undefined when it does. */
  private works(c: Connection): string | undefined {
    const last = c.segments[c.segments.length - 1];
    const end = last.forward.end;
    for (const s of c.segments) {
      const blocked = s.forward.blocked[0];
      if (blocked) return `the request is refused: ${blocked.text}`;
    }
    if (!(end.kind === "gateway" && INTERNET_GATEWAYS.has(end.gateway.kind))) {
      return end.kind === "dropped"
        ? `the request is dropped (${end.reason})`
        : `the request does not reach the internet (it ends ${endText(end)})`;
    }
    if (!this.inspected(c)) return "the request reaches the internet without crossing an inspection point";
    for (const s of c.segments) {
      if (s.replies.length === 0) return `no reply path back to ${s.origin.host?.label ?? s.origin.subnet.label}`;
      const r = s.replies.find((x) => !replyArrives(s, x) || x.blocked.length > 0);
      if (r)
        return r.blocked[0]
          ? `the reply is refused: ${r.blocked[0].text}`
          : `the reply does not come back to ${s.origin.subnet.label} (it ends ${endText(r.end)})`;
    }
    return this.packetTooBigFails(last);
  }

  /**
   * Path MTU discovery: an ICMPv6 Packet Too Big from the internet must reach whoever opened the internet leg (the
   * proxy, or the workload itself), through every network ACL and its security group. Security groups do not admit it
   * as part of the connection: the EC2 user guide ("Path MTU Discovery") asks for an inbound ICMPv6 rule for it.
   */
  private packetTooBigFails(s: Connection["segments"][number]): string | undefined {
    const end = s.forward.end;
    if (end.kind !== "gateway" || s.destination.family !== 6 || end.gateway.kind === "NAT gateway") return undefined;
    const who = s.origin.host?.label ?? s.origin.subnet.label;
    const ptb = {
      family: 6 as const,
      src: s.destination,
      dst: s.origin.address,
      protocol: ICMPV6,
      ports: [ICMPV6_PACKET_TOO_BIG, ICMPV6_PACKET_TOO_BIG] as Range,
      reply: false,
      dstHost: s.origin.host,
    };
    const traces = this.walker.enter(ptb, end.gateway);
    const arrives = (t: Trace) =>
      (t.end.kind === "delivered" && t.end.subnet === s.origin.subnet) || (t.end.kind === "proxy" && t.end.host === s.origin.host);
    if (traces.some((t) => arrives(t) && t.blocked.length === 0)) return undefined;
    const t = traces.find(arrives) ?? traces[0];
    const why = !t ? "no path" : t.blocked[0] ? `refused: ${t.blocked[0].text}` : `it ends ${endText(t.end)}`;
    return `ICMPv6 Packet Too Big from ${addressText(s.destination)} does not reach ${who} (Path MTU discovery breaks): ${why}`;
  }
}

function endText(end: Trace["end"]): string {
  switch (end.kind) {
    case "gateway":
      return `at ${end.gateway.kind} ${end.gateway.label}`;
    case "unresolved":
      return `at ${end.description}`;
    case "proxy":
      return `at proxy ${end.host.label}`;
    case "delivered":
      return `delivered in ${subnetText(end.subnet)}`;
    case "dropped":
      return `dropped: ${end.reason}`;
  }
}

/** The allowlisted ports, read from the output: every single TCP port a workload or proxy rule admits toward the internet. */
export function intentPorts(ctx: Context): IntentPorts {
  const ports = new Set<number>();
  const sources = new Set<string>();
  for (const w of ctx.workloadSubnets()) {
    for (const r of w.nacl.rules) {
      if (r.egress && r.allow && r.protocol === TCP && r.from === r.to && ctx.reachesInternet(r.cidr)) {
        ports.add(r.from);
        sources.add("workload network ACL egress rules");
      }
    }
  }
  const hosts = [...ctx.workloadSubnets().flatMap((w) => ctx.hostsIn(w)), ...ctx.proxies()];
  for (const h of hosts) {
    for (const g of h.securityGroups) {
      for (const r of g.rules) {
        if (r.egress && r.protocol === TCP && r.from === r.to && r.peer.kind === "cidr" && ctx.reachesInternet(r.peer.prefix)) {
          ports.add(r.from);
          sources.add(`${h.role === ROLE_PROXY ? "proxy" : "workload"} security group egress rules`);
        }
      }
    }
  }
  let anyTcpOut: string | undefined;
  for (const h of hosts) {
    for (const g of h.securityGroups) {
      const r = g.rules.find(
        (x) => x.egress && (x.protocol === TCP || x.protocol === "all") && (x.peer.kind !== "cidr" || ctx.reachesInternet(x.peer.prefix)),
      );
      if (r && !anyTcpOut) anyTcpOut = `${sgRuleText(r)} in ${g.label} admits TCP toward the internet without naming single ports`;
    }
  }
  return {
    ports: [...ports].sort((a, b) => a - b),
    anyTcpOut,
    source: sources.size > 0 ? `every single TCP port toward the internet in ${[...sources].join(", ")}` : "no rule names one",
  };
}
