/**
 * Boot script of a proxy instance (Amazon Linux 2023): Squid built with OpenSSL, IPv6 interception, access logs
 * to CloudWatch.
 *
 * Interception: nftables `tproxy` in the prerouting hook plus a policy route (`fwmark 1 -> table 100: local ::/0`).
 * It is the TPROXY target the Squid wiki prescribes for IPv6, written in nftables rather than ip6tables because
 * nftables is AL2023's native firewall (iptables there is a compatibility layer). TPROXY leaves the packet's
 * destination untouched, so Squid sees the address the workload dialled (intercepted HTTP is checked against it);
 * REDIRECT/NAT66 would rewrite it. The outbound leg leaves from the proxy's own address because squid.conf says
 * `spoof_client_ip deny all`: replies from the internet come back to the proxy, never straight to the workload.
 *
 * The egress policy is not in the script: squid.conf, the allowlist and the nftables ruleset come from the policy
 * bundle in S3, which the policy agent installed here applies and keeps up to date (modules/proxy/policy-agent.ts).
 * Before its first good bundle Squid does not start, so a new proxy is closed until it has a policy. Changing the
 * policy therefore changes nothing in this script.
 *
 * The script is a Terraform template string: literal `${` and `%{` are escaped; the policy bucket's name (a
 * Terraform reference, `policySource.bucket`) is the one interpolation left for Terraform to fill in at apply.
 */
import { logGroupNames, resourceName } from "../../lib/names";
import { HTTP_PORT, DEFAULT_SQUID_PATHS, type SquidPolicy } from "./squid-conf";
import { IMDS_IPV6_ENV, imdsIpv6DropIn, ssmAgentOverIpv6Commands } from "../shared/ssm-agent";
import { bootHostCheckCommands, monitoringDualStackHost, proxyBootHosts, s3DualStackHost, serviceHost } from "../shared/boot-hosts";
import { proxySlotId } from "../../lib/proxy-signals";
import {
  BUNDLE_FILES,
  CURRENT_LINK,
  DEFAULT_POLICY_DIR,
  POLICY_AGENT_ENV_FILE,
  POLICY_AGENT_LOG,
  POLICY_AGENT_PATH,
  POLICY_AGENT_UNIT,
  renderPolicyAgentEnv,
  renderPolicyAgentScript,
  renderPolicyAgentUnit,
} from "./policy-agent";
import { heartbeatCommands } from "./heartbeat";
import { PRIMARY_SLOT } from "../../lib/proxy-failover";

/** Packet mark and routing table of the interception policy route (any values unused on AL2023 will do). */
export const INTERCEPT_MARK = 1;
export const INTERCEPT_TABLE = 100;
/** Priority of the policy rule: before AL2023's per-ENI rules (amazon-ec2-net-utils uses 10000 and up). */
const INTERCEPT_RULE_PRIORITY = 100;

/**
 * The largest packet a Network Firewall endpoint carries: 8500 bytes, as for the Gateway Load Balancer endpoints it
 * is built on (Gateway Load Balancer user guide, "MTU"). Workload and proxy speak 9001-byte jumbo frames inside the
 * VPC, and in firewall-proxy mode every segment between them crosses the firewall: the proxy's interface MTU is
 * lowered to this so that it advertises a TCP MSS that fits and never sends a larger segment itself (in every
 * mode: where no firewall sits between them it costs nothing, the internet leg being 1500 bytes anyway).
 */
export const FIREWALL_ENDPOINT_MTU = 8500;

/** Shell lines that set the MTU of the interface holding the IPv6 default route. */
export function interfaceMtuCommands(mtu: number): string[] {
  return [
    "primary=$(ip -6 route show default | awk '{for (i = 1; i < NF; i++) if ($i == \"dev\") { print $(i + 1); exit }}')",
    `ip link set dev "$primary" mtu ${mtu}`,
  ];
}

export interface InterceptRulesetProps {
  /** Only traffic from this network is intercepted (the VPC's /56). */
  readonly vpcIpv6Cidr: string;
  /** Allowlisted destination ports: 80 goes to the HTTP listener, every other port to the TLS listener. */
  readonly ports: readonly number[];
  /** The local port Squid's TPROXY listener for plain HTTP binds: flows to port 80 are diverted to it. */
  readonly interceptHttpPort: number;
  /** The local port Squid's TPROXY listener for TLS binds: flows to every other allowlisted port are diverted to it. */
  readonly interceptHttpsPort: number;
}

