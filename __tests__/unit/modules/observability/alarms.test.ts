import { Testing } from "cdktf";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { ALARM_PERIOD_SECONDS, AlarmTopic, LogAlarm, type LogAlarmProps } from "../../../../modules/observability/alarms";

const KEY = "arn:aws:kms:eu-west-1:111122223333:key/k";

function topic(email?: string): string {
  return Testing.synthScope((scope) => {
    const keyPolicy = new KmsKeyPolicy(scope, "key-policy", { keyId: "k", policy: "{}" });
    new AlarmTopic(scope, "test", { envName: "dev", kmsKeyArn: KEY, keyPolicy, email });
  });
}

const alarmProps: LogAlarmProps = {
  envName: "dev",
  topicArn: "arn:aws:sns:eu-west-1:111122223333:dev-egress6-alarms",
  namespace: "egress6",
  metricName: "RootUse",
  description: "root used",
  filters: [{ logGroupName: "/trail", pattern: "{ $.userIdentity.type = Root }" }],
};

function r(json: string): Record<string, Record<string, any>> {
  return JSON.parse(json).resource;
}

describe("AlarmTopic", () => {
  it("creates the env's alarm topic encrypted with the key, after the key policy", () => {
    const json = topic();
    expect(json).toHaveResourceWithProperties(SnsTopic, {
      name: "dev-egress6-alarms",
      kms_master_key_id: KEY,
      depends_on: ["aws_kms_key_policy.key-policy"],
    });
  });

  it("subscribes no one by default", () => {
    expect(topic()).not.toHaveResource(SnsTopicSubscription);
  });

  it("subscribes the email address when given", () => {
    expect(topic("ops@example.com")).toHaveResourceWithProperties(SnsTopicSubscription, { protocol: "email", endpoint: "ops@example.com" });
  });
});

describe("LogAlarm", () => {
  it("one filter: counts matches into the metric and alarms on the first, to the topic, both ways", () => {
    const json = Testing.synthScope((scope) => {
      new LogAlarm(scope, "root-use", alarmProps);
    });
    expect(json).toHaveResourceWithProperties(CloudwatchLogMetricFilter, {
      name: "RootUse",
      log_group_name: "/trail",
      pattern: "{ $.userIdentity.type = Root }",
      metric_transformation: { name: "RootUse", namespace: "egress6", value: "1", unit: "Count" },
    });
    expect(json).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "dev-root-use",
      alarm_description: "root used",
      statistic: "Sum",
      period: ALARM_PERIOD_SECONDS,
      evaluation_periods: 1,
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
      alarm_actions: [alarmProps.topicArn],
      ok_actions: [alarmProps.topicArn],
    });
  });

  it("several filters: numbered names, all counting into the same metric", () => {
    const json = Testing.synthScope((scope) => {
      new LogAlarm(scope, "x", {
        ...alarmProps,
        filters: [
          { logGroupName: "/a", pattern: "A" },
          { logGroupName: "/b", pattern: "B" },
        ],
      });
    });
    const filters = Object.values(r(json).aws_cloudwatch_log_metric_filter);
    expect(filters.map((f) => [f.name, f.log_group_name, f.metric_transformation.name])).toEqual([
      ["RootUse-1", "/a", "RootUse"],
      ["RootUse-2", "/b", "RootUse"],
    ]);
  });
});
