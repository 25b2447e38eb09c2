/**
 * The same topology as a Mermaid flowchart, for docs/modes.md (GitHub renders it): the internet on top, gateways,
 * then the VPC with one box per AZ holding its subnets, and the route arrows labelled with their destinations.
 */
import { safeId, type Topology } from "./topology";

/** Mermaid label text: quotes and markup characters as entity codes, lines joined with <br/>. */
function label(lines: readonly string[]): string {
  const escaped = lines.map((l) => l.replace(/&/g, "#amp;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;"));
  return `"${escaped.join("<br/>")}"`;
}

/** A node's decryption mark, one line per clause: `» decrypts TLS (customer CA) on port 443`, `» splices: ...`. */
function decryptionLines(summary: string | undefined): string[] {
  return summary === undefined ? [] : summary.split("; ").map((part) => `» ${part}`);
}

export function renderMermaid(topology: Topology): string {
  const out: string[] = ["flowchart BT"];
  const indent = (depth: number) => "  ".repeat(depth);
  out.push(`${indent(1)}internet((${label(["internet"])}))`);
  for (const g of topology.gateways) {
    out.push(`${indent(1)}${g.id}[${label([g.kind, g.label])}]`);
    if (g.internet) out.push(`${indent(1)}${g.id} === internet`);
  }
  const gatewayIds = new Set(topology.gateways.map((g) => g.id));
  // A subnet is one node that lists what is in it: arrows start and end on nodes, never on a box's title.
  const nodeOf = new Map<string, string>();
  out.push(`${indent(1)}subgraph vpc[${label([`VPC ${topology.vpc}`])}]`);
  for (const az of topology.zones) {
    out.push(`${indent(2)}subgraph ${safeId(`az ${az}`)}[${label([az])}]`);
    const column = topology.subnets
      .filter((x) => x.az === az)
      .sort((a, b) => topology.tiers.indexOf(b.tier) - topology.tiers.indexOf(a.tier));
    for (const s of column) {
      const contents =
        s.nodes.length > 0 ? s.nodes.flatMap((n) => [`${n.title}: ${n.detail}`, ...decryptionLines(n.decryption)]) : ["(empty)"];
      out.push(`${indent(3)}${s.id}[${label([`subnet ${s.label}`, ...contents])}]`);
      for (const n of s.nodes) nodeOf.set(n.id, s.id);
    }
    out.push(`${indent(2)}end`);
  }
  out.push(`${indent(1)}end`);
  // What the decryption report says of an inspection point no drawn node stands for.
  const loose = (topology.decryption ?? []).filter((d) => d.nodes.length === 0);
  if (loose.length > 0) {
    out.push(
      `${indent(1)}tls_decryption[${label(["TLS decryption (not drawn above)", ...loose.flatMap((d) => [`${d.point} ${d.where}:`, ...decryptionLines(d.summary)])])}]`,
    );
  }
  // Invisible links from each tier to the one above it in the same AZ keep the rows of the SVG: dagre ranks
  // them bottom to top, and a route that goes back down (proxy to firewall) no longer reorders the tiers.
  for (const az of topology.zones) {
    const column = [...topology.tiers]
      .reverse()
      .flatMap((tier) => topology.subnets.filter((s) => s.az === az && s.tier === tier).slice(0, 1));
    for (let i = 1; i < column.length; i++) out.push(`${indent(1)}${column[i - 1].id} ~~~ ${column[i].id}`);
    // ... and the gateways above the top row, even when a gateway's ingress routes point back down.
    const top = column[column.length - 1];
    if (top) for (const g of topology.gateways) out.push(`${indent(1)}${top.id} ~~~ ${g.id}`);
  }
  // Routes both ways between two boxes (the firewall and the proxy, an internet gateway's ingress table and a
  // firewall) make one two-headed link whose label says which destinations go up and which come down: two
  // opposite links would make a cycle, and dagre would then turn the rows around.
  const level = (id: string) =>
    gatewayIds.has(id)
      ? topology.tiers.length
      : topology.tiers.length - 1 - topology.tiers.indexOf(topology.subnets.find((s) => s.id === id)?.tier ?? "");
  const links = new Map<string, { lower: string; upper: string; up: string[]; down: string[] }>();
  for (const route of topology.routes) {
    const from = nodeOf.get(route.from) ?? route.from;
    const to = nodeOf.get(route.to) ?? route.to;
    const upward = level(from) < level(to) || (level(from) === level(to) && from < to);
    const [lower, upper] = upward ? [from, to] : [to, from];
    const link = links.get(`${lower}|${upper}`) ?? { lower, upper, up: [], down: [] };
    (upward ? link.up : link.down).push(...route.destinations);
    links.set(`${lower}|${upper}`, link);
  }
  for (const { lower, upper, up, down } of links.values()) {
    if (down.length === 0) out.push(`${indent(1)}${lower} -->|${label(up)}| ${upper}`);
    else if (up.length === 0) out.push(`${indent(1)}${upper} -->|${label(down)}| ${lower}`);
    else out.push(`${indent(1)}${lower} <-->|${label([...up.map((d) => `↑ ${d}`), ...down.map((d) => `↓ ${d}`)])}| ${upper}`);
  }
  const tiers = [...new Set(topology.subnets.map((s) => s.tier))].sort();
  for (const tier of tiers) {
    const style = TIER_STYLES[tier];
    if (!style) continue;
    out.push(`${indent(1)}classDef ${safeId(`tier ${tier}`)} ${style}`);
    out.push(
      `${indent(1)}class ${topology.subnets
        .filter((s) => s.tier === tier)
        .map((s) => s.id)
        .join(",")} ${safeId(`tier ${tier}`)}`,
    );
  }
  if (topology.gateways.length > 0) {
    out.push(`${indent(1)}classDef gateway fill:#ffffff,stroke:#202124,stroke-width:2px,color:#202124`);
    out.push(`${indent(1)}class ${topology.gateways.map((g) => g.id).join(",")} gateway`);
  }
  return `${out.join("\n")}\n`;
}

/** The SVG's tier colours (fill, border), with dark text so that both GitHub themes can read it. */
const TIER_STYLES: Record<string, string> = {
  workload: "fill:#e8f0fe,stroke:#7baaf7,color:#202124",
  proxy: "fill:#e6f4ea,stroke:#81c995,color:#202124",
  firewall: "fill:#fef3e0,stroke:#f6b26b,color:#202124",
  endpoint: "fill:#f3e8fd,stroke:#c58af9,color:#202124",
};
