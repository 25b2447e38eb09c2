/**
 * The proxy failover Lambda against mocked EC2 and CloudWatch APIs (aws-sdk-client-mock). A small in-memory model
 * answers the calls, so a ReplaceRoute really changes what the next invocation sees; the alarm states are set by the
 * test (what the heartbeat alarms would say). Failover timing is therefore measured only against this model
 * (docs/known-limits.md).
 */
import {
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  EC2ServiceException,
  ReplaceRouteCommand,
  type Filter,
} from "@aws-sdk/client-ec2";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { createHandler, settingsFromEnv, triggerOf } from "../lambda/proxy-failover/index";
import { decide, type AlarmState, type Member, type ObservedRoute } from "../lambda/proxy-failover/decide";
import { TAG_FAILOVER_GROUP, failoverGroupOf, proxySlotId } from "../lib/proxy-signals";
import { TAG_PROXY_SLOT, proxyHealthAlarmName } from "../lib/proxy-failover";

const ENV = "dev";
const VPC = "vpc-0aaaaaaaaaaaaaaa1";
const OTHER_VPC = "vpc-0bbbbbbbbbbbbbbb2";

// ---- a tiny EC2 + CloudWatch model --------------------------------------------------------------------------------

interface FakeInterface {
  vpcId: string;
  az: string;
  tags: Record<string, string>;
}
interface FakeRoute {
  dest: string;
  eni?: string;
  gateway?: string;
  vpce?: string;
}
interface FakeTable {
  vpcId: string;
  routes: FakeRoute[];
}

function ec2Error(code: string): EC2ServiceException {
  return new EC2ServiceException({ name: code, $fault: "client", $metadata: { httpStatusCode: 400 }, message: code });
}

function filterValues(filters: Filter[] | undefined, name: string): string[] | undefined {
  return filters?.find((f) => f.Name === name)?.Values;
}

class FakeAws {
  readonly interfaces = new Map<string, FakeInterface>();
  readonly tables = new Map<string, FakeTable>();
  readonly alarms = new Map<string, AlarmState>();
  readonly ec2 = mockClient(EC2Client);
  readonly cw = mockClient(CloudWatchClient);
  replaceFailures: string[] = [];

  constructor() {
    this.ec2.onAnyCommand().rejects(new Error("unexpected EC2 command"));
    this.cw.onAnyCommand().rejects(new Error("unexpected CloudWatch command"));
    this.ec2.on(DescribeNetworkInterfacesCommand).callsFake(({ Filters }) => {
      const vpc = filterValues(Filters, "vpc-id");
      const tagKey = filterValues(Filters, "tag-key");
      const out = [...this.interfaces]
        .filter(([, i]) => (!vpc || vpc.includes(i.vpcId)) && (!tagKey || tagKey.some((k) => k in i.tags)))
        .map(([id, i]) => ({
          NetworkInterfaceId: id,
          VpcId: i.vpcId,
          AvailabilityZone: i.az,
          TagSet: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
        }));
      return { NetworkInterfaces: out };
    });
    this.ec2.on(DescribeRouteTablesCommand).callsFake(({ Filters }) => {
      const vpc = filterValues(Filters, "vpc-id");
      const enis = filterValues(Filters, "route.network-interface-id");
      const out = [...this.tables]
        .filter(([, t]) => (!vpc || vpc.includes(t.vpcId)) && (!enis || t.routes.some((r) => r.eni && enis.includes(r.eni))))
        .map(([id, t]) => ({
          RouteTableId: id,
          VpcId: t.vpcId,
          Routes: t.routes.map((r) => ({
            DestinationIpv6CidrBlock: r.dest,
            ...(r.eni ? { NetworkInterfaceId: r.eni } : {}),
            ...(r.gateway ? { GatewayId: r.gateway } : {}),
            ...(r.vpce ? { GatewayId: r.vpce } : {}),
          })),
        }));
      return { RouteTables: out };
    });
    this.ec2.on(ReplaceRouteCommand).callsFake(({ RouteTableId, DestinationIpv6CidrBlock, NetworkInterfaceId }) => {
      const failure = this.replaceFailures.shift();
      if (failure) throw ec2Error(failure);
      const table = this.tables.get(RouteTableId);
      if (!table) throw ec2Error("InvalidRouteTableID.NotFound");
      const route = table.routes.find((r) => r.dest === DestinationIpv6CidrBlock);
      if (!route) throw ec2Error("InvalidRoute.NotFound");
      if (!this.interfaces.has(NetworkInterfaceId)) throw ec2Error("InvalidNetworkInterfaceID.NotFound");
      table.routes = table.routes.map((r) => (r === route ? { dest: r.dest, eni: NetworkInterfaceId } : r));
      return {};
    });
    this.cw.on(DescribeAlarmsCommand).callsFake(({ AlarmNames }) => ({
      MetricAlarms: (AlarmNames as string[])
        .filter((n) => this.alarms.has(n))
        .map((n) => ({ AlarmName: n, StateValue: this.alarms.get(n) })),
    }));
  }

