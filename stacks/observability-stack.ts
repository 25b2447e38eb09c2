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
import { TerraformOutput } from "cdktf";
import { Egress6Stack } from "./base";
import { NetworkRefs } from "./network-outputs";
import { modeProfile } from "../config/modes";
import { remoteState } from "./remote-state";
import type { Egress6Config } from "../config/schema";
import { UserError } from "../lib/errors";
import { zonesOf } from "../config/zones";
import { interfaceEndpointsOf, proxyDecryptionOf, firewallDecryptionOf } from "../config/tls-inspection";
import { logGroupNames, vendedLogGroups } from "../lib/names";
import { partitionOf } from "../lib/partition";
import { ACCESS_LOG_FIELDS } from "../modules/proxy/squid-conf";
import type { CustomerKey } from "../modules/shared/customer-key";
import { createAuditKey } from "../modules/observability/audit-key";
import { AlarmTopic } from "../modules/observability/alarms";
import { createAlarms } from "../modules/observability/alarm-catalogue";
import { enableInspector } from "../modules/observability/inspector";
import { ConfigRecorder, MANAGED_RULES, ruleName } from "../modules/observability/config-recorder";
import { DnsFirewall, vpcInternalDomains } from "../modules/observability/dns-firewall";
import { FlowLogs } from "../modules/observability/flow-logs";
import { GuardDuty } from "../modules/observability/guardduty";
import { HardenedBucket } from "../modules/observability/hardened-bucket";
import { AccessLogBucket } from "../modules/shared/access-log-bucket";
import { Remediation } from "../modules/observability/remediation";
import { ProxyFailover } from "../modules/observability/proxy-failover";
import { proxyFailoverFunctionName } from "../lib/proxy-failover";
import { Trail } from "../modules/observability/cloudtrail";
import { builtFile } from "../lib/paths";
import { INBOUND_DROP_SIDS } from "../modules/firewall/suricata-rules";
import { proxyBootHosts, workloadBootHosts } from "../modules/shared/boot-hosts";
import { CA_KEY_FAILURE_MARK, ICAP_BYPASS_MARK } from "../modules/proxy/user-data";
import { POLICY_FAILURE_MARK } from "../modules/proxy/policy-agent";

/** A Lambda's ZIP, written by `npm run build`. */
function lambdaZip(name: string, what: string): string {
  const zip = builtFile("lambda-bundle", `${name}.zip`);
  if (!fs.existsSync(zip)) throw new UserError([`${what} Lambda package not found at ${zip}; run npm run build first`]);
  return zip;
}

/** The remediation Lambda's ZIP, written by `npm run build`. */
export function remediationZip(): string {
  return lambdaZip("remediation", "remediation");
}

/** The proxy failover Lambda's ZIP, written by `npm run build`. */
export function proxyFailoverZip(): string {
  return lambdaZip("proxy-failover", "proxy failover");
}

export interface ObservabilityStackProps {
  /**
   * Path of the remediation Lambda's deployment package (a ZIP), uploaded as a Terraform asset.
   * @default `dist/lambda-bundle/remediation.zip`, written by `npm run build` (synthesis fails if it is missing)
   */
  readonly remediationZip?: string;
  /**
   * Path of the proxy failover Lambda's deployment package (a ZIP), in modes with proxies.
   * @default `dist/lambda-bundle/proxy-failover.zip`, written by `npm run build` (synthesis fails if it is missing)
   */
  readonly proxyFailoverZip?: string;
}

/**
 * What the DNS Firewall allows beside `egress.domains`, in its own syntax: the names the VPC itself needs and every
 * host an instance reaches while it boots, whatever egress.domains says (modules/shared/boot-hosts.ts).
 */
export function dnsFirewallAlsoAllowed(config: Egress6Config): string[] {
  const region = config.region;
  return [
    ...vpcInternalDomains(region, interfaceEndpointsOf(config)),
    ...[...workloadBootHosts(region), ...(modeProfile(config.inspection.mode).proxies ? proxyBootHosts(region) : [])].map((h) => h.host),
  ];
}

export class ObservabilityStack extends Egress6Stack {
  readonly key: CustomerKey;
  readonly alarms: AlarmTopic;
  readonly remediation: Remediation;
  /** The proxies' heartbeat alarms and failover Lambda, in modes with proxies. */
  readonly proxyFailover?: ProxyFailover;

