/**
 * The Squid proxy tier: per AZ two instances (slot 1, the primary, and slot 2, the standby), each on a fixed network
 * interface of its own in the AZ's proxy subnet, kept alive by EC2 auto-recovery (host failures) and watched by a
 * heartbeat (modules/proxy/heartbeat.ts: Squid failures, failed boots). The AZ's routes target the primary's
 * interface; the failover Lambda (modules/observability/proxy-failover.ts) moves them to the standby of the same AZ
 * when the primary's heartbeat stops, and back when it returns. Each interface carries TAG_FAILOVER_GROUP
 * (`<env>-<az>`, the only interfaces its routes may be moved to) and TAG_PROXY_SLOT (which alarm says whether it is
 * healthy). One launch template (IMDSv2 only, IMDS over IPv6, hop limit 1), one role (Systems Manager core, the
 * CloudWatch agent, and PutMetricData in the proxies' namespace), per AZ one security group shared by both slots
 * (only that AZ's workload /64, only on the intercepted and explicit ports), and the KMS-encrypted access-log group
 * the instances ship to.
 *
 * The security group is per AZ because the explicit port is reached by address: a group admitting every AZ's
 * workloads would let workload-b dial proxy-a over the local route, across AZs and (firewall-proxy mode) past the
 * firewall, which inspects only the workload-x <-> proxy-x hop.
 *
 * An ASG cannot pin an interface, so it cannot keep a route target; auto-recovery keeps the instance id and the
 * interface through host failures (docs/architecture.md, "The inspection points", and "Proxy availability").
 *
 * The egress policy (squid.conf, the allowlist, the nftables ruleset) is not in the user data: it is one versioned,
 * KMS-encrypted S3 object (policy-store.ts) that every proxy's policy agent polls and applies with a reconfigure
 * (policy-agent.ts), so changing `egress.domains` or `egress.ports` replaces no instance. The role may read that
 * one object, decrypt it only through S3, and publish metrics only in PROXY_METRIC_NAMESPACE.
 */
import * as zlib from "node:zlib";
import { Construct } from "constructs";
import { Fn, Op, TerraformLocal, Token, type ITerraformDependable } from "cdktf";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { NetworkInterface } from "@cdktf/provider-aws/lib/network-interface";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { Zone } from "../../lib/zone";
import { UserError } from "../../lib/errors";
import { partitionOf } from "../../lib/partition";
import { TAG_AZ, TAG_ROLE } from "../../lib/names";
import { PROXY_METRIC_NAMESPACE, TAG_FAILOVER_GROUP, failoverGroupOf, proxySlotId } from "../../lib/proxy-signals";
import { PRIMARY_SLOT, PROXY_SLOTS, TAG_PROXY_SLOT } from "../../lib/proxy-failover";
import { HTTPS_PORT } from "../../lib/ports";
import { ClosedSecurityGroup, SgRule } from "../shared/security-group";
import { ICMPV6_PACKET_TOO_BIG } from "../../lib/protocols";
import { EncryptedLogGroup } from "../shared/encrypted-log-group";
import { HARDENED_METADATA_OPTIONS, HardenedLaunchTemplate, rootDeviceNameOf } from "../shared/hardened-launch-template";
import { CLOUDWATCH_AGENT_POLICY, SSM_CORE_POLICY, instanceRole } from "../shared/instance-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { policyDocument } from "../shared/policy";
import { renderProxyUserData, type ProxyCaSource } from "./user-data";
import type { SquidPolicy } from "./squid-conf";
import { renderPolicyBundle } from "./policy-bundle";
import { POLICY_OBJECT_KEY, PolicyStore } from "./policy-store";

/** EC2 accepts at most 16 KB of user data (EC2 user guide, "Run commands at launch"); ours is gzip-compressed. */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;
/**
 * Auto-recovery: the system status check failing for two consecutive minutes (EC2 user guide, "Recover your
 * instance", the recommended alarm).
 */
const RECOVERY = { metric: "StatusCheckFailed_System", periodSeconds: 60, evaluationPeriods: 2, threshold: 1 } as const;
/** The VPC's IPv6 block is a /56 (Amazon-provided, or an IPAM allocation of netmask 56: config/schema.ts). */
const VPC_IPV6_PREFIX = 56;
/** Room for each Terraform reference in the size check: a VPC /56 is ~22 characters, a bucket name at most 63. */
const REFERENCE_PLACEHOLDER_FOR_SIZE = "x".repeat(63);
/** Seconds between two ranks of a policy rollout when the caller does not say. */
export const DEFAULT_ROLLOUT_STEP_SECONDS = 120;

