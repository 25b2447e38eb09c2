/**
 * `inspection.tlsInspection`: opt-in TLS decryption for content inspection (DLP). Absent, nothing is decrypted and
 * the synthesized output is exactly what it was before this block existed.
 *
 * Where the decryption happens (`decryptAt`):
 * - `proxy`: Squid bumps allowlisted TLS with the customer CA and splices the never-decrypt names; an optional ICAP
 *   service sees the decrypted requests (and responses). Names are honoured: Squid reads the SNI first.
 * - `firewall`: a Network Firewall TLS inspection configuration decrypts for the Suricata rules. Its scope selects
 *   flows by address and port only, so never-decrypt *names* cannot be honoured there; only address ranges can.
 * `firewall-proxy` may choose either (never both: the firewall would have to trust Squid's re-signed certificates,
 * which no documented setting provides); `proxy` only the proxy; `firewall-igw` only the firewall.
 */
import { X509Certificate } from "node:crypto";
import { z } from "zod";
import * as ipaddr from "ipaddr.js";
import { normalizeDomain, shadowingWildcard } from "./domains";
import { modeHasFirewall, modeHasProxies, type InspectionMode } from "./modes";
import { HTTP_PORT } from "../lib/ports";

export const DECRYPTION_POINTS = ["proxy", "firewall"] as const;
export type DecryptionPoint = (typeof DECRYPTION_POINTS)[number];

/** What Network Firewall may do with a server certificate that is revoked, or whose status it cannot learn. */
export const REVOCATION_ACTIONS = ["PASS", "DROP", "REJECT"] as const;

/**
 * Never decrypted wherever names can be honoured (the proxy), whatever the user lists: the package repositories of
 * the Debian and Ubuntu AMIs the workload launch template knows. Packages are signed; decrypting them only costs time.
 *
 * No AWS name is here: uploads to S3, Secrets Manager or any other AWS API through the proxy are exactly what DLP
 * must see, so they are decrypted unless listed in `neverDecrypt` one name at a time (docs/dlp.md). The proxies'
 * own AWS traffic never passes through Squid (Squid intercepts only what arrives from the VPC; the CA key comes
 * through the Secrets Manager interface endpoint), so nothing of egress6's needs an exemption.
 */
export const BUILT_IN_NEVER_DECRYPT: readonly string[] = [
  "deb.debian.org",
  "security.debian.org",
  ".archive.ubuntu.com",
  "security.ubuntu.com",
  "ports.ubuntu.com",
];

const partition = "aws(?:-cn|-us-gov|-iso[a-z]?)?";
const region = "[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\\d{1,2}";
const ACM_ARN = new RegExp(`^arn:${partition}:acm:(${region}):(\\d{12}):certificate/[0-9a-f-]{36}$`);
/** The full ARN, with Secrets Manager's six-character suffix: IAM then grants exactly this secret. */
const SECRET_ARN = new RegExp(`^arn:${partition}:secretsmanager:(${region}):(\\d{12}):secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$`);
/** A key ARN (not an alias): IAM grants kms:Decrypt on key ARNs. */
const KMS_KEY_ARN = new RegExp(`^arn:${partition}:kms:(${region}):(\\d{12}):key/(?:mrk-)?[0-9a-f-]{32,36}$`);

/** Squid's default ICAP ports (icap_service): 1344 for icap://, 11344 for icaps://. */
const ICAP_DEFAULT_PORT = { icap: 1344, icaps: 11344 } as const;

export interface IcapEndpoint {
  readonly scheme: "icap" | "icaps";
  /** An IPv6 address: the proxies' security group opens exactly this /128. */
  readonly address: string;
  readonly port: number;
  /** The URI as Squid takes it. */
  readonly uri: string;
}

