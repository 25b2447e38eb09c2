/**
 * What egress6's Lambda functions share (the remediation and the proxy failover functions): the runtime, the
 * deployment package as a Terraform asset, asynchronous retries into a dead-letter queue, EventBridge rules as
 * triggers (their own retries into the same queue), and the alarm on that queue. Each helper creates its resources
 * on the caller's scope under fixed ids, so a function built with them keeps the Terraform addresses it had before.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import type { Construct } from "constructs";
import { AssetType, TerraformAsset, type ITerraformDependable } from "cdktf";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import type { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import type { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { EncryptedLogGroup } from "../shared/encrypted-log-group";
import { policyDocument } from "../shared/policy";
import { ALARM_PERIOD_SECONDS } from "./alarms";

/**
 * Node.js 22: Node.js 20 left upstream support on 2026-04-30 (nodejs.org release schedule). The bundle's node20 syntax
 * target runs on it.
 */
export const LAMBDA_RUNTIME = "nodejs22.x";
/** Lambda's limits for asynchronous invocations: at most 2 retries, events up to 6 hours old (Lambda developer guide). */
export const ASYNC_RETRIES = 2;
export const MAX_EVENT_AGE_SECONDS = 6 * 60 * 60;
/** SQS keeps a message at most 14 days (SQS developer guide, quotas): the longest time to inspect a failure. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;
/** EventBridge's own delivery retries before it uses the dead-letter queue (EventBridge user guide, retry policy). */
export const EVENTBRIDGE_RETRIES = 10;

/**
 * What every function of this project has before it: its dead-letter queue (`<functionName>-dlq`, SSE, kept
 * DLQ_RETENTION_SECONDS) and its encrypted log group (`/aws/lambda/<functionName>`), as `scope`'s
 * "dead-letter-queue" and "log-group".
 */
export function functionQueueAndLogs(
  scope: Construct,
  functionName: string,
  logs: { readonly retentionDays: number; readonly kmsKeyArn: string; readonly keyPolicy: ITerraformDependable },
): { deadLetterQueue: SqsQueue; logGroup: EncryptedLogGroup } {
  const deadLetterQueue = new SqsQueue(scope, "dead-letter-queue", {
    name: `${functionName}-dlq`,
    messageRetentionSeconds: DLQ_RETENTION_SECONDS,
    sqsManagedSseEnabled: true,
  });
  const logGroup = new EncryptedLogGroup(scope, "log-group", { name: `/aws/lambda/${functionName}`, ...logs });
  return { deadLetterQueue, logGroup };
}

/** The deployment package (a ZIP written by `npm run build`) as the asset `code`, and the hash Lambda reports for it. */
export function lambdaCode(scope: Construct, zipPath: string): { path: string; sourceCodeHash: string } {
  const sha256 = crypto.createHash("sha256").update(fs.readFileSync(zipPath)).digest();
  const code = new TerraformAsset(scope, "code", { path: zipPath, type: AssetType.FILE, assetHash: sha256.toString("hex") });
  // What Lambda reports as CodeSha256, so a plan shows a change exactly when the code changed.
  return { path: code.path, sourceCodeHash: sha256.toString("base64") };
}

/** Asynchronous invocations: Lambda's retries, then the function's dead-letter queue (`async-retries`). */
export function asyncRetries(scope: Construct, fn: LambdaFunction): LambdaFunctionEventInvokeConfig {
  return new LambdaFunctionEventInvokeConfig(scope, "async-retries", {
    functionName: fn.functionName,
    maximumRetryAttempts: ASYNC_RETRIES,
    maximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS,
  });
}

/**
 * `rule` invokes `fn` (`<name>-target`, `<name>-invoke`); what EventBridge cannot deliver after its retries goes to
 * `deadLetterQueue` (whose policy must admit the rule).
 */
export function invokeFromRule(
  scope: Construct,
  name: string,
  rule: CloudwatchEventRule,
  fn: LambdaFunction,
  deadLetterQueue: SqsQueue,
): void {
  new CloudwatchEventTarget(scope, `${name}-target`, {
    rule: rule.name,
    arn: fn.arn,
    retryPolicy: { maximumRetryAttempts: EVENTBRIDGE_RETRIES, maximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS },
    deadLetterConfig: { arn: deadLetterQueue.arn },
  });
  new LambdaPermission(scope, `${name}-invoke`, {
    statementId: `invoke-from-${name}-rule`,
    action: "lambda:InvokeFunction",
    functionName: fn.functionName,
    principal: "events.amazonaws.com",
    sourceArn: rule.arn,
  });
}

/**
 * Each of `rules` invokes `fn` (invokeFromRule, under its name), and `deadLetterQueue`'s policy
 * (`dead-letter-queue-policy`) accepts what EventBridge could not deliver from these rules, and from nothing else.
 */
export function invokeFromRules(
  scope: Construct,
  rules: readonly (readonly [string, CloudwatchEventRule])[],
  fn: LambdaFunction,
  deadLetterQueue: SqsQueue,
): void {
  for (const [name, rule] of rules) invokeFromRule(scope, name, rule, fn, deadLetterQueue);
  new SqsQueuePolicy(scope, "dead-letter-queue-policy", {
    queueUrl: deadLetterQueue.url,
    policy: policyDocument([
      {
        Sid: "UndeliverableEventsFromOurRules",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: deadLetterQueue.arn,
        Condition: { ArnEquals: { "aws:SourceArn": rules.map(([, rule]) => rule.arn) } },
      },
    ]),
  });
}

/** An alarm (`dead-letter-alarm`) on the first message in `queue`: an event failed after every retry. */
export function deadLetterAlarm(
  scope: Construct,
  props: { alarmName: string; description: string; queue: SqsQueue; topicArn: string },
): CloudwatchMetricAlarm {
  return new CloudwatchMetricAlarm(scope, "dead-letter-alarm", {
    alarmName: props.alarmName,
    alarmDescription: props.description,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: props.queue.name },
    statistic: "Maximum",
    period: ALARM_PERIOD_SECONDS,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
    alarmActions: [props.topicArn],
  });
}
