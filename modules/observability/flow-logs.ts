/**
 * VPC flow logs for all traffic at 60-second aggregation, in a custom format that shows the packet-level
 * addresses, direction, path and TCP flags, into an encrypted CloudWatch Logs group; optionally also to S3 as
 * Parquet in hourly Hive partitions.
 */
import { Construct } from "constructs";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { ITerraformDependable } from "cdktf";
import { assumeRolePolicy, policyDocument } from "../shared/policy";
import { EncryptedLogGroup } from "../shared/encrypted-log-group";
import type { HardenedBucket } from "./hardened-bucket";

/**
 * The custom record format, in order (VPC user guide, "Flow log records", available fields). Version 5 fields
 * pkt-srcaddr/pkt-dstaddr show the original addresses through a proxy or firewall hop, flow-direction and
 * traffic-path show which way and through which gateway type, tcp-flags shows SYN-only (refused) connections.
 */
export const FLOW_LOG_FIELDS = [
  "version",
  "account-id",
  "interface-id",
  "srcaddr",
  "dstaddr",
  "srcport",
  "dstport",
  "protocol",
  "packets",
  "bytes",
  "start",
  "end",
  "action",
  "log-status",
  "vpc-id",
  "subnet-id",
  "instance-id",
  "tcp-flags",
  "type",
  "pkt-srcaddr",
  "pkt-dstaddr",
  "az-id",
  "flow-direction",
  "traffic-path",
  "pkt-src-aws-service",
  "pkt-dst-aws-service",
] as const;
export type FlowLogField = (typeof FLOW_LOG_FIELDS)[number];

/** The shortest aggregation interval flow logs offer, in seconds (the default is 600). */
export const FLOW_LOG_AGGREGATION_SECONDS = 60;

/**
 * `${version} ${account-id} ...` for the `log_format` argument. The `$$` keeps Terraform from reading
 * `${version}` as an interpolation; AWS receives `${version}`.
 */
export function flowLogFormat(): string {
  return FLOW_LOG_FIELDS.map((f) => `$\${${f}}`).join(" ");
}

/**
 * A space-delimited CloudWatch filter pattern over the custom format: `[version, account_id, ..., action="REJECT", ...]`.
 * A condition is written as it goes after the field name, e.g. `="REJECT"` or `=*:*` (wildcard).
 */
export function flowLogPattern(conditions: Partial<Record<FlowLogField, string>>): string {
  return `[${FLOW_LOG_FIELDS.map((f) => `${f.replace(/-/g, "_")}${conditions[f] ?? ""}`).join(", ")}]`;
}