/** Parses `icap://[2001:db8::10]:1344/reqmod`; the host must be an IPv6 literal. */
export function parseIcapUri(value: string): { ok: true; endpoint: IcapEndpoint } | { ok: false; reason: string } {
  const m = /^(icaps?):\/\/\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?(\/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$/.exec(value);
  if (!m) {
    return {
      ok: false,
      reason:
        "must be icap://[IPv6 address]:port/path or icaps://...; the host is an IPv6 literal so the proxies' security group can open exactly it",
    };
  }
  const scheme = m[1] as "icap" | "icaps";
  if (!ipaddr.IPv6.isValid(m[2])) return { ok: false, reason: `has "${m[2]}", which is not an IPv6 address` };
  const address = ipaddr.IPv6.parse(m[2]);
  if (address.range() !== "unicast" && address.range() !== "uniqueLocal") {
    return {
      ok: false,
      reason: `has ${m[2]}, a ${address.range()} address; the ICAP service needs a unicast address the proxies can reach`,
    };
  }
  const port = m[3] === undefined ? ICAP_DEFAULT_PORT[scheme] : Number(m[3]);
  if (port < 1 || port > 65535) return { ok: false, reason: `has port ${m[3]}; expected 1-65535` };
  const canonical = address.toString();
  return { ok: true, endpoint: { scheme, address: canonical, port, uri: `${scheme}://[${canonical}]:${port}${m[4] ?? "/"}` } };
}

const icapUri = z.string().superRefine((value, ctx) => {
  const r = parseIcapUri(value);
  if (!r.ok) ctx.addIssue({ code: "custom", message: r.reason });
});

/** A PEM CA certificate, public part only. */
const caCertificatePem = z.string().superRefine((value, ctx) => {
  if (/PRIVATE KEY/.test(value)) {
    ctx.addIssue({
      code: "custom",
      // Never echoed: the value holds key material.
      input: "(not shown: it holds a private key)",
      message:
        "contains a private key; give only the CA certificate here (the key belongs in the Secrets Manager secret named by caPrivateKey.secretArn, never in the configuration)",
    });
    return;
  }
  const blocks = value.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) {
    ctx.addIssue({
      code: "custom",
      input: `(${value.length} characters of text)`,
      message: `must hold exactly one PEM certificate (-----BEGIN CERTIFICATE-----), found ${blocks.length}`,
    });
    return;
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(blocks[0]);
  } catch (e) {
    ctx.addIssue({
      code: "custom",
      input: `(${value.length} characters of text)`,
      message: `is not a readable X.509 certificate (${e instanceof Error ? e.message : String(e)})`,
    });
    return;
  }
  const shown = `(certificate ${cert.subject.replace(/\n/g, ", ")})`;
  if (!cert.ca)
    ctx.addIssue({
      code: "custom",
      input: shown,
      message: `is not a CA certificate (${cert.subject.replace(/\n/g, ", ")} lacks basicConstraints CA:TRUE); the inspection points sign with it`,
    });
  if (Date.parse(cert.validTo) <= Date.now()) ctx.addIssue({ code: "custom", input: shown, message: `expired on ${cert.validTo}` });
});

