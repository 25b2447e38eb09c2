/**
 * squid.conf for the proxy tier, rendered from the one egress policy (`SquidPolicy`, which stacks/proxy-policy.ts
 * maps from the config).
 *
 * What the rendered file does:
 * - Three listeners: the explicit proxy port (clients that set HTTP(S)_PROXY), intercepted plain HTTP and
 *   intercepted TLS (both TPROXY; see user-data.ts for the packet side).
 * - HTTP is filtered on the host in the URL / Host header, explicit CONNECT on its target, intercepted TLS on the
 *   SNI with `peek step1; peek step2 allowed; splice step3 allowed; terminate`: never decrypted.
 * - Only the VPC /56 may use the proxy; only allowlisted ports; no IP literals (no reverse-DNS match either);
 *   never the instance's own link-local/IMDS space, loopback or the VPC as a destination; no caching; the outbound
 *   leg leaves from the proxy's own address.
 *
 * The access rules are the same for every caller; `SquidConfOptions` changes only where files live and which
 * address Squid listens on (the behaviour test runs Squid on loopback with exactly these rules).
 */
import { squidHeartbeatLines } from "./heartbeat";
import * as ipaddr from "ipaddr.js";

/** What squid.conf is rendered from: the egress allowlist and the proxy's listeners (the stack maps the config to it). */
export interface SquidPolicy {
  /** The environment name (part of Squid's visible hostname). */
  readonly env: string;
  /** Allowlisted destinations, normalised: `example.com` exactly, `.example.com` with its subdomains. */
  readonly domains: readonly string[];
  /** Allowlisted destination TCP ports. */
  readonly ports: readonly number[];
  /** The explicit proxy port (clients that set HTTP(S)_PROXY). */
  readonly explicitPort: number;
  /** Where intercepted plain HTTP arrives (TPROXY). */
  readonly interceptHttpPort: number;
  /** Where intercepted TLS arrives (TPROXY). */
  readonly interceptHttpsPort: number;
  /** Decrypt allowlisted TLS with the customer CA (opt-in). @default none: peek and splice only, nothing decrypted */
  readonly decryption?: SquidDecryption;
  /**
   * Refuse CONNECT on the explicit port (the firewall decrypts in front of the proxies and cannot see into a tunnel
   * to the proxy). @default false
   */
  readonly refuseExplicitTunnels?: boolean;
}

/** What Squid decrypts (bumps) and what it passes through untouched (splices). */
export interface SquidDecryption {
  /** Normalised domains never decrypted (matched on the SNI the client sent): spliced. */
  readonly neverDecrypt: readonly string[];
  /** TLS ports that are decrypted; allowlisted TLS on other ports is spliced. */
  readonly ports: readonly number[];
  /** An ICAP service that sees the decrypted (and plain HTTP) traffic. @default none */
  readonly icap?: SquidIcap;
}

export interface SquidIcap {
  /** REQMOD service URI (`icap://[addr]:port/path`). */
  readonly requestUri: string;
  /** RESPMOD service URI. @default none: responses are not sent */
  readonly responseUri?: string;
  /** `bypass=off`: traffic fails while the service is unreachable. `false`: it passes unadapted. */
  readonly failClosed: boolean;
}

/** Squid service ids of the ICAP services. */
export const ICAP_SERVICE_IDS = { request: "egress6_reqmod", response: "egress6_respmod" } as const;

/** Squid's `name=` for each listener; ACLs refer to listeners by these names. */
export const PORT_NAMES = {
  explicit: "explicit",
  interceptHttp: "intercept-http",
  interceptHttps: "intercept-https",
} as const;

/** IANA: port 80 is HTTP. Intercepted traffic to it goes to the HTTP listener, every other allowlisted port to the TLS one. */
export { HTTP_PORT } from "../../lib/ports";

/**
 * Destinations the proxy never connects to, whatever a name resolves to: IPv4 link-local (IMDS 169.254.169.254),
 * IPv6 link-local, `fd00:ec2::/32`, which EC2 reserves for IMDS, DNS and NTP (EC2 user guide, "Instance metadata"),
 * the proxy itself (loopback `::1` and `127.0.0.0/8`, and `0.0.0.0/8`, which Linux also delivers locally), and, in
 * squid.conf, the VPC /56 (no allowlisted name may take a workload into the VPC: the proxy would be a way around
 * security groups). Without this, an allowlisted name that resolves there would hand the proxy's instance
 * credentials, or its own services, to a workload.
 */