  /** A proxy interface of slot `<az>-<n>` in `eu-west-1<az>`. */
  proxy(id: string, az: string, n: number, over: Partial<FakeInterface> = {}) {
    this.interfaces.set(id, {
      vpcId: VPC,
      az: `eu-west-1${az}`,
      tags: { [TAG_FAILOVER_GROUP]: failoverGroupOf(ENV, az), [TAG_PROXY_SLOT]: proxySlotId(az, n) },
      ...over,
    });
    this.alarms.set(proxyHealthAlarmName(ENV, proxySlotId(az, n)), "OK");
  }

  alarm(slot: string, state: AlarmState | "missing") {
    if (state === "missing") this.alarms.delete(proxyHealthAlarmName(ENV, slot));
    else this.alarms.set(proxyHealthAlarmName(ENV, slot), state);
  }

  target(table: string, dest = "::/0"): string | undefined {
    const r = this.tables.get(table)?.routes.find((x) => x.dest === dest);
    return r?.eni ?? r?.gateway ?? r?.vpce;
  }

  replaceCalls() {
    return this.ec2.commandCalls(ReplaceRouteCommand).map((c) => c.args[0].input);
  }

  /** Every route of every table, as a string per route (to compare before and after). */
  snapshot(): string[] {
    return [...this.tables].flatMap(([id, t]) => t.routes.map((r) => `${id} ${r.dest} ${r.eni ?? r.gateway ?? r.vpce}`));
  }
}

// ---- setup: firewall-proxy mode, two AZs -------------------------------------------------------------------------

let aws: FakeAws;
let logLines: Record<string, unknown>[];
let handle: ReturnType<typeof createHandler>;

const SCHEDULED = { "detail-type": "Scheduled Event", source: "aws.events", id: "e1" };
const alarmEvent = (slot: string, value: AlarmState) => ({
  "detail-type": "CloudWatch Alarm State Change",
  source: "aws.cloudwatch",
  detail: { alarmName: proxyHealthAlarmName(ENV, slot), state: { value } },
});

beforeEach(() => {
  aws = new FakeAws();
  aws.proxy("eni-a1", "a", 1);
  aws.proxy("eni-a2", "a", 2);
  aws.proxy("eni-b1", "b", 1);
  aws.proxy("eni-b2", "b", 2);
  // An interface of this VPC that is no proxy (a workload's): never a target the Lambda chooses or moves.
  aws.interfaces.set("eni-foreign", { vpcId: VPC, az: "eu-west-1a", tags: {} });
  aws.tables.set("rtb-firewall-a", { vpcId: VPC, routes: [{ dest: "::/0", eni: "eni-a1" }] });
  aws.tables.set("rtb-firewall-b", { vpcId: VPC, routes: [{ dest: "::/0", eni: "eni-b1" }] });
  aws.tables.set("rtb-workload-a", {
    vpcId: VPC,
    routes: [
      { dest: "::/0", vpce: "vpce-a" },
      { dest: "2001:db8:0:10::/64", vpce: "vpce-a" },
    ],
  });
  aws.tables.set("rtb-proxy-a", {
    vpcId: VPC,
    routes: [
      { dest: "::/0", gateway: "eigw-1" },
      { dest: "2001:db8::/64", vpce: "vpce-a" },
    ],
  });
  // A table that routes to a foreign interface and, for another prefix, to the primary: only the latter may move.
  aws.tables.set("rtb-mixed-a", {
    vpcId: VPC,
    routes: [
      { dest: "::/0", eni: "eni-foreign" },
      { dest: "2001:db8:0:20::/64", eni: "eni-a1" },
    ],
  });
  logLines = [];
  handle = createHandler({
    ec2: new EC2Client({}),
    cloudwatch: new CloudWatchClient({}),
    vpcId: VPC,
    environment: ENV,
    logger: (base) => {
      const emit = (level: string) => (message: string, fields?: Record<string, unknown>) =>
        logLines.push({ level, message, ...base, ...fields });
      return { info: emit("info"), warn: emit("warn"), error: emit("error") };
    },
  });
});

