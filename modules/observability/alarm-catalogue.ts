/**
 * The alarm catalogue: the CloudWatch Logs filter patterns egress6 alarms on, which alarms exist for which inputs
 * (`alarmCatalogue`, plain data), and `createAlarms`, which creates them: one `LogAlarm` per entry, plus the alarm
 * on the expiry of the CA certificate Network Firewall decrypts with.
 *
 * The alarms are created directly in the scope given (no construct of their own), so their Terraform addresses
 * stay `<alarm id>_filter` and `<alarm id>_alarm` in the calling stack.
 *
 * What the other modules write into the logs (the firewall's signature ids, the proxies' access log fields and
 * marks) comes in as `logFormats`: a module folder imports only its own files and modules/shared/.
 */
import type { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { LogAlarm } from "./alarms";
import { flowLogPattern } from "./flow-logs";

/** CIS AWS Foundations benchmark, "root account usage" metric filter. */
export const ROOT_USE_PATTERN =
  '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }';
/** Network Firewall alert log records of dropped traffic (Network Firewall developer guide, "Log contents"). */
export const FIREWALL_DROP_PATTERN = '{ $.event.event_type = "alert" && $.event.alert.action = "blocked" }';
/** Network Firewall alert log records of traffic an alert rule let through. */
export const FIREWALL_ALERT_PATTERN = '{ $.event.event_type = "alert" && $.event.alert.action = "allowed" }';

/** Blocked alert-log records of one egress6 rule (`event.alert.signature_id` is the rule's sid). */
export function firewallDropOfSignature(sid: number): string {
  return `{ $.event.event_type = "alert" && $.event.alert.action = "blocked" && $.event.alert.signature_id = ${sid} }`;
}

/**
 * Access log lines whose `result` field holds `DENIED`: a space-delimited pattern naming every field of the log
 * format, in order (CloudWatch Logs, "Using metric filters to match terms in space-delimited log events").
 */
export function proxyDeniedPattern(fields: readonly string[]): string {
  if (!fields.includes("result")) throw new Error(`proxyDeniedPattern: the access log fields (${fields.join(", ")}) have no "result"`);
  return `[${fields.map((f) => (f === "result" ? `${f}=*DENIED*` : f)).join(", ")}]`;
}

/** Log events that contain `mark` as an exact, quoted term (a mark a unit writes on failure). */
export function markPattern(mark: string): string {
  if (mark === "" || mark.includes('"'))
    throw new Error(`markPattern: a mark is a non-empty string without quotes, not ${JSON.stringify(mark)}`);
  return `"${mark}"`;
}

/** Days before the imported CA's expiry at which its alarm fires. */
export const CA_EXPIRY_ALARM_DAYS = 30;

/** One log-based alarm of the catalogue, as `LogAlarm` takes it. */
export interface LogAlarmSpec {
  /** Construct id, and the alarm's name after `<env>-`. */
  readonly id: string;
  /** The counted metric. */
  readonly metricName: string;
  /** The alarm's description. */
  readonly description: string;
  /** One metric filter per entry. */
  readonly filters: readonly { readonly logGroupName: string; readonly pattern: string }[];
  /** What the filters wait for (the log group, when the calling stack creates it). */
  readonly dependsOn: ITerraformDependable[];
}

/** What the other modules write into the logs the alarms read. */
export interface LogFormats {
  /** The signature ids of the firewall's rules that drop flows opened from the internet (modules/firewall/suricata-rules.ts). */
  readonly inboundDropSids: readonly number[];
  /** The fields of the proxies' access log, in order (modules/proxy/squid-conf.ts). */
  readonly proxyAccessLogFields: readonly string[];
  /** What a proxy logs when it cannot fetch the CA key (modules/proxy/user-data.ts). */
  readonly caKeyFailureMark: string;
  /** What a proxy logs when it bypasses an unreachable ICAP service (modules/proxy/user-data.ts). */
  readonly icapBypassMark: string;
  /** What a proxy's policy agent logs when it refuses a policy bundle (modules/proxy/policy-agent.ts). */
  readonly policyFailureMark: string;
}

/** The log groups the alarms read, by name. */
export interface AlarmLogGroups {
  /** VPC flow logs. */
  readonly flowLogs: string;
  /** Network Firewall's alert log (the inspection stack's, found by name). */
  readonly firewallAlert: string;
  /** The proxies' access log (the inspection stack's, found by name). */
  readonly proxyAccess: string;
}

/** The inputs of the catalogue: what the environment has. */
export interface AlarmCatalogueProps {
  /** The environment's name: alarms are named `<envName>-<id>`. */
  readonly envName: string;
  /** The SNS topic every alarm notifies (alarm and OK). */
  readonly topicArn: string;
  /** CloudWatch namespace of the metrics counted from logs. */
  readonly namespace: string;
  /** The log groups the alarms read. */
  readonly logGroups: AlarmLogGroups;
  /** The flow log group resource, which the flow-log filters depend on. */
  readonly flowLogGroup: ITerraformDependable;
  /** The workload subnets (one per AZ): an IPv4 flow leaving one alarms. */
  readonly workloadSubnetIds: readonly string[];
  /** Network Firewall inspects the traffic: alarms on its drops and alerts. */
  readonly firewall: boolean;
  /** An internet gateway reaches the firewall endpoints: an alarm on probes from the internet it dropped. Needs `firewall`. */
  readonly internetGateway: boolean;
  /** Squid proxies carry the egress: an alarm on the requests they denied. */
  readonly proxies: boolean;
  /** The proxies decrypt TLS (they fetch a CA key): an alarm on failed fetches. Needs `proxies`. @default false */
  readonly decryptionAtProxy?: boolean;
  /** The proxies pass traffic unadapted when ICAP is unreachable: an alarm when they do. Needs `decryptionAtProxy`. @default false */
  readonly icapFailOpen?: boolean;
  /** The imported CA certificate the firewall decrypts with: an alarm before it expires. Needs `firewall`. @default no such alarm */
  readonly firewallCaCertificateArn?: string;
  /**
   * CloudTrail's log group (`logGroup`: its resource, when the calling stack creates it): an alarm on root use.
   * @default no root-use alarm
   */
  readonly trail?: { readonly logGroupName: string; readonly logGroup?: ITerraformDependable };
  /** What the other modules write into the logs. */
  readonly logFormats: LogFormats;
}

function check(props: AlarmCatalogueProps): void {
  const problems: string[] = [];
  if (props.internetGateway && !props.firewall) problems.push("internetGateway needs firewall");
  if (props.decryptionAtProxy && !props.proxies) problems.push("decryptionAtProxy needs proxies");
  if (props.icapFailOpen && !props.decryptionAtProxy) problems.push("icapFailOpen needs decryptionAtProxy");
  if (props.firewallCaCertificateArn !== undefined && !props.firewall) problems.push("firewallCaCertificateArn needs firewall");
  if (props.workloadSubnetIds.length === 0) problems.push("workloadSubnetIds is empty");
  if (props.internetGateway && props.logFormats.inboundDropSids.length === 0) problems.push("internetGateway needs inboundDropSids");
  if (problems.length > 0) throw new Error(`alarm catalogue: ${problems.join("; ")}`);
}

/** The log-based alarms that exist for these inputs, in a fixed order. Throws on inconsistent inputs. */
export function alarmCatalogue(props: AlarmCatalogueProps): LogAlarmSpec[] {
  check(props);
  const logs = props.logGroups;
  const formats = props.logFormats;
  const onFlowLogs = { logGroupName: logs.flowLogs };
  const specs: LogAlarmSpec[] = [];
  const add = (
    id: string,
    metricName: string,
    description: string,
    filters: LogAlarmSpec["filters"],
    dependsOn: ITerraformDependable[] = [],
  ) => {
    specs.push({ id, metricName, description, filters, dependsOn });
  };

  // What flow logs can see: packets a security group or network ACL rejected at an interface of the VPC. A
  // connection opened from the internet stops at the egress-only gateway (or at Network Firewall in
  // firewall-igw) and reaches no interface, so it is not counted here (firewall-igw: internet-probes-dropped).
  // Filter values are quoted exact strings; the record's `type` tells IPv4 from IPv6 without a wildcard.
  add(
    "ipv6-rejects-at-interfaces",
    "Ipv6RejectsAtInterfaces",
    "A security group or network ACL rejected IPv6 packets arriving at an interface in the VPC " +
      "(traffic from inside the VPC or through an inspection point that no rule admits)",
    [{ ...onFlowLogs, pattern: flowLogPattern({ action: '="REJECT"', type: '="IPv6"', "flow-direction": '="ingress"' }) }],
    [props.flowLogGroup],
  );
  add(
    "workload-ipv4-flows",
    "WorkloadIpv4Flows",
    "An IPv4 flow left a workload subnet: workloads must speak IPv6 only",
    props.workloadSubnetIds.map((subnetId) => ({
      ...onFlowLogs,
      pattern: flowLogPattern({ "subnet-id": `="${subnetId}"`, type: '="IPv4"', "flow-direction": '="egress"' }),
    })),
    [props.flowLogGroup],
  );

  // The inspection stack's logs: created there when the mode has them, found here by name.
  if (props.firewall) {
    add("firewall-drops", "FirewallDrops", "Network Firewall dropped traffic", [
      { logGroupName: logs.firewallAlert, pattern: FIREWALL_DROP_PATTERN },
    ]);
    add("firewall-alerts", "FirewallAlerts", "Network Firewall raised an alert on traffic it let through", [
      { logGroupName: logs.firewallAlert, pattern: FIREWALL_ALERT_PATTERN },
    ]);
  }
  if (props.internetGateway) {
    // Only here can the internet reach a firewall endpoint (through the internet gateway); the baseline rules
    // drop TCP and UDP flows opened from outside the VPC and alert with these signature ids.
    add(
      "internet-probes-dropped",
      "InternetProbesDropped",
      "Network Firewall dropped a TCP or UDP flow opened from the internet toward the VPC",
      formats.inboundDropSids.map((sid) => ({ logGroupName: logs.firewallAlert, pattern: firewallDropOfSignature(sid) })),
    );
  }
  if (props.proxies) {
    add("proxy-denials", "ProxyDenials", "The egress proxy denied a request (destination or port not allowlisted)", [
      { logGroupName: logs.proxyAccess, pattern: proxyDeniedPattern(formats.proxyAccessLogFields) },
    ]);
    // The policy agent logs each bundle it refuses; that proxy keeps serving its previous policy.
    add(
      "proxy-policy-apply",
      "ProxyPolicyApplyFailures",
      "A proxy refused the egress policy bundle in S3 (fetch, format, squid -k parse, nft -c or health gate failed) " +
        "and keeps serving its previous policy: the policy in S3 is not the policy serving",
      [{ logGroupName: logs.proxyAccess, pattern: markPattern(formats.policyFailureMark) }],
    );
  }
  if (props.decryptionAtProxy) {
    // The proxies' CA key unit logs each failed fetch (Squid waits meanwhile: that AZ's egress is closed).
    add(
      "proxy-ca-key",
      "ProxyCaKeyFetchFailures",
      "A proxy could not fetch or install the CA key from Secrets Manager; " + "it retries, and Squid does not serve until it succeeds",
      [{ logGroupName: logs.proxyAccess, pattern: markPattern(formats.caKeyFailureMark) }],
    );
  }
  if (props.icapFailOpen) {
    add(
      "proxy-icap-bypass",
      "ProxyIcapBypass",
      "A proxy found the ICAP service (DLP) unreachable and passes traffic unadapted (failClosed: false)",
      [{ logGroupName: logs.proxyAccess, pattern: markPattern(formats.icapBypassMark) }],
    );
  }
  if (props.trail) {
    add(
      "root-account-use",
      "RootAccountUse",
      "The account root user was used",
      [{ logGroupName: props.trail.logGroupName, pattern: ROOT_USE_PATTERN }],
      props.trail.logGroup ? [props.trail.logGroup] : [],
    );
  }
  return specs;
}

/** What `createAlarms` created. */
export interface CreatedAlarms {
  /** The log-based alarms, by catalogue id. */
  readonly logAlarms: ReadonlyMap<string, LogAlarm>;
  /** The alarm on the firewall CA's expiry, when there is one. */
  readonly caCertificateExpiry?: CloudwatchMetricAlarm;
}

/** Creates, in `scope`, every alarm of the catalogue for these inputs. */
export function createAlarms(scope: Construct, props: AlarmCatalogueProps): CreatedAlarms {
  const { envName, topicArn, namespace } = props;
  const logAlarms = new Map<string, LogAlarm>();
  for (const spec of alarmCatalogue(props)) {
    const { id, metricName, description, filters, dependsOn } = spec;
    logAlarms.set(id, new LogAlarm(scope, id, { envName, topicArn, namespace, metricName, description, filters, dependsOn }));
  }
  const ca = props.firewallCaCertificateArn;
  // ACM does not renew imported certificates. Its DaysToExpiry metric (namespace AWS/CertificateManager, dimension
  // CertificateArn, daily) stops once the certificate has expired, so missing data is breaching (AWS CDK's
  // aws-certificatemanager metricDaysToExpiry documents both). Unconfirmed on an ACM user guide page from this
  // machine: docs/known-limits.md.
  const caCertificateExpiry =
    ca === undefined
      ? undefined
      : new CloudwatchMetricAlarm(scope, "ca-certificate-expiry", {
          alarmName: `${envName}-ca-certificate-expiry`,
          alarmDescription:
            `The CA certificate the firewall decrypts with (${ca}) expires within ${CA_EXPIRY_ALARM_DAYS} days, or has expired: ` +
            "import a renewed CA and give it to the workloads (docs/dlp.md)",
          namespace: "AWS/CertificateManager",
          metricName: "DaysToExpiry",
          dimensions: { CertificateArn: ca },
          statistic: "Minimum",
          period: 86_400,
          evaluationPeriods: 1,
          threshold: CA_EXPIRY_ALARM_DAYS,
          comparisonOperator: "LessThanThreshold",
          treatMissingData: "breaching",
          alarmActions: [topicArn],
          okActions: [topicArn],
        });
  return { logAlarms, caCertificateExpiry };
}
