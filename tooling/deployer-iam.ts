/**
 * The IAM actions a deployer needs, by the Terraform type that needs them: for every AWS resource type the stacks
 * synthesize, what hashicorp/aws (5.100.0) calls to create, read (refresh), update, tag and delete it, written as the
 * IAM actions of the AWS Service Authorization Reference ("Actions, resources, and condition keys for <service>"),
 * with the other services' actions a call needs on the caller's behalf (iam:PassRole, ssm:GetParameters for
 * resolve:ssm AMIs, iam:CreateServiceLinkedRole, vended log delivery), plus the actions no single resource type owns
 * (the provider's account check, the S3 backend, `terraform_remote_state`). Written entry by entry, not generated.
 *
 * Derived offline, from the reference and the provider's documented behaviour, never from an apply (docs/iam.md,
 * docs/known-limits.md). A test synthesizes the app across modes and options and fails when a resource or data
 * source type appears that has no entry here (__tests__/deployer-iam.test.ts); docs/iam.md is generated from this
 * file (`npm run docs:iam`).
 */

/** Tagging on create and update, and the tag read on refresh, shared by every EC2 resource. */
const EC2_TAGS = ["ec2:CreateTags", "ec2:DeleteTags", "ec2:DescribeTags"];
/** `resolve:ssm:` AMIs: EC2 resolves the parameter with the caller's permission when it launches an instance. */
const SSM_AMI = ["ssm:GetParameters"];
const S3_BUCKET_READ = [
  "s3:ListBucket",
  "s3:GetBucketLocation",
  "s3:GetBucketPolicy",
  "s3:GetBucketAcl",
  "s3:GetBucketCORS",
  "s3:GetBucketWebsite",
  "s3:GetBucketVersioning",
  "s3:GetAccelerateConfiguration",
  "s3:GetBucketRequestPayment",
  "s3:GetBucketLogging",
  "s3:GetLifecycleConfiguration",
  "s3:GetReplicationConfiguration",
  "s3:GetEncryptionConfiguration",
  "s3:GetBucketObjectLockConfiguration",
  "s3:GetBucketTagging",
];
/** Vended log delivery (Network Firewall, Route 53 Resolver query logs) to CloudWatch Logs. */
const VENDED_LOG_DELIVERY = [
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
];
const tags = (service: string) => [`${service}:TagResource`, `${service}:UntagResource`, `${service}:ListTagsForResource`];

