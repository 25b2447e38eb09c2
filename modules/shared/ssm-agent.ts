/**
 * The Systems Manager agent setup every egress6 instance runs at boot, workloads and proxies alike, so that both
 * tiers reach Systems Manager the same way: IMDS over IPv6 for the agent's credentials and Region, and the regional
 * service names, which the workload stack's interface endpoints answer through private DNS.
 */

/** IMDS over IPv6 for the AWS SDKs in the agents (EC2 user guide, "Instance metadata service endpoints"). */
export const IMDS_IPV6_ENV = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6";

/**
 * A systemd drop-in giving an agent's service IMDS over IPv6: the subnet is IPv6-only, so the SDK's IPv4 default
 * (169.254.169.254) is unreachable and the agent would find no credentials.
 */
export function imdsIpv6DropIn(unit: string, marker: string): string {
  return [
    `install -d -m 0755 /etc/systemd/system/${unit}.d`,
    `cat > /etc/systemd/system/${unit}.d/egress6.conf <<'${marker}'`,
    "[Service]",
    `Environment=${IMDS_IPV6_ENV}`,
    marker,
  ].join("\n");
}

/**
 * Restarts the SSM agent (it starts before user data) with IMDS over IPv6, so Session Manager works while the rest
 * of the boot script runs.
 */
export function ssmAgentOverIpv6Commands(): string[] {
  return [
    'echo "egress6: SSM agent over IPv6 IMDS"',
    imdsIpv6DropIn("amazon-ssm-agent.service", "EGRESS6_SSM_AGENT_UNIT"),
    "if systemctl cat amazon-ssm-agent.service >/dev/null 2>&1; then",
    "  systemctl daemon-reload",
    "  systemctl restart amazon-ssm-agent.service",
    "fi",
  ];
}