  constructor(scope: Construct, config: Egress6Config, props: ObservabilityStackProps = {}) {
    super(scope, "observability", { config });
    const obs = config.observability;
    const env = config.name;
    const region = config.region;
    const partition = partitionOf(region);
    const mode = config.inspection.mode;
    const profile = modeProfile(mode);
    const logs = logGroupNames(env);
    const network = new NetworkRefs(remoteState(this, config, "network"));
    const zones = zonesOf(config);
    const retentionDays = obs.flowLogs.retentionDays;
    const namespace = `egress6/${env}`;

    // ---- one customer-managed key: log groups, the alarm topic, CloudTrail and the audit buckets ----
    this.key = createAuditKey(this, "audit-key", {
      envName: env,
      region,
      partition,
      encryptedLogGroups: [
        logs.vpcFlowLogs,
        logs.dnsQueryLogs,
        logs.cloudTrail,
        `/aws/lambda/${env}-egress6-remediation`,
        ...(profile.proxies ? [`/aws/lambda/${proxyFailoverFunctionName(env)}`] : []),
      ],
      flowLogDelivery: obs.flowLogs.s3Parquet,
    });
    const key = this.key;
    const accountId = key.accountId;

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
    const parquetBucket = obs.flowLogs.s3Parquet
      ? new HardenedBucket(this, "flow-log-bucket", { namePrefix: `${env}-flowlogs-`, kmsKeyArn: key.key.arn })
      : undefined;

    // ---- VPC flow logs ----
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

    // ---- CloudTrail ----
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

    // ---- the alarm catalogue: on flow logs, the inspection stack's logs (found by name), CloudTrail, the firewall's CA ----
    const proxyDecryption = profile.proxies ? proxyDecryptionOf(config) : undefined;
    const firewallCaCertificateArn = firewallDecryptionOf(config)?.caCertificateArn;
    createAlarms(this, {
      envName: env,
      topicArn,
      namespace,
      logGroups: { flowLogs: logs.vpcFlowLogs, firewallAlert: logs.firewallAlert, proxyAccess: logs.proxyAccess },
      flowLogGroup: flowLogs.logGroup.logGroup,
      workloadSubnetIds: zones.map((z) => network.subnetId("workload", z.suffix)),
      firewall: profile.firewall,
      internetGateway: profile.internetGateway,
      proxies: profile.proxies,
      decryptionAtProxy: proxyDecryption !== undefined,
      icapFailOpen: proxyDecryption?.icap !== undefined && !proxyDecryption.icap.failClosed,
      firewallCaCertificateArn,
      trail: trailLogGroup ? { logGroupName: trailLogGroup, logGroup: trail?.logGroup.logGroup } : undefined,
      logFormats: {
        inboundDropSids: INBOUND_DROP_SIDS,
        proxyAccessLogFields: ACCESS_LOG_FIELDS,
        caKeyFailureMark: CA_KEY_FAILURE_MARK,
        icapBypassMark: ICAP_BYPASS_MARK,
        policyFailureMark: POLICY_FAILURE_MARK,
      },
    });

    // ---- account services ----
    if (obs.guardDuty.create) new GuardDuty(this, "guardduty", { features: obs.guardDuty.features });
    new ConfigRecorder(this, "config", {
      envName: env,
      partition,
      createRecorder: obs.configRecorder.create,
      bucket: auditBucket,
      key,
    });
    if (obs.inspector.create) enableInspector(this, "inspector", { accountId });

    // ---- DNS Firewall ----
    if (obs.dnsFirewall.enabled) {
      new DnsFirewall(this, "dns-firewall", {
        envName: env,
        vpcId: network.vpcId,
        allowlist: config.egress.domains,
        // Every host an instance reaches while it boots, whatever egress.domains says (modules/shared/boot-hosts.ts).
        alsoAllow: dnsFirewallAlsoAllowed(config),
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

    // ---- proxy availability: heartbeat alarms and the failover Lambda ----
    if (profile.proxies) {
      this.proxyFailover = new ProxyFailover(this, "proxy-failover", {
        envName: env,
        region,
        partition,
        accountId,
        vpcId: network.vpcId,
        zones: zones.map((z) => ({ suffix: z.suffix, name: z.name })),
        codeZip: props.proxyFailoverZip ?? proxyFailoverZip(),
        logRetentionDays: retentionDays,
        kmsKeyArn: key.key.arn,
        keyPolicy: key.policy,
        alarmTopicArn: topicArn,
      });
      new TerraformOutput(this, "proxy_failover_function_name", {
        value: this.proxyFailover.function.functionName,
        description: "Proxy failover Lambda (moves an AZ's routes between its proxies)",
      });
    }

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