/** The nftables ruleset that diverts the workloads' TCP flows to Squid (idempotent: replaces its own table). */
export function renderInterceptRuleset(props: InterceptRulesetProps): string {
  const tlsPorts = props.ports.filter((p) => p !== HTTP_PORT);
  const mark = `0x${INTERCEPT_MARK.toString(16)}`;
  const divert: string[] = [];
  if (props.ports.includes(HTTP_PORT)) {
    divert.push(
      `    ip6 saddr ${props.vpcIpv6Cidr} tcp dport ${HTTP_PORT} tproxy to :${props.interceptHttpPort} meta mark set ${mark} accept`,
    );
  }
  if (tlsPorts.length > 0) {
    divert.push(
      `    ip6 saddr ${props.vpcIpv6Cidr} tcp dport { ${tlsPorts.join(", ")} } tproxy to :${props.interceptHttpsPort} meta mark set ${mark} accept`,
    );
  }
  return [
    "# egress6: divert the workloads' outbound TCP to Squid (TPROXY). Generated; do not edit.",
    "table ip6 egress6",
    "delete table ip6 egress6",
    "table ip6 egress6 {",
    "  chain prerouting {",
    "    type filter hook prerouting priority mangle; policy accept;",
    "    # Segments of a flow Squid already owns: deliver to its transparent socket.",
    `    meta l4proto tcp socket transparent 1 meta mark set ${mark} accept`,
    "    # Traffic to the proxy itself (explicit port, replies to its own connections) is not intercepted.",
    "    fib daddr type local accept",
    "    # New flows to an allowlisted port; every other port is dropped below (this host never routes).",
    ...divert,
    "  }",
    "  chain forward {",
    "    # The proxy is an endpoint, never a router: nothing is forwarded, whatever source/dest check allows.",
    "    type filter hook forward priority filter; policy drop;",
    "  }",
    "}",
    "",
  ].join("\n");
}

/**
 * Commands that apply the interception (after `nft -f` of the ruleset): never route, and deliver marked packets
 * locally through a policy route. Each line is idempotent.
 */
export function interceptRoutingCommands(): string[] {
  const mark = `0x${INTERCEPT_MARK.toString(16)}`;
  return [
    "sysctl -q -w net.ipv6.conf.all.forwarding=0",
    `ip -6 rule del priority ${INTERCEPT_RULE_PRIORITY} 2>/dev/null || true`,
    `ip -6 rule add priority ${INTERCEPT_RULE_PRIORITY} fwmark ${mark}/${mark} lookup ${INTERCEPT_TABLE}`,
    `ip -6 route replace local ::/0 dev lo table ${INTERCEPT_TABLE}`,
  ];
}

/** Where the proxies' CA comes from when they decrypt: the certificate in the user data, the key from a secret. */
export interface ProxyCaSource {
  /** The CA certificate, PEM, public part only. */
  readonly certificatePem: string;
  /** The Secrets Manager secret holding the CA's private key (PEM in SecretString), created outside Terraform. */
  readonly secretArn: string;
}

/** The boot-time unit that fetches the CA key; Squid requires it, so a proxy without its key never serves. */
export const CA_KEY_UNIT = "egress6-ca-key.service";

/**
 * With decryption, Squid's certificate database lives on a tmpfs of its own, mounted at every boot by the CA key
 * unit before `security_file_certgen -c` creates the database in it: the helper stores every certificate it mints,
 * with its key, there (reproduced with Squid 5.7), and none of that may reach the EBS volume. `-c` refuses an existing
 * directory, hence the database one level below the mount point.
 */
export const CERT_DATABASE_TMPFS = "/var/lib/squid/egress6-tmpfs";
export const DECRYPTING_CERT_DATABASE = `${CERT_DATABASE_TMPFS}/ssl_db`;
/**
 * The path overrides the proxies' squid.conf is rendered with (the boot script and `npm run squid-config` share
 * them): with decryption, the certificate database on the tmpfs.
 */
export function squidConfPathOverrides(policy: Pick<SquidPolicy, "decryption">): { paths?: { certDatabase: string } } {
  return policy.decryption ? { paths: { certDatabase: DECRYPTING_CERT_DATABASE } } : {};
}
/** Size of that tmpfs: Squid's database is created with -M 4MB; the rest is headroom. */
const CERT_DATABASE_TMPFS_SIZE = "32m";