/** Terraform resource type (`aws_vpc`) or data source (`data.aws_...`) -> the IAM actions its lifecycle needs. */
export const RESOURCE_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  // ---- EC2 and VPC ----
  aws_vpc: [
    "ec2:CreateVpc",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcAttribute",
    "ec2:ModifyVpcAttribute",
    "ec2:AssociateVpcCidrBlock",
    "ec2:DisassociateVpcCidrBlock",
    "ec2:AllocateIpamPoolCidr",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DeleteVpc",
    ...EC2_TAGS,
  ],
  aws_subnet: [
    "ec2:CreateSubnet",
    "ec2:DescribeSubnets",
    "ec2:ModifySubnetAttribute",
    "ec2:AssociateSubnetCidrBlock",
    "ec2:DisassociateSubnetCidrBlock",
    "ec2:DeleteSubnet",
    ...EC2_TAGS,
  ],
  aws_default_network_acl: [
    "ec2:DescribeNetworkAcls",
    "ec2:CreateNetworkAclEntry",
    "ec2:ReplaceNetworkAclEntry",
    "ec2:DeleteNetworkAclEntry",
    "ec2:ReplaceNetworkAclAssociation",
    ...EC2_TAGS,
  ],
  aws_default_route_table: ["ec2:DescribeRouteTables", "ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute", ...EC2_TAGS],
  aws_default_security_group: [
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    ...EC2_TAGS,
  ],
  aws_egress_only_internet_gateway: [
    "ec2:CreateEgressOnlyInternetGateway",
    "ec2:DescribeEgressOnlyInternetGateways",
    "ec2:DeleteEgressOnlyInternetGateway",
    ...EC2_TAGS,
  ],
  aws_internet_gateway: [
    "ec2:CreateInternetGateway",
    "ec2:AttachInternetGateway",
    "ec2:DescribeInternetGateways",
    "ec2:DetachInternetGateway",
    "ec2:DeleteInternetGateway",
    ...EC2_TAGS,
  ],
  aws_network_acl: [
    "ec2:CreateNetworkAcl",
    "ec2:DescribeNetworkAcls",
    "ec2:ReplaceNetworkAclAssociation",
    "ec2:DeleteNetworkAcl",
    ...EC2_TAGS,
  ],
  aws_network_acl_rule: ["ec2:CreateNetworkAclEntry", "ec2:DescribeNetworkAcls", "ec2:DeleteNetworkAclEntry"],
  aws_route: ["ec2:CreateRoute", "ec2:DescribeRouteTables", "ec2:ReplaceRoute", "ec2:DeleteRoute"],
  aws_route_table: [
    "ec2:CreateRouteTable",
    "ec2:DescribeRouteTables",
    "ec2:CreateRoute",
    "ec2:ReplaceRoute",
    "ec2:DeleteRoute",
    "ec2:DeleteRouteTable",
    ...EC2_TAGS,
  ],
  aws_route_table_association: [
    "ec2:AssociateRouteTable",
    "ec2:DescribeRouteTables",
    "ec2:ReplaceRouteTableAssociation",
    "ec2:DisassociateRouteTable",
  ],
  aws_security_group: [
    "ec2:CreateSecurityGroup",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteSecurityGroup",
    ...EC2_TAGS,
  ],
  aws_network_interface: [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:ModifyNetworkInterfaceAttribute",
    "ec2:AssignIpv6Addresses",
    "ec2:UnassignIpv6Addresses",
    "ec2:DetachNetworkInterface",
    "ec2:DeleteNetworkInterface",
    ...EC2_TAGS,
  ],
  aws_launch_template: [
    "ec2:CreateLaunchTemplate",
    "ec2:CreateLaunchTemplateVersion",
    "ec2:DescribeLaunchTemplates",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:ModifyLaunchTemplate",
    "ec2:DeleteLaunchTemplate",
    ...EC2_TAGS,
  ],
  aws_instance: [
    "ec2:RunInstances",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceAttribute",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeInstanceCreditSpecifications",
    "ec2:DescribeVolumes",
    "ec2:DescribeImages",
    "ec2:ModifyInstanceAttribute",
    "ec2:ModifyInstanceMetadataOptions",
    "ec2:StopInstances",
    "ec2:StartInstances",
    "ec2:TerminateInstances",
    "iam:PassRole",
    ...SSM_AMI,
    ...EC2_TAGS,
  ],
  aws_vpc_endpoint: [
    "ec2:CreateVpcEndpoint",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcEndpointServices",
    "ec2:DescribePrefixLists",
    "ec2:ModifyVpcEndpoint",
    "ec2:DeleteVpcEndpoints",
    "route53:AssociateVPCWithHostedZone",
    ...EC2_TAGS,
  ],
  aws_flow_log: [
    "ec2:CreateFlowLogs",
    "ec2:DescribeFlowLogs",
    "ec2:DeleteFlowLogs",
    "iam:PassRole",
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    ...EC2_TAGS,
  ],

  // ---- AWS Network Firewall ----
  aws_networkfirewall_firewall: [
    "network-firewall:CreateFirewall",
    "network-firewall:DescribeFirewall",
    "network-firewall:AssociateFirewallPolicy",
    "network-firewall:AssociateSubnets",
    "network-firewall:DisassociateSubnets",
    "network-firewall:UpdateFirewallDeleteProtection",
    "network-firewall:UpdateSubnetChangeProtection",
    "network-firewall:UpdateFirewallPolicyChangeProtection",
    "network-firewall:UpdateFirewallDescription",
    "network-firewall:UpdateFirewallEncryptionConfiguration",
    "network-firewall:DeleteFirewall",
    ...tags("network-firewall"),
    "iam:CreateServiceLinkedRole",
  ],
  aws_networkfirewall_firewall_policy: [
    "network-firewall:CreateFirewallPolicy",
    "network-firewall:DescribeFirewallPolicy",
    "network-firewall:UpdateFirewallPolicy",
    "network-firewall:DeleteFirewallPolicy",
    ...tags("network-firewall"),
  ],
  aws_networkfirewall_rule_group: [
    "network-firewall:CreateRuleGroup",
    "network-firewall:DescribeRuleGroup",
    "network-firewall:UpdateRuleGroup",
    "network-firewall:DeleteRuleGroup",
    ...tags("network-firewall"),
  ],
  aws_networkfirewall_logging_configuration: [
    "network-firewall:UpdateLoggingConfiguration",
    "network-firewall:DescribeLoggingConfiguration",
    ...VENDED_LOG_DELIVERY,
  ],
  aws_networkfirewall_tls_inspection_configuration: [
    "network-firewall:CreateTLSInspectionConfiguration",
    "network-firewall:DescribeTLSInspectionConfiguration",
    "network-firewall:UpdateTLSInspectionConfiguration",
    "network-firewall:DeleteTLSInspectionConfiguration",
    ...tags("network-firewall"),
    "acm:DescribeCertificate",
  ],

  // ---- IAM ----
  aws_iam_role: [
    "iam:CreateRole",
    "iam:GetRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:UpdateAssumeRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:DeleteRole",
  ],
  aws_iam_role_policy: ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
  aws_iam_role_policy_attachment: ["iam:AttachRolePolicy", "iam:ListAttachedRolePolicies", "iam:DetachRolePolicy"],
  aws_iam_instance_profile: [
    "iam:CreateInstanceProfile",
    "iam:GetInstanceProfile",
    "iam:AddRoleToInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
    "iam:TagInstanceProfile",
    "iam:UntagInstanceProfile",
    "iam:DeleteInstanceProfile",
  ],

  // ---- KMS ----
  aws_kms_key: [
    "kms:CreateKey",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:UpdateKeyDescription",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
  ],
  aws_kms_alias: ["kms:CreateAlias", "kms:ListAliases", "kms:UpdateAlias", "kms:DeleteAlias"],
  aws_kms_key_policy: ["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey"],

  // ---- S3 ----
  aws_s3_bucket: ["s3:CreateBucket", ...S3_BUCKET_READ, "s3:PutBucketTagging", "s3:DeleteBucket"],
  aws_s3_bucket_lifecycle_configuration: ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
  aws_s3_bucket_logging: ["s3:PutBucketLogging", "s3:GetBucketLogging"],
  aws_s3_bucket_ownership_controls: ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"],
  aws_s3_bucket_policy: ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
  aws_s3_bucket_public_access_block: ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
  aws_s3_bucket_server_side_encryption_configuration: ["s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration"],
  aws_s3_bucket_versioning: ["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
  // The proxies' policy bundle: written SSE-KMS with the inspection key (S3 asks KMS for a data key as the writer).
  aws_s3_object: [
    "s3:PutObject",
    "s3:GetObject",
    "s3:GetObjectTagging",
    "s3:PutObjectTagging",
    "s3:DeleteObject",
    "kms:GenerateDataKey",
    "kms:Decrypt",
  ],

  // ---- CloudWatch Logs, CloudWatch, EventBridge ----
  aws_cloudwatch_log_group: [
    "logs:CreateLogGroup",
    "logs:DescribeLogGroups",
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
    "logs:AssociateKmsKey",
    "logs:DisassociateKmsKey",
    ...tags("logs"),
    "logs:DeleteLogGroup",
  ],
  aws_cloudwatch_log_metric_filter: ["logs:PutMetricFilter", "logs:DescribeMetricFilters", "logs:DeleteMetricFilter"],
  aws_cloudwatch_metric_alarm: ["cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", ...tags("cloudwatch"), "cloudwatch:DeleteAlarms"],
  aws_cloudwatch_event_rule: [
    "events:PutRule",
    "events:DescribeRule",
    "events:EnableRule",
    "events:DisableRule",
    ...tags("events"),
    "events:DeleteRule",
  ],
  aws_cloudwatch_event_target: ["events:PutTargets", "events:ListTargetsByRule", "events:RemoveTargets"],

  // ---- Lambda, SNS, SQS ----
  aws_lambda_function: [
    "lambda:CreateFunction",
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:ListVersionsByFunction",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:TagResource",
    "lambda:UntagResource",
    "lambda:ListTags",
    "lambda:DeleteFunction",
    "iam:PassRole",
  ],
  aws_lambda_function_event_invoke_config: [
    "lambda:PutFunctionEventInvokeConfig",
    "lambda:GetFunctionEventInvokeConfig",
    "lambda:UpdateFunctionEventInvokeConfig",
    "lambda:DeleteFunctionEventInvokeConfig",
  ],
  aws_lambda_permission: ["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"],
  aws_sns_topic: ["sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", ...tags("sns"), "sns:DeleteTopic"],
  aws_sns_topic_policy: ["sns:SetTopicAttributes", "sns:GetTopicAttributes"],
  aws_sns_topic_subscription: ["sns:Subscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:Unsubscribe"],
  aws_sqs_queue: [
    "sqs:CreateQueue",
    "sqs:GetQueueAttributes",
    "sqs:SetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:TagQueue",
    "sqs:UntagQueue",
    "sqs:ListQueueTags",
    "sqs:DeleteQueue",
  ],
  aws_sqs_queue_policy: ["sqs:SetQueueAttributes", "sqs:GetQueueAttributes"],

  // ---- Account security services ----
  aws_cloudtrail: [
    "cloudtrail:CreateTrail",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrail",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetInsightSelectors",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:UpdateTrail",
    "cloudtrail:StartLogging",
    "cloudtrail:StopLogging",
    "cloudtrail:AddTags",
    "cloudtrail:RemoveTags",
    "cloudtrail:ListTags",
    "cloudtrail:DeleteTrail",
    "iam:PassRole",
  ],
  aws_config_configuration_recorder: [
    "config:PutConfigurationRecorder",
    "config:DescribeConfigurationRecorders",
    "config:DeleteConfigurationRecorder",
    "iam:PassRole",
  ],
  aws_config_configuration_recorder_status: [
    "config:StartConfigurationRecorder",
    "config:StopConfigurationRecorder",
    "config:DescribeConfigurationRecorderStatus",
  ],
  aws_config_delivery_channel: ["config:PutDeliveryChannel", "config:DescribeDeliveryChannels", "config:DeleteDeliveryChannel"],
  aws_config_config_rule: ["config:PutConfigRule", "config:DescribeConfigRules", ...tags("config"), "config:DeleteConfigRule"],
  aws_guardduty_detector: [
    "guardduty:CreateDetector",
    "guardduty:GetDetector",
    "guardduty:ListDetectors",
    "guardduty:UpdateDetector",
    ...tags("guardduty"),
    "guardduty:DeleteDetector",
    "iam:CreateServiceLinkedRole",
  ],
  aws_guardduty_detector_feature: ["guardduty:UpdateDetector", "guardduty:GetDetector", "iam:CreateServiceLinkedRole"],
  aws_inspector2_enabler: ["inspector2:Enable", "inspector2:Disable", "inspector2:BatchGetAccountStatus", "iam:CreateServiceLinkedRole"],

  // ---- Route 53 Resolver DNS Firewall and query logs ----
  aws_route53_resolver_firewall_config: [
    "route53resolver:UpdateFirewallConfig",
    "route53resolver:GetFirewallConfig",
    "route53resolver:ListFirewallConfigs",
  ],
  aws_route53_resolver_firewall_domain_list: [
    "route53resolver:CreateFirewallDomainList",
    "route53resolver:GetFirewallDomainList",
    "route53resolver:UpdateFirewallDomains",
    "route53resolver:ListFirewallDomains",
    ...tags("route53resolver"),
    "route53resolver:DeleteFirewallDomainList",
  ],
  aws_route53_resolver_firewall_rule: [
    "route53resolver:CreateFirewallRule",
    "route53resolver:ListFirewallRules",
    "route53resolver:UpdateFirewallRule",
    "route53resolver:DeleteFirewallRule",
  ],
  aws_route53_resolver_firewall_rule_group: [
    "route53resolver:CreateFirewallRuleGroup",
    "route53resolver:GetFirewallRuleGroup",
    ...tags("route53resolver"),
    "route53resolver:DeleteFirewallRuleGroup",
  ],
  aws_route53_resolver_firewall_rule_group_association: [
    "route53resolver:AssociateFirewallRuleGroup",
    "route53resolver:GetFirewallRuleGroupAssociation",
    "route53resolver:UpdateFirewallRuleGroupAssociation",
    ...tags("route53resolver"),
    "route53resolver:DisassociateFirewallRuleGroup",
  ],
  aws_route53_resolver_query_log_config: [
    "route53resolver:CreateResolverQueryLogConfig",
    "route53resolver:GetResolverQueryLogConfig",
    ...tags("route53resolver"),
    "route53resolver:DeleteResolverQueryLogConfig",
    ...VENDED_LOG_DELIVERY,
  ],
  aws_route53_resolver_query_log_config_association: [
    "route53resolver:AssociateResolverQueryLogConfig",
    "route53resolver:GetResolverQueryLogConfigAssociation",
    "route53resolver:DisassociateResolverQueryLogConfig",
  ],

  // ---- Terraform's own data source ----
  // Reads another stack's state from the S3 backend (or a local file): the state actions below, read side.
  "data.terraform_remote_state": ["s3:ListBucket", "s3:GetObject", "kms:Decrypt"],
};

