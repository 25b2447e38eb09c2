/**
 * The policy agent every proxy runs: it keeps the proxy's egress policy (squid.conf, the allowlist file, the
 * nftables ruleset) in step with the policy bundle in S3, without replacing the instance.
 *
 * Every `pollSeconds` it asks S3 for the bundle object's current VersionId (`s3api head-object`). A version it has
 * not applied is applied after `rolloutDelaySeconds` (rank x step: the first AZ's primary first, the canary), or at
 * once when the proxy runs no policy yet. Applying:
 *  1. fetch that exact version (`s3api get-object --version-id`) into a staging directory beside the running one,
 *     split it into its files (the container format below), check the version line and that every file is there;
 *  2. `squid -k parse` a copy of the staged squid.conf that names the staged allowlist, and `nft -c` the ruleset;
 *  3. only then switch: one rename of the `current` link makes the three new files live together;
 *  4. apply the nftables ruleset (one atomic `nft -f` transaction) and `squid -k reconfigure`. Squid closes and
 *     reopens its listening sockets while it reconfigures (measured with Squid 5.7: connections made in that window
 *     are refused), so the agent first holds new inbound connections (an nftables rule drops TCP SYNs arriving on
 *     any interface but loopback; clients retransmit them after about a second) and releases them once every
 *     listener has been reopened; connections already open are not touched by a reconfigure;
 *  5. health gate: Squid answers on its explicit port within `healthSeconds`.
 * Any failure before step 3 leaves the running files untouched; a failure after it switches the link back, applies
 * the previous ruleset and reconfigures Squid again. Either way the agent writes a line with POLICY_FAILURE_MARK to
 * its log (shipped to CloudWatch; an alarm's metric filter counts it), publishes `PolicyApplyFailed` = 1 (again on
 * every poll while that version is still the current object, so the alarm stays on), and does not retry that
 * version. It never opens: before the first good bundle Squid is not started (the squid.service drop-in requires
 * the policy's squid.conf), and nothing in this script allows traffic by itself.
 *
 * After a good apply, and on every poll while it runs that version, it publishes `PolicyVersion` (the bundle's
 * `policyVersionOf(...).metricValue`) with the dimensions Environment and Proxy (`proxySlotId`).
 *
 * Container format: one S3 object, text. First line `POLICY_VERSION_PREFIX + id`; then each file as a marker line
 * `BUNDLE_FILE_MARK + name` followed by its content; last, the line BUNDLE_END_MARK (a truncated object is refused).
 * One object, not one object per file: one PUT replaces the whole policy atomically and one VersionId names it, so a
 * proxy can never read the allowlist of one version with the squid.conf of another, and a rollback is one
 * version. `awk` splits it; the renderer refuses content with a line that starts like a marker.
 *
 * Every path and command the script uses can be overridden from the environment (EGRESS6_*), which is how the
 * real-Squid test runs this very script against a Squid in a network namespace with a fake `aws`.
 */
import { PROXY_DIMENSION, PROXY_METRIC, PROXY_METRIC_NAMESPACE, POLICY_VERSION_PREFIX } from "../../lib/proxy-signals";

/** Marker line before each file of a bundle: `### egress6-bundle-file: <name>`. */
export const BUNDLE_FILE_MARK = "### egress6-bundle-file: ";
/** The last line of every bundle. */
export const BUNDLE_END_MARK = "### egress6-bundle-end";
/** The files of a bundle, by role: their names inside it and in the policy directory. */
export const BUNDLE_FILES = { squidConf: "squid.conf", allowlist: "allowlist", intercept: "intercept.nft" } as const;
/** Where the proxy keeps its policies: one directory per applied version, `current` a link to the running one. */
export const DEFAULT_POLICY_DIR = "/etc/egress6/policy";
/** The link, inside the policy directory, that names the running version's directory. */
export const CURRENT_LINK = "current";
/** The agent's log; the CloudWatch agent ships it, and an alarm counts the failure lines. */
export const POLICY_AGENT_LOG = "/var/log/egress6/policy-agent.log";
const LOG_TAG = "egress6-policy";
/** The text of a refused bundle in that log (the alarm's filter pattern matches it). */
export const POLICY_FAILURE_MARK = `${LOG_TAG}: FAILED`;
/** The agent's script and unit on the instance. */
export const POLICY_AGENT_PATH = "/usr/local/sbin/egress6-policy-agent";
export const POLICY_AGENT_UNIT = "egress6-policy-agent.service";
/** The environment file the boot script writes for the unit (bucket, key, slot, delays). */
export const POLICY_AGENT_ENV_FILE = "/etc/egress6/policy-agent.env";
/** The nftables table that holds new connections while Squid reconfigures. */
export const HOLD_TABLE = "egress6_hold";
/** How often the agent asks S3 for the bundle's version. */
export const DEFAULT_POLL_SECONDS = 30;
/** How long Squid has to answer after a reconfigure before the agent rolls back. */
export const DEFAULT_HEALTH_SECONDS = 30;

