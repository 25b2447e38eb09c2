import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Cloudtrail } from "@cdktf/provider-aws/lib/cloudtrail";
import { GuarddutyDetector } from "@cdktf/provider-aws/lib/guardduty-detector";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Inspector2Enabler } from "@cdktf/provider-aws/lib/inspector2-enabler";
import { Route53ResolverFirewallConfig } from "@cdktf/provider-aws/lib/route53-resolver-firewall-config";
import { Route53ResolverFirewallRule } from "@cdktf/provider-aws/lib/route53-resolver-firewall-rule";
import { demoConfig, resources, synthAll, synthStack, type TfJson } from "./helpers";
import { INSPECTION_MODES, modeProfile } from "../config/modes";
import { logGroupNames, STACKS } from "../lib/names";
import { FLOW_LOG_FIELDS } from "../modules/observability/flow-logs";
import { ACCESS_LOG_FIELDS } from "../modules/proxy/squid-conf";
import { dnsFirewallDomains } from "../modules/observability/dns-firewall";
import { remediationZip } from "../stacks/observability-stack";
import { classify } from "../lambda/remediation/events";
import { INTERNET_INGRESS_PORTS, authorizedPortParameters } from "../modules/observability/config-recorder";
import { INBOUND_DROP_SIDS, baselineRules } from "../modules/firewall/suricata-rules";

const demo = demoConfig();
const obs = synthStack(demo, "observability");
const tfString = JSON.stringify(obs);
const logs = logGroupNames("demo");

const KEY_ARN = "${aws_kms_key.audit_key.arn}";
const ACCOUNT = "${local.audit_key_account_id}";
const TOPIC_ARN = "${aws_sns_topic.alarm_topic.arn}";
const net = (output: string) => `\${data.terraform_remote_state.network.outputs.${output}}`;

const policyOf = (json: string) => JSON.parse(json) as { Statement: any[] };
const statement = (json: string, sid: string) => policyOf(json).Statement.find((s) => s.Sid === sid);
const keyPolicy = (tf: TfJson) => resources(tf, "aws_kms_key_policy").audit_key_policy.policy as string;
/** The alarms of a stack by logical id, each with the patterns of its metric filters. */
function alarms(tf: TfJson): Record<string, { alarm: any; filters: any[] }> {
  const out: Record<string, { alarm: any; filters: any[] }> = {};
  const filters = Object.values(resources(tf, "aws_cloudwatch_log_metric_filter"));
  for (const [id, alarm] of Object.entries(resources(tf, "aws_cloudwatch_metric_alarm"))) {
    out[id.replace(/_alarm$/, "")] = { alarm, filters: filters.filter((f) => f.metric_transformation.name === alarm.metric_name) };
  }
  return out;
}
/** Splits a space-delimited filter pattern `[a, b="x", ...]` into `field -> condition`. */
function delimitedPattern(pattern: string): [string, string][] {
  expect(pattern.startsWith("[") && pattern.endsWith("]")).toBe(true);
  return pattern
    .slice(1, -1)
    .split(", ")
    .map((term) => {
      const m = /^([a-z_]+)(.*)$/.exec(term)!;
      return [m[1], m[2]];
    });
}

