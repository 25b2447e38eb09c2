/**
 * One reconciliation: observe (the tagged proxy interfaces of the VPC, their alarms, the routes that target them),
 * decide (decide.ts) and apply (ReplaceRoute, one call per move). Every invocation reconciles the whole VPC,
 * whatever triggered it, so a lost alarm event is made good by the next scheduled run and a repeated one changes
 * nothing.
 */
import {
  ReplaceRouteCommand,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  type EC2Client,
  type ReplaceRouteCommandInput,
} from "@aws-sdk/client-ec2";
import { DescribeAlarmsCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { Logger } from "../remediation/log";
import { errorCode } from "../remediation/remediate";
import { TAG_FAILOVER_GROUP, failoverGroupOf } from "../../lib/proxy-signals";
import { TAG_PROXY_SLOT, proxyHealthAlarmName, slotNumberOf } from "../../lib/proxy-failover";
import { decide, type AlarmState, type Decision, type Member, type ObservedRoute, type RouteDestination, type RouteMove } from "./decide";

export interface FailoverContext {
  readonly ec2: EC2Client;
  readonly cloudwatch: CloudWatchClient;
  /** Only interfaces and route tables of this VPC are read or changed (the role is limited to it as well). */
  readonly vpcId: string;
  /** The environment: only groups `failoverGroupOf(environment, az)` count, and alarms are named after it. */
  readonly environment: string;
  readonly log: Logger;
}

export interface FailoverOutcome {
  readonly moved: readonly RouteMove[];
  readonly closedGroups: readonly string[];
  readonly refusedGroups: readonly string[];
  readonly members: number;
}

/** DescribeAlarms takes at most 100 names per call (CloudWatch API reference, DescribeAlarms.AlarmNames). */
const ALARM_NAMES_PER_CALL = 100;
/** Values per DescribeRouteTables filter, kept well under EC2's limit. */
const FILTER_VALUES_PER_CALL = 100;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface TaggedInterface {
  readonly interfaceId: string;
  readonly group: string;
  readonly slot: string;
  readonly slotNumber: number;
  readonly availabilityZone: string;
}

/** The VPC's interfaces tagged with a failover group of this environment and a well-formed slot. */
async function taggedInterfaces(ctx: FailoverContext): Promise<TaggedInterface[]> {
  const out: TaggedInterface[] = [];
  const pages = paginateDescribeNetworkInterfaces(
    { client: ctx.ec2 },
    {
      Filters: [
        { Name: "vpc-id", Values: [ctx.vpcId] },
        { Name: "tag-key", Values: [TAG_FAILOVER_GROUP] },
      ],
    },
  );
  for await (const page of pages) {
    for (const eni of page.NetworkInterfaces ?? []) {
      const tags = new Map((eni.TagSet ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
      const id = eni.NetworkInterfaceId;
      const group = tags.get(TAG_FAILOVER_GROUP);
      const slot = tags.get(TAG_PROXY_SLOT) ?? "";
      const slotNumber = slotNumberOf(slot);
      const slotAz = slot.replace(/-[0-9]+$/, "");
      if (!id || eni.VpcId !== ctx.vpcId || !eni.AvailabilityZone) continue;
      if (slotNumber === undefined || group !== failoverGroupOf(ctx.environment, slotAz)) {
        ctx.log.warn("interface carries the failover tag but is not a proxy slot of this environment; ignored", {
          networkInterfaceId: id,
          group,
          slot,
        });
        continue;
      }
      out.push({ interfaceId: id, group, slot, slotNumber, availabilityZone: eni.AvailabilityZone });
    }
  }
  return out;
}

/** The state of each named alarm; a name CloudWatch does not know is absent from the map. */
async function alarmStates(ctx: FailoverContext, names: readonly string[]): Promise<Map<string, AlarmState>> {
  const states = new Map<string, AlarmState>();
  for (const batch of chunks([...new Set(names)], ALARM_NAMES_PER_CALL)) {
    let nextToken: string | undefined;
    do {
      const page = await ctx.cloudwatch.send(
        new DescribeAlarmsCommand({
          AlarmNames: batch,
          AlarmTypes: ["MetricAlarm"],
          NextToken: nextToken,
          MaxRecords: ALARM_NAMES_PER_CALL,
        }),
      );
      for (const a of page.MetricAlarms ?? []) {
        if (a.AlarmName && (a.StateValue === "OK" || a.StateValue === "ALARM" || a.StateValue === "INSUFFICIENT_DATA")) {
          states.set(a.AlarmName, a.StateValue);
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return states;
}

function destinationOf(route: { DestinationIpv6CidrBlock?: string; DestinationCidrBlock?: string; DestinationPrefixListId?: string }) {
  if (route.DestinationIpv6CidrBlock) return { ipv6Cidr: route.DestinationIpv6CidrBlock };
  if (route.DestinationCidrBlock) return { ipv4Cidr: route.DestinationCidrBlock };
  if (route.DestinationPrefixListId) return { prefixListId: route.DestinationPrefixListId };
  return undefined;
}

/** Every route of the VPC's route tables that target one of `interfaceIds` (and the other routes of those tables). */
async function routesTo(ctx: FailoverContext, interfaceIds: readonly string[]): Promise<ObservedRoute[]> {
  const seen = new Set<string>();
  const out: ObservedRoute[] = [];
  for (const batch of chunks(interfaceIds, FILTER_VALUES_PER_CALL)) {
    const pages = paginateDescribeRouteTables(
      { client: ctx.ec2 },
      {
        Filters: [
          { Name: "vpc-id", Values: [ctx.vpcId] },
          { Name: "route.network-interface-id", Values: batch },
        ],
      },
    );
    for await (const page of pages) {
      for (const table of page.RouteTables ?? []) {
        if (!table.RouteTableId || table.VpcId !== ctx.vpcId || seen.has(table.RouteTableId)) continue;
        seen.add(table.RouteTableId);
        for (const r of table.Routes ?? []) {
          const destination = destinationOf(r);
          if (!destination) continue;
          out.push({
            routeTableId: table.RouteTableId,
            destination,
            ...(r.NetworkInterfaceId ? { networkInterfaceId: r.NetworkInterfaceId } : {}),
          });
        }
      }
    }
  }
  return out;
}

function replaceRouteInput(move: RouteMove): ReplaceRouteCommandInput {
  const d: RouteDestination = move.destination;
  return {
    RouteTableId: move.routeTableId,
    NetworkInterfaceId: move.to,
    ...("ipv6Cidr" in d
      ? { DestinationIpv6CidrBlock: d.ipv6Cidr }
      : "ipv4Cidr" in d
        ? { DestinationCidrBlock: d.ipv4Cidr }
        : { DestinationPrefixListId: d.prefixListId }),
  };
}

/** Observes the VPC and decides, without changing anything. */
export async function observeAndDecide(ctx: FailoverContext): Promise<{ members: Member[]; routes: ObservedRoute[]; decision: Decision }> {
  const tagged = await taggedInterfaces(ctx);
  const states = await alarmStates(
    ctx,
    tagged.map((t) => proxyHealthAlarmName(ctx.environment, t.slot)),
  );
  const members: Member[] = tagged.map((t) => ({
    interfaceId: t.interfaceId,
    group: t.group,
    slot: t.slotNumber,
    availabilityZone: t.availabilityZone,
    healthy: states.get(proxyHealthAlarmName(ctx.environment, t.slot)) === "OK",
  }));
  const routes =
    members.length > 0
      ? await routesTo(
          ctx,
          members.map((m) => m.interfaceId),
        )
      : [];
  return { members, routes, decision: decide(members, routes) };
}

/** One reconciliation. Throws (after trying every move) when a ReplaceRoute failed, so Lambda retries. */
export async function reconcile(ctx: FailoverContext): Promise<FailoverOutcome> {
  const { members, decision } = await observeAndDecide(ctx);
  const { log } = ctx;
  for (const r of decision.refused) log.error("failover group left alone: its tags are inconsistent", { group: r.group, reason: r.reason });
  for (const c of decision.closed) {
    log.error("no healthy proxy in the group: its routes stay where they are (the AZ's egress is closed)", {
      group: c.group,
      routes: c.routes.map((r) => ({ routeTableId: r.routeTableId, destination: r.destination, target: r.networkInterfaceId })),
    });
  }
  const failed: { move: RouteMove; errorCode?: string; error: string }[] = [];
  const moved: RouteMove[] = [];
  for (const move of decision.moves) {
    try {
      await ctx.ec2.send(new ReplaceRouteCommand(replaceRouteInput(move)));
      moved.push(move);
      log.info("route moved", { ...move });
    } catch (error) {
      failed.push({ move, errorCode: errorCode(error), error: error instanceof Error ? error.message : String(error) });
    }
  }
  if (failed.length > 0) {
    log.error("route moves failed; Lambda will retry", { failed });
    throw new Error(
      `proxy failover: ${failed.length} of ${decision.moves.length} route move(s) failed: ${failed.map((f) => f.errorCode ?? f.error).join(", ")}`,
    );
  }
  if (decision.moves.length === 0) log.info("routes already on the preferred healthy proxies", { members: members.length });
  return {
    moved,
    closedGroups: decision.closed.map((c) => c.group),
    refusedGroups: decision.refused.map((r) => r.group),
    members: members.length,
  };
}
