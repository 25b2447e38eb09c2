import { Testing } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import {
  alarmCatalogue,
  CA_EXPIRY_ALARM_DAYS,
  createAlarms,
  FIREWALL_ALERT_PATTERN,
  FIREWALL_DROP_PATTERN,
  firewallDropOfSignature,
  markPattern,
  proxyDeniedPattern,
  ROOT_USE_PATTERN,
  type AlarmCatalogueProps,
} from "../../../../modules/observability/alarm-catalogue";

const TOPIC = "arn:aws:sns:eu-west-1:111122223333:dev-egress6-alarms";
const CA = "arn:aws:acm:eu-west-1:111122223333:certificate/0000aaaa-1111-2222-3333-444455556666";
const FLOW_GROUP = { fqn: "aws_cloudwatch_log_group.flow" };
const TRAIL_GROUP = { fqn: "aws_cloudwatch_log_group.trail" };

/** proxy mode, no TLS inspection, no trail. */
const base: AlarmCatalogueProps = {
  envName: "dev",
  topicArn: TOPIC,
  namespace: "egress6/dev",
  logGroups: { flowLogs: "/dev/flow", firewallAlert: "/dev/firewall/alert", proxyAccess: "/dev/proxy/access" },
  flowLogGroup: FLOW_GROUP,
  workloadSubnetIds: ["subnet-a", "subnet-b"],
  firewall: false,
  internetGateway: false,
  proxies: true,
  logFormats: {
    inboundDropSids: [1000003, 1000004],
    proxyAccessLogFields: ["time", "client", "result", "url"],
    caKeyFailureMark: "ca-key: FAILED",
    icapBypassMark: "optional ICAP service is down",
    policyFailureMark: "egress6-policy: FAILED",
  },
};

const ids = (p: AlarmCatalogueProps) => alarmCatalogue(p).map((a) => a.id);
const spec = (p: AlarmCatalogueProps, id: string) => {
  const found = alarmCatalogue(p).find((a) => a.id === id);
  if (!found) throw new Error(`no alarm ${id}`);
  return found;
};

