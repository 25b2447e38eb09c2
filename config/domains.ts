/**
 * Egress allowlist domains: one normal form shared by Squid, Network Firewall and DNS Firewall.
 *
 * Accepted: `example.com` (exactly that host) and `.example.com` (that domain and every subdomain;
 * `*.example.com` is accepted and written as `.example.com`). Normal form: lower case, IDN as punycode,
 * no trailing dot.
 */
import { domainToASCII } from "node:url";
import * as ipaddr from "ipaddr.js";

/** RFC 1035: a full name is at most 253 characters in text form. */
export const MAX_DOMAIN_LENGTH = 253;
/** RFC 1035: a label is at most 63 octets. */
const MAX_LABEL_LENGTH = 63;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export type DomainResult = { ok: true; domain: string } | { ok: false; reason: string };

/** Normalises one allowlist entry or says, in words a user can act on, why it is not a domain. */
export function normalizeDomain(raw: string): DomainResult {
  const input = raw;
  if (input === "") return { ok: false, reason: "is empty; expected a domain such as example.com or .example.com" };
  // Never trimmed or cleaned: the URL parser behind domainToASCII drops tabs and newlines, so "exa\nmple.com" would
  // become example.com, a name the user did not write.
  const space = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.exec(input);
  if (space) {
    const code = space[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    return {
      ok: false,
      reason: `holds a space or control character (U+${code}) at position ${space.index + 1}; a domain is letters, digits, hyphens and dots only`,
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input) || /[/?#@]/.test(input)) {
    return { ok: false, reason: "is a URL or path; expected a bare domain such as example.com" };
  }
  const unbracketed = input.replace(/^\[(.*)\]$/, "$1");
  // ipaddr.js's IPv4 forms are made of hex, octal and decimal parts and dots, its IPv6 forms all hold ':'; asking it
  // only then gives the same answer and keeps 10,000 names from spending a second and a half in its parsers.
  const mayBeIp = unbracketed.includes(":") || /^[0-9a-fx.]+$/i.test(unbracketed);
  if ((mayBeIp && ipaddr.isValid(unbracketed)) || /^\d+(\.\d+){3}$/.test(unbracketed)) {
    return { ok: false, reason: "is an IP address; the allowlist takes domain names only" };
  }
  if (input.includes(":")) return { ok: false, reason: "contains ':' (a port?); ports go in egress.ports" };

  let wildcard = false;
  let name = input;
  if (name.startsWith("*.")) name = name.slice(1);
  if (name.startsWith(".")) {
    wildcard = true;
    name = name.slice(1);
  }
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (name.includes("*")) return { ok: false, reason: "has a '*' that is not a leading '*.'; expected example.com or .example.com" };

  const ascii = domainToASCII(name.toLowerCase());
  if (ascii === "") return { ok: false, reason: "is not a valid domain name (IDN conversion failed)" };
  const labels = ascii.split(".");
  if (labels.length < 2) return { ok: false, reason: "is a single label; expected a registrable domain such as example.com" };
  for (const label of labels) {
    if (label.length > MAX_LABEL_LENGTH) return { ok: false, reason: `has a label longer than ${MAX_LABEL_LENGTH} characters` };
    if (!LABEL.test(label)) return { ok: false, reason: `has an invalid label "${label}"; labels are letters, digits and inner hyphens` };
  }
  if (/^\d+$/.test(labels[labels.length - 1])) return { ok: false, reason: "ends in a numeric label; expected a domain name" };
  const domain = (wildcard ? "." : "") + ascii;
  if (ascii.length > MAX_DOMAIN_LENGTH) {
    return { ok: false, reason: `is ${ascii.length} characters long; at most ${MAX_DOMAIN_LENGTH} are allowed` };
  }
  return { ok: true, domain };
}

/** True when `wildcard` (a `.example.com` entry) covers `domain` (exact or wildcard). */
export function wildcardCovers(wildcard: string, domain: string): boolean {
  if (!wildcard.startsWith(".") || wildcard === domain) return false;
  const bare = domain.startsWith(".") ? domain.slice(1) : domain;
  return bare === wildcard.slice(1) || bare.endsWith(wildcard);
}

/** The first wildcard in `domains` that shadows `domain`, if any. */
export function shadowingWildcard(domains: readonly string[], domain: string): string | undefined {
  return domains.find((other) => wildcardCovers(other, domain));
}
