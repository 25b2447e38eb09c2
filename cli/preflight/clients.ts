/**
 * What every AWS check of preflight shares: the clients, sending one read call (a failure becomes an AwsCallError
 * naming the code and the IAM action), paged listings, and the shape of a check.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { GuardDutyClient } from "@aws-sdk/client-guardduty";
import type { ConfigServiceClient } from "@aws-sdk/client-config-service";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import type { NetworkFirewallClient } from "@aws-sdk/client-network-firewall";
import type { ACMClient } from "@aws-sdk/client-acm";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { Egress6Config } from "../../config/load";
import { partitionOf } from "../../lib/partition";
import type { CheckResult } from "./result";

/** A failed AWS call, as one line: `AccessDenied on ec2:DescribeImages`. */
export class AwsCallError extends Error {
  constructor(
    readonly code: string,
    readonly action: string,
  ) {
    super(`${code} on ${action}`);
  }
}

/** One client per service a check reads, all in the configured region but `home` (see homeRegion). */
export interface Clients {
  readonly ec2: EC2Client;
  readonly home: EC2Client;
  readonly ssm: SSMClient;
  readonly guardDuty: GuardDutyClient;
  readonly config: ConfigServiceClient;
  readonly cloudTrail: CloudTrailClient;
  readonly logs: CloudWatchLogsClient;
  readonly quotas: ServiceQuotasClient;
  readonly networkFirewall: NetworkFirewallClient;
  readonly acm: ACMClient;
  readonly secrets: SecretsManagerClient;
  readonly kms: KMSClient;
}

const IAM_PREFIX = new Map<string, string>([
  ["EC2Client", "ec2"],
  ["SSMClient", "ssm"],
  ["GuardDutyClient", "guardduty"],
  ["ConfigServiceClient", "config"],
  ["CloudTrailClient", "cloudtrail"],
  ["CloudWatchLogsClient", "logs"],
  ["ServiceQuotasClient", "servicequotas"],
  ["NetworkFirewallClient", "network-firewall"],
  ["ACMClient", "acm"],
  ["SecretsManagerClient", "secretsmanager"],
  ["KMSClient", "kms"],
]);

/** An AWS SDK v3 command, as send names it (its class name is the API action plus `Command`). */
export interface SdkCommand {
  readonly constructor: { readonly name: string };
}

/** An AWS SDK v3 client (one of Clients): `send` takes one of its commands and resolves to that command's output. */
export interface SdkClient {
  send(command: SdkCommand): Promise<unknown>;
}

/**
 * Sends one read command; any failure becomes an AwsCallError naming the code and the IAM action. `O` is the command's
 * output type as the SDK exports it (`DescribeImagesCommandOutput` for a DescribeImagesCommand).
 */
export async function send<O>(client: SdkClient, command: SdkCommand): Promise<O> {
  const action = `${IAM_PREFIX.get(client.constructor.name) ?? client.constructor.name}:${command.constructor.name.replace(/Command$/, "")}`;
  try {
    return (await client.send(command)) as O;
  } catch (e) {
    const err = e as { name?: string; code?: string; Code?: string; $metadata?: unknown };
    const code = (err.$metadata ? err.name : (err.code ?? err.name)) ?? err.Code ?? "Error";
    throw new AwsCallError(code === "Error" && e instanceof Error ? e.message.split("\n")[0] : code, action);
  }
}

/** The region whose EC2 endpoint every account can call, to ask about the configured one (which may be disabled). */
export function homeRegion(region: string): string {
  switch (partitionOf(region)) {
    case "aws-cn":
      return "cn-north-1";
    case "aws-us-gov":
      return "us-gov-west-1";
    default:
      return "us-east-1";
  }
}

/** One check: its id, what it covers, and the call that runs it. */
export interface Check {
  readonly id: string;
  /** What the check covers, for the line that says it was skipped. */
  readonly what: string;
  run(): Promise<CheckResult[]>;
}

/** What each check is built from: the config, the clients, and the firewall count two checks share (one listing). */
export interface CheckContext {
  /** The validated config preflight checks. */
  readonly config: Egress6Config;
  /** The clients of the configured region (and `home`). */
  readonly c: Clients;
  /** How many Network Firewall firewalls exist in the region (network-firewall:ListFirewalls, listed once). */
  readonly countFirewalls: () => Promise<number>;
}

/** An instance tier whose AMI and instance type the checks look up: the workload and, with proxies, the proxy. */
export interface Tier {
  /** The tier's name in the check ids (`workload`, `proxy`). */
  readonly tier: string;
  /** The config field that holds its `ami` and `instanceType`. */
  readonly field: string;
  /** Its instance type. */
  readonly instanceType: string;
  /** Its AMI (an SSM parameter, `resolve:ssm:` optional). */
  readonly ami: string;
}

/**
 * Every item of a paged listing (at most 100 pages, so a misbehaving token cannot loop forever). `O` is the listing
 * command's output type; `items` picks the page's items and `tokenField` names its next-page token.
 */
export async function listAll<O, T>(
  client: SdkClient,
  command: (token: string | undefined) => SdkCommand,
  items: (out: O) => T[],
  tokenField: "NextToken" | "nextToken" = "NextToken",
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await send<O>(client, command(token));
    all.push(...items(out));
    const next = (out as Record<string, unknown> | undefined)?.[tokenField];
    token = typeof next === "string" ? next : undefined;
    if (!token) return all;
  }
  throw new AwsCallError("TooManyPages", "listing");
}
