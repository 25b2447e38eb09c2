import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { LAMBDA_RUNTIME, Remediation, type RemediationProps } from "../../../../modules/observability/remediation";
import { CustomerKey } from "../../../../modules/shared/customer-key";
import { only, synthResources, type Resources } from "../../support/synth";

type Statement = Record<string, any>;

/** A stand-in deployment package: the construct only hashes and copies it. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-unit-remediation-"));
const ZIP = path.join(dir, "remediation.zip");
fs.writeFileSync(ZIP, "not really a zip, but bytes to hash");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const ACCOUNT = "111122223333";
const VPC = "vpc-0123456789abcdef0";
const ALARM_TOPIC = "arn:aws:sns:eu-west-1:111122223333:dev-alarms";
const KEY_ARN = /^\$\{aws_kms_key\.key_resource_[0-9A-F]+\.arn\}$/;
const QUARANTINE_ID = /^\$\{aws_security_group\.test_quarantine-security-group_resource_[0-9A-F]+\.id\}$/;
const DLQ_ARN = /^\$\{aws_sqs_queue\.test_dead-letter-queue_[0-9A-F]+\.arn\}$/;
const FUNCTION_ARN = /^\$\{aws_lambda_function\.test_function_[0-9A-F]+\.arn\}$/;

function synth(overrides: Partial<RemediationProps> = {}): { json: string; r: Resources } {
  return synthResources((scope) => {
    const key = new CustomerKey(scope, "key", { description: "audit", aliasName: "dev-audit", partition: "aws" });
    new Remediation(scope, "test", {
      envName: "dev",
      region: "eu-west-1",
      partition: "aws",
      accountId: ACCOUNT,
      vpcId: VPC,
      codeZip: ZIP,
      securityGroupRuleNames: ["dev-restricted-ssh", "dev-vpc-sg-open-only-to-authorized-ports"],
      logRetentionDays: 90,
      kmsKeyArn: key.key.arn,
      keyPolicy: key.policy,
      alarmTopicArn: ALARM_TOPIC,
      ...overrides,
    });
  });
}

function roleStatements(r: Resources): Record<string, Statement> {
  const statements: Statement[] = JSON.parse(only(r, "aws_iam_role_policy").policy).Statement;
  return Object.fromEntries(statements.map((s) => [s.Sid, s]));
}

/** The event rules by the first entry of their pattern's `source`. */
function rules(r: Resources): Record<string, any> {
  return Object.fromEntries(Object.values(r.aws_cloudwatch_event_rule).map((x: any) => [JSON.parse(x.event_pattern).source[0], x]));
}