export const tlsInspectionSchema = z.strictObject({
  /** Where decryption happens. @default proxy in modes with proxies, firewall in firewall-igw */
  decryptAt: z
    .enum(DECRYPTION_POINTS)
    .optional()
    .describe(
      "where decryption happens; default `proxy` in modes with proxies, `firewall` in `firewall-igw`. `firewall-proxy` may choose either (never both), `proxy` only `proxy`, `firewall-igw` only `firewall`",
    ),
  /** The CA certificate (PEM, public part): workloads trust it; the proxies present certificates it signs. */
  caCertificatePem: caCertificatePem.describe(
    "the CA certificate (PEM, public part only: never a key), exactly one unexpired certificate with basicConstraints CA:TRUE; workloads trust it, the inspection point signs with it",
  ),
  /** The same CA imported into ACM (Network Firewall takes imported CAs only, not AWS Private CA). Firewall decryption. */
  caCertificateArn: z
    .string()
    .regex(ACM_ARN, { message: "must be an ACM certificate ARN such as arn:aws:acm:us-east-1:111122223333:certificate/<uuid>" })
    .optional()
    .describe(
      "firewall decryption (required there): the same CA imported into ACM, in the environment's region (Network Firewall takes imported CAs only, not AWS Private CA)",
    ),
  /**
   * The CA's private key, for proxy decryption: a Secrets Manager secret (created and filled outside Terraform)
   * encrypted with a customer-managed KMS key. Terraform only names them.
   */
  caPrivateKey: z
    .strictObject({
      secretArn: z
        .string()
        .regex(SECRET_ARN, {
          message:
            "must be the full secret ARN, with its 6-character suffix: arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf",
        })
        .describe(
          "the full ARN (with its 6-character suffix) of the Secrets Manager secret holding the CA's private key (PEM), in the environment's region",
        ),
      kmsKeyArn: z
        .string()
        .regex(KMS_KEY_ARN, {
          message:
            "must be the ARN of the customer-managed KMS key that encrypts the secret: arn:aws:kms:<region>:<account>:key/<id> (not an alias)",
        })
        .describe("the ARN (not an alias) of the customer-managed KMS key that encrypts the secret, in the secret's account and region"),
    })
    .optional()
    .describe(
      "proxy decryption (required there): the CA's private key, in a Secrets Manager secret created and filled outside Terraform; Terraform only names it",
    ),
  /** TLS ports to decrypt; each must be in egress.ports, never 80. */
  ports: z
    .array(z.number().int().min(1).max(65535))
    .min(1)
    .default([443])
    .describe("the TLS ports to decrypt, each once; each must be in `egress.ports`, never 80"),
  /** Domains never decrypted (certificate-pinned services, anything else), besides the built-in list. Proxy only. */
  neverDecrypt: z
    .array(z.string())
    .max(500)
    .default([])
    .describe(
      `proxy decryption only: domains never decrypted (certificate-pinned services, anything else), written as in \`egress.domains\`, besides the built-in list (${BUILT_IN_NEVER_DECRYPT.map((d) => `\`${d}\``).join(", ")})`,
    ),
  /** Destination IPv6 ranges the firewall never decrypts (its scope is by address). Firewall only. */
  neverDecryptCidrs: z
    .array(z.string())
    .max(20)
    .default([])
    .describe(
      "firewall decryption only: destination IPv6 network addresses (such as `2001:db8::/32`, not `::/0`) never decrypted; the firewall's scope selects by address and port, never by name",
    ),
  /** Network Firewall's revocation check (always on): what to do with a revoked or unknown certificate. */
  revocation: z
    .strictObject({
      revokedStatusAction: z
        .enum(REVOCATION_ACTIONS)
        .default("REJECT")
        .describe("what Network Firewall does with a revoked server certificate"),
      unknownStatusAction: z
        .enum(REVOCATION_ACTIONS)
        .default("REJECT")
        .describe("what Network Firewall does with a server certificate whose revocation status it cannot learn"),
    })
    .prefault({})
    .describe(
      "firewall decryption only: Network Firewall's revocation check (always on); the proxies check certificates themselves and refuse what fails",
    ),
  /** The example DLP Suricata rule group (docs/dlp.md). Firewall only. */
  exampleDlpRules: z
    .boolean()
    .default(false)
    .describe("firewall decryption only: add the example DLP Suricata rule group ([dlp.md](dlp.md))"),
  /** An ICAP service (a DLP engine) for the proxies' decrypted traffic. Proxy only. */
  icap: z
    .strictObject({
      /** REQMOD: requests (method, URL, headers, body) go to the service. */
      requestUri: icapUri.describe(
        "REQMOD: requests (method, URL, headers, body) go to this service: `icap://[IPv6 address]:port/path` or `icaps://...` (default ports 1344 and 11344); the host is an IPv6 literal, so the proxies' security group opens exactly it",
      ),
      /** RESPMOD: responses too. @default none */
      responseUri: icapUri.optional().describe("RESPMOD: responses go to this service too; written as `requestUri`"),
      /** Refuse traffic while the service is unreachable (Squid `bypass=off`). @default true */
      failClosed: z.boolean().default(true).describe("refuse traffic while the service is unreachable (Squid `bypass=off`)"),
    })
    .optional()
    .describe("proxy decryption only: an ICAP service (a DLP engine) that sees the proxies' decrypted traffic"),
});