export interface ProxyTierProps {
  /** Environment name, egress allowlist and proxy ports (what squid.conf is rendered from). */
  readonly policy: SquidPolicy;
  /**
   * The AWS region the proxies run in: the boot script's AWS endpoints, the auto-recovery alarm's action ARN and the
   * role's managed policy ARNs and KMS condition are derived from it.
   */
  readonly region: string;
  /**
   * The proxies' AMI, as `resolve:ssm:<public parameter>` under `/aws/service/ami-amazon-linux-latest/`,
   * `/aws/service/debian/` or `/aws/service/canonical/` (anything else fails synthesis: the root device name must be known).
   */
  readonly ami: string;
  /** The EC2 instance type of every proxy (a Nitro type: IPv6-only subnets launch nothing else). */
  readonly instanceType: string;
  /**
   * Size of each proxy's encrypted gp3 root volume, in GiB (set in the launch template).
   * @default 16
   */
  readonly rootVolumeGiB?: number;
  /** The VPC the proxies' security groups are created in. */
  readonly vpcId: string;
  /** The VPC's IPv6 /56 (a Terraform reference): the only clients Squid serves. */
  readonly vpcIpv6Cidr: string;
  /** Per AZ: the proxy subnet the interface lives in and the workload /64 it serves. */
  readonly zones: readonly { readonly zone: Zone; readonly proxySubnetId: string; readonly workloadIpv6Cidr: string }[];
  /** Name of the CloudWatch Logs group the proxies ship Squid's access log to (created here). */
  readonly logGroupName: string;
  /** Days CloudWatch Logs keeps the access log events (a value the API accepts: 1, 3, 5, 7, 14, 30, ...). */
  readonly logRetentionDays: number;
  /** ARN of the customer-managed KMS key that encrypts the access-log group and the policy bundle. */
  readonly kmsKeyArn: string;
  /**
   * Seconds between two ranks of a policy rollout: the first AZ's proxy (rank 0, the canary) applies a new bundle
   * as soon as it sees it, the proxy of the n-th AZ (rank n-1) that many seconds later per rank.
   * @default DEFAULT_ROLLOUT_STEP_SECONDS (120)
   */
  readonly rolloutStepSeconds?: number;
  /** The key policy that lets CloudWatch Logs use the key: it must exist before the log group. */
  readonly keyPolicy: ITerraformDependable;
  /**
   * With policy.decryption: the customer CA (certificate, and the secret holding its key), the customer-managed KMS
   * key that encrypts that secret, and the ICAP services' addresses. Given exactly when policy.decryption is (the
   * constructor throws otherwise).
   * @default - none: the proxies decrypt nothing, and their role gets no access to a secret
   */
  readonly decryption?: ProxyDecryptionProps;
}

export interface ProxyDecryptionProps {
  /**
   * The customer CA Squid signs with: its certificate (public part, written into every proxy's boot script) and the
   * Secrets Manager secret holding its private key, the one secret the proxies' role may read.
   */
  readonly ca: ProxyCaSource;
  /** The KMS key the secret is encrypted with: the role may decrypt with it only through Secrets Manager, for that secret. */
  readonly secretKmsKeyArn: string;
  /** Where the ICAP services listen (the security group opens exactly these). */
  readonly icapEndpoints: readonly { readonly address: string; readonly port: number; readonly scheme: "icap" | "icaps" }[];
}

export interface ProxyInstance {
  readonly zone: Zone;
  /** 1 (primary: the AZ's routes target it when it is healthy) or 2 (standby). */
  readonly slot: number;
  /** `proxySlotId(az, slot)`: the heartbeat's `Proxy` dimension, the value of TAG_PROXY_SLOT. */
  readonly slotId: string;
  /** Admits only this AZ's workload /64 (one group per AZ, shared by both slots). */
  readonly securityGroup: ClosedSecurityGroup;
  readonly networkInterface: NetworkInterface;
  readonly instance: Instance;
  readonly recoveryAlarm: CloudwatchMetricAlarm;
}

/** The name of the proxies' role (and of their other resources): the Secrets Manager endpoint's policy names it. */
export function proxyRoleName(env: string): string {
  return `${env}-proxy`;
}

