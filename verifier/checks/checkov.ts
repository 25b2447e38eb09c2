/**
 * The Checkov checks the project commits to, each implemented for its intent on the resources of the output
 * (not as a copy of Checkov's code). Where a check's literal form does not fit a resource by design, the row says
 * N/A and why, instead of silently passing or dropping it.
 */
import type { World } from "../expr/evaluate";
import type { ResourceRef } from "../expr/world";
import * as zlib from "node:zlib";
import { isObjectValue, isSymbolic, showValue, type Value } from "../expr/values";
import { naclEvaluate, naclRuleText, sgRuleText } from "../model/filters";
import type { InstanceFacts, Model, Nacl, SecurityGroup } from "../model/types";
import type { Context } from "../analysis/context";
import { signature } from "../model/build";
import { result, type Result, type SubjectResult, type Verdict } from "../report/types";
import { ROLE_PROXY } from "../tags";

/** Stateful default actions are evaluated only with STRICT_ORDER; an absent KMS key means the AWS-owned key. */
const CUSTOMER_KMS = "CUSTOMER_KMS";
/** One year, the retention CKV_AWS_338 asks for. */
const ONE_YEAR_DAYS = 365;
/** The client ephemeral range a stateless ACL must admit replies on (VPC user guide, "Ephemeral ports"). */
const EPHEMERAL_FROM = 1024;

/**
 * Instance families that are EBS-optimized by default (EC2 user guide, "Amazon EBS-optimized instances": current
 * generation types, among them T3, T3a, T4g, A1 and every family of generation 5 or later).
 */
const EBS_OPTIMIZED_BY_DEFAULT = /^(?:a1|t3a?|t4g|[a-z]+[5-9][a-z-]*)\./;

/** Patterns of secrets in user data: AWS access key ids, secret key assignments, private keys, quoted passwords. */
const SECRET_PATTERNS: readonly { readonly name: string; readonly re: RegExp }[] = [
  { name: "an AWS access key id", re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|A3T[A-Z0-9])[A-Z0-9]{16}\b/ },
  { name: "an AWS secret access key", re: /aws_secret_access_key\s*[=:]\s*\S+/i },
  { name: "a private key", re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/ },
  { name: "a password or token", re: /\b(?:password|passwd|secret|api[_-]?key|token)\s*[=:]\s*["'][^"'\s$]{8,}["']/i },
];

interface Env {
  readonly world: World;
  readonly model: Model;
  readonly ctx: Context;
  /** Subnets whose security groups admit nothing from the internet (R2's security group layer holds there). */
  readonly sgClosed: (naclKey: string) => boolean;
}

type Row = SubjectResult;

function row(subject: string, verdict: Verdict, detail: string): Row {
  return { subject, verdict, detail };
}

function bool(v: Value | undefined | unknown): boolean | undefined {
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  return undefined;
}

function first(v: Value | undefined | unknown): Record<string, Value> | undefined {
  if (Array.isArray(v)) return v.find(isObjectValue) as Record<string, Value> | undefined;
  return isObjectValue(v) ? (v as Record<string, Value>) : undefined;
}

/**
 * A row for an argument whose value is known only after apply: UNKNOWN (never read as "not set", "false" or the
 * default; a report with an UNKNOWN and no violation is exit 2), or undefined when the value is known.
 */
function unknownRow(name: string, v: unknown): [Verdict, string] | undefined {
  return isSymbolic(v) ? ["UNKNOWN", `${name} cannot be worked out before apply (${String(v)})`] : undefined;
}

/** Is the argument given? A value known only after apply (`"${aws_cloudwatch_log_group.x.arn}:*"`) counts. */
function set(v: Value | undefined | unknown): boolean {
  return v !== undefined && v !== null && v !== "";
}

const origin = (r: ResourceRef) => `${r.address} (${r.stack.name})`;

interface CheckDef {
  readonly id: string;
  readonly title: string;
  /** What it means when no resource of the kind is in the output. */
  readonly none: string;
  readonly rows: (env: Env) => Row[];
}

