/**
 * Proxy failover Lambda: keeps each AZ's routes on a healthy proxy of that AZ. Invoked by EventBridge on every
 * state change of the per-proxy heartbeat alarms and once a minute (a reconciliation that makes good a lost event);
 * every invocation reconciles the whole VPC (failover.ts), so the event's content only goes to the log.
 *
 * Environment: VPC_ID, EGRESS6_ENVIRONMENT (set by modules/observability/proxy-failover.ts); AWS_REGION (Lambda).
 * Bundled by tooling/build.js into dist/lambda-bundle/proxy-failover/index.js.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { Context } from "aws-lambda";
import { jsonLogger, type Logger } from "../remediation/log";
import { FAILOVER_ENV } from "../../lib/proxy-failover";
import { reconcile, type FailoverOutcome } from "./failover";

export interface FailoverSettings {
  readonly ec2: EC2Client;
  readonly cloudwatch: CloudWatchClient;
  readonly vpcId: string;
  readonly environment: string;
  /** Builds the logger for one invocation; the default writes JSON lines to stdout. */
  readonly logger?: (base: Record<string, unknown>) => Logger;
}

/** What triggered the invocation, for the log: an alarm's name and new state, the schedule, or something else. */
export function triggerOf(event: unknown): Record<string, unknown> {
  if (typeof event !== "object" || event === null) return { trigger: "unknown" };
  const e = event as { "detail-type"?: unknown; detail?: { alarmName?: unknown; state?: { value?: unknown } } };
  if (e["detail-type"] === "CloudWatch Alarm State Change") {
    return { trigger: "alarm", alarmName: e.detail?.alarmName, state: e.detail?.state?.value };
  }
  if (e["detail-type"] === "Scheduled Event") return { trigger: "schedule" };
  return { trigger: "unknown" };
}

/** A handler bound to its settings (tests build one with mocked clients). */
export function createHandler(settings: FailoverSettings) {
  return async (event: unknown, context?: Pick<Context, "awsRequestId">): Promise<FailoverOutcome> => {
    const log = (settings.logger ?? jsonLogger)({ requestId: context?.awsRequestId, ...triggerOf(event) });
    return reconcile({ ec2: settings.ec2, cloudwatch: settings.cloudwatch, vpcId: settings.vpcId, environment: settings.environment, log });
  };
}

/** Reads the settings from the environment; a missing variable is a deployment error, reported by name. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<FailoverSettings, "vpcId" | "environment"> {
  const missing = [FAILOVER_ENV.vpcId, FAILOVER_ENV.environment].filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`proxy failover Lambda misconfigured: environment variable(s) ${missing.join(", ")} not set`);
  return { vpcId: env[FAILOVER_ENV.vpcId] as string, environment: env[FAILOVER_ENV.environment] as string };
}

let bound: ReturnType<typeof createHandler> | undefined;

/** The Lambda entry point (`index.handler`). The clients are created once per execution environment. */
export async function handler(event: unknown, context?: Context): Promise<FailoverOutcome> {
  bound ??= createHandler({ ...settingsFromEnv(), ec2: new EC2Client({}), cloudwatch: new CloudWatchClient({}) });
  return bound(event, context);
}