export class ProxyTier extends Construct {
  readonly role: IamRole;
  readonly launchTemplate: HardenedLaunchTemplate;
  readonly logGroup: EncryptedLogGroup;
  /** The policy bundle's bucket and object. */
  readonly policyStore: PolicyStore;
  /** Every proxy: per AZ (in order) slot 1, then slot 2. */
  readonly proxies: ProxyInstance[] = [];

  /** The proxy of `slot` in the AZ with suffix `azSuffix` (throws when there is none). */
  proxyOf(azSuffix: string, slot: number = PRIMARY_SLOT): ProxyInstance {
    const found = this.proxies.find((p) => p.zone.suffix === azSuffix && p.slot === slot);
    if (!found) throw new Error(`no proxy of slot ${slot} in AZ ${azSuffix}`);
    return found;
  }

  constructor(scope: Construct, id: string, props: ProxyTierProps) {
    super(scope, id);
    const { policy } = props;
    const env = policy.env;
    const region = props.region;
    const name = proxyRoleName(env);
    const ports = policy.ports;
    const roleTags = { [TAG_ROLE]: "proxy" };
    const azTagsOf = (zone: Zone) => ({ Name: `${name}-${zone.suffix}`, ...roleTags, [TAG_AZ]: zone.suffix });

    this.logGroup = new EncryptedLogGroup(this, "access-log-group", {
      name: props.logGroupName,
      retentionDays: props.logRetentionDays,
      kmsKeyArn: props.kmsKeyArn,
      keyPolicy: props.keyPolicy,
    });

    const egressPorts = [...new Set([...ports, HTTPS_PORT])];
    const egress = [
      ...egressPorts.map((p) =>
        SgRule.tcp(
          p,
          "::/0",
          p === HTTPS_PORT && !ports.includes(p) ? "HTTPS for the proxy packages and AWS APIs" : `port ${p}: Squid outbound leg`,
        ),
      ),
      ...(props.decryption?.icapEndpoints ?? []).map((e) =>
        SgRule.tcp(e.port, `${e.address}/128`, `ICAP service (DLP) at [${e.address}]:${e.port}`),
      ),
    ];
    if ((policy.decryption === undefined) !== (props.decryption === undefined)) {
      throw new Error("ProxyTier: policy.decryption and decryption go together");
    }
    // Intercepted flows reach the interface with the port the workload dialled (TPROXY rewrites nothing), so the
    // group admits the allowlisted ports, plus the explicit proxy port, from its own AZ's workload /64 only.
    const securityGroupOf = (zone: Zone, workloadIpv6Cidr: string) =>
      new ClosedSecurityGroup(this, `${zone.suffix}-security-group`, {
        vpcId: props.vpcId,
        name: `${name}-${zone.suffix}`,
        description: `egress6 proxy in ${zone.name}: only the workload /64 of ${zone.name}, only on the intercepted and explicit ports`,
        ingress: [
          ...ports.map((p) => SgRule.tcp(p, workloadIpv6Cidr, `intercepted port ${p} from the workloads in ${zone.name}`)),
          SgRule.tcp(policy.explicitPort, workloadIpv6Cidr, `explicit proxy port from the workloads in ${zone.name}`),
          // The proxy is the internet leg's TCP endpoint: routers on the way send it Packet Too Big from any address
          // (EC2 user guide, "Path MTU Discovery").
          SgRule.icmpv6(ICMPV6_PACKET_TOO_BIG, "::/0", "ICMPv6 Packet Too Big: Path MTU discovery on the internet leg"),
        ],
        egress,
        tags: azTagsOf(zone),
      });

    const { role, profile } = instanceRole(this, {
      name,
      description: `egress6 ${env}: proxy instances (Systems Manager and the CloudWatch agent only)`,
      region,
      managedPolicies: { [SSM_CORE_POLICY]: SSM_CORE_POLICY, [CLOUDWATCH_AGENT_POLICY]: CLOUDWATCH_AGENT_POLICY },
    });
    this.role = role;

    // The egress policy: one bundle for every proxy, in S3; the proxies read that object only.
    const bundle = renderPolicyBundle({ policy, vpcIpv6Cidr: props.vpcIpv6Cidr });
    this.policyStore = new PolicyStore(this, "policy-store", {
      namePrefix: `${env}-policy-`,
      kmsKeyArn: props.kmsKeyArn,
      bundle: bundle.terraformTemplate,
      tags: roleTags,
    });
    new IamRolePolicy(this, "policy-access", {
      name: `${name}-policy`,
      role: role.id,
      policy: policyDocument([
        ...this.policyStore.readStatements(region),
        {
          // PutMetricData has no resource-level permissions; the namespace condition confines it (CloudWatch user
          // guide, "CloudWatch condition keys": cloudwatch:namespace). CloudWatchAgentServerPolicy also grants
          // PutMetricData, unconditioned: this statement does not widen anything, it states what the policy agent and the heartbeat need.
          Sid: "PublishProxyMetricsOnly",
          Effect: "Allow",
          Action: "cloudwatch:PutMetricData",
          Resource: "*",
          Condition: { StringEquals: { "cloudwatch:namespace": PROXY_METRIC_NAMESPACE } },
        },
      ]),
    });
    const stepSeconds = props.rolloutStepSeconds ?? DEFAULT_ROLLOUT_STEP_SECONDS;
    if (!Number.isInteger(stepSeconds) || stepSeconds < 0)
      throw new Error(`ProxyTier: rolloutStepSeconds must be a whole number >= 0, not ${stepSeconds}`);

    if (props.decryption) {
      const { ca, secretKmsKeyArn } = props.decryption;
      // Least privilege for the CA key: read one secret, and decrypt with its key only through Secrets Manager for
      // that secret (Secrets Manager puts the secret's ARN in the encryption context).
      new IamRolePolicy(this, "ca-key-access", {
        name: `${name}-ca-key`,
        role: role.id,
        policy: policyDocument([
          { Sid: "ReadTheCaKeySecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: ca.secretArn },
          {
            Sid: "DecryptTheCaKeySecretOnly",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: secretKmsKeyArn,
            Condition: {
              StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com`, "kms:EncryptionContext:SecretARN": ca.secretArn },
            },
          },
        ]),
      });
    }

    // The interface is created and tagged on its own (it is the route target), so the template tags only the
    // instance and its volume.
    this.launchTemplate = new HardenedLaunchTemplate(this, "launch-template", {
      name,
      description: "egress6 proxy: IMDSv2 only (IPv6 endpoint on, hop limit 1), SSM + CloudWatch agent profile, no key pair",
      imageId: props.ami,
      instanceType: props.instanceType,
      instanceProfileArn: profile.arn,
      tags: roleTags,
      // The encrypted root volume lives here, not on the instance: see modules/workload/workload-instances.ts.
      rootVolume: { deviceName: rootDeviceNameOf(props.ami, "inspection.proxy.ami"), sizeGiB: props.rootVolumeGiB ?? 16 },
    });

    for (const [azIndex, { zone, proxySubnetId, workloadIpv6Cidr }] of props.zones.entries()) {
      const securityGroup = securityGroupOf(zone, workloadIpv6Cidr);
      for (const slot of PROXY_SLOTS) {
        const slotId = proxySlotId(zone.suffix, slot);
        // Slot 1 keeps the construct ids of the one proxy per AZ there used to be (`proxy_a`, `proxy_a_interface`,
        // ...), so an existing environment's addresses do not move; slot 2's ids carry the slot.
        const idOf = (what: string) => (slot === PRIMARY_SLOT ? [zone.suffix, what] : [slotId, what]).filter((p) => p !== "").join("-");
        const tags = { ...azTagsOf(zone), Name: `${name}-${slotId}`, [TAG_PROXY_SLOT]: slotId };
        const networkInterface = new NetworkInterface(this, idOf("interface"), {
          subnetId: proxySubnetId,
          description:
            slot === PRIMARY_SLOT
              ? `egress6 proxy ${slotId} in ${zone.name}: the route target of the workloads' egress (primary)`
              : `egress6 proxy ${slotId} in ${zone.name}: standby; the failover Lambda moves the AZ's routes here when the primary fails`,
          ipv6AddressCount: 1,
          // The proxy receives packets addressed to the internet (interception) and answers from their addresses.
          sourceDestCheck: false,
          securityGroups: [securityGroup.group.id],
          // The group is set at creation; afterwards the remediation Lambda may move the interface into quarantine,
          // and the next apply must not quietly undo that. (Rule changes still apply: they live on the group.)
          lifecycle: { ignoreChanges: ["security_groups"] },
          // The failover group: the interfaces the AZ's routes may be moved among (and no other).
          tags: { ...tags, [TAG_FAILOVER_GROUP]: failoverGroupOf(env, zone.suffix) },
        });
        const userData = renderProxyUserData({
          policy,
          region,
          az: zone.suffix,
          slot,
          // Rollout order: every AZ's primary (the first AZ's is the canary), then the standbys.
          policySource: {
            bucket: this.policyStore.bucket.bucket,
            key: POLICY_OBJECT_KEY,
            rank: (slot - PRIMARY_SLOT) * props.zones.length + azIndex,
            stepSeconds,
          },
          ...(props.decryption ? { ca: props.decryption.ca } : {}),
        });
        checkUserDataSize(userData);
        // Plain ICAP carries the decrypted requests in clear text: only to a service inside the VPC (the /56 is known
        // at apply, so Terraform checks it; icaps:// may go anywhere). Fails the plan or apply, never the traffic.
        const plainIcap = (props.decryption?.icapEndpoints ?? []).filter((e) => e.scheme === "icap");
        const preconditions = plainIcap.map((e) => ({
          condition: Op.eq(Fn.cidrsubnet(`${e.address}/${VPC_IPV6_PREFIX}`, 0, 0), props.vpcIpv6Cidr),
          errorMessage: `inspection.tlsInspection.icap: plain icap:// to [${e.address}] is outside the VPC's IPv6 block; plain ICAP carries the decrypted traffic in clear text, so it is accepted only inside the VPC; use icaps:// for a service elsewhere`,
        }));
        const instance = new Instance(this, idOf(""), {
          ...(preconditions.length > 0 ? { lifecycle: { precondition: preconditions } } : {}),
          launchTemplate: { id: this.launchTemplate.id, version: Token.asString(this.launchTemplate.latestVersion) },
          networkInterface: [{ networkInterfaceId: networkInterface.id, deviceIndex: 0 }],
          // The user data holds the boot logic only (the policy is in S3, applied in place by the policy agent), so
          // it changes only when the boot logic, the CA, the listeners or the rollout step do: then the instance is
          // replaced (same interface), as a changed boot script must run from the start.
          // A local holds the script because it is a Terraform template string (one interpolation, the policy
          // bucket's name), which a function argument written by cdktf cannot carry.
          userDataBase64: Fn.base64gzip(new TerraformLocal(this, idOf("user-data"), userData).asString),
          userDataReplaceOnChange: true,
          ebsOptimized: true, // Nitro types are EBS-optimized anyway; saying so keeps scanners quiet.
          // No `ami` and no `root_block_device` here: both come from the template (a root_block_device makes the
          // provider look up the resolve:ssm: AMI and fail, terraform-provider-aws #43488). What scanners check on
          // the instance itself is repeated from the template.
          metadataOptions: { ...HARDENED_METADATA_OPTIONS },
          monitoring: true,
          iamInstanceProfile: profile.name,
          tags,
        });
        const recoveryAlarm = new CloudwatchMetricAlarm(this, idOf("recovery"), {
          alarmName: `${name}-${slotId}-auto-recovery`,
          alarmDescription: `Recovers proxy ${slotId} in ${zone.name} onto healthy hardware when its system status check fails`,
          namespace: "AWS/EC2",
          metricName: RECOVERY.metric,
          dimensions: { InstanceId: instance.id },
          statistic: "Maximum",
          period: RECOVERY.periodSeconds,
          evaluationPeriods: RECOVERY.evaluationPeriods,
          threshold: RECOVERY.threshold,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          alarmActions: [`arn:${partitionOf(region)}:automate:${region}:ec2:recover`],
          tags,
        });
        this.proxies.push({ zone, slot, slotId, securityGroup, networkInterface, instance, recoveryAlarm });
      }
    }
  }
}

/**
 * Fails synthesis when the compressed boot script would exceed EC2's limit. The policy is not in it, so no
 * configuration value makes it grow much (the CA certificate aside): exceeding it is a defect of the boot logic.
 */
export function checkUserDataSize(userData: string): void {
  // Every unescaped `${...}` left is a Terraform reference: count it at the largest value it can take.
  const concrete = userData.replace(/(?<!\$)\$\{[^}]*\}/g, REFERENCE_PLACEHOLDER_FOR_SIZE);
  const bytes = zlib.gzipSync(Buffer.from(concrete, "utf8")).length;
  if (bytes > USER_DATA_LIMIT_BYTES) {
    throw new UserError([
      `the proxy boot script is ${Math.ceil(bytes / 1024)} KB compressed; EC2 accepts at most ${USER_DATA_LIMIT_BYTES / 1024} KB of user data (the egress policy is not in it: a larger CA certificate is the only configuration that adds to it)`,
    ]);
  }
}