export const RESERVED_DESTINATIONS = ["169.254.0.0/16", "fe80::/10", "fd00:ec2::/32", "::1", "127.0.0.0/8", "0.0.0.0/8"] as const;

/** Printed in place of the VPC /56 when it is not known yet (the Amazon-provided block is assigned at apply). */
export const VPC_CIDR_PLACEHOLDER = "VPC_IPV6_CIDR";

/** Fields of the access log line (`logformat egress6`), in order, for space-delimited CloudWatch filter patterns. */
export const ACCESS_LOG_FIELDS = ["time", "duration_ms", "client", "result", "bytes", "method", "url", "sni", "hierarchy"] as const;
const ACCESS_LOG_FORMAT = "%ts.%03tu %tr %>a %Ss/%03>Hs %<st %rm %ru %ssl::>sni %Sh/%<a";
/**
 * The same fields for an intercepted TLS connection whose SNI is not allowlisted. Squid logs `ssl_bump terminate`
 * as NONE_NONE/000, which says nothing of a refusal; the proxy-denial alarm matches `result=*DENIED*`, so these
 * lines say TCP_DENIED, as Squid's own refusals do.
 */
const ACCESS_LOG_FORMAT_TLS_REFUSED = ACCESS_LOG_FORMAT.replace("%Ss/", "TCP_DENIED/");

/** Where Squid's files live. Defaults are Amazon Linux 2023's (the proxy instances' OS). */
export interface SquidPaths {
  /** @default "/run/squid.pid" */
  readonly pidFile: string;
  /** @default "/var/log/squid/access.log" */
  readonly accessLog: string;
  /** @default "/var/log/squid/cache.log" */
  readonly cacheLog: string;
  /** @default "/etc/hosts" */
  readonly hostsFile: string;
  /** @default "/var/spool/squid" */
  readonly coredumpDir: string;
  /**
   * Certificate and key (one PEM file) of the TLS listener. Squid requires one on an ssl-bump port; with
   * peek/splice it never stands in for a server whose traffic is allowed.
   * @default "/etc/squid/egress6-splice-only.pem"
   */
  readonly tlsCertificate: string;
  /** @default "/usr/lib64/squid/security_file_certgen" (AL2023 package layout) */
  readonly certGenerator: string;
  /** Directory the certificate generator keeps its database in; user data creates it. @default "/var/lib/squid/ssl_db" */
  readonly certDatabase: string;
  /** The customer CA certificate (public part), with decryption. @default "/etc/squid/egress6-ca.crt" */
  readonly caCertificate: string;
  /**
   * The CA's private key, with decryption: fetched from Secrets Manager at every boot into a tmpfs, never on disk
   * or in user data. @default "/run/egress6/ca-key.pem"
   */
  readonly caPrivateKey: string;
}

export const DEFAULT_SQUID_PATHS: SquidPaths = {
  pidFile: "/run/squid.pid",
  accessLog: "/var/log/squid/access.log",
  cacheLog: "/var/log/squid/cache.log",
  hostsFile: "/etc/hosts",
  coredumpDir: "/var/spool/squid",
  tlsCertificate: "/etc/squid/egress6-splice-only.pem",
  certGenerator: "/usr/lib64/squid/security_file_certgen",
  certDatabase: "/var/lib/squid/ssl_db",
  caCertificate: "/etc/squid/egress6-ca.crt",
  caPrivateKey: "/run/egress6/ca-key.pem",
};

export interface SquidConfOptions {
  /**
   * The VPC's IPv6 /56: the only network allowed to use the proxy (`localnet`). At synth time this is a
   * Terraform reference (`${...}`) resolved at apply; `VPC_CIDR_PLACEHOLDER` when printing for review.
   */
  readonly vpcIpv6Cidr: string;
  /** AZ suffix (`a`), for the proxy's visible host name. @default none */
  readonly az?: string;
  /** Address every listener binds to, e.g. `[::1]` in tests. @default all addresses */
  readonly listenAddress?: string;
  /** File locations. @default DEFAULT_SQUID_PATHS */
  readonly paths?: Partial<SquidPaths>;
  /**
   * With decryption: a CA bundle Squid trusts for origin certificates instead of the system's (tests: the test
   * origin's CA). @default the system trust store
   */
  readonly upstreamCaFile?: string;
  /**
   * Squid reads the allowlist from this file (one entry a line) instead of from squid.conf: the policy bundle ships
   * the file beside the config (modules/proxy/policy-bundle.ts). @default none: the entries are written inline
   */
  readonly allowlistFile?: string;
}

