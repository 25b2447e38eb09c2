/**
 * The topology a diagram draws, taken from the verifier's model of the synthesized output (never from the config
 * or the stacks' code): subnets by AZ and tier, what sits in each (firewall endpoints, proxies, instances,
 * interface endpoints), the gateways, and every route, grouped by where it starts and where it goes.
 */
import { Prefix, type DecryptionFact, type Model, type Route, type Subnet, type Target } from "../../verifier";

export type NodeKind = "firewall endpoint" | "gateway load balancer endpoint" | "proxy" | "workload" | "host" | "interface endpoints";

/** Something inside a subnet that a route can point at or that is worth showing. */
export interface TopologyNode {
  readonly id: string;
  readonly kind: NodeKind;
  /** What it is, e.g. `Network Firewall endpoint`. */
  readonly title: string;
  /** Which one, e.g. the firewall's name or the instance labels. */
  readonly detail: string;
  /**
   * What this inspection point decrypts and splices, in the words of the verifier's decryption report; set only
   * when TLS inspection is configured (some point decrypts, or what one decrypts cannot be told).
   */
  readonly decryption?: string;
  /** Whether it decrypts TLS, with `decryption`: `unknown` when what it decrypts cannot be told from the input. */
  readonly decrypts?: "yes" | "no" | "unknown";
}

/** A line of the verifier's decryption report, and the nodes it marks (none when no drawn node is what it describes). */
export interface TopologyDecryption {
  readonly point: "firewall" | "proxy";
  readonly where: string;
  readonly summary: string;
  readonly nodes: string[];
}

export interface TopologySubnet {
  readonly id: string;
  readonly label: string;
  readonly az: string;
  readonly tier: string;
  /** The route table its traffic follows (its own, or the VPC's main table). */
  readonly routeTable: string;
  readonly nodes: TopologyNode[];
}

export interface TopologyGateway {
  readonly id: string;
  /** `egress-only internet gateway`, `internet gateway`, ... or `unresolved` for a target the configuration does not describe. */
  readonly kind: string;
  readonly label: string;
  /** Does it connect to the internet? */
  readonly internet: boolean;
}

/** One arrow: the routes of `from`'s route table (or of a gateway's edge route table) that send traffic to `to`. */
export interface TopologyRoute {
  /** A subnet id, or a gateway id for routes of the gateway's edge (ingress) route table. */
  readonly from: string;
  /** A node id or a gateway id. */
  readonly to: string;
  /** `::/0`, `workload-a /64`, ... in the order the arrow's label lists them. */
  readonly destinations: string[];
  /** The Terraform resources that declare these routes. */
  readonly resources: string[];
}

export interface Topology {
  readonly title: string;
  readonly vpc: string;
  /** AZ names, the diagram's columns, left to right. */
  readonly zones: string[];
  /** Tier names, the diagram's rows, from the one nearest the internet down. */
  readonly tiers: string[];
  readonly subnets: TopologySubnet[];
  readonly gateways: TopologyGateway[];
  readonly routes: TopologyRoute[];
  /** Set only when TLS inspection is configured: what each inspection point decrypts and splices. */
  readonly decryption?: TopologyDecryption[];
}

/** Tier order among tiers equally far from the internet (and for tiers no route leads out of). */
const TIER_ORDER = ["proxy", "firewall", "workload", "endpoint"];
export const UNKNOWN_AZ = "AZ not set";
export const UNTAGGED_TIER = "untagged";

/** An instance's origin (`<address> (<stack>)`) when an Auto Scaling group launches it. */
const AUTO_SCALING = /^(?:\S+\.)?aws_autoscaling_group\./;

const INTERNET_KINDS = new Set(["internet gateway", "egress-only internet gateway", "carrier gateway"]);

/** An identifier that is safe in SVG ids and Mermaid node names. */
export function safeId(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "") || "x";
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function tierRank(tier: string): number {
  const i = TIER_ORDER.indexOf(tier);
  return i < 0 ? TIER_ORDER.length : i;
}