/** Rows for every resource of some types, judged by one function. */
function perResource(types: readonly string[], judge: (r: ResourceRef, env: Env) => [Verdict, string]): (env: Env) => Row[] {
  return (env) =>
    types
      .flatMap((t) => env.world.resourcesOfType(t))
      .map((r) => {
        const [v, d] = judge(r, env);
        return row(origin(r), v, d);
      });
}

function arg(env: Env, r: ResourceRef, name: string): Value | undefined {
  return env.world.argument(r.key, name);
}

function instanceRows(judge: (i: InstanceFacts, env: Env) => [Verdict, string]): (env: Env) => Row[] {
  return (env) =>
    env.model.instances.map((i) => {
      const [v, d] = judge(i, env);
      return row(i.origin, v, d);
    });
}

/** The NACLs worth judging: those in the configuration, and AWS's default where a subnet falls back to it. */
function judgedNacls(env: Env): Nacl[] {
  const used = new Set(env.model.subnets.map((s) => s.nacl));
  return env.model.nacls.filter((n) => !n.key.endsWith("#default-acl") || used.has(n));
}

function judgedGroups(env: Env): SecurityGroup[] {
  const used = new Set(env.model.hosts.flatMap((h) => h.securityGroups));
  return env.model.securityGroups.filter((g) => !g.key.endsWith("#default-sg") || used.has(g));
}

/** CKV_AWS_229-232: is `port` open to new connections from the internet through this ACL? */
function naclPortRows(port: number): (env: Env) => Row[] {
  return (env) =>
    judgedNacls(env).map((nacl) => {
      for (const family of [4, 6] as const) {
        for (const src of env.ctx.internet(family)) {
          const v = naclEvaluate(nacl, false, 6, src, [port, port]);
          if (v.allowed.length === 0) continue;
          const rule = v.deciding.find((r) => r.allow)!;
          if (rule.from >= EPHEMERAL_FROM && port >= EPHEMERAL_FROM && rule.to === 65535 && env.sgClosed(nacl.key)) {
            return row(
              nacl.origin,
              "N/A",
              `${naclRuleText(rule)} admits ${port} only as part of the reply range a stateless ACL must open; no security group on these subnets admits the internet, so no connection to ${port} can be opened (R2)`,
            );
          }
          return row(nacl.origin, "VIOLATED", `${naclRuleText(rule)} (${rule.origin}) admits tcp ${port} from the internet`);
        }
      }
      return row(nacl.origin, "HOLDS", `tcp ${port} from the internet is denied`);
    });
}

