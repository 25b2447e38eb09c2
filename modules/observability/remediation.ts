/**
 * Automatic remediation: EventBridge rules for AWS Config non-compliance (security groups) and high-severity
 * GuardDuty findings (EC2 instances) invoke the remediation Lambda (lambda/remediation), which revokes ingress
 * open to the internet or moves the instance into the quarantine security group (no rules at all).
 *
 * Failures are never lost: Lambda retries asynchronous invocations twice, then sends the event to the
 * dead-letter queue; EventBridge sends events it could not deliver to the same queue; a message there raises
 * an alarm.
 */
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import type { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CONFIG_DETAIL_TYPE, CONFIG_SOURCE, GUARDDUTY_DETAIL_TYPE, GUARDDUTY_SOURCE, HIGH_SEVERITY } from "../../lambda/remediation/events";
import { TAG_ENVIRONMENT, TAG_QUARANTINED, TAG_ROLE } from "../../lib/names";
import { ClosedSecurityGroup } from "../shared/security-group";
import { LAMBDA_RUNTIME, asyncRetries, deadLetterAlarm, functionQueueAndLogs, invokeFromRules, lambdaCode } from "./lambda-parts";
import { assumeRolePolicy, policyDocument, type PolicyStatement } from "../shared/policy";

export { LAMBDA_RUNTIME } from "./lambda-parts";

/**
 * No reserved concurrency (Checkov CKV_AWS_115 is not met on purpose). Lambda refuses a reservation that would leave
 * the account less than 100 unreserved concurrent executions ("You can reserve up to the Unreserved account
 * concurrency value minus 100": Lambda developer guide, "Configuring reserved concurrency for a function",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html), so any reservation fails to apply
 * in accounts whose concurrency quota is 10 (new accounts) or under 100 + the reservation. Events are asynchronous:
 * a throttled invocation is retried by Lambda, then goes to the dead-letter queue; nothing is lost.
 * (The function below therefore sets no reservedConcurrentExecutions.)
 */

