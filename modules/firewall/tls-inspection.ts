/**
 * Network Firewall TLS inspection for outbound traffic: a TLS inspection configuration that decrypts the
 * workloads' TLS with a customer CA imported into ACM (Network Firewall takes imported CA certificates only, not
 * AWS Private CA ones: API reference, ServerCertificateConfiguration), checks the origin's certificate for
 * revocation, and re-encrypts. The firewall policy references it; the Suricata rules then see decrypted HTTP.
 *
 * Scope: TCP to the decrypted ports from the workload network. A scope selects by address and port only, so
 * exemptions are destination address ranges: "everything but these ranges" is written as the complement of the
 * ranges in ::/0 (a scope has no "not"). Names cannot be exempted here.
 */
import { Construct } from "constructs";
import { NetworkfirewallTlsInspectionConfiguration } from "@cdktf/provider-aws/lib/networkfirewall-tls-inspection-configuration";
import * as ipaddr from "ipaddr.js";
import { EGRESS6_SID_RANGE } from "../../lib/limits";

/** IANA protocol number of TCP: the only protocol a TLS inspection scope accepts. */
const TCP = 6;

export interface FirewallTlsInspectionProps {
  /** The TLS inspection configuration's name (unique in the account and region). */
  readonly name: string;
  /** ARN of the CA certificate imported into ACM. */
  readonly caCertificateArn: string;
  /** The workload network (the scope's sources). */
  readonly sourceNet: string;
  /** Decrypted destination TCP ports. */
  readonly ports: readonly number[];
  /**
   * Destination IPv6 ranges never decrypted: the scope's destinations become the complement of these in `::/0`.
   * @default - none: the scope names no destination, so every destination on `ports` is decrypted
   */
  readonly neverDecryptCidrs?: readonly string[];
  /** What the firewall does with a connection whose server certificate is revoked: `PASS`, `DROP` or `REJECT`. */
  readonly revokedStatusAction: string;
  /** What the firewall does with a connection whose server certificate's revocation status it cannot learn: `PASS`, `DROP` or `REJECT`. */
  readonly unknownStatusAction: string;
  /** ARN of the customer-managed KMS key that encrypts the TLS inspection configuration. */
  readonly kmsKeyArn: string;
}

export class FirewallTlsInspection extends Construct {
  readonly configuration: NetworkfirewallTlsInspectionConfiguration;

  constructor(scope: Construct, id: string, props: FirewallTlsInspectionProps) {
    super(scope, id);
    const exempt = props.neverDecryptCidrs ?? [];
    const destinations = exempt.length === 0 ? undefined : complementOf(exempt);
    this.configuration = new NetworkfirewallTlsInspectionConfiguration(this, "configuration", {
      name: props.name,
      description: "egress6: decrypt the workloads' outbound TLS with the customer CA for the Suricata rules",
      encryptionConfiguration: [{ type: "CUSTOMER_KMS", keyId: props.kmsKeyArn }],
      tlsInspectionConfiguration: [
        {
          serverCertificateConfiguration: [
            {
              certificateAuthorityArn: props.caCertificateArn,
              checkCertificateRevocationStatus: [
                { revokedStatusAction: props.revokedStatusAction, unknownStatusAction: props.unknownStatusAction },
              ],
              scope: [
                {
                  protocols: [TCP],
                  source: [{ addressDefinition: props.sourceNet }],
                  destinationPorts: [...new Set(props.ports)].sort((a, b) => a - b).map((p) => ({ fromPort: p, toPort: p })),
                  ...(destinations ? { destination: destinations.map((addressDefinition) => ({ addressDefinition })) } : {}),
                },
              ],
            },
          ],
        },
      ],
    });
  }
}

const BITS = 128n;
const ALL = (1n << BITS) - 1n;

function parse(cidr: string): { base: bigint; len: number } {
  const [address, len] = ipaddr.IPv6.parseCIDR(cidr);
  return { base: address.toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n), len };
}

function format(base: bigint, len: number): string {
  const bytes = Array.from({ length: 16 }, (_, i) => Number((base >> BigInt((15 - i) * 8)) & 0xffn));
  return `${ipaddr.fromByteArray(bytes).toString()}/${len}`;
}

const mask = (len: number) => (len === 0 ? 0n : (ALL << (BITS - BigInt(len))) & ALL);
const contains = (outer: { base: bigint; len: number }, inner: { base: bigint; len: number }) =>
  outer.len <= inner.len && (inner.base & mask(outer.len)) === outer.base;

/** The IPv6 prefixes covering every address of ::/0 outside `excluded` (network addresses, validated). */
export function complementOf(excluded: readonly string[]): string[] {
  let covering = [{ base: 0n, len: 0 }];
  for (const cidr of excluded) {
    const x = parse(cidr);
    const next: { base: bigint; len: number }[] = [];
    for (const p of covering) {
      if (contains(x, p)) continue; // wholly excluded
      if (!contains(p, x)) {
        next.push(p); // disjoint
        continue;
      }
      // p holds x: keep the sibling of every prefix on the way from p down to x.
      for (let len = p.len + 1; len <= x.len; len++) {
        const onPath = x.base & mask(len);
        const sibling = onPath ^ (1n << (BITS - BigInt(len)));
        next.push({ base: sibling, len });
      }
    }
    covering = next;
  }
  return covering.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : a.len - b.len)).map((p) => format(p.base, p.len));
}

const SID_DLP = EGRESS6_SID_RANGE.from + 300;

/**
 * The example DLP rule group (off by default; docs/dlp.md explains how to write more). It only sees content the
 * firewall decrypted: a PEM private key, or an AWS access key id, in an HTTP request body leaving the VPC is
 * dropped and alerted. Content is written with hex escapes so that no PEM marker appears in the output.
 */
export function exampleDlpRules(): string {
  const rule = (msg: string, options: string, sid: number) =>
    `drop http $HOME_NET any -> $EXTERNAL_NET any (msg:"egress6 DLP example: ${msg}"; flow:to_server,established; ${options} sid:${sid}; rev:1;)`;
  return [
    rule("a PEM private key in a request body", 'http.request_body; content:"PRIVATE|20|KEY|2d 2d 2d 2d 2d|"; nocase;', SID_DLP + 1),
    rule("an AWS access key id in a request body", 'http.request_body; pcre:"/(?:AKIA|ASIA)[0-9A-Z]{16}/";', SID_DLP + 2),
    "",
  ].join("\n");
}