const CHECKS: readonly CheckDef[] = [
  {
    id: "CKV2_AWS_11",
    title: "VPC flow logging is enabled in all VPCs",
    none: "no VPC in this output",
    rows: (env) =>
      env.model.vpcs.map((vpc) => {
        const literalId = env.world.argument(vpc.key, "id");
        const names = new Set([`${vpc.key}|id`, ...(typeof literalId === "string" ? [`literal|${literalId}`] : [])]);
        const logs = env.world.resourcesOfType("aws_flow_log").filter((f) => names.has(signature(arg(env, f, "vpc_id")) ?? ""));
        if (logs.length === 0) return row(vpc.origin, "VIOLATED", "no aws_flow_log names this VPC");
        const vpcStack = vpc.key.slice(0, vpc.key.indexOf(":"));
        const elsewhere = logs.filter((l) => l.stack.name !== vpcStack);
        const note =
          elsewhere.length === logs.length
            ? `; across stacks: the flow log is in stack ${[...new Set(elsewhere.map((l) => l.stack.name))].join(", ")}, not in the VPC's stack ${vpcStack}, so Checkov run on stack ${vpcStack}'s directory alone cannot see it and reports CKV2_AWS_11 as failed there`
            : "";
        return row(vpc.origin, "HOLDS", `flow logs: ${logs.map(origin).join(", ")}${note}`);
      }),
  },
  {
    id: "CKV2_AWS_12",
    title: "the default security group of every VPC restricts all traffic",
    none: "no VPC in this output",
    rows: (env) =>
      env.model.vpcs.map((vpc) => {
        const g = vpc.defaultSecurityGroup;
        if (g.key.endsWith("#default-sg"))
          return row(
            vpc.origin,
            "VIOLATED",
            "the default security group is not managed, so it keeps AWS's rules (in from itself, out to everywhere)",
          );
        return g.rules.length === 0
          ? row(g.origin, "HOLDS", "no ingress and no egress rules")
          : row(g.origin, "VIOLATED", `rules: ${g.rules.map(sgRuleText).join("; ")}`);
      }),
  },
  {
    id: "CKV_AWS_130",
    title: "VPC subnets do not assign public IP addresses by default",
    none: "no subnet in this output",
    rows: (env) =>
      env.model.subnets.map((s) =>
        s.settings.mapPublicIpOnLaunch
          ? row(s.origin, "VIOLATED", "map_public_ip_on_launch = true")
          : row(s.origin, "HOLDS", "map_public_ip_on_launch off"),
      ),
  },
  {
    id: "CKV_AWS_229",
    title: "no network ACL admits port 21 from the internet",
    none: "no network ACL in this output",
    rows: naclPortRows(21),
  },
  {
    id: "CKV_AWS_230",
    title: "no network ACL admits port 20 from the internet",
    none: "no network ACL in this output",
    rows: naclPortRows(20),
  },
  {
    id: "CKV_AWS_231",
    title: "no network ACL admits port 3389 from the internet",
    none: "no network ACL in this output",
    rows: naclPortRows(3389),
  },
  {
    id: "CKV_AWS_232",
    title: "no network ACL admits port 22 from the internet",
    none: "no network ACL in this output",
    rows: naclPortRows(22),
  },
  {
    id: "CKV_AWS_352",
    title: "no network ACL ingress rule allows all ports",
    none: "no network ACL in this output",
    rows: (env) =>
      judgedNacls(env).flatMap((nacl) =>
        nacl.rules
          .filter(
            (r) =>
              !r.egress &&
              (r.protocol === "all" ||
                r.protocol === 1 ||
                r.protocol === 58 ||
                ((r.protocol === 6 || r.protocol === 17) && r.from === 0 && r.to === 65535)),
          )
          .map((r) =>
            !r.allow
              ? row(
                  r.origin,
                  "N/A",
                  `${naclRuleText(r)} denies: it closes, it does not open (Checkov's literal test flags any ingress rule without ports)`,
                )
              : r.protocol === 1 || r.protocol === 58
                ? row(
                    r.origin,
                    "N/A",
                    `${naclRuleText(r)}: ICMP has types, not ports (Checkov's literal test flags an ICMP rule, whose port fields are unused); R2 judges what it admits`,
                  )
                : row(r.origin, "VIOLATED", `${naclRuleText(r)} allows every port`),
          )
          .concat(
            nacl.rules.some((r) => !r.egress && r.allow && (r.protocol === "all" || (r.from === 0 && r.to === 65535)))
              ? []
              : [row(nacl.origin, "HOLDS", "every allow rule names its ports")],
          ),
      ),
  },
  {
    id: "CKV_AWS_277",
    title: "no security group admits all traffic from the internet",
    none: "no security group in this output",
    rows: (env) =>
      judgedGroups(env).map((g) => {
        const open = g.rules.find(
          (r) =>
            !r.egress &&
            r.protocol === "all" &&
            (r.peer.kind !== "cidr" ? r.peer.kind === "prefix list" : env.ctx.reachesInternet(r.peer.prefix)),
        );
        return open ? row(g.origin, "VIOLATED", sgRuleText(open)) : row(g.origin, "HOLDS", "no all-traffic ingress from the internet");
      }),
  },
  {
    id: "CKV_AWS_382",
    title: "no security group allows all traffic out to the internet",
    none: "no security group in this output",
    rows: (env) =>
      judgedGroups(env).map((g) => {
        const open = g.rules.find((r) => r.egress && r.protocol === "all" && r.peer.kind === "cidr" && r.peer.prefix.length === 0);
        if (!open) return row(g.origin, "HOLDS", "egress names protocols and ports");
        const users = env.model.hosts.filter((h) => h.securityGroups.includes(g));
        if (users.length > 0 && users.every((h) => h.role === ROLE_PROXY)) {
          return row(
            g.origin,
            "N/A",
            `${sgRuleText(open)} on proxies only: a proxy's outbound leg is filtered by its own allowlist and the firewall, not by port`,
          );
        }
        return row(g.origin, "VIOLATED", sgRuleText(open));
      }),
  },
  {
    id: "CKV_AWS_79",
    title: "instance metadata service version 1 is disabled",
    none: "no instance or launch template in this output",
    rows: (env) => [
      ...instanceRows((i) => imdsVerdict(first(i.get("metadata_options"))))(env),
      ...perResource(["aws_launch_template"], (r) => imdsVerdict(first(arg(env, r, "metadata_options"))))(env),
    ],
  },
  {
    id: "CKV_AWS_8",
    title: "instance and launch configuration EBS volumes are encrypted",
    none: "no instance, launch template or launch configuration in this output",
    rows: (env) => {
      // `enabled` defaults to true; a value known only after apply is neither on nor off: the rows it decides are UNKNOWN.
      const settings = env.world.resourcesOfType("aws_ebs_encryption_by_default");
      const on = settings.some((r) => !isSymbolic(arg(env, r, "enabled")) && bool(arg(env, r, "enabled")) !== false);
      const unknownSetting = settings.find((r) => isSymbolic(arg(env, r, "enabled")));
      const byDefault: boolean | [Verdict, string] = on
        ? true
        : unknownSetting
          ? unknownRow(`${origin(unknownSetting)} enabled (EBS encryption by default)`, arg(env, unknownSetting, "enabled"))!
          : false;
      return [
        ...instanceRows((i) =>
          ebsVerdict(i.get("root_block_device"), i.get("ebs_block_device"), i.get("block_device_mappings"), byDefault),
        )(env),
        ...perResource(["aws_launch_configuration"], (r) =>
          ebsVerdict(arg(env, r, "root_block_device"), arg(env, r, "ebs_block_device"), undefined, byDefault),
        )(env),
      ];
    },
  },
  {
    id: "CKV_AWS_88",
    title: "EC2 instances have no public IP address",
    none: "no instance in this output",
    rows: instanceRows((i) => {
      const nic = first(i.get("network_interfaces"));
      const unknown =
        unknownRow("associate_public_ip_address", i.get("associate_public_ip_address")) ??
        unknownRow("network_interfaces.associate_public_ip_address", nic?.associate_public_ip_address);
      if (unknown) return unknown;
      const v = bool(i.get("associate_public_ip_address")) ?? bool(nic?.associate_public_ip_address);
      return v === true ? ["VIOLATED", "associate_public_ip_address = true"] : ["HOLDS", "no public IP address requested"];
    }),
  },
  {
    id: "CKV_AWS_126",
    title: "detailed monitoring is enabled for EC2 instances",
    none: "no instance in this output",
    rows: instanceRows((i) => {
      const m = i.get("monitoring");
      const unknown = unknownRow("monitoring", m) ?? unknownRow("monitoring.enabled", first(m)?.enabled);
      if (unknown) return unknown;
      const on = bool(m) ?? bool(first(m)?.enabled);
      return on
        ? ["HOLDS", "monitoring = true"]
        : ["VIOLATED", "detailed monitoring is off (monitoring not true on the instance or its launch template)"];
    }),
  },
  {
    id: "CKV_AWS_135",
    title: "EC2 instances are EBS-optimized",
    none: "no instance in this output",
    rows: instanceRows((i) => {
      if (bool(i.get("ebs_optimized"))) return ["HOLDS", "ebs_optimized = true"];
      const type = i.get("instance_type");
      const unknown = unknownRow("ebs_optimized", i.get("ebs_optimized"));
      if (unknown && !(typeof type === "string" && EBS_OPTIMIZED_BY_DEFAULT.test(type))) return unknown;
      if (typeof type === "string" && EBS_OPTIMIZED_BY_DEFAULT.test(type)) {
        return ["N/A", `${type} is EBS-optimized by default; ebs_optimized changes nothing there`];
      }
      return [
        "VIOLATED",
        `ebs_optimized is not set to true${typeof type === "string" ? ` and ${type} is not known to be EBS-optimized by default` : ""}`,
      ];
    }),
  },
  {
    id: "CKV_AWS_46",
    title: "no hard-coded secrets in EC2 user data",
    none: "no instance or launch template in this output",
    rows: (env) =>
      ["aws_instance", "aws_launch_template", "aws_launch_configuration"]
        .flatMap((t) => env.world.resourcesOfType(t))
        .map((r) => {
          const { texts, unreadable } = userDataTexts(env, r);
          if (unreadable) return row(origin(r), "N/A", `the user data cannot be read before apply (${unreadable}): scan it after apply`);
          if (texts.length === 0) return row(origin(r), "HOLDS", "no user data");
          for (const text of texts) {
            const hit = SECRET_PATTERNS.find((p) => p.re.test(text));
            if (hit) return row(origin(r), "VIOLATED", `user data contains what looks like ${hit.name}`);
          }
          return row(origin(r), "HOLDS", "no secret pattern in the user data");
        }),
  },
  {
    id: "CKV2_AWS_41",
    title: "an IAM role is attached to every EC2 instance",
    none: "no instance in this output",
    rows: instanceRows((i) => {
      const p = i.get("iam_instance_profile");
      const profile =
        typeof p === "string" || (p !== undefined && !isObjectValue(p) && !Array.isArray(p)) ? p : (first(p)?.name ?? first(p)?.arn);
      return set(profile as Value)
        ? ["HOLDS", "an instance profile is attached"]
        : ["VIOLATED", "no iam_instance_profile on the instance or its launch template"];
    }),
  },
  cloudTrail("CKV_AWS_35", "CloudTrail logs are encrypted at rest with a KMS customer managed key", (env, r) =>
    set(arg(env, r, "kms_key_id")) ? ["HOLDS", "kms_key_id set"] : ["VIOLATED", "no kms_key_id"],
  ),
  cloudTrail(
    "CKV_AWS_36",
    "CloudTrail log file validation is enabled",
    (env, r) =>
      unknownRow("enable_log_file_validation", arg(env, r, "enable_log_file_validation")) ??
      (bool(arg(env, r, "enable_log_file_validation"))
        ? ["HOLDS", "enable_log_file_validation = true"]
        : ["VIOLATED", "enable_log_file_validation is not true"]),
  ),
  cloudTrail(
    "CKV_AWS_67",
    "CloudTrail is enabled in all regions",
    (env, r) =>
      unknownRow("is_multi_region_trail", arg(env, r, "is_multi_region_trail")) ??
      (bool(arg(env, r, "is_multi_region_trail"))
        ? ["HOLDS", "is_multi_region_trail = true"]
        : ["VIOLATED", "is_multi_region_trail is not true"]),
  ),
  cloudTrail("CKV_AWS_252", "CloudTrail defines an SNS topic", (env, r) =>
    set(arg(env, r, "sns_topic_name")) ? ["HOLDS", "sns_topic_name set"] : ["VIOLATED", "no sns_topic_name"],
  ),
  cloudTrail("CKV2_AWS_10", "CloudTrail trails are integrated with CloudWatch Logs", (env, r) =>
    set(arg(env, r, "cloud_watch_logs_group_arn"))
      ? ["HOLDS", "cloud_watch_logs_group_arn set"]
      : ["VIOLATED", "no cloud_watch_logs_group_arn"],
  ),
  {
    id: "CKV_AWS_158",
    title: "CloudWatch log groups are encrypted with a KMS key",
    none: "no CloudWatch log group in this output",
    rows: perResource(["aws_cloudwatch_log_group"], (r, env) =>
      set(arg(env, r, "kms_key_id")) ? ["HOLDS", "kms_key_id set"] : ["VIOLATED", "no kms_key_id"],
    ),
  },
  {
    id: "CKV_AWS_66",
    title: "CloudWatch log groups specify a retention",
    none: "no CloudWatch log group in this output",
    rows: perResource(["aws_cloudwatch_log_group"], (r, env) => {
      const d = arg(env, r, "retention_in_days");
      return typeof d === "number"
        ? ["HOLDS", `retention_in_days = ${d}`]
        : ["VIOLATED", "retention_in_days not set (logs never expire by accident, not by decision)"];
    }),
  },
  {
    id: "CKV_AWS_338",
    title: "CloudWatch log groups keep logs for at least a year",
    none: "no CloudWatch log group in this output",
    rows: perResource(["aws_cloudwatch_log_group"], (r, env) => {
      const d = arg(env, r, "retention_in_days");
      if (typeof d !== "number") return ["VIOLATED", "retention_in_days not set"];
      return d === 0 || d >= ONE_YEAR_DAYS
        ? ["HOLDS", `retention_in_days = ${d}${d === 0 ? " (never expire)" : ""}`]
        : ["VIOLATED", `retention_in_days = ${d}, under ${ONE_YEAR_DAYS}`];
    }),
  },
  {
    id: "CKV_AWS_344",
    title: "Network Firewalls have deletion protection enabled",
    none: "no Network Firewall in this output (this inspection mode has none)",
    rows: perResource(
      ["aws_networkfirewall_firewall"],
      (r, env) =>
        unknownRow("delete_protection", arg(env, r, "delete_protection")) ??
        (bool(arg(env, r, "delete_protection")) ? ["HOLDS", "delete_protection = true"] : ["VIOLATED", "delete_protection is not true"]),
    ),
  },
  {
    id: "CKV_AWS_345",
    title: "Network Firewalls and rule groups are encrypted with a customer managed KMS key",
    none: "no Network Firewall in this output (this inspection mode has none)",
    rows: perResource(["aws_networkfirewall_firewall", "aws_networkfirewall_rule_group"], (r, env) =>
      cmkVerdict(first(arg(env, r, "encryption_configuration"))),
    ),
  },
  {
    id: "CKV_AWS_346",
    title: "Network Firewall policies are encrypted with a customer managed KMS key",
    none: "no Network Firewall policy in this output (this inspection mode has none)",
    rows: perResource(["aws_networkfirewall_firewall_policy"], (r, env) => cmkVerdict(first(arg(env, r, "encryption_configuration")))),
  },
  {
    id: "CKV2_AWS_63",
    title: "Network Firewalls have a logging configuration",
    none: "no Network Firewall in this output (this inspection mode has none)",
    rows: (env) =>
      env.world.resourcesOfType("aws_networkfirewall_firewall").map((fw) => {
        // The firewall's ARN as a reference (a synth or plan), or as the literal a state holds.
        const literalArn = env.world.argument(fw.key, "arn");
        const names = new Set([`${fw.key}|arn`, ...(typeof literalArn === "string" && literalArn !== "" ? [`literal|${literalArn}`] : [])]);
        const logs = env.world
          .resourcesOfType("aws_networkfirewall_logging_configuration")
          .filter((l) => names.has(signature(arg(env, l, "firewall_arn")) ?? ""));
        return logs.length > 0
          ? row(origin(fw), "HOLDS", `logging: ${logs.map(origin).join(", ")}`)
          : row(origin(fw), "VIOLATED", "no aws_networkfirewall_logging_configuration names this firewall");
      }),
  },
];