/** `::/0` first, then the other prefixes by length and text; opaque destinations last. */
function compareDestinations(a: string, b: string): number {
  const rank = (d: string) => (d === "::/0" ? 0 : d === "0.0.0.0/0" ? 1 : 2);
  return rank(a) - rank(b) || compareText(a, b);
}

/**
 * `decryption` is the verifier's reading of the same input (decryptionFacts): when every point decrypts nothing
 * it is left out of the picture, which is then exactly what it was before TLS inspection existed.
 */
export function buildTopology(model: Model, title: string, decryption: readonly DecryptionFact[] = []): Topology {
  const showDecryption = decryption.some((f) => f.decrypts !== "no");
  const marked = new Map<DecryptionFact, string[]>(decryption.map((f) => [f, []]));
  /** The summaries of the facts about any of `keys`, noting that they mark `id`. */
  const decryptionOf = (id: string, keys: readonly string[]): Pick<TopologyNode, "decryption" | "decrypts"> => {
    if (!showDecryption) return {};
    const facts = decryption.filter((f) => f.appliesTo.some((k) => keys.includes(k)));
    for (const f of facts) marked.get(f)!.push(id);
    if (facts.length === 0) return {};
    const states = facts.map((f) => f.decrypts);
    return {
      decryption: [...new Set(facts.map((f) => f.summary))].join(" | "),
      decrypts: states.includes("yes") ? "yes" : states.includes("unknown") ? "unknown" : "no",
    };
  };
  const ids = new Set<string>();
  const uniqueId = (base: string) => {
    let id = safeId(base);
    for (let n = 2; ids.has(id); n++) id = `${safeId(base)}_${n}`;
    ids.add(id);
    return id;
  };

  const subnetIds = new Map<Subnet, string>();
  const nodesOf = new Map<Subnet, TopologyNode[]>();
  for (const s of model.subnets) {
    subnetIds.set(s, uniqueId(`subnet ${s.label}`));
    nodesOf.set(s, []);
  }

  // What sits in each subnet. Node ids are stable: built from the subnet's label and what the node is.
  const endpointNode = new Map<string, TopologyNode>();
  for (const ep of model.endpoints) {
    if (!ep.subnet || !nodesOf.has(ep.subnet)) continue;
    const firewall = ep.kind === "firewall endpoint";
    const id = uniqueId(`${firewall ? "fwe" : "gwlbe"} ${ep.subnet.label}`);
    const node: TopologyNode = {
      id,
      kind: ep.kind,
      title: firewall ? "Network Firewall endpoint" : "Gateway Load Balancer endpoint",
      detail: ep.firewall?.label ?? ep.label,
      ...decryptionOf(id, ep.firewall ? [ep.firewall.key] : []),
    };
    nodesOf.get(ep.subnet)!.push(node);
    endpointNode.set(ep.key, node);
  }
  const hostNode = new Map<string, TopologyNode>();
  const hostGroups = new Map<string, { subnet: Subnet; role: string; hosts: Model["hosts"] }>();
  for (const h of model.hosts) {
    if (!h.subnet || !nodesOf.has(h.subnet)) continue;
    const role = h.role === "proxy" || h.role === "workload" ? h.role : "host";
    const key = `${subnetIds.get(h.subnet)}|${role}`;
    const group = hostGroups.get(key) ?? { subnet: h.subnet, role, hosts: [] };
    group.hosts.push(h);
    hostGroups.set(key, group);
  }
  for (const { subnet, role, hosts } of hostGroups.values()) {
    // The model labels instances `<role>-<az>`, so several instances share a label: count them by resource key.
    // An Auto Scaling group launches a number of instances no input states: it is named as a group, never counted as one.
    const byKey = new Map<string, string>();
    let groups = 0;
    for (const h of hosts) {
      if (h.instances.length === 0) byKey.set(h.key, h.label);
      for (const i of h.instances) {
        if (AUTO_SCALING.test(i.origin)) {
          if (!byKey.has(i.key)) groups++;
          byKey.set(i.key, `${i.label} (Auto Scaling group)`);
        } else byKey.set(i.key, i.label);
      }
    }
    const perLabel = new Map<string, number>();
    for (const label of byKey.values()) perLabel.set(label, (perLabel.get(label) ?? 0) + 1);
    const count = byKey.size - groups;
    const workloads =
      groups > 0
        ? `EC2 workloads: ${count > 0 ? `${count} + ` : ""}${groups} Auto Scaling group${groups > 1 ? "s" : ""}`
        : count > 1
          ? `EC2 workloads ×${count}`
          : "EC2 workload";
    const names = [...perLabel.keys()]
      .sort(compareText)
      .map((l) => (perLabel.size > 1 && perLabel.get(l)! > 1 ? `${l} ×${perLabel.get(l)}` : l));
    const id = uniqueId(`${role} ${subnet.label}`);
    const keys = hosts.flatMap((h) => h.instances.flatMap((i) => [i.key, ...(i.launchTemplate ? [i.launchTemplate.key] : [])]));
    const node: TopologyNode = {
      id,
      kind: role as NodeKind,
      title:
        role === "proxy"
          ? hosts.length > 1
            ? `Squid proxies (${hosts.length} interfaces)`
            : "Squid proxy (fixed interface)"
          : role === "workload"
            ? workloads
            : hosts.length > 1
              ? `network interfaces (${hosts.length})`
              : "network interface",
      detail: names.length > 3 ? `${names.slice(0, 3).join(", ")}, ...` : names.join(", "),
      ...decryptionOf(id, keys),
    };
    nodesOf.get(subnet)!.push(node);
    for (const h of hosts) hostNode.set(h.key, node);
  }
  for (const s of model.subnets) {
    const services = model.interfaceEndpoints
      .filter((e) => e.subnets.includes(s))
      .map((e) => e.service.replace(/^com\.amazonaws\.[a-z0-9-]+\./, ""))
      .sort(compareText);
    if (services.length === 0) continue;
    nodesOf.get(s)!.push({
      id: uniqueId(`vpce ${s.label}`),
      kind: "interface endpoints",
      title: services.length > 1 ? `interface endpoints (${services.length})` : "interface endpoint",
      detail: services.join(", "),
    });
  }

  const gateways: TopologyGateway[] = [];
  const gatewayIds = new Map<string, string>();
  const gatewayOf = (key: string, kind: string, label: string): string => {
    const existing = gatewayIds.get(key);
    if (existing) return existing;
    const id = uniqueId(`gw ${label}`);
    gatewayIds.set(key, id);
    gateways.push({ id, kind, label, internet: INTERNET_KINDS.has(kind) });
    return id;
  };
  for (const g of model.gateways) if (g.kind !== "gateway VPC endpoint") gatewayOf(g.key, g.kind, g.label);

  const destinationText = (route: Route): string => {
    const d = route.destination;
    if (!(d instanceof Prefix)) return d.description;
    if (d.length === 0) return d.toString();
    const subnet = model.subnets.find((s) => (s.ipv6 && s.ipv6.equals(d)) || (s.ipv4 && s.ipv4.equals(d)));
    if (subnet) return `${subnet.label} /${d.length}`;
    const vpc = model.vpcs.find((v) => [...v.ipv6, ...v.ipv4].some((p) => p.equals(d)));
    if (vpc) return `VPC ${vpc.label} /${d.length}`;
    return d.toString();
  };
  const targetId = (target: Target): string | undefined => {
    switch (target.kind) {
      case "local":
        return undefined;
      case "gateway":
        return gatewayOf(target.gateway.key, target.gateway.kind, target.gateway.label);
      case "endpoint":
        return endpointNode.get(target.endpoint.key)?.id ?? gatewayOf(target.endpoint.key, target.endpoint.kind, target.endpoint.label);
      case "host":
        return hostNode.get(target.host.key)?.id ?? gatewayOf(target.host.key, "network interface", target.host.label);
      case "unresolved":
        return gatewayOf(`unresolved|${target.description}`, "unresolved", target.description);
    }
  };

  const arrows = new Map<string, { from: string; to: string; destinations: string[]; resources: string[] }>();
  const addRoutes = (from: string, routes: readonly Route[]) => {
    for (const route of routes) {
      const to = targetId(route.target);
      if (!to) continue;
      const key = `${from}->${to}`;
      const arrow = arrows.get(key) ?? { from, to, destinations: [], resources: [] };
      arrow.destinations.push(destinationText(route));
      arrow.resources.push(route.origin);
      arrows.set(key, arrow);
    }
  };
  for (const s of model.subnets) addRoutes(subnetIds.get(s)!, s.routeTable.routes);
  for (const g of model.gateways) if (g.edgeRouteTable) addRoutes(gatewayOf(g.key, g.kind, g.label), g.edgeRouteTable.routes);
  const routes: TopologyRoute[] = [...arrows.values()]
    .map((a) => ({
      ...a,
      destinations: [...new Set(a.destinations)].sort(compareDestinations),
      resources: [...new Set(a.resources)].sort(compareText),
    }))
    .sort((a, b) => compareText(a.from, b.from) || compareText(a.to, b.to));

  const subnets: TopologySubnet[] = model.subnets
    .map((s) => ({
      id: subnetIds.get(s)!,
      label: s.label,
      az: s.az ?? UNKNOWN_AZ,
      tier: s.tier ?? UNTAGGED_TIER,
      routeTable: s.routeTable.label,
      nodes: nodesOf.get(s)!.sort((a, b) => compareText(a.kind, b.kind) || compareText(a.id, b.id)),
    }))
    .sort((a, b) => compareText(a.az, b.az) || tierRank(a.tier) - tierRank(b.tier) || compareText(a.label, b.label));

  return {
    title,
    vpc: model.vpcs.map((v) => v.label).join(", "),
    zones: [...new Set(subnets.map((s) => s.az))].sort(compareText),
    tiers: tierRows(subnets, gateways, routes),
    subnets,
    gateways,
    routes,
    ...(showDecryption
      ? {
          decryption: decryption.map((f) => ({
            point: f.line.point,
            where: f.line.where,
            summary: f.summary,
            nodes: [...marked.get(f)!].sort(compareText),
          })),
        }
      : {}),
  };
}

