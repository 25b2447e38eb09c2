/**
 * `policy status`: the judgement of each proxy's PolicyVersion and Healthy datapoints, through a fake metrics reader;
 * the CloudWatch binding against a mocked CloudWatch client; the expected version against the synthesized bundle.
 */
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { Testing } from "cdktf";
import { InspectionStack } from "../../../stacks/inspection-stack";
import { POLICY_VERSION_PREFIX } from "../../../lib/proxy-signals";
import { DEMO_CONFIG } from "../../../config/demo";
import { parseConfig } from "../../../config/load";
import { PROXY_METRIC_NAMESPACE, policyVersionOf } from "../../../lib/proxy-signals";
import {
  cloudWatchReader,
  expectedPolicyVersion,
  formatStatus,
  proxySlots,
  proxyStatuses,
  type MetricPoint,
  type ProxyMetricQuery,
  type ProxyMetricsReader,
} from "../../../cli/policy/status";

const NOW = new Date("2026-12-07T00:00:00Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const expected = policyVersionOf("acl egress_domains dstdomain -n .github.io\n");

/** Answers from a table keyed `<metric> <Proxy dimension>`, and records every query. */
function reader(points: Record<string, MetricPoint | undefined>): ProxyMetricsReader & { queries: ProxyMetricQuery[] } {
  const queries: ProxyMetricQuery[] = [];
  return {
    queries,
    latest: async (query) => {
      queries.push(query);
      const proxy = query.dimensions.find((d) => d.name === "Proxy")!.value;
      return points[`${query.metricName} ${proxy}`];
    },
  };
}

describe("policy status", () => {
  const config = parseConfig(DEMO_CONFIG, "demo");

  test("the slots are a primary and a standby per AZ; none in firewall-igw", () => {
    expect(proxySlots(config)).toEqual(["a-1", "a-2", "b-1", "b-2"]);
    expect(proxySlots(parseConfig({ ...DEMO_CONFIG, inspection: { mode: "firewall-igw" } }, "demo"))).toEqual([]);
  });

  test("reads PolicyVersion and Healthy of each proxy in the shared namespace, with the Environment and Proxy dimensions", async () => {
    const r = reader({});
    await proxyStatuses("demo", ["a-1"], expected, r, { now: NOW });
    expect(r.queries).toEqual([
      {
        namespace: PROXY_METRIC_NAMESPACE,
        metricName: "PolicyVersion",
        dimensions: [
          { name: "Environment", value: "demo" },
          { name: "Proxy", value: "a-1" },
        ],
      },
      {
        namespace: PROXY_METRIC_NAMESPACE,
        metricName: "Healthy",
        dimensions: [
          { name: "Environment", value: "demo" },
          { name: "Proxy", value: "a-1" },
        ],
      },
    ]);
  });

  test("each proxy: ok on the expected version with a fresh heartbeat; otherwise every problem named", async () => {
    const r = reader({
      "PolicyVersion a-1": { value: expected.metricValue, timestamp: minutesAgo(1) },
      "Healthy a-1": { value: 1, timestamp: minutesAgo(1) },
      "PolicyVersion b-1": { value: 12345, timestamp: minutesAgo(2) },
      "Healthy b-1": { value: 1, timestamp: minutesAgo(9) },
      "Healthy c-1": { value: 1, timestamp: minutesAgo(1) },
    });
    const statuses = await proxyStatuses("demo", ["a-1", "b-1", "c-1"], expected, r, { now: NOW });
    expect(statuses.map((s) => [s.proxy, s.ok, s.problems])).toEqual([
      ["a-1", true, []],
      [
        "b-1",
        false,
        [`runs policy 12345, expected ${expected.metricValue} (${expected.id})`, "last heartbeat 9 minutes ago (stale after 5)"],
      ],
      ["c-1", false, ["no PolicyVersion datapoint in the last 15 minutes"]],
    ]);
    const report = formatStatus("demo", expected, statuses);
    expect(report).toContain(`policy status of demo: expected version ${expected.id}`);
    expect(report).toContain("  a-1: ok, policy ");
    expect(report.trimEnd().split("\n").at(-1)).toBe("2 of 3 proxies are not");
  });

  test("no heartbeat at all is not healthy", async () => {
    const r = reader({ "PolicyVersion a-1": { value: expected.metricValue, timestamp: minutesAgo(1) } });
    const [s] = await proxyStatuses("demo", ["a-1"], expected, r, { now: NOW });
    expect(s.ok).toBe(false);
    expect(s.problems).toEqual(["no Healthy heartbeat in the last 15 minutes"]);
  });

  test("the expected version is the one the synthesized policy bundle carries; none without proxies", () => {
    const app = Testing.app();
    const stack = new InspectionStack(app, config);
    const objects = JSON.parse(Testing.synth(stack)).resource.aws_s3_object as Record<string, { content: string }>;
    const [bundle] = Object.values(objects);
    expect(bundle.content.split("\n")[0]).toBe(`${POLICY_VERSION_PREFIX}${expectedPolicyVersion(config)!.id}`);
    expect(expectedPolicyVersion(parseConfig({ ...DEMO_CONFIG, inspection: { mode: "firewall-igw" } }, "demo"))).toBeUndefined();
  });

  test("cloudWatchReader asks GetMetricData for the newest Maximum of the metric, and reads no datapoint as none", async () => {
    const cw = mockClient(CloudWatchClient);
    try {
      cw.on(GetMetricDataCommand)
        .resolvesOnce({
          MetricDataResults: [{ Id: "m", StatusCode: "Complete", Values: [7, 5], Timestamps: [minutesAgo(1), minutesAgo(2)] }],
        })
        .resolvesOnce({ MetricDataResults: [{ Id: "m", StatusCode: "Complete", Values: [], Timestamps: [] }] })
        .resolvesOnce({ MetricDataResults: [{ Id: "m", StatusCode: "PartialData", Values: [1], Timestamps: [minutesAgo(1)] }] });
      const r = cloudWatchReader("eu-west-1");
      const query = { namespace: PROXY_METRIC_NAMESPACE, metricName: "PolicyVersion", dimensions: [{ name: "Proxy", value: "a-1" }] };
      expect(await r.latest(query, 15)).toEqual({ value: 7, timestamp: minutesAgo(1) });
      expect(await r.latest(query, 15)).toBeUndefined();
      await expect(r.latest(query, 15)).rejects.toThrow(/PartialData/);
      const input = cw.commandCalls(GetMetricDataCommand)[0].args[0].input;
      expect(input.ScanBy).toBe("TimestampDescending");
      expect(input.MetricDataQueries?.[0].MetricStat).toEqual({
        Metric: { Namespace: PROXY_METRIC_NAMESPACE, MetricName: "PolicyVersion", Dimensions: [{ Name: "Proxy", Value: "a-1" }] },
        Stat: "Maximum",
        Period: 60,
      });
      expect(input.EndTime!.getTime() - input.StartTime!.getTime()).toBe(15 * 60_000);
    } finally {
      cw.restore();
    }
  });
});