afterEach(() => {
  aws.ec2.restore();
  aws.cw.restore();
});

describe("proxy failover Lambda", () => {
  test("all proxies healthy: nothing changes", async () => {
    const before = aws.snapshot();
    const out = await handle(SCHEDULED);
    expect(out.moved).toEqual([]);
    expect(out.members).toBe(4);
    expect(aws.replaceCalls()).toEqual([]);
    expect(aws.snapshot()).toEqual(before);
  });

  test("a primary marked dead is routed around: its AZ's routes move to the standby of the same AZ, nothing else moves", async () => {
    aws.alarm("a-1", "ALARM");
    const out = await handle(alarmEvent("a-1", "ALARM"));
    expect(aws.target("rtb-firewall-a")).toBe("eni-a2");
    expect(aws.target("rtb-mixed-a", "2001:db8:0:20::/64")).toBe("eni-a2");
    expect(aws.target("rtb-mixed-a")).toBe("eni-foreign");
    expect(aws.target("rtb-firewall-b")).toBe("eni-b1");
    expect(aws.target("rtb-workload-a")).toBe("vpce-a");
    expect(aws.target("rtb-proxy-a")).toBe("eigw-1");
    expect(out.moved.map((m) => [m.routeTableId, m.from, m.to, m.reason])).toEqual([
      ["rtb-firewall-a", "eni-a1", "eni-a2", "target-unhealthy"],
      ["rtb-mixed-a", "eni-a1", "eni-a2", "target-unhealthy"],
    ]);
    expect(aws.replaceCalls()).toEqual([
      { RouteTableId: "rtb-firewall-a", DestinationIpv6CidrBlock: "::/0", NetworkInterfaceId: "eni-a2" },
      { RouteTableId: "rtb-mixed-a", DestinationIpv6CidrBlock: "2001:db8:0:20::/64", NetworkInterfaceId: "eni-a2" },
    ]);
    expect(logLines.find((l) => l.message === "route moved")).toMatchObject({ trigger: "alarm", alarmName: "dev-proxy-a-1-heartbeat" });
  });

  test("INSUFFICIENT_DATA and a missing alarm count as not healthy", async () => {
    aws.alarm("a-1", "INSUFFICIENT_DATA");
    await handle(SCHEDULED);
    expect(aws.target("rtb-firewall-a")).toBe("eni-a2");
    aws.alarm("b-1", "missing");
    await handle(SCHEDULED);
    expect(aws.target("rtb-firewall-b")).toBe("eni-b2");
  });

  test("a recovered primary is taken back; a second run changes nothing (idempotent)", async () => {
    aws.alarm("a-1", "ALARM");
    await handle(SCHEDULED);
    expect(aws.target("rtb-firewall-a")).toBe("eni-a2");
    aws.alarm("a-1", "OK");
    const out = await handle(alarmEvent("a-1", "OK"));
    expect(aws.target("rtb-firewall-a")).toBe("eni-a1");
    expect(out.moved.every((m) => m.reason === "primary-recovered")).toBe(true);
    const calls = aws.replaceCalls().length;
    await handle(SCHEDULED);
    expect(aws.replaceCalls()).toHaveLength(calls);
  });

  test("both proxies of an AZ dead: no change, the AZ is reported closed; the other AZ is unaffected", async () => {
    aws.alarm("a-1", "ALARM");
    aws.alarm("a-2", "ALARM");
    const before = aws.snapshot();
    const out = await handle(SCHEDULED);
    expect(aws.snapshot()).toEqual(before);
    expect(aws.replaceCalls()).toEqual([]);
    expect(out.closedGroups).toEqual([failoverGroupOf(ENV, "a")]);
    expect(logLines.some((l) => l.level === "error" && l.group === "dev-a" && /no healthy proxy/.test(String(l.message)))).toBe(true);
  });

  test("the standby dies while serving and the primary is still dead: the routes stay (never to another AZ's proxy)", async () => {
    aws.alarm("a-1", "ALARM");
    await handle(SCHEDULED);
    aws.alarm("a-2", "ALARM");
    await handle(SCHEDULED);
    expect(aws.target("rtb-firewall-a")).toBe("eni-a2");
  });

  test("a route in another VPC, or to a foreign interface, a gateway or an endpoint, is never touched", async () => {
    aws.tables.set("rtb-other-vpc", { vpcId: OTHER_VPC, routes: [{ dest: "::/0", eni: "eni-a1" }] });
    aws.alarm("a-1", "ALARM");
    aws.alarm("b-1", "ALARM");
    await handle(SCHEDULED);
    expect(aws.target("rtb-other-vpc")).toBe("eni-a1");
    expect(aws.target("rtb-mixed-a")).toBe("eni-foreign");
    expect(aws.target("rtb-proxy-a")).toBe("eigw-1");
    expect(aws.target("rtb-workload-a", "2001:db8:0:10::/64")).toBe("vpce-a");
    expect(aws.target("rtb-firewall-b")).toBe("eni-b2");
  });

  test("interfaces tagged for another environment, with a bad slot, or in another VPC are not members", async () => {
    aws.interfaces.set("eni-prod", {
      vpcId: VPC,
      az: "eu-west-1a",
      tags: { [TAG_FAILOVER_GROUP]: failoverGroupOf("prod", "a"), [TAG_PROXY_SLOT]: "a-3" },
    });
    aws.interfaces.set("eni-bad-slot", { vpcId: VPC, az: "eu-west-1a", tags: { [TAG_FAILOVER_GROUP]: "dev-a", [TAG_PROXY_SLOT]: "x" } });
    aws.interfaces.set("eni-other-vpc", {
      vpcId: OTHER_VPC,
      az: "eu-west-1a",
      tags: { [TAG_FAILOVER_GROUP]: "dev-a", [TAG_PROXY_SLOT]: "a-3" },
    });
    aws.alarms.set(proxyHealthAlarmName(ENV, "a-3"), "OK");
    aws.alarm("a-1", "ALARM");
    aws.alarm("a-2", "ALARM");
    const out = await handle(SCHEDULED);
    expect(out.members).toBe(4);
    expect(aws.replaceCalls()).toEqual([]);
    expect(logLines.filter((l) => l.level === "warn").map((l) => l.networkInterfaceId)).toEqual(["eni-prod", "eni-bad-slot"]);
  });

  test("a group whose members sit in two AZs (a tagging mistake) is left alone", async () => {
    aws.interfaces.get("eni-a2")!.az = "eu-west-1b";
    aws.alarm("a-1", "ALARM");
    const out = await handle(SCHEDULED);
    expect(aws.replaceCalls()).toEqual([]);
    expect(out.refusedGroups).toEqual(["dev-a"]);
  });

  test("a failed ReplaceRoute: the others are still made, then the invocation fails (Lambda retries)", async () => {
    aws.alarm("a-1", "ALARM");
    aws.replaceFailures = ["RequestLimitExceeded"];
    await expect(handle(SCHEDULED)).rejects.toThrow("proxy failover: 1 of 2 route move(s) failed: RequestLimitExceeded");
    expect(aws.target("rtb-mixed-a", "2001:db8:0:20::/64")).toBe("eni-a2");
    await handle(SCHEDULED);
    expect(aws.target("rtb-firewall-a")).toBe("eni-a2");
  });

  test("settingsFromEnv names the missing variables; triggerOf reads alarm and schedule events", () => {
    expect(() => settingsFromEnv({})).toThrow("environment variable(s) VPC_ID, EGRESS6_ENVIRONMENT not set");
    expect(settingsFromEnv({ VPC_ID: VPC, EGRESS6_ENVIRONMENT: ENV })).toEqual({ vpcId: VPC, environment: ENV });
    expect(triggerOf(SCHEDULED)).toEqual({ trigger: "schedule" });
    expect(triggerOf(alarmEvent("b-2", "ALARM"))).toEqual({ trigger: "alarm", alarmName: "dev-proxy-b-2-heartbeat", state: "ALARM" });
    expect(triggerOf(null)).toEqual({ trigger: "unknown" });
  });
});

