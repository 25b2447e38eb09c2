/**
 * AWS Config: the recorder, its delivery channel (audit bucket, encrypted with the audit key) and the managed
 * rules that check what this project promises. The recorder is one per account and Region: with
 * `createRecorder: false` the rules are attached to the recorder the account already has.
 */
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { ConfigConfigurationRecorder } from "@cdktf/provider-aws/lib/config-configuration-recorder";
import { ConfigDeliveryChannel } from "@cdktf/provider-aws/lib/config-delivery-channel";
import { ConfigConfigurationRecorderStatus } from "@cdktf/provider-aws/lib/config-configuration-recorder-status";
import { ConfigConfigRule } from "@cdktf/provider-aws/lib/config-config-rule";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { CustomerKey } from "../shared/customer-key";
import type { HardenedBucket } from "./hardened-bucket";
import { assumeRolePolicy, policyDocument } from "../shared/policy";

/** One AWS Config managed rule (AWS Config developer guide, "List of AWS Config Managed Rules"). */
export interface ManagedRule {
  /** The rule's documented name; the deployed rule is `<env>-<name>`. */
  readonly name: string;
  readonly identifier: string;
  readonly inputParameters?: Record<string, string>;
  /** NON_COMPLIANT security groups of this rule go to the remediation Lambda. */
  readonly remediatesSecurityGroups?: boolean;
}

/**
 * The TCP and UDP ports egress6's security groups open to the whole internet (0.0.0.0/0 or ::/0): none. Inbound
 * from the internet they admit only ICMPv6 Packet Too Big, which opens no connection.
 */
export const INTERNET_INGRESS_PORTS: { readonly tcp: readonly number[]; readonly udp: readonly number[] } = { tcp: [], udp: [] };

/**
 * vpc-sg-open-only-to-authorized-ports parameters (AWS Config developer guide, the rule's page): comma-separated
 * ports; an empty list is left out, which authorizes no port.
 */
export function authorizedPortParameters(ports: typeof INTERNET_INGRESS_PORTS): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (ports.tcp.length > 0) out.authorizedTcpPorts = ports.tcp.join(",");
  if (ports.udp.length > 0) out.authorizedUdpPorts = ports.udp.join(",");
  return Object.keys(out).length > 0 ? out : undefined;
}

export const MANAGED_RULES: readonly ManagedRule[] = [
  { name: "vpc-flow-logs-enabled", identifier: "VPC_FLOW_LOGS_ENABLED", inputParameters: { trafficType: "ALL" } },
  // Reported, not remediated: the Lambda only revokes ingress open to the internet, which does not close a default
  // group with other rules; the network stack manages the default group with no rules, so drift shows here.
  { name: "vpc-default-security-group-closed", identifier: "VPC_DEFAULT_SECURITY_GROUP_CLOSED" },
  { name: "netfw-logging-enabled", identifier: "NETFW_LOGGING_ENABLED" },
  { name: "ec2-imdsv2-check", identifier: "EC2_IMDSV2_CHECK" },
  { name: "subnet-auto-assign-public-ip-disabled", identifier: "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED" },
  { name: "restricted-ssh", identifier: "INCOMING_SSH_DISABLED", remediatesSecurityGroups: true },
  // The ports egress6 authorizes to be open to 0.0.0.0/0 or ::/0 are none (INTERNET_INGRESS_PORTS): nothing it
  // builds accepts a TCP or UDP connection from the internet (R2). Config documents both parameters as optional and
  // the rule NON_COMPLIANT for an open TCP/UDP port the parameters do not name, so leaving them out authorizes no
  // port; an empty string is not a value Config takes. Naming the allowlisted egress ports here would instead mark
  // an inbound 443 from ::/0 COMPLIANT and keep it from the remediation Lambda.
  {
    name: "vpc-sg-open-only-to-authorized-ports",
    identifier: "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
    inputParameters: authorizedPortParameters(INTERNET_INGRESS_PORTS),
    remediatesSecurityGroups: true,
  },
];

export interface ConfigRecorderProps {
  /**
   * The environment name: each rule is `<envName>-<rule name>`, the recorder and delivery channel `<envName>-egress6`,
   * their role `<envName>-config-recorder`.
   */
  readonly envName: string;
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`) of the AWS_ConfigRole managed policy's ARN. */
  readonly partition: string;
  /** Create the recorder, delivery channel and their role; false when the account already records. */
  readonly createRecorder: boolean;
  /**
   * Where the delivery channel writes, under `config/` (only used with `createRecorder`).
   * @default - none: required when `createRecorder` is true (the constructor throws without it)
   */
  readonly bucket?: HardenedBucket;
  /**
   * The audit key the delivery channel encrypts with (`s3_kms_key_arn`); its account id scopes the recorder role's
   * write grant. Only used with `createRecorder`.
   */
  readonly key: CustomerKey;
}

export class ConfigRecorder extends Construct {
  readonly recorder?: ConfigConfigurationRecorder;
  readonly rules: Record<string, ConfigConfigRule> = {};

  constructor(scope: Construct, id: string, props: ConfigRecorderProps) {
    super(scope, id);
    const name = `${props.envName}-egress6`;
    const ruleDependencies: ITerraformDependable[] = [];

    if (props.createRecorder) {
      if (!props.bucket) throw new Error("ConfigRecorder: createRecorder needs a bucket");
      const { bucket, key } = props;
      const prefix = "config";
      const role = new IamRole(this, "role", {
        name: `${props.envName}-config-recorder`,
        assumeRolePolicy: assumeRolePolicy("config.amazonaws.com"),
      });
      new IamRolePolicyAttachment(this, "managed-policy", {
        role: role.name,
        policyArn: `arn:${props.partition}:iam::aws:policy/service-role/AWS_ConfigRole`,
      });
      const delivery = new IamRolePolicy(this, "delivery-policy", {
        role: role.name,
        name: "deliver-to-audit-bucket",
        policy: policyDocument([
          {
            Effect: "Allow",
            Action: "s3:PutObject",
            Resource: `${bucket.arn}/${prefix}/AWSLogs/${key.accountId}/Config/*`,
            Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } },
          },
          { Effect: "Allow", Action: "s3:GetBucketAcl", Resource: bucket.arn },
          { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: key.key.arn },
        ]),
      });
      this.recorder = new ConfigConfigurationRecorder(this, "recorder", {
        name,
        roleArn: role.arn,
        recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
      });
      const channel = new ConfigDeliveryChannel(this, "delivery-channel", {
        name,
        s3BucketName: bucket.bucket.id,
        s3KeyPrefix: prefix,
        s3KmsKeyArn: key.key.arn,
        snapshotDeliveryProperties: { deliveryFrequency: "TwentyFour_Hours" },
        dependsOn: [this.recorder, delivery, bucket.policy],
      });
      const status = new ConfigConfigurationRecorderStatus(this, "recorder-status", {
        name: this.recorder.name,
        isEnabled: true,
        dependsOn: [channel],
      });
      ruleDependencies.push(status);
    }

    for (const rule of MANAGED_RULES) {
      this.rules[rule.name] = new ConfigConfigRule(this, rule.name, {
        name: ruleName(props.envName, rule),
        source: { owner: "AWS", sourceIdentifier: rule.identifier },
        inputParameters: rule.inputParameters ? JSON.stringify(rule.inputParameters) : undefined,
        dependsOn: ruleDependencies,
      });
    }
  }
}

/** The deployed name of a managed rule: `<env>-<name>` (rule names are per account and Region). */
export function ruleName(envName: string, rule: ManagedRule): string {
  return `${envName}-${rule.name}`;
}
