/**
 * The one configuration schema. Everything the stacks build comes from a value that passed this schema;
 * modules never read files or environment variables themselves.
 */
import { z } from "zod";
import * as ipaddr from "ipaddr.js";
import { normalizeDomain, wildcardCovers } from "./domains";
import { amiArchitectureMismatch, checkNitroInstanceType } from "./instance-types";
import { INSPECTION_MODES, modeHasFirewall, modeHasProxies } from "./modes";
import { checkTlsInspection, firewallDecryptionOf, icapEndpointsOf, tlsInspectionSchema } from "./tls-inspection";
import { HTTPS_PORT } from "../lib/ports";
import {
  DNS_FIREWALL_DOMAINS_PER_ACCOUNT,
  DNS_FIREWALL_DOMAINS_PER_REQUEST,
  DNS_FIREWALL_RULES_PER_RULE_GROUP,
  dnsFirewallQuotaProblems,
  EGRESS6_SID_RANGE,
  EGRESS6_TAGS_PER_RESOURCE,
  NACL_DEFAULT_DENY_RULES,
  NACL_NUMBERED_RULES,
  NACL_RULES_PER_DIRECTION,
  NFW_DOMAIN_CAPACITY_STEPS,
  NFW_DOMAIN_TARGET_TYPES,
  nfwCapacityProblems,
  S3_LOCK_FILE_SUFFIX,
  S3_OBJECT_KEY_MAX_BYTES,
  TAGS_PER_RESOURCE,
} from "../lib/limits";
import { STACKS } from "../lib/names";
import {
  CANONICAL_IPV4_CIDR,
  dnsFirewallEntries,
  ruleSid,
  s3BucketNameProblems,
  S3_RESERVED_PREFIXES,
  suricataRuleLines,
} from "./aws-limits";
import { AZ_ID, AZ_NAME, availabilityZoneProblems, closestRegion, REGIONS } from "./regions";

/** CloudWatch Logs accepts only these retention periods (PutRetentionPolicy API reference). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Interface endpoint services the workload may need, and whether they support IPv6-only endpoints. */
export const DEFAULT_INTERFACE_ENDPOINTS = ["ssm", "ssmmessages", "ec2messages", "logs"] as const;

const retentionDays = z
  .number()
  .int()
  .refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), {
    message: `must be one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
  });

const ipv4Cidr = z.string().superRefine((value, ctx) => {
  if (ipaddr.IPv4.isValidCIDR(value) && !CANONICAL_IPV4_CIDR.test(value)) {
    ctx.addIssue({
      code: "custom",
      message:
        "must be written as four decimal numbers without leading zeros and a prefix length, such as 10.0.0.0/16 (Terraform's AWS provider parses it with Go's net.ParseCIDR, which refuses leading zeros and short forms)",
    });
    return;
  }
  if (!CANONICAL_IPV4_CIDR.test(value) || !ipaddr.IPv4.isValidCIDR(value)) {
    ctx.addIssue({ code: "custom", message: "must be an IPv4 CIDR such as 10.0.0.0/16" });
    return;
  }
  const [address, prefix] = ipaddr.IPv4.parseCIDR(value);
  if (prefix < 16 || prefix > 28) {
    ctx.addIssue({ code: "custom", message: "must have a prefix length from /16 to /28 (the VPC limits)" });
  }
  if (ipaddr.IPv4.networkAddressFromCIDR(value).toString() !== address.toString()) {
    ctx.addIssue({
      code: "custom",
      message: `must be a network address (did you mean ${ipaddr.IPv4.networkAddressFromCIDR(value)}/${prefix}?)`,
    });
  }
  if (address.range() !== "private") {
    ctx.addIssue({ code: "custom", message: "must be a private (RFC 1918) range; no subnet uses it, AWS just requires one" });
  }
});

const ipv6Source = z.discriminatedUnion("source", [
  z.strictObject({
    source: z.literal("amazon").describe("`amazon`: an Amazon-provided IPv6 /56; `ipam`: a /56 from an IPAM pool"),
  }),
  z.strictObject({
    source: z.literal("ipam").describe("`amazon`: an Amazon-provided IPv6 /56; `ipam`: a /56 from an IPAM pool"),
    poolId: z
      .string()
      .regex(/^ipam-pool-[0-9a-f]{8,17}$/, { message: "must be an IPAM pool id such as ipam-pool-0123456789abcdef0" })
      .describe("the IPAM pool the VPC's IPv6 block is allocated from, such as `ipam-pool-0123456789abcdef0`"),
    netmask: z
      .literal(56, { message: "must be 56: each tier takes /64s carved from a /56" })
      .describe("the block's size: always 56, as each tier takes /64s carved from a /56"),
  }),
]);

/** A region name, and one of the regions in config/regions.ts (one message either way). */
const awsRegion = z.string().superRefine((value, ctx) => {
  if (!/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/.test(value)) {
    ctx.addIssue({ code: "custom", message: "must be an AWS region name such as us-east-1" });
  } else if (!Object.hasOwn(REGIONS, value)) {
    const hint = closestRegion(value);
    ctx.addIssue({
      code: "custom",
      message: `is not an AWS region${hint ? `; did you mean ${hint}?` : ""} (the regions egress6 knows are listed in config/regions.ts)`,
    });
  }
});

const BACKEND_TYPE =
  "`local`: state in `.state/<env>/<stack>.tfstate` beside the output (the demo); `s3`: state in an S3 bucket, the bootstrap stack's, for real environments";
const s3Backend = z.strictObject({
  type: z.literal("s3").describe(BACKEND_TYPE),
  bucket: z
    .string()
    .superRefine((name, ctx) => {
      const problems = s3BucketNameProblems(name);
      if (problems.length > 0)
        ctx.addIssue({
          code: "custom",
          message: `must be an S3 bucket name: ${problems.join("; ")} (S3 user guide, "General purpose bucket naming rules")`,
        });
    })
    .describe(
      "the state bucket (the bootstrap stack creates it); must follow every S3 general purpose bucket naming rule (`config/aws-limits.ts`)",
    ),
  region: awsRegion.describe("the state bucket's region"),
  keyPrefix: z
    .string()
    .regex(/^[A-Za-z0-9!_.*'()/-]*$/, { message: "must be an S3 key prefix (letters, digits and !_.*'()/-)" })
    // Terraform's S3 backend refuses a key that starts with "/" or holds "//" (hashicorp/terraform
    // internal/backend/remote-state/s3/backend.go, the "key" validators, and validate.go, validateStringS3Path).
    .refine((prefix) => !prefix.startsWith("/"), {
      message: 'must not start with "/"; Terraform\'s S3 backend refuses a state key that does',
    })
    .refine((prefix) => !prefix.includes("//"), { message: 'must not hold "//"; Terraform\'s S3 backend refuses a state key that does' })
    .optional()
    .describe(
      "prepended to every state key (`<keyPrefix><name>/<stack>.tfstate`); letters, digits and `!_.*'()/-`, not starting with `/` and without `//` (Terraform's S3 backend); the longest key, `<keyPrefix><name>/observability.tfstate.tflock`, must fit S3's 1,024 bytes",
    ),
  kmsKeyId: z
    .string()
    .min(1)
    .optional()
    .describe("the KMS key that encrypts the state; absent, the bootstrap stack's state key (alias `alias/<name>-egress6-tfstate`)"),
});
const localBackend = z.strictObject({ type: z.literal("local").describe(BACKEND_TYPE) });