/** Where the CA key unit logs each failed attempt; the CloudWatch agent ships it, and an alarm counts the lines. */
export const CA_KEY_LOG = "/var/log/egress6/ca-key.log";
const CA_KEY_LOG_TAG = "egress6-ca-key";
/** The text of a failed attempt in that log (the alarm's filter pattern matches it). */
export const CA_KEY_FAILURE_MARK = `${CA_KEY_LOG_TAG}: FAILED`;
/**
 * The start of the line Squid writes to cache.log when it finds an ICAP service with bypass=on unreachable and from
 * then on passes traffic unadapted ("optional ICAP service is down after an options fetch failure: <uri>"; Squid's
 * src/adaptation/icap/ServiceRep.cc, the wording seen in public log parsers; the real-Squid test checks it).
 */
export const ICAP_BYPASS_MARK = "optional ICAP service is down";
/** Backoff between attempts: doubling from the first, capped (seconds). */
export const CA_KEY_RETRY = { firstDelaySeconds: 5, maxDelaySeconds: 300 } as const;

/**
 * Lines of the boot script that install the CA certificate and a unit that, at every boot before Squid, mounts the
 * tmpfs for Squid's certificate database and fetches the CA's private key from Secrets Manager into a tmpfs (/run).
 * The key itself is never in the user data, Terraform's state or a log: the script names only the secret's ARN; the
 * CLI's output goes to a file, never to the console.
 *
 * Secrets Manager is reached at its regional name with `--endpoint-url`, whatever name the installed CLI would
 * pick: the interface endpoint's private DNS answers that name inside the VPC (the workload stack creates the
 * endpoint whenever the proxies decrypt), and DNS Firewall admits it as an endpoint name. A failed attempt is
 * retried with a doubling delay (capped) forever, each failure written to the journal and to CA_KEY_LOG (shipped to
 * CloudWatch, counted by an alarm); Squid waits, so the AZ's egress stays closed until the key arrives, and the boot
 * itself goes on (the unit and Squid are started without blocking it).
 */
