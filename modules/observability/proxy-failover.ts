/**
 * Proxy availability: the heartbeat alarms and the failover Lambda (lambda/proxy-failover).
 *
 * - Per proxy slot an alarm on its heartbeat (`Healthy`, published every 10 s by modules/proxy/heartbeat.ts): ALARM
 *   after HEARTBEAT.evaluationPeriods periods of 10 s without a data point (missing data is breaching), so a failed
 *   boot, a crashed or a wedged Squid all raise it. It notifies the alarm topic both ways.
 * - Per AZ an alarm "no healthy proxy in AZ x": metric math over both slots' heartbeats (the larger of the two, a
 *   missing one counting as 0); in ALARM the AZ's egress is closed.
 * - The failover Lambda, invoked by EventBridge on every state change of the per-proxy alarms and once a minute (a
 *   reconciliation that makes good a lost event): it moves each AZ's routes to that AZ's preferred healthy proxy
 *   (the primary when it is healthy) and never anywhere else. Its role may replace routes only in route tables of
 *   this VPC.
 *
 * The function finds everything by tag and name (interfaces tagged TAG_FAILOVER_GROUP in the VPC, alarms named by
 * lib/proxy-failover.ts), so it needs no reference to the inspection stack. Its failures go where the remediation
 * function's go: Lambda's retries, a dead-letter queue, an alarm on that queue (modules/observability/lambda-parts.ts).
 */
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import type { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { PROXY_DIMENSION, PROXY_METRIC, PROXY_METRIC_NAMESPACE } from "../../lib/proxy-signals";
import {
  ALARM_EVENT_DETAIL_TYPE,
  ALARM_EVENT_SOURCE,
  FAILOVER_ENV,
  HEARTBEAT,
  proxyFailoverFunctionName,
  proxyHealthAlarmName,
  proxyZoneAlarmName,
  slotsOf,
} from "../../lib/proxy-failover";
import { assumeRolePolicy, policyDocument } from "../shared/policy";
import { LAMBDA_RUNTIME, asyncRetries, deadLetterAlarm, functionQueueAndLogs, invokeFromRules, lambdaCode } from "./lambda-parts";

/** The reconciliation schedule: EventBridge's shortest rate (EventBridge user guide, "Schedule expressions"). */
export const RECONCILE_SCHEDULE = "rate(1 minute)";

export interface ProxyFailoverProps {
  /** The environment name: alarm and function names, the heartbeat's `Environment` dimension, the failover groups. */
  readonly envName: string;
  /** The AWS region of the route table ARNs the function's role is limited to. */
  readonly region: string;
  /** The AWS partition of those ARNs. */
  readonly partition: string;
  /** The deploying account's id: the role's trust (aws:SourceAccount) and the route table ARNs are scoped to it. */
  readonly accountId: string;
  /** The VPC whose routes the function moves (and no other). */
  readonly vpcId: string;
  /** The AZs with proxies: suffix (`a`) and name (`eu-west-1a`), in order. */
  readonly zones: readonly { readonly suffix: string; readonly name: string }[];
  /** The Lambda deployment package, a ZIP written by `npm run build`. */
  readonly codeZip: string;
  /** Days CloudWatch Logs keeps the function's log group `/aws/lambda/<function>`. */
  readonly logRetentionDays: number;
  /** ARN of the customer-managed KMS key that encrypts the function's log group. */
  readonly kmsKeyArn: string;
  /** The key policy that lets CloudWatch Logs use the key: it must exist before the log group. */
  readonly keyPolicy: ITerraformDependable;
  /** The SNS topic the alarms notify. */
  readonly alarmTopicArn: string;
}

export class ProxyFailover extends Construct {
  /** Per proxy slot (`a-1`, `a-2`, ...), its heartbeat alarm. */
  readonly proxyAlarms = new Map<string, CloudwatchMetricAlarm>();
  /** Per AZ suffix, the "no healthy proxy" alarm. */
  readonly zoneAlarms = new Map<string, CloudwatchMetricAlarm>();
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly deadLetterQueue: SqsQueue;
  readonly alarmRule: CloudwatchEventRule;
  readonly scheduleRule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: ProxyFailoverProps) {
    super(scope, id);
    const env = props.envName;
    const functionName = proxyFailoverFunctionName(env);
    const heartbeatOf = (slot: string) => ({
      namespace: PROXY_METRIC_NAMESPACE,
      metricName: PROXY_METRIC.healthy,
      dimensions: { [PROXY_DIMENSION.environment]: env, [PROXY_DIMENSION.proxy]: slot },
    });
    const topic = [props.alarmTopicArn];

    // ---- alarms ----
    for (const zone of props.zones) {
      const slots = slotsOf(zone.suffix);
      for (const slot of slots) {
        this.proxyAlarms.set(
          slot,
          new CloudwatchMetricAlarm(this, `${slot}-heartbeat`, {
            alarmName: proxyHealthAlarmName(env, slot),
            alarmDescription: `Proxy ${slot} in ${zone.name} sent no heartbeat for ${HEARTBEAT.evaluationPeriods * HEARTBEAT.periodSeconds} s: Squid does not answer (failed boot, crashed or wedged), or the instance is down. The failover Lambda routes ${zone.name} around it while another proxy of the AZ is healthy.`,
            ...heartbeatOf(slot),
            statistic: "Maximum",
            period: HEARTBEAT.periodSeconds,
            evaluationPeriods: HEARTBEAT.evaluationPeriods,
            datapointsToAlarm: HEARTBEAT.evaluationPeriods,
            threshold: 1,
            comparisonOperator: "LessThanThreshold",
            treatMissingData: "breaching",
            alarmActions: topic,
            okActions: topic,
          }),
        );
      }
      this.zoneAlarms.set(
        zone.suffix,
        new CloudwatchMetricAlarm(this, `${zone.suffix}-no-healthy-proxy`, {
          alarmName: proxyZoneAlarmName(env, zone.suffix),
          alarmDescription: `No proxy in ${zone.name} sends a heartbeat: egress from ${zone.name} is closed until one recovers (the other AZs are not affected).`,
          metricQuery: [
            ...slots.map((slot, i) => ({
              id: `m${i + 1}`,
              metric: { ...heartbeatOf(slot), period: HEARTBEAT.periodSeconds, stat: "Maximum" },
              returnData: false,
            })),
            {
              id: "healthy",
              // A slot without data counts as 0; with no data at all the alarm's missing-data rule applies.
              expression: `MAX([${slots.map((_, i) => `FILL(m${i + 1}, 0)`).join(", ")}])`,
              label: `healthy proxies in ${zone.name} (0 or 1)`,
              returnData: true,
            },
          ],
          evaluationPeriods: HEARTBEAT.evaluationPeriods,
          datapointsToAlarm: HEARTBEAT.evaluationPeriods,
          threshold: 1,
          comparisonOperator: "LessThanThreshold",
          treatMissingData: "breaching",
          alarmActions: topic,
          okActions: topic,
        }),
      );
    }

    // ---- the function ----
    const { deadLetterQueue, logGroup } = functionQueueAndLogs(this, functionName, {
      retentionDays: props.logRetentionDays,
      kmsKeyArn: props.kmsKeyArn,
      keyPolicy: props.keyPolicy,
    });
    this.deadLetterQueue = deadLetterQueue;
    const ec2Arn = (resource: string) => `arn:${props.partition}:ec2:${props.region}:${props.accountId}:${resource}`;
    this.role = new IamRole(this, "role", {
      name: functionName,
      description: "egress6 proxy failover Lambda: move an AZ's routes between that AZ's proxies, in one VPC",
      assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com", { StringEquals: { "aws:SourceAccount": props.accountId } }),
    });
    const rolePolicy = new IamRolePolicy(this, "role-policy", {
      role: this.role.name,
      name: "failover",
      policy: policyDocument([
        {
          Sid: "WriteOwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `${logGroup.logGroup.arn}:log-stream:*`,
        },
        { Sid: "FailedEventsToDeadLetterQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: this.deadLetterQueue.arn },
        // Describe calls support no resource-level permissions (Service Authorization Reference, Amazon EC2).
        {
          Sid: "ReadInterfacesAndRoutes",
          Effect: "Allow",
          Action: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeRouteTables"],
          Resource: "*",
        },
        {
          Sid: "ReadTheHeartbeatAlarms",
          Effect: "Allow",
          Action: "cloudwatch:DescribeAlarms",
          Resource: `arn:${props.partition}:cloudwatch:${props.region}:${props.accountId}:alarm:${env}-proxy-*`,
        },
        {
          Sid: "ReplaceRoutesInThisVpcOnly",
          Effect: "Allow",
          Action: "ec2:ReplaceRoute",
          // Amazon EC2 user guide, "Example policies for working with the AWS CLI or an AWS SDK", "Work with route
          // tables": route-table/* with ec2:Vpc as the VPC's full ARN.
          Resource: ec2Arn("route-table/*"),
          Condition: { ArnEquals: { "ec2:Vpc": ec2Arn(`vpc/${props.vpcId}`) } },
        },
      ]),
    });
    const code = lambdaCode(this, props.codeZip);
    this.function = new LambdaFunction(this, "function", {
      functionName,
      description: "egress6: keep each AZ's routes on a healthy proxy of that AZ (primary preferred)",
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: code.path,
      sourceCodeHash: code.sourceCodeHash,
      role: this.role.arn,
      timeout: 30,
      memorySize: 256,
      // No reservedConcurrentExecutions: see the note on reserved concurrency in remediation.ts.
      environment: { variables: { [FAILOVER_ENV.vpcId]: props.vpcId, [FAILOVER_ENV.environment]: env } },
      deadLetterConfig: { targetArn: this.deadLetterQueue.arn },
      loggingConfig: { logFormat: "Text", logGroup: logGroup.logGroup.name },
      dependsOn: [rolePolicy, logGroup.logGroup],
    });
    asyncRetries(this, this.function);

    // ---- triggers: every heartbeat alarm's state change, and the schedule ----
    this.alarmRule = new CloudwatchEventRule(this, "alarm-rule", {
      name: `${env}-proxy-heartbeat-state-change`,
      description: "A proxy heartbeat alarm changed state: the failover Lambda reconciles the routes",
      eventPattern: JSON.stringify({
        source: [ALARM_EVENT_SOURCE],
        "detail-type": [ALARM_EVENT_DETAIL_TYPE],
        detail: { alarmName: [...this.proxyAlarms.keys()].map((slot) => proxyHealthAlarmName(env, slot)) },
      }),
    });
    this.scheduleRule = new CloudwatchEventRule(this, "schedule-rule", {
      name: `${env}-proxy-failover-reconcile`,
      description: "Once a minute the failover Lambda reconciles the routes (makes good a lost alarm event)",
      scheduleExpression: RECONCILE_SCHEDULE,
    });
    invokeFromRules(
      this,
      [
        ["alarm", this.alarmRule],
        ["schedule", this.scheduleRule],
      ],
      this.function,
      this.deadLetterQueue,
    );
    deadLetterAlarm(this, {
      alarmName: `${env}-proxy-failover-failed`,
      description: "A proxy failover invocation failed after every retry and waits in the dead-letter queue",
      queue: this.deadLetterQueue,
      topicArn: props.alarmTopicArn,
    });
  }
}
