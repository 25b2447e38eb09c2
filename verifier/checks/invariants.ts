/**
 * The project's guarantees, checked per workload subnet on the model:
 * R1 only IPv6 leaves, R2 nothing comes in, R3 everything is inspected (both ways, same AZ), L1 the allowlisted
 * ports work end to end, plus DNS64 off and no subnet on the main route table.
 */
import { Prefix, addressText, type Address, type Family } from "../model/prefix";
import {
  ICMPV4_ERRORS,
  ICMPV6_ERRORS,
  icmpErrorsOnly,
  naclEvaluate,
  naclRuleText,
  protocolName,
  rangeText,
  sgRuleText,
  type Range,
} from "../model/filters";
import { INTERNET_GATEWAYS, UNSEEN_NETWORKS, type Gateway, type Host, type InspectionEndpoint, type Subnet } from "../model/types";
import type { Context } from "../analysis/context";
import { Connections, replyArrives, type Connection, type Origin } from "../analysis/flows";
import { TCP, Walker, subnetText, type Hop, type Trace } from "../analysis/walk";
import { result, worst, type Finding, type PathLine, type Result, type SubjectResult, type Verdict } from "../report/types";
import { ROLE_PROXY } from "../tags";

/** The port an attacker's connection attempt uses in counterexamples: a service port inside the range a stateless ACL must admit for replies. */
const PROBE_PORT = 8080;
/** A protocol number standing for "any protocol other than TCP, UDP and ICMP" (47, GRE). */
const OTHER_PROTOCOL = 47;
const ICMPV6 = 58;
/** ICMPv6 Packet Too Big (RFC 4443 §3.2): what Path MTU discovery listens for (RFC 8201). */
const ICMPV6_PACKET_TOO_BIG = 2;
const UDP = 17;

export interface IntentPorts {
  readonly ports: number[];
  /** When no single port is named: a rule that admits TCP toward the internet on a range, if any (so things can leave). */
  readonly anyTcpOut?: string;
  /** Where each port came from, for the report. */
  readonly source: string;
}

export class InvariantChecks {
  private readonly walker: Walker;
  private readonly connections: Connections;
  private readonly exposureCache = new Map<Subnet, SubjectResult & { path?: PathLine[] }>();
  private inbound?: { gateway: Gateway; trace: Trace }[];

  constructor(private readonly ctx: Context) {
    this.walker = new Walker(ctx);
    this.connections = new Connections(ctx, this.walker);
  }

  run(intent: IntentPorts): Result[] {
    const workloads = this.ctx.workloadSubnets();
    return [this.r1(workloads), this.r2(workloads), this.r3(workloads), this.l1(workloads, intent), this.dns64(), this.mainRouteTable()];
  }

  // ---------------------------------------------------------------- helpers

  private label(s: Subnet): string {
    return `${s.label}${s.az ? ` (${s.az})` : ""}`;
  }

  /** A trace as path lines; `marks` are hops that break the guarantee without being a refused filter. */
  private tracePath(t: Trace, indent = "", marks: ReadonlySet<Hop> = new Set()): PathLine[] {
    return t.hops.map((h) => ({ text: `${indent}${h.text}`, ok: marks.has(h) ? false : h.ok }));
  }

