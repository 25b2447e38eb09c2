/**
 * The failover decision, a pure function of what was observed: which route moves to which interface. It never
 * calls AWS, so every rule below is tested over arbitrary states (__tests__/proxy-failover-lambda.test.ts).
 *
 * The rules:
 * - a member is an interface tagged with a failover group and a slot; it is healthy exactly when its alarm is OK;
 * - a route whose target is a member of group G moves to G's preferred healthy member (the lowest slot number
 *   that is healthy: a recovered primary takes its routes back) when it does not target that member already;
 * - when no member of G is healthy, its routes stay where they are (nothing better exists; the AZ alarm says so);
 * - a group whose members are not all in one AZ, or whose slots repeat, is left alone (a tagging mistake must never
 *   send an AZ's traffic to another AZ);
 * - a route whose target is no member (another AZ's group is still a member, but of another group; a gateway, a
 *   firewall endpoint, a foreign interface) is never touched, and the new target is always a member of the group
 *   of the old one.
 */

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** A proxy interface of a failover group. */
export interface Member {
  readonly interfaceId: string;
  /** TAG_FAILOVER_GROUP. */
  readonly group: string;
  /** The slot number (1 = primary). */
  readonly slot: number;
  /** The AZ the interface lives in (its subnet's). */
  readonly availabilityZone: string;
  /** Its alarm is OK (ALARM, INSUFFICIENT_DATA or a missing alarm all mean no). */
  readonly healthy: boolean;
}

/** A route as DescribeRouteTables shows it: its table, its destination, and its target if it is an interface. */
export interface ObservedRoute {
  readonly routeTableId: string;
  /** The destination exactly as EC2 reported it (one of the three kinds). */
  readonly destination: RouteDestination;
  /** The target interface, when the route targets one. */
  readonly networkInterfaceId?: string;
}

export type RouteDestination = { readonly ipv6Cidr: string } | { readonly ipv4Cidr: string } | { readonly prefixListId: string };

export interface RouteMove {
  readonly routeTableId: string;
  readonly destination: RouteDestination;
  readonly group: string;
  readonly from: string;
  readonly to: string;
  readonly reason: "target-unhealthy" | "primary-recovered";
}

export interface Decision {
  readonly moves: readonly RouteMove[];
  /** Groups with no healthy member, and the routes left on their (unhealthy) targets. */
  readonly closed: readonly { readonly group: string; readonly routes: readonly ObservedRoute[] }[];
  /** Groups left alone because their members are inconsistent, and why. */
  readonly refused: readonly { readonly group: string; readonly reason: string }[];
}

/** The groups, each with its members ordered by slot, or the reason a group is refused. */
function groupsOf(members: readonly Member[]): { usable: Map<string, Member[]>; refused: Decision["refused"] } {
  const byGroup = new Map<string, Member[]>();
  for (const m of members) byGroup.set(m.group, [...(byGroup.get(m.group) ?? []), m]);
  const usable = new Map<string, Member[]>();
  const refused: { group: string; reason: string }[] = [];
  for (const [group, list] of [...byGroup].sort(([a], [b]) => a.localeCompare(b))) {
    const zones = [...new Set(list.map((m) => m.availabilityZone))];
    const slots = list.map((m) => m.slot);
    const interfaces = list.map((m) => m.interfaceId);
    if (zones.length !== 1) refused.push({ group, reason: `members in more than one AZ (${zones.sort().join(", ")})` });
    else if (new Set(slots).size !== slots.length) refused.push({ group, reason: `a slot is tagged twice (${slots.join(", ")})` });
    else if (new Set(interfaces).size !== interfaces.length) refused.push({ group, reason: "an interface is listed twice" });
    else
      usable.set(
        group,
        [...list].sort((a, b) => a.slot - b.slot),
      );
  }
  return { usable, refused };
}

/** What to change: see the file comment. */
export function decide(members: readonly Member[], routes: readonly ObservedRoute[]): Decision {
  const { usable, refused } = groupsOf(members);
  const memberOf = new Map<string, Member>();
  for (const list of usable.values()) for (const m of list) memberOf.set(m.interfaceId, m);
  const moves: RouteMove[] = [];
  const closed = new Map<string, ObservedRoute[]>();
  for (const route of routes) {
    const current = route.networkInterfaceId === undefined ? undefined : memberOf.get(route.networkInterfaceId);
    if (!current) continue; // not a group member's route: never touched
    const preferred = usable.get(current.group)!.find((m) => m.healthy);
    if (!preferred) {
      closed.set(current.group, [...(closed.get(current.group) ?? []), route]);
      continue;
    }
    if (preferred.interfaceId === current.interfaceId) continue;
    moves.push({
      routeTableId: route.routeTableId,
      destination: route.destination,
      group: current.group,
      from: current.interfaceId,
      to: preferred.interfaceId,
      reason: current.healthy ? "primary-recovered" : "target-unhealthy",
    });
  }
  return { moves, closed: [...closed].map(([group, r]) => ({ group, routes: r })), refused };
}
