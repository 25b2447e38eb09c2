/**
 * The policy agent, as the proxy's boot script delivers it, run against the real Squid and the real nftables in
 * the interception lab's network namespaces (a workload, the proxy, "the internet"), while a workload loops requests
 * through the proxy's explicit port. Only the fetch is faked: `aws` is a script on PATH that serves bundle versions
 * from a local directory and records the metrics it is asked to publish.
 *
 * Needs root, `ip`, `nft`, `ss` and `curl` besides Squid; like every Squid test it fails under CI=true when it
 * cannot run and is skipped loudly elsewhere.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderProxyUserData } from "../modules/proxy/user-data";
import { renderPolicyBundle } from "../modules/proxy/policy-bundle";
import { POLICY_AGENT_PATH, POLICY_FAILURE_MARK } from "../modules/proxy/policy-agent";
import { PROXY_METRIC, PROXY_METRIC_NAMESPACE, proxySlotId } from "../lib/proxy-signals";
import { squidPolicyOf } from "../stacks/proxy-policy";
import { buildLab, labPrerequisite, labTest, sh, waitFor } from "./netns-lab";
import { squid, squidScratch } from "./squid-helpers";
import { asDelivered, config } from "./support/proxy-user-data";

const VPC = "fd00:e7::/56";
const WORKLOAD = "fd00:e7:0:1::10";
const PROXY_INSIDE = "fd00:e7:0:1::1";
const PROXY_OUTSIDE = "2001:db8:e7::1";
const ORIGIN = "2001:db8:e7::10";
const tag = `${process.pid % 100000}`;
const NS = { workload: `e7w${tag}`, proxy: `e7p${tag}`, internet: `e7i${tag}` };

const missing = labPrerequisite(`e7probe${tag}`, ["ip", "nft", "ss", "curl"]);
if (missing && process.env.CI !== "true") console.warn(`skipped: ${missing}. The policy agent tests did not run and did not pass.`);
const agentTest = labTest(missing);

const ORIGIN_JS = `
require("http").createServer((req, res) => { res.setHeader("connection", "close"); res.end("origin saw " + req.headers.host); })
  .listen(80, "::", () => console.log("ready"));
`;

/**
 * Loops GET http://<host>/ through the proxy in 8 parallel workers, one new connection per request, until the stop
 * file appears; prints the counts.
 */
const LOOP_JS = `
const http = require("http"), fs = require("fs");
const [proxy, port, host, stop] = process.argv.slice(2);
let ok = 0, failed = 0; const errors = {};
const once = () => new Promise((resolve) => {
  const req = http.get({ host: proxy, port: Number(port), path: "http://" + host + "/", headers: { host }, agent: false, timeout: 10000 }, (res) => {
    let body = ""; res.on("data", (c) => (body += c));
    res.on("end", () => { if (res.statusCode === 200 && body === "origin saw " + host) ok++; else { failed++; errors[res.statusCode] = (errors[res.statusCode] || 0) + 1; } resolve(); });
  });
  req.on("timeout", () => req.destroy(new Error("timeout")));
  req.on("error", (e) => { failed++; errors[e.code || e.message] = (errors[e.code || e.message] || 0) + 1; resolve(); });
});
const worker = async () => { while (!fs.existsSync(stop)) await once(); };
Promise.all(Array.from({ length: 8 }, worker)).then(() => console.log(JSON.stringify({ ok, failed, errors })));
`;

/** One request through the proxy from the workload: the HTTP status (0: no answer). */
const ONE_JS = `
const [proxy, port, host] = process.argv.slice(2);
require("http").get({ host: proxy, port: Number(port), path: "http://" + host + "/", headers: { host }, agent: false, timeout: 5000 }, (res) => { res.resume(); res.on("end", () => console.log(res.statusCode)); })
  .on("error", () => console.log(0));
`;

