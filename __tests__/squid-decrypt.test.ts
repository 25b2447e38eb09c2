/**
 * TLS decryption (inspection.tlsInspection, decryptAt: proxy) with the real Squid on loopback: the generated
 * squid.conf, a customer CA and an origin CA made here with openssl, an HTTPS origin on one of the machine's own
 * addresses, and a small ICAP responder (REQMOD) on loopback that records what Squid sends it.
 *
 * - a bumped request is seen in full at the ICAP service (method, path, body), and the client sees a certificate
 *   minted from the customer CA;
 * - a never-decrypt name is spliced: the client sees the origin's own certificate, and ICAP sees nothing;
 * - a client that does not trust the customer CA fails;
 * - with the ICAP service down, failClosed: true refuses the request; failClosed: false lets it through.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import { renderSquidConf } from "../modules/proxy/squid-conf";
import { DECRYPTING_CERT_DATABASE, ICAP_BYPASS_MARK } from "../modules/proxy/user-data";
import { freePort, originAddress, squid, squidParse, squidScratch, squidTest, type SquidInstall } from "./squid-helpers";
import { squidPolicyOf } from "../stacks/proxy-policy";
import { makeTestCa } from "./support/test-ca";

const BUMPED = "bumped.test";
const EXEMPT = "exempt.test";
const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:egress6/ca-key-AbCdEf";
const KMS_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/0123abcd-12ab-34cd-56ef-1234567890ab";

const ORIGIN_ADDRESS = originAddress();

function openssl(args: string[]): void {
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

/** A CA (certificate and key files) made with openssl. */
function makeCa(dir: string, name: string): { cert: string; key: string } {
  const ca = makeTestCa(dir, name, { days: 2 });
  return { cert: ca.certFile, key: ca.keyFile };
}

/** A server certificate for `names`, signed by `ca`. */
function makeServerCert(dir: string, ca: { cert: string; key: string }, names: string[]): { cert: string; key: string } {
  const key = path.join(dir, "origin.key");
  const csr = path.join(dir, "origin.csr");
  const cert = path.join(dir, "origin.crt");
  const ext = path.join(dir, "origin.ext");
  openssl([
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-subj",
    `/CN=${names[0]}`,
    "-keyout",
    key,
    "-out",
    csr,
  ]);
  fs.writeFileSync(ext, `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\nextendedKeyUsage=serverAuth\n`);
  openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert]);
  return { cert, key };
}

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly host: string;
  readonly body: string;
}

