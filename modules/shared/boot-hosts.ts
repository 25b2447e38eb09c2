/**
 * The host names an egress6 instance reaches while it boots, derived in one place: the boot scripts name them (and
 * check that each resolves to an IPv6 address), and DNS Firewall admits them whatever `egress.domains` says. Without
 * that, a proxy replaced by a policy change gets NXDOMAIN for its package repository once the allowlist lists exact
 * names, and egress stops in every AZ.
 *
 * How each host is reached:
 * - the Amazon Linux 2023 package repository: over the internet, from the proxy's own address. The proxy subnet's
 *   route sends ::/0 straight to the egress-only gateway (no firewall endpoint on the way), and Squid intercepts only
 *   what arrives from the VPC, never the proxy's own connections; the proxy security group and the proxy network ACL
 *   admit HTTPS out. DNS Firewall is the only filter on the way, so it must admit the name.
 * - Systems Manager and CloudWatch Logs: through the workload stack's interface endpoints, whose private DNS answers
 *   the service's regional name inside the VPC (AAAA records). DNS Firewall must admit those names too.
 * - The policy bundle (S3) and the proxies' own metrics (CloudWatch PutMetricData): over the internet, like the
 *   package repository, at their dual-stack names. No S3 gateway endpoint is used: the proxy subnet's ::/0 goes to
 *   the egress-only gateway, and the proxy's security group and network ACL already admit HTTPS out.
 */
import { dnsSuffixOf, partitionOf } from "../../lib/partition";

/** What a booting instance reaches, and why. */
export interface BootHost {
  readonly host: string;
  readonly purpose: string;
  readonly via: "internet" | "interface endpoint";
}

/**
 * The AL2023 repository host dnf uses on EC2: the S3 dual-stack name of the `al2023-repos-<region>-de612dc2` bucket,
 * from the image's /etc/yum.repos.d/amazonlinux.repo (`mirrorlist=https://al2023-repos-$awsregion-de612dc2.s3
 * $dualstack.$awsregion.$awsdomain/...`, with /etc/dnf/vars/dualstack = `.dualstack`). Not stated on an AWS page:
 * read from the image's repository file as public configurations quote it (docs/known-limits.md).
 */
export function al2023RepositoryHost(region: string): string {
  return `al2023-repos-${region}-de612dc2.s3.dualstack.${region}.${dnsSuffixOf(region)}`;
}

/**
 * S3's regional dual-stack name, used path style (`https://s3.dualstack.<region>.amazonaws.com/<bucket>/<key>`), so
 * that DNS Firewall admits one name and not every bucket's (S3 user guide, "Using Amazon S3 dual-stack endpoints":
 * path-style and virtual-hosted-style dual-stack names).
 */
export function s3DualStackHost(region: string): string {
  return `s3.dualstack.${region}.${dnsSuffixOf(region)}`;
}

/**
 * A service's dual-stack (IPv4 and IPv6) regional name: `<service>.<region>.api.aws`, and
 * `<service>.<region>.api.amazonwebservices.com.cn` in China (AWS General Reference, "Dual-stack endpoints"; the
 * China suffix is not confirmed on a readable page: docs/known-limits.md). The ISO partitions have none: their
 * regional name is returned.
 */
export function dualStackServiceHost(service: string, region: string): string {
  switch (partitionOf(region)) {
    case "aws":
    case "aws-us-gov":
      return `${service}.${region}.api.aws`;
    case "aws-cn":
      return `${service}.${region}.api.amazonwebservices.com.cn`;
    default:
      return serviceHost(service, region);
  }
}

/** CloudWatch's dual-stack name, `monitoring.<region>.api.aws` (AWS General Reference, "Amazon CloudWatch endpoints and quotas"). */
export function monitoringDualStackHost(region: string): string {
  return dualStackServiceHost("monitoring", region);
}

/** The interface endpoint services the instances' agents need at boot: the SSM agent (three) and the CloudWatch agent. */
export const AGENT_ENDPOINT_SERVICES = ["ssm", "ssmmessages", "ec2messages", "logs"] as const;

/** The regional name a service's interface endpoint answers through private DNS (`ssm.us-east-1.amazonaws.com`). */
export function serviceHost(service: string, region: string): string {
  return `${service}.${region}.${dnsSuffixOf(region)}`;
}

/**
 * Every host a proxy reaches while it boots (dnf installs Squid, nftables and the CloudWatch agent at every boot), and
 * that its policy agent keeps reaching.
 */
export function proxyBootHosts(region: string): BootHost[] {
  return [
    { host: al2023RepositoryHost(region), purpose: "dnf: Squid, nftables, the CloudWatch agent", via: "internet" },
    { host: s3DualStackHost(region), purpose: "policy agent: the policy bundle", via: "internet" },
    {
      host: monitoringDualStackHost(region),
      purpose: "policy agent (PolicyVersion, PolicyApplyFailed) and heartbeat (Healthy, every 10 s): PutMetricData",
      via: "internet",
    },
    ...AGENT_ENDPOINT_SERVICES.map((s) => ({
      host: serviceHost(s, region),
      purpose: s === "logs" ? "CloudWatch agent: access logs" : "SSM agent: Session Manager",
      via: "interface endpoint" as const,
    })),
  ];
}

/** Every host a workload reaches while it boots: the SSM agent's endpoints (workloads install nothing). */
export function workloadBootHosts(region: string): BootHost[] {
  return AGENT_ENDPOINT_SERVICES.filter((s) => s !== "logs").map((s) => ({
    host: serviceHost(s, region),
    purpose: "SSM agent: Session Manager",
    via: "interface endpoint" as const,
  }));
}

/**
 * Shell lines that check, at boot, that every host resolves to an IPv6 address, and say which does not (a DNS
 * Firewall allowlist that lost it, a missing interface endpoint). A warning only: what needs the host fails on its
 * own (dnf under `set -e` stops the boot, closed), this names the cause in the console log.
 */
export function bootHostCheckCommands(hosts: readonly BootHost[]): string[] {
  return [
    `for host in ${hosts.map((h) => h.host).join(" ")}; do`,
    `  getent ahostsv6 "$host" >/dev/null || echo "egress6: WARNING: $host has no IPv6 address in DNS (is it admitted by DNS Firewall, and its interface endpoint deployed?)" >&2`,
    "done",
  ];
}
