/**
 * What every guarantee check shares: the context, one walker and connection finder for the whole run, the
 * internet's way in (walked once, read by R1 and R2), and the helpers that turn traces and connections into a report.
 */
import { addressText, type Address, type Family } from "../model/prefix";
import type { Range } from "../model/filters";
import type { Gateway, Host, InspectionEndpoint, Subnet } from "../model/types";
import type { Context } from "../analysis/context";
import { Connections, type Connection, type Origin } from "../analysis/flows";
import { TCP, Walker, subnetText, type Hop, type Trace } from "../analysis/walk";
import { result, type Finding, type PathLine, type Result, type SubjectResult, type Verdict } from "../report/types";

/**
 * The port an attacker's connection attempt uses in counterexamples: a service port inside the range a stateless ACL
 * must admit for replies.
 */
const PROBE_PORT = 8080;

export interface IntentPorts {
  readonly ports: number[];
  /** When no single port is named: a rule that admits TCP toward the internet on a range, if any (so things can leave). */
  readonly anyTcpOut?: string;
  /** Where each port came from, for the report. */
  readonly source: string;
}

/** Can the internet reach a subnet by routing: a subject's verdict, with the path that shows it. */
export type Exposure = SubjectResult & { path?: PathLine[] };

/** One run's analysis, shared by every guarantee: walks and exposures are computed once. */
export class SharedAnalysis {
  readonly walker: Walker;
  readonly connections: Connections;
  readonly exposures = new Map<Subnet, Exposure>();
  inbound?: { gateway: Gateway; trace: Trace }[];

  constructor(readonly ctx: Context) {
    this.walker = new Walker(ctx);
    this.connections = new Connections(ctx, this.walker);
  }
}

/** One guarantee: `check` gives its result, over the shared analysis of the run. */
export abstract class Guarantee {
  protected readonly ctx: Context;
  protected readonly walker: Walker;
  protected readonly connections: Connections;

  constructor(private readonly shared: SharedAnalysis) {
    this.ctx = shared.ctx;
    this.walker = shared.walker;
    this.connections = shared.connections;
  }

  abstract check(workloads: Subnet[], intent: IntentPorts): Result;

  protected label(s: Subnet): string {
    return `${s.label}${s.az ? ` (${s.az})` : ""}`;
  }

  /** A trace as path lines; `marks` are hops that break the guarantee without being a refused filter. */
  protected tracePath(t: Trace, indent = "", marks: ReadonlySet<Hop> = new Set()): PathLine[] {
    return t.hops.map((h) => ({ text: `${indent}${h.text}`, ok: marks.has(h) ? false : h.ok }));
  }

  protected connectionPath(c: Connection, marks: ReadonlySet<Hop> = new Set()): PathLine[] {
    const lines: PathLine[] = [];
    c.segments.forEach((s, i) => {
      if (c.segments.length > 1)
        lines.push({
          text: `connection ${i + 1} of ${c.segments.length}: ${s.origin.host?.label ?? s.origin.subnet.label} -> ${addressText(s.destination)}`,
        });
      lines.push(...this.tracePath(s.forward, "", marks));
      const reply = s.replies.find((r) => r.hops.some((h) => marks.has(h))) ?? s.replies[0];
      if (reply) {
        lines.push({ text: "replies:" });
        lines.push(...this.tracePath(reply, "  ", marks));
      }
    });
    return lines;
  }

  protected origins(subnet: Subnet, family: Family, withHosts: boolean): Origin[] {
    const prefix = family === 6 ? subnet.ipv6 : subnet.ipv4;
    const addresses: Address[] = prefix ? this.ctx.addressesIn(prefix) : [this.ctx.addressOf(subnet, family)];
    if (!withHosts) return addresses.map((address) => ({ subnet, address }));
    const hosts = this.ctx.hostsIn(subnet);
    // One origin per distinct set of security groups: hosts with the same groups behave alike.
    const distinct: (Host | undefined)[] = [];
    const seen = new Set<string>();
    for (const h of hosts) {
      const sig = h.securityGroups
        .map((g) => g.id)
        .sort()
        .join(",");
      if (!seen.has(sig)) {
        seen.add(sig);
        distinct.push(h);
      }
    }
    if (distinct.length === 0) distinct.push(undefined);
    return addresses.flatMap((address) => distinct.map((host) => ({ subnet, address, host })));
  }