export function caKeyCommands(
  ca: ProxyCaSource,
  region: string,
  paths: { caCertificate: string; caPrivateKey: string; certGenerator: string; certDatabase: string },
): string {
  if (/PRIVATE KEY/.test(ca.certificatePem)) throw new Error("the CA certificate given to the proxies contains a private key");
  const keyDir = paths.caPrivateKey.replace(/\/[^/]*$/, "");
  const tmpfs = paths.certDatabase.replace(/\/[^/]*$/, "");
  const logDir = CA_KEY_LOG.replace(/\/[^/]*$/, "");
  return `echo "egress6: the customer CA (certificate from user data, key from Secrets Manager at every boot)"
dnf install -y --setopt=retries=10 awscli-2
install -m 0644 /dev/null ${paths.caCertificate}
cat > ${paths.caCertificate} <<'EGRESS6_CA_CERT'
${ca.certificatePem.trim()}
EGRESS6_CA_CERT
openssl x509 -in ${paths.caCertificate} -noout

cat > /usr/local/sbin/egress6-ca-key <<'EGRESS6_CA_KEY'
#!/bin/bash
# Every boot, before Squid: a tmpfs for Squid's certificate database (it holds minted certificates and their keys),
# then the CA's private key from Secrets Manager into a tmpfs, readable by Squid only. Prints nothing of the key.
set -uo pipefail
umask 077
install -d -m 0750 ${logDir}
log() {
  echo "${CA_KEY_LOG_TAG}: $*" >&2
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) ${CA_KEY_LOG_TAG}: $*" >> ${CA_KEY_LOG}
}

install -d -m 0750 -o squid -g squid ${tmpfs}
if ! mountpoint -q ${tmpfs}; then
  mount -t tmpfs -o size=${CERT_DATABASE_TMPFS_SIZE},mode=0750,uid=squid,gid=squid,nosuid,nodev,noexec egress6-ssl-db ${tmpfs} || { log "FATAL: cannot mount a tmpfs at ${tmpfs}"; exit 1; }
fi
if [ ! -d ${paths.certDatabase} ]; then
  runuser -u squid -- ${paths.certGenerator} -c -s ${paths.certDatabase} -M 4MB >/dev/null || { log "FATAL: cannot create ${paths.certDatabase}"; exit 1; }
fi

install -d -m 0750 -o root -g squid ${keyDir}
fetch() {
  local tmp err
  tmp=$(mktemp ${keyDir}/.ca-key.XXXXXX) || return 1
  if ! err=$(aws secretsmanager get-secret-value --region ${region} --endpoint-url https://${serviceHost("secretsmanager", region)} \
      --secret-id '${ca.secretArn}' --query SecretString --output text 2>&1 >"$tmp"); then
    reason="get-secret-value: $(head -n 1 <<<"$err")"
  elif ! openssl pkey -in "$tmp" -noout 2>/dev/null; then
    reason="the secret does not hold a PEM private key"
  elif [ "$(openssl pkey -in "$tmp" -pubout | sha256sum)" != "$(openssl x509 -in ${paths.caCertificate} -noout -pubkey | sha256sum)" ]; then
    reason="the key in the secret is not the key of ${paths.caCertificate}"
  else
    chgrp squid "$tmp" && chmod 0640 "$tmp" && mv -f "$tmp" ${paths.caPrivateKey} && return 0
    reason="cannot install the key"
  fi
  rm -f "$tmp"
  return 1
}
attempt=1
delay=${CA_KEY_RETRY.firstDelaySeconds}
until fetch; do
  log "FAILED attempt $attempt: $reason; retrying in $delay s"
  sleep "$delay"
  attempt=$((attempt + 1))
  delay=$((delay * 2 > ${CA_KEY_RETRY.maxDelaySeconds} ? ${CA_KEY_RETRY.maxDelaySeconds} : delay * 2))
done
log "CA key in place after $attempt attempt(s)"
EGRESS6_CA_KEY
chmod 0755 /usr/local/sbin/egress6-ca-key

cat > /etc/systemd/system/${CA_KEY_UNIT} <<'EGRESS6_CA_KEY_UNIT'
[Unit]
Description=egress6: tmpfs for Squid's certificate database; the customer CA's private key for Squid (every boot)
After=network-online.target
Wants=network-online.target
Before=squid.service

[Service]
Type=oneshot
RemainAfterExit=yes
Environment=${IMDS_IPV6_ENV}
ExecStart=/usr/local/sbin/egress6-ca-key
# It retries until the key arrives; Squid waits for it.
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EGRESS6_CA_KEY_UNIT
systemctl daemon-reload
systemctl enable ${CA_KEY_UNIT}
systemctl start --no-block ${CA_KEY_UNIT}
`;
}

/**
 * What the boot script needs of the policy: the environment name, Squid's listeners and whether it decrypts; never
 * the allowlist or the ports, which reach the proxy in the policy bundle.
 */
export type ProxyBootPolicy = Pick<SquidPolicy, "env" | "explicitPort" | "interceptHttpPort" | "interceptHttpsPort" | "decryption">;

/** Where the policy bundle is and how this proxy takes part in a rollout. */
export interface ProxyPolicySource {
  /** The bucket holding the bundle (a Terraform reference). */
  readonly bucket: string;
  /** The bundle's object key. */
  readonly key: string;
  /**
   * This proxy's place in a rollout: it applies a new bundle `rank x stepSeconds` after first seeing it. Rank 0 (the
   * first AZ's primary) is the canary.
   */
  readonly rank: number;
  /** Seconds between two ranks of a rollout. */
  readonly stepSeconds: number;
}

export interface ProxyUserDataProps {
  /** Environment name, Squid's listeners and decryption (never the allowlist or the ports: see ProxyBootPolicy). */
  readonly policy: ProxyBootPolicy;
  /** Where the agent fetches the policy bundle, and this proxy's rollout rank. */
  readonly policySource: ProxyPolicySource;
  /**
   * This proxy's number within its AZ: 1 for the primary, 2 for a standby (the Proxy dimension is
   * `proxySlotId(az, slot)`).
   * @default 1
   */
  readonly slot?: number;
  /**
   * The customer CA, given exactly when the proxies decrypt (policy.decryption; the function throws otherwise).
   * @default - none: the script installs no CA key unit, and Squid decrypts nothing
   */
  readonly ca?: ProxyCaSource;
  /** The region the CloudWatch agent ships the access log to. */
  readonly region: string;
  /** AZ suffix of this proxy (`a`). */
  readonly az: string;
}

