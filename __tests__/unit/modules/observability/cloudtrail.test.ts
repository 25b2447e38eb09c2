import { Testing } from "cdktf";
import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Trail, type TrailProps } from "../../../../modules/observability/cloudtrail";
import { CustomerKey } from "../../../../modules/shared/customer-key";
import { HardenedBucket } from "../../../../modules/observability/hardened-bucket";
import { only, synthResources, type Resources } from "../../support/synth";

type Statement = Record<string, any>;

const KEY_ARN = /^\$\{aws_kms_key\.key_resource_[0-9A-F]+\.arn\}$/;
const ACCOUNT = "${local.key_account-id_";
const TRAIL_ARN = /^arn:aws:cloudtrail:eu-west-1:\$\{local\.key_account-id_[0-9A-F]+\}:trail\/dev-egress6$/;
const TOPIC_ARN = /^arn:aws:sns:eu-west-1:\$\{local\.key_account-id_[0-9A-F]+\}:dev-egress6-trail-delivery$/;

function synth(overrides: Partial<Omit<TrailProps, "key" | "bucket">> = {}): { json: string; r: Resources } {
  return synthResources((scope) => {
    const key = new CustomerKey(scope, "key", { description: "audit", aliasName: "dev-audit", partition: overrides.partition ?? "aws" });
    const bucket = new HardenedBucket(scope, "bucket", { namePrefix: "dev-audit-", kmsKeyArn: key.key.arn });
    new Trail(scope, "test", {
      envName: "dev",
      region: "eu-west-1",
      partition: "aws",
      logGroupName: "/egress6/dev/cloudtrail",
      retentionDays: 365,
      ...overrides,
      key,
      bucket,
    });
  });
}

function bySid(policy: string): Record<string, Statement> {
  return Object.fromEntries((JSON.parse(policy).Statement as Statement[]).map((s) => [s.Sid, s]));
}