export type TlsInspectionConfig = z.output<typeof tlsInspectionSchema>;

/** Where decryption happens in `mode`, with the default filled in. */
export function decryptionPointOf(tls: Pick<TlsInspectionConfig, "decryptAt">, mode: InspectionMode): DecryptionPoint {
  return tls.decryptAt ?? (modeHasProxies(mode) ? "proxy" : "firewall");
}

/** Every never-decrypt domain for the proxy: the built-in list, then the user's (normalised; validation passed). */
export function neverDecryptDomains(tls: Pick<TlsInspectionConfig, "neverDecrypt">): string[] {
  const user = tls.neverDecrypt.map((d) => (normalizeDomain(d) as { domain: string }).domain);
  return [...BUILT_IN_NEVER_DECRYPT, ...user];
}

/**
 * The ICAP services the proxies reach, once per address and port, when the proxies decrypt with ICAP; none
 * otherwise. The proxies' security group and the proxy tier's network ACL open exactly these.
 */
export function icapEndpointsOf(config: {
  inspection: { mode: InspectionMode; tlsInspection?: Pick<TlsInspectionConfig, "decryptAt" | "icap"> };
}): IcapEndpoint[] {
  const tls = config.inspection.tlsInspection;
  if (!tls?.icap || decryptionPointOf(tls, config.inspection.mode) !== "proxy") return [];
  const endpoints: IcapEndpoint[] = [];
  for (const uri of [tls.icap.requestUri, tls.icap.responseUri]) {
    if (uri === undefined) continue;
    const parsed = parseIcapUri(uri);
    if (!parsed.ok) throw new Error(`unvalidated ICAP URI ${uri}`);
    if (!endpoints.some((e) => e.address === parsed.endpoint.address && e.port === parsed.endpoint.port)) endpoints.push(parsed.endpoint);
  }
  return endpoints;
}

/** The proxies' decryption settings, worked out once for squid.conf and for the proxy tier's resources. */
export interface ProxyDecryption {
  /** The CA certificate (PEM) the proxies sign with. */
  readonly caCertificatePem: string;
  /** The secret holding the CA's private key and the KMS key encrypting it (validation requires them). */
  readonly caPrivateKey?: { readonly secretArn: string; readonly kmsKeyArn: string };
  /** The TLS ports decrypted. */
  readonly ports: readonly number[];
  /** Names never decrypted: the built-in list, then the user's. */
  readonly neverDecrypt: readonly string[];
  /**
   * The ICAP service: REQMOD (and RESPMOD) endpoints as parsed, and whether traffic is refused while it is down.
   * @default none
   */
  readonly icap?: { readonly request: IcapEndpoint; readonly response?: IcapEndpoint; readonly failClosed: boolean };
  /** Every ICAP endpoint, once per address and port (`icapEndpointsOf`): the network rules open exactly these. */
  readonly icapEndpoints: readonly IcapEndpoint[];
}

/** What the proxies decrypt, when `inspection.tlsInspection` has them decrypt; undefined otherwise. */
export function proxyDecryptionOf(config: {
  inspection: { mode: InspectionMode; tlsInspection?: TlsInspectionConfig };
}): ProxyDecryption | undefined {
  const tls = config.inspection.tlsInspection;
  if (!tls || decryptionPointOf(tls, config.inspection.mode) !== "proxy") return undefined;
  const endpoint = (value: string): IcapEndpoint => {
    const parsed = parseIcapUri(value);
    if (!parsed.ok) throw new Error(`unvalidated ICAP URI ${value}`);
    return parsed.endpoint;
  };
  return {
    caCertificatePem: tls.caCertificatePem,
    ...(tls.caPrivateKey ? { caPrivateKey: tls.caPrivateKey } : {}),
    ports: tls.ports,
    neverDecrypt: neverDecryptDomains(tls),
    ...(tls.icap
      ? {
          icap: {
            request: endpoint(tls.icap.requestUri),
            ...(tls.icap.responseUri ? { response: endpoint(tls.icap.responseUri) } : {}),
            failClosed: tls.icap.failClosed,
          },
        }
      : {}),
    icapEndpoints: icapEndpointsOf(config),
  };
}

