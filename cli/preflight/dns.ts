/**
 * DNS check: every exact allowlisted name must have at least one AAAA record, because workloads reach the internet
 * over IPv6 only and there is no NAT64 (a name with A records only cannot be reached). Wildcards (`.example.com`)
 * cannot be listed, so they are reported as not checkable.
 *
 * Uses node:dns's Resolver (c-ares), which follows CNAME chains in the answer. The servers are the system's unless
 * one is given (`--dns-server` or EGRESS6_DNS_SERVER, `host` or `host:port`, `[v6]:port`). Each server is asked on
 * its own, in order, so every answer is attributed to the server that gave it: a server that does not answer
 * (timeout, refused connection) or answers SERVFAIL/REFUSED passes the name to the next one.
 */
import { Resolver } from "node:dns";
import { notCheckable, ok, problem, skipped, unchecked, type CheckResult } from "./result";

export interface DnsOptions {
  /** `host`, `host:port` or `[ipv6]:port`; undefined for the system's resolvers. */
  readonly server?: string;
  /** Per query, in milliseconds. */
  readonly timeoutMs?: number;
}

/** Error codes meaning the server did not answer at all (as opposed to answering "no such name", "no AAAA" or SERVFAIL). */
const NO_ANSWER = new Set(["ETIMEOUT", "ECONNREFUSED", "ECANCELLED", "EDESTRUCTION", "ECONNRESET"]);
/** Answers that say nothing about the name: the server answered, but could not or would not resolve it. */
const SERVER_FAILURE: Readonly<Record<string, string>> = {
  ESERVFAIL: "SERVFAIL",
  EREFUSED: "REFUSED",
  ENOTIMP: "NOTIMP",
  EFORMERR: "FORMERR",
  EBADRESP: "a malformed response",
};

type Lookup =
  | { kind: "answer"; name: string; server: string; addresses: string[] }
  | { kind: "error"; name: string; server: string; code: string }
  | { kind: "no-answer"; name: string; codes: string[] };

export async function checkDns(domains: readonly string[], options: DnsOptions = {}): Promise<CheckResult[]> {
  const exact = domains.filter((d) => !d.startsWith("."));
  const wildcards = domains.filter((d) => d.startsWith("."));
  const results: CheckResult[] = [];

  if (exact.length > 0) {
    const timeout = options.timeoutMs ?? 3000;
    const servers = options.server !== undefined ? [options.server] : new Resolver().getServers();
    const resolvers: Array<{ server: string; resolver: Resolver }> = [];
    for (const server of servers) {
      const resolver = new Resolver({ timeout, tries: 1 });
      try {
        resolver.setServers([server]);
      } catch (e) {
        // A malformed server is a usage error reported by the CLI before this runs; keep the line form anyway.
        return [
          skipped(
            "dns",
            `not checked: DNS server ${JSON.stringify(server)} is not an address (${(e as Error).message})`,
            "DNS server is not an address",
          ),
        ];
      }
      resolvers.push({ server, resolver });
    }
    const names = `${exact.length} allowlisted name${exact.length === 1 ? "" : "s"}`;
    if (resolvers.length === 0) {
      results.push(
        skipped(
          "dns",
          `no DNS server is configured on this machine, so ${names} could not be checked for AAAA records; set --dns-server or EGRESS6_DNS_SERVER`,
          "no DNS server configured",
        ),
      );
    } else {
      const lookups = await inBatches(exact, 16, (name) => lookupEach(resolvers, name));
      if (lookups.every((l) => l.kind === "no-answer")) {
        const codes = [...new Set(lookups.flatMap((l) => (l.kind === "no-answer" ? l.codes : [])))].join(", ");
        results.push(
          skipped(
            "dns",
            `no DNS server answered (${servers.join(", ")}: ${codes}), so ${names} could not be checked for AAAA records; set --dns-server or EGRESS6_DNS_SERVER`,
            "no DNS server answered",
          ),
        );
      } else {
        for (const l of lookups) results.push(resultOf(l, servers));
      }
    }
  }
  for (const w of wildcards) {
    results.push(
      notCheckable(
        `dns:${w}`,
        `is a wildcard: the names under it cannot be listed, so their AAAA records are not checkable; make sure the ones you use have IPv6 addresses`,
      ),
    );
  }
  return results;
}

/** Asks each server in turn until one gives an answer about the name (addresses, no AAAA, NXDOMAIN). */
async function lookupEach(resolvers: ReadonlyArray<{ server: string; resolver: Resolver }>, name: string): Promise<Lookup> {
  let failure: Lookup | undefined;
  const codes: string[] = [];
  for (const { server, resolver } of resolvers) {
    const l = await lookup(resolver, server, name);
    if (l.kind === "answer" || !(l.code in SERVER_FAILURE || NO_ANSWER.has(l.code))) return l;
    if (l.code in SERVER_FAILURE) failure ??= l;
    else codes.push(l.code);
  }
  return failure ?? { kind: "no-answer", name, codes: [...new Set(codes)] };
}

function lookup(resolver: Resolver, server: string, name: string): Promise<Exclude<Lookup, { kind: "no-answer" }>> {
  return new Promise((resolve) => {
    resolver.resolve6(name, (err, addresses) => {
      if (err) resolve({ kind: "error", name, server, code: err.code ?? "EUNKNOWN" });
      else resolve({ kind: "answer", name, server, addresses });
    });
  });
}

function resultOf(l: Lookup, servers: readonly string[]): CheckResult {
  const id = `dns:${l.name}`;
  if (l.kind === "no-answer") {
    return unchecked(
      id,
      `could not check ${l.name}: no answer from the DNS server${servers.length === 1 ? "" : "s"} (${servers.join(", ")}: ${l.codes.join(", ")})`,
      "no answer from the DNS server",
    );
  }
  const according = `according to ${l.server}`;
  if (l.kind === "answer") {
    if (l.addresses.length === 0) return noAaaa(id, according);
    const shown = l.addresses.slice(0, 2).join(", ") + (l.addresses.length > 2 ? `, +${l.addresses.length - 2}` : "");
    return ok(id, `has IPv6 addresses (${shown}) ${according}`);
  }
  switch (l.code) {
    case "ENODATA":
      return noAaaa(id, according);
    case "ENOTFOUND":
      return problem(id, `does not exist (NXDOMAIN ${according})`, "correct the name in egress.domains or remove it");
    default: {
      const what = SERVER_FAILURE[l.code] ?? l.code;
      return unchecked(id, `could not check ${l.name}: ${what} from ${l.server}`, `${what} from ${l.server}`);
    }
  }
}

function noAaaa(id: string, according: string): CheckResult {
  return problem(
    id,
    `has no AAAA record (${according}): unreachable over IPv6-only egress (there is no NAT64)`,
    "remove it from egress.domains, or use a host of the same service that has IPv6 addresses",
  );
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}
