import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { ProxyFailover, RECONCILE_SCHEDULE, type ProxyFailoverProps } from "../../../../modules/observability/proxy-failover";
import { ASYNC_RETRIES, EVENTBRIDGE_RETRIES, LAMBDA_RUNTIME } from "../../../../modules/observability/lambda-parts";
import { CustomerKey } from "../../../../modules/shared/customer-key";
import { only, synthResources, type Resources } from "../../support/synth";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-unit-proxy-failover-"));
const ZIP = path.join(dir, "proxy-failover.zip");
fs.writeFileSync(ZIP, "stand-in package bytes");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const ACCOUNT = "111122223333";
const VPC = "vpc-0123456789abcdef0";
const TOPIC = "arn:aws:sns:eu-west-1:111122223333:dev-alarms";

function synth(overrides: Partial<ProxyFailoverProps> = {}): { json: string; r: Resources } {
  return synthResources((scope) => {
    const key = new CustomerKey(scope, "key", { description: "audit", aliasName: "dev-audit", partition: "aws" });
    new ProxyFailover(scope, "test", {
      envName: "dev",
      region: "eu-west-1",
      partition: "aws",
      accountId: ACCOUNT,
      vpcId: VPC,
      zones: [
        { suffix: "a", name: "eu-west-1a" },
        { suffix: "b", name: "eu-west-1b" },
      ],
      codeZip: ZIP,
      logRetentionDays: 30,
      kmsKeyArn: key.key.arn,
      keyPolicy: key.policy,
      alarmTopicArn: TOPIC,
      ...overrides,
    });
  });
}

const alarms = (r: Resources) => Object.fromEntries(Object.values(r.aws_cloudwatch_metric_alarm).map((a: any) => [a.alarm_name, a]));