/** An AWS account id: exactly 12 digits (a string, so leading zeros survive). */
const accountId = z.string().regex(/^\d{12}$/, { message: "must be an AWS account id: 12 digits, quoted as a string" });

/** The role the provider (and the S3 backend) assume before doing anything (hashicorp/aws provider docs, `assume_role`). */
const assumeRole = z.strictObject({
  roleArn: z
    .string()
    .regex(/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
      message: "must be an IAM role ARN such as arn:aws:iam::123456789012:role/deployer",
    })
    .describe("the role's ARN; its account must be `accountId` when both are given"),
  /** STS RoleSessionName: 2-64 of letters, digits and _+=,.@- (AWS STS AssumeRole API reference). */
  sessionName: z
    .string()
    .regex(/^[\w+=,.@-]{2,64}$/, { message: "must be 2-64 letters, digits or _+=,.@-" })
    .optional()
    .describe("the STS session name: 2-64 letters, digits and `_+=,.@-`"),
  /** STS ExternalId: 2-1224 of letters, digits and _+=,.@:/- (AWS STS AssumeRole API reference). */
  externalId: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, { message: "must be 2-1224 letters, digits or _+=,.@:/-" })
    .optional()
    .describe("the STS external id the role's trust policy asks for: 2-1224 letters, digits and `_+=,.@:/-`"),
});

/** The account of an IAM role ARN. */
export function roleAccount(roleArn: string): string | undefined {
  return /^arn:[^:]+:iam::(\d{12}):/.exec(roleArn)?.[1];
}

/** Tag keys egress6 sets itself (lib/names.ts) start with this; a user tag there could overwrite or fake one. */
export const RESERVED_TAG_PREFIX = "egress6:";
const tagKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, { message: "must be a tag key (1-128 letters, digits, spaces and _.:/=+-@)" })
  // "aws:" in any combination of upper and lower case is reserved for AWS ("Tag restrictions" in the AWS service guides).
  .refine((key) => !key.toLowerCase().startsWith("aws:"), {
    message: "must not start with aws: (in any case), which AWS reserves for its own tags",
  })
  .refine((key) => !key.toLowerCase().startsWith(RESERVED_TAG_PREFIX), {
    message: `must not start with ${RESERVED_TAG_PREFIX}, which is reserved for the tags egress6 sets itself (egress6:tier, egress6:role, ...); choose another key`,
  });
const tagValue = z
  .string()
  .max(256)
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, { message: "must be a tag value (0-256 letters, digits, spaces and _.:/=+-@)" });

const port = z.number().int().min(1).max(65535);

/**
 * egress6's own network ACL rules in the fullest direction of any tier (stacks/network-stack.ts): deny IPv4,
 * explicit proxy port or endpoint HTTPS, ephemeral return traffic, Packet Too Big, neighbour discovery.
 */
