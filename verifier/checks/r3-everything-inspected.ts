/**
 * R3, everything is inspected: every path out of a workload subnet (to the internet, or beyond the VPC) crosses an
 * inspection point, requests and replies through the same stateful endpoint, all in the workload's own AZ.
 */
import { Prefix, addressText, type Address } from "../model/prefix";
import { INTERNET_GATEWAYS, type Host, type Subnet } from "../model/types";
import type { Context } from "../analysis/context";
import type { Connection } from "../analysis/flows";
import { TCP, subnetText, type Hop, type Trace } from "../analysis/walk";
import { result, type Finding, type Result, type SubjectResult } from "../report/types";
import { Guarantee } from "./base";

export class EverythingInspected extends Guarantee {
  check(workloads: Subnet[]): Result {
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

  /** Does the connection leave the VPC for the internet (or for a network the verifier cannot see)? */
  private leaves(c: Connection): boolean {
    const end = c.segments[c.segments.length - 1].forward.end;
    return (
      (end.kind === "gateway" && end.gateway.kind !== "gateway VPC endpoint" && end.gateway.kind !== "NAT gateway") ||
      end.kind === "unresolved"
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
}

/** " (NAT64)" after the NAT64 representative. */
function nat64Text(a: Address, ctx: Context): string {
  return a.family === 6 && a.value === ctx.nat64().value ? " (NAT64)" : "";
}