describe("the audit KMS key", () => {
  test("rotates, and the account id is read from its own ARN (no aws_caller_identity lookup)", () => {
    expect(tfString).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
    expect((obs as any).locals).toEqual({ audit_key_account_id: '${element(split(":", aws_kms_key.audit_key.arn), 4)}' });
    expect(Object.keys(obs.data ?? {})).toEqual(["terraform_remote_state"]);
    expect(Object.keys(obs.data!.terraform_remote_state)).toEqual(["network"]);
  });

  test("lets CloudWatch Logs use it for this stack's log groups only, and CloudWatch alarms publish to the encrypted topic", () => {
    const logsGrant = statement(keyPolicy(obs), "CloudWatchLogsEncryptsOurGroups");
    expect(logsGrant.Principal).toEqual({ Service: "logs.us-east-1.amazonaws.com" });
    expect(logsGrant.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"].sort()).toEqual(
      [
        logs.vpcFlowLogs,
        logs.dnsQueryLogs,
        logs.cloudTrail,
        "/aws/lambda/demo-egress6-remediation",
        "/aws/lambda/demo-egress6-proxy-failover",
      ]
        .map((n) => `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${n}`)
        .sort(),
    );
    expect(statement(keyPolicy(obs), "CloudWatchAlarmsPublishToEncryptedTopic")).toMatchObject({
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
    });
    expect(statement(keyPolicy(obs), "AccountAdministersKeyThroughIam").Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
  });
});

describe("VPC flow logs", () => {
  const flow = resources(obs, "aws_flow_log");

  test("record all traffic of the VPC at 60-second aggregation", () => {
    expect(tfString).toHaveResourceWithProperties(FlowLog, {
      vpc_id: net("vpc_id"),
      traffic_type: "ALL",
      max_aggregation_interval: 60,
      log_destination_type: "cloud-watch-logs",
      log_destination: "${aws_cloudwatch_log_group.flow_logs_log_group.arn}",
    });
  });

  test("use a custom format with pkt-srcaddr, pkt-dstaddr, flow-direction, traffic-path and tcp-flags", () => {
    const format: string = flow.flow_logs_cloudwatch.log_format;
    // `$${...}` is Terraform's escape: AWS receives `${field}`.
    const fields = format.split(" ").map((f) => /^\$\$\{([a-z0-9-]+)\}$/.exec(f)![1]);
    expect(fields).toEqual([...FLOW_LOG_FIELDS]);
    for (const f of ["pkt-srcaddr", "pkt-dstaddr", "flow-direction", "traffic-path", "tcp-flags"]) expect(fields).toContain(f);
  });

  test("go to a KMS-encrypted log group kept at least 365 days", () => {
    expect(tfString).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: logs.vpcFlowLogs,
      retention_in_days: 365,
      kms_key_id: KEY_ARN,
    });
    const longer = synthStack(demoConfig({ observability: { flowLogs: { retentionDays: 731 } } }), "observability");
    expect(resources(longer, "aws_cloudwatch_log_group").flow_logs_log_group.retention_in_days).toBe(731);
    expect(() => demoConfig({ observability: { flowLogs: { retentionDays: 180 } } })).toThrow(
      /flowLogs\.retentionDays: must be at least 365 days/,
    );
  });

  test("are written by a role only the flow log service of this account can assume", () => {
    const role = resources(obs, "aws_iam_role").flow_logs_role;
    expect(JSON.parse(role.assume_role_policy).Statement[0]).toMatchObject({
      Principal: { Service: "vpc-flow-logs.amazonaws.com" },
      Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
    });
    expect(flow.flow_logs_cloudwatch.iam_role_arn).toBe("${aws_iam_role.flow_logs_role.arn}");
  });

  test("the role holds every action the VPC user guide lists for publishing to CloudWatch Logs, DescribeLogGroups included", () => {
    const policy = JSON.parse(resources(obs, "aws_iam_role_policy").flow_logs_role_policy.policy);
    const actions = policy.Statement.flatMap((st: any) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
    expect(actions.sort()).toEqual([
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]);
    const describeGroups = policy.Statement.find((st: any) => [st.Action].flat().includes("logs:DescribeLogGroups"));
    expect(describeGroups.Resource).toBe(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:*`);
  });

  test("go to S3 as Parquet with hourly Hive partitions only when asked, into a hardened bucket", () => {
    expect(Object.keys(flow)).toEqual(["flow_logs_cloudwatch"]);
    const tf = synthStack(demoConfig({ observability: { flowLogs: { s3Parquet: true } } }), "observability");
    const s3 = resources(tf, "aws_flow_log").flow_logs_s3_parquet;
    expect(s3).toMatchObject({
      vpc_id: net("vpc_id"),
      traffic_type: "ALL",
      max_aggregation_interval: 60,
      log_destination_type: "s3",
      log_destination: "${aws_s3_bucket.flow_log_bucket.arn}/vpc-flow-logs/",
      destination_options: { file_format: "parquet", hive_compatible_partitions: true, per_hour_partition: true },
    });
    expect(s3.log_format).toBe(resources(tf, "aws_flow_log").flow_logs_cloudwatch.log_format);
    expect(resources(tf, "aws_s3_bucket_public_access_block").flow_log_bucket_public_access).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const write = statement(resources(tf, "aws_s3_bucket_policy").flow_log_bucket_policy.policy, "FlowLogDeliveryWrite");
    expect(write).toMatchObject({ Principal: { Service: "delivery.logs.amazonaws.com" }, Action: "s3:PutObject" });
    // With Hive-compatible partitions AWS writes AWSLogs/aws-account-id=<account>/aws-service=vpcflowlogs/... .
    expect(write.Resource).toBe(
      `\${aws_s3_bucket.flow_log_bucket.arn}/vpc-flow-logs/AWSLogs/aws-account-id=${ACCOUNT}/aws-service=vpcflowlogs/*`,
    );
    const fromThisAccount = {
      StringEquals: { "aws:SourceAccount": ACCOUNT },
      ArnLike: { "aws:SourceArn": `arn:aws:logs:us-east-1:${ACCOUNT}:*` },
    };
    expect(write.Condition).toEqual({
      ...fromThisAccount,
      StringEquals: { ...fromThisAccount.StringEquals, "s3:x-amz-acl": "bucket-owner-full-control" },
    });
    expect(statement(resources(tf, "aws_s3_bucket_policy").flow_log_bucket_policy.policy, "FlowLogDeliveryCheck")).toMatchObject({
      Resource: "${aws_s3_bucket.flow_log_bucket.arn}",
      Condition: fromThisAccount,
    });
    expect(statement(keyPolicy(tf), "LogDeliveryEncryptsFlowLogs").Principal).toEqual({ Service: "delivery.logs.amazonaws.com" });
    expect(statement(keyPolicy(obs), "LogDeliveryEncryptsFlowLogs")).toBeUndefined();
  });
});

describe("alarms", () => {
  test("publish to an SNS topic encrypted with the audit key", () => {
    expect(tfString).toHaveResourceWithProperties(SnsTopic, { name: "demo-egress6-alarms", kms_master_key_id: KEY_ARN });
    for (const { alarm } of Object.values(alarms(obs))) expect(alarm.alarm_actions).toEqual([TOPIC_ARN]);
  });

  test("e-mail the configured address", () => {
    expect(Object.keys(resources(obs, "aws_sns_topic_subscription"))).toHaveLength(0);
    const tf = synthStack(demoConfig({ observability: { alarmEmail: "soc@example.com" } }), "observability");
    expect(Object.values(resources(tf, "aws_sns_topic_subscription"))).toEqual([
      expect.objectContaining({ topic_arn: TOPIC_ARN, protocol: "email", endpoint: "soc@example.com" }),
    ]);
  });

  test.each([
    [
      "firewall-proxy",
      [
        "firewall_alerts",
        "firewall_drops",
        "ipv6_rejects_at_interfaces",
        "proxy_denials",
        "proxy_failover_a_1_heartbeat",
        "proxy_failover_a_2_heartbeat",
        "proxy_failover_a_no_healthy_proxy",
        "proxy_failover_b_1_heartbeat",
        "proxy_failover_b_2_heartbeat",
        "proxy_failover_b_no_healthy_proxy",
        "proxy_failover_dead_letter",
        "proxy_policy_apply",
        "remediation_dead_letter",
        "root_account_use",
        "workload_ipv4_flows",
      ],
    ],
    [
      "proxy",
      [
        "ipv6_rejects_at_interfaces",
        "proxy_denials",
        "proxy_failover_a_1_heartbeat",
        "proxy_failover_a_2_heartbeat",
        "proxy_failover_a_no_healthy_proxy",
        "proxy_failover_b_1_heartbeat",
        "proxy_failover_b_2_heartbeat",
        "proxy_failover_b_no_healthy_proxy",
        "proxy_failover_dead_letter",
        "proxy_policy_apply",
        "remediation_dead_letter",
        "root_account_use",
        "workload_ipv4_flows",
      ],
    ],
    [
      "firewall-igw",
      [
        "firewall_alerts",
        "firewall_drops",
        "internet_probes_dropped",
        "ipv6_rejects_at_interfaces",
        "remediation_dead_letter",
        "root_account_use",
        "workload_ipv4_flows",
      ],
    ],
  ])("%s: one alarm per thing the mode can report", (mode, expected) => {
    const tf = synthStack(demoConfig({ inspection: { mode } }), "observability");
    expect(Object.keys(alarms(tf)).sort()).toEqual(expected);
  });

  test("every log alarm fires on the first matching event", () => {
    for (const [id, { alarm, filters }] of Object.entries(alarms(obs))) {
      // Not log alarms: the dead-letter queues' and the proxies' heartbeat alarms (test/unit/.../proxy-failover.test.ts).
      if (id.endsWith("dead_letter") || id.startsWith("proxy_failover_")) continue;
      expect(filters.length).toBeGreaterThan(0);
      expect(alarm).toMatchObject({
        namespace: "egress6/demo",
        statistic: "Sum",
        threshold: 1,
        comparison_operator: "GreaterThanOrEqualToThreshold",
        treat_missing_data: "notBreaching",
      });
      for (const f of filters) expect(f.metric_transformation).toMatchObject({ namespace: "egress6/demo", value: "1" });
    }
  });

  test("IPv6 rejects at interfaces: named for what flow logs can see (ingress REJECT at an ENI), not 'from the internet'", () => {
    // A connection opened from the internet stops at the egress-only gateway (or Network Firewall in firewall-igw)
    // and reaches no interface, so no flow-log REJECT records it: the alarm must not claim to count those.
    const { alarm, filters } = alarms(obs).ipv6_rejects_at_interfaces;
    expect(alarm.alarm_description).not.toMatch(/internet tried/);
    expect(alarm.alarm_description).toMatch(/security group or network ACL rejected/);
    const [filter] = filters;
    expect(filter.log_group_name).toBe(logs.vpcFlowLogs);
    const terms = delimitedPattern(filter.pattern);
    expect(terms.map(([f]) => f)).toEqual(FLOW_LOG_FIELDS.map((f) => f.replace(/-/g, "_")));
    expect(terms.filter(([, c]) => c !== "")).toEqual([
      ["action", '="REJECT"'],
      ["type", '="IPv6"'],
      ["flow_direction", '="ingress"'],
    ]);
  });

  test("IPv4 leaving a workload subnet: one filter per workload subnet, egress, the record's type IPv4 (no wildcard)", () => {
    const { filters } = alarms(obs).workload_ipv4_flows;
    expect(filters.map((f) => delimitedPattern(f.pattern).filter(([, c]) => c !== ""))).toEqual(
      ["a", "b"].map((az) => [
        ["subnet_id", `="${net(`workload_subnet_id_${az}`)}"`],
        ["type", '="IPv4"'],
        ["flow_direction", '="egress"'],
      ]),
    );
  });

  test("every flow-log filter value is a quoted exact string (no unquoted value with : or ., no wildcard)", () => {
    for (const tf of INSPECTION_MODES.map((mode) => synthStack(demoConfig({ inspection: { mode } }), "observability"))) {
      for (const f of Object.values(resources(tf, "aws_cloudwatch_log_metric_filter")).filter(
        (f: any) => f.log_group_name === logs.vpcFlowLogs,
      )) {
        for (const [, c] of delimitedPattern(f.pattern).filter(([, c]) => c !== "")) expect(c).toMatch(/^="[^"*]+"$/);
      }
    }
  });

  test("firewall-igw: internet probes the firewall dropped (its inbound-drop rules' signature ids) have their own alarm", () => {
    const igw = alarms(synthStack(demoConfig({ inspection: { mode: "firewall-igw" } }), "observability"));
    expect(igw.internet_probes_dropped.filters.map((f) => [f.log_group_name, f.pattern])).toEqual(
      INBOUND_DROP_SIDS.map((sid) => [
        logs.firewallAlert,
        `{ $.event.event_type = "alert" && $.event.alert.action = "blocked" && $.event.alert.signature_id = ${sid} }`,
      ]),
    );
    expect(baselineRules()).toContain(
      `"egress6: TCP connection opened from outside the VPC"; flow:to_server; sid:${INBOUND_DROP_SIDS[0]};`,
    );
    expect(baselineRules()).toContain(`"egress6: UDP from outside the VPC"; flow:to_server; sid:${INBOUND_DROP_SIDS[1]};`);
    // The other modes have an egress-only gateway: nothing from the internet reaches a firewall there.
    expect(alarms(obs).internet_probes_dropped).toBeUndefined();
  });

  test("Network Firewall drops and alerts are read from the inspection stack's alert log group", () => {
    const a = alarms(obs);
    expect(a.firewall_drops.filters.map((f) => [f.log_group_name, f.pattern])).toEqual([
      [logs.firewallAlert, '{ $.event.event_type = "alert" && $.event.alert.action = "blocked" }'],
    ]);
    expect(a.firewall_alerts.filters.map((f) => [f.log_group_name, f.pattern])).toEqual([
      [logs.firewallAlert, '{ $.event.event_type = "alert" && $.event.alert.action = "allowed" }'],
    ]);
  });

  test("proxy denials match the result field of the proxy's own access log format", () => {
    const [filter] = alarms(obs).proxy_denials.filters;
    expect(filter.log_group_name).toBe(logs.proxyAccess);
    const terms = delimitedPattern(filter.pattern);
    expect(terms.map(([f]) => f)).toEqual([...ACCESS_LOG_FIELDS]);
    expect(terms.filter(([, c]) => c !== "")).toEqual([["result", "=*DENIED*"]]);
  });

  test("root account use is read from the trail's log group (CIS pattern)", () => {
    const [filter] = alarms(obs).root_account_use.filters;
    expect(filter.log_group_name).toBe(logs.cloudTrail);
    expect(filter.pattern).toBe(
      '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    );
  });
});

describe("CloudTrail", () => {
  test("multi-Region, log file validation, KMS, CloudWatch Logs, into the audit bucket", () => {
    expect(tfString).toHaveResourceWithProperties(Cloudtrail, {
      name: "demo-egress6",
      is_multi_region_trail: true,
      include_global_service_events: true,
      enable_log_file_validation: true,
      kms_key_id: KEY_ARN,
      s3_bucket_name: "${aws_s3_bucket.audit_bucket.id}",
      cloud_watch_logs_group_arn: "${aws_cloudwatch_log_group.cloudtrail_log_group.arn}:*",
      cloud_watch_logs_role_arn: "${aws_iam_role.cloudtrail_cloudwatch_role.arn}",
    });
    expect(resources(obs, "aws_cloudwatch_log_group").cloudtrail_log_group).toMatchObject({ kms_key_id: KEY_ARN, retention_in_days: 365 });
  });

  test("announces delivered log files on its own encrypted topic, which only this trail may publish to", () => {
    const trailArn = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/demo-egress6`;
    expect(resources(obs, "aws_cloudtrail").cloudtrail.sns_topic_name).toBe("${aws_sns_topic.cloudtrail_delivery_topic.name}");
    expect(resources(obs, "aws_sns_topic").cloudtrail_delivery_topic).toMatchObject({
      name: "demo-egress6-trail-delivery",
      kms_master_key_id: KEY_ARN,
    });
    const publish = statement(resources(obs, "aws_sns_topic_policy").cloudtrail_delivery_topic_policy.policy, "CloudTrailPublishes");
    expect(publish).toMatchObject({
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "sns:Publish",
      Condition: { StringEquals: { "aws:SourceArn": trailArn } },
    });
    expect(statement(keyPolicy(obs), "CloudTrailPublishesToItsEncryptedTopic").Condition).toEqual({
      StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": `arn:aws:sns:us-east-1:${ACCOUNT}:demo-egress6-trail-delivery` },
    });
  });

  test("the audit bucket is versioned, KMS-encrypted, private, owner-enforced and TLS-only", () => {
    expect(resources(obs, "aws_s3_bucket_versioning").audit_bucket_versioning.versioning_configuration).toEqual({ status: "Enabled" });
    expect(resources(obs, "aws_s3_bucket_server_side_encryption_configuration").audit_bucket_encryption.rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY_ARN }, bucket_key_enabled: true },
    ]);
    expect(resources(obs, "aws_s3_bucket_public_access_block").audit_bucket_public_access).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(resources(obs, "aws_s3_bucket_ownership_controls").audit_bucket_ownership.rule).toEqual({
      object_ownership: "BucketOwnerEnforced",
    });
    const policy = resources(obs, "aws_s3_bucket_policy").audit_bucket_policy.policy;
    expect(statement(policy, "DenyInsecureTransport")).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  test("only this trail may write to the bucket and use the key (aws:SourceArn)", () => {
    const trailArn = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/demo-egress6`;
    const policy = resources(obs, "aws_s3_bucket_policy").audit_bucket_policy.policy;
    expect(statement(policy, "CloudTrailWrite").Condition.StringEquals["aws:SourceArn"]).toBe(trailArn);
    expect(statement(policy, "CloudTrailAclCheck").Condition.StringEquals["aws:SourceArn"]).toBe(trailArn);
    expect(statement(keyPolicy(obs), "CloudTrailEncryptsLogs").Condition.StringEquals["aws:SourceArn"]).toBe(trailArn);
  });

  test("create: false leaves the account's trail alone; the root alarm follows an existing log group if named", () => {
    const none = synthStack(demoConfig({ observability: { cloudTrail: { create: false } } }), "observability");
    expect(Object.keys(resources(none, "aws_cloudtrail"))).toHaveLength(0);
    expect(alarms(none).root_account_use).toBeUndefined();
    expect(statement(keyPolicy(none), "CloudTrailEncryptsLogs")).toBeUndefined();
    const existing = synthStack(
      demoConfig({ observability: { cloudTrail: { create: false, existingLogGroupName: "org-trail" } } }),
      "observability",
    );
    expect(alarms(existing).root_account_use.filters.map((f) => f.log_group_name)).toEqual(["org-trail"]);
  });
});

describe("GuardDuty", () => {
  test("a detector publishing every 15 minutes with the configured features", () => {
    expect(tfString).toHaveResourceWithProperties(GuarddutyDetector, { enable: true, finding_publishing_frequency: "FIFTEEN_MINUTES" });
    const features = Object.values(resources(obs, "aws_guardduty_detector_feature")).map((f) => `${f.name}=${f.status}`);
    expect(features.sort()).toEqual(["EBS_MALWARE_PROTECTION=ENABLED", "RUNTIME_MONITORING=DISABLED", "S3_DATA_EVENTS=ENABLED"]);
    const tf = synthStack(
      demoConfig({ observability: { guardDuty: { features: { runtimeMonitoring: true, s3DataEvents: false } } } }),
      "observability",
    );
    const runtime = resources(tf, "aws_guardduty_detector_feature").guardduty_runtime_monitoring;
    expect(runtime).toMatchObject({ status: "ENABLED", additional_configuration: [{ name: "EC2_AGENT_MANAGEMENT", status: "ENABLED" }] });
    expect(resources(tf, "aws_guardduty_detector_feature").guardduty_s3_data_events.status).toBe("DISABLED");
  });

  test("create: false creates no detector, but findings of the existing one still reach the remediation", () => {
    const tf = synthStack(demoConfig({ observability: { guardDuty: { create: false } } }), "observability");
    expect(Object.keys(resources(tf, "aws_guardduty_detector"))).toHaveLength(0);
    expect(Object.keys(resources(tf, "aws_guardduty_detector_feature"))).toHaveLength(0);
    expect(resources(tf, "aws_cloudwatch_event_rule").remediation_guardduty_rule).toBeDefined();
  });
});

describe("AWS Config", () => {
  const rules = resources(obs, "aws_config_config_rule");

  test("a recorder of every resource type, a delivery channel to the audit bucket (KMS), and the recorder switched on", () => {
    expect(resources(obs, "aws_config_configuration_recorder").config_recorder).toMatchObject({
      recording_group: { all_supported: true, include_global_resource_types: true },
    });
    expect(resources(obs, "aws_config_delivery_channel").config_delivery_channel).toMatchObject({
      s3_bucket_name: "${aws_s3_bucket.audit_bucket.id}",
      s3_kms_key_arn: KEY_ARN,
    });
    expect(resources(obs, "aws_config_configuration_recorder_status").config_recorder_status).toMatchObject({
      is_enabled: true,
      depends_on: ["aws_config_delivery_channel.config_delivery_channel"],
    });
  });

  test("the managed rules the issue asks for, plus the open-ports rule that feeds the remediation", () => {
    const ids = Object.values(rules).map((r) => `${r.name}=${r.source.source_identifier}`);
    expect(ids.sort()).toEqual([
      "demo-ec2-imdsv2-check=EC2_IMDSV2_CHECK",
      "demo-netfw-logging-enabled=NETFW_LOGGING_ENABLED",
      "demo-restricted-ssh=INCOMING_SSH_DISABLED",
      "demo-subnet-auto-assign-public-ip-disabled=SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED",
      "demo-vpc-default-security-group-closed=VPC_DEFAULT_SECURITY_GROUP_CLOSED",
      "demo-vpc-flow-logs-enabled=VPC_FLOW_LOGS_ENABLED",
      "demo-vpc-sg-open-only-to-authorized-ports=VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
    ]);
    for (const r of Object.values(rules)) expect(r.source.owner).toBe("AWS");
    expect(JSON.parse(rules.config_vpc_flow_logs_enabled.input_parameters)).toEqual({ trafficType: "ALL" });
  });

  test("vpc-sg-open-only-to-authorized-ports authorizes exactly the TCP/UDP ports egress6's groups open to the internet: none", () => {
    const open: string[] = [];
    for (const mode of INSPECTION_MODES) {
      for (const [stack, tf] of Object.entries(synthAll(demoConfig({ inspection: { mode } })))) {
        for (const [id, sg] of Object.entries(resources(tf, "aws_security_group"))) {
          for (const r of sg.ingress ?? []) {
            const anyone = (r.cidr_blocks ?? []).includes("0.0.0.0/0") || (r.ipv6_cidr_blocks ?? []).includes("::/0");
            if (anyone && ["tcp", "udp", "-1", "6", "17"].includes(String(r.protocol)))
              open.push(`${mode} ${stack} ${id} ${r.protocol} ${r.from_port}-${r.to_port}`);
          }
        }
      }
    }
    expect(open).toEqual([]);
    expect(INTERNET_INGRESS_PORTS).toEqual({ tcp: [], udp: [] });
    expect(rules.config_vpc_sg_open_only_to_authorized_ports.input_parameters).toBeUndefined();
    expect(authorizedPortParameters({ tcp: [443, 8443], udp: [] })).toEqual({ authorizedTcpPorts: "443,8443" });
  });

  test("create: false keeps the rules (on the account's recorder) and creates no recorder, channel or bucket", () => {
    const tf = synthStack(demoConfig({ observability: { configRecorder: { create: false } } }), "observability");
    expect(Object.keys(resources(tf, "aws_config_configuration_recorder"))).toHaveLength(0);
    expect(Object.keys(resources(tf, "aws_config_delivery_channel"))).toHaveLength(0);
    expect(Object.keys(resources(tf, "aws_config_config_rule"))).toHaveLength(7);
    const neither = synthStack(
      demoConfig({ observability: { configRecorder: { create: false }, cloudTrail: { create: false } } }),
      "observability",
    );
    expect(Object.keys(resources(neither, "aws_s3_bucket"))).toHaveLength(0);
  });
});

describe("Amazon Inspector", () => {
  test("scans EC2 in this account; create: false leaves it alone", () => {
    expect(tfString).toHaveResourceWithProperties(Inspector2Enabler, { account_ids: [ACCOUNT], resource_types: ["EC2"] });
    const tf = synthStack(demoConfig({ observability: { inspector: { create: false } } }), "observability");
    expect(Object.keys(resources(tf, "aws_inspector2_enabler"))).toHaveLength(0);
  });
});

describe("Route 53 Resolver DNS Firewall", () => {
  test("allows the egress allowlist (a wildcard entry as the domain and its subdomains) and the VPC's own AWS names", () => {
    const list: string[] = resources(obs, "aws_route53_resolver_firewall_domain_list").dns_firewall_allowlist.domains;
    expect(list).toEqual(
      expect.arrayContaining([
        "api.aws",
        "*.api.aws",
        "s3.dualstack.us-east-1.amazonaws.com",
        "*.s3.dualstack.us-east-1.amazonaws.com",
        "github.io",
        "*.github.io",
      ]),
    );
    expect(list).not.toContain("*.amazonaws.com");
    expect(list).toEqual(
      expect.arrayContaining(["ssm.us-east-1.amazonaws.com", "ssmmessages.us-east-1.amazonaws.com", "*.compute.internal"]),
    );
    expect(dnsFirewallDomains(["example.com", ".example.org"])).toEqual(["example.com", "example.org", "*.example.org"]);
  });

  test("answers NXDOMAIN for every other name, allow first", () => {
    expect(tfString).toHaveResourceWithProperties(Route53ResolverFirewallRule, {
      action: "ALLOW",
      priority: 100,
      firewall_domain_redirection_action: "TRUST_REDIRECTION_DOMAIN",
    });
    expect(tfString).toHaveResourceWithProperties(Route53ResolverFirewallRule, {
      action: "BLOCK",
      priority: 200,
      block_response: "NXDOMAIN",
    });
    expect(resources(obs, "aws_route53_resolver_firewall_domain_list").dns_firewall_everything.domains).toEqual(["*"]);
  });

  test("is associated with the VPC, fails closed, and is protected from changes unless switched off", () => {
    expect(resources(obs, "aws_route53_resolver_firewall_rule_group_association").dns_firewall_association).toMatchObject({
      vpc_id: net("vpc_id"),
      mutation_protection: "ENABLED",
    });
    expect(tfString).toHaveResourceWithProperties(Route53ResolverFirewallConfig, {
      resource_id: net("vpc_id"),
      firewall_fail_open: "DISABLED",
    });
    const off = synthStack(demoConfig({ observability: { dnsFirewall: { protection: false } } }), "observability");
    expect(resources(off, "aws_route53_resolver_firewall_rule_group_association").dns_firewall_association.mutation_protection).toBe(
      "DISABLED",
    );
  });

  test("logs every query of the VPC to an encrypted log group", () => {
    expect(resources(obs, "aws_route53_resolver_query_log_config").dns_firewall_query_log.destination_arn).toBe(
      "${aws_cloudwatch_log_group.dns_firewall_query_log_group.arn}",
    );
    expect(resources(obs, "aws_route53_resolver_query_log_config_association").dns_firewall_query_log_association.resource_id).toBe(
      net("vpc_id"),
    );
    expect(tfString).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: logs.dnsQueryLogs,
      kms_key_id: KEY_ARN,
      retention_in_days: 365,
    });
  });

  test("enabled: false removes it", () => {
    const tf = synthStack(demoConfig({ observability: { dnsFirewall: { enabled: false } } }), "observability");
    expect(Object.keys(resources(tf, "aws_route53_resolver_firewall_rule_group"))).toHaveLength(0);
  });
});

describe("remediation", () => {
  const fn = resources(obs, "aws_lambda_function").remediation_function;
  const rules = resources(obs, "aws_cloudwatch_event_rule");
  const rolePolicy = resources(obs, "aws_iam_role_policy").remediation_role_policy.policy;

  test("the Lambda is the esbuild bundle, deployed as a cdktf asset whose hash is the ZIP's SHA-256", () => {
    expect(tfString).toHaveResourceWithProperties(LambdaFunction, { runtime: "nodejs22.x", handler: "index.handler" });
    const zip = fs.readFileSync(remediationZip());
    expect(fn.source_code_hash).toBe(crypto.createHash("sha256").update(zip).digest("base64"));
    expect(fn.filename).toBe(`assets/remediation_code/${crypto.createHash("sha256").update(zip).digest("hex")}/remediation.zip`);
    expect(path.basename(remediationZip())).toBe("remediation.zip");
  });

  test("knows the quarantine group and the VPC, and sends failures to a dead-letter queue after Lambda's retries", () => {
    expect(fn.environment.variables).toEqual({
      QUARANTINE_SECURITY_GROUP_ID: "${aws_security_group.remediation_quarantine_security_group.id}",
      VPC_ID: net("vpc_id"),
    });
    expect(fn.dead_letter_config).toEqual({ target_arn: "${aws_sqs_queue.remediation_dead_letter_queue.arn}" });
    expect(resources(obs, "aws_lambda_function_event_invoke_config").remediation_async_retries).toMatchObject({
      maximum_retry_attempts: 2,
    });
    expect(tfString).toHaveResourceWithProperties(SqsQueue, { sqs_managed_sse_enabled: true, message_retention_seconds: 1209600 });
  });

  test("the quarantine security group lives in the VPC, has no rules at all, and is tagged egress6:role = quarantine", () => {
    expect(resources(obs, "aws_security_group").remediation_quarantine_security_group).toMatchObject({
      vpc_id: net("vpc_id"),
      ingress: [],
      egress: [],
      tags: { Name: "demo-quarantine", "egress6:role": "quarantine" },
    });
  });

  test("EventBridge sends NON_COMPLIANT security groups of the security group rules, and High/Critical GuardDuty instance findings", () => {
    expect(JSON.parse(rules.remediation_config_rule.event_pattern)).toEqual({
      source: ["aws.config"],
      "detail-type": ["Config Rules Compliance Change"],
      detail: {
        messageType: ["ComplianceChangeNotification"],
        configRuleName: ["demo-restricted-ssh", "demo-vpc-sg-open-only-to-authorized-ports"],
        resourceType: ["AWS::EC2::SecurityGroup"],
        newEvaluationResult: { complianceType: ["NON_COMPLIANT"] },
      },
    });
    expect(JSON.parse(rules.remediation_guardduty_rule.event_pattern)).toEqual({
      source: ["aws.guardduty"],
      "detail-type": ["GuardDuty Finding"],
      detail: { severity: [{ numeric: [">=", 7] }], resource: { resourceType: ["Instance"] } },
    });
  });

  test("the default security group rule is kept but not routed to the Lambda (it can only revoke internet-open ingress)", () => {
    const configRules = Object.values(resources(obs, "aws_config_config_rule")).map((r) => r.name);
    expect(configRules).toContain("demo-vpc-default-security-group-closed");
    expect(JSON.parse(rules.remediation_config_rule.event_pattern).detail.configRuleName).not.toContain(
      "demo-vpc-default-security-group-closed",
    );
  });

  test("the events the rules let through are the ones the Lambda acts on", () => {
    const config = {
      source: "aws.config",
      "detail-type": "Config Rules Compliance Change",
      detail: {
        resourceType: "AWS::EC2::SecurityGroup",
        resourceId: "sg-0123456789abcdef0",
        configRuleName: "demo-restricted-ssh",
        newEvaluationResult: { complianceType: "NON_COMPLIANT" },
      },
    };
    expect(classify(config).kind).toBe("close-open-ingress");
    const finding = {
      source: "aws.guardduty",
      "detail-type": "GuardDuty Finding",
      detail: { id: "f1", severity: 7, resource: { resourceType: "Instance", instanceDetails: { instanceId: "i-0123456789abcdef0" } } },
    };
    expect(classify(finding).kind).toBe("isolate-instance");
  });

  test("both rules target the Lambda, with retries and the dead-letter queue, and may invoke only from their own rule", () => {
    for (const name of ["config", "guardduty"]) {
      expect(resources(obs, "aws_cloudwatch_event_target")[`remediation_${name}_target`]).toMatchObject({
        rule: `\${aws_cloudwatch_event_rule.remediation_${name}_rule.name}`,
        arn: "${aws_lambda_function.remediation_function.arn}",
        dead_letter_config: { arn: "${aws_sqs_queue.remediation_dead_letter_queue.arn}" },
      });
      expect(resources(obs, "aws_lambda_permission")[`remediation_${name}_invoke`]).toMatchObject({
        principal: "events.amazonaws.com",
        source_arn: `\${aws_cloudwatch_event_rule.remediation_${name}_rule.arn}`,
      });
    }
    const queuePolicy = policyOf(resources(obs, "aws_sqs_queue_policy").remediation_dead_letter_queue_policy.policy);
    expect(queuePolicy.Statement[0].Condition.ArnEquals["aws:SourceArn"]).toEqual([
      "${aws_cloudwatch_event_rule.remediation_config_rule.arn}",
      "${aws_cloudwatch_event_rule.remediation_guardduty_rule.arn}",
    ]);
  });

  test("least privilege: writes only inside the VPC or environment, moves interfaces only into the quarantine group, tags only the quarantine key", () => {
    const s = (sid: string) => statement(rolePolicy, sid);
    const vpcArn = `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/${net("vpc_id")}`;
    expect(
      policyOf(rolePolicy)
        .Statement.map((x) => x.Sid)
        .sort(),
    ).toEqual(
      [
        "ChangeInterfacesInThisVpcOnly",
        "FailedEventsToDeadLetterQueue",
        "InterfacesOfThisEnvironmentsInstancesOnly",
        "IntoTheQuarantineGroupOnly",
        "ReadGroupsRulesInstances",
        "RevokeIngressInThisVpcOnly",
        "TagIsolatedInstancesOnly",
        "WriteOwnLogs",
      ].sort(),
    );
    expect(s("RevokeIngressInThisVpcOnly")).toMatchObject({
      Action: "ec2:RevokeSecurityGroupIngress",
      Condition: { ArnEquals: { "ec2:Vpc": vpcArn } },
    });
    expect(s("ChangeInterfacesInThisVpcOnly")).toMatchObject({
      Action: "ec2:ModifyNetworkInterfaceAttribute",
      Condition: { ArnEquals: { "ec2:Vpc": vpcArn } },
    });
    expect(s("IntoTheQuarantineGroupOnly")).toEqual({
      Sid: "IntoTheQuarantineGroupOnly",
      Effect: "Allow",
      Action: "ec2:ModifyNetworkInterfaceAttribute",
      Resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/\${aws_security_group.remediation_quarantine_security_group.id}`,
    });
    // Instances have no ec2:Vpc key: every statement naming instance/* is held to this environment's tag.
    const ofThisEnvironment = { "aws:ResourceTag/egress6:environment": "demo" };
    expect(s("InterfacesOfThisEnvironmentsInstancesOnly")).toMatchObject({
      Action: "ec2:ModifyNetworkInterfaceAttribute",
      Resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/*`,
      Condition: { StringEquals: ofThisEnvironment },
    });
    expect(s("TagIsolatedInstancesOnly")).toMatchObject({
      Action: "ec2:CreateTags",
      Resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/*`,
    });
    expect(s("TagIsolatedInstancesOnly").Condition).toEqual({
      StringEquals: ofThisEnvironment,
      "ForAllValues:StringEquals": { "aws:TagKeys": ["egress6:quarantined"] },
    });
    for (const st of policyOf(rolePolicy).Statement) {
      if (([] as string[]).concat(st.Resource).some((r) => r.endsWith(":instance/*")))
        expect(st.Condition?.StringEquals).toEqual(ofThisEnvironment);
    }
    expect(s("ReadGroupsRulesInstances").Action).toEqual([
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeInstances",
    ]);
    // Nothing but Describe* has Resource "*".
    for (const st of policyOf(rolePolicy).Statement)
      if (st.Resource === "*") expect(([] as string[]).concat(st.Action).every((a) => a.startsWith("ec2:Describe"))).toBe(true);
    expect(JSON.parse(resources(obs, "aws_iam_role").remediation_role.assume_role_policy).Statement[0].Principal).toEqual({
      Service: "lambda.amazonaws.com",
    });
  });

  test("its log group is encrypted and a message in the dead-letter queue raises an alarm", () => {
    expect(resources(obs, "aws_cloudwatch_log_group").remediation_log_group).toMatchObject({
      name: "/aws/lambda/demo-egress6-remediation",
      kms_key_id: KEY_ARN,
    });
    expect(fn.logging_config).toEqual({ log_format: "Text", log_group: "${aws_cloudwatch_log_group.remediation_log_group.name}" });
    expect(resources(obs, "aws_cloudwatch_metric_alarm").remediation_dead_letter_alarm).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "${aws_sqs_queue.remediation_dead_letter_queue.name}" },
      alarm_actions: [TOPIC_ARN],
    });
  });
});

describe("every mode", () => {
  test.each(INSPECTION_MODES)("%s: all four stacks synthesize, and the alarms read the log groups the inspection stack creates", (mode) => {
    const all = synthAll(demoConfig({ inspection: { mode } }));
    expect(Object.keys(all)).toEqual(expect.arrayContaining([...STACKS]));
    const created = new Set(Object.values(resources(all.inspection, "aws_cloudwatch_log_group")).map((g) => g.name));
    const ownGroups = new Set(Object.values(resources(all.observability, "aws_cloudwatch_log_group")).map((g) => g.name));
    for (const f of Object.values(resources(all.observability, "aws_cloudwatch_log_metric_filter"))) {
      expect(created.has(f.log_group_name) || ownGroups.has(f.log_group_name)).toBe(true);
    }
  });

  test.each(INSPECTION_MODES)("%s: the stack synthesizes with the same account-wide services", (mode) => {
    const tf = synthStack(demoConfig({ inspection: { mode } }), "observability");
    for (const type of [
      "aws_cloudtrail",
      "aws_guardduty_detector",
      "aws_config_configuration_recorder",
      "aws_inspector2_enabler",
      "aws_flow_log",
    ]) {
      expect(Object.keys(resources(tf, type))).toHaveLength(1);
    }
    // The remediation function, and the proxy failover function where there are proxies.
    expect(Object.keys(resources(tf, "aws_lambda_function")).sort()).toEqual(
      modeProfile(mode).proxies ? ["proxy_failover_function", "remediation_function"] : ["remediation_function"],
    );
  });
});
