/**
 * A multi-Region CloudTrail trail with log file validation, encrypted with the audit key, delivering to the
 * hardened audit bucket and to an encrypted CloudWatch Logs group (where the root-use alarm reads it).
 */
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { RESOURCE_ID } from "../../stacks/base";
import type { AuditKey } from "./audit-key";
import { EncryptedLogGroup } from "./encrypted-log-group";
import type { HardenedBucket } from "./hardened-bucket";
import { assumeRolePolicy, policyDocument } from "./policy";

export interface TrailProps {
  readonly envName: string;
  readonly region: string;
  readonly partition: string;
  readonly key: AuditKey;
  readonly bucket: HardenedBucket;
  readonly logGroupName: string;
  readonly retentionDays: number;
}

export class Trail extends Construct {
  readonly trail: Cloudtrail;
  readonly logGroup: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: TrailProps) {
    super(scope, id);
    const { key, bucket, partition } = props;
    const account = key.accountId;
    const name = `${props.envName}-egress6`;
    // The ARN the trail will have: conditions below pin every grant to this one trail (confused-deputy guard).
    const trailArn = `arn:${partition}:cloudtrail:${props.region}:${account}:trail/${name}`;
    const fromThisTrail = { StringEquals: { "aws:SourceArn": trailArn } };

    key.grant({
      Sid: "CloudTrailEncryptsLogs",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:GenerateDataKey*",
      Condition: { ...fromThisTrail, StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${partition}:cloudtrail:*:${account}:trail/*` } },
    });
    key.grant({ Sid: "CloudTrailDescribesKey", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "kms:DescribeKey", Condition: fromThisTrail });

    bucket.allow({ Sid: "CloudTrailAclCheck", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:GetBucketAcl", Resource: bucket.arn, Condition: fromThisTrail });
    bucket.allow({
      Sid: "CloudTrailWrite",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucket.arn}/cloudtrail/AWSLogs/${account}/*`,
      Condition: { StringEquals: { "aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control" } },
    });

    this.logGroup = new EncryptedLogGroup(this, "log-group", {
      name: props.logGroupName,
      retentionDays: props.retentionDays,
      kmsKeyArn: key.key.arn,
      keyPolicy: key.policy,
    });
    const groupArn = this.logGroup.logGroup.arn;
    const role = new IamRole(this, "cloudwatch-role", {
      name: `${props.envName}-cloudtrail-to-logs`,
      assumeRolePolicy: assumeRolePolicy("cloudtrail.amazonaws.com", fromThisTrail),
    });
    const rolePolicy = new IamRolePolicy(this, "cloudwatch-role-policy", {
      role: role.name,
      name: "write-trail-log-group",
      policy: policyDocument([{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${groupArn}:log-stream:*` }]),
    });

    const dependsOn: ITerraformDependable[] = [bucket.policy, key.policy, rolePolicy];
    this.trail = new Cloudtrail(this, RESOURCE_ID, {
      name,
      s3BucketName: bucket.bucket.id,
      s3KeyPrefix: "cloudtrail",
      kmsKeyId: key.key.arn,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      cloudWatchLogsGroupArn: `${groupArn}:*`,
      cloudWatchLogsRoleArn: role.arn,
      dependsOn,
    });
  }
}