/** The HTTPS origin: answers every request with what it saw. */
async function startOrigin(
  address: string,
  tls: { cert: string; key: string },
): Promise<{ port: number; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = https.createServer({ cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) }, (req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", path: req.url ?? "", host: req.headers.host ?? "", body });
      res.setHeader("connection", "close");
      res.end(`origin saw ${req.method} ${req.url} (${body.length} bytes)`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * A minimal ICAP server (RFC 3507) for REQMOD: answers OPTIONS, and for REQMOD records the encapsulated HTTP
 * request (method, path, Host, de-chunked body) and answers 204 (no modification). Test code only.
 */
async function startIcap(): Promise<{ port: number; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const consumed = handle(buffer);
        if (consumed === 0) break;
        buffer = buffer.subarray(consumed);
      }
    });
    socket.on("error", () => undefined);
    /** Handles one complete ICAP message at the start of `data`; returns its length, or 0 if incomplete. */
    function handle(data: Buffer): number {
      const headEnd = data.indexOf("\r\n\r\n");
      if (headEnd < 0) return 0;
      const head = data.subarray(0, headEnd).toString("latin1");
      const [method] = head.split(" ");
      if (method === "OPTIONS") {
        socket.write(
          'ICAP/1.0 200 OK\r\nMethods: REQMOD, RESPMOD\r\nISTag: "egress6-test"\r\nAllow: 204\r\nEncapsulated: null-body=0\r\n\r\n',
        );
        return headEnd + 4;
      }
      const encapsulated = /^Encapsulated: *(.*)$/im.exec(head)?.[1] ?? "";
      const offsets = Object.fromEntries(
        encapsulated
          .split(",")
          .map((p) => p.trim().split("="))
          .map(([k, v]) => [k, Number(v)]),
      );
      const start = headEnd + 4;
      const bodyKey = Object.keys(offsets).find((k) => k.endsWith("-body"))!;
      const httpHead = data.subarray(start, start + offsets[bodyKey]).toString("latin1");
      let end = start + offsets[bodyKey];
      let body = "";
      if (bodyKey !== "null-body") {
        // Chunked body: <hex size>[; ieof]\r\n<data>\r\n ... 0\r\n\r\n
        for (;;) {
          const lineEnd = data.indexOf("\r\n", end);
          if (lineEnd < 0) return 0;
          const size = parseInt(data.subarray(end, lineEnd).toString("latin1"), 16);
          if (size === 0) {
            if (data.length < lineEnd + 4) return 0;
            end = lineEnd + 4;
            break;
          }
          if (data.length < lineEnd + 2 + size + 2) return 0;
          body += data.subarray(lineEnd + 2, lineEnd + 2 + size).toString("utf8");
          end = lineEnd + 2 + size + 2;
        }
      }
      const [requestLine] = httpHead.split("\r\n");
      const [httpMethod, target] = requestLine.split(" ");
      if (method === "REQMOD") {
        seen.push({ method: httpMethod, path: target, host: /^Host: *(.*)$/im.exec(httpHead)?.[1]?.trim() ?? "", body });
      }
      socket.write('ICAP/1.0 204 No Content\r\nISTag: "egress6-test"\r\nEncapsulated: null-body=0\r\n\r\n');
      return end;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "::1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

interface RunningSquid {
  readonly proxyPort: number;
  readonly scratch: ReturnType<typeof squidScratch>;
  stop(): Promise<void>;
}

/** Starts Squid with the generated squid.conf for the configuration below (ICAP fail-closed or fail-open). */
async function startSquid(
  install: SquidInstall,
  opts: { ca: { cert: string; key: string }; originCa: string; originPort: number; icapPort: number; failClosed: boolean },
): Promise<RunningSquid> {
  const scratch = squidScratch(install);
  fs.copyFileSync(opts.ca.cert, scratch.paths.caCertificate);
  fs.copyFileSync(opts.ca.key, scratch.paths.caPrivateKey);
  fs.writeFileSync(scratch.paths.hostsFile, `${ORIGIN_ADDRESS} ${BUMPED} ${EXEMPT}\n`);
  const [explicitPort, interceptHttpPort, interceptHttpsPort] = [await freePort(), await freePort(), await freePort()];
  const config = parseConfig(
    {
      ...DEMO_CONFIG,
      // The proxies fetch the CA key from Secrets Manager at boot: the allowlist (DNS Firewall's too) names it.
      egress: { domains: [BUMPED, EXEMPT, "secretsmanager.us-east-1.amazonaws.com"], ports: [opts.originPort] },
      inspection: {
        mode: "proxy",
        proxy: { explicitPort, interceptHttpPort, interceptHttpsPort },
        tlsInspection: {
          caCertificatePem: fs.readFileSync(opts.ca.cert, "utf8"),
          caPrivateKey: { secretArn: SECRET_ARN, kmsKeyArn: KMS_KEY_ARN },
          ports: [opts.originPort],
          neverDecrypt: [EXEMPT],
          // A deployable address for validation; the rendered file points at the test's loopback responder below.
          icap: { requestUri: "icap://[2600:1f18:1234:5600::10]:1344/reqmod", failClosed: opts.failClosed },
        },
      },
    },
    "decryption test",
  );
  const policy = squidPolicyOf(config);
  expect(policy.decryption?.icap?.requestUri).toBe("icap://[2600:1f18:1234:5600::10]:1344/reqmod");
  const decryption = { ...policy.decryption!, icap: { ...policy.decryption!.icap!, requestUri: `icap://[::1]:${opts.icapPort}/reqmod` } };
  const conf = renderSquidConf(
    { ...policy, decryption },
    { vpcIpv6Cidr: "::1/128", az: "a", listenAddress: "[::1]", paths: scratch.paths, upstreamCaFile: opts.originCa },
  );
  const file = path.join(scratch.dir, "squid.conf");
  fs.writeFileSync(file, conf, { mode: 0o644 });
  const parsed = squidParse(install, file);
  if (parsed.status !== 0) throw new Error(`squid -k parse rejected the generated squid.conf:\n${parsed.output}`);
  const proc: ChildProcess = spawn(install.binary, ["-N", "-f", file], { stdio: "ignore" });
  const deadline = Date.now() + 15000;
  const listening = new RegExp(`Accepting SSL bumped HTTP Socket connections at \\S+ local=\\[::1\\]:${explicitPort} `);
  while (proc.exitCode === null && Date.now() < deadline) {
    if (fs.existsSync(scratch.paths.cacheLog) && listening.test(fs.readFileSync(scratch.paths.cacheLog, "utf8"))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (proc.exitCode !== null || Date.now() > deadline) {
    const log = fs.existsSync(scratch.paths.cacheLog) ? fs.readFileSync(scratch.paths.cacheLog, "utf8") : "(no cache.log)";
    proc.kill("SIGKILL");
    throw new Error(`squid did not start (exit ${proc.exitCode}):\n${log.split("\n").slice(-25).join("\n")}`);
  }
  return {
    proxyPort: explicitPort,
    scratch,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGINT");
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
        clearTimeout(timer);
        if (proc.exitCode === null) proc.kill("SIGKILL");
      }
      scratch.cleanup();
    },
  };
}

interface CurlResult {
  readonly exitCode: number;
  readonly status: number;
  readonly body: string;
  /** The issuer of the certificate the client was shown. */
  readonly issuer: string;
  readonly stderr: string;
}

/** curl through the explicit proxy port (CONNECT), trusting only `cacert`; never blocks the event loop. */
function curl(proxyPort: number, url: string, cacert: string, extra: string[] = []): Promise<CurlResult> {
  const marker = "\n--egress6--";
  return new Promise((resolve) => {
    execFile(
      "curl",
      [
        "-sS",
        "--max-time",
        "10",
        "--noproxy",
        "",
        "--proxy",
        `http://[::1]:${proxyPort}`,
        "--cacert",
        cacert,
        "-w",
        `${marker}%{http_code} %{certs}`,
        ...extra,
        url,
      ],
      { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
      (error, stdout, stderr) => {
        const at = stdout.lastIndexOf(marker);
        const body = at >= 0 ? stdout.slice(0, at) : stdout;
        const tail = at >= 0 ? stdout.slice(at + marker.length) : "";
        const status = Number(tail.split(" ")[0] ?? 0);
        const issuer = /^Issuer: *(.*)$/m.exec(tail)?.[1]?.trim() ?? "";
        resolve({ exitCode: error ? ((error as { code?: number }).code ?? 1) : 0, status, body, issuer, stderr });
      },
    );
  });
}

const curlMissing = spawnSync("curl", ["--version"]).status !== 0;

describe("Squid decrypting with the customer CA (explicit port, CONNECT)", () => {
  let dir: string;
  let ca: { cert: string; key: string };
  let originCa: { cert: string; key: string };
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let icap: Awaited<ReturnType<typeof startIcap>>;
  let running: RunningSquid | undefined;

  beforeAll(async () => {
    if (!squid) return;
    if (curlMissing) throw new Error("curl is not installed (apt-get install curl); these tests are its client");
    if (!ORIGIN_ADDRESS)
      throw new Error(
        "this machine has no address besides loopback and link-local; the origin needs one (loopback is a reserved destination)",
      );
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-decrypt-"));
    ca = makeCa(dir, "egress6 test customer CA");
    originCa = makeCa(dir, "test public CA");
    origin = await startOrigin(ORIGIN_ADDRESS, makeServerCert(dir, originCa, [BUMPED, EXEMPT]));
    icap = await startIcap();
    running = await startSquid(squid, { ca, originCa: originCa.cert, originPort: origin.port, icapPort: icap.port, failClosed: true });
  }, 40000);

  afterAll(async () => {
    await running?.stop();
    await icap?.close();
    await origin?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  squidTest(
    "a bumped HTTPS request is seen in full at the ICAP service, under a certificate from the customer CA",
    async () => {
      const url = `https://${BUMPED}:${origin.port}/upload/report?id=7`;
      const r = await curl(running!.proxyPort, url, ca.cert, ["-X", "POST", "--data-binary", "card=4111111111111111&name=dlp-test"]);
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
      expect(r.status).toBe(200);
      expect(r.issuer).toContain("egress6 test customer CA");
      expect(r.body).toBe("origin saw POST /upload/report?id=7 (35 bytes)");
      // The CONNECT itself goes to the service too (host and port only); the request inside the tunnel follows.
      const atIcap = icap.seen.filter((s) => s.host.startsWith(BUMPED) && s.method !== "CONNECT");
      expect([...new Set(icap.seen.filter((s) => s.method === "CONNECT").map((s) => s.path))]).toEqual([`${BUMPED}:${origin.port}`]);
      expect(atIcap).toHaveLength(1);
      expect(atIcap[0].method).toBe("POST");
      expect(atIcap[0].path).toMatch(new RegExp(`^(https://${BUMPED.replace(".", "\\.")}:${origin.port})?/upload/report\\?id=7$`));
      expect(atIcap[0].body).toBe("card=4111111111111111&name=dlp-test");
    },
    20000,
  );

  squidTest(
    "the certificates Squid mints, each with its private key, land in the database its helper names (-s): on the proxies that is the tmpfs",
    async () => {
      const conf = fs.readFileSync(path.join(running!.scratch.dir, "squid.conf"), "utf8");
      const db = /^sslcrtd_program \S+ -s (\S+) /m.exec(conf)![1];
      expect(db).toBe(running!.scratch.paths.certDatabase);
      // After the bumped request above: the minted certificate for BUMPED is there, stored with a private key.
      const certs = path.join(db, "certs");
      const stored = fs.readdirSync(certs).map((f) => fs.readFileSync(path.join(certs, f), "utf8"));
      expect(stored.some((pem) => pem.includes("-----BEGIN CERTIFICATE-----") && /PRIVATE KEY-----/.test(pem))).toBe(true);
      expect(fs.readFileSync(path.join(db, "index.txt"), "utf8")).toContain(BUMPED);
      // What the proxies' squid.conf names instead of the test's scratch folder: the tmpfs (proxy-user-data / tls tests).
      expect(DECRYPTING_CERT_DATABASE).toBe("/var/lib/squid/egress6-tmpfs/ssl_db");
    },
    20000,
  );

  squidTest(
    "a never-decrypt name is spliced: the client sees the origin's own certificate, ICAP sees nothing",
    async () => {
      const before = icap.seen.length;
      const r = await curl(running!.proxyPort, `https://${EXEMPT}:${origin.port}/private`, originCa.cert, [
        "--data-binary",
        "not for the DLP engine",
      ]);
      expect(r.stderr).toBe("");
      expect(r.exitCode).toBe(0);
      expect(r.status).toBe(200);
      expect(r.issuer).toContain("test public CA");
      expect(r.body).toBe("origin saw POST /private (22 bytes)");
      // Only CONNECTs (host and port; Squid adapts the client's and the one it makes after reading the SNI) reached
      // the service; nothing from inside the tunnel did.
      const seen = new Set(icap.seen.slice(before).map((s) => `${s.method} ${s.path} ${s.body}`));
      expect([...seen]).toEqual([`CONNECT ${EXEMPT}:${origin.port} `]);
      // And the customer CA cannot vouch for it: nothing was re-signed.
      const withCustomerCa = await curl(running!.proxyPort, `https://${EXEMPT}:${origin.port}/private`, ca.cert);
      expect(withCustomerCa.exitCode).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
    },
    20000,
  );

  squidTest(
    "a client that does not trust the customer CA fails on a decrypted name",
    async () => {
      const seenBefore = origin.seen.length;
      const r = await curl(running!.proxyPort, `https://${BUMPED}:${origin.port}/`, originCa.cert);
      expect(r.exitCode).toBe(60);
      expect(r.stderr).toMatch(/certificate/i);
      expect(origin.seen.length).toBe(seenBefore);
    },
    20000,
  );

  squidTest(
    "with the ICAP service down and failClosed: true, the decrypted request fails and never reaches the origin",
    async () => {
      await icap.close();
      const seenBefore = origin.seen.length;
      const r = await curl(running!.proxyPort, `https://${BUMPED}:${origin.port}/while-icap-is-down`, ca.cert, ["--data-binary", "x"]);
      expect(r.exitCode).toBe(0);
      expect(r.status).toBeGreaterThanOrEqual(500);
      expect(origin.seen.slice(seenBefore).map((s) => s.path)).toEqual([]);
    },
    20000,
  );
});

describe("Squid decrypting with ICAP failClosed: false", () => {
  let dir: string;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let running: RunningSquid | undefined;
  let ca: { cert: string; key: string };

  beforeAll(async () => {
    if (!squid || curlMissing || !ORIGIN_ADDRESS) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-decrypt-open-"));
    ca = makeCa(dir, "egress6 test customer CA");
    const originCa = makeCa(dir, "test public CA");
    origin = await startOrigin(ORIGIN_ADDRESS, makeServerCert(dir, originCa, [BUMPED, EXEMPT]));
    // An ICAP port nothing listens on: the service is down from the start.
    running = await startSquid(squid, {
      ca,
      originCa: originCa.cert,
      originPort: origin.port,
      icapPort: await freePort(),
      failClosed: false,
    });
  }, 40000);

  afterAll(async () => {
    await running?.stop();
    await origin?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  squidTest(
    "with the ICAP service down, the decrypted request passes unadapted",
    async () => {
      const r = await curl(running!.proxyPort, `https://${BUMPED}:${origin.port}/icap-optional`, ca.cert, ["--data-binary", "y"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(200);
      expect(r.issuer).toContain("egress6 test customer CA");
      expect(origin.seen.map((s) => s.path)).toEqual(["/icap-optional"]);
      // Squid says so in cache.log with the words the ProxyIcapBypass alarm matches (its agent ships only those lines).
      expect(fs.readFileSync(running!.scratch.paths.cacheLog, "utf8")).toContain(ICAP_BYPASS_MARK);
    },
    20000,
  );
});