export interface FlowLogsProps {
  /** The environment name: the delivery role is `<envName>-vpc-flow-logs`, and it prefixes the flow logs' Name tags. */
  readonly envName: string;
  /** The VPC whose traffic (ALL: accepted and rejected) is logged. */
  readonly vpcId: string;
  /** Name of the CloudWatch Logs group the flow log records go to (created here). */
  readonly logGroupName: string;
  /** Days CloudWatch Logs keeps the flow log records (a value the API accepts: 1, 3, 5, 7, 14, 30, ...). */
  readonly retentionDays: number;
  /** ARN of the customer-managed KMS key that encrypts the log group. */
  readonly kmsKeyArn: string;
  /** The key policy that lets CloudWatch Logs use the key: it must exist before the log group. */
  readonly keyPolicy: ITerraformDependable;
  /**
   * Also deliver Parquet files with hourly Hive partitions to this bucket, under `vpc-flow-logs/`; the construct adds
   * log delivery's grants to the bucket policy.
   * @default - no S3 flow log: records go to CloudWatch Logs only
   */
  readonly parquetBucket?: HardenedBucket;
  /** The deploying account's id: the delivery role's trust (aws:SourceAccount) and the log delivery grants are scoped to it. */
  readonly accountId: string;
  /** The AWS region of the log groups and log delivery sources named in the role policy and bucket grants. */
  readonly region: string;
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`) of the ARNs in the role policy and bucket grants. */
  readonly partition: string;
}

/**
 * Where log delivery writes flow log files with Hive-compatible partitions, below the destination prefix
 * (VPC user guide, "Flow log files"): `AWSLogs/aws-account-id=<account>/aws-service=vpcflowlogs/aws-region=...`.
 * Without Hive partitions the path would be `AWSLogs/<account>/vpcflowlogs/...`.
 */
export function hiveFlowLogPath(accountId: string): string {
  return `AWSLogs/aws-account-id=${accountId}/aws-service=vpcflowlogs`;
}

export class FlowLogs extends Construct {
  readonly logGroup: EncryptedLogGroup;
  readonly cloudWatch: FlowLog;
  readonly s3?: FlowLog;

  constructor(scope: Construct, id: string, props: FlowLogsProps) {
    super(scope, id);
    this.logGroup = new EncryptedLogGroup(this, "log-group", {
      name: props.logGroupName,
      retentionDays: props.retentionDays,
      kmsKeyArn: props.kmsKeyArn,
      keyPolicy: props.keyPolicy,
    });
    const groupArn = this.logGroup.logGroup.arn;
    const role = new IamRole(this, "role", {
      name: `${props.envName}-vpc-flow-logs`,
      assumeRolePolicy: assumeRolePolicy("vpc-flow-logs.amazonaws.com", { StringEquals: { "aws:SourceAccount": props.accountId } }),
    });
    new IamRolePolicy(this, "role-policy", {
      role: role.name,
      name: "write-flow-log-group",
      // The actions the VPC user guide lists for the flow-log role ("IAM role for publishing flow logs to CloudWatch
      // Logs"): the writes on this group only; DescribeLogGroups lists groups and is granted on the account's groups.
      policy: policyDocument([
        {
          Effect: "Allow",
          Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [groupArn, `${groupArn}:log-stream:*`],
        },
        {
          Effect: "Allow",
          Action: "logs:DescribeLogGroups",
          Resource: `arn:${props.partition}:logs:${props.region}:${props.accountId}:log-group:*`,
        },
      ]),
    });

    const common = {
      vpcId: props.vpcId,
      trafficType: "ALL",
      maxAggregationInterval: FLOW_LOG_AGGREGATION_SECONDS,
      logFormat: flowLogFormat(),
    };
    this.cloudWatch = new FlowLog(this, "cloudwatch", {
      ...common,
      logDestinationType: "cloud-watch-logs",
      logDestination: groupArn,
      iamRoleArn: role.arn,
      tags: { Name: `${props.envName}-vpc-flow-logs` },
    });

    if (props.parquetBucket) {
      const bucket = props.parquetBucket;
      const prefix = "vpc-flow-logs";
      // Log delivery writes as delivery.logs.amazonaws.com, on behalf of this account's log sources only
      // (VPC user guide, "Flow logs to Amazon S3", bucket policy with aws:SourceAccount and aws:SourceArn).
      const sourceConditions = {
        StringEquals: { "aws:SourceAccount": props.accountId },
        ArnLike: { "aws:SourceArn": `arn:${props.partition}:logs:${props.region}:${props.accountId}:*` },
      };
      bucket.allow({
        Sid: "FlowLogDeliveryWrite",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${bucket.arn}/${prefix}/${hiveFlowLogPath(props.accountId)}/*`,
        Condition: { ...sourceConditions, StringEquals: { ...sourceConditions.StringEquals, "s3:x-amz-acl": "bucket-owner-full-control" } },
      });
      bucket.allow({
        Sid: "FlowLogDeliveryCheck",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: ["s3:GetBucketAcl", "s3:ListBucket"],
        Resource: bucket.arn,
        Condition: sourceConditions,
      });
      this.s3 = new FlowLog(this, "s3-parquet", {
        ...common,
        logDestinationType: "s3",
        logDestination: `${bucket.arn}/${prefix}/`,
        destinationOptions: { fileFormat: "parquet", hiveCompatiblePartitions: true, perHourPartition: true },
        tags: { Name: `${props.envName}-vpc-flow-logs-parquet` },
        dependsOn: [bucket.policy],
      });
    }
  }
}