export interface RemediationProps {
  /**
   * The environment name: the function is `<envName>-egress6-remediation`, the quarantine group `<envName>-quarantine`;
   * the function may only quarantine instances whose environment tag is this value.
   */
  readonly envName: string;
  /** The AWS region of the EC2 resource ARNs the function's role is limited to. */
  readonly region: string;
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`) of the EC2 resource ARNs the function's role is limited to. */
  readonly partition: string;
  /** The deploying account's id: the role's trust (aws:SourceAccount) and the EC2 resource ARNs are scoped to it. */
  readonly accountId: string;
  /** The VPC remediated: the quarantine group is created in it, and the function may change groups and interfaces in it only. */
  readonly vpcId: string;
  /** The Lambda deployment package, a ZIP written by `npm run build`. */
  readonly codeZip: string;
  /** Names of the Config rules whose NON_COMPLIANT security groups are remediated. */
  readonly securityGroupRuleNames: readonly string[];
  /** Days CloudWatch Logs keeps the function's log group `/aws/lambda/<function>` (a value the API accepts: 1, 3, 5, 7, 14, 30, ...). */
  readonly logRetentionDays: number;
  /** ARN of the customer-managed KMS key that encrypts the function's log group. */
  readonly kmsKeyArn: string;
  /** The key policy that lets CloudWatch Logs use the key: it must exist before the log group. */
  readonly keyPolicy: ITerraformDependable;
  /** The SNS topic the `<envName>-remediation-failed` alarm notifies when an event lands in the dead-letter queue. */
  readonly alarmTopicArn: string;
}

export class Remediation extends Construct {
  readonly quarantine: ClosedSecurityGroup;
  readonly deadLetterQueue: SqsQueue;
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly configRule: CloudwatchEventRule;
  readonly guardDutyRule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: RemediationProps) {
    super(scope, id);
    const functionName = `${props.envName}-egress6-remediation`;
    const ec2Arn = (resource: string) => `arn:${props.partition}:ec2:${props.region}:${props.accountId}:${resource}`;
    const inThisVpc = { ArnEquals: { "ec2:Vpc": ec2Arn(`vpc/${props.vpcId}`) } };
    const ofThisEnvironment = { StringEquals: { [`aws:ResourceTag/${TAG_ENVIRONMENT}`]: props.envName } };

    this.quarantine = new ClosedSecurityGroup(this, "quarantine-security-group", {
      vpcId: props.vpcId,
      name: `${props.envName}-quarantine`,
      description: "egress6 quarantine: no rules; an isolated instance can reach nothing and nothing reaches it",
      ingress: [],
      egress: [],
      tags: { Name: `${props.envName}-quarantine`, [TAG_ROLE]: "quarantine" },
    });

    const { deadLetterQueue, logGroup } = functionQueueAndLogs(this, functionName, {
      retentionDays: props.logRetentionDays,
      kmsKeyArn: props.kmsKeyArn,
      keyPolicy: props.keyPolicy,
    });
    this.deadLetterQueue = deadLetterQueue;

    const statements: PolicyStatement[] = [
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${logGroup.logGroup.arn}:log-stream:*`,
      },
      { Sid: "FailedEventsToDeadLetterQueue", Effect: "Allow", Action: "sqs:SendMessage", Resource: this.deadLetterQueue.arn },
      // Describe calls support no resource-level permissions (Service Authorization Reference, Amazon EC2).
      {
        Sid: "ReadGroupsRulesInstances",
        Effect: "Allow",
        Action: ["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeInstances"],
        Resource: "*",
      },
      {
        Sid: "RevokeIngressInThisVpcOnly",
        Effect: "Allow",
        Action: "ec2:RevokeSecurityGroupIngress",
        Resource: ec2Arn("security-group/*"),
        Condition: inThisVpc,
      },
      {
        Sid: "ChangeInterfacesInThisVpcOnly",
        Effect: "Allow",
        Action: "ec2:ModifyNetworkInterfaceAttribute",
        Resource: ec2Arn("network-interface/*"),
        Condition: inThisVpc,
      },
      {
        Sid: "IntoTheQuarantineGroupOnly",
        Effect: "Allow",
        Action: "ec2:ModifyNetworkInterfaceAttribute",
        Resource: ec2Arn(`security-group/${this.quarantine.group.id}`),
      },
      // The Service Authorization Reference lists the instance as a resource of ModifyNetworkInterfaceAttribute
      // (an attached interface). The instance resource has no ec2:Vpc key: the environment tag every egress6
      // resource carries (provider default tags) keeps the function to this environment's instances.
      {
        Sid: "InterfacesOfThisEnvironmentsInstancesOnly",
        Effect: "Allow",
        Action: "ec2:ModifyNetworkInterfaceAttribute",
        Resource: ec2Arn("instance/*"),
        Condition: ofThisEnvironment,
      },
      {
        Sid: "TagIsolatedInstancesOnly",
        Effect: "Allow",
        Action: "ec2:CreateTags",
        Resource: ec2Arn("instance/*"),
        Condition: { ...ofThisEnvironment, "ForAllValues:StringEquals": { "aws:TagKeys": [TAG_QUARANTINED] } },
      },
    ];
    this.role = new IamRole(this, "role", {
      name: functionName,
      description: "egress6 remediation Lambda: revoke open ingress, quarantine instances, in one VPC",
      assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com", { StringEquals: { "aws:SourceAccount": props.accountId } }),
    });
    const rolePolicy = new IamRolePolicy(this, "role-policy", {
      role: this.role.name,
      name: "remediate",
      policy: policyDocument(statements),
    });

    const code = lambdaCode(this, props.codeZip);
    this.function = new LambdaFunction(this, "function", {
      functionName,
      description: "egress6: revoke security group ingress open to the internet; isolate instances named by GuardDuty",
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: code.path,
      sourceCodeHash: code.sourceCodeHash,
      role: this.role.arn,
      timeout: 60,
      memorySize: 256,
      // No reservedConcurrentExecutions: see the note on reserved concurrency above.
      environment: { variables: { QUARANTINE_SECURITY_GROUP_ID: this.quarantine.group.id, VPC_ID: props.vpcId } },
      deadLetterConfig: { targetArn: this.deadLetterQueue.arn },
      loggingConfig: { logFormat: "Text", logGroup: logGroup.logGroup.name },
      dependsOn: [rolePolicy, logGroup.logGroup],
    });
    asyncRetries(this, this.function);

    this.configRule = new CloudwatchEventRule(this, "config-rule", {
      name: `${props.envName}-config-noncompliant-security-group`,
      description: "AWS Config found a security group NON_COMPLIANT with a rule the remediation Lambda fixes",
      eventPattern: JSON.stringify({
        source: [CONFIG_SOURCE],
        "detail-type": [CONFIG_DETAIL_TYPE],
        detail: {
          messageType: ["ComplianceChangeNotification"],
          configRuleName: [...props.securityGroupRuleNames],
          resourceType: ["AWS::EC2::SecurityGroup"],
          newEvaluationResult: { complianceType: ["NON_COMPLIANT"] },
        },
      }),
    });
    this.guardDutyRule = new CloudwatchEventRule(this, "guardduty-rule", {
      name: `${props.envName}-guardduty-high-severity-instance`,
      description: `GuardDuty finding of severity ${HIGH_SEVERITY} or more about an EC2 instance`,
      eventPattern: JSON.stringify({
        source: [GUARDDUTY_SOURCE],
        "detail-type": [GUARDDUTY_DETAIL_TYPE],
        detail: { severity: [{ numeric: [">=", HIGH_SEVERITY] }], resource: { resourceType: ["Instance"] } },
      }),
    });
    invokeFromRules(
      this,
      [
        ["config", this.configRule],
        ["guardduty", this.guardDutyRule],
      ],
      this.function,
      this.deadLetterQueue,
    );

    deadLetterAlarm(this, {
      alarmName: `${props.envName}-remediation-failed`,
      description: "A remediation event failed after every retry and waits in the dead-letter queue",
      queue: this.deadLetterQueue,
      topicArn: props.alarmTopicArn,
    });
  }
}