/**
 * Rows from the top: tiers by how many route hops their subnets are from a gateway (the proxy tier that routes
 * ::/0 to the egress-only gateway is 1, the workload tier behind the firewall is 3), so most arrows join
 * neighbouring rows; tiers no route leads out of go last.
 */
function tierRows(subnets: readonly TopologySubnet[], gateways: readonly TopologyGateway[], routes: readonly TopologyRoute[]): string[] {
  const tierOfSubnet = new Map(subnets.map((s) => [s.id, s.tier]));
  const tierOfNode = new Map(subnets.flatMap((s) => s.nodes.map((n) => [n.id, s.tier] as const)));
  const gatewayIds = new Set(gateways.map((g) => g.id));
  const distance = new Map<string, number>();
  for (let changed = true; changed;) {
    changed = false;
    for (const r of routes) {
      const fromTier = tierOfSubnet.get(r.from);
      if (fromTier === undefined) continue;
      const toTier = tierOfNode.get(r.to);
      const d = gatewayIds.has(r.to) ? 1 : toTier !== undefined && distance.has(toTier) ? distance.get(toTier)! + 1 : undefined;
      if (d !== undefined && d < (distance.get(fromTier) ?? Infinity)) {
        distance.set(fromTier, d);
        changed = true;
      }
    }
  }
  const tiers = [...new Set(subnets.map((s) => s.tier))];
  return tiers.sort(
    (a, b) => (distance.get(a) ?? Infinity) - (distance.get(b) ?? Infinity) || tierRank(a) - tierRank(b) || compareText(a, b),
  );
}