const AGENT_START = `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \\
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/egress6.json`;

/** The user data script (a Terraform template string: see the file comment). */
export function renderProxyUserData(props: ProxyUserDataProps): string {
  const { policy, az, policySource } = props;
  if ((policy.decryption === undefined) !== (props.ca === undefined)) {
    throw new Error("the proxies decrypt exactly when they are given a CA: policy.decryption and ca go together");
  }
  const slot = props.slot ?? PRIMARY_SLOT;
  if (!Number.isInteger(slot) || slot < 1) throw new Error(`slot must be a whole number >= 1, not ${slot}`);
  if (!Number.isInteger(policySource.rank) || policySource.rank < 0)
    throw new Error(`rank must be a whole number >= 0, not ${policySource.rank}`);
  // With decryption the certificate database moves to a tmpfs (caKeyCommands); without, nothing changes.
  const paths = props.ca ? { ...DEFAULT_SQUID_PATHS, certDatabase: DECRYPTING_CERT_DATABASE } : DEFAULT_SQUID_PATHS;
  const current = `${DEFAULT_POLICY_DIR}/${CURRENT_LINK}`;
  const agentEnv = renderPolicyAgentEnv({
    bucket: policySource.bucket,
    key: policySource.key,
    region: props.region,
    s3EndpointUrl: `https://${s3DualStackHost(props.region)}`,
    monitoringEndpointUrl: `https://${monitoringDualStackHost(props.region)}`,
    env: policy.env,
    slot: proxySlotId(az, slot),
    rolloutDelaySeconds: policySource.rank * policySource.stepSeconds,
    explicitPort: policy.explicitPort,
    listenPorts: [policy.explicitPort, policy.interceptHttpPort, policy.interceptHttpsPort],
  });
  const agentConfig = JSON.stringify(
    {
      agent: { region: props.region, run_as_user: "root" },
      logs: {
        // The regional name the agent would use anyway (answered by the logs interface endpoint), written out so
        // that every host of the boot is in the script (CloudWatch agent configuration file, logs.endpoint_override).
        endpoint_override: serviceHost("logs", props.region),
        logs_collected: {
          files: {
            collect_list: [
              {
                file_path: paths.accessLog,
                log_group_name: logGroupNames(policy.env).proxyAccess,
                log_stream_name: `proxy-${az}/{instance_id}`,
                timezone: "UTC",
              },
              // The policy agent's log: every apply and every refused bundle (the proxy-policy alarm counts the failures).
              {
                file_path: POLICY_AGENT_LOG,
                log_group_name: logGroupNames(policy.env).proxyAccess,
                log_stream_name: `proxy-${az}-${slot}/{instance_id}/policy`,
                timezone: "UTC",
              },
              // With decryption: the CA key unit's failed attempts (the proxy-ca-key alarm counts them), and, when ICAP
              // fails open, only Squid's lines saying it bypasses the service (the icap-bypass alarm counts them).
              ...(props.ca
                ? [
                    {
                      file_path: CA_KEY_LOG,
                      log_group_name: logGroupNames(policy.env).proxyAccess,
                      log_stream_name: `proxy-${az}/{instance_id}/ca-key`,
                      timezone: "UTC",
                    },
                  ]
                : []),
              ...(policy.decryption?.icap && !policy.decryption.icap.failClosed
                ? [
                    {
                      file_path: paths.cacheLog,
                      log_group_name: logGroupNames(policy.env).proxyAccess,
                      log_stream_name: `proxy-${az}/{instance_id}/icap`,
                      filters: [{ type: "include", expression: ICAP_BYPASS_MARK }],
                      timezone: "UTC",
                    },
                  ]
                : []),
            ],
          },
        },
      },
    },
    null,
    2,
  );
  const name = resourceName(policy.env, "proxy", az);

  const script = `#!/bin/bash
# egress6 ${name}: Squid filtering the workloads' egress by host name and SNI (never decrypting),
# IPv6 interception with TPROXY, access logs to CloudWatch. Generated by modules/proxy/user-data.ts.
set -euo pipefail
export ${IMDS_IPV6_ENV}

# The SSM agent is already running (it starts before user data): the same setup as the workloads'.
${ssmAgentOverIpv6Commands().join("\n")}

# The hosts this boot reaches (modules/shared/boot-hosts.ts; DNS Firewall admits each of them).
echo "egress6: boot hosts"
${bootHostCheckCommands(proxyBootHosts(props.region)).join("\n")}

echo "egress6: installing Squid, nftables, the CloudWatch agent"
dnf install -y --setopt=retries=10 squid nftables amazon-cloudwatch-agent openssl awscli-2
# Read the whole banner first: under pipefail, \`squid -v | grep -q\` fails when grep stops reading at the first
# match and squid dies of SIGPIPE.
squid_build=$(squid -v)
if ! grep -q -- '--with-openssl' <<<"$squid_build"; then
  echo "egress6: FATAL: this Squid is not built with OpenSSL; peek/splice (SslBump) needs it" >&2
  exit 1
fi

echo "egress6: squid.conf is the policy bundle's (the policy agent installs it)"
install -d -m 0755 ${DEFAULT_POLICY_DIR}
ln -sfn ${current}/${BUNDLE_FILES.squidConf} /etc/squid/squid.conf

# The TLS listener needs a certificate although it never decrypts: Squid only uses it (and the certificate
# generator) to sign its own error pages. No workload trusts it.
if [ ! -s ${paths.tlsCertificate} ]; then
  tmp=$(mktemp -d)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \\
    -subj "/CN=${name} splice-only" -keyout "$tmp/key.pem" -out "$tmp/cert.pem"
  install -m 0640 -o root -g squid /dev/null ${paths.tlsCertificate}
  cat "$tmp/cert.pem" "$tmp/key.pem" > ${paths.tlsCertificate}
  rm -rf "$tmp"
fi
if [ ! -x ${paths.certGenerator} ]; then
  echo "egress6: FATAL: ${paths.certGenerator} is missing; squid.conf names it for the TLS listener" >&2
  exit 1
fi
${
  props.ca
    ? caKeyCommands(props.ca, props.region, paths)
    : `if [ ! -d ${paths.certDatabase} ]; then
  install -d -m 0750 -o squid -g squid "$(dirname ${paths.certDatabase})"
  ${paths.certGenerator} -c -s ${paths.certDatabase} -M 4MB
  chown -R squid:squid ${paths.certDatabase}
fi
`
}
echo "egress6: interception"
install -d -m 0755 /etc/egress6
cat > /usr/local/sbin/egress6-intercept <<'EGRESS6_INTERCEPT'
#!/bin/bash
# Diverts intercepted flows to Squid: nftables marks them (the policy bundle's ruleset, re-applied at every boot;
# the policy agent applies each new one), the policy route delivers marked packets locally.
set -euo pipefail
if [ -f ${current}/${BUNDLE_FILES.intercept} ]; then nft -f ${current}/${BUNDLE_FILES.intercept}; fi
${interceptRoutingCommands().join("\n")}
${interfaceMtuCommands(FIREWALL_ENDPOINT_MTU).join("\n")}
EGRESS6_INTERCEPT
chmod 0755 /usr/local/sbin/egress6-intercept

cat > /etc/systemd/system/egress6-intercept.service <<'EGRESS6_UNIT'
[Unit]
Description=egress6: divert the workloads' IPv6 egress to Squid (TPROXY)
After=network-online.target systemd-networkd.service
Wants=network-online.target
Before=squid.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/egress6-intercept

[Install]
WantedBy=multi-user.target
EGRESS6_UNIT

install -d -m 0755 /etc/systemd/system/squid.service.d
cat > /etc/systemd/system/squid.service.d/egress6.conf <<'EGRESS6_SQUID_UNIT'
[Unit]
Requires=egress6-intercept.service${props.ca ? ` ${CA_KEY_UNIT}` : ""}
After=egress6-intercept.service${props.ca ? ` ${CA_KEY_UNIT}` : ""}
# No policy, no Squid: until the policy agent has installed a bundle that parses, nothing is served (closed).
ConditionPathExists=${current}/${BUNDLE_FILES.squidConf}

[Service]
Restart=always
RestartSec=2${
    props.ca
      ? `
# With decryption the config names the CA key, which ${CA_KEY_UNIT} fetches: Squid checks it here, after the key
# unit, never in the boot script (squid -k parse stops with "No valid signing certificate configured" without it).
ExecStartPre=/usr/sbin/squid -k parse -f /etc/squid/squid.conf`
      : ""
  }
EGRESS6_SQUID_UNIT

# systemd-networkd would otherwise delete the policy rule and route above the next time it starts.
install -d -m 0755 /etc/systemd/networkd.conf.d
cat > /etc/systemd/networkd.conf.d/50-egress6.conf <<'EGRESS6_NETWORKD'
[Network]
ManageForeignRoutingPolicyRules=no
ManageForeignRoutes=no
EGRESS6_NETWORKD

cat > /etc/sysctl.d/90-egress6.conf <<'EGRESS6_SYSCTL'
# The proxy terminates flows; it never routes packets.
net.ipv6.conf.all.forwarding = 0
net.ipv4.ip_forward = 0
EGRESS6_SYSCTL
sysctl -q -p /etc/sysctl.d/90-egress6.conf

echo "egress6: access logs to CloudWatch"
cat > /opt/aws/amazon-cloudwatch-agent/etc/egress6.json <<'EGRESS6_CWAGENT'
${agentConfig}
EGRESS6_CWAGENT
${imdsIpv6DropIn("amazon-cloudwatch-agent.service", "EGRESS6_CWAGENT_UNIT")}

echo "egress6: the policy agent (the egress policy comes from s3://<bucket>/${policySource.key}, never from this script)"
cat > ${POLICY_AGENT_PATH} <<'EGRESS6_POLICY_AGENT'
${renderPolicyAgentScript()}EGRESS6_POLICY_AGENT
chmod 0755 ${POLICY_AGENT_PATH}
cat > ${POLICY_AGENT_ENV_FILE} <<'EGRESS6_POLICY_AGENT_ENV'
${agentEnv}EGRESS6_POLICY_AGENT_ENV
cat > ${POLICY_AGENT_AWS_CONFIG} <<'EGRESS6_POLICY_AGENT_AWS'
[default]
s3 =
  addressing_style = path
EGRESS6_POLICY_AGENT_AWS
cat > /etc/systemd/system/${POLICY_AGENT_UNIT} <<'EGRESS6_POLICY_AGENT_UNIT'
${renderPolicyAgentUnit(`${IMDS_IPV6_ENV} AWS_CONFIG_FILE=${POLICY_AGENT_AWS_CONFIG}`)}EGRESS6_POLICY_AGENT_UNIT

# The heartbeat publishes only while Squid answers, so it may start before Squid has a policy.
${heartbeatCommands({ env: policy.env, region: props.region, slot: proxySlotId(az, slot), explicitPort: policy.explicitPort }).join("\n")}
systemctl daemon-reload
${
  props.ca
    ? `# With decryption the log shipping (the CA key and ICAP alarms read it) and the enabled units come first: nothing
# that can fail runs before them. Squid waits for ${CA_KEY_UNIT} (which retries until the key arrives) and checks
# its config then (ExecStartPre above); the boot never parses it.
${AGENT_START}
systemctl enable egress6-intercept.service ${CA_KEY_UNIT} squid.service ${POLICY_AGENT_UNIT}
systemctl start egress6-intercept.service
systemctl start --no-block ${POLICY_AGENT_UNIT}`
    : `systemctl enable --now egress6-intercept.service
# Squid starts once the policy agent has a bundle that parses (and at every later boot, on the last good one).
systemctl enable squid.service
${AGENT_START}
systemctl enable --now ${POLICY_AGENT_UNIT}`
}
echo "egress6: ${name} ready"
`;
  return escapeTemplateExcept(script, policySource.bucket);
}

/** The AWS CLI configuration the policy agent uses: path-style S3 requests, so that one host name serves every bucket. */
export const POLICY_AGENT_AWS_CONFIG = "/etc/egress6/policy-agent.aws";

/**
 * Escapes Terraform template sequences (`${` -> `$${`, `%{` -> `%%{`) everywhere except in the `references`, which
 * are left for Terraform (or cdktf's token resolution) to interpolate.
 */
export function escapeTemplateExcept(text: string, ...references: string[]): string {
  // A function replacement: in a replacement string "$$" would mean a single "$".
  const escape = (s: string) => s.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
  const [reference, ...others] = references.filter((r) => r.startsWith("${"));
  if (reference === undefined) return escape(text);
  return text
    .split(reference)
    .map((part) => escapeTemplateExcept(part, ...others))
    .join(reference);
}
