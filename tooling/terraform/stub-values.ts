/**
 * Values of the right shape for attributes that only exist after `terraform apply`: resource ids with the prefix
 * AWS gives each type, ARNs, IPv6 prefixes and addresses. Deterministic: the same seed gives the same value, and
 * different seeds give different values, so a reader of a plan can tell which stub a value came from.
 */
import { createHash } from "node:crypto";
import * as ipaddr from "ipaddr.js";

/** The account id AWS documentation uses in examples ("123456789012"). */
export const STUB_ACCOUNT_ID = "123456789012";

/** RFC 3849 reserves 2001:db8::/32 for documentation: no stub prefix can be mistaken for a real one. */
export const STUB_IPV6_PREFIX = "2001:db8::/32";

/** Prefix length of an Amazon-provided or IPAM-allocated VPC IPv6 block (VPC user guide, "IPv6 CIDR blocks"). */
export const VPC_IPV6_PREFIX_LENGTH = 56;

/** Hex digits after the prefix of an EC2 resource id (EC2 user guide, "Resource IDs": 17 characters). */
const EC2_ID_HEX_DIGITS = 17;

/** A stable hex digest of `seed`. */
export function digest(seed: string, length: number = EC2_ID_HEX_DIGITS): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** A UUID-shaped value (KMS key ids, GuardDuty-style ids) derived from `seed`. */
export function stubUuid(seed: string): string {
  const h = digest(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The id prefix of EC2 and VPC resource types (EC2 API reference, each type's `*Id` field: `vpc-`, `subnet-`, ...).
 * Types whose id is a name or an ARN are handled in `idOf`.
 */
export const ID_PREFIX_BY_TYPE: Readonly<Record<string, string>> = {
  aws_vpc: "vpc",
  aws_subnet: "subnet",
  aws_route_table: "rtb",
  aws_default_route_table: "rtb",
  aws_route_table_association: "rtbassoc",
  aws_egress_only_internet_gateway: "eigw",
  aws_internet_gateway: "igw",
  aws_nat_gateway: "nat",
  aws_network_interface: "eni",
  aws_network_interface_attachment: "eni-attach",
  aws_vpc_endpoint: "vpce",
  aws_security_group: "sg",
  aws_default_security_group: "sg",
  aws_vpc_security_group_ingress_rule: "sgr",
  aws_vpc_security_group_egress_rule: "sgr",
  aws_network_acl: "acl",
  aws_default_network_acl: "acl",
  aws_instance: "i",
  aws_launch_template: "lt",
  aws_eip: "eipalloc",
  aws_ebs_volume: "vol",
  aws_ami: "ami",
  aws_flow_log: "fl",
  aws_ec2_managed_prefix_list: "pl",
  aws_vpc_ipv6_cidr_block_association: "vpc-cidr-assoc",
  aws_placement_group: "pg",
  aws_key_pair: "key",
  aws_route53_resolver_firewall_domain_list: "rslvr-fdl",
  aws_route53_resolver_firewall_rule_group: "rslvr-frg",
  aws_route53_resolver_firewall_rule_group_association: "rslvr-frgassoc",
  aws_route53_resolver_query_log_config: "rqlc",
  aws_route53_resolver_query_log_config_association: "rqlca",
  aws_route53_resolver_endpoint: "rslvr-in",
};

/** The id prefix an attribute name implies (`subnet_id` -> `subnet`), longest names first. */
const ID_PREFIX_BY_ATTRIBUTE: readonly (readonly [string, string])[] = [
  ["egress_only_internet_gateway_id", "eigw"],
  ["egress_only_gateway_id", "eigw"],
  ["network_interface_id", "eni"],
  ["internet_gateway_id", "igw"],
  ["security_group_id", "sg"],
  ["launch_template_id", "lt"],
  ["route_table_id", "rtb"],
  ["vpc_endpoint_id", "vpce"],
  ["nat_gateway_id", "nat"],
  ["network_acl_id", "acl"],
  ["prefix_list_id", "pl"],
  ["allocation_id", "eipalloc"],
  ["endpoint_id", "vpce"],
  ["instance_id", "i"],
  ["gateway_id", "igw"],
  ["subnet_id", "subnet"],
  ["volume_id", "vol"],
  ["image_id", "ami"],
  ["acl_id", "acl"],
  ["eni_id", "eni"],
  ["vpc_id", "vpc"],
  ["eigw_id", "eigw"],
  ["igw_id", "igw"],
  ["sg_id", "sg"],
];

/** `arn:aws:<service>:<region>:<account>:<resource>` pieces per resource type. */
interface ArnShape {
  readonly service: string;
  /** Global services (IAM, S3) leave the region out; S3 also leaves the account out. */
  readonly scope?: "global" | "s3";
  /** The resource part, given the resource's name and id. */
  readonly resource: (name: string, id: string) => string;
}

const ec2Arn = (kind: string): ArnShape => ({ service: "ec2", resource: (_n, id) => `${kind}/${id}` });

/** ARN formats per resource type (Service Authorization Reference, "Resource types defined by <service>"). */
const ARN_BY_TYPE: Readonly<Record<string, ArnShape>> = {
  aws_vpc: ec2Arn("vpc"),
  aws_subnet: ec2Arn("subnet"),
  aws_route_table: ec2Arn("route-table"),
  aws_default_route_table: ec2Arn("route-table"),
  aws_egress_only_internet_gateway: ec2Arn("egress-only-internet-gateway"),
  aws_internet_gateway: ec2Arn("internet-gateway"),
  aws_network_interface: ec2Arn("network-interface"),
  aws_vpc_endpoint: ec2Arn("vpc-endpoint"),
  aws_security_group: ec2Arn("security-group"),
  aws_default_security_group: ec2Arn("security-group"),
  aws_vpc_security_group_ingress_rule: ec2Arn("security-group-rule"),
  aws_vpc_security_group_egress_rule: ec2Arn("security-group-rule"),
  aws_network_acl: ec2Arn("network-acl"),
  aws_default_network_acl: ec2Arn("network-acl"),
  aws_instance: ec2Arn("instance"),
  aws_launch_template: ec2Arn("launch-template"),
  aws_flow_log: ec2Arn("vpc-flow-log"),
  aws_ec2_managed_prefix_list: ec2Arn("prefix-list"),
  aws_kms_key: { service: "kms", resource: (_n, id) => `key/${id}` },
  aws_kms_alias: { service: "kms", resource: (n) => (n.startsWith("alias/") ? n : `alias/${n}`) },
  aws_s3_bucket: { service: "s3", scope: "s3", resource: (n) => n },
  aws_iam_role: { service: "iam", scope: "global", resource: (n) => `role/${n}` },
  aws_iam_policy: { service: "iam", scope: "global", resource: (n) => `policy/${n}` },
  aws_iam_instance_profile: { service: "iam", scope: "global", resource: (n) => `instance-profile/${n}` },
  aws_iam_user: { service: "iam", scope: "global", resource: (n) => `user/${n}` },
  aws_sns_topic: { service: "sns", resource: (n) => n },
  aws_sqs_queue: { service: "sqs", resource: (n) => n },
  aws_cloudwatch_log_group: { service: "logs", resource: (n) => `log-group:${n}` },
  aws_cloudwatch_metric_alarm: { service: "cloudwatch", resource: (n) => `alarm:${n}` },
  aws_cloudwatch_event_rule: { service: "events", resource: (n) => `rule/${n}` },
  aws_lambda_function: { service: "lambda", resource: (n) => `function:${n}` },
  aws_networkfirewall_firewall: { service: "network-firewall", resource: (n) => `firewall/${n}` },
  aws_networkfirewall_firewall_policy: { service: "network-firewall", resource: (n) => `firewall-policy/${n}` },
  aws_networkfirewall_rule_group: { service: "network-firewall", resource: (n) => `stateful-rulegroup/${n}` },
  aws_cloudtrail: { service: "cloudtrail", resource: (n) => `trail/${n}` },
  aws_guardduty_detector: { service: "guardduty", resource: (_n, id) => `detector/${id}` },
  aws_route53_resolver_firewall_domain_list: { service: "route53resolver", resource: (_n, id) => `firewall-domain-list/${id}` },
  aws_route53_resolver_firewall_rule_group: { service: "route53resolver", resource: (_n, id) => `firewall-rule-group/${id}` },
  aws_route53_resolver_query_log_config: { service: "route53resolver", resource: (_n, id) => `resolver-query-log-config/${id}` },
  aws_config_configuration_recorder: { service: "config", resource: (n) => `config-recorder/${n}` },
  aws_ssm_parameter: { service: "ssm", resource: (n) => `parameter${n.startsWith("/") ? "" : "/"}${n}` },
};

/** Resource types whose Terraform id is their ARN. */
const ID_IS_ARN = new Set([
  "aws_sns_topic",
  "aws_iam_policy",
  "aws_networkfirewall_firewall",
  "aws_networkfirewall_firewall_policy",
  "aws_networkfirewall_rule_group",
  "aws_cloudwatch_event_rule_target",
]);

/** Resource types whose Terraform id is their name (or bucket). */
const ID_IS_NAME = new Set([
  "aws_s3_bucket",
  "aws_cloudwatch_log_group",
  "aws_iam_role",
  "aws_iam_instance_profile",
  "aws_iam_user",
  "aws_lambda_function",
  "aws_kms_alias",
  "aws_cloudtrail",
  "aws_ssm_parameter",
  "aws_cloudwatch_metric_alarm",
  "aws_config_configuration_recorder",
]);

/** What the stub generator knows about the object a value belongs to. */
export interface StubSubject {
  /** Resource or data source type, when known (`aws_subnet`). */
  readonly type?: string;
  /** The attribute (`id`, `arn`, `subnet_id`) or output name that asks for a value. */
  readonly attribute: string;
  /** A unique, stable description of where the value comes from (`network/aws_subnet.workload_a.id`). */
  readonly seed: string;
  /** The resource's configured name, bucket or function name, if any. */
  readonly name?: string;
  readonly region: string;
}

/** An id of the right shape for `type`, stable for `seed`. */
export function idOf(subject: StubSubject): string {
  const { type = "", seed } = subject;
  const prefix = ID_PREFIX_BY_TYPE[type];
  if (prefix !== undefined) return `${prefix}-${digest(seed)}`;
  if (type === "aws_kms_key") return stubUuid(seed);
  if (type === "aws_guardduty_detector") return digest(seed, 32);
  if (ID_IS_ARN.has(type)) return arnOf(subject);
  if (ID_IS_NAME.has(type)) return subject.name ?? stubName(subject);
  if (type === "aws_sqs_queue") {
    return `https://sqs.${subject.region}.amazonaws.com/${STUB_ACCOUNT_ID}/${subject.name ?? stubName(subject)}`;
  }
  return `${type.replace(/^aws_/, "").replace(/_/g, "-") || "stub"}-${digest(seed)}`;
}

/** An ARN for `type` (or a generic one naming the type), stable for `seed`. */
export function arnOf(subject: StubSubject): string {
  const { type = "", region } = subject;
  const shape = ARN_BY_TYPE[type];
  const name = subject.name ?? stubName(subject);
  const id =
    ID_PREFIX_BY_TYPE[type] !== undefined || type === "aws_kms_key" || type === "aws_guardduty_detector"
      ? idOf(subject)
      : digest(subject.seed);
  if (shape === undefined) {
    const service = /^aws_([a-z0-9]+)/.exec(type)?.[1] ?? "stub";
    const kind = type.replace(/^aws_[a-z0-9]+_?/, "").replace(/_/g, "-") || "resource";
    return `arn:aws:${service}:${region}:${STUB_ACCOUNT_ID}:${kind}/${name}`;
  }
  const resource = shape.resource(name, id);
  if (shape.scope === "s3") return `arn:aws:s3:::${resource}`;
  if (shape.scope === "global") return `arn:aws:iam::${STUB_ACCOUNT_ID}:${resource}`;
  return `arn:aws:${shape.service}:${region}:${STUB_ACCOUNT_ID}:${resource}`;
}

/** A readable stand-in name: `stub-<hash>`. */
export function stubName(subject: Pick<StubSubject, "seed">): string {
  return `stub-${digest(subject.seed, 12)}`;
}

/** The ARN kind an attribute name such as `kms_key_arn` or `firewall_arn` implies. */
const TYPE_BY_ARN_ATTRIBUTE: readonly (readonly [string, string])[] = [
  ["kms_key", "aws_kms_key"],
  ["key", "aws_kms_key"],
  ["role", "aws_iam_role"],
  ["instance_profile", "aws_iam_instance_profile"],
  ["policy", "aws_iam_policy"],
  ["bucket", "aws_s3_bucket"],
  ["topic", "aws_sns_topic"],
  ["queue", "aws_sqs_queue"],
  ["log_group", "aws_cloudwatch_log_group"],
  ["function", "aws_lambda_function"],
  ["lambda", "aws_lambda_function"],
  ["firewall_policy", "aws_networkfirewall_firewall_policy"],
  ["rule_group", "aws_networkfirewall_rule_group"],
  ["firewall", "aws_networkfirewall_firewall"],
  ["trail", "aws_cloudtrail"],
  ["detector", "aws_guardduty_detector"],
];

/** Does this attribute or output name ask for a list (`subnet_ids`, `ipv6_addresses`, `arns`)? */
export function isPluralName(name: string): boolean {
  return /(_ids|_arns|^arns|_addresses|_cidr_blocks|_names)(_[a-z0-9]+)?$/.test(name) && !/_address$/.test(name);
}

/**
 * A value for an attribute or output known only by name (and maybe its resource type): `*_id` names get the
 * id prefix they imply, `*arn*` an ARN, `*ipv6_cidr_block*` an IPv6 prefix, `*_ids` a one-element list.
 * `undefined` when the name says nothing about the shape.
 */
export function valueForName(subject: StubSubject, vpcIpv6Cidr: () => string): string | string[] | undefined {
  const name = subject.attribute;
  if (isPluralName(name)) {
    const singular = name
      .replace(/_ids(_[a-z0-9]+)?$/, "_id$1")
      .replace(/_arns(_[a-z0-9]+)?$/, "_arn$1")
      .replace(/^arns$/, "arn")
      .replace(/_addresses(_[a-z0-9]+)?$/, "_address$1")
      .replace(/_cidr_blocks(_[a-z0-9]+)?$/, "_cidr_block$1")
      .replace(/_names(_[a-z0-9]+)?$/, "_name$1");
    const one = valueForName({ ...subject, attribute: singular, seed: `${subject.seed}[0]` }, vpcIpv6Cidr);
    return one === undefined ? undefined : [one as string];
  }
  if (name === "id") return idOf(subject);
  if (name === "arn") return arnOf(subject);
  if (/(^|_)arn($|_)/.test(name)) {
    const stem = name.replace(/(^|_)arn($|_.*)/, "");
    const type = TYPE_BY_ARN_ATTRIBUTE.find(([word]) => stem === word || stem.endsWith(`_${word}`))?.[1];
    return arnOf({ ...subject, type: type ?? subject.type, name: stubName(subject) });
  }
  if (/ipv6_cidr_block/.test(name) || /ipv6_cidr$/.test(name)) {
    if (/^vpc_ipv6|^ipv6_cidr_block$/.test(name) && (subject.type === undefined || subject.type === "aws_vpc")) return vpcIpv6Cidr();
    return cidrSubnet(vpcIpv6Cidr(), 8, Number.parseInt(digest(subject.seed, 2), 16));
  }
  if (/ipv6_address$/.test(name)) return cidrHost(vpcIpv6Cidr(), Number.parseInt(digest(subject.seed, 8), 16));
  if (/(^|_)owner_id$|account_id$/.test(name)) return STUB_ACCOUNT_ID;
  const byAttribute = ID_PREFIX_BY_ATTRIBUTE.find(
    ([attr]) => name === attr || name.startsWith(`${attr}_`) || name.endsWith(`_${attr}`) || name.includes(`_${attr}_`),
  );
  if (byAttribute) return `${byAttribute[1]}-${digest(subject.seed)}`;
  if (name === "key_id" || name.endsWith("_key_id")) return stubUuid(subject.seed);
  return undefined;
}

/** A VPC-sized IPv6 block inside the documentation prefix, stable for `seed`. */
export function stubVpcIpv6Cidr(seed: string): string {
  // 2001:db8::/32 has 2^24 /56 blocks; take 24 bits of the digest.
  return cidrSubnet(STUB_IPV6_PREFIX, VPC_IPV6_PREFIX_LENGTH - 32, Number.parseInt(digest(seed, 6), 16));
}

function parseCidr(prefix: string): { bytes: number[]; length: number; kind: "ipv4" | "ipv6" } {
  if (!ipaddr.isValidCIDR(prefix)) throw new Error(`"${prefix}" is not a CIDR prefix`);
  const [address, length] = ipaddr.parseCIDR(prefix);
  return { bytes: address.toByteArray(), length, kind: address.kind() };
}

function bytesToBigInt(bytes: readonly number[]): bigint {
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function bigIntToBytes(value: bigint, count: number): number[] {
  const out: number[] = [];
  for (let i = count - 1; i >= 0; i--) out.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return out;
}

/** Terraform's `cidrsubnet(prefix, newbits, netnum)`, for IPv4 and IPv6. */
export function cidrSubnet(prefix: string, newbits: number, netnum: number): string {
  const { bytes, length } = parseCidr(prefix);
  const total = bytes.length * 8;
  const newLength = length + newbits;
  if (!Number.isInteger(newbits) || newbits < 0 || newLength > total) {
    throw new Error(`cidrsubnet: ${prefix} has no room for ${newbits} more bits`);
  }
  if (!Number.isInteger(netnum) || netnum < 0 || BigInt(netnum) >= 1n << BigInt(newbits)) {
    throw new Error(`cidrsubnet: netnum ${netnum} does not fit in ${newbits} bits`);
  }
  const hostBits = BigInt(total - length);
  const network = (bytesToBigInt(bytes) >> hostBits) << hostBits;
  const value = network | (BigInt(netnum) << BigInt(total - newLength));
  return `${ipaddr.fromByteArray(bigIntToBytes(value, bytes.length)).toString()}/${newLength}`;
}

/**
 * Terraform's `cidrsubnets(prefix, newbits...)`: consecutive blocks, each starting at the first address after the
 * previous one, rounded up to a multiple of its own size.
 */
export function cidrSubnets(prefix: string, newbits: readonly number[]): string[] {
  const { bytes, length } = parseCidr(prefix);
  const hostBits = BigInt(bytes.length * 8 - length);
  let next = 0n;
  return newbits.map((bits) => {
    const size = 1n << (hostBits - BigInt(bits));
    const start = ((next + size - 1n) / size) * size;
    next = start + size;
    return cidrSubnet(prefix, bits, Number(start / size));
  });
}

/** Terraform's `cidrhost(prefix, hostnum)`; a hostnum larger than the block wraps around inside it. */
export function cidrHost(prefix: string, hostnum: number): string {
  const { bytes, length } = parseCidr(prefix);
  const total = bytes.length * 8;
  const hostBits = BigInt(total - length);
  const size = 1n << hostBits;
  const offset = ((BigInt(hostnum) % size) + size) % size;
  const network = (bytesToBigInt(bytes) >> hostBits) << hostBits;
  return ipaddr.fromByteArray(bigIntToBytes(network | offset, bytes.length)).toString();
}

/** Does `inner` lie inside `outer` (both CIDR prefixes of one family)? */
export function cidrContains(outer: string, inner: string): boolean {
  const a = parseCidr(outer);
  const b = parseCidr(inner);
  if (a.kind !== b.kind || b.length < a.length) return false;
  const [innerAddress] = ipaddr.parseCIDR(inner);
  return innerAddress.match(ipaddr.parseCIDR(outer));
}
