/**
 * `policy status --env NAME`: which policy version each proxy of the environment runs and whether it is healthy,
 * from the metrics every proxy publishes about itself (lib/proxy-signals.ts): the latest `PolicyVersion` datapoint,
 * compared with the version the config would deploy, and the latest `Healthy` heartbeat.
 *
 * The metrics are read through `ProxyMetricsReader`, so the judgement here needs no AWS client (and its tests none);
 * `cloudWatchReader` binds it to CloudWatch.
 */
import { modeProfile } from "../../config/modes";
import type { Egress6Config } from "../../config/schema";
import { zonesOf } from "../../config/zones";
import { UserError } from "../../lib/errors";
import { PROXY_DIMENSION, PROXY_METRIC, PROXY_METRIC_NAMESPACE } from "../../lib/proxy-signals";
import { slotsOf } from "../../lib/proxy-failover";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { renderPolicyBundle } from "../../modules/proxy/policy-bundle";
import { VPC_CIDR_PLACEHOLDER } from "../../modules/proxy/squid-conf";
import { squidPolicyOf } from "../../stacks/proxy-policy";

/** One CloudWatch datapoint. */
export interface MetricPoint {
  readonly value: number;
  readonly timestamp: Date;
}

/** A metric of one proxy: namespace, name and the two dimensions every proxy metric carries. */
export interface ProxyMetricQuery {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly { readonly name: string; readonly value: string }[];
}

/** Reads the latest datapoint of a metric within the last `lookbackMinutes`, or undefined when there is none. */
export interface ProxyMetricsReader {
  latest(query: ProxyMetricQuery, lookbackMinutes: number): Promise<MetricPoint | undefined>;
}

/** The version a proxy should run: the policy bundle's `policyVersionOf(...)`. */
export interface ExpectedPolicyVersion {
  readonly id: string;
  readonly metricValue: number;
}

/**
 * The version of the policy bundle `config` deploys: the bundle rendered as the proxy tier renders it, with the /56
 * as its placeholder (the version never depends on the /56: modules/proxy/policy-bundle.ts). Undefined in a mode
 * without proxies.
 */
export function expectedPolicyVersion(config: Egress6Config): ExpectedPolicyVersion | undefined {
  if (!modeProfile(config.inspection.mode).proxies) return undefined;
  return renderPolicyBundle({ policy: squidPolicyOf(config), vpcIpv6Cidr: VPC_CIDR_PLACEHOLDER }).version;
}

/** The proxy slots of the environment: `proxySlotId(az, n)` for each AZ and each slot (primary, standby). */
export function proxySlots(config: Egress6Config): string[] {
  if (!modeProfile(config.inspection.mode).proxies) return [];
  return zonesOf(config).flatMap((z) => slotsOf(z.suffix));
}

export interface ProxyStatus {
  readonly proxy: string;
  /** The latest PolicyVersion value, if any was published in the lookback window. */
  readonly running?: MetricPoint;
  /** The latest Healthy heartbeat, if any. */
  readonly healthy?: MetricPoint;
  /** On the expected version and healthy. */
  readonly ok: boolean;
  /** What is wrong, in words (empty when ok). */
  readonly problems: readonly string[];
}

export interface StatusOptions {
  /** How far back to look for the latest datapoint. @default 15 */
  readonly lookbackMinutes?: number;
  /** A heartbeat older than this is stale (proxies publish each minute). @default 5 */
  readonly heartbeatMaxAgeMinutes?: number;
  readonly now?: Date;
}

