/**
 * Recognises the two EventBridge events the function acts on and turns each into a remediation request.
 * Anything else becomes `{ kind: "ignore" }` with the reason, never an exception: an event we do not understand
 * would fail the same way on every retry and only fill the dead-letter queue.
 */

/** GuardDuty severities 7.0-8.9 are High and 9.0-10.0 Critical (GuardDuty user guide, "Severity levels"). */
export const HIGH_SEVERITY = 7;

/** EventBridge `source` / `detail-type` pairs (AWS Config and GuardDuty user guides, EventBridge examples). */
export const CONFIG_SOURCE = "aws.config";
export const CONFIG_DETAIL_TYPE = "Config Rules Compliance Change";
export const GUARDDUTY_SOURCE = "aws.guardduty";
export const GUARDDUTY_DETAIL_TYPE = "GuardDuty Finding";

const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

export type Remediation =
  | {
      readonly kind: "close-open-ingress";
      readonly groupId: string;
      /** The Config rule that reported the group. */
      readonly ruleName: string;
    }
  | {
      readonly kind: "isolate-instance";
      readonly instanceId: string;
      readonly findingId: string;
      readonly findingType: string;
      readonly severity: number;
    }
  | { readonly kind: "ignore"; readonly reason: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

function ignore(reason: string): Remediation {
  return { kind: "ignore", reason };
}

/** Classifies an EventBridge event delivered to the function. */
export function classify(event: unknown): Remediation {
  if (!isObject(event)) return ignore("the event is not a JSON object");
  const source = event.source;
  const detailType = event["detail-type"];
  if (source === CONFIG_SOURCE && detailType === CONFIG_DETAIL_TYPE) return classifyConfig(event.detail);
  if (source === GUARDDUTY_SOURCE && detailType === GUARDDUTY_DETAIL_TYPE) return classifyGuardDuty(event.detail);
  return ignore(`unsupported event source/detail-type: ${String(source)} / ${String(detailType)}`);
}

function classifyConfig(detail: unknown): Remediation {
  const compliance = field(detail, "newEvaluationResult", "complianceType");
  const resourceType =
    field(detail, "resourceType") ??
    field(detail, "newEvaluationResult", "evaluationResultIdentifier", "evaluationResultQualifier", "resourceType");
  const resourceId =
    field(detail, "resourceId") ??
    field(detail, "newEvaluationResult", "evaluationResultIdentifier", "evaluationResultQualifier", "resourceId");
  const ruleName = field(detail, "configRuleName");
  if (compliance !== "NON_COMPLIANT") return ignore(`Config compliance is ${String(compliance)}, not NON_COMPLIANT`);
  if (resourceType !== "AWS::EC2::SecurityGroup")
    return ignore(`Config resource type ${String(resourceType)} is not AWS::EC2::SecurityGroup`);
  if (typeof resourceId !== "string" || !SECURITY_GROUP_ID.test(resourceId))
    return ignore(`Config resource id ${String(resourceId)} is not a security group id`);
  return { kind: "close-open-ingress", groupId: resourceId, ruleName: typeof ruleName === "string" ? ruleName : "(unknown rule)" };
}

function classifyGuardDuty(detail: unknown): Remediation {
  const severity = field(detail, "severity");
  const findingId = field(detail, "id");
  const findingType = field(detail, "type");
  if (typeof findingId !== "string" || findingId === "") return ignore("GuardDuty finding has no id");
  if (field(detail, "service", "additionalInfo", "sample") === true) return ignore(`GuardDuty finding ${findingId} is a sample finding`);
  if (field(detail, "service", "archived") === true) return ignore(`GuardDuty finding ${findingId} is archived`);
  if (typeof severity !== "number" || severity < HIGH_SEVERITY) {
    return ignore(`GuardDuty finding ${findingId} has severity ${String(severity)}, below ${HIGH_SEVERITY} (High)`);
  }
  if (field(detail, "resource", "resourceType") !== "Instance") {
    return ignore(`GuardDuty finding ${findingId} is about a ${String(field(detail, "resource", "resourceType"))}, not an EC2 instance`);
  }
  const instanceId = field(detail, "resource", "instanceDetails", "instanceId");
  if (typeof instanceId !== "string" || !INSTANCE_ID.test(instanceId)) {
    return ignore(`GuardDuty finding ${findingId} names no EC2 instance id (got ${String(instanceId)})`);
  }
  return {
    kind: "isolate-instance",
    instanceId,
    findingId,
    findingType: typeof findingType === "string" ? findingType : "(unknown type)",
    severity,
  };
}
