/**
 * `policy status`: the judgement of each proxy's PolicyVersion and Healthy datapoints, through a fake metrics reader
 * (the CloudWatch binding needs @aws-sdk/client-cloudwatch, not a dependency of this build).
 */
import { DEMO_CONFIG } from "../../../config/demo";
import { parseConfig } from "../../../config/load";
import { PROXY_METRIC_NAMESPACE, policyVersionOf } from "../../../lib/proxy-signals";
import {
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

  test("the slots are one proxy per AZ (a-1, b-1); none in firewall-igw", () => {
    expect(proxySlots(config)).toEqual(["a-1", "b-1"]);
    expect(proxySlots(config, 2)).toEqual(["a-1", "a-2", "b-1", "b-2"]);
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
});