describe("ProxyFailover", () => {
  test("per proxy slot a heartbeat alarm: 10 s periods, 3 of them, missing data breaching, notifying the topic both ways", () => {
    const a = alarms(synth().r);
    for (const slot of ["a-1", "a-2", "b-1", "b-2"]) {
      expect(a[`dev-proxy-${slot}-heartbeat`]).toMatchObject({
        namespace: "egress6/Proxy",
        metric_name: "Healthy",
        dimensions: { Environment: "dev", Proxy: slot },
        statistic: "Maximum",
        period: 10,
        evaluation_periods: 3,
        datapoints_to_alarm: 3,
        threshold: 1,
        comparison_operator: "LessThanThreshold",
        treat_missing_data: "breaching",
        alarm_actions: [TOPIC],
        ok_actions: [TOPIC],
      });
    }
  });

  test("per AZ a 'no healthy proxy' alarm: metric math over both slots, a missing slot counting as 0", () => {
    const zone = alarms(synth().r)["dev-proxy-b-no-healthy-proxy"];
    expect(zone).toMatchObject({
      threshold: 1,
      comparison_operator: "LessThanThreshold",
      treat_missing_data: "breaching",
      evaluation_periods: 3,
      alarm_actions: [TOPIC],
      ok_actions: [TOPIC],
    });
    expect(zone.alarm_description).toMatch(/egress from eu-west-1b is closed/);
    expect(zone.metric_query).toEqual([
      {
        id: "m1",
        metric: {
          namespace: "egress6/Proxy",
          metric_name: "Healthy",
          dimensions: { Environment: "dev", Proxy: "b-1" },
          period: 10,
          stat: "Maximum",
        },
        return_data: false,
      },
      {
        id: "m2",
        metric: {
          namespace: "egress6/Proxy",
          metric_name: "Healthy",
          dimensions: { Environment: "dev", Proxy: "b-2" },
          period: 10,
          stat: "Maximum",
        },
        return_data: false,
      },
      { id: "healthy", expression: "MAX([FILL(m1, 0), FILL(m2, 0)])", label: "healthy proxies in eu-west-1b (0 or 1)", return_data: true },
    ]);
    // 4 heartbeat alarms, 2 zone alarms, 1 dead-letter alarm.
    expect(Object.keys(alarms(synth().r))).toHaveLength(7);
  });

  test("the function: Node.js 22 on arm64, the package's hash, the VPC and environment in its environment, a dead-letter queue", () => {
    const zip = fs.readFileSync(ZIP);
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(LambdaFunction, {
      function_name: "dev-egress6-proxy-failover",
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      source_code_hash: crypto.createHash("sha256").update(zip).digest("base64"),
      environment: { variables: { VPC_ID: VPC, EGRESS6_ENVIRONMENT: "dev" } },
    });
    expect(only(r, "aws_lambda_function_event_invoke_config").maximum_retry_attempts).toBe(ASYNC_RETRIES);
    expect(only(r, "aws_cloudwatch_log_group").name).toBe("/aws/lambda/dev-egress6-proxy-failover");
  });

  test("triggers: every heartbeat alarm's state change, and rate(1 minute); each target retries, then the dead-letter queue", () => {
    const { r } = synth();
    const rules = Object.values(r.aws_cloudwatch_event_rule) as any[];
    const byAlarm = rules.find((x) => x.event_pattern);
    expect(JSON.parse(byAlarm.event_pattern)).toEqual({
      source: ["aws.cloudwatch"],
      "detail-type": ["CloudWatch Alarm State Change"],
      detail: { alarmName: ["dev-proxy-a-1-heartbeat", "dev-proxy-a-2-heartbeat", "dev-proxy-b-1-heartbeat", "dev-proxy-b-2-heartbeat"] },
    });
    expect(rules.find((x) => x.schedule_expression).schedule_expression).toBe(RECONCILE_SCHEDULE);
    expect(RECONCILE_SCHEDULE).toBe("rate(1 minute)");
    const targets = Object.values(r.aws_cloudwatch_event_target) as any[];
    expect(targets).toHaveLength(2);
    for (const t of targets) expect(t.retry_policy.maximum_retry_attempts).toBe(EVENTBRIDGE_RETRIES);
    expect(Object.values(r.aws_lambda_permission).map((p: any) => p.principal)).toEqual(["events.amazonaws.com", "events.amazonaws.com"]);
  });

  test("least privilege: describe, the environment's alarms, ReplaceRoute only on route tables of this VPC, nothing else", () => {
    const statements = JSON.parse(only(synth().r, "aws_iam_role_policy").policy).Statement as any[];
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(bySid.ReplaceRoutesInThisVpcOnly).toEqual({
      Sid: "ReplaceRoutesInThisVpcOnly",
      Effect: "Allow",
      Action: "ec2:ReplaceRoute",
      Resource: `arn:aws:ec2:eu-west-1:${ACCOUNT}:route-table/*`,
      Condition: { ArnEquals: { "ec2:Vpc": `arn:aws:ec2:eu-west-1:${ACCOUNT}:vpc/${VPC}` } },
    });
    expect(bySid.ReadTheHeartbeatAlarms).toMatchObject({
      Action: "cloudwatch:DescribeAlarms",
      Resource: `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:dev-proxy-*`,
    });
    expect(bySid.ReadInterfacesAndRoutes.Action).toEqual(["ec2:DescribeNetworkInterfaces", "ec2:DescribeRouteTables"]);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual(
      [
        "cloudwatch:DescribeAlarms",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeRouteTables",
        "ec2:ReplaceRoute",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "sqs:SendMessage",
      ].sort(),
    );
  });

  test("the dead-letter queue admits only the two rules, and a message there raises dev-proxy-failover-failed", () => {
    const { r } = synth();
    const policy = JSON.parse(only(r, "aws_sqs_queue_policy").policy).Statement[0];
    expect(policy.Condition.ArnEquals["aws:SourceArn"]).toHaveLength(2);
    expect(alarms(r)["dev-proxy-failover-failed"]).toMatchObject({ namespace: "AWS/SQS", alarm_actions: [TOPIC] });
  });
});