/** Opens a CONNECT tunnel through the proxy, says "open", and sends a request through it once the go file exists. */
const TUNNEL_JS = `
const net = require("net"), fs = require("fs");
const [proxy, port, host, go] = process.argv.slice(2);
const s = net.connect({ host: proxy, port: Number(port) }, () => s.write("CONNECT " + host + ":80 HTTP/1.1\\r\\nHost: " + host + ":80\\r\\n\\r\\n"));
let data = "", opened = false;
s.on("data", (c) => {
  data += c;
  if (!opened && data.includes("\\r\\n\\r\\n")) {
    opened = true;
    if (!/^HTTP\\/1\\.1 200/.test(data)) { console.log("refused " + data.split("\\r\\n")[0]); process.exit(0); }
    console.log("open"); data = "";
    const wait = setInterval(() => { if (fs.existsSync(go)) { clearInterval(wait); s.write("GET / HTTP/1.1\\r\\nHost: " + host + "\\r\\nConnection: close\\r\\n\\r\\n"); } }, 50);
  }
});
s.on("end", () => { console.log(JSON.stringify(data.slice(data.indexOf("\\r\\n\\r\\n") + 4))); process.exit(0); });
s.on("error", (e) => { console.log("error " + e.code); process.exit(0); });
`;

/** The fake `aws`: head-object prints the current version id, get-object copies a version, put-metric-data records. */
const FAKE_AWS = `#!/bin/bash
dir=\${FAKE_S3_DIR:?}
case "$1 $2" in
  "s3api head-object") cat "$dir/current" ;;
  "s3api get-object")
    shift 2; vid=""; out=""
    while [ $# -gt 0 ]; do
      case $1 in
        --version-id) vid=$2; shift 2 ;;
        --bucket | --key | --region | --endpoint-url) shift 2 ;;
        *) out=$1; shift ;;
      esac
    done
    cp "$dir/versions/$vid" "$out" ;;
  "cloudwatch put-metric-data") echo "$*" >> "$dir/metrics" ;;
  *) echo "fake aws: unexpected $*" >&2; exit 1 ;;
esac
`;

let dir = "";
let s3 = "";
let scratch: ReturnType<typeof squidScratch> | undefined;
const children: ChildProcess[] = [];
let agent: ChildProcess | undefined;
const explicitPort = config().inspection.proxy.explicitPort;

const policyOf = (domains: string[]) => squidPolicyOf(config({ egress: { domains, ports: [80] } as never }));
const bundleOf = (domains: string[]) =>
  renderPolicyBundle({ policy: policyOf(domains), vpcIpv6Cidr: VPC, policyDir: path.join(dir, "policy"), paths: scratch!.paths });

let versions = 0;
/** Makes `text` the current version of the fake bundle object; returns its VersionId. */
function publish(text: string): string {
  const vid = `v${++versions}-${Date.now()}`;
  fs.writeFileSync(path.join(s3, "versions", vid), text);
  fs.writeFileSync(path.join(s3, "current.tmp"), vid);
  fs.renameSync(path.join(s3, "current.tmp"), path.join(s3, "current"));
  return vid;
}
const state = (name: string) =>
  fs.existsSync(path.join(dir, "state", name)) ? fs.readFileSync(path.join(dir, "state", name), "utf8").trim() : "";
const agentLog = () => (fs.existsSync(path.join(dir, "agent.log")) ? fs.readFileSync(path.join(dir, "agent.log"), "utf8") : "");
const metrics = () => (fs.existsSync(path.join(s3, "metrics")) ? fs.readFileSync(path.join(s3, "metrics"), "utf8") : "");

function status(host: string): number {
  const r = spawnSync(
    "ip",
    ["netns", "exec", NS.workload, process.execPath, path.join(dir, "one.js"), PROXY_INSIDE, String(explicitPort), host],
    {
      encoding: "utf8",
    },
  );
  return Number(r.stdout.trim());
}

