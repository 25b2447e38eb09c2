import { Testing } from "cdktf";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import {
  FLOW_LOG_AGGREGATION_SECONDS,
  FLOW_LOG_FIELDS,
  FlowLogs,
  flowLogFormat,
  flowLogPattern,
  hiveFlowLogPath,
  type FlowLogsProps,
} from "../../../../modules/observability/flow-logs";
import { CustomerKey } from "../../../../modules/shared/customer-key";
import { HardenedBucket } from "../../../../modules/observability/hardened-bucket";
import { only, synthResources, type Resources } from "../../support/synth";

const KEY_ARN = /^\$\{aws_kms_key\.key_resource_[0-9A-F]+\.arn\}$/;
const GROUP_ARN = "\\$\\{aws_cloudwatch_log_group\\.test_log-group_resource_[0-9A-F]+\\.arn\\}";
const BUCKET_ARN = "\\$\\{aws_s3_bucket\\.bucket_resource_[0-9A-F]+\\.arn\\}";
const ACCOUNT = "111122223333";

function synth(parquet = false, overrides: Partial<FlowLogsProps> = {}): { json: string; r: Resources } {
  return synthResources((scope) => {
    const key = new CustomerKey(scope, "key", { description: "audit", aliasName: "dev-audit", partition: "aws" });
    const parquetBucket = parquet ? new HardenedBucket(scope, "bucket", { namePrefix: "dev-flow-", kmsKeyArn: key.key.arn }) : undefined;
    new FlowLogs(scope, "test", {
      envName: "dev",
      vpcId: "vpc-0123456789abcdef0",
      logGroupName: "/egress6/dev/vpc-flow-logs",
      retentionDays: 90,
      kmsKeyArn: key.key.arn,
      keyPolicy: key.policy,
      parquetBucket,
      accountId: ACCOUNT,
      region: "eu-west-1",
      partition: "aws",
      ...overrides,
    });
  });
}

function flowLogs(r: Resources): Record<string, any> {
  return Object.fromEntries(Object.values(r.aws_flow_log ?? {}).map((f: any) => [f.log_destination_type, f]));
}

