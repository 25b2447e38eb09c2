/**
 * The observability stack: everything that watches the VPC and the account. VPC flow logs with metric-filter
 * alarms, alarms on Network Firewall and proxy logs (written by the inspection stack, found by name), GuardDuty,
 * CloudTrail, AWS Config with managed rules, Inspector, Route 53 Resolver DNS Firewall with query logging, and the
 * remediation Lambda those services feed through EventBridge.
 *
 * GuardDuty, the Config recorder, CloudTrail and Inspector exist once per account and Region: each can be set to
 * `create: false` for accounts that already have one (the rules, alarms and remediation still work).
 */
import * as fs from "node:fs";
import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { TerraformOutput } from "cdktf";
import { Inspector2Enabler } from "@cdktf/provider-aws/lib/inspector2-enabler";
import { Egress6Stack } from "./base";
import { NetworkRefs } from "./network-outputs";
import { modeHasFirewall, modeHasProxies } from "../config/modes";
import { remoteState } from "./remote-state";
import type { Egress6Config } from "../config/schema";
import { UserError } from "../lib/errors";
import { zonesOf } from "../config/zones";
import { interfaceEndpointsOf, decryptionPointOf } from "../config/tls-inspection";
import { logGroupNames, vendedLogGroups } from "../lib/names";
import { partitionOf, regionalServicePrincipal } from "../lib/partition";
import { ACCESS_LOG_FIELDS } from "../modules/proxy/squid-conf";
import { CustomerKey } from "../modules/shared/customer-key";
import { AlarmTopic, LogAlarm } from "../modules/observability/alarms";
import { ConfigRecorder, MANAGED_RULES, ruleName } from "../modules/observability/config-recorder";
import { DnsFirewall, vpcInternalDomains } from "../modules/observability/dns-firewall";
import { FlowLogs, flowLogPattern } from "../modules/observability/flow-logs";
import { GuardDuty } from "../modules/observability/guardduty";
import { HardenedBucket } from "../modules/observability/hardened-bucket";
import { AccessLogBucket } from "../modules/shared/access-log-bucket";
import { Remediation } from "../modules/observability/remediation";
import { Trail } from "../modules/observability/cloudtrail";
import { builtFile } from "../lib/paths";
import { INBOUND_DROP_SIDS } from "../modules/firewall/suricata-rules";
import { proxyBootHosts, workloadBootHosts } from "../modules/shared/boot-hosts";
import { CA_KEY_FAILURE_MARK, ICAP_BYPASS_MARK } from "../modules/proxy/user-data";

/** Days before the imported CA's expiry at which its alarm fires. */
export const CA_EXPIRY_ALARM_DAYS = 30;

/** The remediation Lambda's ZIP, written by `npm run build`. */
export function remediationZip(): string {
  const zip = builtFile("lambda-bundle", "remediation.zip");
  if (!fs.existsSync(zip)) throw new UserError([`remediation Lambda package not found at ${zip}; run npm run build first`]);
  return zip;
}

/** CIS AWS Foundations benchmark, "root account usage" metric filter. */
export const ROOT_USE_PATTERN =
  '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }';
/** Network Firewall alert log records (Network Firewall developer guide, "Log contents"). */
export const FIREWALL_DROP_PATTERN = '{ $.event.event_type = "alert" && $.event.alert.action = "blocked" }';
/** Blocked alert-log records of one egress6 rule (`event.alert.signature_id` is the rule's sid). */
export function firewallDropOfSignature(sid: number): string {
  return `{ $.event.event_type = "alert" && $.event.alert.action = "blocked" && $.event.alert.signature_id = ${sid} }`;
}
export const FIREWALL_ALERT_PATTERN = '{ $.event.event_type = "alert" && $.event.alert.action = "allowed" }';

export interface ObservabilityStackProps {
  /** The remediation Lambda's ZIP. @default the one `npm run build` wrote */
  readonly remediationZip?: string;
}

export class ObservabilityStack extends Egress6Stack {
  readonly key: CustomerKey;
  readonly alarms: AlarmTopic;
  readonly remediation: Remediation;