/** Renders squid.conf. Throws on option values that would inject configuration (programming errors, not user input). */
export function renderSquidConf(policy: SquidPolicy, options: SquidConfOptions): string {
  const localnet = checkVpcCidr(options.vpcIpv6Cidr);
  const paths: SquidPaths = { ...DEFAULT_SQUID_PATHS, ...options.paths };
  for (const [key, value] of Object.entries(paths)) {
    if (!/^\/[^\s"#]*$/.test(value))
      throw new Error(`squid.conf path ${key} must be an absolute path without spaces, got ${JSON.stringify(value)}`);
  }
  const listen = options.listenAddress === undefined ? "" : `${checkListenAddress(options.listenAddress)}:`;
  const { explicitPort, interceptHttpPort, interceptHttpsPort, domains, ports } = policy;
  const hostname = ["egress6", policy.env, "proxy", options.az].filter((p) => p !== undefined).join("-");
  const decryption = policy.decryption;
  if (options.upstreamCaFile !== undefined && !/^\/[^\s"#]*$/.test(options.upstreamCaFile)) {
    throw new Error(`upstreamCaFile must be an absolute path without spaces, got ${JSON.stringify(options.upstreamCaFile)}`);
  }
  if (options.allowlistFile !== undefined && !/^\/[^\s"#]*$/.test(options.allowlistFile)) {
    throw new Error(`allowlistFile must be an absolute path without spaces, got ${JSON.stringify(options.allowlistFile)}`);
  }
  /** The allowlist as ACL values: a quoted file name (Squid reads one entry a line from it), or the entries inline. */
  const allowlistAcl = (prefix: string) =>
    options.allowlistFile === undefined ? domains.map((d) => `${prefix} ${d}`) : [`${prefix} "${options.allowlistFile}"`];
  if (decryption) {
    for (const uri of [decryption.icap?.requestUri, decryption.icap?.responseUri]) {
      if (uri !== undefined && !/^icaps?:\/\/\[[0-9a-f:.]+\]:\d+\/[^\s"#]*$/.test(uri))
        throw new Error(`ICAP URI ${JSON.stringify(uri)} is not icap://[address]:port/path`);
    }
  }
  /** The certificate options of a listener that bumps: certificates for the origins are minted from the CA. */
  const bumpCert = `tls-cert=${paths.caCertificate} tls-key=${paths.caPrivateKey} generate-host-certificates=on dynamic_cert_mem_cache_size=4MB`;

  const lines: string[] = [
    "# Generated by egress6 (modules/proxy/squid-conf.ts) from the egress policy. Do not edit on the instance.",
    `# Allowed: ${domains.length} domain entr${domains.length === 1 ? "y" : "ies"} on TCP port${ports.length === 1 ? "" : "s"} ${ports.join(", ")}. Everything else is refused.`,
    "",
    "## Listeners",
    `# Explicit proxy (HTTP_PROXY / HTTPS_PROXY=http://<proxy>:${explicitPort}). CONNECT is filtered on its target; the proxy resolves the name itself.`,
    ...(decryption
      ? [
          "# CONNECT tunnels are bumped like intercepted TLS (same rules below): certificates minted from the customer CA.",
          `http_port ${listen}${explicitPort} name=${PORT_NAMES.explicit} ssl-bump ${bumpCert}`,
        ]
      : [`http_port ${listen}${explicitPort} name=${PORT_NAMES.explicit}`]),
    "# Intercepted plain HTTP (TPROXY): filtered on the Host header, which must resolve to the address the client dialled.",
    `http_port ${listen}${interceptHttpPort} tproxy name=${PORT_NAMES.interceptHttp}`,
    ...(decryption
      ? [
          "# Intercepted TLS (TPROXY): filtered on the SNI; allowlisted names are decrypted with the customer CA unless",
          "# exempt (never_decrypt) or on a port that is not decrypted, which are spliced untouched.",
          `https_port ${listen}${interceptHttpsPort} tproxy ssl-bump name=${PORT_NAMES.interceptHttps} ${bumpCert}`,
        ]
      : [
          "# Intercepted TLS (TPROXY): filtered on the SNI by peek/splice, never decrypted. generate-host-certificates is on",
          "# because Squid 5 cannot start a TLS session on an ssl-bump port without it; it only ever signs error pages.",
          `https_port ${listen}${interceptHttpsPort} tproxy ssl-bump name=${PORT_NAMES.interceptHttps} tls-cert=${paths.tlsCertificate} generate-host-certificates=on dynamic_cert_mem_cache_size=1MB`,
        ]),
    `sslcrtd_program ${paths.certGenerator} -s ${paths.certDatabase} -M 4MB`,
    "sslcrtd_children 3 startup=1 idle=1",
    "",
    "## Who, where, which ports",
    "# localnet is the VPC's IPv6 /56 only (Squid's stock fc00::/7 and fe80::/10 do not cover a global /56).",
    ...(localnet === VPC_CIDR_PLACEHOLDER
      ? [`# ${VPC_CIDR_PLACEHOLDER}: AWS assigns the /56 when the network stack is applied; the instances get the real value.`]
      : []),
    `acl localnet src ${localnet}`,
    ...ports.map((p) => `acl egress_ports port ${p}`),
    "# -n: an IP-literal request never matches through a reverse DNS lookup.",
    ...allowlistAcl("acl egress_domains dstdomain -n"),
    "# --client-requested: judge the name the client asked for (SNI), at every step, not the server's certificate.",
    ...allowlistAcl("acl egress_sni ssl::server_name --client-requested"),
    "# An IPv4 literal (all digits and dots) or an IPv6 literal (a host never contains ':').",
    "acl ip_literal dstdom_regex -n ^[0-9.]+$ :",
    "# The VPC itself is a destination no name may lead to (localnet is for clients only).",
    `acl reserved_destinations dst ${RESERVED_DESTINATIONS.join(" ")} ${localnet}`,
    `acl tls_intercepted myportname ${PORT_NAMES.interceptHttps}`,
    `acl plain_listeners myportname ${PORT_NAMES.explicit} ${PORT_NAMES.interceptHttp}`,
    "# Logged as Squid says: everything but intercepted TLS whose SNI is not allowlisted (terminated, or refused earlier).",
    "acl logged_as_is any-of plain_listeners egress_sni",
    ...(decryption
      ? [
          "# Never decrypted, whatever else matches: spliced on the SNI the client sent.",
          ...decryption.neverDecrypt.map((d) => `acl never_decrypt ssl::server_name --client-requested ${d}`),
          ...decryption.ports.map((p) => `acl decrypt_ports port ${p}`),
        ]
      : []),
    "acl step1 at_step SslBump1",
    "acl step2 at_step SslBump2",
    "acl step3 at_step SslBump3",
    "",
    "## Access rules (first match wins)",
    "http_access deny manager",
    "http_access deny !localnet",
    "http_access deny !egress_ports",
    ...(policy.refuseExplicitTunnels
      ? [
          "# The firewall decrypts in front of this proxy; it cannot see into a tunnel to the explicit port, so none is opened.",
          "acl connect_method method CONNECT",
          `acl explicit_listener myportname ${PORT_NAMES.explicit}`,
          "http_access deny connect_method explicit_listener",
        ]
      : []),
    "# An intercepted TLS connection arrives as a CONNECT to the address the client dialled; ssl_bump below",
    "# decides on its SNI. This is the only way an IP literal gets past this point.",
    "http_access allow tls_intercepted ip_literal !reserved_destinations",
    "http_access deny ip_literal",
    "http_access deny !egress_domains",
    "http_access deny reserved_destinations",
    "http_access allow localnet",
    "http_access deny all",
    "",
    ...(decryption
      ? [
          "## TLS: read the SNI; splice exempt names and ports; decrypt (bump) the other allowed names; close the rest.",
          "ssl_bump peek step1",
          "ssl_bump splice step2 egress_sni never_decrypt",
          "ssl_bump splice step2 egress_sni !decrypt_ports",
          "ssl_bump stare step2 egress_sni",
          "ssl_bump bump step3 egress_sni",
          "ssl_bump terminate all",
          "# A bumped origin must present a certificate Squid trusts; anything else is refused, never waved through.",
          "sslproxy_cert_error deny all",
          `tls_outgoing_options min-version=1.2${options.upstreamCaFile === undefined ? "" : ` cafile=${options.upstreamCaFile}`}`,
          ...icapLines(decryption.icap),
          "",
        ]
      : [
          "## TLS: read the SNI, splice allowed names, close everything else. No bump: nothing is decrypted.",
          "ssl_bump peek step1",
          "ssl_bump peek step2 egress_sni",
          "ssl_bump splice step3 egress_sni",
          "ssl_bump terminate all",
          "",
        ]),
    "## Behaviour",
    "# Connect out from the proxy's own address: TPROXY would otherwise reuse the workload's, and the internet's",
    "# replies would be routed to the workload, bypassing the proxy.",
    "spoof_client_ip deny all",
    "# Intercepted plain HTTP whose Host does not resolve to the dialled address is refused (409). Squid 5 does not",
    "# make the same check for the SNI of intercepted TLS: a client can pair an allowed SNI with any address.",
    "host_verify_strict on",
    "cache deny all",
    "forwarded_for delete",
    "httpd_suppress_version_string on",
    "pinger_enable off",
    "shutdown_lifetime 10 seconds",
    `visible_hostname ${hostname}`,
    "",
    "## Files",
    `logformat egress6 ${ACCESS_LOG_FORMAT}`,
    `logformat egress6_tls_refused ${ACCESS_LOG_FORMAT_TLS_REFUSED}`,
    ...squidHeartbeatLines(),
    "# One file, one line per transaction: refused intercepted TLS is logged as TCP_DENIED (the alarm counts it).",
    `access_log stdio:${paths.accessLog} logformat=egress6 logged_as_is`,
    `access_log stdio:${paths.accessLog} logformat=egress6_tls_refused !logged_as_is`,
    "# logrotate moves the files; Squid only reopens them on `squid -k rotate`.",
    "logfile_rotate 0",
    `cache_log ${paths.cacheLog}`,
    `pid_filename ${paths.pidFile}`,
    `coredump_dir ${paths.coredumpDir}`,
    `hosts_file ${paths.hostsFile}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** ICAP: every decrypted (and plain HTTP) request, and optionally response, goes to the DLP service. */
function icapLines(icap: SquidIcap | undefined): string[] {
  if (!icap) return [];
  const bypass = icap.failClosed ? "off" : "on";
  const lines = [
    "",
    `## ICAP (DLP). bypass=${bypass}: ${icap.failClosed ? "while the service is unreachable, traffic fails (closed)" : "while the service is unreachable, traffic passes unadapted (open)"}.`,
    "icap_enable on",
    "icap_send_client_ip on",
    `icap_service ${ICAP_SERVICE_IDS.request} reqmod_precache ${icap.requestUri} bypass=${bypass}`,
    `adaptation_access ${ICAP_SERVICE_IDS.request} allow all`,
  ];
  if (icap.responseUri !== undefined) {
    lines.push(
      `icap_service ${ICAP_SERVICE_IDS.response} respmod_precache ${icap.responseUri} bypass=${bypass}`,
      `adaptation_access ${ICAP_SERVICE_IDS.response} allow all`,
    );
  }
  return lines;
}

/** A Terraform reference, the review placeholder, or a literal IPv6 CIDR; nothing that could break a line. */
function checkVpcCidr(value: string): string {
  if (value === VPC_CIDR_PLACEHOLDER) return value;
  if (/^\$\{[^\n]*\}$/.test(value)) return value;
  if (ipaddr.IPv6.isValidCIDR(value)) return value;
  throw new Error(`vpcIpv6Cidr must be an IPv6 CIDR or a Terraform reference, got ${JSON.stringify(value)}`);
}

function checkListenAddress(value: string): string {
  const inner = value.replace(/^\[(.*)\]$/, "$1");
  if (inner !== value && ipaddr.IPv6.isValid(inner)) return value;
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return value;
  throw new Error(`listenAddress must be [IPv6] or an IPv4 address, got ${JSON.stringify(value)}`);
}