describe("Remediation", () => {
  it("the quarantine group has no rule at all, in or out", () => {
    expect(synth().json).toHaveResourceWithProperties(SecurityGroup, {
      vpc_id: VPC,
      name: "dev-quarantine",
      ingress: [],
      egress: [],
      revoke_rules_on_delete: true,
      tags: { Name: "dev-quarantine", "egress6:role": "quarantine" },
    });
  });

  it("the function: Node.js 22 on arm64, the package's hash as its code hash, the quarantine group and VPC in its environment", () => {
    const zip = fs.readFileSync(ZIP);
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(LambdaFunction, {
      function_name: "dev-egress6-remediation",
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      timeout: 60,
      memory_size: 256,
      source_code_hash: crypto.createHash("sha256").update(zip).digest("base64"),
      environment: { variables: { QUARANTINE_SECURITY_GROUP_ID: expect.stringMatching(QUARANTINE_ID), VPC_ID: VPC } },
      dead_letter_config: { target_arn: expect.stringMatching(DLQ_ARN) },
      logging_config: {
        log_format: "Text",
        log_group: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.test_log-group_resource_[0-9A-F]+\.name\}$/),
      },
    });
    expect(LAMBDA_RUNTIME).toBe("nodejs22.x");
    const fn = only(r, "aws_lambda_function");
    expect(fn.filename).toMatch(new RegExp(`/${crypto.createHash("sha256").update(zip).digest("hex")}/remediation\\.zip$`));
    // No reserved concurrency: a reservation fails to apply in accounts with a small concurrency quota.
    expect(fn.reserved_concurrent_executions).toBeUndefined();
    expect(fn.depends_on.map((d: string) => d.replace(/_[0-9A-F]+$/, "")).sort()).toEqual([
      "aws_cloudwatch_log_group.test_log-group_resource",
      "aws_iam_role_policy.test_role-policy",
    ]);
  });

  it("logs to its own group, encrypted with the customer key, retained as given", () => {
    expect(synth({ logRetentionDays: 30 }).json).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/lambda/dev-egress6-remediation",
      retention_in_days: 30,
      kms_key_id: expect.stringMatching(KEY_ARN),
    });
  });

  it("the role is assumed by Lambda for this account only", () => {
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(IamRole, { name: "dev-egress6-remediation" });
    expect(JSON.parse(only(r, "aws_iam_role").assume_role_policy).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "lambda.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
      },
    ]);
  });

  it("the role's policy: only Describe calls on *, every change bounded to this VPC, the quarantine group or this environment", () => {
    const s = roleStatements(synth().r);
    expect(Object.keys(s)).toEqual([
      "WriteOwnLogs",
      "FailedEventsToDeadLetterQueue",
      "ReadGroupsRulesInstances",
      "RevokeIngressInThisVpcOnly",
      "ChangeInterfacesInThisVpcOnly",
      "IntoTheQuarantineGroupOnly",
      "InterfacesOfThisEnvironmentsInstancesOnly",
      "TagIsolatedInstancesOnly",
    ]);
    for (const statement of Object.values(s)) {
      expect(statement.Effect).toBe("Allow");
      if (statement.Resource === "*") expect([statement.Action].flat().every((a: string) => a.startsWith("ec2:Describe"))).toBe(true);
    }
    const inThisVpc = { ArnEquals: { "ec2:Vpc": `arn:aws:ec2:eu-west-1:${ACCOUNT}:vpc/${VPC}` } };
    expect(s.RevokeIngressInThisVpcOnly).toMatchObject({
      Action: "ec2:RevokeSecurityGroupIngress",
      Resource: `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/*`,
      Condition: inThisVpc,
    });
    expect(s.ChangeInterfacesInThisVpcOnly).toMatchObject({
      Action: "ec2:ModifyNetworkInterfaceAttribute",
      Resource: `arn:aws:ec2:eu-west-1:${ACCOUNT}:network-interface/*`,
      Condition: inThisVpc,
    });
    expect(s.IntoTheQuarantineGroupOnly.Resource).toMatch(
      /^arn:aws:ec2:eu-west-1:111122223333:security-group\/\$\{aws_security_group\.test_quarantine-security-group_resource_[0-9A-F]+\.id\}$/,
    );
    const ofThisEnvironment = { "aws:ResourceTag/egress6:environment": "dev" };
    expect(s.InterfacesOfThisEnvironmentsInstancesOnly.Condition).toEqual({ StringEquals: ofThisEnvironment });
    expect(s.TagIsolatedInstancesOnly).toMatchObject({
      Action: "ec2:CreateTags",
      Resource: `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/*`,
      Condition: { StringEquals: ofThisEnvironment, "ForAllValues:StringEquals": { "aws:TagKeys": ["egress6:quarantined"] } },
    });
    expect(s.WriteOwnLogs.Resource).toMatch(/^\$\{aws_cloudwatch_log_group\.test_log-group_resource_[0-9A-F]+\.arn\}:log-stream:\*$/);
    expect(s.FailedEventsToDeadLetterQueue).toMatchObject({ Action: "sqs:SendMessage", Resource: expect.stringMatching(DLQ_ARN) });
  });

  it("retries an asynchronous invocation twice, for up to 6 hours, then dead-letters it", () => {
    expect(synth().json).toHaveResourceWithProperties(LambdaFunctionEventInvokeConfig, {
      function_name: expect.stringMatching(/^\$\{aws_lambda_function\.test_function_[0-9A-F]+\.function_name\}$/),
      maximum_retry_attempts: 2,
      maximum_event_age_in_seconds: 21600,
    });
  });

  it("the dead-letter queue is encrypted and keeps a message 14 days; only our two rules may send to it", () => {
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(SqsQueue, {
      name: "dev-egress6-remediation-dlq",
      message_retention_seconds: 1209600,
      sqs_managed_sse_enabled: true,
    });
    expect(JSON.parse(only(r, "aws_sqs_queue_policy").policy).Statement).toEqual([
      {
        Sid: "UndeliverableEventsFromOurRules",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: expect.stringMatching(DLQ_ARN),
        Condition: {
          ArnEquals: {
            "aws:SourceArn": [
              expect.stringMatching(/^\$\{aws_cloudwatch_event_rule\.test_config-rule_[0-9A-F]+\.arn\}$/),
              expect.stringMatching(/^\$\{aws_cloudwatch_event_rule\.test_guardduty-rule_[0-9A-F]+\.arn\}$/),
            ],
          },
        },
      },
    ]);
  });

  it("the Config rule matches NON_COMPLIANT security groups of the given rules only", () => {
    const rule = rules(synth().r)["aws.config"];
    expect(rule.name).toBe("dev-config-noncompliant-security-group");
    expect(JSON.parse(rule.event_pattern)).toEqual({
      source: ["aws.config"],
      "detail-type": ["Config Rules Compliance Change"],
      detail: {
        messageType: ["ComplianceChangeNotification"],
        configRuleName: ["dev-restricted-ssh", "dev-vpc-sg-open-only-to-authorized-ports"],
        resourceType: ["AWS::EC2::SecurityGroup"],
        newEvaluationResult: { complianceType: ["NON_COMPLIANT"] },
      },
    });
    const other = rules(synth({ securityGroupRuleNames: ["x"] }).r)["aws.config"];
    expect(JSON.parse(other.event_pattern).detail.configRuleName).toEqual(["x"]);
  });

  it("the GuardDuty rule matches findings of severity 7 or more about an EC2 instance", () => {
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(CloudwatchEventRule, { name: "dev-guardduty-high-severity-instance" });
    expect(JSON.parse(rules(r)["aws.guardduty"].event_pattern)).toEqual({
      source: ["aws.guardduty"],
      "detail-type": ["GuardDuty Finding"],
      detail: { severity: [{ numeric: [">=", 7] }], resource: { resourceType: ["Instance"] } },
    });
  });

  it("each rule targets the function, retrying 10 times then dead-lettering, and may invoke it from that rule only", () => {
    const { r } = synth();
    const targets = Object.values(r.aws_cloudwatch_event_target) as any[];
    expect(targets).toHaveLength(2);
    for (const target of targets) {
      expect(target).toMatchObject({
        arn: expect.stringMatching(FUNCTION_ARN),
        retry_policy: { maximum_retry_attempts: 10, maximum_event_age_in_seconds: 21600 },
        dead_letter_config: { arn: expect.stringMatching(DLQ_ARN) },
      });
    }
    expect(targets.map((t) => t.rule.replace(/_[0-9A-F]+\.name\}$/, "")).sort()).toEqual([
      "${aws_cloudwatch_event_rule.test_config-rule",
      "${aws_cloudwatch_event_rule.test_guardduty-rule",
    ]);
    const permissions = Object.values(r.aws_lambda_permission) as any[];
    expect(permissions).toHaveLength(2);
    for (const permission of permissions) {
      const name = permission.statement_id.replace(/^invoke-from-(.*)-rule$/, "$1");
      expect(permission).toMatchObject({ action: "lambda:InvokeFunction", principal: "events.amazonaws.com" });
      expect(permission.source_arn).toMatch(new RegExp(`^\\$\\{aws_cloudwatch_event_rule\\.test_${name}-rule_[0-9A-F]+\\.arn\\}$`));
    }
    expect(permissions.map((p) => p.statement_id).sort()).toEqual(["invoke-from-config-rule", "invoke-from-guardduty-rule"]);
  });

  it("a message in the dead-letter queue raises an alarm on the alarm topic", () => {
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "dev-remediation-failed",
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
      statistic: "Maximum",
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
      alarm_actions: [ALARM_TOPIC],
    });
    expect(only(r, "aws_cloudwatch_metric_alarm").dimensions).toEqual({
      QueueName: expect.stringMatching(/^\$\{aws_sqs_queue\.test_dead-letter-queue_[0-9A-F]+\.name\}$/),
    });
  });

  it("spells its ARNs in the given partition, region and account", () => {
    const s = roleStatements(synth({ partition: "aws-cn", region: "cn-north-1", accountId: "444455556666" }).r);
    expect(s.RevokeIngressInThisVpcOnly.Resource).toBe("arn:aws-cn:ec2:cn-north-1:444455556666:security-group/*");
    expect(s.RevokeIngressInThisVpcOnly.Condition.ArnEquals["ec2:Vpc"]).toBe(`arn:aws-cn:ec2:cn-north-1:444455556666:vpc/${VPC}`);
  });

  it("exposes the quarantine group, the queue, the function, its role and both rules", () => {
    Testing.synthScope((scope) => {
      const key = new CustomerKey(scope, "key", { description: "audit", aliasName: "dev-audit", partition: "aws" });
      const remediation = new Remediation(scope, "test", {
        envName: "dev",
        region: "eu-west-1",
        partition: "aws",
        accountId: ACCOUNT,
        vpcId: VPC,
        codeZip: ZIP,
        securityGroupRuleNames: [],
        logRetentionDays: 1,
        kmsKeyArn: key.key.arn,
        keyPolicy: key.policy,
        alarmTopicArn: ALARM_TOPIC,
      });
      expect(remediation.quarantine.group).toBeInstanceOf(SecurityGroup);
      expect(remediation.deadLetterQueue).toBeInstanceOf(SqsQueue);
      expect(remediation.function).toBeInstanceOf(LambdaFunction);
      expect(remediation.role).toBeInstanceOf(IamRole);
      expect(remediation.configRule).toBeInstanceOf(CloudwatchEventRule);
      expect(remediation.guardDutyRule).toBeInstanceOf(CloudwatchEventRule);
    });
  });
});