const NACL_FIXED_RULES = 5;
/** Each allowlisted port is one ACL rule; this many fit beside the fixed rules. */
export const MAX_EGRESS_PORTS = NACL_NUMBERED_RULES - NACL_FIXED_RULES;
/** The proxies always reach HTTPS for themselves (packages, AWS APIs): it takes a port rule when not listed. */
const PROXY_OWN_PORT = HTTPS_PORT;
/** At most this many operator rules: the capacity of the IDS/IPS rule group (modules/firewall). */
export const MAX_SURICATA_RULES = 1000;

/**
 * The most egress.domains entries read: a bound on what one configuration makes egress6 synthesize and plan, above
 * what the AWS limits below let through in any mode with DNS Firewall or Network Firewall (these refuse first, each
 * naming its limit). 10,000 names are measured in docs/development.md.
 */
export const MAX_EGRESS_DOMAINS = 50_000;
/** The Network Firewall domain group matches each entry on TLS SNI and HTTP Host. */
const NFW_TARGET_TYPES = NFW_DOMAIN_TARGET_TYPES.length;
const NFW_TOP_STEP = NFW_DOMAIN_CAPACITY_STEPS[NFW_DOMAIN_CAPACITY_STEPS.length - 1];
/** 28000 as 28,000 (toLocaleString would load Intl's data when the schema is read). */
const fmtCount = (n: number) => String(n).replace(/\B(?=(\d{3})+$)/g, ",");

/**
 * Operator rules, counted as Network Firewall counts them: one rule per line, so an entry may hold several. Each rule
 * needs exactly one `sid:` (Network Firewall requires one), unique in the rule group (Network Firewall developer guide,
 * "Signature ID uniqueness": a duplicate is rejected when the rule group is created or updated), outside the range
 * egress6's own rules use; at most MAX_SURICATA_RULES rules in all.
 */
function checkSuricataRules(rules: string[], ctx: z.RefinementCtx): void {
  const lines = suricataRuleLines(rules);
  const where = (r: { entry: number; line: number }) => (rules[r.entry].includes("\n") ? ` (line ${r.line} of the entry)` : "");
  if (lines.length > MAX_SURICATA_RULES) {
    ctx.addIssue({
      code: "custom",
      input: `${rules.length} entries`,
      message: `hold ${lines.length} rules (one per line); the IDS/IPS rule group holds at most ${MAX_SURICATA_RULES}, its capacity`,
    });
  }
  const firstBySid = new Map<number, { entry: number; line: number }>();
  for (const rule of lines) {
    const sid = ruleSid(rule.text);
    if (sid === "none" || sid === "several") {
      ctx.addIssue({
        code: "custom",
        path: [rule.entry],
        input: rule.text,
        message: `${sid === "none" ? "has no sid: option" : "has more than one sid: option"}${where(rule)}; Network Firewall requires exactly one signature id per rule`,
      });
      continue;
    }
    if (sid >= EGRESS6_SID_RANGE.from && sid <= EGRESS6_SID_RANGE.to) {
      ctx.addIssue({
        code: "custom",
        path: [rule.entry],
        input: rule.text,
        message: `uses sid:${sid}${where(rule)}, inside ${EGRESS6_SID_RANGE.from}-${EGRESS6_SID_RANGE.to}, the range egress6's own rules use; choose a sid outside it`,
      });
      continue;
    }
    const first = firstBySid.get(sid);
    if (first) {
      ctx.addIssue({
        code: "custom",
        path: [rule.entry],
        input: rule.text,
        message: `uses sid:${sid}${where(rule)}, already used by egress.suricataRules[${first.entry}]${rules[first.entry].includes("\n") ? ` line ${first.line}` : ""}; Network Firewall rejects a rule group with a duplicate signature id`,
      });
    } else firstBySid.set(sid, rule);
  }
}

const instanceType = z.string().superRefine((value, ctx) => {
  const check = checkNitroInstanceType(value);
  if (!check.ok) ctx.addIssue({ code: "custom", message: check.reason });
});

const NITRO =
  'a Nitro instance type (IPv6-only subnets launch only Nitro instances); a type egress6 does not know is refused with a "did you mean" (`config/instance-types.ts`)';
const SSM_AMI =
  "the AMI, as `resolve:ssm:<parameter path>` (no AMI lookup may need AWS at plan time), default AL2023 arm64; a path naming `arm64` or `x86_64` must match the instance type's architecture";
const PROXY_PORTS = "`explicitPort`, `interceptHttpPort` and `interceptHttpsPort` are three different TCP ports, none in `egress.ports`";

const ssmAmi = z.string().regex(/^resolve:ssm:\/[A-Za-z0-9_./-]+$/, {
  message: "must be resolve:ssm:<parameter path> (no AMI lookup may need AWS at plan time)",
});

/**
 * The wildcard that shadowingWildcard (config/domains.ts) finds for `domain` among the entries, the first in the list,
 * found through `domain`'s parent names: the only wildcards that can cover it are `.<name>` for the name itself and
 * each of its parents.
 */
