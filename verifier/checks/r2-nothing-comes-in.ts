/**
 * R2, nothing comes in: no connection initiated from the internet reaches a workload or a proxy. Every layer must
 * refuse on its own: the gateway and routes, the network ACL (stateless, so it may admit only replies), and every
 * security group.
 */
import { addressText } from "../model/prefix";
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
import type { Subnet } from "../model/types";
import { TCP, subnetText } from "../analysis/walk";
import { result, type Finding, type Result, type SubjectResult } from "../report/types";
import { Guarantee } from "./base";

/** A protocol number standing for "any protocol other than TCP, UDP and ICMP" (47, GRE). */
const OTHER_PROTOCOL = 47;
const UDP = 17;

export class NothingComesIn extends Guarantee {
  check(workloads: Subnet[]): Result {
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
}

function cut(r: Range, p: Range): Range[] {
  if (p[1] < r[0] || p[0] > r[1]) return [r];
  const out: Range[] = [];
  if (r[0] < p[0]) out.push([r[0], p[0] - 1]);
  if (p[1] < r[1]) out.push([p[1] + 1, r[1]]);
  return out;
}
