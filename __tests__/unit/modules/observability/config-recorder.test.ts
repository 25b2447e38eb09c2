import { Testing } from "cdktf";
import { ConfigConfigurationRecorder } from "@cdktf/provider-aws/lib/config-configuration-recorder";
import { ConfigConfigurationRecorderStatus } from "@cdktf/provider-aws/lib/config-configuration-recorder-status";
import { ConfigDeliveryChannel } from "@cdktf/provider-aws/lib/config-delivery-channel";
import { ConfigConfigRule } from "@cdktf/provider-aws/lib/config-config-rule";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import {
  ConfigRecorder,
  INTERNET_INGRESS_PORTS,
  MANAGED_RULES,
  authorizedPortParameters,
  ruleName,
  type ConfigRecorderProps,
} from "../../../../modules/observability/config-recorder";
import { CustomerKey } from "../../../../modules/shared/customer-key";
import { HardenedBucket } from "../../../../modules/observability/hardened-bucket";
import { only, synthResources, type Resources } from "../../support/synth";

const KEY_ARN = /^\$\{aws_kms_key\.key_resource_[0-9A-F]+\.arn\}$/;
const BUCKET_ARN = "\\$\\{aws_s3_bucket\\.bucket_resource_[0-9A-F]+\\.arn\\}";

interface Options {
  readonly createRecorder: boolean;
  readonly partition?: string;
  readonly withBucket?: boolean;
}

function synth({ createRecorder, partition = "aws", withBucket = true }: Options): { json: string; r: Resources } {
  return synthResources((scope) => {
    const key = new CustomerKey(scope, "key", { description: "audit", aliasName: "dev-audit", partition });
    const bucket = withBucket ? new HardenedBucket(scope, "bucket", { namePrefix: "dev-audit-", kmsKeyArn: key.key.arn }) : undefined;
    const props: ConfigRecorderProps = { envName: "dev", partition, createRecorder, bucket, key };
    new ConfigRecorder(scope, "test", props);
  });
}

/** A resource address without its hash: `aws_x.test_name`. */
function address(dependency: string): string {
  return dependency.replace(/_[0-9A-F]+$/, "");
}

describe("ConfigRecorder with createRecorder", () => {
  it("records every supported resource type, global ones included, as the Config role", () => {
    const { json, r } = synth({ createRecorder: true });
    expect(json).toHaveResourceWithProperties(ConfigConfigurationRecorder, {
      name: "dev-egress6",
      recording_group: { all_supported: true, include_global_resource_types: true },
    });
    expect(only(r, "aws_config_configuration_recorder").role_arn).toMatch(/^\$\{aws_iam_role\.test_role_[0-9A-F]+\.arn\}$/);
  });

  it("the role is Config's own: assumed by config.amazonaws.com, with the AWS_ConfigRole managed policy", () => {
    const { json, r } = synth({ createRecorder: true });
    expect(json).toHaveResourceWithProperties(IamRole, { name: "dev-config-recorder" });
    expect(JSON.parse(only(r, "aws_iam_role").assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "config.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(json).toHaveResourceWithProperties(IamRolePolicyAttachment, {
      policy_arn: "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole",
    });
  });

  it("the role may write only Config's prefix of the audit bucket, and use only the audit key", () => {
    const policy = only(synth({ createRecorder: true }).r, "aws_iam_role_policy");
    expect(policy.name).toBe("deliver-to-audit-bucket");
    expect(JSON.parse(policy.policy).Statement).toEqual([
      {
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: expect.stringMatching(new RegExp(`^${BUCKET_ARN}/config/AWSLogs/\\$\\{local\\.key_account-id_[0-9A-F]+\\}/Config/\\*$`)),
        Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } },
      },
      { Effect: "Allow", Action: "s3:GetBucketAcl", Resource: expect.stringMatching(new RegExp(`^${BUCKET_ARN}$`)) },
      { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: expect.stringMatching(KEY_ARN) },
    ]);
  });

  it("the delivery channel writes to the audit bucket under config/, encrypted with the customer key, daily", () => {
    const { json, r } = synth({ createRecorder: true });
    expect(json).toHaveResourceWithProperties(ConfigDeliveryChannel, {
      name: "dev-egress6",
      s3_bucket_name: expect.stringMatching(/^\$\{aws_s3_bucket\.bucket_resource_[0-9A-F]+\.id\}$/),
      s3_key_prefix: "config",
      s3_kms_key_arn: expect.stringMatching(KEY_ARN),
      snapshot_delivery_properties: { delivery_frequency: "TwentyFour_Hours" },
    });
    expect(only(r, "aws_config_delivery_channel").depends_on.map(address).sort()).toEqual([
      "aws_config_configuration_recorder.test_recorder",
      "aws_iam_role_policy.test_delivery-policy",
      "aws_s3_bucket_policy.bucket_policy",
    ]);
  });

  it("turns the recorder on after the delivery channel exists, and the rules wait for it", () => {
    const { json, r } = synth({ createRecorder: true });
    expect(json).toHaveResourceWithProperties(ConfigConfigurationRecorderStatus, { is_enabled: true });
    const status = only(r, "aws_config_configuration_recorder_status");
    expect(status.name).toMatch(/^\$\{aws_config_configuration_recorder\.test_recorder_[0-9A-F]+\.name\}$/);
    expect(status.depends_on.map(address)).toEqual(["aws_config_delivery_channel.test_delivery-channel"]);
    for (const rule of Object.values(r.aws_config_config_rule)) {
      expect(rule.depends_on.map(address)).toEqual(["aws_config_configuration_recorder_status.test_recorder-status"]);
    }
  });

  it("names the managed policy in the given partition", () => {
    expect(synth({ createRecorder: true, partition: "aws-us-gov" }).json).toHaveResourceWithProperties(IamRolePolicyAttachment, {
      policy_arn: "arn:aws-us-gov:iam::aws:policy/service-role/AWS_ConfigRole",
    });
  });

  it("refuses to create a recorder without a bucket", () => {
    expect(() => synth({ createRecorder: true, withBucket: false })).toThrow("ConfigRecorder: createRecorder needs a bucket");
  });
});