function firstShadowingWildcard(domain: string, firstIndex: ReadonlyMap<string, number>): string | undefined {
  const labels = (domain.startsWith(".") ? domain.slice(1) : domain).split(".");
  let best: { wildcard: string; index: number } | undefined;
  for (let k = 0; k < labels.length; k++) {
    const wildcard = `.${labels.slice(k).join(".")}`;
    const index = firstIndex.get(wildcard);
    if (index === undefined || !wildcardCovers(wildcard, domain)) continue;
    if (best === undefined || index < best.index) best = { wildcard, index };
  }
  return best?.wildcard;
}

/** Every entry must normalise; no duplicates; no entry shadowed by a wildcard; never empty. */
function checkDomains(domains: string[], ctx: z.RefinementCtx): void {
  if (domains.length === 0) {
    ctx.addIssue({
      code: "custom",
      message: "is empty; every inspection mode allows only listed domains, so nothing could leave. List at least one domain",
      input: [],
    });
    return;
  }
  const normalized: (string | undefined)[] = domains.map((raw, i) => {
    const result = normalizeDomain(raw);
    if (!result.ok) {
      ctx.addIssue({ code: "custom", path: [i], message: result.reason, input: raw });
      return undefined;
    }
    return result.domain;
  });
  // Each entry's first index, and the same for the wildcards: looked up by the entry's parent names rather than by
  // scanning the list for each entry (shadowingWildcard), which took 20 s for 10,000 entries.
  const firstIndex = new Map<string, number>();
  normalized.forEach((d, i) => {
    if (d !== undefined && !firstIndex.has(d)) firstIndex.set(d, i);
  });
  normalized.forEach((domain, i) => {
    if (domain === undefined) return;
    const wildcard = firstShadowingWildcard(domain, firstIndex);
    if (firstIndex.get(domain) !== i) {
      ctx.addIssue({ code: "custom", path: [i], message: `duplicates ${domain}`, input: domains[i] });
    } else if (wildcard) {
      ctx.addIssue({
        code: "custom",
        path: [i],
        message: `is already covered by the wildcard ${wildcard}; remove one of them`,
        input: domains[i],
      });
    }
  });
}

const egress = z
  .strictObject({
    /** Allowed destination domains: `example.com` exactly, `.example.com` with subdomains. */
    domains: z
      .array(z.string())
      .max(MAX_EGRESS_DOMAINS)
      .superRefine(checkDomains)
      .describe(
        `the allowlist, non-empty: only names with IPv6 (AAAA) addresses can be reached. \`example.com\` (that host) or \`.example.com\` (and subdomains; \`*.example.com\` is accepted). Normalised: lower case, IDN to punycode, no trailing dot. No IP literals, URLs, ports, spaces, duplicates, or entries a wildcard already covers; each at most 253 characters. At most ${fmtCount(MAX_EGRESS_DOMAINS)} entries, fewer where an AWS limit comes first: with Network Firewall, the domain rule group's capacity (2 per entry, plus 2) must fit the largest step egress6 sizes it at, ${fmtCount(NFW_TOP_STEP)} (${fmtCount((NFW_TOP_STEP - NFW_TARGET_TYPES) / NFW_TARGET_TYPES)} entries); with DNS Firewall, its lists (a wildcard counts twice, plus the names the VPC needs: 9 with the default endpoints and the proxies; at most ${fmtCount(DNS_FIREWALL_DOMAINS_PER_REQUEST)} names a list) must fit one rule group's ${DNS_FIREWALL_RULES_PER_RULE_GROUP} rules and the account's ${fmtCount(DNS_FIREWALL_DOMAINS_PER_ACCOUNT)} DNS Firewall domains`,
      ),
    /** Allowed destination TCP ports. */
    ports: z
      .array(port)
      .min(1)
      .superRefine((ports, ctx) => {
        ports.forEach((p, i) => {
          if (ports.indexOf(p) !== i) ctx.addIssue({ code: "custom", path: [i], message: "is listed twice", input: p });
        });
      })
      .default([443, 80])
      .describe(
        `the allowed destination TCP ports, each once; each is a network ACL rule, so at most ${MAX_EGRESS_PORTS} fit (in modes with proxies ${HTTPS_PORT} counts even when not listed, as the proxies always need it), fewer with ICAP services; none may be one of the proxy's own ports`,
      ),
    /** Extra Suricata rules for the firewall's IDS/IPS rule group, one rule per entry. */
    suricataRules: z
      .array(z.string().min(1))
      .superRefine(checkSuricataRules)
      .default([])
      .describe(
        `extra Suricata rules for the firewall's IDS/IPS rule group; an entry may hold several, one per line; at most ${MAX_SURICATA_RULES} rules in all, each with exactly one \`sid:\`, unique among them and outside ${EGRESS6_SID_RANGE.from}-${EGRESS6_SID_RANGE.to} (egress6's own)`,
      ),
  })
  .describe("the one egress policy every inspection mode enforces");

