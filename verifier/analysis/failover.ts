/**
 * Failover states. A route whose planned target is an interface of a failover group (`egress6:failover-group`)
 * may point at any member of that group at run time: the failover Lambda switches the AZ's routes among them
 * (lib/proxy-signals.ts). The model builder gives each such route its members (`Route.failover`, after checking
 * that the group is readable and stays in one AZ); this file lists the states the checks must also hold in, runs
 * a function with the model switched to one of them, and folds each state's results into the planned state's.
 *
 * Which states. A state assigns one member to every failover route. All of them at once grows as
 * members^routes over the whole VPC (two proxies, six AZs, two routes each: 4,096 runs), so the routes are
 * enumerated jointly only within one AZ (every combination of their members: a Lambda that stops half way leaves
 * some routes of the AZ switched and others not), with every other AZ's routes as planned. That finds a violation
 * whenever some joint state has one:
 * - a packet takes one route per route table it crosses, and a failover route delivers it to a member of its
 *   group, which is in that group's AZ (the builder refuses a group across AZs);
 * - take a violating path in a joint state. If every failover route it takes belongs to groups of one AZ, the
 *   state of that AZ's enumeration (those routes as in the joint state, the rest as planned) contains the very
 *   same path, hop for hop (the routes it takes are switched alike, and it takes no other failover route);
 * - if it takes failover routes of two AZs, let A be the AZ of the first one it takes. In A's enumeration the path
 *   is the same up to the first failover route of another AZ, B; there the planned target is also in B (same
 *   group). So that path crosses hosts in A and in B, which R3 forbids for every connection of a workload (its
 *   proxies' onward connections included), and the run is VIOLATED there too (perhaps for that reason rather
 *   than the joint state's);
 * - a path from the internet (R2) or any other walk that takes a failover route ends at the member it reaches
 *   when that member is a proxy (a proxy ends connections); a member that is not a proxy is R3 VIOLATED by itself
 *   (foldNonProxyMembers), so a walk through one does not need the joint state to fail the run.
 * UNKNOWN verdicts follow the same argument. The states of one AZ are capped (MAX_STATES_PER_AZ); past it the
 * input is refused rather than checked in part.
 */
import { InputError } from "../input/source";
import type { Host, Model, Route, RouteTable, Target } from "../model/types";
import { result, worst, type Finding, type Result, type SubjectResult } from "../report/types";
import { ROLE_PROXY } from "../tags";

/** More failover states than this in one AZ (members^routes) are refused, not sampled. */
export const MAX_STATES_PER_AZ = 256;

export interface FailoverState {
  /** `with route aws_route.x (network) failed over to interface proxy-a [aws_network_interface.p2 (inspection)]`, ... */
  readonly description: string;
  readonly assignments: readonly { readonly route: Route; readonly host: Host }[];
}

interface FailoverRoute {
  readonly table: RouteTable;
  readonly route: Route;
  readonly planned: Host;
  readonly members: readonly Host[];
}

/** The AZ identities of a member: its `egress6:az` tag and its subnet's AZ, as they are known. */
function azKeys(h: Host): string[] {
  return [h.azTag === undefined ? undefined : `tag:${h.azTag}`, h.subnet?.az === undefined ? undefined : `subnet:${h.subnet.az}`].filter(
    (k): k is string => k !== undefined,
  );
}

/**
 * Every state other than the planned one, AZ by AZ. Groups are put in the same AZ when any of their members share
 * an AZ tag or a subnet AZ (so a group tagged `a` and one known only by `us-east-1a` are enumerated together).
 */
export function failoverStates(model: Model): FailoverState[] {
  const routes: FailoverRoute[] = [];
  for (const table of model.routeTables)
    for (const route of table.routes)
      if (route.failover && route.target.kind === "host" && route.failover.members.length > 1)
        routes.push({ table, route, planned: route.target.host, members: route.failover.members });
  if (routes.length === 0) return [];
  // Union-find over AZ identities: each route joins the identities of all its members.
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    const p = parent.get(k) ?? k;
    if (p === k) return k;
    const r = find(p);
    parent.set(k, r);
    return r;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  for (const r of routes) {
    const keys = r.members.flatMap(azKeys);
    for (const k of keys) union(k, keys[0]);
  }
  const byAz = new Map<string, FailoverRoute[]>();
  for (const r of routes) {
    const az = find(azKeys(r.planned)[0] ?? r.route.failover!.az);
    byAz.set(az, [...(byAz.get(az) ?? []), r]);
  }
  const states: FailoverState[] = [];
  for (const [az, inAz] of byAz) {
    const count = inAz.reduce((n, r) => n * r.members.length, 1);
    if (count > MAX_STATES_PER_AZ) {
      throw new InputError([
        `${inAz.map((r) => r.route.origin).join(", ")}: network_interface_id: these failover routes (AZ ${az.replace(/^[a-z]+:/, "")}) may point at their groups' interfaces in ${count} combinations, more than the ${MAX_STATES_PER_AZ} the verifier checks one by one; fewer routes or interfaces per group, or ask for a higher limit`,
      ]);
    }
    // Every combination of members, odometer style; the all-planned one is the base run.
    const index = inAz.map(() => 0);
    for (;;) {
      const assignments = inAz.map((r, i) => ({ route: r.route, host: r.members[index[i]] }));
      const switched = assignments.filter((a, i) => a.host !== inAz[i].planned);
      if (switched.length > 0)
        states.push({
          description: switched
            .map((a) => `with route ${a.route.origin} failed over to interface ${a.host.label} [${a.host.origin}]`)
            .join(", "),
          assignments,
        });
      let i = 0;
      while (i < index.length && ++index[i] === inAz[i].members.length) index[i++] = 0;
      if (i === index.length) break;
    }
  }
  return states;
}

