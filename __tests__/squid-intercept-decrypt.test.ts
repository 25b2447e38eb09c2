/**
 * TLS decryption on the intercept listener (issue 19): a workload with no proxy settings, its TLS diverted to Squid
 * by the generated nftables ruleset and policy routing, with the generated squid.conf of proxy decryption. The same
 * three namespaces as squid-intercept.test.ts: workload, proxy, and "the internet" (no route back to the workload).
 *
 * - an allowlisted name is decrypted: the workload is shown a certificate minted from the customer CA, and the
 *   origin sees the request from the proxy's own address;
 * - a never-decrypt name is spliced: the workload sees the origin's own certificate;
 * - a name outside the allowlist is closed before any certificate is minted for it.
 *
 * Needs root, `ip` and `nft` besides Squid; fails under CI=true when it cannot run, is skipped loudly elsewhere.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import { renderSquidConf } from "../modules/proxy/squid-conf";
import { interceptRoutingCommands, renderInterceptRuleset } from "../modules/proxy/user-data";
import { buildLab, labPrerequisite, labTest, must, sh, waitFor } from "./netns-lab";
import { squid, squidScratch } from "./squid-helpers";
import { squidPolicyOf } from "../stacks/proxy-policy";
import { makeTestCa } from "./support/test-ca";

const VPC = "fd00:e7::/56";
const WORKLOAD = "fd00:e7:0:1::10";
const PROXY_INSIDE = "fd00:e7:0:1::1";
const PROXY_OUTSIDE = "2001:db8:e7::1";
const ORIGIN = "2001:db8:e7::10";
const tag = `${process.pid % 100000}`;
// Names of their own: this file may run in the same process as squid-intercept.test.ts.
const NS = { workload: `e7w${tag}`, proxy: `e7p${tag}`, internet: `e7i${tag}` };
const DECRYPTED = "example.com";
const EXEMPT = "www.example.com";

const missing = labPrerequisite(`e7probe${tag}`, ["ip", "nft", "openssl"]);
if (missing && process.env.CI !== "true")
  console.warn(`skipped: ${missing}. The intercepted-decryption tests did not run and did not pass.`);
const interceptTest = labTest(missing);

const ORIGIN_JS = `
const https = require("https"), fs = require("fs");
const tls = { key: fs.readFileSync(process.argv[2]), cert: fs.readFileSync(process.argv[3]) };
https.createServer(tls, (req, res) => { res.setHeader("connection", "close"); res.end(JSON.stringify({ host: req.headers.host, from: req.socket.remoteAddress })); })
  .listen(443, "::", () => console.log("ready"));
`;

const CLIENT_JS = `
const tls = require("tls");
const [address, port, name, timeout] = process.argv.slice(2);
const done = (r) => { console.log(JSON.stringify(r)); process.exit(0); };
setTimeout(() => done({ ok: false, error: "timeout" }), Number(timeout));
const s = tls.connect({ host: address, port: Number(port), servername: name, rejectUnauthorized: false }, () => {
  const cert = s.getPeerCertificate();
  s.write("GET / HTTP/1.1\\r\\nHost: " + name + "\\r\\nConnection: close\\r\\n\\r\\n");
  let data = ""; s.on("data", (c) => (data += c));
  s.on("end", () => done({ ok: true, issuer: cert.issuer && cert.issuer.CN, fingerprint: cert.fingerprint256, body: data.slice(data.indexOf("\\r\\n\\r\\n") + 4) }));
});
s.on("error", (e) => done({ ok: false, error: e.code || e.message }));
`;

interface ClientResult {
  ok: boolean;
  issuer?: string;
  fingerprint?: string;
  body?: string;
  error?: string;
}

let dir = "";
let originFingerprint = "";
let scratch: ReturnType<typeof squidScratch> | undefined;
const children: ChildProcess[] = [];

function fromWorkload(name: string, timeoutMs = 5000): ClientResult {
  const r = spawnSync(
    "ip",
    ["netns", "exec", NS.workload, process.execPath, path.join(dir, "client.js"), ORIGIN, "443", name, String(timeoutMs)],
    { encoding: "utf8" },
  );
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as ClientResult;
}

beforeAll(async () => {
  if (missing) return;
  scratch = squidScratch(squid!);
  dir = scratch.dir;
  buildLab(NS, [`x${tag}`, `y${tag}`], { workload: WORKLOAD, proxyInside: PROXY_INSIDE, proxyOutside: PROXY_OUTSIDE, internet: [ORIGIN] });

  // The customer CA (Squid signs with it) and a "public" CA that signs the origin (Squid trusts it upstream).
  makeTestCa(dir, "customer CA", { days: 2 });
  makeTestCa(dir, "public CA", { days: 2 });
  must(
    `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=${DECRYPTED} -keyout ${dir}/origin.key -out ${dir}/origin.csr 2>/dev/null`,
  );
  fs.writeFileSync(path.join(dir, "origin.ext"), `subjectAltName=DNS:${DECRYPTED},DNS:${EXEMPT}\nextendedKeyUsage=serverAuth\n`);
  must(
    `openssl x509 -req -in ${dir}/origin.csr -CA ${dir}/public-CA.crt -CAkey ${dir}/public-CA.key -CAcreateserial -days 2 -extfile ${dir}/origin.ext -out ${dir}/origin.crt 2>/dev/null`,
  );
  originFingerprint = sh(`openssl x509 -in ${dir}/origin.crt -noout -fingerprint -sha256`).out.split("=")[1].trim();
  fs.writeFileSync(path.join(dir, "origin.js"), ORIGIN_JS);
  fs.writeFileSync(path.join(dir, "client.js"), CLIENT_JS);
  const origin = spawn(
    "ip",
    ["netns", "exec", NS.internet, process.execPath, path.join(dir, "origin.js"), `${dir}/origin.key`, `${dir}/origin.crt`],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(origin);
  let originOut = "";
  origin.stdout!.on("data", (c) => (originOut += c));
  await waitFor(() => originOut.includes("ready"), "origin", origin);

  const config = parseConfig(
    {
      ...DEMO_CONFIG,
      egress: { domains: [DECRYPTED, EXEMPT], ports: [443, 80] },
      inspection: {
        mode: "proxy",
        tlsInspection: {
          caCertificatePem: fs.readFileSync(path.join(dir, "customer-CA.crt"), "utf8"),
          caPrivateKey: {
            secretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:egress6/ca-key-AbCdEf",
            kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/0123abcd-12ab-34cd-56ef-1234567890ab",
          },
          neverDecrypt: [EXEMPT],
        },
      },
    },
    "intercepted decryption test",
  );
  fs.copyFileSync(path.join(dir, "customer-CA.crt"), scratch.paths.caCertificate);
  fs.copyFileSync(path.join(dir, "customer-CA.key"), scratch.paths.caPrivateKey);
  fs.chmodSync(scratch.paths.caPrivateKey, 0o644);
  const ruleset = renderInterceptRuleset({ vpcIpv6Cidr: VPC, ports: config.egress.ports, ...config.inspection.proxy });
  fs.writeFileSync(path.join(dir, "intercept.nft"), ruleset);
  must(`ip netns exec ${NS.proxy} nft -f ${dir}/intercept.nft`);
  for (const command of interceptRoutingCommands()) must(`ip netns exec ${NS.proxy} sh -c '${command}'`);
  fs.writeFileSync(scratch.paths.hostsFile, `${ORIGIN} ${DECRYPTED} ${EXEMPT}\n`);
  const conf = renderSquidConf(squidPolicyOf(config), {
    vpcIpv6Cidr: VPC,
    az: "a",
    paths: scratch.paths,
    upstreamCaFile: path.join(dir, "public-CA.crt"),
  });
  expect(conf).toContain("ssl_bump bump step3 egress_sni");
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

describe("TLS decryption on the intercept listener (TPROXY), with the generated ruleset and squid.conf", () => {
  interceptTest(
    "an allowlisted name is decrypted: the workload is shown a certificate from the customer CA; the origin sees the proxy's address",
    () => {
      const r = fromWorkload(DECRYPTED);
      expect(r).toMatchObject({ ok: true, issuer: "customer CA" });
      expect(r.fingerprint).not.toBe(originFingerprint);
      expect(JSON.parse(r.body!)).toEqual({ host: DECRYPTED, from: PROXY_OUTSIDE });
    },
    20000,
  );

  interceptTest(
    "a never-decrypt name is spliced: the workload sees the origin's own certificate",
    () => {
      const r = fromWorkload(EXEMPT);
      expect(r).toMatchObject({ ok: true, issuer: "public CA", fingerprint: originFingerprint });
      expect(JSON.parse(r.body!)).toEqual({ host: EXEMPT, from: PROXY_OUTSIDE });
    },
    20000,
  );

  interceptTest(
    "a name outside the allowlist is closed, and no certificate is minted for it",
    () => {
      expect(fromWorkload("notexample.com").ok).toBe(false);
      const index = fs.readFileSync(path.join(scratch!.paths.certDatabase, "index.txt"), "utf8");
      expect(index).toContain(DECRYPTED);
      expect(index).not.toContain("notexample.com");
    },
    20000,
  );
});