/** Actions no single resource type owns. */
export const GENERAL_ACTIONS: readonly { readonly purpose: string; readonly actions: readonly string[] }[] = [
  {
    purpose: "the provider: `allowed_account_ids` (`accountId`) compares the caller's account before any change",
    actions: ["sts:GetCallerIdentity"],
  },
  {
    purpose:
      "the S3 backend (`backend.type: s3`): state and its lock file (`use_lockfile`) under `<keyPrefix><env>/`, encrypted with the state key",
    actions: ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
  },
];

/**
 * `iam:PassRole` is granted only towards the services whose roles egress6 creates (the trust policies in modules/):
 * instance profiles (EC2), the remediation function (Lambda), flow logs, AWS Config's recorder and CloudTrail.
 */
export const PASS_ROLE_SERVICES = [
  "ec2.amazonaws.com",
  "lambda.amazonaws.com",
  "vpc-flow-logs.amazonaws.com",
  "config.amazonaws.com",
  "cloudtrail.amazonaws.com",
] as const;

/** The AWS service of an action's prefix, as the Service Authorization Reference names it. */
export const SERVICE_NAMES: Readonly<Record<string, string>> = {
  acm: "AWS Certificate Manager",
  cloudtrail: "AWS CloudTrail",
  cloudwatch: "Amazon CloudWatch",
  config: "AWS Config",
  ec2: "Amazon EC2",
  events: "Amazon EventBridge",
  guardduty: "Amazon GuardDuty",
  iam: "AWS Identity and Access Management (IAM)",
  inspector2: "Amazon Inspector",
  kms: "AWS Key Management Service",
  lambda: "AWS Lambda",
  logs: "Amazon CloudWatch Logs",
  "network-firewall": "AWS Network Firewall",
  route53: "Amazon Route 53",
  route53resolver: "Amazon Route 53 Resolver",
  s3: "Amazon S3",
  sns: "Amazon SNS",
  sqs: "Amazon SQS",
  ssm: "AWS Systems Manager",
  sts: "AWS Security Token Service",
};