function cloudTrail(id: string, title: string, judge: (env: Env, r: ResourceRef) => [Verdict, string]): CheckDef {
  return {
    id,
    title,
    none: "no CloudTrail trail in this output (an existing trail is used, or none is created)",
    rows: perResource(["aws_cloudtrail"], (r, env) => judge(env, r)),
  };
}

function imdsVerdict(m: Record<string, Value> | undefined): [Verdict, string] {
  const unknown =
    unknownRow("metadata_options.http_endpoint", m?.http_endpoint) ?? unknownRow("metadata_options.http_tokens", m?.http_tokens);
  if (unknown) return unknown;
  if (m?.http_endpoint === "disabled") return ["HOLDS", "the metadata service is off"];
  if (m?.http_tokens === "required") return ["HOLDS", "http_tokens = required (IMDSv2 only)"];
  return ["VIOLATED", `http_tokens is ${JSON.stringify(m?.http_tokens ?? "optional (the default)")}: IMDSv1 answers`];
}

function cmkVerdict(e: Record<string, Value> | undefined): [Verdict, string] {
  if (e && e.type === CUSTOMER_KMS && set(e.key_id)) return ["HOLDS", "encryption_configuration uses a customer managed key"];
  return [
    "VIOLATED",
    e
      ? `encryption_configuration type ${JSON.stringify(e.type)} without a customer managed key_id`
      : "no encryption_configuration (an AWS owned key)",
  ];
}

