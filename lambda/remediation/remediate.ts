/**
 * The two remediations. Each one first reads the current state and changes only what is still wrong, so a
 * repeated delivery of the same event is a no-op. AWS errors that mean "already gone" count as done; every
 * other error is thrown so that Lambda's asynchronous retries and the dead-letter queue take over.
 */
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupIngressCommand,
  paginateDescribeSecurityGroupRules,
  type EC2Client,
  type Instance,
  type SecurityGroupRule,
} from "@aws-sdk/client-ec2";
import type { Logger } from "./log";
import { TAG_QUARANTINED } from "../../lib/names";

/** Sources that mean "anyone on the internet". */
export const ANY_IPV4 = "0.0.0.0/0";
export const ANY_IPV6 = "::/0";

/** Tag set on an isolated instance; its value is the GuardDuty finding id that caused the isolation. */
export const QUARANTINE_TAG = TAG_QUARANTINED;

/** EC2 error codes meaning the thing to remove or change no longer exists (EC2 API reference, "Error codes"). */
const GONE_ERROR_CODES: ReadonlySet<string> = new Set([
  "InvalidGroup.NotFound",
  "InvalidSecurityGroupRuleId.NotFound",
  "InvalidPermission.NotFound",
  "InvalidInstanceID.NotFound",
  "InvalidNetworkInterfaceID.NotFound",
]);

/** Instance states in which there is nothing left to isolate. */
const FINISHED_STATES: ReadonlySet<string> = new Set(["shutting-down", "terminated"]);

export interface RemediationContext {
  readonly ec2: EC2Client;
  /** Only resources in this VPC are touched; the function's IAM policy is scoped to it as well. */
  readonly vpcId: string;
  /** The security group (no rules) that isolated instances are moved into. */
  readonly quarantineSecurityGroupId: string;
  readonly log: Logger;
}

export type Outcome =
  | { readonly action: "revoked"; readonly groupId: string; readonly ruleIds: readonly string[] }
  | { readonly action: "isolated"; readonly instanceId: string; readonly networkInterfaceIds: readonly string[]; readonly tagged: boolean }
  | { readonly action: "already-done"; readonly reason: string }
  | { readonly action: "out-of-scope"; readonly reason: string }
  | { readonly action: "ignored"; readonly reason: string };

/** The EC2 error code of an SDK error (the SDK puts it in `name`), or undefined for anything else. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  if (typeof Code === "string") return Code;
  return typeof name === "string" ? name : undefined;
}

export function isGone(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && GONE_ERROR_CODES.has(code);
}

/** Runs `call`; a "gone" error becomes `undefined`, anything else is rethrown. */
async function unlessGone<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/**
 * Protocols with which a peer opens a connection or a flow, as DescribeSecurityGroupRules writes them (EC2 API
 * reference, SecurityGroupRule.IpProtocol: a name for tcp, udp, icmp and icmpv6, `-1` for all protocols, else the
 * number); the numbers of tcp and udp are accepted too. ICMP and ICMPv6 are not among them: an ICMPv6 Packet Too
 * Big rule open to ::/0 is what Path MTU discovery needs (egress6's own groups carry it), and opens nothing.
 */
export const CONNECTION_PROTOCOLS: ReadonlySet<string> = new Set(["tcp", "udp", "-1", "6", "17"]);

/**
 * True for an ingress rule that lets the whole IPv4 or IPv6 internet open connections: source 0.0.0.0/0 or ::/0
 * and protocol tcp, udp or all. Rules whose peer is a security group or a prefix list carry no CIDR and never match.
 */
export function isOpenIngress(rule: SecurityGroupRule): boolean {
  if (rule.IsEgress === true) return false;
  if (rule.CidrIpv4 !== ANY_IPV4 && rule.CidrIpv6 !== ANY_IPV6) return false;
  return CONNECTION_PROTOCOLS.has((rule.IpProtocol ?? "").toLowerCase());
}