// ---- the decision over random states ------------------------------------------------------------------------------

/** A small deterministic PRNG (mulberry32), so a failing state can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("decide over random states", () => {
  test("every move stays in the target's group and AZ, goes to its preferred healthy member, and a second decision is empty", () => {
    for (let seed = 1; seed <= 500; seed++) {
      const rand = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
      const members: Member[] = [];
      for (const az of ["a", "b", "c"].slice(0, 1 + Math.floor(rand() * 3))) {
        for (const slot of [1, 2].slice(0, 1 + Math.floor(rand() * 2))) {
          // Now and then a tagging mistake: a member in the wrong AZ.
          const zone = rand() < 0.05 ? pick(["a", "b", "c"]) : az;
          members.push({
            interfaceId: `eni-${az}${slot}`,
            group: `dev-${az}`,
            slot,
            availabilityZone: `eu-west-1${zone}`,
            healthy: rand() < 0.5,
          });
        }
      }
      const targets = [...members.map((m) => m.interfaceId), "eni-foreign", "igw-1", undefined];
      const routes: ObservedRoute[] = Array.from({ length: 1 + Math.floor(rand() * 8) }, (_, i) => {
        const t = pick(targets);
        return { routeTableId: `rtb-${i}`, destination: { ipv6Cidr: "::/0" }, ...(t?.startsWith("eni-") ? { networkInterfaceId: t } : {}) };
      });
      const decision = decide(members, routes);
      const byId = new Map(members.map((m) => [m.interfaceId, m]));
      const refused = new Set(decision.refused.map((r) => r.group));
      const context = `seed ${seed}: ${JSON.stringify({ members, routes })}`;
      for (const move of decision.moves) {
        const from = byId.get(move.from);
        const to = byId.get(move.to);
        expect({ context, ok: from !== undefined && to !== undefined }).toEqual({ context, ok: true });
        expect({ context, group: to!.group, az: to!.availabilityZone, healthy: to!.healthy }).toEqual({
          context,
          group: from!.group,
          az: from!.availabilityZone,
          healthy: true,
        });
        expect({ context, refused: refused.has(from!.group) }).toEqual({ context, refused: false });
        const preferred = members.filter((m) => m.group === from!.group && m.healthy).sort((x, y) => x.slot - y.slot)[0];
        expect({ context, to: move.to }).toEqual({ context, to: preferred.interfaceId });
      }
      // Routes that target no member are never moved; each route moves at most once.
      const moved = decision.moves.map((m) => m.routeTableId);
      expect(new Set(moved).size).toBe(moved.length);
      for (const r of routes) {
        if (!r.networkInterfaceId || !byId.has(r.networkInterfaceId))
          expect({ context, moved: moved.includes(r.routeTableId) }).toEqual({ context, moved: false });
      }
      // Applying the moves reaches a fixpoint.
      const after = routes.map((r) => {
        const m = decision.moves.find((x) => x.routeTableId === r.routeTableId);
        return m ? { ...r, networkInterfaceId: m.to } : r;
      });
      expect({ context, again: decide(members, after).moves }).toEqual({ context, again: [] });
    }
  });
});