  constructor(scope: Construct, config: Egress6Config, props: ObservabilityStackProps = {}) {
    super(scope, "observability", { config });
    const obs = config.observability;
    const env = config.name;
    const region = config.region;
    const partition = partitionOf(region);
    const mode = config.inspection.mode;
    const logs = logGroupNames(env);
    const network = new NetworkRefs(remoteState(this, config, "network"));
    const zones = zonesOf(config);
    const retentionDays = obs.flowLogs.retentionDays;
    const namespace = `egress6/${env}`;

    // ---- one customer-managed key: log groups, the alarm topic, CloudTrail and the audit buckets ----
    this.key = new CustomerKey(this, "audit-key", {
      description: `egress6 ${env}: flow logs, DNS query logs, CloudTrail, alarms`,
      aliasName: `${env}-egress6-observability`,
      partition,
    });
    const key = this.key;
    const accountId = key.accountId;
    const logGroupArn = (name: string) => `arn:${partition}:logs:${region}:${accountId}:log-group:${name}`;
    const lambdaLogGroup = `/aws/lambda/${env}-egress6-remediation`;
    key.grant({
      Sid: "CloudWatchLogsEncryptsOurGroups",
      Principal: { Service: regionalServicePrincipal("logs", region) },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Condition: {
        ArnLike: {
          "kms:EncryptionContext:aws:logs:arn": [logs.vpcFlowLogs, logs.dnsQueryLogs, logs.cloudTrail, lambdaLogGroup].map(logGroupArn),
        },
      },
    });
    // CloudWatch alarms publish to the encrypted topic (SNS developer guide, "Encryption at rest", AWS service sources).
    // Only alarms of this account: the service principal is shared by every account.
    key.grant({
      Sid: "CloudWatchAlarmsPublishToEncryptedTopic",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    });

    this.alarms = new AlarmTopic(this, "alarm-topic", {
      envName: env,
      kmsKeyArn: key.key.arn,
      keyPolicy: key.policy,
      email: obs.alarmEmail,
    });
    const topicArn = this.alarms.topic.arn;

    // ---- buckets: audit (CloudTrail, Config) and, when asked for, Parquet flow logs ----
    const needsAuditBucket = obs.cloudTrail.create || obs.configRecorder.create;
    const auditBucket = needsAuditBucket
      ? new HardenedBucket(this, "audit-bucket", { namePrefix: `${env}-audit-`, kmsKeyArn: key.key.arn })
      : undefined;
    if (auditBucket) {
      // Requests on the audit bucket (CloudTrail, Config) are logged to a bucket of their own (SSE-S3, as S3 log
      // delivery requires; the audit bucket itself is SSE-KMS).
      const accessLogs = new AccessLogBucket(this, "audit-access-logs", {
        namePrefix: `${env}-audit-logs-`,
        retentionDays: retentionDays,
        accountId,
      });
      accessLogs.logsFor(this, "audit-bucket-logging", auditBucket.bucket, "audit-bucket/");
    }
    let parquetBucket: HardenedBucket | undefined;
    if (obs.flowLogs.s3Parquet) {
      parquetBucket = new HardenedBucket(this, "flow-log-bucket", { namePrefix: `${env}-flowlogs-`, kmsKeyArn: key.key.arn });
      key.grant({
        Sid: "LogDeliveryEncryptsFlowLogs",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      });
    }

    // ---- VPC flow logs and the alarms on them ----
    const flowLogs = new FlowLogs(this, "flow-logs", {
      envName: env,
      vpcId: network.vpcId,
      logGroupName: logs.vpcFlowLogs,
      retentionDays,
      kmsKeyArn: key.key.arn,
      keyPolicy: key.policy,
      parquetBucket,
      accountId,
      region,
      partition,
    });
    const onFlowLogs = { logGroupName: logs.vpcFlowLogs };
    const alarm = (
      id: string,
      metricName: string,
      description: string,
      filters: { logGroupName: string; pattern: string }[],
      dependsOn = [flowLogs.logGroup.logGroup],
    ) => new LogAlarm(this, id, { envName: env, topicArn, namespace, metricName, description, filters, dependsOn });

    // What flow logs can see: packets a security group or network ACL rejected at an interface of the VPC. A
    // connection opened from the internet stops at the egress-only gateway (or at Network Firewall in
    // firewall-igw) and reaches no interface, so it is not counted here (firewall-igw: internet-probes-dropped).
    // Filter values are quoted exact strings; the record's `type` tells IPv4 from IPv6 without a wildcard.
    alarm(
      "ipv6-rejects-at-interfaces",
      "Ipv6RejectsAtInterfaces",
      "A security group or network ACL rejected IPv6 packets arriving at an interface in the VPC (traffic from inside the VPC or through an inspection point that no rule admits)",
      [{ ...onFlowLogs, pattern: flowLogPattern({ action: '="REJECT"', type: '="IPv6"', "flow-direction": '="ingress"' }) }],
    );
    alarm(
      "workload-ipv4-flows",
      "WorkloadIpv4Flows",
      "An IPv4 flow left a workload subnet: workloads must speak IPv6 only",
      zones.map((z) => ({
        ...onFlowLogs,
        pattern: flowLogPattern({
          "subnet-id": `="${network.subnetId("workload", z.suffix)}"`,
          type: '="IPv4"',
          "flow-direction": '="egress"',
        }),
      })),
    );

    // ---- alarms on the inspection stack's logs (created there when the mode has them, found here by name) ----
    if (modeHasFirewall(mode)) {
      alarm(
        "firewall-drops",
        "FirewallDrops",
        "Network Firewall dropped traffic",
        [{ logGroupName: logs.firewallAlert, pattern: FIREWALL_DROP_PATTERN }],
        [],
      );
      alarm(
        "firewall-alerts",
        "FirewallAlerts",
        "Network Firewall raised an alert on traffic it let through",
        [{ logGroupName: logs.firewallAlert, pattern: FIREWALL_ALERT_PATTERN }],
        [],
      );
    }
    if (mode === "firewall-igw") {
      // Only here can the internet reach a firewall endpoint (through the internet gateway); the baseline rules
      // drop TCP and UDP flows opened from outside the VPC and alert with these signature ids.
      alarm(
        "internet-probes-dropped",
        "InternetProbesDropped",
        "Network Firewall dropped a TCP or UDP flow opened from the internet toward the VPC",
        INBOUND_DROP_SIDS.map((sid) => ({ logGroupName: logs.firewallAlert, pattern: firewallDropOfSignature(sid) })),
        [],
      );
    }
    if (modeHasProxies(mode)) {
      const proxyDenied = `[${ACCESS_LOG_FIELDS.map((f) => (f === "result" ? `${f}=*DENIED*` : f)).join(", ")}]`;
      alarm(
        "proxy-denials",
        "ProxyDenials",
        "The egress proxy denied a request (destination or port not allowlisted)",
        [{ logGroupName: logs.proxyAccess, pattern: proxyDenied }],
        [],
      );
      const tls = config.inspection.tlsInspection;
      if (tls && decryptionPointOf(tls, mode) === "proxy") {
        // The proxies' CA key unit logs each failed fetch (Squid waits meanwhile: that AZ's egress is closed).
        alarm(
          "proxy-ca-key",
          "ProxyCaKeyFetchFailures",
          "A proxy could not fetch or install the CA key from Secrets Manager; it retries, and Squid does not serve until it succeeds",
          [{ logGroupName: logs.proxyAccess, pattern: `"${CA_KEY_FAILURE_MARK}"` }],
          [],
        );
        if (tls.icap && !tls.icap.failClosed) {
          alarm(
            "proxy-icap-bypass",
            "ProxyIcapBypass",
            "A proxy found the ICAP service (DLP) unreachable and passes traffic unadapted (failClosed: false)",
            [{ logGroupName: logs.proxyAccess, pattern: `"${ICAP_BYPASS_MARK}"` }],
            [],
          );
        }
      }
    }

    // ---- the imported CA the firewall decrypts with: ACM does not renew imported certificates ----
    const tlsAtFirewall = config.inspection.tlsInspection;
    if (tlsAtFirewall?.caCertificateArn && decryptionPointOf(tlsAtFirewall, mode) === "firewall") {
      // ACM's DaysToExpiry metric (namespace AWS/CertificateManager, dimension CertificateArn, daily); it stops once
      // the certificate has expired, so missing data is breaching (AWS CDK's aws-certificatemanager metricDaysToExpiry
      // documents both). Unconfirmed on an ACM user guide page from this machine: README known limits.
      new CloudwatchMetricAlarm(this, "ca-certificate-expiry", {
        alarmName: `${env}-ca-certificate-expiry`,
        alarmDescription: `The CA certificate the firewall decrypts with (${tlsAtFirewall.caCertificateArn}) expires within ${CA_EXPIRY_ALARM_DAYS} days, or has expired: import a renewed CA and give it to the workloads (docs/dlp.md)`,
        namespace: "AWS/CertificateManager",
        metricName: "DaysToExpiry",
        dimensions: { CertificateArn: tlsAtFirewall.caCertificateArn },
        statistic: "Minimum",
        period: 86_400,
        evaluationPeriods: 1,
        threshold: CA_EXPIRY_ALARM_DAYS,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
        alarmActions: [topicArn],
        okActions: [topicArn],
      });
    }

    // ---- CloudTrail, and the root-use alarm on its log group ----
    const trail =
      obs.cloudTrail.create && auditBucket
        ? new Trail(this, "cloudtrail", {
            envName: env,
            region,
            partition,
            key,
            bucket: auditBucket,
            logGroupName: logs.cloudTrail,
            retentionDays,
          })
        : undefined;
    const trailLogGroup = trail ? logs.cloudTrail : obs.cloudTrail.existingLogGroupName;
    if (trailLogGroup) {
      alarm(
        "root-account-use",
        "RootAccountUse",
        "The account root user was used",
        [{ logGroupName: trailLogGroup, pattern: ROOT_USE_PATTERN }],
        trail ? [trail.logGroup.logGroup] : [],
      );
    }

    // ---- account services ----
    if (obs.guardDuty.create) new GuardDuty(this, "guardduty", { features: obs.guardDuty.features });
    new ConfigRecorder(this, "config", {
      envName: env,
      region,
      partition,
      createRecorder: obs.configRecorder.create,
      bucket: auditBucket,
      key,
    });
    if (obs.inspector.create) new Inspector2Enabler(this, "inspector", { accountIds: [accountId], resourceTypes: ["EC2"] });

    // ---- DNS Firewall ----
    if (obs.dnsFirewall.enabled) {
      new DnsFirewall(this, "dns-firewall", {
        envName: env,
        vpcId: network.vpcId,
        allowlist: config.egress.domains,
        // Every host an instance reaches while it boots, whatever egress.domains says (modules/shared/boot-hosts.ts).
        alsoAllow: [
          ...vpcInternalDomains(region, interfaceEndpointsOf(config)),
          ...[...workloadBootHosts(region), ...(modeHasProxies(mode) ? proxyBootHosts(region) : [])].map((h) => h.host),
        ],
        mutationProtection: obs.dnsFirewall.protection,
        queryLogGroupName: vendedLogGroups(env).resolverQueryLogs,
        retentionDays,
        kmsKeyArn: key.key.arn,
        keyPolicy: key.policy,
      });
    }

    // ---- remediation ----
    this.remediation = new Remediation(this, "remediation", {
      envName: env,
      region,
      partition,
      accountId,
      vpcId: network.vpcId,
      codeZip: props.remediationZip ?? remediationZip(),
      securityGroupRuleNames: MANAGED_RULES.filter((r) => r.remediatesSecurityGroups).map((r) => ruleName(env, r)),
      logRetentionDays: retentionDays,
      kmsKeyArn: key.key.arn,
      keyPolicy: key.policy,
      alarmTopicArn: topicArn,
    });

    new TerraformOutput(this, "alarm_topic_arn", { value: topicArn, description: "SNS topic every alarm publishes to" });
    new TerraformOutput(this, "quarantine_security_group_id", {
      value: this.remediation.quarantine.group.id,
      description: "Security group isolated instances are moved into",
    });
    new TerraformOutput(this, "remediation_function_name", {
      value: this.remediation.function.functionName,
      description: "Remediation Lambda",
    });
    new TerraformOutput(this, "remediation_dead_letter_queue_url", {
      value: this.remediation.deadLetterQueue.url,
      description: "Events the remediation could not handle",
    });
    new TerraformOutput(this, "audit_key_arn", { value: key.key.arn, description: "KMS key of the observability data" });
  }
}