function ebsVerdict(root: unknown, ebs: unknown, mappings: unknown, byDefault: boolean | [Verdict, string]): [Verdict, string] {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter(isObjectValue) : isObjectValue(v) ? [v] : []) as Record<string, Value>[];
  const volumes = [...list(root), ...list(ebs), ...list(mappings).map((m) => first(m.ebs) ?? {})];
  const unknown = volumes.map((v) => unknownRow("a volume's encrypted", v.encrypted)).find((x) => x !== undefined);
  if (unknown && byDefault !== true) return unknown;
  const unencrypted = volumes.filter((v) => bool(v.encrypted) !== true);
  if (volumes.length > 0 && unencrypted.length === 0) return ["HOLDS", "every volume sets encrypted = true"];
  if (byDefault === true) return ["HOLDS", "aws_ebs_encryption_by_default encrypts every new volume"];
  if (byDefault !== false) return byDefault;
  if (volumes.length === 0) return ["VIOLATED", "the root volume does not set encrypted = true"];
  return ["VIOLATED", `${unencrypted.length} volume(s) without encrypted = true`];
}

/** A gzip stream starts with 1f 8b (RFC 1952 §2.3.1). */
const isGzip = (b: Buffer) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

/** The texts user data stands for: as written, base64-decoded, and gunzipped when the decoded bytes are gzip. */
function decodings(v: string, base64: boolean): string[] {
  const out = [v];
  const raw = Buffer.from(v, "utf8");
  if (isGzip(raw)) out.push(zlib.gunzipSync(raw).toString("utf8"));
  if (base64 || /^[A-Za-z0-9+/\s]+={0,2}$/.test(v.trim())) {
    const bytes = Buffer.from(v, "base64");
    if (isGzip(bytes)) {
      try {
        out.push(zlib.gunzipSync(bytes).toString("utf8"));
      } catch {
        // not gzip after all
      }
    } else if (base64) out.push(bytes.toString("utf8"));
  }
  return out;
}

function userDataTexts(env: Env, r: ResourceRef): { texts: string[]; unreadable?: string } {
  const out: string[] = [];
  for (const name of ["user_data", "user_data_base64"]) {
    const v = env.world.argument(r.key, name);
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") return { texts: out, unreadable: `${name} is ${showValue(v)}` };
    // user_data_base64, and a launch template's user_data, are base64 (EC2 API); either may be gzip inside.
    out.push(...decodings(v, name === "user_data_base64" || r.raw.type === "aws_launch_template"));
  }
  return { texts: out };
}

export function checkovResults(world: World, model: Model, ctx: Context, sgClosed: (naclKey: string) => boolean): Result[] {
  const env: Env = { world, model, ctx, sgClosed };
  return CHECKS.map((c) => {
    const rows = c.rows(env);
    const findings = rows
      .filter((r) => r.verdict === "VIOLATED" || r.verdict === "N/A")
      .map((r) => ({ verdict: r.verdict, subject: r.subject, message: r.detail }));
    return result(c.id, "check", c.title, rows, findings, rows.length === 0 ? [`N/A: ${c.none}`] : []);
  });
}
