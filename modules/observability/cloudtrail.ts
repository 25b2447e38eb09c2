/**
 * A multi-Region CloudTrail trail with log file validation, encrypted with the audit key, delivering to the
 * hardened audit bucket and to an encrypted CloudWatch Logs group (where the root-use alarm reads it), and
 * announcing each delivered log file on its own encrypted SNS topic (for log pipelines; not the alarm topic,
 * which people read).
 */
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { RESOURCE_ID } from "../../lib/names";
import type { CustomerKey } from "../shared/customer-key";
import { EncryptedLogGroup } from "../shared/encrypted-log-group";
import type { HardenedBucket } from "./hardened-bucket";
import { assumeRolePolicy, denyInsecureTransport, policyDocument } from "../shared/policy";

export interface TrailProps {
  /**
   * The environment name: the trail is `<envName>-egress6`, its delivery topic `<envName>-egress6-trail-delivery` and
   * its CloudWatch Logs role `<envName>-cloudtrail-to-logs`.
   */
  readonly envName: string;
  /** The AWS region the trail is created in (its home region; the trail itself records every region). */
  readonly region: string;
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`) of the trail's and topic's ARNs in the grant conditions. */
  readonly partition: string;
  /**
   * The audit key: it encrypts the log files, the log group and the delivery topic; the trail adds the grants
   * CloudTrail needs to its key policy.
   */
  readonly key: CustomerKey;
  /**
   * The hardened audit bucket the log files are delivered to, under `cloudtrail/`; the trail adds CloudTrail's grants
   * to its policy.
   */
  readonly bucket: HardenedBucket;
  /** Name of the CloudWatch Logs group the trail also delivers to (created here, encrypted with `key`). */
  readonly logGroupName: string;
  /**
   * Days CloudWatch Logs keeps the trail's events (a value the API accepts: 1, 3, 5, 7, 14, 30, ...); the copies in
   * the bucket are not affected.
   */
  readonly retentionDays: number;
}

export class Trail extends Construct {
  readonly trail: Cloudtrail;
  readonly logGroup: EncryptedLogGroup;
  readonly deliveryTopic: SnsTopic;

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
      Condition: {
        ...fromThisTrail,
        StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${partition}:cloudtrail:*:${account}:trail/*` },
      },
    });
    key.grant({
      Sid: "CloudTrailDescribesKey",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "kms:DescribeKey",
      Condition: fromThisTrail,
    });

    bucket.allow({
      Sid: "CloudTrailAclCheck",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: bucket.arn,
      Condition: fromThisTrail,
    });
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
      policy: policyDocument([
        { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${groupArn}:log-stream:*` },
      ]),
    });

    const topicName = `${name}-trail-delivery`;
    // Spelled out rather than read from the topic: the topic waits for the key policy, which names it.
    const topicArn = `arn:${partition}:sns:${props.region}:${account}:${topicName}`;
    this.deliveryTopic = new SnsTopic(this, "delivery-topic", { name: topicName, kmsMasterKeyId: key.key.arn, dependsOn: [key.policy] });
    // SNS encrypts each message under a data key whose encryption context names the topic (SNS developer guide,
    // "Encryption at rest"): CloudTrail may make such keys for this topic only.
    key.grant({
      Sid: "CloudTrailPublishesToItsEncryptedTopic",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": topicArn } },
    });
    const topicPolicy = new SnsTopicPolicy(this, "delivery-topic-policy", {
      arn: this.deliveryTopic.arn,
      policy: policyDocument([
        {
          Sid: "CloudTrailPublishes",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topicArn,
          Condition: fromThisTrail,
        },
        denyInsecureTransport("sns:Publish", [topicArn]),
      ]),
    });

    const dependsOn: ITerraformDependable[] = [bucket.policy, key.policy, rolePolicy, topicPolicy];
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
      snsTopicName: this.deliveryTopic.name,
      dependsOn,
    });
  }
}
