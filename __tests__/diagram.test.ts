/**
 * npm run diagram: the topology comes from the synthesized output through the verifier's model (a route removed
 * from the Terraform disappears from the picture), each mode shows its own routes, the SVG keeps labels clear of
 * each other and of the boxes, the generated diagrams in docs/modes.md are current, and the CLI's flags and --json.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { demoConfig, synthAll, tempDir } from "./helpers";
import { decryptionFacts, loadCdktfOut, modelOf, stackFromTerraformJson } from "../verifier";
import { buildTopology, type Topology } from "../cli/diagram/topology";
import { renderSvg } from "../cli/diagram/svg";
import { renderMermaid } from "../cli/diagram/mermaid";
import { topologyOfConfig, topologyOfPaths } from "../cli/diagram/source";
import { loadConfig, parseConfig } from "../config/load";
import { DEMO_CONFIG } from "../config/demo";
import { BUILT_IN_NEVER_DECRYPT } from "../config/tls-inspection";
import { buildApp } from "../app/build-app";
import {
  demoTopology,
  expectedReadmeFiles,
  staleReadmeFiles,
  startMarker,
  endMarker,
  DIAGRAM_DIR,
  DIAGRAM_DOC,
} from "../cli/diagram/readme";
import { INSPECTION_MODES, type InspectionMode } from "../config/modes";
import { projectRoot } from "../lib/paths";
import { makeTestCa } from "./support/test-ca";

const CLI = path.join(__dirname, "..", "dist", "cli", "diagram", "index.js");
const MAIN = path.join(__dirname, "..", "dist", "main.js");

function run(cli: string, args: string[]) {
  const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, ...env } = process.env;
  // No output folder records an environment, whatever the project's cdktf.out holds: the demo (app/environment.ts).
  const r = spawnSync(process.execPath, [cli, ...args], {
    env: { ...env, CDKTF_OUTDIR: path.join(__dirname, "..", "node_modules", ".egress6-tests-no-output") },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const topologies = new Map<InspectionMode, Topology>();
beforeAll(() => {
  for (const mode of INSPECTION_MODES) topologies.set(mode, demoTopology(mode));
});

/** The arrows of a topology as "from-subnet -> what (in which subnet): destinations". */
function arrows(t: Topology): string[] {
  const subnetOf = new Map(t.subnets.flatMap((s) => s.nodes.map((n) => [n.id, s] as const)));
  const name = (id: string) => {
    const subnet = t.subnets.find((s) => s.id === id);
    if (subnet) return subnet.label;
    const gateway = t.gateways.find((g) => g.id === id);
    if (gateway) return gateway.kind;
    const s = subnetOf.get(id)!;
    return `${s.nodes.find((n) => n.id === id)!.kind} in ${s.label}`;
  };
  return t.routes.map((r) => `${name(r.from)} -> ${name(r.to)}: ${r.destinations.join(", ")}`).sort();
}