  protected inspected(c: Connection): boolean {
    return c.segments.some((s) => s.forward.inspected.some((e) => e.inspects) || s.forward.end.kind === "proxy");
  }

  /** The hop where a connection leaves the VPC (or reaches a NAT gateway): the one to blame when it should not. */
  protected exitHops(c: Connection): ReadonlySet<Hop> {
    const seg =
      c.segments.find((s) => s.forward.end.kind === "gateway" && s.forward.end.gateway.kind === "NAT gateway") ??
      c.segments[c.segments.length - 1];
    return new Set(seg.forward.hops.filter((h) => h.kind === "route").slice(-1));
  }

  /** Hops of a connection the verifier cannot see through (both directions, every segment). */
  protected unseen(c: Connection): string[] {
    return [...new Set(c.segments.flatMap((s) => [...s.forward.unseen, ...s.replies.flatMap((r) => r.unseen)]))];
  }

  /** The same, for the requests only. */
  protected unseenForward(c: Connection): string[] {
    return [...new Set(c.segments.flatMap((s) => s.forward.unseen))];
  }

  protected stateful(t: Trace): InspectionEndpoint[] {
    return t.inspected.filter((e) => e.kind === "firewall endpoint" || e.inspects);
  }

  /** A guarantee judged subnet by subnet on its settings alone: a subject per subnet, a finding per violation. */
  protected perSubnet(id: string, title: string, judge: (s: Subnet) => { verdict: Verdict; detail: string }): Result {
    const subjects: SubjectResult[] = this.ctx.model.subnets.map((s) => ({ subject: this.label(s), ...judge(s) }));
    const findings: Finding[] = subjects
      .filter((s) => s.verdict === "VIOLATED")
      .map((s) => ({ verdict: "VIOLATED", subject: s.subject, message: s.detail }));
    return result(id, "invariant", title, subjects, findings);
  }

  /** Every packet the internet can send into the VPCs: one walk per entry gateway, internet class and subnet class. */
  private inboundTraces(): { gateway: Gateway; trace: Trace }[] {
    if (this.shared.inbound) return this.shared.inbound;
    const out: { gateway: Gateway; trace: Trace }[] = [];
    const entries = this.ctx.model.gateways.filter((g) => g.kind === "internet gateway" || g.kind === "carrier gateway");
    for (const gw of entries) {
      for (const subnet of this.ctx.model.subnets.filter((s) => gw.vpc === undefined || s.vpc === gw.vpc)) {
        for (const family of [6, 4] as const) {
          const prefix = family === 6 ? subnet.ipv6 : subnet.ipv4;
          if (!prefix) continue;
          // A carrier gateway carries IPv4 only (the provider refuses an IPv6 destination for carrier_gateway_id:
          // internal/service/ec2/vpc_route.go; VPC user guide, "Carrier gateways").
          if (family === 6 && gw.kind === "carrier gateway") continue;
          for (const src of this.ctx.internet(family)) {
            for (const dst of this.ctx.addressesIn(prefix)) {
              const pkt = { family, src, dst, protocol: TCP, ports: [PROBE_PORT, PROBE_PORT] as Range, reply: false };
              for (const trace of this.walker.enter(pkt, gw)) out.push({ gateway: gw, trace });
            }
          }
        }
      }
    }
    this.shared.inbound = out;
    return out;
  }

