/**
 * The names the proxy tier, the failover alarms and the failover Lambda agree on beyond lib/proxy-signals.ts: the
 * slot tag on every proxy interface, the alarm names (deterministic from the environment and the slot, so the
 * Lambda finds an interface's alarm from its tags alone), the heartbeat's timing and the Lambda's settings.
 */
import { proxySlotId } from "./proxy-signals";

/** The proxy slots of an AZ, in order of preference: 1 (primary) carries the routes whenever it is healthy. */
export const PROXY_SLOTS = [1, 2] as const;
export const PRIMARY_SLOT = 1;
export const STANDBY_SLOT = 2;

/** On every proxy network interface (beside TAG_FAILOVER_GROUP): its slot, `proxySlotId(az, n)`. */
export const TAG_PROXY_SLOT = "egress6:proxy-slot";

/**
 * The heartbeat: every `intervalSeconds` each proxy publishes Healthy = 1 while Squid answers; the per-proxy alarm
 * looks at `periodSeconds` periods (a high-resolution alarm: 10 or 30 s, or a multiple of 60) and fires after
 * `evaluationPeriods` of them without a data point (missing data is breaching).
 */
export const HEARTBEAT = { intervalSeconds: 10, periodSeconds: 10, evaluationPeriods: 3 } as const;

/** The per-proxy alarm: ALARM (or INSUFFICIENT_DATA) = this proxy is not known to serve. */
export function proxyHealthAlarmName(env: string, slot: string): string {
  return `${env}-proxy-${slot}-heartbeat`;
}

/** The per-AZ alarm: no proxy of the AZ is healthy, the AZ's egress is closed. */
export function proxyZoneAlarmName(env: string, azSuffix: string): string {
  return `${env}-proxy-${azSuffix}-no-healthy-proxy`;
}

/** The slot number of a slot id (`a-2` -> 2), or undefined when it is not `<az>-<n>`. */
export function slotNumberOf(slot: string): number | undefined {
  const m = /^[a-z0-9]+-([1-9][0-9]*)$/.exec(slot);
  return m ? Number(m[1]) : undefined;
}

/** Every slot id of an AZ, primary first. */
export function slotsOf(azSuffix: string): string[] {
  return PROXY_SLOTS.map((n) => proxySlotId(azSuffix, n));
}

/** The failover Lambda's name. */
export function proxyFailoverFunctionName(env: string): string {
  return `${env}-egress6-proxy-failover`;
}

/** The environment variables the failover Lambda reads (set by modules/observability/proxy-failover.ts). */
export const FAILOVER_ENV = { vpcId: "VPC_ID", environment: "EGRESS6_ENVIRONMENT" } as const;

/** EventBridge: CloudWatch alarm state changes (CloudWatch user guide, "Alarm events and EventBridge"). */
export const ALARM_EVENT_SOURCE = "aws.cloudwatch";
export const ALARM_EVENT_DETAIL_TYPE = "CloudWatch Alarm State Change";