/** The firewall's decryption settings (its TLS inspection configuration), apart from the source network. */
export interface FirewallDecryption {
  /** The CA imported into ACM (validation requires it). */
  readonly caCertificateArn?: string;
  /** The TLS ports decrypted. */
  readonly ports: readonly number[];
  /** Destination ranges never decrypted. */
  readonly neverDecryptCidrs: readonly string[];
  /** What to do with a revoked server certificate. */
  readonly revokedStatusAction: (typeof REVOCATION_ACTIONS)[number];
  /** What to do with a server certificate whose status is unknown. */
  readonly unknownStatusAction: (typeof REVOCATION_ACTIONS)[number];
  /** The example DLP Suricata rule group. */
  readonly exampleDlpRules: boolean;
}

/** What the firewall decrypts, when `inspection.tlsInspection` has the firewall decrypt; undefined otherwise. */
export function firewallDecryptionOf(config: {
  inspection: { mode: InspectionMode; tlsInspection?: TlsInspectionConfig };
}): FirewallDecryption | undefined {
  const tls = config.inspection.tlsInspection;
  if (!tls || decryptionPointOf(tls, config.inspection.mode) !== "firewall") return undefined;
  return {
    ...(tls.caCertificateArn ? { caCertificateArn: tls.caCertificateArn } : {}),
    ports: tls.ports,
    neverDecryptCidrs: tls.neverDecryptCidrs,
    revokedStatusAction: tls.revocation.revokedStatusAction,
    unknownStatusAction: tls.revocation.unknownStatusAction,
    exampleDlpRules: tls.exampleDlpRules,
  };
}

/**
 * The firewall decrypts while proxies sit behind it: a CONNECT tunnel to the proxies' explicit port carries TLS inside
 * a connection to a proxy, which the firewall's scope (the internet's ports) does not reach, so Squid must refuse
 * those tunnels for no TLS to leave undecrypted.
 */
export function firewallDecryptsBehindProxies(config: {
  inspection: { mode: InspectionMode; tlsInspection?: Pick<TlsInspectionConfig, "decryptAt"> };
}): boolean {
  const tls = config.inspection.tlsInspection;
  const mode = config.inspection.mode;
  return tls !== undefined && modeHasProxies(mode) && modeHasFirewall(mode) && decryptionPointOf(tls, mode) === "firewall";
}

/** The interface endpoint the proxies fetch the CA key through (Secrets Manager, reached privately). */
export const CA_KEY_ENDPOINT_SERVICE = "secretsmanager";

/**
 * The interface endpoints to create: `workload.interfaceEndpoints`, plus Secrets Manager when the proxies decrypt.
 * The proxies then reach Secrets Manager at its regional name through the endpoint's private DNS (which DNS Firewall
 * admits as an endpoint name), never over the internet: no allowlist entry opens Secrets Manager to the workloads.
 */
export function interfaceEndpointsOf(config: {
  workload: { interfaceEndpoints: readonly string[] };
  inspection: { mode: InspectionMode; tlsInspection?: Pick<TlsInspectionConfig, "decryptAt"> };
}): string[] {
  const services = [...config.workload.interfaceEndpoints];
  const tls = config.inspection.tlsInspection;
  if (tls && decryptionPointOf(tls, config.inspection.mode) === "proxy" && !services.includes(CA_KEY_ENDPOINT_SERVICE))
    services.push(CA_KEY_ENDPOINT_SERVICE);
  return services;
}

