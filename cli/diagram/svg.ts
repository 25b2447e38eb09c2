/**
 * Draws a topology as SVG, by hand: a grid with one column per AZ and one row per tier, the gateways above the
 * VPC, and one arrow per (route table, target) labelled with its destinations.
 *
 * Arrows between neighbouring rows of one column are straight vertical lines; each gets its own x in the gap it
 * crosses and its own line of the gap for its label, so labels never overlap each other or a box. Any other
 * arrow (across AZs, or over a row) runs in a lane to the right of its column.
 */
import type { Topology, TopologyNode, TopologyRoute, TopologySubnet } from "./topology";

const FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif";
const MARGIN = 20;
const ROW_HEADER = 92;
const CELL_W = 330;
const COL_GAP = 34;
const TITLE_W = 112;
const CELL_PAD = 12;
const NODE_GAP = 8;
const LABEL_SIZE = 12.5;
const LABEL_LINE = 15;
const LABEL_PAD_Y = 6;
/** Room between a gap's edge and its first or last label, so arrowheads stay clear of labels. */
const ARROW_ROOM = 14;
const MIN_GAP = 40;
const INTERNET_H = 34;
const GATEWAY_H = 46;
const BAND_GAP = 22;
const VPC_HEADER = 30;
const AZ_HEADER = 24;

const TIER_COLOURS: Record<string, { fill: string; stroke: string }> = {
  workload: { fill: "#e8f0fe", stroke: "#7baaf7" },
  proxy: { fill: "#e6f4ea", stroke: "#81c995" },
  firewall: { fill: "#fef3e0", stroke: "#f6b26b" },
  endpoint: { fill: "#f3e8fd", stroke: "#c58af9" },
};
const NODE_COLOURS: Record<TopologyNode["kind"], string> = {
  "firewall endpoint": "#c5221f",
  "gateway load balancer endpoint": "#c5221f",
  proxy: "#137333",
  workload: "#1967d2",
  host: "#5f6368",
  "interface endpoints": "#8430ce",
};

const MARK_SIZE = 11.5;
const MARK_LINE = 14;

/** Decryption marks: dark red where TLS is decrypted, amber where that cannot be told, grey where it is not. */
const MARK_COLOURS = { yes: "#a50e0e", unknown: "#b06000", no: "#5f6368" } as const;

/**
 * A decryption mark in lines of at most `width` pixels: each clause (`; `) starts a line, long ones wrap at
 * spaces; the first clause (what it decrypts) is bold.
 */
function markLines(summary: string, width: number): MarkLine[] {
  const lines: MarkLine[] = [];
  summary.split("; ").forEach((clause, i) => {
    const bold = i === 0;
    let line = "";
    for (const word of clause.split(" ")) {
      const next = line === "" ? word : `${line} ${word}`;
      if (line !== "" && textWidth(next, MARK_SIZE, bold) > width) {
        lines.push({ text: line, bold });
        line = word;
      } else line = next;
    }
    lines.push({ text: line, bold });
  });
  return lines;
}

interface MarkLine {
  text: string;
  bold: boolean;
}

/** Approximate advance widths (em) of a sans-serif font, erring wide so that boxes always hold their text. */
function textWidth(text: string, size: number, bold = false): number {
  let em = 0;
  for (const ch of text) {
    if ("il.,:;|!'j".includes(ch)) em += 0.3;
    else if ("ft/()[] -r".includes(ch)) em += 0.38;
    else if ("mwMW@".includes(ch)) em += 0.9;
    else if (/[A-Z]/.test(ch)) em += 0.7;
    else em += 0.58;
  }
  return em * size * (bold ? 1.07 : 1);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Splits `items` into lines of at most `width` pixels, joined with ", ". */
function wrapList(items: readonly string[], size: number, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const item of items) {
    const next = line === "" ? item : `${line}, ${item}`;
    if (line !== "" && textWidth(`${next},`, size) > width) {
      lines.push(`${line},`);
      line = item;
    } else line = next;
  }
  if (line !== "") lines.push(line);
  return lines;
}