describe("Trail", () => {
  it("is a multi-Region trail with global events and log file validation, logging, encrypted with the customer key", () => {
    expect(synth().json).toHaveResourceWithProperties(Cloudtrail, {
      name: "dev-egress6",
      is_multi_region_trail: true,
      include_global_service_events: true,
      enable_log_file_validation: true,
      enable_logging: true,
      kms_key_id: expect.stringMatching(KEY_ARN),
    });
  });

  it("delivers to the audit bucket under cloudtrail/, to its own log group and announces files on its own topic", () => {
    const { r } = synth();
    const trail = only(r, "aws_cloudtrail");
    expect(trail.s3_bucket_name).toMatch(/^\$\{aws_s3_bucket\.bucket_resource_[0-9A-F]+\.id\}$/);
    expect(trail.s3_key_prefix).toBe("cloudtrail");
    expect(trail.cloud_watch_logs_group_arn).toMatch(/^\$\{aws_cloudwatch_log_group\.test_log-group_resource_[0-9A-F]+\.arn\}:\*$/);
    expect(trail.cloud_watch_logs_role_arn).toMatch(/^\$\{aws_iam_role\.test_cloudwatch-role_[0-9A-F]+\.arn\}$/);
    expect(trail.sns_topic_name).toMatch(/^\$\{aws_sns_topic\.test_delivery-topic_[0-9A-F]+\.name\}$/);
  });

  it("waits for the bucket policy, the key policy, the role policy and the topic policy", () => {
    const deps: string[] = only(synth().r, "aws_cloudtrail").depends_on;
    expect(deps.map((d) => d.replace(/_[0-9A-F]+$/, "")).sort()).toEqual([
      "aws_iam_role_policy.test_cloudwatch-role-policy",
      "aws_kms_key_policy.key_policy",
      "aws_s3_bucket_policy.bucket_policy",
      "aws_sns_topic_policy.test_delivery-topic-policy",
    ]);
  });

  it("the log group is encrypted with the customer key, has the given name and retention, and waits for the key policy", () => {
    const { json, r } = synth({ retentionDays: 400 });
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/egress6/dev/cloudtrail",
      retention_in_days: 400,
      kms_key_id: expect.stringMatching(KEY_ARN),
    });
    expect(only(r, "aws_cloudwatch_log_group").depends_on).toEqual([expect.stringMatching(/^aws_kms_key_policy\.key_policy_/)]);
  });

  it("the role CloudTrail assumes for CloudWatch Logs is for this trail only and writes its log group's streams only", () => {
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(IamRole, { name: "dev-cloudtrail-to-logs" });
    const trust = JSON.parse(only(r, "aws_iam_role").assume_role_policy).Statement;
    expect(trust).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceArn": expect.stringMatching(TRAIL_ARN) } },
      },
    ]);
    const policy = only(r, "aws_iam_role_policy");
    expect(policy.role).toMatch(/^\$\{aws_iam_role\.test_cloudwatch-role_[0-9A-F]+\.name\}$/);
    expect(JSON.parse(policy.policy).Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.test_log-group_resource_[0-9A-F]+\.arn\}:log-stream:\*$/),
      },
    ]);
  });

  it("grants CloudTrail the key for this trail's log files only, and DescribeKey for this trail", () => {
    const statements = bySid(only(synth().r, "aws_kms_key_policy").policy);
    expect(statements.CloudTrailEncryptsLogs).toEqual({
      Sid: "CloudTrailEncryptsLogs",
      Effect: "Allow",
      Resource: "*",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:GenerateDataKey*",
      Condition: {
        StringEquals: { "aws:SourceArn": expect.stringMatching(TRAIL_ARN) },
        StringLike: {
          "kms:EncryptionContext:aws:cloudtrail:arn": expect.stringMatching(
            /^arn:aws:cloudtrail:\*:\$\{local\.key_account-id_[0-9A-F]+\}:trail\/\*$/,
          ),
        },
      },
    });
    expect(statements.CloudTrailDescribesKey).toMatchObject({
      Action: "kms:DescribeKey",
      Condition: { StringEquals: { "aws:SourceArn": expect.stringMatching(TRAIL_ARN) } },
    });
  });

  it("grants CloudTrail the key for its delivery topic's messages only (SNS encryption context)", () => {
    const statement = bySid(only(synth().r, "aws_kms_key_policy").policy).CloudTrailPublishesToItsEncryptedTopic;
    expect(statement).toMatchObject({
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": expect.stringMatching(TOPIC_ARN) } },
    });
  });

  it("lets CloudTrail check the bucket ACL and write only its own prefix, with bucket-owner-full-control, from this trail", () => {
    const statements = bySid(only(synth().r, "aws_s3_bucket_policy").policy);
    expect(Object.keys(statements)).toEqual(["DenyInsecureTransport", "CloudTrailAclCheck", "CloudTrailWrite"]);
    expect(statements.CloudTrailAclCheck).toEqual({
      Sid: "CloudTrailAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: expect.stringMatching(/^\$\{aws_s3_bucket\.bucket_resource_[0-9A-F]+\.arn\}$/),
      Condition: { StringEquals: { "aws:SourceArn": expect.stringMatching(TRAIL_ARN) } },
    });
    expect(statements.CloudTrailWrite).toMatchObject({
      Action: "s3:PutObject",
      Resource: expect.stringMatching(
        /^\$\{aws_s3_bucket\.bucket_resource_[0-9A-F]+\.arn\}\/cloudtrail\/AWSLogs\/\$\{local\.key_account-id_[0-9A-F]+\}\/\*$/,
      ),
      Condition: { StringEquals: { "aws:SourceArn": expect.stringMatching(TRAIL_ARN), "s3:x-amz-acl": "bucket-owner-full-control" } },
    });
  });

  it("the delivery topic is encrypted with the customer key; only this trail may publish, over TLS", () => {
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(SnsTopic, {
      name: "dev-egress6-trail-delivery",
      kms_master_key_id: expect.stringMatching(KEY_ARN),
      depends_on: [expect.stringMatching(/^aws_kms_key_policy\.key_policy_/)],
    });
    const topicPolicy = only(r, "aws_sns_topic_policy");
    expect(topicPolicy.arn).toMatch(/^\$\{aws_sns_topic\.test_delivery-topic_[0-9A-F]+\.arn\}$/);
    expect(JSON.parse(topicPolicy.policy).Statement).toEqual([
      {
        Sid: "CloudTrailPublishes",
        Effect: "Allow",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "sns:Publish",
        Resource: expect.stringMatching(TOPIC_ARN),
        Condition: { StringEquals: { "aws:SourceArn": expect.stringMatching(TRAIL_ARN) } },
      },
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: [expect.stringMatching(TOPIC_ARN)],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  it("writes every ARN it spells out in the given partition", () => {
    const { r } = synth({ partition: "aws-cn", region: "cn-north-1" });
    const trust = JSON.parse(only(r, "aws_iam_role").assume_role_policy).Statement[0];
    expect(trust.Condition.StringEquals["aws:SourceArn"]).toMatch(/^arn:aws-cn:cloudtrail:cn-north-1:/);
    const topicStatement = bySid(only(r, "aws_sns_topic_policy").policy).CloudTrailPublishes;
    expect(topicStatement.Resource).toMatch(/^arn:aws-cn:sns:cn-north-1:/);
    expect(JSON.stringify(r)).not.toContain("arn:aws:");
    expect(JSON.stringify(r)).toContain(ACCOUNT);
  });

  it("exposes the trail, its log group and its delivery topic", () => {
    Testing.synthScope((scope) => {
      const key = new CustomerKey(scope, "key", { description: "audit", aliasName: "dev-audit", partition: "aws" });
      const bucket = new HardenedBucket(scope, "bucket", { namePrefix: "dev-audit-", kmsKeyArn: key.key.arn });
      const trail = new Trail(scope, "test", {
        envName: "dev",
        region: "eu-west-1",
        partition: "aws",
        logGroupName: "/x",
        retentionDays: 1,
        key,
        bucket,
      });
      expect(trail.trail).toBeInstanceOf(Cloudtrail);
      expect(trail.logGroup.logGroup).toBeInstanceOf(CloudwatchLogGroup);
      expect(trail.deliveryTopic).toBeInstanceOf(SnsTopic);
    });
  });
});