const RETENTION = `a CloudWatch Logs retention period (${LOG_RETENTION_DAYS.join(", ")})`;
const inspection = z
  .strictObject({
    mode: z
      .enum(INSPECTION_MODES)
      .default("firewall-proxy")
      .describe(
        "how the egress policy is enforced: Squid and Network Firewall, Squid only, or Network Firewall only ([modes.md](modes.md))",
      ),
    firewall: z
      .strictObject({
        /** Retention of the ALERT, FLOW and TLS log groups. */
        logRetentionDays: retentionDays.default(365).describe(`retention of the firewall's ALERT, FLOW and TLS log groups: ${RETENTION}`),
        /** Delete, subnet-change and policy-change protection. Off only for throw-away environments. */
        protection: z
          .boolean()
          .default(true)
          .describe("the firewall's delete, subnet-change and policy-change protection; `false` only for throw-away environments"),
      })
      .prefault({})
      .describe("AWS Network Firewall, in `firewall-proxy` and `firewall-igw`"),
    proxy: z
      .strictObject({
        instanceType: instanceType.default("t4g.small").describe(NITRO),
        ami: ssmAmi.default("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64").describe(SSM_AMI),
        /** Port for clients that set HTTP(S)_PROXY explicitly. */
        explicitPort: port.default(3128).describe(`the port for clients that set HTTP(S)_PROXY explicitly; ${PROXY_PORTS}`),
        /** Port receiving intercepted plain HTTP. */
        interceptHttpPort: port.default(3129).describe(`the port receiving intercepted plain HTTP; ${PROXY_PORTS}`),
        /** Port receiving intercepted TLS (SNI peeked, never decrypted). */
        interceptHttpsPort: port
          .default(3130)
          .describe(`the port receiving intercepted TLS (SNI peeked; decrypted only with \`tlsInspection\`); ${PROXY_PORTS}`),
        logRetentionDays: retentionDays.default(365).describe(`retention of the proxies' log group: ${RETENTION}`),
        /** How a new egress policy reaches the proxies (modules/proxy/policy-agent.ts). */
        policyRollout: z
          .strictObject({
            stepSeconds: z
              .number()
              .int()
              .min(0)
              .max(3600)
              .default(120)
              .describe(
                "seconds between proxies applying a new egress policy: the first AZ's proxy (the canary) applies it as soon as it sees it, the proxy of the n-th AZ n-1 steps later; a whole number from 0 (all at once) to 3600",
              ),
          })
          .prefault({})
          .describe("the rollout of a changed egress policy to the proxies, which apply it without being replaced"),
      })
      .superRefine(checkAmiArchitecture)
      .prefault({})
      .describe("the Squid proxy tier, in `firewall-proxy` and `proxy`"),
    /** Opt-in TLS decryption for content inspection (config/tls-inspection.ts). Absent: nothing is decrypted. */
    tlsInspection: tlsInspectionSchema
      .optional()
      .describe(
        "opt-in TLS decryption for content inspection ([dlp.md](dlp.md)); absent, nothing is decrypted. Which fields apply depends on `decryptAt`: `caPrivateKey`, `neverDecrypt` and `icap` at the proxy, `caCertificateArn`, `neverDecryptCidrs`, `revocation` and `exampleDlpRules` at the firewall",
      ),
  })
  .describe("where and how every outbound flow is inspected");

/** The AMI parameter's architecture (when its path names one) must be the instance type's. */
function checkAmiArchitecture(tier: { instanceType: string; ami: string }, ctx: z.RefinementCtx): void {
  const problem = amiArchitectureMismatch(tier.instanceType, tier.ami);
  if (problem) ctx.addIssue({ code: "custom", path: ["ami"], input: tier.ami, message: problem });
}

const workload = z
  .strictObject({
    instancesPerAz: z.number().int().min(0).max(20).default(1).describe("workload instances launched in each AZ"),
    instanceType: instanceType.default("t4g.micro").describe(NITRO),
    ami: ssmAmi.default("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64").describe(SSM_AMI),
    rootVolumeGiB: z.number().int().min(8).max(16384).default(20).describe("the size of each instance's encrypted root volume, in GiB"),
    /** Interface VPC endpoint service short names (com.amazonaws.<region>.<name>). */
    interfaceEndpoints: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, { message: "must be a service short name such as ssm or logs" }))
      .superRefine((services, ctx) => {
        services.forEach((s, i) => {
          if (services.indexOf(s) !== i)
            ctx.addIssue({ code: "custom", path: [i], input: s, message: "is listed twice; one interface endpoint per service" });
        });
      })
      .default([...DEFAULT_INTERFACE_ENDPOINTS])
      .describe(
        "interface VPC endpoint services (short names, `com.amazonaws.<region>.<name>`), each once; Secrets Manager is added when the proxies decrypt TLS",
      ),
  })
  .superRefine(checkAmiArchitecture)
  .describe("the hardened IPv6-only EC2 instances and their interface endpoints");

