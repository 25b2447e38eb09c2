/**
 * Which flows are decrypted and which are spliced, per inspection point, read from the synthesized output only
 * (a report section; it proves nothing and changes no verdict of R1-R3):
 * - Network Firewall: the TLS inspection configuration its policy references (scope: protocols, sources,
 *   destination ports, destinations, revocation actions), or none;
 * - Squid: the squid.conf text found in the stack (a local or user data): `ssl_bump bump` or not, the
 *   never-decrypt names, the decrypted ports, the ICAP services and whether they fail closed.
 * What cannot be read exactly is said so, never guessed.
 */
import type { StackSource } from "../input/source";

export interface DecryptionLine {
  readonly point: "firewall" | "proxy";
  /** Stack and resource (or local) the line was read from. */
  readonly where: string;
  readonly text: string;
}

type Json = Record<string, unknown>;
const asArray = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : v && typeof v === "object" ? [v as Json] : []);
const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** The decryption section for these stacks: one line per firewall policy and per squid.conf. */
export function decryptionReport(stacks: readonly StackSource[]): DecryptionLine[] {
  const lines: DecryptionLine[] = [];
  for (const stack of stacks) {
    const tlsConfigs = new Map(stack.resources.filter((r) => r.type === "aws_networkfirewall_tls_inspection_configuration").map((r) => [r.name, r]));
    for (const policy of stack.resources.filter((r) => r.type === "aws_networkfirewall_firewall_policy")) {
      const where = `${stack.name}: aws_networkfirewall_firewall_policy.${policy.name}`;
      const ref = asArray(policy.config.firewall_policy)[0]?.tls_inspection_configuration_arn;
      if (ref === undefined) {
        lines.push({ point: "firewall", where, text: "decrypts nothing (no TLS inspection configuration): TLS is inspected on its SNI and spliced" });
        continue;
      }
      const name = /^\$\{aws_networkfirewall_tls_inspection_configuration\.([^.}]+)\.arn\}$/.exec(String(ref))?.[1];
      const config = name === undefined ? undefined : tlsConfigs.get(name);
      if (!config) {
        lines.push({ point: "firewall", where, text: `decrypts what ${show(ref)} says; that configuration is not in this input, so what it decrypts cannot be told` });
        continue;
      }
      for (const server of asArray(asArray(config.config.tls_inspection_configuration)[0]?.server_certificate_configuration)) {
        const revocation = asArray(server.check_certificate_revocation_status)[0];
        const scopes = asArray(server.scope).map((scope) => {
          const ports = asArray(scope.destination_ports).map((p) => (p.from_port === p.to_port ? `${p.from_port}` : `${p.from_port}-${p.to_port}`));
          const sources = asArray(scope.source).map((s) => show(s.address_definition));
          const destinations = asArray(scope.destination).map((d) => show(d.address_definition));
          return (
            `protocols ${show(scope.protocols)}, ports ${ports.length ? ports.join(", ") : "any"}, from ${sources.length ? sources.join(", ") : "any source"}, ` +
            `to ${destinations.length ? `${destinations.length} destination prefixes (everything else is spliced)` : "any destination"}`
          );
        });
        lines.push({
          point: "firewall",
          where: `${where} -> aws_networkfirewall_tls_inspection_configuration.${name}`,
          text:
            `decrypts with CA ${show(server.certificate_authority_arn)}: ${scopes.length ? scopes.join("; ") : "no scope (nothing matches)"}; ` +
            `revocation check: ${revocation ? `revoked ${show(revocation.revoked_status_action)}, unknown ${show(revocation.unknown_status_action)}` : "off"}; ` +
            "other TLS is not decrypted; names cannot be exempted here",
        });
      }
    }
    for (const [where, conf] of squidConfs(stack)) lines.push({ point: "proxy", where: `${stack.name}: ${where}`, text: describeSquid(conf) });
    if (squidConfs(stack).length === 0 && stack.resources.some((r) => r.type === "aws_instance" && /proxy/.test(JSON.stringify(r.config.tags ?? {})))) {
      lines.push({ point: "proxy", where: stack.name, text: "the proxies' squid.conf is not readable in this input (e.g. a plan's user data is a hash), so what they decrypt cannot be told" });
    }
  }
  return lines;
}

/** squid.conf texts: every local or user-data string holding `ssl_bump` lines. */
function squidConfs(stack: StackSource): [string, string][] {
  const found: [string, string][] = [];
  for (const [name, value] of Object.entries(stack.locals)) if (typeof value === "string" && /^ssl_bump /m.test(value)) found.push([`local.${name}`, value]);
  for (const r of stack.resources) {
    const ud = r.config.user_data;
    if (typeof ud === "string" && /^ssl_bump /m.test(ud)) found.push([`${r.type}.${r.name}`, ud]);
  }
  return found;
}

function describeSquid(conf: string): string {
  const bumps = /^ssl_bump bump /m.test(conf);
  const icap = [...conf.matchAll(/^icap_service (\S+) (\S+) (\S+) bypass=(on|off)$/gm)].map(
    (m) => `${m[2].startsWith("reqmod") ? "requests" : "responses"} to ${m[3]} (${m[4] === "off" ? "fails closed" : "fails open"})`,
  );
  if (!bumps) return "decrypts nothing: allowlisted TLS is spliced after reading the SNI, the rest terminated" + (icap.length ? `; ICAP: ${icap.join(", ")}` : "");
  const names = [...conf.matchAll(/^acl never_decrypt ssl::server_name --client-requested (\S+)$/gm)].map((m) => m[1]);
  const ports = [...conf.matchAll(/^acl decrypt_ports port (\d+)$/gm)].map((m) => m[1]);
  return (
    `decrypts allowlisted TLS on port${ports.length === 1 ? "" : "s"} ${ports.join(", ") || "(none listed)"} with the customer CA; ` +
    `splices ${names.length} never-decrypt name${names.length === 1 ? "" : "s"} (${names.join(", ")}) and allowlisted TLS on other ports; ` +
    `ICAP: ${icap.length ? icap.join(", ") : "none"}`
  );
}
