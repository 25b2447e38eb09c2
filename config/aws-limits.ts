/**
 * What Terraform or AWS would refuse at plan or apply, checked when the config is read so that the refusal comes
 * first, as one line naming the field and the rule. Each rule names where it comes from.
 */
import { dnsSuffixOf } from "../lib/partition";
import { modeHasProxies, type InspectionMode } from "./modes";

/**
 * An IPv4 CIDR exactly as Go's net.ParseCIDR accepts it: four decimal octets without leading zeros, a prefix length
 * without leading zeros. The AWS provider validates `cidr_block` with net.ParseCIDR and requires the value to equal
 * the network it parsed (hashicorp/terraform-provider-aws internal/verify/validate.go, ValidateIPv4CIDRBlock), and
 * since Go 1.17 net.ParseCIDR refuses octets with leading zeros (CVE-2021-29923, golang/go#30999). ipaddr.js accepts
 * `012.0.0.0/16` (as octal) and `10.0/16`; Terraform refuses both.
 */
const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
export const CANONICAL_IPV4_CIDR = new RegExp(`^${OCTET}(\\.${OCTET}){3}/(3[0-2]|[12]?\\d)$`);

/**
 * Every rule of S3's general purpose bucket naming rules (S3 user guide, "General purpose bucket naming rules"),
 * as one phrase each for the ones `name` breaks.
 */
export function s3BucketNameProblems(name: string): string[] {
  const out: string[] = [];
  if (name.length < 3 || name.length > 63) out.push(`is ${name.length} characters long; a bucket name is 3-63`);
  if (!/^[a-z0-9.-]*$/.test(name)) out.push("may hold only lower-case letters, digits, dots and hyphens");
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) out.push("must begin and end with a letter or digit");
  if (name.includes("..")) out.push("must not hold two adjacent dots");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) out.push("must not be formatted as an IP address");
  for (const prefix of S3_RESERVED_PREFIXES) if (name.startsWith(prefix)) out.push(`must not start with ${prefix} (reserved by S3)`);
  for (const suffix of S3_RESERVED_SUFFIXES) if (name.endsWith(suffix)) out.push(`must not end with ${suffix} (reserved by S3)`);
  return out;
}
/** S3 user guide, "General purpose bucket naming rules" (sthree-configurator is covered by sthree-). */
export const S3_RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"] as const;
/** S3 user guide, "General purpose bucket naming rules": access point, Object Lambda, Multi-Region and directory bucket names. */
export const S3_RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3"] as const;

/** One Suricata rule of an `egress.suricataRules` entry: its text and its 1-based line in the entry. */
export interface RuleLine {
  readonly entry: number;
  readonly line: number;
  readonly text: string;
}

/**
 * The rules of the entries, as Network Firewall reads a rules string: one rule per line (Network Firewall API
 * reference, RulesSource.RulesString), blank lines and `#` comments not being rules.
 */
export function suricataRuleLines(entries: readonly string[]): RuleLine[] {
  return entries.flatMap((text, entry) =>
    text.split("\n").flatMap((raw, i) => {
      const rule = raw.trim();
      return rule === "" || rule.startsWith("#") ? [] : [{ entry, line: i + 1, text: rule }];
    }),
  );
}

/** The `sid:` option of a rule, when it has exactly one. */
export function ruleSid(rule: string): number | "none" | "several" {
  const sids = [...rule.matchAll(/(?:^|[;(\s])sid\s*:\s*(\d+)\s*;/g)];
  if (sids.length === 0) return "none";
  if (sids.length > 1) return "several";
  return Number(sids[0][1]);
}

/**
 * The entries of the DNS Firewall allowlist egress6 writes (modules/observability/dns-firewall.ts, built by
 * stacks/observability-stack.ts): each `example.com` once, each `.example.com` as `example.com` and `*.example.com`,
 * then the names the VPC needs whatever the allowlist says (the instances' own host names, the interface endpoints'
 * service names, and the hosts a booting instance reaches: modules/shared/boot-hosts.ts), without duplicates.
 * egress6 spreads them over domain lists of at most 1,000 (lib/limits.ts, dnsFirewallChunks);
 * __tests__/config-limits.test.ts checks that these are exactly the names of the synthesized lists together.
 */
export function dnsFirewallEntries(
  domains: readonly string[],
  region: string,
  mode: InspectionMode,
  interfaceEndpoints: readonly string[],
): Set<string> {
  const out = new Set<string>();
  for (const d of domains) {
    if (d.startsWith(".")) {
      out.add(d.slice(1));
      out.add(`*${d}`);
    } else out.add(d);
  }
  const suffix = dnsSuffixOf(region);
  const service = (s: string) => `${s}.${region}.${suffix}`;
  out.add("*.compute.internal");
  out.add("*.ec2.internal");
  for (const s of interfaceEndpoints) out.add(service(s));
  // The SSM agent's endpoints (every instance); the proxies also reach CloudWatch Logs, the AL2023 repository, S3 and
  // CloudWatch (modules/shared/boot-hosts.ts, proxyBootHosts).
  for (const s of ["ssm", "ssmmessages", "ec2messages"]) out.add(service(s));
  if (modeHasProxies(mode)) {
    out.add(service("logs"));
    out.add(`al2023-repos-${region}-de612dc2.s3.dualstack.${region}.${suffix}`);
    // The policy agent: the bundle (S3, path style) and its metrics (CloudWatch's dual-stack name).
    out.add(`s3.dualstack.${region}.${suffix}`);
    out.add(`monitoring.${region}.${suffix === "amazonaws.com.cn" ? "api.amazonwebservices.com.cn" : "api.aws"}`);
  }
  return out;
}
