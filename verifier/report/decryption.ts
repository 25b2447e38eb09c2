/**
 * Which flows are decrypted and which are spliced, per inspection point, read from the synthesized output only
 * (a report section; it proves nothing and changes no verdict of R1-R3):
 * - Network Firewall: the TLS inspection configuration its policy references (scope: protocols, sources,
 *   destination ports, destinations, revocation actions), or none;
 * - Squid: the squid.conf text found in the stack (a local or user data): `ssl_bump bump` or not, the
 *   never-decrypt names, the decrypted ports, the ICAP services and whether they fail closed.
 * What cannot be read exactly is said so, never guessed.
 */
import { Computed, EachValue, Literal, RemoteLinked, Unresolvable, type StackSource } from "../input/source";
import { addressOf } from "../expr/world";
import { resourceKey, type ResourceKey } from "../expr/values";
import { Prefix, type Family } from "../model/prefix";

export interface DecryptionLine {
  readonly point: "firewall" | "proxy";
  /** Stack and resource (or local) the line was read from. */
  readonly where: string;
  readonly text: string;
}

/**
 * A line of the report with what it says in parts, for `npm run diagram` to mark the inspection point it describes:
 * the report's text and the diagram's mark come from this one reading.
 */
export interface DecryptionFact {
  readonly line: DecryptionLine;
  /** Does the point decrypt TLS; `unknown` when the input does not say. */
  readonly decrypts: "yes" | "no" | "unknown";
  /** A short form of `line.text`: `decrypts TLS (customer CA) on port 443; splices: ...`. */
  readonly summary: string;
  /**
   * The resources it describes, as the model keys them: the firewalls (aws_networkfirewall_firewall) that use the
   * policy, or the proxy instances whose user data is (or reads) the squid.conf. Empty when none is found.
   */
  readonly appliesTo: readonly ResourceKey[];
}

type Json = Record<string, unknown>;
const asArray = (v: unknown): Json[] =>
  Array.isArray(v) ? (v as Json[]) : v && typeof v === "object" && !(v instanceof NotKnown) ? [v as Json] : [];
const show = (v: unknown) => (typeof v === "string" ? v : v instanceof NotKnown ? "(known only after apply)" : JSON.stringify(v));

/** A value the input does not give before apply, with why: never read as absent. */
class NotKnown {
  constructor(readonly why: string) {}
}

/**
 * An argument as this reading needs it. cdktf.out holds plain JSON. A plan wraps each top-level argument: a value
 * known in the plan (Literal, or RemoteLinked with the value read), or one known only after apply (Computed, with
 * the configuration's expression for it when the plan's configuration or the HCL source has one: a reference such
 * as `${aws_networkfirewall_tls_inspection_configuration.x.arn}` still says which resource it is). What cannot be
 * read at all is NotKnown.
 */
function readable(v: unknown): unknown {
  if (v instanceof Literal) return readable(v.value);
  if (v instanceof RemoteLinked) return readable(v.known);
  if (v instanceof Computed) return v.expression === undefined ? new NotKnown("known only after apply") : readable(v.expression);
  if (v instanceof Unresolvable) return new NotKnown(v.reason);
  if (v instanceof EachValue) return new NotKnown("an each.value the report does not evaluate");
  if (Array.isArray(v)) return v.map(readable);
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, readable(x)]));
  return v;
}

/** Does anything inside a value stay unknown? */
function notKnownIn(v: unknown): NotKnown | undefined {
  if (v instanceof NotKnown) return v;
  if (Array.isArray(v)) return v.map(notKnownIn).find((x) => x !== undefined);
  if (v && typeof v === "object")
    return Object.values(v)
      .map(notKnownIn)
      .find((x) => x !== undefined);
  return undefined;
}

/** The decryption section for these stacks: one line per firewall policy and per squid.conf. */
export function decryptionReport(stacks: readonly StackSource[]): DecryptionLine[] {
  return decryptionFacts(stacks).map((f) => f.line);
}

