/**
 * The observability key: one customer-managed KMS key (modules/shared/customer-key.ts) for the log groups, the alarm
 * topic, CloudTrail and the audit buckets, with the grants the services that write them need:
 *
 * - CloudWatch Logs encrypts the named log groups, and only those (condition on the log group's ARN in the
 *   encryption context);
 * - CloudWatch alarms publish to the encrypted topic (SNS developer guide, "Encryption at rest", AWS service
 *   sources), only alarms of this account: the service principal is shared by every account;
 * - with Parquet flow logs, log delivery encrypts the objects it writes to the flow log bucket, for this account only.
 *
 * Modules that use the key later (CloudTrail, Config) add their own grants with `grant()`.
 */
import type { Construct } from "constructs";
import { regionalServicePrincipal } from "../../lib/partition";
import { CustomerKey } from "../shared/customer-key";

/** What the observability key needs. */
export interface AuditKeyProps {
  /** The environment's name: the key's description and its alias, `alias/<envName>-egress6-observability`. */
  readonly envName: string;
  /** The region of the log groups. */
  readonly region: string;
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`) of the region. */
  readonly partition: string;
  /** The log groups CloudWatch Logs encrypts with the key, by name. */
  readonly encryptedLogGroups: readonly string[];
  /** VPC flow logs are also delivered to S3 as Parquet: log delivery encrypts with the key. @default false */
  readonly flowLogDelivery?: boolean;
}

/** Creates the key (construct id `id` in `scope`) and its grants. */
export function createAuditKey(scope: Construct, id: string, props: AuditKeyProps): CustomerKey {
  if (props.encryptedLogGroups.length === 0) throw new Error("audit key: encryptedLogGroups is empty");
  const key = new CustomerKey(scope, id, {
    description: `egress6 ${props.envName}: flow logs, DNS query logs, CloudTrail, alarms`,
    aliasName: `${props.envName}-egress6-observability`,
    partition: props.partition,
  });
  const accountId = key.accountId;
  const logGroupArn = (name: string) => `arn:${props.partition}:logs:${props.region}:${accountId}:log-group:${name}`;
  key.grant({
    Sid: "CloudWatchLogsEncryptsOurGroups",
    Principal: { Service: regionalServicePrincipal("logs", props.region) },
    Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
    Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": props.encryptedLogGroups.map(logGroupArn) } },
  });
  key.grant({
    Sid: "CloudWatchAlarmsPublishToEncryptedTopic",
    Principal: { Service: "cloudwatch.amazonaws.com" },
    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
  });
  if (props.flowLogDelivery) {
    key.grant({
      Sid: "LogDeliveryEncryptsFlowLogs",
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    });
  }
  return key;
}
