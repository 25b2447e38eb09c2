/**
 * DNS check: every exact allowlisted name must have at least one AAAA record, because workloads reach the internet
 * over IPv6 only and there is no NAT64 (a name with A records only cannot be reached). Wildcards (`.example.com`)
 * cannot be listed, so they are reported as not checkable.
 *
 * Uses node:dns's Resolver (c-ares), which follows CNAME chains in the answer. The server is the system's unless
 * one is given (`--dns-server` or EGRESS6_DNS_SERVER, `host` or `host:port`, `[v6]:port`).
 */
import { Resolver } from "node:dns";
import { ok, problem, skipped, unchecked, type CheckResult } from "./result";

export interface DnsOptions {
  /** `host`, `host:port` or `[ipv6]:port`; undefined for the system's resolvers. */
  readonly server?: string;
  /** Per query, in milliseconds. */
  readonly timeoutMs?: number;
}

/** Error codes meaning the server did not answer (as opposed to answering "no such name" or "no AAAA"). */
const NO_ANSWER = new Set(["ETIMEOUT", "ECONNREFUSED", "ECANCELLED", "EDESTRUCTION", "ESERVFAIL", "EREFUSED", "ECONNRESET"]);

type Lookup = { name: string; addresses: string[] } | { name: string; code: string };

export async function checkDns(domains: readonly string[], options: DnsOptions = {}): Promise<CheckResult[]> {
  const exact = domains.filter((d) => !d.startsWith("."));
  const wildcards = domains.filter((d) => d.startsWith("."));
  const results: CheckResult[] = [];

  if (exact.length > 0) {
    const resolver = new Resolver({ timeout: options.timeoutMs ?? 3000, tries: 1 });
    if (options.server !== undefined) {
      try {
        resolver.setServers([options.server]);
      } catch (e) {
        // A malformed server is a usage error reported by the CLI before this runs; keep the line form anyway.
        return [skipped("dns", `not checked: DNS server ${JSON.stringify(options.server)} is not an address (${(e as Error).message})`)];
      }
    }
    const servers = resolver.getServers().join(", ") || "none configured";
    const lookups = await inBatches(exact, 16, (name) => lookup(resolver, name));
    if (lookups.every((l) => "code" in l && NO_ANSWER.has(l.code))) {
      const codes = [...new Set(lookups.map((l) => ("code" in l ? l.code : "")))].join(", ");
      results.push(skipped("dns", `no DNS server answered (${servers}: ${codes}), so ${exact.length} allowlisted name${exact.length === 1 ? "" : "s"} could not be checked for AAAA records; set --dns-server or EGRESS6_DNS_SERVER`));
    } else {
      for (const l of lookups) results.push(resultOf(l, servers));
    }
  }
  for (const w of wildcards) {
    results.push(skipped(`dns:${w}`, `is a wildcard: the names under it cannot be listed, so their AAAA records are not checkable; make sure the ones you use have IPv6 addresses`));
  }
  return results;
}

function lookup(resolver: Resolver, name: string): Promise<Lookup> {
  return new Promise((resolve) => {
    resolver.resolve6(name, (err, addresses) => {
      if (err) resolve({ name, code: err.code ?? "EUNKNOWN" });
      else resolve({ name, addresses });
    });
  });
}

function resultOf(l: Lookup, servers: string): CheckResult {
  const id = `dns:${l.name}`;
  if ("addresses" in l) {
    if (l.addresses.length === 0) return noAaaa(id);
    const shown = l.addresses.slice(0, 2).join(", ") + (l.addresses.length > 2 ? `, +${l.addresses.length - 2}` : "");
    return ok(id, `has IPv6 addresses (${shown})`);
  }
  switch (l.code) {
    case "ENODATA":
      return noAaaa(id);
    case "ENOTFOUND":
      return problem(id, "does not exist (NXDOMAIN)", "correct the name in egress.domains or remove it");
    default:
      return unchecked(id, `could not check: no answer from the DNS server (${servers}: ${l.code})`);
  }
}

function noAaaa(id: string): CheckResult {
  return problem(
    id,
    "has no AAAA record: unreachable over IPv6-only egress (there is no NAT64)",
    "remove it from egress.domains, or use a host of the same service that has IPv6 addresses",
  );
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}
