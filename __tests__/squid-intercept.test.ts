/**
 * Transparent interception end to end, with the generated squid.conf, nftables ruleset and policy routing, in three
 * network namespaces: a workload, the proxy, and "the internet" (an origin with no route back to the workload, so
 * a flow only works when the proxy connects out from its own address, as through an EIGW).
 *
 * Needs root, `ip` and `nft` besides Squid; like every Squid test it fails under CI=true when it cannot run and is
 * skipped loudly elsewhere.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import { ACCESS_LOG_FIELDS, renderSquidConf } from "../modules/proxy/squid-conf";
import { interceptRoutingCommands, renderInterceptRuleset } from "../modules/proxy/user-data";
import { buildLab, labPrerequisite, labTest, must, sh, waitFor } from "./netns-lab";
import { squid, squidScratch } from "./squid-helpers";
import { squidPolicyOf } from "../stacks/proxy-policy";

const VPC = "fd00:e6::/56";
const WORKLOAD = "fd00:e6:0:1::10";
const PROXY_INSIDE = "fd00:e6:0:1::1";
const PROXY_OUTSIDE = "2001:db8:e6::1";
const ORIGIN = "2001:db8:e6::10";
/** A second address of the origin that no allowlisted name resolves to. */
const UNNAMED = "2001:db8:e6::11";
const tag = `${process.pid % 100000}`;
const NS = { workload: `e6w${tag}`, proxy: `e6p${tag}`, internet: `e6i${tag}` };

const missing = labPrerequisite(`e6probe${tag}`, ["ip", "nft"]);
if (missing && process.env.CI !== "true") console.warn(`skipped: ${missing}. The interception tests did not run and did not pass.`);
const interceptTest = labTest(missing);

const ORIGIN_JS = `
const http = require("http"), https = require("https"), fs = require("fs");
const answer = (kind) => (req, res) => { res.setHeader("connection", "close"); res.end(JSON.stringify({ kind, host: req.headers.host, from: req.socket.remoteAddress })); };
const tls = { key: fs.readFileSync(process.argv[2]), cert: fs.readFileSync(process.argv[3]) };
let up = 0; const ready = () => { if (++up === 3) console.log("ready"); };
http.createServer(answer("http")).listen(80, "::", ready);
https.createServer(tls, answer("https")).listen(443, "::", ready);
https.createServer(tls, answer("https-8443")).listen(8443, "::", ready);
`;

const CLIENT_JS = `
const http = require("http"), tls = require("tls"), crypto = require("crypto");
const [mode, address, port, name, timeout] = process.argv.slice(2);
const done = (r) => { console.log(JSON.stringify(r)); process.exit(0); };
setTimeout(() => done({ ok: false, error: "timeout" }), Number(timeout));
if (mode === "http") {
  http.get({ host: address, port: Number(port), path: "/", headers: { host: name } }, (res) => {
    let body = ""; res.on("data", (c) => (body += c)); res.on("end", () => done({ ok: true, status: res.statusCode, body }));
  }).on("error", (e) => done({ ok: false, error: e.code || e.message }));
} else {
  const s = tls.connect({ host: address, port: Number(port), servername: name || "", rejectUnauthorized: false }, () => {
    const fingerprint = s.getPeerCertificate().fingerprint256;
    s.write("GET / HTTP/1.1\\r\\nHost: " + (name || address) + "\\r\\nConnection: close\\r\\n\\r\\n");
    let data = ""; s.on("data", (c) => (data += c)); s.on("end", () => done({ ok: true, fingerprint, body: data.slice(data.indexOf("\\r\\n\\r\\n") + 4) }));
  });
  s.on("error", (e) => done({ ok: false, error: e.code || e.message }));
}
`;

interface ClientResult {
  ok: boolean;
  status?: number;
  body?: string;
  fingerprint?: string;
  error?: string;
}

let dir = "";
let originFingerprint = "";
let scratch: ReturnType<typeof squidScratch> | undefined;
const children: ChildProcess[] = [];