describe("the patterns", () => {
  it("root use: CIS's filter on CloudTrail records", () => {
    expect(ROOT_USE_PATTERN).toBe(
      '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    );
  });

  it("firewall drops, alerts and the drops of one signature", () => {
    expect(FIREWALL_DROP_PATTERN).toBe('{ $.event.event_type = "alert" && $.event.alert.action = "blocked" }');
    expect(FIREWALL_ALERT_PATTERN).toBe('{ $.event.event_type = "alert" && $.event.alert.action = "allowed" }');
    expect(firewallDropOfSignature(42)).toBe(
      '{ $.event.event_type = "alert" && $.event.alert.action = "blocked" && $.event.alert.signature_id = 42 }',
    );
  });

  it("proxy denials: every access log field in order, result matching *DENIED*", () => {
    expect(proxyDeniedPattern(["time", "client", "result", "url"])).toBe("[time, client, result=*DENIED*, url]");
    expect(() => proxyDeniedPattern(["time", "url"])).toThrow(/no "result"/);
  });

  it("marks: an exact quoted term; empty or quoted marks are refused", () => {
    expect(markPattern("ca-key: FAILED")).toBe('"ca-key: FAILED"');
    expect(() => markPattern("")).toThrow(/non-empty/);
    expect(() => markPattern('say "hi"')).toThrow(/without quotes/);
  });
});

describe("which alarms exist for which inputs", () => {
  it("flow-log alarms always; proxy denials and refused policy bundles with proxies", () => {
    expect(ids(base)).toEqual(["ipv6-rejects-at-interfaces", "workload-ipv4-flows", "proxy-denials", "proxy-policy-apply"]);
    expect(spec(base, "proxy-policy-apply").metricName).toBe("ProxyPolicyApplyFailures");
    expect(spec(base, "proxy-policy-apply").filters).toEqual([{ logGroupName: "/dev/proxy/access", pattern: '"egress6-policy: FAILED"' }]);
  });

  it("firewall-proxy: firewall drops and alerts too, no internet probes", () => {
    expect(ids({ ...base, firewall: true })).toEqual([
      "ipv6-rejects-at-interfaces",
      "workload-ipv4-flows",
      "firewall-drops",
      "firewall-alerts",
      "proxy-denials",
      "proxy-policy-apply",
    ]);
  });

  it("firewall-igw: internet probes dropped, one filter per inbound drop signature; no proxy alarm", () => {
    const p = { ...base, firewall: true, internetGateway: true, proxies: false };
    expect(ids(p)).toEqual([
      "ipv6-rejects-at-interfaces",
      "workload-ipv4-flows",
      "firewall-drops",
      "firewall-alerts",
      "internet-probes-dropped",
    ]);
    expect(spec(p, "internet-probes-dropped").filters).toEqual([
      { logGroupName: "/dev/firewall/alert", pattern: firewallDropOfSignature(1000003) },
      { logGroupName: "/dev/firewall/alert", pattern: firewallDropOfSignature(1000004) },
    ]);
  });

  it("decryption at the proxy: the CA key alarm; ICAP bypass only when fail-open", () => {
    expect(ids({ ...base, decryptionAtProxy: true })).toContain("proxy-ca-key");
    expect(ids({ ...base, decryptionAtProxy: true })).not.toContain("proxy-icap-bypass");
    const open = { ...base, decryptionAtProxy: true, icapFailOpen: true };
    expect(ids(open).slice(-2)).toEqual(["proxy-ca-key", "proxy-icap-bypass"]);
    expect(spec(open, "proxy-ca-key").filters).toEqual([{ logGroupName: "/dev/proxy/access", pattern: '"ca-key: FAILED"' }]);
    expect(spec(open, "proxy-icap-bypass").filters).toEqual([
      { logGroupName: "/dev/proxy/access", pattern: '"optional ICAP service is down"' },
    ]);
  });

  it("root use when a trail log group is given; it waits for the group only when the caller creates it", () => {
    expect(ids(base)).not.toContain("root-account-use");
    const created = spec({ ...base, trail: { logGroupName: "/dev/trail", logGroup: TRAIL_GROUP } }, "root-account-use");
    expect(created.filters).toEqual([{ logGroupName: "/dev/trail", pattern: ROOT_USE_PATTERN }]);
    expect(created.dependsOn).toEqual([TRAIL_GROUP]);
    expect(spec({ ...base, trail: { logGroupName: "/org/trail" } }, "root-account-use").dependsOn).toEqual([]);
  });

  it("flow-log alarms wait for the flow log group; alarms on the inspection stack's logs wait for nothing", () => {
    const p = { ...base, firewall: true };
    expect(spec(p, "ipv6-rejects-at-interfaces").dependsOn).toEqual([FLOW_GROUP]);
    expect(spec(p, "workload-ipv4-flows").dependsOn).toEqual([FLOW_GROUP]);
    expect(spec(p, "firewall-drops").dependsOn).toEqual([]);
    expect(spec(p, "proxy-denials").dependsOn).toEqual([]);
  });

  it("one IPv4 filter per workload subnet", () => {
    const filters = spec(base, "workload-ipv4-flows").filters;
    expect(filters).toHaveLength(2);
    expect(filters[0].logGroupName).toBe("/dev/flow");
    expect(filters[0].pattern).toContain('subnet_id="subnet-a"');
    expect(filters[1].pattern).toContain('subnet_id="subnet-b"');
    for (const f of filters) expect(f.pattern).toMatch(/type="IPv4".*flow_direction="egress"/);
  });

  it("IPv6 rejects: REJECT, IPv6, ingress", () => {
    const [filter] = spec(base, "ipv6-rejects-at-interfaces").filters;
    expect(filter.pattern).toMatch(/action="REJECT"/);
    expect(filter.pattern).toMatch(/type="IPv6"/);
    expect(filter.pattern).toMatch(/flow_direction="ingress"/);
  });
});

describe("input errors", () => {
  it.each<[string, Partial<AlarmCatalogueProps>, RegExp]>([
    ["an internet gateway without a firewall", { internetGateway: true }, /internetGateway needs firewall/],
    ["decryption at the proxy without proxies", { proxies: false, decryptionAtProxy: true }, /decryptionAtProxy needs proxies/],
    ["ICAP fail-open without decryption at the proxy", { icapFailOpen: true }, /icapFailOpen needs decryptionAtProxy/],
    ["a firewall CA without a firewall", { firewallCaCertificateArn: CA }, /firewallCaCertificateArn needs firewall/],
    ["no workload subnet", { workloadSubnetIds: [] }, /workloadSubnetIds is empty/],
    [
      "an internet gateway without inbound drop signatures",
      { firewall: true, internetGateway: true, logFormats: { ...base.logFormats, inboundDropSids: [] } },
      /needs inboundDropSids/,
    ],
  ])("%s", (_what, change, message) => {
    expect(() => alarmCatalogue({ ...base, ...change })).toThrow(message);
  });
});

describe("createAlarms", () => {
  const synth = (p: Partial<AlarmCatalogueProps>) =>
    Testing.synthScope((scope) => {
      const group = new CloudwatchLogGroup(scope, "flow", { name: "/dev/flow" });
      createAlarms(scope, { ...base, flowLogGroup: group, ...p });
    });

  it("one metric filter per pattern and one alarm per catalogue entry, on the first match, to the topic", () => {
    const json = synth({});
    expect(json).toHaveResourceWithProperties(CloudwatchLogMetricFilter, {
      name: "ProxyDenials",
      log_group_name: "/dev/proxy/access",
      pattern: "[time, client, result=*DENIED*, url]",
      metric_transformation: { name: "ProxyDenials", namespace: "egress6/dev", value: "1", unit: "Count" },
    });
    expect(json).toHaveResourceWithProperties(CloudwatchLogMetricFilter, { name: "WorkloadIpv4Flows-2", log_group_name: "/dev/flow" });
    expect(json).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "dev-proxy-denials",
      metric_name: "ProxyDenials",
      namespace: "egress6/dev",
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      alarm_actions: [TOPIC],
      ok_actions: [TOPIC],
    });
    const alarms = Object.keys(JSON.parse(json).resource.aws_cloudwatch_metric_alarm);
    expect(alarms).toHaveLength(4);
  });

  it("returns the alarms by catalogue id", () => {
    Testing.synthScope((scope) => {
      const created = createAlarms(scope, { ...base, firewall: true });
      expect([...created.logAlarms.keys()]).toEqual(ids({ ...base, firewall: true }));
      expect(created.caCertificateExpiry).toBeUndefined();
    });
  });

  it("the firewall CA's expiry: ACM DaysToExpiry below the threshold, missing data breaching", () => {
    const json = synth({ firewall: true, proxies: false, firewallCaCertificateArn: CA });
    expect(json).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "dev-ca-certificate-expiry",
      namespace: "AWS/CertificateManager",
      metric_name: "DaysToExpiry",
      dimensions: { CertificateArn: CA },
      statistic: "Minimum",
      period: 86400,
      threshold: CA_EXPIRY_ALARM_DAYS,
      comparison_operator: "LessThanThreshold",
      treat_missing_data: "breaching",
      alarm_actions: [TOPIC],
      ok_actions: [TOPIC],
    });
    expect(JSON.parse(json).resource.aws_cloudwatch_metric_alarm).toHaveProperty(["ca-certificate-expiry"]);
  });

  it("no CA expiry alarm without a firewall CA", () => {
    expect(synth({ firewall: true })).not.toHaveResourceWithProperties(CloudwatchMetricAlarm, { metric_name: "DaysToExpiry" });
  });

  it("refuses inconsistent inputs before creating anything", () => {
    expect(() => synth({ icapFailOpen: true })).toThrow(/icapFailOpen needs decryptionAtProxy/);
  });
});
