/**
 * R1, only IPv6 leaves: no IPv4 path from a workload to the internet (directly, through a proxy, or by NAT64), no
 * public IPv4 address, and no IPv6 address the internet can reach.
 */
import { addressText } from "../model/prefix";
import type { Subnet } from "../model/types";
import type { Connection, Origin } from "../analysis/flows";
import { subnetText } from "../analysis/walk";
import { result, type Finding, type Result, type SubjectResult } from "../report/types";
import { Guarantee } from "./base";

export class OnlyIpv6Leaves extends Guarantee {
  check(workloads: Subnet[]): Result {
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
}