/** Runs the client script in the workload namespace. */
function fromWorkload(mode: "http" | "tls", address: string, port: number, name: string, timeoutMs = 3000): ClientResult {
  const args = [mode, address, String(port), name, String(timeoutMs)];
  const r = spawnSync("ip", ["netns", "exec", NS.workload, process.execPath, path.join(dir, "client.js"), ...args], { encoding: "utf8" });
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as ClientResult;
}

beforeAll(async () => {
  if (missing) return;
  scratch = squidScratch(squid!);
  dir = scratch.dir;

  // Three namespaces joined by two veth pairs; the internet has no route back to the VPC.
  buildLab(NS, [`w${tag}`, `i${tag}`], {
    workload: WORKLOAD,
    proxyInside: PROXY_INSIDE,
    proxyOutside: PROXY_OUTSIDE,
    internet: [ORIGIN, UNNAMED],
  });

  // The origin: HTTP on 80, HTTPS on 443 and 8443, with a certificate for example.com.
  must(
    `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=example.com -addext subjectAltName=DNS:example.com -keyout ${dir}/origin-key.pem -out ${dir}/origin-cert.pem 2>/dev/null`,
  );
  originFingerprint = sh(`openssl x509 -in ${dir}/origin-cert.pem -noout -fingerprint -sha256`).out.split("=")[1].trim();
  fs.writeFileSync(path.join(dir, "origin.js"), ORIGIN_JS);
  fs.writeFileSync(path.join(dir, "client.js"), CLIENT_JS);
  const origin = spawn(
    "ip",
    ["netns", "exec", NS.internet, process.execPath, path.join(dir, "origin.js"), `${dir}/origin-key.pem`, `${dir}/origin-cert.pem`],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(origin);
  let originOut = "";
  origin.stdout!.on("data", (c) => (originOut += c));
  await waitFor(() => originOut.includes("ready"), "origin", origin);

  // The proxy: the generated ruleset and routing commands, and the generated squid.conf with its default listeners.
  const config = parseConfig({ ...DEMO_CONFIG, egress: { domains: ["example.com"], ports: [443, 80] } }, "intercept test");
  const ruleset = renderInterceptRuleset({ vpcIpv6Cidr: VPC, ports: config.egress.ports, ...config.inspection.proxy });
  fs.writeFileSync(path.join(dir, "intercept.nft"), ruleset);
  must(`ip netns exec ${NS.proxy} nft -f ${dir}/intercept.nft`);
  for (const command of interceptRoutingCommands()) must(`ip netns exec ${NS.proxy} sh -c '${command}'`);
  fs.writeFileSync(scratch.paths.hostsFile, `${ORIGIN} example.com www.example.com notexample.com\n`);
  const conf = renderSquidConf(squidPolicyOf(config), { vpcIpv6Cidr: VPC, az: "a", paths: scratch.paths });
  fs.writeFileSync(path.join(dir, "squid.conf"), conf, { mode: 0o644 });
  const proxy = spawn("ip", ["netns", "exec", NS.proxy, squid!.binary, "-N", "-f", path.join(dir, "squid.conf")], { stdio: "ignore" });
  children.push(proxy);
  const log = () => (fs.existsSync(scratch!.paths.cacheLog) ? fs.readFileSync(scratch!.paths.cacheLog, "utf8") : "");
  await waitFor(() => /Accepting TPROXY intercepted SSL bumped HTTPS Socket/.test(log()), `squid (cache.log: ${log().slice(-500)})`, proxy);
}, 60000);

afterAll(async () => {
  for (const child of children.reverse()) {
    if (child.exitCode !== null) continue;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGINT");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  if (!missing) for (const ns of Object.values(NS)) sh(`ip netns del ${ns}`);
  scratch?.cleanup();
});

describe("transparent interception (TPROXY) with the generated ruleset and squid.conf", () => {
  interceptTest("intercepted HTTP to an allowlisted host reaches it from the proxy's own address", () => {
    const r = fromWorkload("http", ORIGIN, 80, "example.com");
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(JSON.parse(r.body!)).toEqual({ kind: "http", host: "example.com", from: PROXY_OUTSIDE });
  });

  interceptTest("intercepted HTTP to another host name is refused with 403", () => {
    expect(fromWorkload("http", ORIGIN, 80, "notexample.com")).toMatchObject({ ok: true, status: 403 });
  });

  interceptTest("intercepted HTTP whose Host does not resolve to the dialled address is refused with 409", () => {
    expect(fromWorkload("http", UNNAMED, 80, "example.com")).toMatchObject({ ok: true, status: 409 });
  });

  interceptTest("intercepted TLS with an allowlisted SNI is spliced: the workload sees the origin's own certificate", () => {
    const r = fromWorkload("tls", ORIGIN, 443, "example.com");
    expect(r.ok).toBe(true);
    expect(r.fingerprint).toBe(originFingerprint);
    expect(JSON.parse(r.body!)).toEqual({ kind: "https", host: "example.com", from: PROXY_OUTSIDE });
  });

  interceptTest("intercepted TLS with another SNI, or none, is closed before the handshake completes", () => {
    for (const sni of ["www.example.com", "notexample.com", ""]) {
      const r = fromWorkload("tls", ORIGIN, 443, sni);
      expect({ sni, ok: r.ok }).toEqual({ sni, ok: false });
    }
  });

  interceptTest("a port outside the allowlist has no path at all (not intercepted, never forwarded)", () => {
    expect(fromWorkload("tls", ORIGIN, 8443, "example.com", 1000)).toEqual({ ok: false, error: "timeout" });
  });

  interceptTest("the access log records the SNI of intercepted TLS", () => {
    const lines = fs.readFileSync(scratch!.paths.accessLog, "utf8").trim().split("\n");
    const sni = ACCESS_LOG_FIELDS.indexOf("sni");
    const method = ACCESS_LOG_FIELDS.indexOf("method");
    const spliced = lines.map((l) => l.split(" ")).filter((f) => f[method] === "CONNECT" && f[sni] === "example.com");
    expect(spliced.length).toBeGreaterThanOrEqual(1);
    // TCP_TUNNEL: spliced to the address the workload dialled (Squid's status code for a tunnel varies with how it closes).
    expect(spliced[0][ACCESS_LOG_FIELDS.indexOf("result")]).toMatch(/^TCP_TUNNEL\//);
    expect(spliced[0][ACCESS_LOG_FIELDS.indexOf("hierarchy")]).toBe(`ORIGINAL_DST/${ORIGIN}`);
    // Refused names are logged too, with their SNI and no server.
    const refused = lines.map((l) => l.split(" ")).filter((f) => f[sni] === "notexample.com");
    expect(refused.map((f) => f[ACCESS_LOG_FIELDS.indexOf("hierarchy")])).toEqual(["HIER_NONE/-"]);
  });

  interceptTest("a refused intercepted TLS connection is logged as denied (the proxy-denial alarm matches result=*DENIED*), once", () => {
    const lines = fs
      .readFileSync(scratch!.paths.accessLog, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" "));
    const field = (name: (typeof ACCESS_LOG_FIELDS)[number]) => ACCESS_LOG_FIELDS.indexOf(name);
    const tls = lines.filter((f) => f[field("method")] === "CONNECT");
    // Squid itself logs `ssl_bump terminate` as NONE_NONE/000; squid.conf logs it with TCP_DENIED instead.
    for (const sni of ["www.example.com", "notexample.com", "-"]) {
      expect({ sni, results: tls.filter((f) => f[field("sni")] === sni).map((f) => f[field("result")]) }).toEqual({
        sni,
        results: ["TCP_DENIED/000"],
      });
    }
    // The spliced connection is logged as Squid says, and every transaction has exactly one line.
    expect(tls.filter((f) => f[field("sni")] === "example.com").map((f) => f[field("result")])).toEqual([
      expect.stringMatching(/^TCP_TUNNEL\//),
    ]);
    for (const f of lines) expect(f).toHaveLength(ACCESS_LOG_FIELDS.length);
  });
});