describe("ConfigRecorder without createRecorder", () => {
  it("creates no recorder, delivery channel, status or role: only the rules, on the account's own recorder", () => {
    const { json, r } = synth({ createRecorder: false, withBucket: false });
    expect(json).not.toHaveResource(ConfigConfigurationRecorder);
    expect(json).not.toHaveResource(ConfigDeliveryChannel);
    expect(json).not.toHaveResource(ConfigConfigurationRecorderStatus);
    expect(json).not.toHaveResource(IamRole);
    expect(Object.values(r.aws_config_config_rule)).toHaveLength(MANAGED_RULES.length);
    for (const rule of Object.values(r.aws_config_config_rule)) expect(rule.depends_on ?? []).toEqual([]);
    Testing.synthScope((scope) => {
      const key = new CustomerKey(scope, "key", { description: "audit", aliasName: "dev-audit", partition: "aws" });
      expect(new ConfigRecorder(scope, "test", { envName: "dev", partition: "aws", createRecorder: false, key }).recorder).toBeUndefined();
    });
  });

  it("leaves the audit bucket's policy untouched (the recorder's role, not the bucket, grants the write)", () => {
    const { r } = synth({ createRecorder: false });
    expect(JSON.parse(only(r, "aws_s3_bucket_policy").policy).Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      "DenyInsecureTransport",
    ]);
  });
});

describe("ConfigRecorder rules", () => {
  it("deploys every managed rule as <env>-<name>, owned by AWS, with its identifier", () => {
    const { json, r } = synth({ createRecorder: false, withBucket: false });
    for (const rule of MANAGED_RULES) {
      expect(json).toHaveResourceWithProperties(ConfigConfigRule, {
        name: `dev-${rule.name}`,
        source: { owner: "AWS", source_identifier: rule.identifier },
      });
    }
    expect(
      Object.values(r.aws_config_config_rule)
        .map((x: any) => x.name)
        .sort(),
    ).toEqual(MANAGED_RULES.map((x) => ruleName("dev", x)).sort());
  });

  it("checks the promises: flow logs on for ALL traffic, default group closed, IMDSv2, no public IPs, no SSH or open port", () => {
    const { r } = synth({ createRecorder: false, withBucket: false });
    const rules = Object.fromEntries(Object.values(r.aws_config_config_rule).map((x: any) => [x.source.source_identifier, x]));
    expect(Object.keys(rules).sort()).toEqual([
      "EC2_IMDSV2_CHECK",
      "INCOMING_SSH_DISABLED",
      "NETFW_LOGGING_ENABLED",
      "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED",
      "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
      "VPC_FLOW_LOGS_ENABLED",
      "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
    ]);
    expect(JSON.parse(rules.VPC_FLOW_LOGS_ENABLED.input_parameters)).toEqual({ trafficType: "ALL" });
    // No port is authorized to be open to the internet: the parameters are left out, not set to "".
    expect(rules.VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS.input_parameters).toBeUndefined();
    expect(rules.INCOMING_SSH_DISABLED.input_parameters).toBeUndefined();
  });

  it("sends the SSH and open-port rules' security groups to remediation, and no other", () => {
    expect(MANAGED_RULES.filter((x) => x.remediatesSecurityGroups).map((x) => x.identifier)).toEqual([
      "INCOMING_SSH_DISABLED",
      "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
    ]);
  });

  it("exposes the rules by name", () => {
    Testing.synthScope((scope) => {
      const key = new CustomerKey(scope, "key", { description: "audit", aliasName: "dev-audit", partition: "aws" });
      const recorder = new ConfigRecorder(scope, "test", {
        envName: "dev",
        partition: "aws",
        createRecorder: false,
        key,
      });
      expect(Object.keys(recorder.rules)).toEqual(MANAGED_RULES.map((x) => x.name));
      expect(recorder.rules["restricted-ssh"]).toBeInstanceOf(ConfigConfigRule);
    });
  });
});

describe("authorizedPortParameters", () => {
  it("authorizes no port for egress6 (INTERNET_INGRESS_PORTS is empty)", () => {
    expect(INTERNET_INGRESS_PORTS).toEqual({ tcp: [], udp: [] });
    expect(authorizedPortParameters(INTERNET_INGRESS_PORTS)).toBeUndefined();
  });

  it("joins listed ports with commas, each protocol only when it has ports", () => {
    expect(authorizedPortParameters({ tcp: [443, 8443], udp: [] })).toEqual({ authorizedTcpPorts: "443,8443" });
    expect(authorizedPortParameters({ tcp: [], udp: [53] })).toEqual({ authorizedUdpPorts: "53" });
  });
});