/** The report's lines with their parts (see DecryptionFact). */
export function decryptionFacts(stacks: readonly StackSource[]): DecryptionFact[] {
  const facts: DecryptionFact[] = [];
  for (const stack of stacks) {
    const key = (r: StackSource["resources"][number]) => resourceKey(stack.name, addressOf(r));
    const tlsConfigs = new Map(
      stack.resources.filter((r) => r.type === "aws_networkfirewall_tls_inspection_configuration").map((r) => [r.name, r]),
    );
    for (const policy of stack.resources.filter((r) => r.type === "aws_networkfirewall_firewall_policy")) {
      const where = `${stack.name}: aws_networkfirewall_firewall_policy.${policy.name}`;
      const reference = new RegExp(`\\baws_networkfirewall_firewall_policy\\.${escapeRegExp(policy.name)}\\.`);
      const firewalls = stack.resources.filter((r) => r.type === "aws_networkfirewall_firewall");
      const appliesTo = firewalls.filter((r) => reference.test(show(readable(r.config.firewall_policy_arn) ?? ""))).map(key);
      // A policy no firewall of the stack uses describes no inspection point (egress6 keeps its plain policy beside
      // the decrypting one, so that turning decryption off needs no new policy). Skipped only when every firewall's
      // policy reference can be read: an unreadable one may be this policy.
      const everyReferenceRead = firewalls.every((r) => !(readable(r.config.firewall_policy_arn) instanceof NotKnown));
      if (appliesTo.length === 0 && firewalls.length > 0 && everyReferenceRead) continue;
      const fp = readable(policy.config.firewall_policy);
      const ref =
        fp === undefined
          ? new NotKnown("the policy's firewall_policy block is known only after apply")
          : fp instanceof NotKnown
            ? fp
            : asArray(fp)[0]?.tls_inspection_configuration_arn;
      if (ref instanceof NotKnown || (ref === undefined && stack.kind === "plan" && notKnownIn(fp))) {
        // Unknown until apply is not "none": a TLS inspection configuration may be set.
        const why = ref instanceof NotKnown ? ref.why : notKnownIn(fp)!.why;
        const text = `decrypts: cannot be told before apply (its tls_inspection_configuration_arn is unknown: ${why})`;
        facts.push({
          line: { point: "firewall", where, text },
          decrypts: "unknown",
          summary: "decrypts: cannot be told before apply; its TLS inspection configuration is unknown",
          appliesTo,
        });
        continue;
      }
      if (ref === undefined || ref === null) {
        const text = "decrypts nothing (no TLS inspection configuration): TLS is inspected on its SNI and spliced";
        facts.push({ line: { point: "firewall", where, text }, decrypts: "no", summary: "decrypts no TLS (SNI only)", appliesTo });
        continue;
      }
      const name = /^\$\{aws_networkfirewall_tls_inspection_configuration\.([^.}]+)\.arn\}$/.exec(String(ref))?.[1];
      const config = name === undefined ? undefined : tlsConfigs.get(name);
      if (!config) {
        const text = `decrypts what ${show(ref)} says; that configuration is not in this input, so what it decrypts cannot be told`;
        facts.push({
          line: { point: "firewall", where, text },
          decrypts: "unknown",
          summary: "decrypts: cannot be told; its TLS inspection configuration is not in this input",
          appliesTo,
        });
        continue;
      }
      const tls = readable(config.config.tls_inspection_configuration);
      const missing =
        tls === undefined ? new NotKnown("its tls_inspection_configuration block is known only after apply") : notKnownIn(tls);
      if (missing) {
        const text = `decrypts what aws_networkfirewall_tls_inspection_configuration.${name} says, which cannot be told before apply (${missing.why})`;
        facts.push({
          line: { point: "firewall", where: `${where} -> aws_networkfirewall_tls_inspection_configuration.${name}`, text },
          decrypts: "unknown",
          summary: "decrypts: cannot be told before apply",
          appliesTo,
        });
        continue;
      }
      for (const server of asArray(asArray(tls)[0]?.server_certificate_configuration)) {
        const revocation = asArray(server.check_certificate_revocation_status)[0];
        const parts = asArray(server.scope).map((scope) => {
          const ports = asArray(scope.destination_ports).map((p) =>
            p.from_port === p.to_port ? `${p.from_port}` : `${p.from_port}-${p.to_port}`,
          );
          const sources = asArray(scope.source).map((s) => show(s.address_definition));
          const destinations = asArray(scope.destination).map((d) => show(d.address_definition));
          return {
            ports,
            destinations,
            text:
              `protocols ${show(scope.protocols)}, ports ${ports.length ? ports.join(", ") : "any"}, from ${sources.length ? sources.join(", ") : "any source"}, ` +
              `to ${destinations.length ? `${destinations.length} destination prefixes (everything else is spliced)` : "any destination"}`,
          };
        });
        const text =
          `decrypts with CA ${show(server.certificate_authority_arn)}: ${parts.length ? parts.map((p) => p.text).join("; ") : "no scope (nothing matches)"}; ` +
          `revocation check: ${revocation ? `revoked ${show(revocation.revoked_status_action)}, unknown ${show(revocation.unknown_status_action)}` : "off"}; ` +
          "other TLS is not decrypted; names cannot be exempted here";
        const line: DecryptionLine = {
          point: "firewall",
          where: `${where} -> aws_networkfirewall_tls_inspection_configuration.${name}`,
          text,
        };
        if (parts.length === 0) {
          facts.push({ line, decrypts: "no", summary: "decrypts no TLS (its TLS inspection configuration has no scope)", appliesTo });
          continue;
        }
        const ports = parts.some((p) => p.ports.length === 0) ? [] : [...new Set(parts.flatMap((p) => p.ports))];
        // The destinations it leaves out are spliced; with several scopes, only a destination no scope selects is.
        const left = parts.some((p) => p.destinations.length === 0) ? [] : notCovered(parts.flatMap((p) => p.destinations));
        const splices = typeof left === "string" ? left : [...left, "other ports"].join(", ");
        facts.push({
          line,
          decrypts: "yes",
          summary: `decrypts TLS (customer CA) on ${ports.length === 0 ? "any port" : `port${ports.length === 1 ? "" : "s"} ${ports.join(", ")}`}; splices: ${splices}`,
          appliesTo,
        });
      }
    }
    const confs = squidConfs(stack);
    const proxies = stack.resources.filter((r) => r.type === "aws_instance" && /proxy/.test(JSON.stringify(r.config.tags ?? {})));
    for (const [where, conf] of confs) {
      const reads = (r: StackSource["resources"][number]) =>
        where === `${r.type}.${r.name}` ||
        (where.startsWith("local.") &&
          [r.config.user_data, r.config.user_data_base64].some(
            (u) => typeof u === "string" && new RegExp(`\\b${escapeRegExp(where)}\\b`).test(u),
          ));
      // A policy bundle object is read at run time by every proxy instance of the stack (their policy agent).
      const appliesTo = where.startsWith("aws_s3_object.")
        ? proxies.map(key)
        : stack.resources.filter((r) => (r.type === "aws_instance" || r.type === "aws_launch_template") && reads(r)).map(key);
      facts.push({
        line: { point: "proxy", where: `${stack.name}: ${where}`, text: describeSquid(conf) },
        ...squidSummary(conf),
        appliesTo,
      });
    }
    if (confs.length === 0 && proxies.length > 0) {
      const text =
        "the proxies' squid.conf is not readable in this input (e.g. a plan's user data is a hash), so what they decrypt cannot be told";
      facts.push({
        line: { point: "proxy", where: stack.name, text },
        decrypts: "unknown",
        summary: "decrypts: cannot be told; squid.conf is not readable in this input",
        appliesTo: proxies.map(key),
      });
    }
  }
  return facts;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The IPv6 space (and the IPv4 space, when a destination is IPv4) that none of `destinations` covers, as few
 * prefixes as cover it exactly; a destination that is not a literal prefix makes it untellable, said as a string.
 */