/**
 * What must exist before an apply with decryption (egress6 creates none of it: docs/dlp.md), one line each, for the
 * synth to print. Empty without decryption.
 */
export function tlsPrerequisites(config: {
  inspection: { mode: InspectionMode; tlsInspection?: TlsInspectionConfig; firewall?: { protection?: boolean } };
}): string[] {
  const tls = config.inspection.tlsInspection;
  if (!tls) return [];
  const point = decryptionPointOf(tls, config.inspection.mode);
  const lines =
    point === "proxy" && tls.caPrivateKey
      ? [
          `the customer-managed KMS key ${tls.caPrivateKey.kmsKeyArn}, enabled, whose key policy lets IAM grant kms:Decrypt`,
          `the secret ${tls.caPrivateKey.secretArn}, encrypted with that key, holding the CA's private key (PEM) as its SecretString`,
        ]
      : point === "firewall" && tls.caCertificateArn
        ? [`the CA certificate and key imported into ACM as ${tls.caCertificateArn}, the same CA as caCertificatePem`]
        : [];
  return [
    `TLS decryption at the ${point === "proxy" ? "proxies" : "firewall"}: before apply, these must exist (egress6 creates none of them; docs/dlp.md, "Setup"):`,
    ...lines.map((l) => `  - ${l}`),
    "  check them with: npm run preflight",
    // Switching moves a deployed firewall to another policy, which policy-change protection refuses (docs/dlp.md).
    ...(point === "firewall" && config.inspection.firewall?.protection !== false
      ? [
          "  on a firewall already deployed without decryption (or to turn it off again), this apply fails while inspection.firewall.protection is true (policy-change protection):",
          "    set protection: false, apply, switch decryption, apply, then set protection back to true (docs/dlp.md)",
        ]
      : []),
  ];
}

type Issue = { path: PropertyKey[]; input: unknown; message: string };