  private connectionPath(c: Connection, marks: ReadonlySet<Hop> = new Set()): PathLine[] {
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

  private origins(subnet: Subnet, family: Family, withHosts: boolean): Origin[] {
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

  /** Does the connection leave the VPC for the internet (or for a network the verifier cannot see)? */
  private leaves(c: Connection): boolean {
    const end = c.segments[c.segments.length - 1].forward.end;
    return (
      (end.kind === "gateway" && end.gateway.kind !== "gateway VPC endpoint" && end.gateway.kind !== "NAT gateway") ||
      end.kind === "unresolved"
    );
  }

  private inspected(c: Connection): boolean {
    return c.segments.some((s) => s.forward.inspected.some((e) => e.inspects) || s.forward.end.kind === "proxy");
  }

  /** The hop where a connection leaves the VPC (or reaches a NAT gateway): the one to blame when it should not. */
  private exitHops(c: Connection): ReadonlySet<Hop> {
    const seg =
      c.segments.find((s) => s.forward.end.kind === "gateway" && s.forward.end.gateway.kind === "NAT gateway") ??
      c.segments[c.segments.length - 1];
    return new Set(seg.forward.hops.filter((h) => h.kind === "route").slice(-1));
  }

  /** Hops of a connection the verifier cannot see through (both directions, every segment). */
  private unseen(c: Connection): string[] {
    return [...new Set(c.segments.flatMap((s) => [...s.forward.unseen, ...s.replies.flatMap((r) => r.unseen)]))];
  }

  /** The same, for the requests only. */
  private unseenForward(c: Connection): string[] {
    return [...new Set(c.segments.flatMap((s) => s.forward.unseen))];
  }

  private stateful(t: Trace): InspectionEndpoint[] {
    return t.inspected.filter((e) => e.kind === "firewall endpoint" || e.inspects);
  }

  // ---------------------------------------------------------------- R1

  private r1(workloads: Subnet[]): Result {
    const subjects: SubjectResult[] = [];
    const findings: Finding[] = [];
    const ipv4Destinations = [...this.ctx.internet(4), this.ctx.nat64()];
    for (const w of workloads) {
      const problems: Finding[] = [];
      const unknowns: Finding[] = [];
      const subject = this.label(w);
      // IPv4 destinations from the subnet's IPv4 addresses; NAT64 (an IPv6 address standing for an IPv4 one) from its
      // IPv6 addresses: each example packet keeps one address family.
      for (const family of [4, 6] as const) {
        const destinations = ipv4Destinations.filter((d) => d.family === family);
        const reaching = this.origins(w, family, false).flatMap((origin) =>
          destinations.flatMap((d) =>
            this.connections
              .open(origin, d, 443)
              .filter((x) => this.reachesIpv4Internet(x))
              .map((c) => ({ d, c })),
          ),
        );
        // A path through an appliance the verifier cannot see may be dropped there: not a violation, not a pass.
        const found = reaching.find((x) => this.unseenForward(x.c).length === 0);
        const maybe = reaching.find((x) => this.unseenForward(x.c).length > 0);
        if (!found && maybe) {
          unknowns.push({
            verdict: "UNKNOWN",
            subject,
            message: `an IPv4 path from ${subnetText(w)} toward ${addressText(maybe.d)}${maybe.d.family === 6 ? " (NAT64)" : ""} crosses a hop the verifier cannot see through: ${this.unseenForward(maybe.c)[0]}`,
            path: this.connectionPath(maybe.c),
          });
        }
        if (found) {
          const end = found.c!.segments[found.c!.segments.length - 1].forward.end;
          const message =
            end.kind === "unresolved"
              ? `a path leads from ${subnetText(w)} toward ${addressText(found.d)}${found.d.family === 6 ? " (NAT64)" : ""} into ${end.description}, which the configuration does not describe: it may reach the IPv4 internet`
              : `an IPv4 path leads from ${subnetText(w)} to ${addressText(found.d)}${found.d.family === 6 ? " (NAT64)" : ""}`;
          problems.push({ verdict: "VIOLATED", subject, message, path: this.connectionPath(found.c!, this.exitHops(found.c!)) });
        }
      }
      for (const proxy of this.ctx.proxies().filter((p) => p.subnet?.vpc === w.vpc)) {
        for (const d of ipv4Destinations) {
          const origin: Origin = { subnet: proxy.subnet!, host: proxy, address: this.ctx.addressOf(proxy.subnet!, d.family) };
          const c = this.connections.open(origin, d, 443).find((x) => this.reachesIpv4Internet(x));
          if (c) {
            problems.push({
              verdict: "VIOLATED",
              subject,
              message: `proxy ${proxy.label}, which serves this subnet, can open IPv4 connections to ${addressText(d)}${d.family === 6 ? " (NAT64)" : ""}`,
              path: this.connectionPath(c, this.exitHops(c)),
            });
            break;
          }
        }
      }
      if (w.settings.mapPublicIpOnLaunch)
        problems.push({
          verdict: "VIOLATED",
          subject,
          message: `${w.origin}: map_public_ip_on_launch = true gives every instance a public IPv4 address`,
        });
      if (w.settings.mapCustomerOwnedIpOnLaunch)
        problems.push({
          verdict: "VIOLATED",
          subject,
          message: `${w.origin}: map_customer_owned_ip_on_launch = true gives instances a customer-owned public address`,
        });
      for (const h of this.ctx.hostsIn(w)) {
        if (h.publicIpv4) problems.push({ verdict: "VIOLATED", subject, message: `${h.origin}: a public IPv4 address (${h.publicIpv4})` });
        // One IPv6 address per workload: further addresses or a delegated prefix are addresses nothing here accounts for.
        if (h.extraIpv6)
          problems.push({
            verdict: "VIOLATED",
            subject,
            message: `${h.origin}: more than one IPv6 address (${h.extraIpv6}); a workload gets exactly one`,
          });
      }
      const exposure = this.routeExposure(w);
      if (exposure.verdict === "VIOLATED") {
        problems.push({ verdict: "VIOLATED", subject, message: `its IPv6 addresses are public: ${exposure.detail}`, path: exposure.path });
      }
      if (exposure.verdict === "UNKNOWN")
        unknowns.push({
          verdict: "UNKNOWN",
          subject,
          message: `whether its IPv6 addresses can be reached from the internet: ${exposure.detail}`,
          path: exposure.path,
        });
      findings.push(...problems);
      if (problems.length > 0) subjects.push({ subject, verdict: "VIOLATED", detail: problems[0].message });
      else if (unknowns.length > 0) {
        findings.push(...unknowns);
        subjects.push({ subject, verdict: "UNKNOWN", detail: unknowns[0].message });
      } else if (exposure.verdict === "HOLDS BY POLICY") {
        // The addresses are reachable by routing (an internet gateway's edge route): they are public addresses that
        // rules refuse to serve, the same fact R2 reports as holding by policy.
        const message = `no IPv4 route to the internet and no public IPv4 address; its IPv6 addresses are routable from the internet and kept private by policy: ${exposure.detail}`;
        findings.push({ verdict: "HOLDS BY POLICY", subject, message, path: exposure.path });
        subjects.push({ subject, verdict: "HOLDS BY POLICY", detail: message });
      } else {
        subjects.push({
          subject,
          verdict: "HOLDS",
          detail:
            "no IPv4 route to the internet (directly, through a proxy, or by NAT64); no public IPv4 or IPv6 address; one IPv6 address per instance",
        });
      }
    }
    return result(
      "R1",
      "invariant",
      "only IPv6 leaves: no IPv4 path from a workload to the internet, no public IPv4 or IPv6 address",
      subjects,
      findings,
    );
  }

  private reachesIpv4Internet(c: Connection): boolean {
    // A public NAT gateway exists to put IPv4 traffic on the internet: reaching one is an IPv4 path, whether or
    // not its own subnet routes onward today (one route in another stack away).
    if (
      c.segments.some(
        (s) => s.forward.end.kind === "gateway" && s.forward.end.gateway.kind === "NAT gateway" && s.forward.end.gateway.publicNat,
      )
    )
      return true;
    const last = c.segments[c.segments.length - 1];
    const end = last.forward.end;
    if (end.kind === "unresolved") return true;
    if (end.kind !== "gateway" || end.gateway.kind === "gateway VPC endpoint") return false;
    // An egress-only internet gateway carries IPv6 only (VPC user guide, "Enable outbound IPv6 traffic using an
    // egress-only internet gateway"): IPv4 sent to it goes nowhere.
    if (end.gateway.kind === "egress-only internet gateway") return false;
    // An IPv6 NAT64 address leaving by an egress-only gateway is not translated: it goes nowhere.
    return last.destination.family === 4;
  }

  // ---------------------------------------------------------------- R2

  /** Every packet the internet can send into the VPCs: one walk per entry gateway, internet class and subnet class. */
  private inboundTraces(): { gateway: Gateway; trace: Trace }[] {
    if (this.inbound) return this.inbound;
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
    this.inbound = out;
    return out;
  }

  /**
   * Can the internet reach this subnet by routing, and through what? Reaching it means being delivered there, or
   * being taken by a proxy there (a route may hand traffic addressed elsewhere to a proxy's interface).
   */
  private routeExposure(target: Subnet): SubjectResult & { path?: PathLine[] } {
    const cached = this.exposureCache.get(target);
    if (cached) return cached;
    const subject = this.label(target);
    const entries = this.ctx.model.gateways.filter(
      (g) => (g.kind === "internet gateway" || g.kind === "carrier gateway") && (g.vpc === target.vpc || g.vpc === undefined),
    );
    let out: SubjectResult & { path?: PathLine[] } = {
      subject,
      verdict: "HOLDS",
      detail: "no gateway lets connections in: the VPC has no internet gateway (an egress-only internet gateway passes replies only)",
    };
    const unseenEntries = target.vpc.unseenEntries;
    if (entries.length > 0 || unseenEntries.length > 0) {
      const verdicts: (SubjectResult & { path?: PathLine[] })[] = [];
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
    this.exposureCache.set(target, out);
    return out;
  }

  /** Inbound from the internet that a network ACL admits beyond replies (TCP to ephemeral ports, ICMP errors). */
  private aclExposure(target: Subnet): string[] {
    const problems: string[] = [];
    for (const family of [6, 4] as const) {
      const icmp = family === 6 ? 58 : 1;
      const icmpErrors: readonly Range[] = family === 6 ? [ICMPV6_ERRORS] : ICMPV4_ERRORS;
      const probes: { protocol: number; ports: Range; permitted: readonly Range[] }[] = [
        { protocol: TCP, ports: [0, 65535], permitted: [[1024, 65535]] },
        { protocol: UDP, ports: [0, 65535], permitted: [] },
        { protocol: icmp, ports: [0, 255], permitted: icmpErrors },
        { protocol: OTHER_PROTOCOL, ports: [0, 65535], permitted: [] },
      ];
      for (const src of this.ctx.internet(family)) {
        for (const probe of probes) {
          const v = naclEvaluate(target.nacl, false, probe.protocol, src, probe.ports);
          for (const r of v.allowed) {
            const beyond = probe.permitted.reduce<Range[]>((left, p) => left.flatMap((x) => cut(x, p)), [r]);
            for (const b of beyond) {
              const rule = v.deciding.find((d) => d.allow && (d.protocol === "all" || (d.from <= b[0] && d.to >= b[1])));
              const what =
                probe.protocol === OTHER_PROTOCOL
                  ? "protocols other than TCP, UDP and ICMP"
                  : `${protocolName(probe.protocol)}${rangeText(probe.protocol, b)}`;
              problems.push(
                `network ACL ${target.nacl.label} admits ${what} from ${addressText(src)} into ${subnetText(target)}${rule ? ` (${naclRuleText(rule)}, ${rule.origin})` : ""}: new connections, not replies`,
              );
            }
          }
        }
      }
    }
    return [...new Set(problems)];
  }

  /** Security group rules on the subnet's instances that admit anything from the internet. */
  private sgExposure(target: Subnet): string[] {
    const problems: string[] = [];
    for (const h of this.ctx.hostsIn(target)) {
      for (const g of h.securityGroups) {
        for (const r of g.rules) {
          // ICMP errors (Packet Too Big for Path MTU discovery) answer traffic sent; they open nothing.
          if (r.egress || icmpErrorsOnly(r)) continue;
          if (r.peer.kind === "cidr" && this.ctx.reachesInternet(r.peer.prefix)) {
            problems.push(
              `security group ${g.label} of ${h.label} admits ${sgRuleText(r)} (${r.origin}${r.origin.startsWith(g.origin) ? "" : `, a rule of ${g.origin}`})`,
            );
          } else if (r.peer.kind === "prefix list") {
            problems.push(
              `security group ${g.label} of ${h.label} admits ${sgRuleText(r)} (${r.origin}); the verifier cannot show the prefix list holds no internet address`,
            );
          }
        }
      }
    }
    return [...new Set(problems)];
  }

  private r2(workloads: Subnet[]): Result {
    const targets = [...workloads, ...this.ctx.proxySubnets().filter((p) => !workloads.includes(p))];
    const subjects: SubjectResult[] = [];
    const findings: Finding[] = [];
    for (const t of targets) {
      const subject = `${this.label(t)}${workloads.includes(t) ? "" : " [proxies]"}`;
      const route = this.routeExposure(t);
      const layerProblems: Finding[] = [];
      if (route.verdict === "VIOLATED")
        layerProblems.push({ verdict: "VIOLATED", subject, message: `gateway and routes: ${route.detail}`, path: route.path });
      for (const m of this.aclExposure(t)) layerProblems.push({ verdict: "VIOLATED", subject, message: `network ACL: ${m}` });
      for (const m of this.sgExposure(t)) layerProblems.push({ verdict: "VIOLATED", subject, message: `security group: ${m}` });
      for (const h of this.ctx.hostsIn(t)) {
        if (h.publicIpv4)
          layerProblems.push({
            verdict: "VIOLATED",
            subject,
            message: `public address: ${h.origin} gets a public IPv4 address (${h.publicIpv4})`,
          });
      }
      if (t.settings.mapPublicIpOnLaunch)
        layerProblems.push({ verdict: "VIOLATED", subject, message: `public address: ${t.origin} maps a public IPv4 address on launch` });
      findings.push(...layerProblems);
      if (layerProblems.length > 0) {
        subjects.push({ subject, verdict: "VIOLATED", detail: layerProblems[0].message });
      } else if (route.verdict === "UNKNOWN") {
        findings.push({ verdict: "UNKNOWN", subject, message: `gateway and routes: ${route.detail}`, path: route.path });
        subjects.push({ subject, verdict: "UNKNOWN", detail: `gateway and routes: ${route.detail}` });
      } else {
        if (route.verdict === "HOLDS BY POLICY")
          findings.push({ verdict: "HOLDS BY POLICY", subject, message: route.detail, path: route.path });
        subjects.push({
          subject,
          verdict: route.verdict,
          detail:
            route.verdict === "HOLDS BY POLICY"
              ? `by policy: ${route.detail}; network ACLs admit from the internet only replies (TCP 1024-65535, ICMP errors); no security group admits the internet`
              : `by construction: ${route.detail}; and network ACLs admit from the internet only replies (TCP 1024-65535, ICMP errors); no security group admits the internet`,
        });
      }
    }
    const notes = [
      "Every layer must refuse on its own: the gateway and routes, the network ACL (which, being stateless, may admit only replies), and every security group.",
    ];
    const exposedElsewhere = this.ctx.model.subnets
      .filter((s) => !targets.includes(s) && this.routeExposure(s).verdict === "VIOLATED")
      .map((s) => s.label);
    if (exposedElsewhere.length > 0) {
      notes.push(
        `Reachable from the internet by routing, but holding no workload or proxy, so outside R2: ${exposedElsewhere.join(", ")}. ` +
          "Anything launched there is protected only by its security group and network ACL.",
      );
    }
    return result(
      "R2",
      "invariant",
      "nothing comes in: no connection initiated from the internet reaches a workload or a proxy",
      subjects,
      findings,
      notes,
    );
  }

  // ---------------------------------------------------------------- R3

  private r3(workloads: Subnet[]): Result {
    const subjects: SubjectResult[] = [];
    const findings: Finding[] = [];
    // NAT64 addresses are R1's concern: through an egress-only gateway they reach nothing.
    const destinations = [...this.ctx.internet(6), ...this.ctx.internet(4), this.ctx.nat64(), ...this.beyondVpc()];
    for (const w of workloads) {
      const subject = this.label(w);
      const problems: Finding[] = [];
      const add = (message: string, c: Connection, marks: ReadonlySet<Hop>) => {
        if (!problems.some((p) => p.message === message))
          problems.push({ verdict: "VIOLATED", subject, message, path: this.connectionPath(c, marks) });
      };
      const unknowns: Finding[] = [];
      const unknown = (about: string, c: Connection) => {
        const message = `${about} crosses a hop the verifier cannot see through: ${this.unseen(c)[0]}`;
        if (!unknowns.some((p) => p.message === message))
          unknowns.push({ verdict: "UNKNOWN", subject, message, path: this.connectionPath(c) });
      };
      let leaving = 0;
      for (const d of destinations) {
        for (const origin of this.origins(w, d.family, false)) {
          for (const c of this.connections.open(origin, d, 443)) {
            if (!this.leaves(c)) continue;
            leaving++;
            // Leaving the VPC uninspected is decided by the requests alone; what comes back through a network the
            // verifier cannot see does not change it.
            if (!this.inspected(c) && this.unseenForward(c).length === 0) {
              const passed = c.segments.flatMap((s) => s.forward.inspected).filter((e) => !e.inspects);
              const why =
                passed.length > 0
                  ? ` (${passed[0].label} does not inspect: ${passed[0].firewall?.policy.problems.join("; ") ?? "its firewall is not in the configuration"})`
                  : "";
              add(
                `a connection to ${addressText(d)}${nat64Text(d, this.ctx)} leaves ${subnetText(w)} without crossing an inspection point${why}`,
                c,
                this.exitHops(c),
              );
              continue;
            }
            if (this.unseen(c).length > 0) {
              unknown(`a connection to ${addressText(d)}${nat64Text(d, this.ctx)}`, c);
              continue;
            }
            this.checkSymmetryAndZone(w, c, add);
          }
        }
      }
      // Connections addressed to a proxy (explicit proxy settings), in any AZ: one the workload can reach in another
      // AZ is a cross-AZ path (and may skip the firewall), so every proxy is tried, not just the workload's own.
      // A connection counts when every filter on the way to the proxy lets it through.
      for (const proxy of this.ctx.proxies().filter((p) => p.subnet && p.subnet.vpc === w.vpc)) {
        for (const port of this.proxyPorts(w, proxy)) {
          for (const origin of this.origins(w, 6, true)) {
            for (const c of this.connections.open(origin, this.ctx.addressOf(proxy.subnet!, 6), port, proxy)) {
              const first = c.segments[0].forward;
              if (first.end.kind !== "proxy" || first.blocked.length > 0) continue;
              if (this.unseen(c).length > 0) unknown(`connections addressed to proxy ${proxy.label} (tcp ${port})`, c);
              else this.checkSymmetryAndZone(w, c, add, `connections addressed to proxy ${proxy.label} (tcp ${port})`);
            }
          }
        }
      }
      findings.push(...problems);
      if (problems.length === 0) findings.push(...unknowns);
      subjects.push({
        subject,
        verdict: problems.length > 0 ? "VIOLATED" : unknowns.length > 0 ? "UNKNOWN" : "HOLDS",
        detail:
          problems.length > 0
            ? problems[0].message
            : unknowns.length > 0
              ? unknowns[0].message
              : leaving > 0
                ? `every path to the internet crosses an inspection point in ${w.az ?? "its AZ"}, requests and replies alike`
                : "no path leads to the internet (nothing leaves uninspected; L1 tells whether anything leaves at all)",
      });
    }
    return result(
      "R3",
      "invariant",
      "everything is inspected: every outbound path crosses an inspection point, in both directions, in its own AZ",
      subjects,
      findings,
    );
  }

  /**
   * Addresses outside the VPC that are not internet but that a route sends out of it: private prefixes behind a
   * transit gateway, peering connection, VPN, core network, local gateway or a target the configuration does not
   * describe. Leaving the VPC for them uninspected breaks R3 as much as leaving for the internet does.
   */
  private beyondVpc(): Address[] {
    const out: Address[] = [];
    for (const rt of this.ctx.model.routeTables) {
      for (const r of rt.routes) {
        if (!(r.destination instanceof Prefix)) continue;
        const t = r.target;
        const ownVpc = rt.vpc;
        const outward =
          t.kind === "unresolved" ||
          (t.kind === "gateway" &&
            !INTERNET_GATEWAYS.has(t.gateway.kind) &&
            t.gateway.kind !== "NAT gateway" &&
            t.gateway.kind !== "gateway VPC endpoint");
        if (!outward) continue;
        for (const a of this.ctx.addressesIn(r.destination)) {
          // Outside this table's own VPC (another VPC of the input, behind peering, counts), and not internet (tried anyway).
          const inOwn = (a.family === 6 ? ownVpc.ipv6 : ownVpc.ipv4).some((p) => p.containsAddress(a.family, a.value));
          if (!inOwn && !this.ctx.isInternet(a) && !out.some((o) => o.family === a.family && o.value === a.value)) out.push(a);
        }
      }
    }
    return out;
  }

  /**
   * The TCP ports worth trying on connections from `w` addressed to `proxy`: every port where a security group or
   * network ACL rule on the way starts or ends (plus 443), so each class of ports the filters tell apart is tried.
   */
  private proxyPorts(w: Subnet, proxy: Host): number[] {
    const ports = new Set<number>([443]);
    const addRule = (r: { protocol: number | "all"; from: number; to: number }) => {
      if (r.protocol === TCP) for (const p of [r.from, r.to]) if (p > 0) ports.add(p);
    };
    for (const h of [...this.ctx.hostsIn(w), proxy]) for (const g of h.securityGroups) g.rules.forEach(addRule);
    for (const n of [w.nacl, proxy.subnet!.nacl]) n.rules.forEach(addRule);
    return [...ports].sort((a, b) => a - b);
  }

  private checkSymmetryAndZone(
    w: Subnet,
    c: Connection,
    add: (m: string, c: Connection, marks: ReadonlySet<Hop>) => void,
    what?: string,
  ): void {
    const about = what ?? `a connection to ${addressText(c.segments[c.segments.length - 1].destination)}`;
    /** The first hop that mentions a place: where the path enters it. */
    const hopAt = (label: string) =>
      new Set(
        [...c.segments.flatMap((s) => [...s.forward.hops, ...s.replies.flatMap((r) => r.hops)])]
          .filter((h) => h.text.includes(label))
          .slice(0, 1),
      );
    for (const s of c.segments) {
      const places = [...s.forward.places, ...s.replies.flatMap((r) => r.places)];
      const away = places.find((p) => p.az !== undefined && w.az !== undefined && p.az !== w.az);
      if (away) add(`${about} crosses ${away.label} in ${away.az}, outside ${w.az}`, c, hopAt(away.label));
      const unknown = places.find((p) => p.az === undefined);
      if (unknown && w.az !== undefined)
        add(`${about} crosses ${unknown.label}, whose AZ the configuration does not fix`, c, hopAt(unknown.label));
      const forward = this.stateful(s.forward).map((e) => e.key);
      for (const r of s.replies) {
        const back = this.stateful(r)
          .map((e) => e.key)
          .reverse();
        if (forward.join(" ") !== back.join(" ")) {
          const names = (keys: string[], t: Trace) => keys.map((k) => t.inspected.find((e) => e.key === k)!.label).join(", ") || "none";
          // The reply's last routing decision is where it goes its own way.
          const decision = r.hops.filter((h) => h.kind === "route").slice(-1);
          add(
            `${about} is asymmetric: the request crosses ${names(forward, s.forward)} but the reply crosses ${names(
              this.stateful(r).map((e) => e.key),
              r,
            )}` + ` (stateful inspection needs both directions through the same endpoint)`,
            c,
            new Set(decision),
          );
        }
      }
    }
  }

  // ---------------------------------------------------------------- L1

  private l1(workloads: Subnet[], intent: IntentPorts): Result {
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

  // ---------------------------------------------------------------- DNS64, main route table

  private dns64(): Result {
    const subjects: SubjectResult[] = this.ctx.model.subnets.map((s) => ({
      subject: this.label(s),
      verdict: s.settings.enableDns64 ? "VIOLATED" : "HOLDS",
      detail: s.settings.enableDns64 ? `${s.origin}: enable_dns64 = true (DNS64 answers need NAT64 and an IPv4 path)` : "enable_dns64 off",
    }));
    const findings: Finding[] = subjects
      .filter((s) => s.verdict === "VIOLATED")
      .map((s) => ({ verdict: "VIOLATED", subject: s.subject, message: s.detail }));
    return result("DNS64", "invariant", "DNS64 is off in every subnet", subjects, findings);
  }

  private mainRouteTable(): Result {
    const subjects: SubjectResult[] = this.ctx.model.subnets.map((s) => {
      let verdict: Verdict = "HOLDS";
      let detail = `associated with route table ${s.routeTable.label}`;
      if (s.associations.length === 0) {
        verdict = "VIOLATED";
        detail = `${s.origin}: no route table association, so it uses the main route table ${s.routeTable.label}`;
      } else if (s.associations.length > 1) {
        verdict = "VIOLATED";
        detail = `${s.origin}: associated ${s.associations.length} times (${s.associations.join(", ")}); a subnet has exactly one route table`;
      } else if (s.routeTable.isMain) {
        verdict = "VIOLATED";
        detail = `${s.origin}: associated with ${s.routeTable.label}, which is the VPC's main route table`;
      }
      return { subject: this.label(s), verdict, detail };
    });
    const findings: Finding[] = subjects
      .filter((s) => s.verdict === "VIOLATED")
      .map((s) => ({ verdict: "VIOLATED", subject: s.subject, message: s.detail }));
    return result("MAIN-RT", "invariant", "no subnet is left on the main route table", subjects, findings);
  }
}

/** " (NAT64)" after the NAT64 representative. */
function nat64Text(a: Address, ctx: Context): string {
  return a.family === 6 && a.value === ctx.nat64().value ? " (NAT64)" : "";
}

function cut(r: Range, p: Range): Range[] {
  if (p[1] < r[0] || p[0] > r[1]) return [r];
  const out: Range[] = [];
  if (r[0] < p[0]) out.push([r[0], p[0] - 1]);
  if (p[1] < r[1]) out.push([p[1] + 1, r[1]]);
  return out;
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

export { worst };
