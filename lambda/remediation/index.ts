/**
 * Remediation Lambda for EventBridge events:
 * - AWS Config "Config Rules Compliance Change" (NON_COMPLIANT security group): revoke ingress open to the internet;
 * - GuardDuty "GuardDuty Finding" (severity High or above, naming an EC2 instance): isolate the instance.
 *
 * Environment: QUARANTINE_SECURITY_GROUP_ID, VPC_ID (set by the observability stack); AWS_REGION (set by Lambda).
 * Bundled by tooling/build.js into dist/lambda-bundle/remediation/index.js.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import type { Context } from "aws-lambda";
import { classify } from "./events";
import { jsonLogger, type Logger } from "./log";
import { closeOpenIngress, errorCode, isolateInstance, type Outcome, type RemediationContext } from "./remediate";

export interface RemediationSettings {
  readonly ec2: EC2Client;
  readonly vpcId: string;
  readonly quarantineSecurityGroupId: string;
  /** Builds the logger for one invocation; the default writes JSON lines to stdout. */
  readonly logger?: (base: Record<string, unknown>) => Logger;
}

/** A handler bound to its settings (tests build one with a mocked client). */
export function createHandler(settings: RemediationSettings) {
  return async (event: unknown, context?: Pick<Context, "awsRequestId">): Promise<Outcome> => {
    const eventId = typeof event === "object" && event !== null ? (event as { id?: unknown }).id : undefined;
    const log = (settings.logger ?? jsonLogger)({ requestId: context?.awsRequestId, eventId });
    const request = classify(event);
    if (request.kind === "ignore") {
      log.info("event ignored", { reason: request.reason });
      return { action: "ignored", reason: request.reason };
    }
    const ctx: RemediationContext = {
      ec2: settings.ec2,
      vpcId: settings.vpcId,
      quarantineSecurityGroupId: settings.quarantineSecurityGroupId,
      log,
    };
    try {
      if (request.kind === "close-open-ingress") return await closeOpenIngress(ctx, request.groupId);
      log.info("GuardDuty finding names an instance", {
        instanceId: request.instanceId,
        findingId: request.findingId,
        findingType: request.findingType,
        severity: request.severity,
      });
      return await isolateInstance(ctx, request.instanceId, request.findingId);
    } catch (error) {
      // Thrown on purpose: an asynchronous invocation that fails is retried by Lambda, then sent to the DLQ.
      log.error("remediation failed; Lambda will retry", {
        request,
        errorCode: errorCode(error),
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  };
}

/** Reads the settings from the environment; a missing variable is a deployment error, reported by name. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<RemediationSettings, "ec2"> {
  const missing = ["QUARANTINE_SECURITY_GROUP_ID", "VPC_ID"].filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`remediation Lambda misconfigured: environment variable(s) ${missing.join(", ")} not set`);
  return { quarantineSecurityGroupId: env.QUARANTINE_SECURITY_GROUP_ID as string, vpcId: env.VPC_ID as string };
}

let bound: ReturnType<typeof createHandler> | undefined;

/** The Lambda entry point (`index.handler`). The client is created once per execution environment. */
export async function handler(event: unknown, context?: Context): Promise<Outcome> {
  bound ??= createHandler({ ...settingsFromEnv(), ec2: new EC2Client({}) });
  return bound(event, context);
}