/** The checks that need the rest of the configuration (mode, region, egress ports). */
export function checkTlsInspection(
  tls: TlsInspectionConfig,
  context: { mode: InspectionMode; region: string; egressPorts: readonly number[] },
): Issue[] {
  const issues: Issue[] = [];
  const at = (path: PropertyKey[], input: unknown, message: string) =>
    issues.push({ path: ["inspection", "tlsInspection", ...path], input, message });
  const point = decryptionPointOf(tls, context.mode);
  if (point === "proxy" && !modeHasProxies(context.mode)) {
    at(["decryptAt"], tls.decryptAt, `${context.mode} mode has no proxies; accepted here: "firewall"`);
  }
  if (point === "firewall" && !modeHasFirewall(context.mode)) {
    at(["decryptAt"], tls.decryptAt, `${context.mode} mode has no Network Firewall; accepted here: "proxy"`);
  }

  if (point === "firewall") {
    if (tls.caCertificateArn === undefined)
      at(["caCertificateArn"], undefined, "is required when the firewall decrypts: the ARN of the CA certificate imported into ACM");
    if (tls.neverDecrypt.length > 0) {
      at(
        ["neverDecrypt"],
        tls.neverDecrypt,
        "cannot be honoured when the firewall decrypts: a Network Firewall TLS inspection scope selects flows by address and port, never by name. " +
          "List address ranges in neverDecryptCidrs, or decrypt at the proxy (decryptAt: proxy, firewall-proxy mode)",
      );
    }
    if (tls.icap !== undefined) at(["icap"], "{...}", "needs the proxies to decrypt (decryptAt: proxy); the firewall has no ICAP client");
  } else {
    if (tls.caPrivateKey === undefined)
      at(
        ["caPrivateKey"],
        undefined,
        "is required when the proxies decrypt: {secretArn, kmsKeyArn} of the Secrets Manager secret holding the CA's private key",
      );
    if (tls.neverDecryptCidrs.length > 0)
      at(
        ["neverDecryptCidrs"],
        tls.neverDecryptCidrs,
        "applies only when the firewall decrypts; the proxies exempt by name (neverDecrypt)",
      );
    if (tls.exampleDlpRules)
      at(
        ["exampleDlpRules"],
        true,
        "needs the firewall to decrypt (decryptAt: firewall); its Suricata rules see only what the firewall decrypts",
      );
    if (tls.revocation.revokedStatusAction !== "REJECT" || tls.revocation.unknownStatusAction !== "REJECT") {
      at(
        ["revocation"],
        tls.revocation,
        "applies only when the firewall decrypts (Squid checks certificates itself and refuses what fails)",
      );
    }
  }

  for (const [field, arn] of [
    ["caCertificateArn", tls.caCertificateArn],
    ["caPrivateKey", tls.caPrivateKey?.secretArn],
    ["caPrivateKey", tls.caPrivateKey?.kmsKeyArn],
  ] as const) {
    if (arn === undefined) continue;
    const arnRegion = arn.split(":")[3];
    if (arnRegion !== context.region) {
      const sub = field === "caPrivateKey" ? [arn === tls.caPrivateKey?.secretArn ? "secretArn" : "kmsKeyArn"] : [];
      at([field, ...sub], arn, `is in ${arnRegion}; it must be in the environment's region, ${context.region}`);
    }
  }
  if (tls.caPrivateKey && tls.caPrivateKey.secretArn.split(":")[4] !== tls.caPrivateKey.kmsKeyArn.split(":")[4]) {
    at(
      ["caPrivateKey", "kmsKeyArn"],
      tls.caPrivateKey.kmsKeyArn,
      "is in another account than the secret; give the key that encrypts the secret",
    );
  }

  tls.ports.forEach((p, i) => {
    if (p === HTTP_PORT)
      at(["ports", i], p, "is plain HTTP; only TLS ports can be decrypted (Network Firewall drops non-TLS traffic in its scope)");
    else if (!context.egressPorts.includes(p))
      at(["ports", i], p, `is not in egress.ports (${context.egressPorts.join(", ")}); only allowlisted ports are decrypted`);
    else if (tls.ports.indexOf(p) !== i) at(["ports", i], p, "is listed twice");
  });

  const normalized = tls.neverDecrypt.map((raw, i) => {
    const r = normalizeDomain(raw);
    if (!r.ok) at(["neverDecrypt", i], raw, r.reason);
    return r.ok ? r.domain : undefined;
  });
  const all = [...BUILT_IN_NEVER_DECRYPT, ...normalized.filter((d): d is string => d !== undefined)];
  normalized.forEach((d, i) => {
    if (d === undefined) return;
    const wildcard = shadowingWildcard(all, d);
    if (BUILT_IN_NEVER_DECRYPT.includes(d))
      at(["neverDecrypt", i], tls.neverDecrypt[i], `is already in the built-in list (${BUILT_IN_NEVER_DECRYPT.join(", ")})`);
    else if (normalized.indexOf(d) !== i) at(["neverDecrypt", i], tls.neverDecrypt[i], `duplicates ${d}`);
    else if (wildcard) at(["neverDecrypt", i], tls.neverDecrypt[i], `is already covered by ${wildcard}`);
  });

  tls.neverDecryptCidrs.forEach((c, i) => {
    if (!ipaddr.IPv6.isValidCIDR(c)) {
      at(["neverDecryptCidrs", i], c, "must be an IPv6 CIDR such as 2001:db8::/32");
      return;
    }
    const [addr, len] = ipaddr.IPv6.parseCIDR(c);
    if (len === 0) at(["neverDecryptCidrs", i], c, "exempts everything; remove tlsInspection instead");
    else if (ipaddr.IPv6.networkAddressFromCIDR(c).toString() !== addr.toString()) {
      at(["neverDecryptCidrs", i], c, `must be a network address (did you mean ${ipaddr.IPv6.networkAddressFromCIDR(c)}/${len}?)`);
    }
  });
  return issues;
}