/** Runs `fn` with the model's failover routes switched as the state says, then puts them back. */
export function inState<T>(state: FailoverState, fn: () => T): T {
  const saved = state.assignments.map((a) => [a.route, a.route.target] as const);
  try {
    for (const a of state.assignments) (a.route as { target: Target }).target = { kind: "host", host: a.host };
    return fn();
  } finally {
    for (const [route, target] of saved) (route as { target: Target }).target = target;
  }
}

/**
 * The planned state's results with one failover state's folded in: a subject takes the worse verdict (its detail
 * then says in which state), and every VIOLATED or UNKNOWN finding of the state that the results do not already
 * hold is added, saying in which state it is.
 */
export function foldState(base: readonly Result[], variant: readonly Result[], description: string): Result[] {
  return base.map((r) => {
    const v = variant.find((x) => x.id === r.id);
    if (!v) return r;
    const subjects: SubjectResult[] = r.subjects.map((s) => {
      const t = v.subjects.find((x) => x.subject === s.subject);
      if (!t || worst([s.verdict, t.verdict]) === s.verdict) return s;
      return { subject: s.subject, verdict: t.verdict, detail: `${description}: ${t.detail}` };
    });
    for (const t of v.subjects) if (!r.subjects.some((s) => s.subject === t.subject)) subjects.push(t);
    const seen = new Set(r.findings.map((f) => `${f.subject}\u0000${f.message}`));
    const added: Finding[] = v.findings
      .filter((f) => (f.verdict === "VIOLATED" || f.verdict === "UNKNOWN") && !seen.has(`${f.subject}\u0000${f.message}`))
      .map((f) => ({ ...f, message: `${description}: ${f.message}` }));
    if (added.length === 0 && subjects.every((s, i) => s === r.subjects[i]) && subjects.length === r.subjects.length) return r;
    const folded = result(r.id, r.kind, r.title, subjects, [...r.findings, ...added], [...r.notes]);
    return folded;
  });
}

/**
 * R3 for the group itself: a failover route hands what it carries to whichever member it points at, so every
 * member must be a proxy (an inspection point). A member that is not (roles fail closed: no `egress6:role = proxy`
 * tag, a workload) is a violation in the state where the route points at it, whatever the walk from there finds
 * (with source/destination checking on, the packets are merely dropped). The subject is each workload subnet the
 * route's table routes, else the table. Returns R3 with those rows and findings added.
 */
export function foldNonProxyMembers(model: Model, r3: Result): Result {
  const findings: Finding[] = [];
  const rows = new Map<string, SubjectResult>();
  const subnetSubject = (s: { label: string; az?: string }) => `${s.label}${s.az ? ` (${s.az})` : ""}`;
  for (const table of model.routeTables) {
    for (const route of table.routes) {
      if (!route.failover || route.target.kind !== "host") continue;
      const routed = model.subnets.filter((s) => s.routeTable === table || s.associatedTables.includes(table));
      const subjects = routed.length > 0 ? routed.map(subnetSubject) : [`route table ${table.label}`];
      for (const m of route.failover.members.filter((h) => h.role !== ROLE_PROXY)) {
        const where =
          m === route.target.host ? `route ${route.origin} points at interface` : `with route ${route.origin} failed over to interface`;
        const message = `${where} ${m.label} [${m.origin}]: it is in failover group "${route.failover.group}" but is not a proxy (${m.roleReason}), so what the route carries reaches no inspection point there`;
        for (const subject of subjects) {
          findings.push({ verdict: "VIOLATED", subject, message });
          rows.set(subject, { subject, verdict: "VIOLATED", detail: message });
        }
      }
    }
  }
  if (findings.length === 0) return r3;
  const subjects = r3.subjects.map((s) => rows.get(s.subject) ?? s);
  for (const [subject, row] of rows) if (!r3.subjects.some((s) => s.subject === subject)) subjects.push(row);
  return result(r3.id, r3.kind, r3.title, subjects, [...r3.findings, ...findings], [...r3.notes]);
}
