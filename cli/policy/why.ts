/**
 * `policy why <host | host:port | URL>`: whether the environment's egress policy lets a destination out, at each
 * inspection point of its mode, and which allowlist entry decides it. Offline: from the config alone.
 *
 * Matching, as each point applies the one allowlist (config/domains.ts normal form):
 * - Squid `dstdomain`: `example.com` matches that host only; `.example.com` matches example.com and every subdomain.
 * - Network Firewall domain list (TLS SNI, HTTP Host): the same; a leading dot is the domain and its subdomains
 *   (AWS::NetworkFirewall::RuleGroup RulesSourceList, "Targets").
 * - Route 53 Resolver DNS Firewall: the list modules/observability/dns-firewall.ts writes, where `.example.com`
 *   became `example.com` plus `*.example.com` (the subdomains), and the names the VPC itself needs are added.
 * Ports: Squid refuses a port outside `egress.ports` (`http_access deny !egress_ports`), Network Firewall's baseline
 * drops TCP outside them; DNS has no port.
 */
import { normalizeDomain } from "../../config/domains";
import { modeProfile } from "../../config/modes";
import type { Egress6Config } from "../../config/schema";
import { UserError } from "../../lib/errors";
import { dnsFirewallDomains } from "../../modules/observability/dns-firewall";
import { dnsFirewallAlsoAllowed } from "../../stacks/observability-stack";

/** A destination as the user gave it: the host (normalised) and the port, if one was given or the URL's scheme implies it. */
export interface Destination {
  readonly host: string;
  readonly port?: number;
}

const SCHEME_PORTS: Readonly<Record<string, number>> = { "http:": 80, "https:": 443 };

/** Reads `example.com`, `example.com:8443` or `https://example.com/path`; throws UserError (one line) on anything else. */
export function parseDestination(raw: string): Destination {
  const bad = (why: string) => new UserError([`${JSON.stringify(raw)}: ${why}`]);
  let host = raw;
  let port: number | undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw bad("is not a valid URL; expected a host name such as example.com, example.com:443 or https://example.com/");
    }
    const implied = SCHEME_PORTS[url.protocol];
    if (url.port === "" && implied === undefined) throw bad(`a ${url.protocol}// URL names no port; write host:port`);
    host = url.hostname;
    port = url.port === "" ? implied : Number(url.port);
  } else {
    const m = /^(\[[^\]]*\]|[^:]*):(\d{1,5})$/.exec(raw);
    if (m) {
      host = m[1];
      port = Number(m[2]);
    }
  }
  if (port !== undefined && (port < 1 || port > 65535)) throw bad(`port ${port} is outside 1-65535`);
  if (host.startsWith(".") || host.startsWith("*."))
    throw bad("is an allowlist entry (leading '.' or '*.'); give a host name such as www.example.com");
  const normal = normalizeDomain(host);
  if (!normal.ok) throw bad(normal.reason);
  return { host: normal.domain, ...(port !== undefined ? { port } : {}) };
}

/** The entry of a Squid / Network Firewall domain list that matches `host`, preferring an exact entry. */
export function dotListMatch(entries: readonly string[], host: string): string | undefined {
  return entries.find((e) => e === host) ?? entries.find((e) => e.startsWith(".") && (host === e.slice(1) || host.endsWith(e)));
}

/** The entry of a DNS Firewall domain list (`x`, `*.x`) that matches `host`, preferring an exact entry. */
export function dnsListMatch(entries: readonly string[], host: string): string | undefined {
  return entries.find((e) => e === host) ?? entries.find((e) => e.startsWith("*.") && host.endsWith(e.slice(1)));
}

export interface PointVerdict {
  /** The inspection point, in words. */
  readonly point: string;
  readonly allowed: boolean;
  /** What decided: the matching entry, or why nothing matched. */
  readonly because: string;
}

export interface WhyResult {
  readonly destination: Destination;
  readonly allowed: boolean;
  readonly points: readonly PointVerdict[];
}

const describeEntry = (e: string) =>
  e.startsWith(".")
    ? `${e} (wildcard: ${e.slice(1)} and its subdomains)`
    : e.startsWith("*.")
      ? `${e} (subdomains of ${e.slice(2)})`
      : `${e} (exact)`;

/** Judges `destination` at every inspection point of the config's mode. */
export function why(config: Egress6Config, destination: Destination): WhyResult {
  const profile = modeProfile(config.inspection.mode);
  const domains = config.egress.domains;
  const ports = config.egress.ports;
  const points: PointVerdict[] = [];
  const byDomainList = (point: string) => {
    const entry = dotListMatch(domains, destination.host);
    points.push({
      point,
      allowed: entry !== undefined,
      because: entry !== undefined ? `egress.domains entry ${describeEntry(entry)}` : "no egress.domains entry matches",
    });
  };
  if (profile.proxies) byDomainList("squid (proxy tier, dstdomain / TLS SNI)");
  if (profile.firewall) byDomainList("network firewall (domain list on TLS SNI and HTTP Host)");
  if (config.observability.dnsFirewall.enabled) {
    const listed = dnsFirewallDomains(domains);
    const entry = dnsListMatch(listed, destination.host);
    const internal = entry === undefined ? dnsListMatch(dnsFirewallAlsoAllowed(config), destination.host) : undefined;
    points.push({
      point: "dns firewall (Route 53 Resolver)",
      allowed: entry !== undefined || internal !== undefined,
      because:
        entry !== undefined
          ? `domain list entry ${describeEntry(entry)}`
          : internal !== undefined
            ? `${internal}, a name the VPC itself needs (not egress.domains)`
            : "no domain list entry matches: the query gets NXDOMAIN",
    });
  }
  if (destination.port !== undefined) {
    const open = ports.includes(destination.port);
    points.push({
      point: `port ${destination.port}`,
      allowed: open,
      because: open ? "in egress.ports" : `not in egress.ports (${ports.join(", ")})`,
    });
  }
  return { destination, allowed: points.every((p) => p.allowed), points };
}

/** The report `policy why` prints. */
export function formatWhy(result: WhyResult): string {
  const { host, port } = result.destination;
  const lines = [`${host}${port !== undefined ? ` port ${port}` : ""}: ${result.allowed ? "allowed" : "refused"}`];
  for (const p of result.points) lines.push(`  ${p.point}: ${p.allowed ? "allowed" : "refused"}, ${p.because}`);
  return `${lines.join("\n")}\n`;
}