/** Runs `during` while the workload loops requests to allowed.test; returns the loop's counts. */
async function loopWhile(during: () => Promise<void>): Promise<{ ok: number; failed: number; errors: Record<string, number> }> {
  const stop = path.join(dir, `stop-${Date.now()}`);
  const loop = spawn(
    "ip",
    ["netns", "exec", NS.workload, process.execPath, path.join(dir, "loop.js"), PROXY_INSIDE, String(explicitPort), "allowed.test", stop],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.push(loop);
  let out = "";
  loop.stdout!.on("data", (c) => (out += c));
  await new Promise((r) => setTimeout(r, 1500));
  await during();
  await new Promise((r) => setTimeout(r, 1500));
  fs.writeFileSync(stop, "");
  await new Promise((r) => loop.once("exit", r));
  return JSON.parse(out.trim());
}

async function until(check: () => boolean, what: string, seconds = 30): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (agent && agent.exitCode !== null) throw new Error(`${what}: the agent exited with ${agent.exitCode}\n${agentLog()}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out\n${agentLog()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (missing) return;
  scratch = squidScratch(squid!);
  dir = scratch.dir;
  s3 = path.join(dir, "s3");
  fs.mkdirSync(path.join(s3, "versions"), { recursive: true });
  fs.mkdirSync(path.join(dir, "bin"));
  fs.writeFileSync(path.join(dir, "bin", "aws"), FAKE_AWS, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, "loop.js"), LOOP_JS);
  fs.writeFileSync(path.join(dir, "one.js"), ONE_JS);
  fs.writeFileSync(path.join(dir, "tunnel.js"), TUNNEL_JS);
  fs.writeFileSync(path.join(dir, "origin.js"), ORIGIN_JS);

  // The agent exactly as the boot script writes it to the instance (after Terraform has rendered the script).
  const userData = asDelivered(
    renderProxyUserData({
      policy: policyOf(["allowed.test"]),
      policySource: { bucket: "${aws_s3_bucket.policy.bucket}", key: "egress6/policy-bundle", rank: 0, stepSeconds: 120 },
      region: "us-east-1",
      az: "a",
    }),
  ).replace("${aws_s3_bucket.policy.bucket}", "policy-bucket");
  const begin = `cat > ${POLICY_AGENT_PATH} <<'EGRESS6_POLICY_AGENT'\n`;
  const start = userData.indexOf(begin);
  const end = userData.indexOf("\nEGRESS6_POLICY_AGENT\n", start);
  expect(start).toBeGreaterThan(0);
  fs.writeFileSync(path.join(dir, "agent.sh"), userData.slice(start + begin.length, end + 1), { mode: 0o755 });

  buildLab(NS, [`w${tag}`, `i${tag}`], { workload: WORKLOAD, proxyInside: PROXY_INSIDE, proxyOutside: PROXY_OUTSIDE, internet: [ORIGIN] });
  const origin = spawn("ip", ["netns", "exec", NS.internet, process.execPath, path.join(dir, "origin.js")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(origin);
  let originOut = "";
  origin.stdout!.on("data", (c) => (originOut += c));
  await waitFor(() => originOut.includes("ready"), "origin", origin);
  fs.writeFileSync(scratch.paths.hostsFile, `${ORIGIN} allowed.test added.test third.test\n`);

  // Squid's config is the link the boot script makes: /etc/squid/squid.conf -> <policy dir>/current/squid.conf.
  fs.symlinkSync(path.join(dir, "policy", "current", "squid.conf"), path.join(dir, "squid.conf"));
  publish(bundleOf(["allowed.test"]).text);
  agent = spawn("ip", ["netns", "exec", NS.proxy, "bash", path.join(dir, "agent.sh")], {
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
      FAKE_S3_DIR: s3,
      EGRESS6_POLICY_BUCKET: "policy-bucket",
      EGRESS6_POLICY_KEY: "egress6/policy-bundle",
      EGRESS6_REGION: "us-east-1",
      EGRESS6_ENV: "demo",
      EGRESS6_PROXY_SLOT: proxySlotId("a", 1),
      EGRESS6_EXPLICIT_PORT: String(explicitPort),
      EGRESS6_LISTEN_PORTS: [explicitPort, config().inspection.proxy.interceptHttpPort, config().inspection.proxy.interceptHttpsPort].join(
        ",",
      ),
      EGRESS6_ROLLOUT_DELAY_SECONDS: "0",
      EGRESS6_POLL_SECONDS: "0.5",
      EGRESS6_HEALTH_SECONDS: "15",
      EGRESS6_POLICY_DIR: path.join(dir, "policy"),
      EGRESS6_STATE_DIR: path.join(dir, "state"),
      EGRESS6_POLICY_LOG: path.join(dir, "agent.log"),
      EGRESS6_SQUID: squid!.binary,
      EGRESS6_SQUID_CONF: path.join(dir, "squid.conf"),
      EGRESS6_SQUID_START: `${squid!.binary} -f ${path.join(dir, "squid.conf")}`,
    },
  });
  children.push(agent);
  await until(() => state("applied") !== "", "the first bundle");
}, 90000);

afterAll(async () => {
  if (scratch && fs.existsSync(scratch.paths.pidFile)) sh(`ip netns exec ${NS.proxy} ${squid!.binary} -k interrupt -f ${dir}/squid.conf`);
  for (const child of children.reverse()) {
    if (child.exitCode !== null) continue;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  if (!missing) {
    for (let i = 0; i < 50 && fs.existsSync(scratch?.paths.pidFile ?? ""); i++) await new Promise((r) => setTimeout(r, 100));
    for (const ns of Object.values(NS)) sh(`ip netns del ${ns}`);
  }
  scratch?.cleanup();
}, 30000);

describe("the policy agent with the real Squid", () => {
  agentTest("the first bundle starts Squid: the allowlisted name passes, the others are refused", () => {
    expect(status("allowed.test")).toBe(200);
    expect(status("added.test")).toBe(403);
    expect(agentLog()).toMatch(/egress6-policy: applied bundle [0-9a-f]{12}/);
  });

  agentTest(
    "v1 -> v2 (a domain added): no request fails across the change, and the new name passes afterwards",
    async () => {
      const v2 = bundleOf(["allowed.test", "added.test"]);
      // A connection open before the change, used after it.
      const go = path.join(dir, "go");
      const tunnel = spawn(
        "ip",
        [
          "netns",
          "exec",
          NS.workload,
          process.execPath,
          path.join(dir, "tunnel.js"),
          PROXY_INSIDE,
          String(explicitPort),
          "allowed.test",
          go,
        ],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      children.push(tunnel);
      let tunnelOut = "";
      tunnel.stdout!.on("data", (c) => (tunnelOut += c));
      await waitFor(() => tunnelOut.includes("open"), `the tunnel (${tunnelOut})`, tunnel);
      let vid = "";
      const counts = await loopWhile(async () => {
        vid = publish(v2.text);
        await until(() => state("applied") === vid, "v2 applied");
      });
      fs.writeFileSync(go, "");
      await new Promise((r) => tunnel.once("exit", r));
      expect(tunnelOut.trim().split("\n")).toEqual(["open", JSON.stringify("origin saw allowed.test")]);
      expect(counts.errors).toEqual({});
      expect(counts.failed).toBe(0);
      expect(counts.ok).toBeGreaterThan(10);
      expect(status("added.test")).toBe(200);
      expect(status("third.test")).toBe(403);
      // The new files are live together: the current link names v2's directory, with v2's allowlist.
      expect(fs.readFileSync(path.join(dir, "policy", "current", "allowlist"), "utf8")).toBe("allowed.test\nadded.test\n");
      expect(state("applied-id")).toBe(v2.version.id);
      expect(metrics()).toContain(
        `--namespace ${PROXY_METRIC_NAMESPACE} --metric-name ${PROXY_METRIC.policyVersion} --value ${v2.version.metricValue} --unit None --dimensions Environment=demo,Proxy=a-1`,
      );
    },
    90000,
  );

  agentTest(
    "a bundle squid -k parse refuses: nothing changes, no request fails, the failure is logged and published",
    async () => {
      const good = state("applied");
      const current = fs.readlinkSync(path.join(dir, "policy", "current"));
      const broken = bundleOf(["allowed.test", "added.test", "third.test"]).text.replace(
        "http_access deny manager",
        "http_access deny no_such_acl",
      );
      let vid = "";
      const counts = await loopWhile(async () => {
        vid = publish(broken);
        await until(() => state("refused") === vid, "the broken bundle refused");
      });
      expect(counts.errors).toEqual({});
      expect(counts.failed).toBe(0);
      expect(counts.ok).toBeGreaterThan(10);
      expect(agentLog()).toContain(`${POLICY_FAILURE_MARK}: squid -k parse refused bundle`);
      expect(metrics()).toContain(`--metric-name ${PROXY_METRIC.policyApplyFailed} --value 1`);
      expect(state("applied")).toBe(good);
      expect(fs.readlinkSync(path.join(dir, "policy", "current"))).toBe(current);
      expect(status("added.test")).toBe(200);
      expect(status("third.test")).toBe(403);
    },
    90000,
  );
});