  /**
   * Can the internet reach this subnet by routing, and through what? Reaching it means being delivered there, or
   * being taken by a proxy there (a route may hand traffic addressed elsewhere to a proxy's interface).
   */
  protected routeExposure(target: Subnet): Exposure {
    const cached = this.shared.exposures.get(target);
    if (cached) return cached;
    const subject = this.label(target);
    const entries = this.ctx.model.gateways.filter(
      (g) => (g.kind === "internet gateway" || g.kind === "carrier gateway") && (g.vpc === target.vpc || g.vpc === undefined),
    );
    let out: Exposure = {
      subject,
      verdict: "HOLDS",
      detail: "no gateway lets connections in: the VPC has no internet gateway (an egress-only internet gateway passes replies only)",
    };
    const unseenEntries = target.vpc.unseenEntries;
    if (entries.length > 0 || unseenEntries.length > 0) {
      const verdicts: Exposure[] = [];
      for (const { gateway: gw, trace: t } of this.inboundTraces()) {
        // A hop the verifier cannot resolve (an interface or gateway the configuration does not describe) may hand
        // the connection to any address: it reaches every subnet of the VPC as far as anything can tell.
        if (t.end.kind === "unresolved" && (gw.vpc === undefined || gw.vpc === target.vpc)) {
          const by = t.hops.filter((h) => h.kind === "route").slice(-1)[0];
          verdicts.push({
            subject,
            verdict: "UNKNOWN",
            detail: `${gw.kind} ${gw.label} hands connections from the internet to ${t.end.description}, which the verifier cannot follow${by ? ` (${by.text})` : ""}`,
            path: this.tracePath(t, "", new Set(by ? [by] : [])),
          });
          continue;
        }
        const reached = (t.end.kind === "delivered" && t.end.subnet === target) || (t.end.kind === "proxy" && t.end.host.subnet === target);
        if (!reached) continue;
        const guards = this.stateful(t);
        const path = this.tracePath(t, "", new Set(t.hops.filter((h) => h.kind === "route").slice(0, 1)));
        if (t.unseen.length > 0) {
          // Only a policy the verifier has read and whose default drops can make this "by policy".
          verdicts.push({
            subject,
            verdict: "UNKNOWN",
            detail: `${gw.kind} ${gw.label} delivers connections from the internet to ${subnetText(target)} unless a hop the verifier cannot see through drops them: ${t.unseen[0]}`,
            path,
          });
          continue;
        }
        if (guards.length === 0) {
          verdicts.push({
            subject,
            verdict: "VIOLATED",
            detail: `${gw.kind} ${gw.label} delivers connections from the internet straight to ${subnetText(target)}, with no inspection point on the way`,
            path,
          });
          continue;
        }
        const weak = guards.filter((e) => e.firewall && (!e.firewall.policy.defaultDrop || !e.firewall.policy.forwardsAll));
        if (weak.length > 0) {
          verdicts.push({
            subject,
            verdict: "VIOLATED",
            detail: `${gw.kind} ${gw.label} reaches ${subnetText(target)} through ${weak[0].label}, which passes what no rule drops: ${weak[0].firewall!.policy.problems.join("; ")}`,
            path,
          });
          continue;
        }
        const ep = guards[0];
        verdicts.push({
          subject,
          verdict: "HOLDS BY POLICY",
          detail: `${gw.kind} ${gw.label} reaches ${subnetText(target)} only through ${ep.label}${ep.firewall ? `, whose stateful default action (${ep.firewall.policy.statefulDefault}) drops flows no rule passes` : " (the appliance's policy is not visible to the verifier)"}; inbound is refused by rules, not by the gateway`,
          path,
        });
      }
      for (const e of unseenEntries) {
        verdicts.push({ subject, verdict: "UNKNOWN", detail: `traffic may enter the VPC from a network the verifier cannot see: ${e}` });
      }
      if (verdicts.length === 0)
        out = { subject, verdict: "HOLDS", detail: `internet gateway routing reaches no address in ${subnetText(target)}` };
      else out = verdicts.find((v) => v.verdict === "VIOLATED") ?? verdicts.find((v) => v.verdict === "UNKNOWN") ?? verdicts[0];
    }
    this.shared.exposures.set(target, out);
    return out;
  }
}