describe("FlowLogs", () => {
  it("logs ALL traffic of the VPC at 60-second aggregation in the custom format, to CloudWatch Logs", () => {
    expect(synth().json).toHaveResourceWithProperties(FlowLog, {
      vpc_id: "vpc-0123456789abcdef0",
      traffic_type: "ALL",
      max_aggregation_interval: 60,
      log_format: flowLogFormat(),
      log_destination_type: "cloud-watch-logs",
      log_destination: expect.stringMatching(new RegExp(`^${GROUP_ARN}$`)),
      iam_role_arn: expect.stringMatching(/^\$\{aws_iam_role\.test_role_[0-9A-F]+\.arn\}$/),
      tags: { Name: "dev-vpc-flow-logs" },
    });
  });

  it("the log group is encrypted with the customer key, named and retained as given, after the key policy", () => {
    const { json, r } = synth(false, { retentionDays: 30 });
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/egress6/dev/vpc-flow-logs",
      retention_in_days: 30,
      kms_key_id: expect.stringMatching(KEY_ARN),
    });
    expect(only(r, "aws_cloudwatch_log_group").depends_on).toEqual([expect.stringMatching(/^aws_kms_key_policy\.key_policy_/)]);
  });

  it("the role is assumed by the flow logs service for this account only", () => {
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(IamRole, { name: "dev-vpc-flow-logs" });
    expect(JSON.parse(only(r, "aws_iam_role").assume_role_policy).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      },
    ]);
  });

  it("the role writes its own log group only; listing groups is the only account-wide action", () => {
    const policy = only(synth().r, "aws_iam_role_policy");
    expect(policy.name).toBe("write-flow-log-group");
    expect(JSON.parse(policy.policy).Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [expect.stringMatching(new RegExp(`^${GROUP_ARN}$`)), expect.stringMatching(new RegExp(`^${GROUP_ARN}:log-stream:\\*$`))],
      },
      { Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:*` },
    ]);
  });

  it("parquetBucket defaults to none: one flow log, and no S3 destination", () => {
    const { r } = synth();
    expect(Object.keys(flowLogs(r))).toEqual(["cloud-watch-logs"]);
    Testing.synthScope((scope) => {
      const key = new CustomerKey(scope, "key", { description: "audit", aliasName: "dev-audit", partition: "aws" });
      const logs = new FlowLogs(scope, "test", {
        envName: "dev",
        vpcId: "vpc-1",
        logGroupName: "/x",
        retentionDays: 1,
        kmsKeyArn: key.key.arn,
        keyPolicy: key.policy,
        accountId: ACCOUNT,
        region: "eu-west-1",
        partition: "aws",
      });
      expect(logs.s3).toBeUndefined();
      expect(logs.cloudWatch).toBeInstanceOf(FlowLog);
    });
  });

  it("with parquetBucket, also delivers Parquet in hourly Hive partitions under vpc-flow-logs/, after the bucket policy", () => {
    const f = flowLogs(synth(true).r);
    expect(Object.keys(f).sort()).toEqual(["cloud-watch-logs", "s3"]);
    expect(f.s3).toMatchObject({
      vpc_id: "vpc-0123456789abcdef0",
      traffic_type: "ALL",
      max_aggregation_interval: 60,
      log_format: flowLogFormat(),
      log_destination: expect.stringMatching(new RegExp(`^${BUCKET_ARN}/vpc-flow-logs/$`)),
      destination_options: { file_format: "parquet", hive_compatible_partitions: true, per_hour_partition: true },
      tags: { Name: "dev-vpc-flow-logs-parquet" },
      depends_on: [expect.stringMatching(/^aws_s3_bucket_policy\.bucket_policy_/)],
    });
    // Log delivery writes to S3 with the bucket policy, not a role.
    expect(f.s3.iam_role_arn).toBeUndefined();
  });

  it("with parquetBucket, lets log delivery write only the Hive prefix, on behalf of this account's log sources", () => {
    const statements = JSON.parse(only(synth(true).r, "aws_s3_bucket_policy").policy).Statement;
    expect(statements.map((s: { Sid: string }) => s.Sid)).toEqual([
      "DenyInsecureTransport",
      "FlowLogDeliveryWrite",
      "FlowLogDeliveryCheck",
    ]);
    const sourceArn = { ArnLike: { "aws:SourceArn": `arn:aws:logs:eu-west-1:${ACCOUNT}:*` } };
    expect(statements[1]).toEqual({
      Sid: "FlowLogDeliveryWrite",
      Effect: "Allow",
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: expect.stringMatching(
        new RegExp(`^${BUCKET_ARN}/vpc-flow-logs/AWSLogs/aws-account-id=${ACCOUNT}/aws-service=vpcflowlogs/\\*$`),
      ),
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT, "s3:x-amz-acl": "bucket-owner-full-control" }, ...sourceArn },
    });
    expect(statements[2]).toEqual({
      Sid: "FlowLogDeliveryCheck",
      Effect: "Allow",
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: ["s3:GetBucketAcl", "s3:ListBucket"],
      Resource: expect.stringMatching(new RegExp(`^${BUCKET_ARN}$`)),
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT }, ...sourceArn },
    });
  });

  it("writes the ARNs it spells out in the given partition and region", () => {
    const { r } = synth(true, { partition: "aws-cn", region: "cn-north-1" });
    const role = JSON.parse(only(r, "aws_iam_role_policy").policy).Statement[1];
    expect(role.Resource).toBe(`arn:aws-cn:logs:cn-north-1:${ACCOUNT}:log-group:*`);
    const check = JSON.parse(only(r, "aws_s3_bucket_policy").policy).Statement[2];
    expect(check.Condition.ArnLike["aws:SourceArn"]).toBe(`arn:aws-cn:logs:cn-north-1:${ACCOUNT}:*`);
  });
});

describe("flow log format", () => {
  it("is every field as ${field}, escaped $${ for Terraform, in order", () => {
    expect(flowLogFormat()).toBe(FLOW_LOG_FIELDS.map((f) => `$\${${f}}`).join(" "));
    expect(flowLogFormat().startsWith("$${version} $${account-id} $${interface-id} ")).toBe(true);
    expect(FLOW_LOG_AGGREGATION_SECONDS).toBe(60);
  });

  it("records the packet-level addresses, direction, path and TCP flags", () => {
    expect(FLOW_LOG_FIELDS).toEqual(expect.arrayContaining(["pkt-srcaddr", "pkt-dstaddr", "flow-direction", "traffic-path", "tcp-flags"]));
  });

  it("flowLogPattern names every field with underscores and attaches the given conditions", () => {
    const pattern = flowLogPattern({ action: '="REJECT"', "flow-direction": '="egress"' });
    expect(pattern.startsWith("[version, account_id, interface_id, ")).toBe(true);
    expect(pattern).toContain(', action="REJECT", log_status, ');
    expect(pattern).toContain(', flow_direction="egress", traffic_path, ');
    expect(pattern.endsWith(", pkt_dst_aws_service]")).toBe(true);
  });

  it("hiveFlowLogPath is log delivery's Hive-partitioned path for the account", () => {
    expect(hiveFlowLogPath(ACCOUNT)).toBe(`AWSLogs/aws-account-id=${ACCOUNT}/aws-service=vpcflowlogs`);
  });
});