/** Removes every ingress rule of `groupId` that lets `0.0.0.0/0` or `::/0` open connections, and nothing else. */
export async function closeOpenIngress(ctx: RemediationContext, groupId: string): Promise<Outcome> {
  const { ec2, log } = ctx;
  const described = await unlessGone(() => ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] })));
  const group = described?.SecurityGroups?.find((g) => g.GroupId === groupId);
  if (!group) {
    log.info("security group no longer exists; nothing to do", { groupId });
    return { action: "already-done", reason: `security group ${groupId} no longer exists` };
  }
  if (group.VpcId !== ctx.vpcId) {
    log.info("security group is outside the managed VPC; not touched", { groupId, vpcId: group.VpcId });
    return { action: "out-of-scope", reason: `security group ${groupId} is in ${group.VpcId ?? "no VPC"}, not ${ctx.vpcId}` };
  }

  const open: SecurityGroupRule[] = [];
  const pages = paginateDescribeSecurityGroupRules({ client: ec2 }, { Filters: [{ Name: "group-id", Values: [groupId] }] });
  for await (const page of pages) open.push(...(page.SecurityGroupRules ?? []).filter(isOpenIngress));
  const ruleIds = open.map((r) => r.SecurityGroupRuleId).filter((id): id is string => id !== undefined);
  if (ruleIds.length === 0) {
    log.info("no ingress open to the internet; nothing to do", { groupId });
    return { action: "already-done", reason: `security group ${groupId} has no ingress open to ${ANY_IPV4} or ${ANY_IPV6}` };
  }

  const revoke = (ids: string[]) => ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: ids }));
  // One call revokes all or none (EC2 API reference, RevokeSecurityGroupIngress): if a rule vanished meanwhile,
  // revoke the rest one at a time so the missing one cannot block the others.
  const all = await unlessGone(() => revoke(ruleIds));
  if (all === undefined) {
    for (const id of ruleIds) {
      const one = await unlessGone(() => revoke([id]));
      if (one?.Return === false) throw new Error(`EC2 refused to revoke rule ${id} of ${groupId}`);
    }
  } else if (all.Return === false) {
    throw new Error(`EC2 refused to revoke rules ${ruleIds.join(", ")} of ${groupId}`);
  }
  log.info("revoked ingress open to the internet", {
    groupId,
    ruleIds,
    rules: open.map((r) => ({
      id: r.SecurityGroupRuleId,
      protocol: r.IpProtocol,
      from: r.FromPort,
      to: r.ToPort,
      source: r.CidrIpv4 ?? r.CidrIpv6,
    })),
  });
  return { action: "revoked", groupId, ruleIds };
}

/** Moves every network interface of `instanceId` into the quarantine group only, then tags the instance. */
export async function isolateInstance(ctx: RemediationContext, instanceId: string, findingId: string): Promise<Outcome> {
  const { ec2, log, quarantineSecurityGroupId: quarantine } = ctx;
  const described = await unlessGone(() => ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })));
  const instance: Instance | undefined = described?.Reservations?.flatMap((r) => r.Instances ?? []).find(
    (i) => i.InstanceId === instanceId,
  );
  const state = instance?.State?.Name;
  if (!instance || (state !== undefined && FINISHED_STATES.has(state))) {
    log.info("instance no longer exists; nothing to isolate", { instanceId, state });
    return { action: "already-done", reason: `instance ${instanceId} is ${state ?? "gone"}` };
  }
  if (instance.VpcId !== ctx.vpcId) {
    log.info("instance is outside the managed VPC; not touched", { instanceId, vpcId: instance.VpcId });
    return { action: "out-of-scope", reason: `instance ${instanceId} is in ${instance.VpcId ?? "no VPC"}, not ${ctx.vpcId}` };
  }

  const quarantined = (groups: readonly { GroupId?: string }[] | undefined) =>
    groups !== undefined && groups.length === 1 && groups[0].GroupId === quarantine;
  const pending = (instance.NetworkInterfaces ?? []).filter((eni) => eni.NetworkInterfaceId !== undefined && !quarantined(eni.Groups));
  const changed: string[] = [];
  for (const eni of pending) {
    const id = eni.NetworkInterfaceId as string;
    const done = await unlessGone(() =>
      ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Groups: [quarantine] })),
    );
    if (done === undefined) log.warn("network interface vanished before it could be isolated", { instanceId, networkInterfaceId: id });
    else changed.push(id);
  }

  const tagged = (instance.Tags ?? []).some((t) => t.Key === QUARANTINE_TAG);
  if (!tagged) {
    await ec2.send(new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: QUARANTINE_TAG, Value: findingId }] }));
  }
  if (changed.length === 0 && tagged) {
    log.info("instance is already isolated; nothing to do", { instanceId, quarantineSecurityGroupId: quarantine });
    return { action: "already-done", reason: `instance ${instanceId} is already isolated` };
  }
  log.info("isolated instance", {
    instanceId,
    findingId,
    quarantineSecurityGroupId: quarantine,
    networkInterfaceIds: changed,
    previousGroups: pending.map((eni) => ({
      networkInterfaceId: eni.NetworkInterfaceId,
      groups: (eni.Groups ?? []).map((g) => g.GroupId),
    })),
  });
  return { action: "isolated", instanceId, networkInterfaceIds: changed, tagged: !tagged };
}