function notCovered(destinations: readonly string[]): string[] | string {
  const prefixes: Prefix[] = [];
  for (const d of destinations) {
    const p = Prefix.parse(d);
    if (!p) return `cannot be told (destination ${d} is not a literal prefix)`;
    prefixes.push(p);
  }
  const families = new Set<Family>([6, ...prefixes.map((p) => p.family)]);
  const out: Prefix[] = [];
  const walk = (p: Prefix) => {
    if (prefixes.some((d) => d.contains(p))) return;
    if (!prefixes.some((d) => d.overlaps(p))) {
      out.push(p);
      return;
    }
    for (const half of p.halves()!) walk(half);
  };
  for (const family of [...families].sort((a, b) => b - a)) walk(Prefix.any(family));
  return out.length === 0 ? ["no address"] : out.map((p) => p.toString());
}

/** squid.conf texts: every local, user-data string or S3 object content (the proxies' policy bundle) holding `ssl_bump` lines. */
function squidConfs(stack: StackSource): [string, string][] {
  const found: [string, string][] = [];
  for (const [name, value] of Object.entries(stack.locals))
    if (typeof value === "string" && /^ssl_bump /m.test(value)) found.push([`local.${name}`, value]);
  for (const r of stack.resources) {
    const text = r.type === "aws_s3_object" ? r.config.content : r.config.user_data;
    if (typeof text === "string" && /^ssl_bump /m.test(text)) found.push([`${r.type}.${r.name}`, text]);
  }
  return found;
}