describe("the topology of each mode, from the synthesized demo", () => {
  test("firewall-proxy: workload -> its AZ's firewall endpoint, firewall -> proxy, proxy -> egress-only gateway and back to the workload through the endpoint", () => {
    expect(arrows(topologies.get("firewall-proxy")!)).toEqual([
      "firewall-a -> proxy in proxy-a: ::/0",
      "firewall-b -> proxy in proxy-b: ::/0",
      "proxy-a -> egress-only internet gateway: ::/0",
      "proxy-a -> firewall endpoint in firewall-a: workload-a /64",
      "proxy-b -> egress-only internet gateway: ::/0",
      "proxy-b -> firewall endpoint in firewall-b: workload-b /64",
      "workload-a -> firewall endpoint in firewall-a: ::/0, proxy-a /64",
      "workload-b -> firewall endpoint in firewall-b: ::/0, proxy-b /64",
    ]);
  });

  test("proxy: workload -> its AZ's proxy, proxy -> egress-only gateway; no firewall endpoint anywhere", () => {
    const t = topologies.get("proxy")!;
    expect(arrows(t)).toEqual([
      "proxy-a -> egress-only internet gateway: ::/0",
      "proxy-b -> egress-only internet gateway: ::/0",
      "workload-a -> proxy in proxy-a: ::/0",
      "workload-b -> proxy in proxy-b: ::/0",
    ]);
    expect(t.subnets.flatMap((s) => s.nodes).filter((n) => n.kind === "firewall endpoint")).toEqual([]);
  });

  test("firewall-igw: workload -> firewall endpoint -> internet gateway, and the gateway's ingress table sends each workload /64 to its AZ's endpoint", () => {
    const t = topologies.get("firewall-igw")!;
    expect(arrows(t)).toEqual([
      "firewall-a -> internet gateway: ::/0",
      "firewall-b -> internet gateway: ::/0",
      "internet gateway -> firewall endpoint in firewall-a: workload-a /64",
      "internet gateway -> firewall endpoint in firewall-b: workload-b /64",
      "workload-a -> firewall endpoint in firewall-a: ::/0",
      "workload-b -> firewall endpoint in firewall-b: ::/0",
    ]);
    expect(t.tiers).toEqual(["firewall", "workload", "endpoint"]);
  });

  test("AZs are the columns and tiers the rows, nearest the internet first; interface endpoints sit in the endpoint subnets", () => {
    const t = topologies.get("firewall-proxy")!;
    expect(t.zones).toEqual(["us-east-1a", "us-east-1b"]);
    expect(t.tiers).toEqual(["proxy", "firewall", "workload", "endpoint"]);
    const endpoints = t.subnets.find((s) => s.label === "endpoint-a")!.nodes;
    expect(endpoints).toEqual([expect.objectContaining({ kind: "interface endpoints", detail: "ec2messages, logs, ssm, ssmmessages" })]);
    expect(t.gateways).toEqual([expect.objectContaining({ kind: "egress-only internet gateway", label: "demo-eigw", internet: true })]);
  });

  test("instances are counted, not deduplicated by label: config/example-s3.yaml (instancesPerAz: 2) draws two workloads per AZ, the demo one", () => {
    const { config } = loadConfig(path.join(projectRoot(), "config", "example-s3.yaml"), {});
    expect(config.workload.instancesPerAz).toBe(2);
    const t = topologyOfConfig(config);
    const workloads = t.subnets.filter((s) => s.tier === "workload").map((s) => s.nodes.find((n) => n.kind === "workload"));
    expect(workloads).toEqual(
      ["a", "b", "c"].map((az) => expect.objectContaining({ title: "EC2 workloads ×2", detail: `workload-${az}` })),
    );
    expect(renderMermaid(t)).toContain('subnet_workload_a["subnet workload-a<br/>EC2 workloads ×2: workload-a"]');
    expect(renderSvg(t)).toContain(">EC2 workloads ×2</text>");
    // Three per AZ, from a config, and the demo's one: the count follows instancesPerAz.
    const three = topologyOfConfig(demoConfig({ workload: { instancesPerAz: 3 } }));
    expect(three.subnets.find((s) => s.label === "workload-b")!.nodes).toContainEqual(
      expect.objectContaining({ kind: "workload", title: "EC2 workloads ×3" }),
    );
    expect(topologies.get("proxy")!.subnets.find((s) => s.label === "workload-a")!.nodes).toContainEqual(
      expect.objectContaining({ kind: "workload", title: "EC2 workload", detail: "workload-a" }),
    );
  });

  test("the picture follows the Terraform: a route removed from the synthesized JSON is gone from the diagram, a changed target moves the arrow", () => {
    const stacks = synthAll(demoConfig());
    delete stacks.inspection.resource.aws_route.workload_a_to_proxy_route;
    // workload-b's default route now goes straight to its proxy, past the firewall.
    const route = stacks.inspection.resource.aws_route.workload_b_default_route;
    delete route.vpc_endpoint_id;
    route.network_interface_id = "${aws_network_interface.proxy_b_interface.id}";
    const sources = Object.entries(stacks).map(([name, json]) =>
      stackFromTerraformJson(name, `/app/cdktf.out/stacks/${name}/cdk.tf.json`, json, `/app/cdktf.out/stacks/${name}`),
    );
    const t = buildTopology(modelOf(sources), "mutated");
    const list = arrows(t);
    expect(list).toContain("workload-a -> firewall endpoint in firewall-a: ::/0");
    expect(list).toContain("workload-b -> proxy in proxy-b: ::/0");
    expect(list).toContain("workload-b -> firewall endpoint in firewall-b: proxy-b /64");
  });
});

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}
const rects = (svg: string, re: RegExp): Rect[] =>
  [...svg.matchAll(re)].map((m) => {
    const attr = (name: string) => Number(new RegExp(`${name}="([-0-9.]+)"`).exec(m[0])![1]);
    return { x: attr("x"), y: attr("y"), w: attr("width"), h: attr("height") };
  });
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe("the SVG and the Mermaid chart", () => {
  test.each([...INSPECTION_MODES])(
    "%s: one arrow per route, each labelled with its destinations; no label overlaps another label or a box",
    (mode) => {
      const t = topologies.get(mode)!;
      const svg = renderSvg(t);
      for (const r of t.routes) {
        expect(svg).toContain(`<path d="M`);
        const arrow = svg.split("\n").filter((l) => l.includes(`data-from="${r.from}" data-to="${r.to}"`));
        expect(arrow).toHaveLength(2); // the line and its label
        const labelText = [...arrow[1].matchAll(/>([^<]+)<\/text>/g)].map((m) => m[1]).join(" ");
        for (const d of r.destinations) expect(labelText).toContain(d);
      }
      expect(svg.match(/marker-end="url\(#arrow\)"/g)).toHaveLength(t.routes.length);
      const labels = rects(svg, /<g class="route-label"[^>]*><rect [^>]*>/g);
      expect(labels).toHaveLength(t.routes.length);
      const boxes = rects(svg, /<rect x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*" rx="(6|8)"[^>]*>/g);
      expect(boxes.length).toBeGreaterThan(t.subnets.length);
      labels.forEach((a, i) => {
        for (const b of labels.slice(i + 1)) expect(overlap(a, b)).toBe(false);
        for (const b of boxes) expect(overlap(a, b)).toBe(false);
      });
    },
  );

  test("Mermaid: every route is a link with its destinations; routes both ways between two boxes are one two-headed link", () => {
    const fp = renderMermaid(topologies.get("firewall-proxy")!);
    expect(fp).toMatch(/^flowchart BT\n/);
    expect(fp).toContain('subnet_workload_a -->|"::/0<br/>proxy-a /64"| subnet_firewall_a');
    expect(fp).toContain('subnet_proxy_a -->|"::/0"| gw_demo_eigw');
    expect(fp).toContain('subnet_firewall_a <-->|"↑ ::/0<br/>↓ workload-a /64"| subnet_proxy_a');
    const igw = renderMermaid(topologies.get("firewall-igw")!);
    expect(igw).toContain('subnet_firewall_b <-->|"↑ ::/0<br/>↓ workload-b /64"| gw_demo_igw');
  });
});

describe("TLS decryption (issue 12): the inspection point that decrypts is marked, from the verifier's own reading", () => {
  // A CA made here, as in tls-inspection.test.ts: the configuration takes only its certificate.
  const CA_PEM = makeTestCa(tempDir("tls"), "egress6 diagram test CA", { file: "ca" }).certPem;
  const atProxy = {
    caCertificatePem: CA_PEM,
    caPrivateKey: {
      secretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:egress6/demo/ca-key-AbCdEf",
      kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/0123abcd-12ab-34cd-56ef-1234567890ab",
    },
    neverDecrypt: ["pinned.example.net"],
    icap: { requestUri: "icap://[2600:1f18:1234:5600::10]/reqmod" },
  };
  const atFirewall = {
    decryptAt: "firewall",
    caCertificatePem: CA_PEM,
    caCertificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/0123abcd-12ab-34cd-56ef-1234567890ab",
    neverDecryptCidrs: ["2600:1f18:abcd::/48"],
  };
  const withTls = (mode: InspectionMode, tls: object) => ({
    ...JSON.parse(JSON.stringify(DEMO_CONFIG)),
    egress: { ...DEMO_CONFIG.egress, domains: [...DEMO_CONFIG.egress.domains, "secretsmanager.us-east-1.amazonaws.com"] },
    inspection: { mode, tlsInspection: tls },
  });
  /** Each mode with each TLS settings object synthesized once per file, into a folder only read after. */
  const outdirs = new Map<object, Map<InspectionMode, string>>();
  /** The topology, and the verifier's decryption facts for the same synthesized output (read afresh each call). */
  function synthesized(mode: InspectionMode, tls: object) {
    const byMode = outdirs.get(tls) ?? new Map<InspectionMode, string>();
    outdirs.set(tls, byMode);
    let outdir = byMode.get(mode);
    if (outdir === undefined) {
      outdir = path.join(tempDir("synth"), "cdktf.out");
      buildApp(parseConfig(withTls(mode, tls), "tls.json"), outdir).synth();
      byMode.set(mode, outdir);
    }
    const stacks = loadCdktfOut(outdir);
    return { topology: topologyOfPaths([outdir]), facts: decryptionFacts(stacks), stacks };
  }
  const marks = (t: Topology, kind: string) =>
    t.subnets.flatMap((s) =>
      s.nodes.filter((n) => n.kind === kind).map((n) => ({ subnet: s.label, decrypts: n.decrypts, decryption: n.decryption })),
    );
  const labelsClear = (svg: string) => {
    const labels = rects(svg, /<g class="route-label"[^>]*><rect [^>]*>/g);
    const boxes = rects(svg, /<rect x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*" rx="(6|8)"[^>]*>/g);
    return labels.every((a) => boxes.every((b) => !overlap(a, b)));
  };

  test("decryptAt proxy (firewall-proxy): the proxies decrypt and splice the never-decrypt names, the firewall decrypts nothing; SVG, Mermaid and --json say so", () => {
    const { topology: t, facts } = synthesized("firewall-proxy", atProxy);
    const proxyFact = facts.find(
      (f) => f.line.point === "proxy" && f.line.where === "inspection: aws_s3_object.proxy_policy_store_bundle",
    )!;
    expect(proxyFact.decrypts).toBe("yes");
    expect(marks(t, "proxy")).toEqual(
      ["a", "b"].map((az) => ({
        subnet: `proxy-${az}`,
        decrypts: "yes",
        decryption: expect.stringMatching(/^decrypts TLS \(customer CA\) on port 443; splices: /),
      })),
    );
    // The same words as the verifier's reading, not a second computation.
    expect(marks(t, "proxy")[0].decryption).toBe(proxyFact.summary);
    expect(proxyFact.summary).toContain("pinned.example.net");
    for (const name of BUILT_IN_NEVER_DECRYPT) expect(proxyFact.summary).toContain(name);
    expect(proxyFact.summary).toContain("ICAP: requests to icap://[2600:1f18:1234:5600::10]:1344/reqmod (fails closed)");
    expect(marks(t, "firewall endpoint")).toEqual(
      ["a", "b"].map((az) => ({ subnet: `firewall-${az}`, decrypts: "no", decryption: "decrypts no TLS (SNI only)" })),
    );
    expect(t.decryption!.every((d) => d.nodes.length > 0)).toBe(true);

    const svg = renderSvg(t);
    expect(svg).toContain('fill="#a50e0e" font-weight="700" class="tls-decryption">decrypts TLS (customer CA)');
    expect(svg).toContain('class="tls-decryption">decrypts no TLS (SNI only)</text>');
    expect(labelsClear(svg)).toBe(true);
    const chart = renderMermaid(t);
    expect(chart).toMatch(
      /subnet_proxy_a\["subnet proxy-a<br\/>Squid proxies \(2 interfaces\): proxy-a<br\/>» decrypts TLS \(customer CA\) on port 443<br\/>» splices: [^"]*pinned\.example\.net/,
    );
    expect(chart).toContain("Network Firewall endpoint: demo-egress6-firewall<br/>» decrypts no TLS (SNI only)");

    const file = path.join(tempDir("json"), "tls.json");
    fs.writeFileSync(file, JSON.stringify(withTls("firewall-proxy", atProxy)));
    const json = run(CLI, ["--config", file, "--json"]);
    expect(json.stderr).toBe("");
    expect((JSON.parse(json.stdout) as { topology: Topology }).topology.decryption).toEqual(t.decryption);
  });

  test("decryptAt firewall (firewall-igw and firewall-proxy): the firewall endpoints decrypt on 443 and splice exactly the never-decrypt range; the proxies decrypt nothing", () => {
    for (const mode of ["firewall-igw", "firewall-proxy"] as const) {
      const { topology: t, facts } = synthesized(mode, atFirewall);
      const summary = "decrypts TLS (customer CA) on port 443; splices: 2600:1f18:abcd::/48, other ports";
      expect(facts.filter((f) => f.line.point === "firewall").map((f) => f.summary)).toEqual([summary]);
      expect(marks(t, "firewall endpoint")).toEqual(
        ["a", "b"].map((az) => ({ subnet: `firewall-${az}`, decrypts: "yes", decryption: summary })),
      );
      expect(marks(t, "proxy")).toEqual(
        mode === "firewall-igw"
          ? []
          : ["a", "b"].map((az) => ({ subnet: `proxy-${az}`, decrypts: "no", decryption: "decrypts no TLS (splices by SNI)" })),
      );
      const svg = renderSvg(t);
      expect(svg).toMatch(
        /class="tls-decryption">decrypts TLS \(customer CA\)<\/text>\n.*class="tls-decryption">on port 443<\/text>\n.*class="tls-decryption">splices: 2600:1f18:abcd::\/48,<\/text>\n.*class="tls-decryption">other ports<\/text>/,
      );
      expect(labelsClear(svg)).toBe(true);
      expect(renderMermaid(t)).toContain(
        "Network Firewall endpoint: demo-egress6-firewall<br/>» decrypts TLS (customer CA) on port 443<br/>» splices: 2600:1f18:abcd::/48, other ports",
      );
    }
  });

  test("a TLS inspection configuration that is not in the input is marked as not knowable, never as decrypting nothing", () => {
    const { stacks } = synthesized("firewall-igw", atFirewall);
    // The policy names a configuration made elsewhere, by ARN.
    const external = "arn:aws:network-firewall:us-east-1:111122223333:tls-configuration/made-elsewhere";
    const cut = stacks.map((s) => ({
      ...s,
      resources: s.resources
        .filter((r) => r.type !== "aws_networkfirewall_tls_inspection_configuration")
        .map((r) => {
          if (r.type !== "aws_networkfirewall_firewall_policy") return r;
          const policy = (r.config.firewall_policy as Record<string, unknown>[])[0];
          return { ...r, config: { ...r.config, firewall_policy: [{ ...policy, tls_inspection_configuration_arn: external }] } };
        }),
    }));
    const t = buildTopology(modelOf(cut), "cut", decryptionFacts(cut));
    expect(marks(t, "firewall endpoint")).toEqual(
      ["a", "b"].map((az) => ({ subnet: `firewall-${az}`, decrypts: "unknown", decryption: expect.stringContaining("cannot be told") })),
    );
    expect(renderSvg(t)).toContain('fill="#b06000" font-weight="700" class="tls-decryption">decrypts: cannot be told</text>');
  });

  test("off: no mark anywhere, and the topology has no decryption entry (the docs/modes.md test checks the files byte for byte)", () => {
    for (const mode of INSPECTION_MODES) {
      const t = topologies.get(mode)!;
      expect(t.decryption).toBeUndefined();
      expect(t.subnets.flatMap((s) => s.nodes).filter((n) => n.decryption !== undefined || n.decrypts !== undefined)).toEqual([]);
      expect(renderSvg(t)).not.toContain("tls-decryption");
      expect(renderMermaid(t)).not.toContain("»");
    }
  });
});

describe("the generated diagrams in docs/modes.md", () => {
  const root = projectRoot();
  let expected: Map<string, string>;
  beforeAll(() => {
    expected = expectedReadmeFiles(root, (mode) => topologies.get(mode)!);
  });

  test("docs/modes.md and docs/diagrams/*.svg match the current synthesized output (run `npm run diagram -- --readme` when this fails)", () => {
    expect(staleReadmeFiles(root, expected)).toEqual([]);
    for (const mode of INSPECTION_MODES) {
      expect(fs.readFileSync(path.join(root, DIAGRAM_DOC), "utf8")).toContain(renderMermaid(topologies.get(mode)!).trimEnd());
    }
  });

  test("the check notices a stale block in docs/modes.md and a stale SVG", () => {
    const copy = tempDir("readme");
    fs.mkdirSync(path.join(copy, DIAGRAM_DIR), { recursive: true });
    for (const [file, content] of expected) fs.writeFileSync(path.join(copy, file), content);
    expect(staleReadmeFiles(copy, expected)).toEqual([]);
    const readme = expected.get(DIAGRAM_DOC)!;
    const start = readme.indexOf(startMarker("proxy")) + startMarker("proxy").length;
    fs.writeFileSync(
      path.join(copy, DIAGRAM_DOC),
      `${readme.slice(0, start)}\nhand-drawn\n${readme.slice(readme.indexOf(endMarker("proxy")))}`,
    );
    fs.writeFileSync(path.join(copy, DIAGRAM_DIR, "firewall-igw.svg"), "<svg/>");
    expect(staleReadmeFiles(copy, expected)).toEqual([path.join(DIAGRAM_DIR, "firewall-igw.svg"), DIAGRAM_DOC]);
    fs.rmSync(path.join(copy, DIAGRAM_DIR, "proxy.svg"));
    expect(staleReadmeFiles(copy, expected)).toContain(path.join(DIAGRAM_DIR, "proxy.svg"));
  });
});

describe("npm run diagram", () => {
  test("--json prints the topology; a synthesized folder gives the same routes as its config", () => {
    const fromConfig = run(CLI, ["--mode", "proxy", "--json"]);
    expect(fromConfig.stderr).toBe("");
    expect(fromConfig.code).toBe(0);
    const parsed = JSON.parse(fromConfig.stdout) as { topology: Topology; written: string[] };
    expect(parsed.written).toEqual([]);
    expect(arrows(parsed.topology)).toEqual(arrows(topologies.get("proxy")!));

    const dir = tempDir("synth");
    const config = path.join(dir, "proxy.json");
    const demo = JSON.parse(fs.readFileSync(path.join(projectRoot(), "config", "demo.json"), "utf8"));
    fs.writeFileSync(config, JSON.stringify({ ...demo, inspection: { mode: "proxy" } }));
    expect(run(MAIN, ["--config", config, "--out", path.join(dir, "cdktf.out")]).code).toBe(0);
    const fromDir = run(CLI, [path.join(dir, "cdktf.out"), "--json"]);
    expect(fromDir.code).toBe(0);
    expect(arrows((JSON.parse(fromDir.stdout) as { topology: Topology }).topology)).toEqual(arrows(topologies.get("proxy")!));
    expect(
      loadCdktfOut(path.join(dir, "cdktf.out"))
        .map((s) => s.name)
        .sort(),
    ).toContain("inspection");
  });

  test("--out and --mermaid write the SVG and the Markdown chart; without them the chart goes to stdout", () => {
    const dir = tempDir("out");
    const svg = path.join(dir, "d.svg");
    const md = path.join(dir, "d.md");
    const r = run(CLI, ["--mode", "firewall-igw", "--out", svg, "--mermaid", md]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`wrote ${svg}`);
    expect(fs.readFileSync(svg, "utf8")).toBe(renderSvg(topologies.get("firewall-igw")!));
    expect(fs.readFileSync(md, "utf8")).toContain("```mermaid\nflowchart BT\n");
    expect(fs.readdirSync(dir).sort()).toEqual(["d.md", "d.svg"]);
    const stdout = run(CLI, []);
    expect(stdout.code).toBe(0);
    expect(stdout.stdout).toBe(renderMermaid(topologies.get("firewall-proxy")!));
  });

  test("bad flags get one line each, exit 1, and nothing is written", () => {
    const dir = tempDir("bad");
    const r = run(CLI, ["--mode", "nat", "--out", path.join(dir, "x.png"), "--check"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      "error: --check: only with --readme (it checks the generated diagrams in docs/modes.md and docs/diagrams)",
      'error: --mode: got "nat"; accepted: firewall-proxy, proxy, firewall-igw',
      `error: --out: got ${JSON.stringify(path.join(dir, "x.png"))}; expected a file name ending in .svg`,
    ]);
    expect(fs.readdirSync(dir)).toEqual([]);
    const both = run(CLI, ["--config", "config/demo.json", "cdktf.out"]);
    expect(both.stderr).toBe("error: --config: give a configuration or a PATH (cdktf.out) to read, not both\n");
    const missing = run(CLI, [path.join(dir, "nothing")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*nothing: no such file or directory/);
  });
});