/** The status of each proxy slot, against the expected version. */
export async function proxyStatuses(
  envName: string,
  slots: readonly string[],
  expected: ExpectedPolicyVersion,
  reader: ProxyMetricsReader,
  options: StatusOptions = {},
): Promise<ProxyStatus[]> {
  const lookback = options.lookbackMinutes ?? 15;
  const maxAge = options.heartbeatMaxAgeMinutes ?? 5;
  const now = options.now ?? new Date();
  const query = (metricName: string, proxy: string): ProxyMetricQuery => ({
    namespace: PROXY_METRIC_NAMESPACE,
    metricName,
    dimensions: [
      { name: PROXY_DIMENSION.environment, value: envName },
      { name: PROXY_DIMENSION.proxy, value: proxy },
    ],
  });
  const out: ProxyStatus[] = [];
  for (const proxy of slots) {
    const [running, healthy] = await Promise.all([
      reader.latest(query(PROXY_METRIC.policyVersion, proxy), lookback),
      reader.latest(query(PROXY_METRIC.healthy, proxy), lookback),
    ]);
    const problems: string[] = [];
    if (running === undefined) problems.push(`no ${PROXY_METRIC.policyVersion} datapoint in the last ${lookback} minutes`);
    else if (running.value !== expected.metricValue)
      problems.push(`runs policy ${running.value}, expected ${expected.metricValue} (${expected.id})`);
    if (healthy === undefined) problems.push(`no ${PROXY_METRIC.healthy} heartbeat in the last ${lookback} minutes`);
    else {
      const ageMinutes = (now.getTime() - healthy.timestamp.getTime()) / 60_000;
      if (healthy.value < 1) problems.push(`${PROXY_METRIC.healthy} is ${healthy.value}`);
      else if (ageMinutes > maxAge) problems.push(`last heartbeat ${Math.round(ageMinutes)} minutes ago (stale after ${maxAge})`);
    }
    out.push({ proxy, ...(running ? { running } : {}), ...(healthy ? { healthy } : {}), ok: problems.length === 0, problems });
  }
  return out;
}

/** The report `policy status` prints. */
export function formatStatus(envName: string, expected: ExpectedPolicyVersion, statuses: readonly ProxyStatus[]): string {
  const lines = [`policy status of ${envName}: expected version ${expected.id} (metric value ${expected.metricValue})`];
  for (const s of statuses) {
    const running = s.running ? `policy ${s.running.value} at ${s.running.timestamp.toISOString()}` : "policy unknown";
    const healthy = s.healthy ? `heartbeat ${s.healthy.timestamp.toISOString()}` : "no heartbeat";
    lines.push(`  ${s.proxy}: ${s.ok ? "ok" : "NOT OK"}, ${running}, ${healthy}${s.ok ? "" : `: ${s.problems.join("; ")}`}`);
  }
  const bad = statuses.filter((s) => !s.ok).length;
  lines.push(
    bad === 0 ? `all ${statuses.length} proxies run the expected policy and are healthy` : `${bad} of ${statuses.length} proxies are not`,
  );
  return `${lines.join("\n")}\n`;
}

/**
 * The CloudWatch binding of `ProxyMetricsReader`: `GetMetricData` (one `MetricStat`, `Stat: "Maximum"`, `Period: 60`,
 * newest first) in the environment's region with the caller's credentials (CloudWatch API reference, GetMetricData).
 */
export function cloudWatchReader(region: string): ProxyMetricsReader {
  const client = new CloudWatchClient({ region, useDualstackEndpoint: true });
  return {
    async latest(query, lookbackMinutes) {
      const end = new Date();
      const out = await client.send(
        new GetMetricDataCommand({
          StartTime: new Date(end.getTime() - lookbackMinutes * 60_000),
          EndTime: end,
          ScanBy: "TimestampDescending",
          MetricDataQueries: [
            {
              Id: "m",
              ReturnData: true,
              MetricStat: {
                Metric: {
                  Namespace: query.namespace,
                  MetricName: query.metricName,
                  Dimensions: query.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
                },
                Stat: "Maximum",
                Period: 60,
              },
            },
          ],
        }),
      );
      const result = out.MetricDataResults?.[0];
      if (result?.StatusCode !== undefined && result.StatusCode !== "Complete") {
        throw new UserError([`policy status: CloudWatch answered ${result.StatusCode} for ${query.metricName}; try again`]);
      }
      const [value, timestamp] = [result?.Values?.[0], result?.Timestamps?.[0]];
      return value === undefined || timestamp === undefined ? undefined : { value, timestamp };
    },
  };
}