function text(x: number, y: number, content: string, attrs: string): string {
  return `<text x="${r(x)}" y="${r(y)}" ${attrs}>${escapeXml(content)}</text>`;
}

function r(n: number): string {
  return String(Math.round(n * 10) / 10);
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface PlacedNode extends Box {
  node: TopologyNode;
  lines: string[];
  /** The decryption mark, wrapped. */
  mark: MarkLine[];
}

interface Cell extends Box {
  subnet: TopologySubnet;
  nodes: PlacedNode[];
}

interface Label {
  lines: string[];
  w: number;
  h: number;
}

/** An arrow between neighbouring rows of one column (rows: -1 is the gateway band). */
interface Straight {
  route: TopologyRoute;
  column: number;
  /** The gap it crosses: gap g lies between row g-1 and row g (gap 0 between the gateway band and row 0). */
  gap: number;
  label: Label;
  x?: number;
  labelY?: number;
}

function labelOf(route: TopologyRoute, fromGateway: boolean): Label {
  const lines = [...wrapList(route.destinations, LABEL_SIZE, 170), ...(fromGateway ? ["(ingress route table)"] : [])];
  const w = Math.max(...lines.map((l) => textWidth(l, LABEL_SIZE))) + 12;
  return { lines, w, h: lines.length * LABEL_LINE + 6 };
}

export function renderSvg(topology: Topology): string {
  const columns = topology.zones;
  const rows = topology.tiers;
  const colOf = (az: string) => columns.indexOf(az);
  const rowOf = (tier: string) => rows.indexOf(tier);

  // Cell contents and heights.
  const nodeWidth = CELL_W - TITLE_W - CELL_PAD;
  const cellContent = new Map<
    string,
    { subnet: TopologySubnet; nodes: { node: TopologyNode; lines: string[]; mark: MarkLine[]; h: number }[]; h: number }
  >();
  for (const s of topology.subnets) {
    const nodes = s.nodes.map((node) => {
      const lines = wrapList(
        node.detail.split(", ").filter((d) => d !== ""),
        11.5,
        nodeWidth - 16,
      );
      const mark = node.decryption === undefined ? [] : markLines(node.decryption, nodeWidth - 16);
      return { node, lines, mark, h: 22 + lines.length * 14 + 8 + (mark.length > 0 ? 6 + mark.length * MARK_LINE : 0) };
    });
    const nodesH = nodes.reduce((sum, n) => sum + n.h, 0) + Math.max(0, nodes.length - 1) * NODE_GAP;
    const titleH = s.routeTable !== s.label ? 52 : 36;
    cellContent.set(s.id, { subnet: s, nodes, h: Math.max(64, titleH + 10, nodesH + 2 * CELL_PAD) });
  }
  // Two subnets of one tier in one AZ share the cell height and stack inside it.
  const cellsAt = new Map<string, TopologySubnet[]>();
  for (const s of topology.subnets) {
    const key = `${rowOf(s.tier)}|${colOf(s.az)}`;
    cellsAt.set(key, [...(cellsAt.get(key) ?? []), s]);
  }
  const rowHeights = rows.map((_, row) =>
    Math.max(
      64,
      ...columns.map((_c, col) =>
        (cellsAt.get(`${row}|${col}`) ?? []).reduce((sum, s, i) => sum + cellContent.get(s.id)!.h + (i > 0 ? NODE_GAP : 0), 0),
      ),
    ),
  );

  // Which arrows are straight, which take a lane.
  const subnetById = new Map(topology.subnets.map((s) => [s.id, s]));
  const nodeSubnet = new Map(topology.subnets.flatMap((s) => s.nodes.map((n) => [n.id, s] as const)));
  const gatewayIds = new Set(topology.gateways.map((g) => g.id));
  const position = (id: string): { row: number; col: number | undefined } | undefined => {
    if (gatewayIds.has(id)) return { row: -1, col: undefined };
    const s = subnetById.get(id) ?? nodeSubnet.get(id);
    return s ? { row: rowOf(s.tier), col: colOf(s.az) } : undefined;
  };
  const straights: Straight[] = [];
  const laned: { route: TopologyRoute; label: Label; column: number; lane?: number }[] = [];
  for (const route of topology.routes) {
    const from = position(route.from);
    const to = position(route.to);
    if (!from || !to) continue;
    const col = from.col ?? to.col;
    const sameColumn = from.col === undefined || to.col === undefined || from.col === to.col;
    if (col !== undefined && sameColumn && Math.abs(from.row - to.row) === 1) {
      straights.push({ route, column: col, gap: Math.max(from.row, to.row), label: labelOf(route, from.row === -1) });
    } else laned.push({ route, label: labelOf(route, from.row === -1), column: col ?? 0 });
  }

  // Gap heights: every label of a gap in a column gets its own line.
  const gapHeights = Array.from({ length: rows.length + 1 }, (_, gap) => {
    if (gap === rows.length) return 0;
    const perColumn = columns.map((_c, col) =>
      straights
        .filter((s) => s.gap === gap && s.column === col)
        .reduce((sum, s, i) => sum + s.label.h + (i > 0 ? LABEL_PAD_Y : 0), 2 * ARROW_ROOM),
    );
    return Math.max(gap === 0 ? BAND_GAP : MIN_GAP, ...perColumn);
  });

  // Lanes to the right of each column, wide enough for their labels.
  const laneWidths = columns.map((_c, col) => laned.filter((l) => l.column === col).map((l) => Math.max(28, l.label.w + 12)));
  laned.forEach((l) => (l.lane = laned.filter((o) => o.column === l.column).indexOf(l)));
  const colX: number[] = [];
  let x = MARGIN + ROW_HEADER;
  for (let col = 0; col < columns.length; col++) {
    colX.push(x);
    x += CELL_W + Math.max(COL_GAP, laneWidths[col].reduce((a, b) => a + b, 0) + 8);
  }
  const gridRight = x - COL_GAP;
  const legend = [
    'Arrow: the route table of the subnet it leaves sends the destinations on its label to what it points at ("workload-a /64" is that subnet\'s prefix).',
    "Every route table also routes the VPC's own addresses locally (not drawn). The VPC's IPv6 /56 and its subnets' /64s are assigned by AWS at apply.",
    "An arrow leaving a gateway is a route of its gateway (ingress) route table.",
  ];
  // What the decryption report says of an inspection point no drawn node stands for goes under the legend.
  for (const d of (topology.decryption ?? []).filter((x) => x.nodes.length === 0))
    legend.push(`TLS decryption, ${d.point} ${d.where} (not drawn): ${d.summary}`);
  const width = Math.max(gridRight + MARGIN, 640, ...legend.map((l) => MARGIN + textWidth(l, 12) * 0.92 + MARGIN));

  // Vertical positions.
  let y = MARGIN;
  const titleY = y + 18;
  y += 48;
  const internet: Box = { x: MARGIN + ROW_HEADER, y, w: gridRight - MARGIN - ROW_HEADER, h: INTERNET_H };
  y += INTERNET_H + 20;
  const gatewayY = y;
  const gateways = topology.gateways.map((g, i, all) => {
    const w = (internet.w - (all.length - 1) * 16) / all.length;
    return { gateway: g, box: { x: internet.x + i * (w + 16), y: gatewayY, w, h: GATEWAY_H } as Box };
  });
  y += topology.gateways.length > 0 ? GATEWAY_H : 0;
  const gapTop: number[] = [y];
  y += gapHeights[0];
  const vpcBox: Box = { x: MARGIN + ROW_HEADER - 12, y, w: 0, h: 0 };
  y += VPC_HEADER + AZ_HEADER;
  const rowY: number[] = [];
  for (let row = 0; row < rows.length; row++) {
    if (row > 0) {
      gapTop.push(y);
      y += gapHeights[row];
    }
    rowY.push(y);
    y += rowHeights[row];
  }
  const gridBottom = y;
  vpcBox.w = gridRight - vpcBox.x + 12;
  vpcBox.h = gridBottom + 12 - vpcBox.y;
  y = gridBottom + 12 + 24;
  const legendY = y;
  const height = legendY + legend.length * 17 + MARGIN;

  // Cells and nodes.
  const cells = new Map<string, Cell>();
  for (const [key, subnets] of cellsAt) {
    const [row, col] = key.split("|").map(Number);
    let cy = rowY[row];
    const share = (rowHeights[row] - (subnets.length - 1) * NODE_GAP) / subnets.length;
    for (const s of subnets) {
      const content = cellContent.get(s.id)!;
      const h = subnets.length === 1 ? rowHeights[row] : share;
      const cell: Cell = { x: colX[col], y: cy, w: CELL_W, h, subnet: s, nodes: [] };
      const nodesH = content.nodes.reduce((sum, n) => sum + n.h, 0) + Math.max(0, content.nodes.length - 1) * NODE_GAP;
      let ny = cy + (h - nodesH) / 2;
      for (const n of content.nodes) {
        cell.nodes.push({ x: cell.x + TITLE_W, y: ny, w: nodeWidth, h: n.h, node: n.node, lines: n.lines, mark: n.mark });
        ny += n.h + NODE_GAP;
      }
      cells.set(s.id, cell);
      cy += h + NODE_GAP;
    }
  }
  const boxOf = (id: string): Box | undefined => {
    const g = gateways.find((gw) => gw.gateway.id === id);
    if (g) return g.box;
    const cell = cells.get(id);
    if (cell) return cell;
    for (const c of cells.values()) for (const n of c.nodes) if (n.node.id === id) return n;
    return undefined;
  };

  // Straight arrows: an x each within the gap of their column, a label line each.
  for (let gap = 0; gap < rows.length; gap++) {
    for (let col = 0; col < columns.length; col++) {
      const here = straights.filter((s) => s.gap === gap && s.column === col);
      // Upward arrows (towards the internet) left of downward ones, in route order.
      here.sort((a, b) => Number(isDown(a)) - Number(isDown(b)));
      const lo = colX[col] + TITLE_W + 18;
      const hi = colX[col] + CELL_W - CELL_PAD - 18;
      let ly = gapTop[gap] + ARROW_ROOM;
      here.forEach((s, i) => {
        s.x = here.length === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (here.length - 1);
        s.labelY = ly;
        ly += s.label.h + LABEL_PAD_Y;
      });
    }
  }
  function isDown(s: Straight): boolean {
    const from = position(s.route.from)!;
    const to = position(s.route.to)!;
    return to.row > from.row;
  }

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${r(width)}" height="${r(height)}" viewBox="0 0 ${r(width)} ${r(height)}" font-family="${FONT}" role="img" aria-labelledby="title">`,
    `<title id="title">${escapeXml(`${topology.title}: subnets per AZ and tier, and their routes`)}</title>`,
    "<defs>",
    '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6.5" markerHeight="6.5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#3c4043"/></marker>',
    "</defs>",
    `<rect x="0" y="0" width="${r(width)}" height="${r(height)}" fill="#ffffff"/>`,
    text(MARGIN, titleY, topology.title, 'font-size="18" font-weight="700" fill="#202124"'),
    text(
      MARGIN,
      titleY + 20,
      `VPC ${topology.vpc}: ${columns.length} AZ${columns.length === 1 ? "" : "s"} (columns), ${rows.length} tiers (rows); drawn from the synthesized Terraform by npm run diagram`,
      'font-size="12.5" fill="#5f6368"',
    ),
  );

  // Internet and gateways.
  out.push(rect(internet, 'rx="17" fill="#f1f3f4" stroke="#9aa0a6" stroke-dasharray="5 4"'));
  out.push(
    text(
      internet.x + internet.w / 2,
      internet.y + 22,
      "internet (IPv6)",
      'font-size="14" font-weight="600" fill="#3c4043" text-anchor="middle"',
    ),
  );
  for (const { gateway, box } of gateways) {
    if (gateway.internet) {
      const cx = box.x + box.w / 2;
      out.push(
        `<line x1="${r(cx)}" y1="${r(internet.y + internet.h)}" x2="${r(cx)}" y2="${r(box.y)}" stroke="#3c4043" stroke-width="2.5"/>`,
      );
    }
    const fill = gateway.kind === "unresolved" ? "#fce8e6" : "#fff";
    out.push(rect(box, `rx="6" fill="${fill}" stroke="#3c4043" stroke-width="1.5"`));
    out.push(text(box.x + box.w / 2, box.y + 19, gateway.kind, 'font-size="13.5" font-weight="700" fill="#202124" text-anchor="middle"'));
    out.push(text(box.x + box.w / 2, box.y + 36, gateway.label, 'font-size="12" fill="#5f6368" text-anchor="middle"'));
  }

  // VPC, AZ headers, tier headers.
  out.push(rect(vpcBox, 'rx="10" fill="none" stroke="#5f6368" stroke-width="1.5"'));
  out.push(text(vpcBox.x + 12, vpcBox.y + 20, `VPC ${topology.vpc}`, 'font-size="13.5" font-weight="700" fill="#3c4043"'));
  columns.forEach((az, col) =>
    out.push(text(colX[col] + 2, vpcBox.y + VPC_HEADER + 16, az, 'font-size="13.5" font-weight="700" fill="#3c4043"')),
  );
  rows.forEach((tier, row) => {
    out.push(text(MARGIN, rowY[row] + rowHeights[row] / 2 - 2, tier, 'font-size="13.5" font-weight="700" fill="#3c4043"'));
    out.push(text(MARGIN, rowY[row] + rowHeights[row] / 2 + 14, "tier", 'font-size="12" fill="#5f6368"'));
  });

  // Subnets and what is in them.
  for (const cell of cells.values()) {
    const colours = TIER_COLOURS[cell.subnet.tier] ?? { fill: "#f1f3f4", stroke: "#bdc1c6" };
    out.push(rect(cell, `rx="8" fill="${colours.fill}" stroke="${colours.stroke}" stroke-width="1.5"`));
    out.push(text(cell.x + CELL_PAD, cell.y + 22, cell.subnet.label, 'font-size="14" font-weight="700" fill="#202124"'));
    out.push(text(cell.x + CELL_PAD, cell.y + 38, "subnet /64", 'font-size="11.5" fill="#5f6368"'));
    if (cell.subnet.routeTable !== cell.subnet.label) {
      out.push(text(cell.x + CELL_PAD, cell.y + 53, `table ${cell.subnet.routeTable}`, 'font-size="11.5" fill="#5f6368"'));
    }
    if (cell.nodes.length === 0) {
      out.push(
        text(
          cell.x + TITLE_W + 8,
          cell.y + cell.h / 2 + 4,
          "no instances, interfaces or endpoints",
          'font-size="11.5" font-style="italic" fill="#80868b"',
        ),
      );
    }
    for (const n of cell.nodes) {
      const colour = NODE_COLOURS[n.node.kind];
      out.push(rect(n, `rx="6" fill="#ffffff" stroke="${colour}" stroke-width="1.8"`));
      out.push(text(n.x + 8, n.y + 17, n.node.title, `font-size="12.5" font-weight="700" fill="${colour}"`));
      n.lines.forEach((line, i) => out.push(text(n.x + 8, n.y + 33 + i * 14, line, 'font-size="11.5" fill="#3c4043"')));
      if (n.mark.length > 0) {
        // The decryption mark: a rule, then what this point decrypts (bold) and what it splices, in dark red.
        const top = n.y + 22 + n.lines.length * 14 + 6;
        const colour = MARK_COLOURS[n.node.decrypts ?? "unknown"];
        out.push(
          `<line x1="${r(n.x + 8)}" y1="${r(top)}" x2="${r(n.x + n.w - 8)}" y2="${r(top)}" stroke="${colour}" stroke-width="1" stroke-dasharray="3 2"/>`,
        );
        n.mark.forEach((line, i) =>
          out.push(
            text(
              n.x + 8,
              top + 14 + i * MARK_LINE,
              line.text,
              `font-size="${MARK_SIZE}" fill="${colour}"${line.bold ? ' font-weight="700"' : ""} class="tls-decryption"`,
            ),
          ),
        );
      }
    }
  }

  // Arrows, then their labels on top.
  const labels: string[] = [];
  for (const s of straights) {
    const from = boxOf(s.route.from)!;
    const to = boxOf(s.route.to)!;
    const down = isDown(s);
    const x0 = s.x!;
    const y0 = down ? from.y + from.h : from.y;
    const y1 = down ? to.y : to.y + to.h;
    // A gateway that is not above this column is reached by a dog-leg through the middle of the band gap.
    const inside = (b: Box) => x0 >= b.x + 6 && x0 <= b.x + b.w - 6;
    const gx = (b: Box) => b.x + b.w / 2;
    let points: [number, number][] = [
      [x0, y0],
      [x0, y1],
    ];
    if (!inside(to)) {
      const mid = gapTop[0] + 4;
      points = [
        [x0, y0],
        [x0, mid],
        [gx(to), mid],
        [gx(to), y1],
      ];
    } else if (!inside(from)) {
      const mid = gapTop[0] + 4;
      points = [
        [gx(from), y0],
        [gx(from), mid],
        [x0, mid],
        [x0, y1],
      ];
    }
    out.push(polyline(points, s.route));
    labels.push(labelSvg(s.label, s.route, x0, s.labelY!, colX[s.column], colX[s.column] + CELL_W));
  }
  for (const l of laned) {
    const from = boxOf(l.route.from)!;
    const to = boxOf(l.route.to)!;
    const laneX =
      colX[l.column] + CELL_W + 8 + laneWidths[l.column].slice(0, l.lane!).reduce((a, b) => a + b, 0) + laneWidths[l.column][l.lane!] / 2;
    const fy = from.y + from.h / 2;
    // Low on the target's side, below the subnet title that sits left of a node.
    const ty = to.y + Math.max(to.h / 2, to.h - 10);
    const toLeft = to.x > laneX;
    const points: [number, number][] = [
      [from.x + from.w, fy],
      [laneX, fy],
      [laneX, ty],
      [toLeft ? to.x : to.x + to.w, ty],
    ];
    out.push(polyline(points, l.route));
    const labelY = (Math.min(fy, ty) + Math.max(fy, ty)) / 2 - l.label.h / 2;
    labels.push(labelSvg(l.label, l.route, laneX, labelY, laneX - l.label.w / 2, laneX + l.label.w / 2));
  }
  out.push(...labels);

  // Legend.
  legend.forEach((line, i) => out.push(text(MARGIN, legendY + i * 17, line, 'font-size="12" fill="#5f6368"')));
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function rect(b: Box, attrs: string): string {
  return `<rect x="${r(b.x)}" y="${r(b.y)}" width="${r(b.w)}" height="${r(b.h)}" ${attrs}/>`;
}

function polyline(points: [number, number][], route: TopologyRoute): string {
  const d = points.map(([px, py], i) => `${i === 0 ? "M" : "L"}${r(px)},${r(py)}`).join(" ");
  return `<path d="${d}" fill="none" stroke="#3c4043" stroke-width="1.6" marker-end="url(#arrow)" data-from="${route.from}" data-to="${route.to}"><title>${escapeXml(route.resources.join("\n"))}</title></path>`;
}

/** A label centred on x (kept within [left, right]) with its top at y, on a white ground. */
function labelSvg(label: Label, route: TopologyRoute, x: number, y: number, left: number, right: number): string {
  const cx = Math.min(Math.max(x, left + label.w / 2 + 2), right - label.w / 2 - 2);
  const parts = [
    `<rect x="${r(cx - label.w / 2)}" y="${r(y)}" width="${r(label.w)}" height="${r(label.h)}" rx="4" fill="#ffffff" stroke="#dadce0"/>`,
  ];
  label.lines.forEach((line, i) =>
    parts.push(text(cx, y + 15 + i * LABEL_LINE, line, `font-size="${LABEL_SIZE}" fill="#202124" text-anchor="middle"`)),
  );
  return `<g class="route-label" data-from="${route.from}" data-to="${route.to}">${parts.join("")}</g>`;
}