/** Whether a squid.conf bumps, and the short form: the ports, the never-decrypt names, the ICAP services. */
function squidSummary(conf: string): Pick<DecryptionFact, "decrypts" | "summary"> {
  const { bumps, names, ports, icap } = readSquid(conf);
  if (!bumps) return { decrypts: "no", summary: "decrypts no TLS (splices by SNI)" };
  return {
    decrypts: "yes",
    summary:
      `decrypts TLS (customer CA) on port${ports.length === 1 ? "" : "s"} ${ports.join(", ") || "(none listed)"}; ` +
      `splices: ${[...names, "other ports"].join(", ")}${icap.length ? `; ICAP: ${icap.join(", ")}` : ""}`,
  };
}

function readSquid(conf: string): { bumps: boolean; names: string[]; ports: string[]; icap: string[] } {
  return {
    bumps: /^ssl_bump bump /m.test(conf),
    icap: [...conf.matchAll(/^icap_service (\S+) (\S+) (\S+) bypass=(on|off)$/gm)].map(
      (m) => `${m[2].startsWith("reqmod") ? "requests" : "responses"} to ${m[3]} (${m[4] === "off" ? "fails closed" : "fails open"})`,
    ),
    names: [...conf.matchAll(/^acl never_decrypt ssl::server_name --client-requested (\S+)$/gm)].map((m) => m[1]),
    ports: [...conf.matchAll(/^acl decrypt_ports port (\d+)$/gm)].map((m) => m[1]),
  };
}

function describeSquid(conf: string): string {
  const { bumps, names, ports, icap } = readSquid(conf);
  if (!bumps)
    return (
      "decrypts nothing: allowlisted TLS is spliced after reading the SNI, the rest terminated" +
      (icap.length ? `; ICAP: ${icap.join(", ")}` : "")
    );
  return (
    `decrypts allowlisted TLS on port${ports.length === 1 ? "" : "s"} ${ports.join(", ") || "(none listed)"} with the customer CA; ` +
    `splices ${names.length} never-decrypt name${names.length === 1 ? "" : "s"} (${names.join(", ")}) and allowlisted TLS on other ports; ` +
    `ICAP: ${icap.length ? icap.join(", ") : "none"}`
  );
}