/** What the agent's environment file says (everything else has a default in the script). */
export interface PolicyAgentSettings {
  /** The bucket holding the bundle (a Terraform reference at synth). */
  readonly bucket: string;
  /** The bundle object's key. */
  readonly key: string;
  /** The region of the bucket and of CloudWatch. */
  readonly region: string;
  /** The S3 endpoint the agent calls (path style): `https://s3.dualstack.<region>.<suffix>`. */
  readonly s3EndpointUrl: string;
  /** The CloudWatch endpoint the agent publishes to: `https://monitoring.<region>.api.aws`. */
  readonly monitoringEndpointUrl: string;
  /** The environment name (the Environment dimension). */
  readonly env: string;
  /** This proxy's slot, `proxySlotId(az, n)` (the Proxy dimension). */
  readonly slot: string;
  /** Seconds between first seeing a new version and applying it: rank x rollout step (0 for the canary). */
  readonly rolloutDelaySeconds: number;
  /** Squid's explicit port: the health gate asks it. */
  readonly explicitPort: number;
  /** Every port Squid listens on: the agent waits until each listener has been reopened after a reconfigure. */
  readonly listenPorts: readonly number[];
}

/** The environment file's lines (`NAME=value`, systemd EnvironmentFile syntax; values never need quoting here). */
export function renderPolicyAgentEnv(s: PolicyAgentSettings): string {
  for (const [name, value] of Object.entries(s)) {
    if (/[\s"'\\]/.test(String(value))) throw new Error(`policy agent setting ${name} has a character the env file cannot carry: ${value}`);
  }
  if (!Number.isInteger(s.rolloutDelaySeconds) || s.rolloutDelaySeconds < 0)
    throw new Error(`rolloutDelaySeconds must be a whole number >= 0, not ${s.rolloutDelaySeconds}`);
  return [
    `EGRESS6_POLICY_BUCKET=${s.bucket}`,
    `EGRESS6_POLICY_KEY=${s.key}`,
    `EGRESS6_REGION=${s.region}`,
    `EGRESS6_S3_ENDPOINT=${s.s3EndpointUrl}`,
    `EGRESS6_MONITORING_ENDPOINT=${s.monitoringEndpointUrl}`,
    `EGRESS6_ENV=${s.env}`,
    `EGRESS6_PROXY_SLOT=${s.slot}`,
    `EGRESS6_ROLLOUT_DELAY_SECONDS=${s.rolloutDelaySeconds}`,
    `EGRESS6_EXPLICIT_PORT=${s.explicitPort}`,
    `EGRESS6_LISTEN_PORTS=${s.listenPorts.join(",")}`,
    "",
  ].join("\n");
}

/** The systemd unit that runs the agent (a loop; restarted if it ever exits). */
export function renderPolicyAgentUnit(imdsEnv: string): string {
  return `[Unit]
Description=egress6: keep the proxy's egress policy in step with the policy bundle in S3 (parse, switch, reconfigure, health gate)
After=network-online.target egress6-intercept.service
Wants=network-online.target

[Service]
Type=simple
EnvironmentFile=${POLICY_AGENT_ENV_FILE}
Environment=${imdsEnv}
ExecStart=${POLICY_AGENT_PATH}
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
`;
}

/**
 * The agent (bash). No Terraform interpolation inside: what differs per proxy comes from the environment file.
 * `$` is written as is; the boot script escapes the whole script for Terraform.
 */
export function renderPolicyAgentScript(): string {
  const metricDims = `${PROXY_DIMENSION.environment}="$ENV_NAME",${PROXY_DIMENSION.proxy}="$SLOT"`;
  return `#!/bin/bash
# egress6 policy agent: applies the policy bundle from S3 to Squid and nftables (modules/proxy/policy-agent.ts).
set -uo pipefail
umask 022

BUCKET=\${EGRESS6_POLICY_BUCKET:?EGRESS6_POLICY_BUCKET is not set}
KEY=\${EGRESS6_POLICY_KEY:?EGRESS6_POLICY_KEY is not set}
REGION=\${EGRESS6_REGION:?EGRESS6_REGION is not set}
ENV_NAME=\${EGRESS6_ENV:?EGRESS6_ENV is not set}
SLOT=\${EGRESS6_PROXY_SLOT:?EGRESS6_PROXY_SLOT is not set}
EXPLICIT_PORT=\${EGRESS6_EXPLICIT_PORT:?EGRESS6_EXPLICIT_PORT is not set}
LISTEN_PORTS=\${EGRESS6_LISTEN_PORTS:-$EXPLICIT_PORT}
S3_ENDPOINT=\${EGRESS6_S3_ENDPOINT:-}
MONITORING_ENDPOINT=\${EGRESS6_MONITORING_ENDPOINT:-}
ROLLOUT_DELAY=\${EGRESS6_ROLLOUT_DELAY_SECONDS:-0}
POLL=\${EGRESS6_POLL_SECONDS:-${DEFAULT_POLL_SECONDS}}
HEALTH_SECONDS=\${EGRESS6_HEALTH_SECONDS:-${DEFAULT_HEALTH_SECONDS}}
POLICY_DIR=\${EGRESS6_POLICY_DIR:-${DEFAULT_POLICY_DIR}}
STATE_DIR=\${EGRESS6_STATE_DIR:-/var/lib/egress6-policy}
LOG=\${EGRESS6_POLICY_LOG:-${POLICY_AGENT_LOG}}
SQUID=\${EGRESS6_SQUID:-squid}
SQUID_CONF=\${EGRESS6_SQUID_CONF:-/etc/squid/squid.conf}
SQUID_START=\${EGRESS6_SQUID_START:-systemctl start --no-block squid.service}
NFT=\${EGRESS6_NFT:-nft}
AWS=\${EGRESS6_AWS:-aws}
ONCE=\${EGRESS6_ONCE:-}

CURRENT="$POLICY_DIR/${CURRENT_LINK}"
STAGE="$POLICY_DIR/.staging"
PREFIX='${POLICY_VERSION_PREFIX}'
mkdir -p "$POLICY_DIR" "$STATE_DIR" "$(dirname "$LOG")"

log() {
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) ${LOG_TAG}: $*" >> "$LOG"
  echo "${LOG_TAG}: $*" >&2
}
s3() { "$AWS" s3api "$@" --region "$REGION" \${S3_ENDPOINT:+--endpoint-url "$S3_ENDPOINT"}; }
metric() {
  "$AWS" cloudwatch put-metric-data --region "$REGION" \${MONITORING_ENDPOINT:+--endpoint-url "$MONITORING_ENDPOINT"} \\
    --namespace '${PROXY_METRIC_NAMESPACE}' --metric-name "$1" --value "$2" --unit None --dimensions ${metricDims} >/dev/null 2>&1 ||
    log "WARNING: cannot publish $1 to CloudWatch"
}
failed() {
  log "FAILED: $*"
  metric ${PROXY_METRIC.policyApplyFailed} 1
}

# Squid's listening sockets (inode per port): a reconfigure replaces them.
listeners() {
  local p
  for p in \${LISTEN_PORTS//,/ }; do
    ss -Hltne "sport = :$p" 2>/dev/null | grep -o 'ino:[0-9]*' | sort | head -n 1 | sed "s/^/$p=/"
  done
}
# Squid answers on its explicit port (any response of Squid's own: it refuses this request from loopback).
healthy() {
  curl -s -g -m 2 -o /dev/null -D - "http://[::1]:$EXPLICIT_PORT/" 2>/dev/null | grep -qi '^x-squid-error:'
}
wait_healthy() {
  local deadline=$((SECONDS + HEALTH_SECONDS))
  until healthy; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}
squid_running() { [ -e "$CURRENT/${BUNDLE_FILES.squidConf}" ] && "$SQUID" -k check -f "$SQUID_CONF" >/dev/null 2>&1; }
hold_on() {
  "$NFT" -f - <<EOF
table inet ${HOLD_TABLE}
delete table inet ${HOLD_TABLE}
table inet ${HOLD_TABLE} {
  chain prerouting {
    type filter hook prerouting priority raw; policy accept;
    iifname != "lo" tcp flags & (syn | ack) == syn drop
  }
}
EOF
}
hold_off() { "$NFT" delete table inet ${HOLD_TABLE} >/dev/null 2>&1 || true; }

# Reconfigures Squid onto what $CURRENT names, holding new connections until every listener is back.
reconfigure() {
  local before deadline
  if ! squid_running; then
    $SQUID_START || return 1
    wait_healthy
    return
  fi
  before=$(listeners)
  hold_on || log "WARNING: cannot hold new connections during the reconfigure"
  sleep 0.2
  "$SQUID" -k reconfigure -f "$SQUID_CONF" || { hold_off; return 1; }
  deadline=$((SECONDS + 5))
  while [ "$(listeners)" = "$before" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
  deadline=$((SECONDS + HEALTH_SECONDS))
  until [ "$(listeners | wc -l)" -ge "$(echo "\${LISTEN_PORTS//,/ }" | wc -w)" ] && healthy; do
    if [ "$SECONDS" -ge "$deadline" ]; then hold_off; return 1; fi
    sleep 0.05
  done
  hold_off
}

# Splits a bundle into its files in the directory given; fails on anything but exactly the expected files.
split_bundle() {
  local bundle=$1 dir=$2
  awk -v dir="$dir" -v mark='${BUNDLE_FILE_MARK}' -v end='${BUNDLE_END_MARK}' '
    NR == 1 { next }
    index($0, mark) == 1 {
      name = substr($0, length(mark) + 1)
      if (name !~ /^[a-z][a-z.]*$/ || name in seen) exit 5
      seen[name] = 1; out = dir "/" name; printf "" > out; next
    }
    $0 == end { done = 1; exit }
    out == "" { exit 3 }
    { print > out }
    END { if (!done) exit 4 }
  ' "$bundle" || return 1
  local f
  for f in ${Object.values(BUNDLE_FILES).join(" ")}; do [ -f "$dir/$f" ] || return 1; done
  [ "$(find "$dir" -mindepth 1 | wc -l)" -eq ${Object.values(BUNDLE_FILES).length} ]
}

# Applies one S3 object version. 0: applied; 1: refused (not retried), the running policy untouched or restored;
# 2: not applied for a reason that may pass (fetch failed, or the first policy did not come up): retried next poll.
apply() {
  local vid=$1 first id value new previous
  rm -rf "$STAGE" && mkdir -p "$STAGE"
  if ! s3 get-object --bucket "$BUCKET" --key "$KEY" --version-id "$vid" "$STATE_DIR/bundle" >/dev/null 2>"$STATE_DIR/fetch.err"; then
    # A failed fetch says nothing about the bundle: retried at the next poll.
    failed "get-object of version $vid: $(head -n 1 "$STATE_DIR/fetch.err")"
    return 2
  fi
  first=$(head -n 1 "$STATE_DIR/bundle")
  id=\${first#"$PREFIX"}
  if [ "$first" = "$id" ] || ! [[ $id =~ ^[0-9a-f]{12}$ ]]; then
    failed "object version $vid is not a policy bundle (first line: $first)"
    return 1
  fi
  if ! split_bundle "$STATE_DIR/bundle" "$STAGE"; then
    failed "bundle $id (object version $vid) is truncated or malformed"
    return 1
  fi
  # The staged squid.conf names the allowlist where it will live ($CURRENT); the check copy names the staged one.
  sed "s#$CURRENT/#$STAGE/#g" "$STAGE/${BUNDLE_FILES.squidConf}" > "$STATE_DIR/parse.conf"
  if ! "$SQUID" -k parse -f "$STATE_DIR/parse.conf" > "$STATE_DIR/parse.log" 2>&1 || grep -qE 'FATAL|ERROR|Bungled|unrecognized' "$STATE_DIR/parse.log"; then
    failed "squid -k parse refused bundle $id (object version $vid): $(grep -m 1 -E 'FATAL|ERROR|Bungled|unrecognized' "$STATE_DIR/parse.log")"
    return 1
  fi
  if ! "$NFT" -c -f "$STAGE/${BUNDLE_FILES.intercept}" > "$STATE_DIR/nft.log" 2>&1; then
    failed "nft -c refused the ruleset of bundle $id (object version $vid): $(head -n 1 "$STATE_DIR/nft.log")"
    return 1
  fi
  new="$POLICY_DIR/$id-$(date +%s)"
  mv -T "$STAGE" "$new" || { failed "cannot move the staged bundle $id into place"; return 1; }
  previous=$(readlink "$CURRENT" 2>/dev/null || true)
  ln -sfn "$new" "$POLICY_DIR/.next" && mv -Tf "$POLICY_DIR/.next" "$CURRENT" || { failed "cannot switch to bundle $id"; return 1; }
  if "$NFT" -f "$CURRENT/${BUNDLE_FILES.intercept}" && reconfigure; then
    echo "$vid" > "$STATE_DIR/applied"
    echo "$id" > "$STATE_DIR/applied-id"
    value=$((16#\${id:0:8}))
    echo "$value" > "$STATE_DIR/applied-metric"
    log "applied bundle $id (object version $vid)"
    metric ${PROXY_METRIC.policyVersion} "$value"
    # Keep the running and the previous version, nothing older.
    find "$POLICY_DIR" -mindepth 1 -maxdepth 1 -type d ! -name '.*' ! -path "$new" \${previous:+! -path "$previous"} -exec rm -rf {} +
    return 0
  fi
  if [ -n "$previous" ]; then
    ln -sfn "$previous" "$POLICY_DIR/.next" && mv -Tf "$POLICY_DIR/.next" "$CURRENT"
    "$NFT" -f "$CURRENT/${BUNDLE_FILES.intercept}" || log "WARNING: cannot re-apply the previous ruleset"
    reconfigure || log "WARNING: Squid did not come back on the previous policy"
    failed "bundle $id (object version $vid) failed the health gate; restored $(basename "$previous")"
  else
    # Nothing to restore: the files stay, Squid stays down (closed) or comes up on them; retried next poll.
    failed "bundle $id (object version $vid): Squid did not answer within $HEALTH_SECONDS s"
    return 2
  fi
  return 1
}

applied=$(cat "$STATE_DIR/applied" 2>/dev/null || true)
refused=$(cat "$STATE_DIR/refused" 2>/dev/null || true)
seen=""
seen_at=0
while true; do
  if ! vid=$(s3 head-object --bucket "$BUCKET" --key "$KEY" --query VersionId --output text 2>"$STATE_DIR/head.err"); then
    failed "head-object s3://$BUCKET/$KEY: $(head -n 1 "$STATE_DIR/head.err")"
  elif [ "$vid" = "$applied" ]; then
    :
  elif [ "$vid" = "$refused" ]; then
    metric ${PROXY_METRIC.policyApplyFailed} 1
  else
    if [ "$vid" != "$seen" ]; then
      seen=$vid
      seen_at=$SECONDS
      [ -n "$applied" ] && log "new bundle object version $vid: applying in $ROLLOUT_DELAY s"
    fi
    if [ -z "$applied" ] || [ $((SECONDS - seen_at)) -ge "$ROLLOUT_DELAY" ]; then
      apply "$vid"
      case $? in
        0) applied=$vid ;;
        1) refused=$vid && echo "$vid" > "$STATE_DIR/refused" ;;
      esac
    fi
  fi
  [ -n "$applied" ] && [ -f "$STATE_DIR/applied-metric" ] && metric ${PROXY_METRIC.policyVersion} "$(cat "$STATE_DIR/applied-metric")"
  [ -n "$ONCE" ] && exit 0
  sleep "$POLL"
done
`;
}
