/**
 * The alarm topic (SNS, encrypted with the audit key) and log-based alarms: a metric filter that counts matching
 * log events and an alarm that fires on the first one.
 */
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { RESOURCE_ID } from "../../lib/names";

/** Alarm evaluation period, seconds: the shortest standard-resolution period for metrics from logs. */
export const ALARM_PERIOD_SECONDS = 300;

/** Environment, key and optional subscriber of the AlarmTopic. */
export interface AlarmTopicProps {
  /** The environment name: the topic is `<envName>-egress6-alarms`. */
  readonly envName: string;
  /** ARN of the customer-managed KMS key that encrypts the topic. */
  readonly kmsKeyArn: string;
  /** The key policy that lets SNS use the key: it must exist before the topic. */
  readonly keyPolicy: ITerraformDependable;
  /** Subscribe this address (AWS sends a confirmation mail first). @default no subscription */
  readonly email?: string;
}

/** The encrypted SNS topic every egress6 alarm notifies. */
export class AlarmTopic extends Construct {
  /** The topic. */
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, RESOURCE_ID, {
      name: `${props.envName}-egress6-alarms`,
      kmsMasterKeyId: props.kmsKeyArn,
      dependsOn: [props.keyPolicy],
    });
    if (props.email) {
      new SnsTopicSubscription(this, "email", { topicArn: this.topic.arn, protocol: "email", endpoint: props.email });
    }
  }
}

/** What a LogAlarm counts, where, and whom it notifies. */
export interface LogAlarmProps {
  /** The environment name: the alarm is `<envName>-<construct id>`. */
  readonly envName: string;
  /** The topic notified when the alarm fires and when it clears. */
  readonly topicArn: string;
  /** CloudWatch namespace of the counted metric. */
  readonly namespace: string;
  /** Name of the counted metric (and of the filter, numbered when there are several). */
  readonly metricName: string;
  /** The alarm's description. */
  readonly description: string;
  /** One filter per entry; all count into the same metric (a filter pattern cannot OR across fields). */
  readonly filters: readonly { readonly logGroupName: string; readonly pattern: string }[];
  /**
   * Resources the filters need (the log group, when this stack creates it): every metric filter depends on them.
   * @default - none: the filters have no explicit `depends_on`
   */
  readonly dependsOn?: ITerraformDependable[];
}

/** `metricName` counted from log events, alarming on the first match in a period. */
export class LogAlarm extends Construct {
  /** The metric filters, one per `filters` entry. */
  readonly filters: CloudwatchLogMetricFilter[];
  /** The alarm. */
  readonly alarm: CloudwatchMetricAlarm;

  constructor(scope: Construct, id: string, props: LogAlarmProps) {
    super(scope, id);
    this.filters = props.filters.map(
      (f, i) =>
        new CloudwatchLogMetricFilter(this, props.filters.length === 1 ? "filter" : `filter-${i + 1}`, {
          name: props.filters.length === 1 ? props.metricName : `${props.metricName}-${i + 1}`,
          logGroupName: f.logGroupName,
          pattern: f.pattern,
          metricTransformation: { name: props.metricName, namespace: props.namespace, value: "1", unit: "Count" },
          dependsOn: props.dependsOn,
        }),
    );
    const alarm: CloudwatchMetricAlarmConfig = {
      alarmName: `${props.envName}-${id}`,
      alarmDescription: props.description,
      namespace: props.namespace,
      metricName: props.metricName,
      statistic: "Sum",
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [props.topicArn],
      okActions: [props.topicArn],
    };
    this.alarm = new CloudwatchMetricAlarm(this, "alarm", alarm);
  }
}