/** Every action, by service prefix, each once, sorted; with the Terraform types (or purposes) that need it. */
export function actionsByService(): Map<string, Map<string, Set<string>>> {
  const out = new Map<string, Map<string, Set<string>>>();
  const add = (action: string, by: string) => {
    const service = action.split(":")[0];
    if (!out.has(service)) out.set(service, new Map());
    const actions = out.get(service)!;
    if (!actions.has(action)) actions.set(action, new Set());
    actions.get(action)!.add(by);
  };
  for (const [type, actions] of Object.entries(RESOURCE_ACTIONS)) for (const a of actions) add(a, type);
  GENERAL_ACTIONS.forEach((g, i) => g.actions.forEach((a) => add(a, `general:${i}`)));
  return new Map(
    [...out.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, actions]) => [service, new Map([...actions.entries()].sort(([a], [b]) => a.localeCompare(b)))]),
  );
}

/** IAM's limit on a customer managed policy document: 6,144 characters, whitespace not counted (IAM quotas). */
export const MANAGED_POLICY_MAX_CHARS = 6144;

interface Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: "*";
  Condition?: Record<string, Record<string, string[]>>;
}
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

/** Characters IAM counts: the JSON without whitespace. */
export function policySize(policy: PolicyDocument): number {
  return JSON.stringify(policy).length;
}