const observability = z.strictObject({
  flowLogs: z
    .strictObject({
      retentionDays: retentionDays
        .refine((n) => n >= 365, { message: "must be at least 365 days for flow logs" })
        .default(365)
        .describe(`retention of the flow log group: ${RETENTION}, at least 365`),
      /** Also deliver flow logs to S3 as Parquet with hourly Hive partitions. */
      s3Parquet: z.boolean().default(false).describe("also deliver flow logs to S3 as Parquet, in hourly Hive partitions"),
    })
    .prefault({})
    .describe("VPC flow logs, to CloudWatch Logs (and optionally S3)"),
  /** Optional e-mail subscription for the alarm topic. */
  alarmEmail: z.email({ message: "must be an e-mail address" }).optional().describe("an e-mail address subscribed to the alarm topic"),
  guardDuty: z
    .strictObject({
      create: z.boolean().default(true).describe("create a GuardDuty detector; `false` when the account already has one"),
      features: z
        .strictObject({
          s3DataEvents: z.boolean().default(true).describe("GuardDuty S3 Protection (S3 data events)"),
          ebsMalwareProtection: z.boolean().default(true).describe("GuardDuty Malware Protection for EC2 (EBS volumes)"),
          runtimeMonitoring: z.boolean().default(false).describe("GuardDuty Runtime Monitoring"),
        })
        .prefault({})
        .describe("the detector's optional features"),
    })
    .prefault({})
    .describe("GuardDuty, whose findings the remediation Lambda acts on"),
  cloudTrail: z
    .strictObject({
      create: z.boolean().default(true).describe("create a CloudTrail trail; `false` where the account already has one"),
      /**
       * With `create: false`: the CloudWatch Logs group the account's existing trail writes to, so the root-use
       * alarm can still watch it. Without it (and without our trail) there is no root-use alarm.
       */
      existingLogGroupName: z
        .string()
        .regex(/^[A-Za-z0-9_./#-]{1,512}$/, { message: "must be a CloudWatch Logs group name" })
        .optional()
        .describe(
          "with `create: false`: the CloudWatch Logs group the account's existing trail writes to, for the root-use alarm; without it (and without egress6's trail) there is no root-use alarm",
        ),
    })
    .prefault({})
    .describe("the CloudTrail trail and the root-use alarm"),
  configRecorder: z
    .strictObject({
      create: z
        .boolean()
        .default(true)
        .describe("create an AWS Config recorder; `false` where the account already has one (egress6's managed rules then use it)"),
    })
    .prefault({})
    .describe("AWS Config: the recorder, its delivery channel and the managed rules that check what egress6 promises"),
  inspector: z
    .strictObject({
      create: z.boolean().default(true).describe("enable Amazon Inspector; `false` where the account already has it"),
    })
    .prefault({})
    .describe("Amazon Inspector"),
  dnsFirewall: z
    .strictObject({
      enabled: z.boolean().default(true).describe("a Route 53 Resolver DNS Firewall fed by the same allowlist as `egress.domains`"),
      /** Mutation protection on the VPC association. Off only for throw-away environments (it blocks destroy). */
      protection: z
        .boolean()
        .default(true)
        .describe("mutation protection on the VPC association; `false` (throw-away environments) lets `destroy` remove it"),
    })
    .prefault({})
    .describe("Route 53 Resolver DNS Firewall"),
});

export const configSchema = z
  .strictObject({
    /** Environment name: used in names, tags and state keys. */
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,22}[a-z0-9]$/, { message: "must be 2-24 lower-case letters, digits or hyphens, starting with a letter" })
      // The state, audit and flow-log bucket names start with the environment name (<name>-egress6-tfstate,
      // <name>-audit-..., stacks/), and S3 refuses bucket names with these prefixes ("General purpose bucket naming rules").
      .refine((name) => !S3_RESERVED_PREFIXES.some((p) => name.startsWith(p)), {
        message: `must not start with ${S3_RESERVED_PREFIXES.join(", ")}: egress6's bucket names start with the environment name, and S3 reserves those prefixes`,
      })
      .describe(
        `the environment name: 2-24 lower-case letters, digits and hyphens, starting with a letter; used in names, tags, state keys and bucket names, so not starting with ${S3_RESERVED_PREFIXES.map((p) => `\`${p}\``).join(", ")} (S3 bucket naming rules)`,
      ),
    region: awsRegion.describe(
      'an AWS region egress6 knows (`config/regions.ts`), such as `us-east-1`; a misspelling gets a "did you mean"',
    ),
    /** Full AZ names, given explicitly so that nothing needs AWS at plan time. */
    availabilityZones: z
      // AZ IDs (euc1-az1) pass here and are reported once for the whole list, with the region (config/regions.ts).
      .array(z.string().refine((az) => AZ_NAME.test(az) || AZ_ID.test(az), { message: "must be an AZ name such as us-east-1a" }))
      .min(1)
      .max(6)
      .describe(
        "full AZ names of the region (explicit, so nothing needs AWS at plan time), with letters the region has (from AWS's AZ list; `npm run preflight` checks your account's); AZ IDs such as `euc1-az1` are refused",
      ),
    vpc: z
      .strictObject({
        /** AWS requires an IPv4 CIDR on every VPC; no subnet uses it. */
        ipv4Cidr: ipv4Cidr
          .default("10.0.0.0/16")
          .describe(
            "a private (RFC 1918) /16-/28 network address (AWS requires one on every VPC; no subnet uses it), written canonically: `012.0.0.0/16` and `10.0/16` are refused, as Terraform's AWS provider (Go's `net.ParseCIDR`) refuses them",
          ),
        ipv6: ipv6Source
          .default({ source: "amazon" })
          .describe("where the VPC's IPv6 /56 comes from: `{source: amazon}` or `{source: ipam, poolId, netmask: 56}`"),
      })
      .prefault({})
      .describe("the VPC's address space"),
    /** The only account this environment may be deployed to (the provider's `allowed_account_ids`). */
    accountId: accountId
      .optional()
      .describe("the only AWS account this environment may touch: 12 digits, quoted (the provider's `allowed_account_ids`)"),
    /** A named profile of the shared AWS config files, for the provider and the S3 backend. */
    profile: z
      .string()
      .regex(/^[A-Za-z0-9_.+=,@-]{1,128}$/, {
        message: "must be a profile name of the shared AWS config (1-128 letters, digits or _.+=,@-)",
      })
      .optional()
      .describe("a profile of the shared AWS config files, for the provider, the S3 backend and remote state"),
    assumeRole: assumeRole
      .optional()
      .describe("the role the provider, the S3 backend and remote state assume before doing anything (the provider's `assume_role`)"),
    backend: z
      .discriminatedUnion("type", [localBackend, s3Backend])
      .default({ type: "local" })
      .describe("where Terraform state lives: `{type: local}` or `{type: s3, bucket, region, keyPrefix?, kmsKeyId?}`"),
    tags: z
      .record(tagKey, tagValue)
      .default({})
      .describe(
        `tags applied to every resource (the provider's \`default_tags\`): keys 1-128, values 0-256 letters, digits, spaces and \`_.:/=+-@\`; keys may not start with \`aws:\` (any case) or \`${RESERVED_TAG_PREFIX}\` (egress6's own tags); at most ${TAGS_PER_RESOURCE - EGRESS6_TAGS_PER_RESOURCE}, as egress6 puts up to ${EGRESS6_TAGS_PER_RESOURCE} of its own on a resource and AWS takes ${TAGS_PER_RESOURCE}`,
      ),
    inspection: inspection.prefault({}),
    egress,
    workload: workload.prefault({}),
    observability: observability.prefault({}).describe("flow logs, alarms and the account-level security services"),
  })
  // AZ names are checked against the region's AZs (config/regions.ts); nothing is suggested for an unknown region.
  // This runs even when other fields failed (`when`), so a config with several problems reports its AZs at once.
  .superRefine(
    (config, ctx) => {
      for (const problem of availabilityZoneProblems(config.region, config.availabilityZones)) {
        const path = problem.index === undefined ? ["availabilityZones"] : ["availabilityZones", problem.index];
        ctx.addIssue({ code: "custom", path, message: problem.message, input: problem.input });
      }
    },
    {
      when: ({ value }) => {
        const v = value as { region?: unknown; availabilityZones?: unknown };
        return (
          typeof v?.region === "string" && Array.isArray(v.availabilityZones) && v.availabilityZones.every((z) => typeof z === "string")
        );
      },
    },
  )
  .superRefine((config, ctx) => {
    if (config.accountId !== undefined && config.assumeRole !== undefined) {
      const account = roleAccount(config.assumeRole.roleArn);
      if (account !== undefined && account !== config.accountId) {
        ctx.addIssue({
          code: "custom",
          path: ["assumeRole", "roleArn"],
          input: config.assumeRole.roleArn,
          message: `is a role in account ${account}, but accountId is ${config.accountId}; the provider would refuse every run (allowed_account_ids)`,
        });
      }
    }

    // Tags: the config's are the provider's default tags, sent with every resource beside egress6's own.
    const userTags = Object.keys(config.tags).filter((k) => k !== "Name");
    if (userTags.length + EGRESS6_TAGS_PER_RESOURCE > TAGS_PER_RESOURCE) {
      ctx.addIssue({
        code: "custom",
        path: ["tags"],
        input: `${Object.keys(config.tags).length} tags`,
        message: `are too many: each resource carries them and up to ${EGRESS6_TAGS_PER_RESOURCE} of egress6's own, and AWS takes at most ${TAGS_PER_RESOURCE} tags per resource; give at most ${TAGS_PER_RESOURCE - EGRESS6_TAGS_PER_RESOURCE}`,
      });
    }

    // The longest state key the S3 backend uses: <keyPrefix><name>/<stack>.tfstate, and its lock beside it.
    if (config.backend.type === "s3") {
      const longestStack = [...STACKS].sort((a, b) => b.length - a.length)[0];
      const key = `${config.backend.keyPrefix ?? ""}${config.name}/${longestStack}.tfstate${S3_LOCK_FILE_SUFFIX}`;
      const bytes = Buffer.byteLength(key, "utf8");
      if (bytes > S3_OBJECT_KEY_MAX_BYTES) {
        ctx.addIssue({
          code: "custom",
          path: ["backend", "keyPrefix"],
          input: config.backend.keyPrefix,
          message: `makes the state lock key ${bytes} bytes long (${key.slice(0, 20)}...${key.slice(-30)}); an S3 object key is at most ${S3_OBJECT_KEY_MAX_BYTES} bytes, so keyPrefix may be at most ${S3_OBJECT_KEY_MAX_BYTES - (bytes - Buffer.byteLength(config.backend.keyPrefix ?? "", "utf8"))} bytes`,
        });
      }
    }

    const normalized = config.egress.domains.map((d) => normalizeDomain(d)).flatMap((r) => (r.ok ? [r.domain] : []));
    const domainProblems: string[] = [];
    if (config.observability.dnsFirewall.enabled) {
      domainProblems.push(
        ...dnsFirewallQuotaProblems(
          dnsFirewallEntries(normalized, config.region, config.inspection.mode, config.workload.interfaceEndpoints),
        ),
      );
    }
    if (modeHasFirewall(config.inspection.mode)) {
      domainProblems.push(
        ...nfwCapacityProblems({
          domains: normalized.length,
          targetTypes: NFW_TARGET_TYPES,
          idsIps: config.egress.suricataRules.length > 0,
          dlp: firewallDecryptionOf(config)?.exampleDlpRules ?? false,
        }),
      );
    }
    for (const message of domainProblems) {
      ctx.addIssue({ code: "custom", path: ["egress", "domains"], input: `${config.egress.domains.length} domains`, message });
    }

    const proxy = config.inspection.proxy;
    const proxyPorts = [proxy.explicitPort, proxy.interceptHttpPort, proxy.interceptHttpsPort];
    if (new Set(proxyPorts).size !== 3) {
      ctx.addIssue({
        code: "custom",
        path: ["inspection", "proxy"],
        message: "explicitPort, interceptHttpPort and interceptHttpsPort must be three different ports",
        input: proxyPorts,
      });
    }

    const ports = config.egress.ports;
    const withProxies = modeHasProxies(config.inspection.mode);
    if (withProxies) {
      // Both would become the same security group rule (AWS rejects duplicates), and Squid would listen on a port
      // the workloads expect to reach the internet on.
      const proxyPortNames = {
        explicitPort: proxy.explicitPort,
        interceptHttpPort: proxy.interceptHttpPort,
        interceptHttpsPort: proxy.interceptHttpsPort,
      };
      ports.forEach((p, i) => {
        const clash = Object.entries(proxyPortNames).find(([, v]) => v === p);
        if (clash) {
          ctx.addIssue({
            code: "custom",
            path: ["egress", "ports", i],
            input: p,
            message: `is also inspection.proxy.${clash[0]}; the proxy's own ports must differ from egress.ports (choose another ${clash[0]} or drop the port)`,
          });
        }
      });
    }
    if (config.inspection.tlsInspection) {
      const tls = config.inspection.tlsInspection;
      for (const issue of checkTlsInspection(tls, { mode: config.inspection.mode, region: config.region, egressPorts: ports })) {
        ctx.addIssue({ code: "custom", ...issue });
      }
      // The proxies reach Secrets Manager through an interface endpoint (interfaceEndpointsOf), not the allowlist.
    }
    const aclPortRules = withProxies && !ports.includes(PROXY_OWN_PORT) ? ports.length + 1 : ports.length;
    // The proxy tier's ACL also holds one rule per ICAP service (stacks/network-stack.ts).
    // (An ICAP URI that does not parse is reported on its own field; it adds no rule here.)
    const icapRules = withProxies ? countIcapRules(config) : 0;
    if (icapRules > 0 && aclPortRules + icapRules > MAX_EGRESS_PORTS) {
      ctx.addIssue({
        code: "custom",
        path: ["inspection", "tlsInspection", "icap"],
        input: `${icapRules} ICAP service${icapRules === 1 ? "" : "s"}`,
        message: `needs ${icapRules} more proxy network ACL rule${icapRules === 1 ? "" : "s"} beside the ${aclPortRules} port rules; at most ${MAX_EGRESS_PORTS} fit: list fewer egress.ports or one ICAP address and port for requests and responses`,
      });
    }
    if (aclPortRules > MAX_EGRESS_PORTS) {
      ctx.addIssue({
        code: "custom",
        path: ["egress", "ports"],
        input: ports,
        message:
          `${ports.length} ports${aclPortRules > ports.length ? ` (and ${PROXY_OWN_PORT}, which the proxies always need)` : ""} need ${aclPortRules} network ACL rules; ` +
          `an ACL holds ${NACL_RULES_PER_DIRECTION} per direction, ${NACL_DEFAULT_DENY_RULES} of them default denies and ${NACL_FIXED_RULES} egress6's own, ` +
          `so at most ${MAX_EGRESS_PORTS} ports fit${withProxies ? ` (${PROXY_OWN_PORT} included)` : ""}`,
      });
    }
  })
  .transform((config) => ({
    ...config,
    egress: { ...config.egress, domains: config.egress.domains.map((raw) => (normalizeDomain(raw) as { domain: string }).domain) },
  }));

function countIcapRules(config: Parameters<typeof icapEndpointsOf>[0]): number {
  try {
    return icapEndpointsOf(config).length;
  } catch {
    return 0;
  }
}

/** What a config file contains (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** A validated configuration with every default filled in and domains normalised. */
export type Egress6Config = z.output<typeof configSchema>;