/**
 * The example deployer policy: one statement per service, `iam:PassRole` apart with its `iam:PassedToService`
 * condition, split into as few managed policies as fit IAM's size limit (services kept whole, in order).
 */
export function examplePolicies(): PolicyDocument[] {
  const statements: Statement[] = [];
  for (const [service, actions] of actionsByService()) {
    const names = [...actions.keys()].filter((a) => a !== "iam:PassRole");
    const sid = service.replace(/[^A-Za-z0-9]/g, "").replace(/^./, (c) => c.toUpperCase());
    if (names.length > 0) statements.push({ Sid: sid, Effect: "Allow", Action: names, Resource: "*" });
    if (actions.has("iam:PassRole")) {
      statements.push({
        Sid: "IamPassRoleToEgress6Services",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: "*",
        Condition: { StringEquals: { "iam:PassedToService": [...PASS_ROLE_SERVICES] } },
      });
    }
  }
  const policies: PolicyDocument[] = [];
  for (const statement of statements) {
    const last = policies[policies.length - 1];
    if (last && policySize({ ...last, Statement: [...last.Statement, statement] }) <= MANAGED_POLICY_MAX_CHARS)
      last.Statement.push(statement);
    else policies.push({ Version: "2012-10-17", Statement: [statement] });
  }
  return policies;
}
