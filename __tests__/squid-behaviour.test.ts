/**
 * The generated access rules, run by the real Squid on loopback. Every test host name resolves (Squid's hosts_file)
 * to local servers that answer anything, so a refusal can only come from the rules. Loopback is a reserved
 * destination, so the origins listen on one of the machine's own non-loopback addresses, and on loopback too
 * (same port), where only names that must be refused lead.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import { ACCESS_LOG_FIELDS, renderSquidConf } from "../modules/proxy/squid-conf";
import { freePort, originAddress, squid, squidScratch, squidTest } from "./squid-helpers";
import { squidPolicyOf } from "../stacks/proxy-policy";

const NAMES = [
  "example.com",
  "www.example.com",
  "notexample.com",
  "example.com.evil.test",
  "wild.test",
  "deep.sub.wild.test",
  "other.test",
];

/** Allowlisted names (under .wild.test) that resolve to addresses the proxy must never connect to. */
const RESERVED_NAMES: readonly [string, string][] = [
  ["loopback6.wild.test", "::1"],
  ["loopback4.wild.test", "127.0.0.2"],
  ["zero.wild.test", "0.0.0.1"],
  ["imds.wild.test", "fd00:ec2::254"],
  ["linklocal.wild.test", "169.254.169.254"],
];

const ORIGIN_ADDRESS = originAddress();

interface Origin {
  readonly port: number;
  /** `Host` of every request that reached this origin. */
  readonly seen: string[];
  close(): Promise<void>;
}

/**
 * An HTTP server on `address`, ::1 and 127.0.0.2 (same port) that answers every request and records its Host:
 * if a reserved destination were not refused, the request would reach it and be seen.
 */
async function startOrigin(tag: string, address: string): Promise<Origin> {
  const seen: string[] = [];
  const handler: http.RequestListener = (req, res) => {
    seen.push(req.headers.host ?? "");
    res.setHeader("connection", "close");
    res.end(`${tag} reached as ${req.headers.host}`);
  };
  const first = http.createServer(handler);
  await new Promise<void>((resolve) => first.listen(0, address, resolve));
  const port = (first.address() as net.AddressInfo).port;
  const servers = [first];
  for (const loopback of ["::1", "127.0.0.2"]) {
    const server = http.createServer(handler);
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, loopback, resolve));
    servers.push(server);
  }
  const close = async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  };
  return { port, seen, close };
}

interface Reply {
  readonly status: number;
  readonly head: string;
  /** Body of a plain request, or what came back through a CONNECT tunnel. */
  readonly body: string;
}

/**
 * Sends `head` to the proxy. For a CONNECT that is answered 200, then sends `tunnelled` through the tunnel and
 * returns what comes back until the origin closes; otherwise returns the proxy's response (read to its
 * Content-Length: Squid keeps the connection open after refusing a CONNECT).
 */
function viaProxy(proxyPort: number, head: string, tunnelled?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "::1", port: proxyPort });
    socket.setTimeout(5000, () => socket.destroy(new Error(`no complete answer to ${head.split("\r\n")[0]}`)));
    let data = Buffer.alloc(0);
    let response: { status: number; head: string; bodyStart: number; length?: number } | undefined;
    const finish = () => {
      if (!response) return resolve({ status: 0, head: data.toString("latin1"), body: "" });
      resolve({ status: response.status, head: response.head, body: data.subarray(response.bodyStart).toString("utf8") });
      socket.destroy();
    };
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (!response) {
        const end = data.indexOf("\r\n\r\n");
        if (end < 0) return;
        const headText = data.subarray(0, end).toString("latin1");
        const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(headText)?.[1] ?? 0);
        const length = /^content-length: *(\d+)/im.exec(headText)?.[1];
        response = { status, head: headText, bodyStart: end + 4, length: length === undefined ? undefined : Number(length) };
        if (tunnelled !== undefined && status === 200) {
          response.length = undefined; // a tunnel: read until the origin closes
          socket.write(tunnelled);
        }
      }
      if (response.length !== undefined && data.length - response.bodyStart >= response.length) finish();
    });
    socket.on("error", reject);
    socket.on("end", finish);
    socket.write(head);
  });
}

const get = (proxyPort: number, authority: string) =>
  viaProxy(proxyPort, `GET http://${authority}/ HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`);

const connect = (proxyPort: number, authority: string, host = "example.com") =>
  viaProxy(
    proxyPort,
    `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
  );

/** Squid's own refusal: 403 with its access-denied error page (not something an origin said). */
function expectRefusedBySquid(reply: Reply): void {
  expect(reply.status).toBe(403);
  expect(reply.head).toMatch(/^X-Squid-Error: ERR_ACCESS_DENIED/im);
}

let allowed: Origin;
let otherPort: Origin;
let proxyPort = 0;
let squidProcess: ChildProcess | undefined;
let scratch: ReturnType<typeof squidScratch> | undefined;

beforeAll(async () => {
  if (!squid) return;
  if (!ORIGIN_ADDRESS)
    throw new Error(
      "this machine has no address besides loopback and link-local; the origins need one (loopback is a reserved destination)",
    );
  allowed = await startOrigin("allowed-port", ORIGIN_ADDRESS);
  otherPort = await startOrigin("other-port", ORIGIN_ADDRESS);
  scratch = squidScratch(squid);
  fs.writeFileSync(
    scratch.paths.hostsFile,
    [`${ORIGIN_ADDRESS} ${NAMES.join(" ")}`, ...RESERVED_NAMES.map(([name, address]) => `${address} ${name}`), ""].join("\n"),
  );
  const [explicitPort, interceptHttpPort, interceptHttpsPort] = [await freePort(), await freePort(), await freePort()];
  proxyPort = explicitPort;
  const config = parseConfig(
    {
      ...DEMO_CONFIG,
      egress: { domains: ["example.com", ".wild.test"], ports: [allowed.port] },
      inspection: { proxy: { explicitPort, interceptHttpPort, interceptHttpsPort } },
    },
    "behaviour test",
  );
  // The client is ::1, so ::1/128 plays the VPC's /56.
  const conf = renderSquidConf(squidPolicyOf(config), { vpcIpv6Cidr: "::1/128", az: "a", listenAddress: "[::1]", paths: scratch.paths });
  const file = path.join(scratch.dir, "squid.conf");
  fs.writeFileSync(file, conf, { mode: 0o644 });
  squidProcess = spawn(squid.binary, ["-N", "-f", file], { stdio: "ignore" });
  // Wait for Squid to report the explicit listener (probing the port would put a line in the access log).
  const deadline = Date.now() + 15000;
  const listening = new RegExp(`Accepting HTTP Socket connections at \\S+ local=\\[::1\\]:${proxyPort} `);
  while (squidProcess.exitCode === null && Date.now() < deadline) {
    if (fs.existsSync(scratch.paths.cacheLog) && listening.test(fs.readFileSync(scratch.paths.cacheLog, "utf8"))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = fs.existsSync(scratch.paths.cacheLog) ? fs.readFileSync(scratch.paths.cacheLog, "utf8") : "(no cache.log)";
  if (squidProcess.exitCode !== null || Date.now() > deadline) {
    throw new Error(`squid did not start (exit ${squidProcess.exitCode}):\n${log.split("\n").slice(-20).join("\n")}`);
  }
}, 30000);

afterAll(async () => {
  // SIGINT: shut down without waiting shutdown_lifetime; its certificate helpers exit with it.
  if (squidProcess && squidProcess.exitCode === null) {
    const exited = new Promise((r) => squidProcess!.once("exit", r));
    squidProcess.kill("SIGINT");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (squidProcess.exitCode === null) squidProcess.kill("SIGKILL");
  }
  await allowed?.close();
  await otherPort?.close();
  scratch?.cleanup();
});

describe("Squid with the generated rules (explicit port)", () => {
  squidTest("an allowlisted domain is reachable over HTTP", async () => {
    const reply = await get(proxyPort, `example.com:${allowed.port}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(`allowed-port reached as example.com:${allowed.port}`);
  });

  squidTest("a wildcard entry allows the domain itself and its subdomains", async () => {
    for (const host of ["wild.test", "deep.sub.wild.test"]) {
      const reply = await get(proxyPort, `${host}:${allowed.port}`);
      expect(reply.status).toBe(200);
      expect(reply.body).toBe(`allowed-port reached as ${host}:${allowed.port}`);
    }
  });

  squidTest("CONNECT to an allowlisted domain opens a tunnel to it", async () => {
    const reply = await connect(proxyPort, `example.com:${allowed.port}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatch(/\r\n\r\nallowed-port reached as example\.com$/);
  });

  const refusedHosts: [string, () => string][] = [
    ["a different domain", () => `other.test:${allowed.port}`],
    ["a look-alike sharing the suffix (notexample.com)", () => `notexample.com:${allowed.port}`],
    ["a look-alike sharing the prefix (example.com.evil.test)", () => `example.com.evil.test:${allowed.port}`],
    ["a subdomain of an exact entry (www.example.com)", () => `www.example.com:${allowed.port}`],
    ["an IPv6 literal", () => `[::1]:${allowed.port}`],
    ["an IPv4 literal", () => `127.0.0.1:${allowed.port}`],
    ["an allowlisted domain on a port outside the allowlist", () => `example.com:${otherPort.port}`],
  ];
  for (const [what, authority] of refusedHosts) {
    squidTest(`HTTP to ${what} is refused with 403`, async () => {
      expectRefusedBySquid(await get(proxyPort, authority()));
    });
    squidTest(`CONNECT to ${what} is refused with 403`, async () => {
      expectRefusedBySquid(await connect(proxyPort, authority()));
    });
  }

  for (const [name, address] of RESERVED_NAMES) {
    squidTest(`an allowlisted name that resolves to ${address} is refused with 403 (HTTP and CONNECT)`, async () => {
      expectRefusedBySquid(await get(proxyPort, `${name}:${allowed.port}`));
      expectRefusedBySquid(await connect(proxyPort, `${name}:${allowed.port}`, name));
    });
  }

  squidTest("no refused request reached an origin", () => {
    expect(allowed.seen.sort()).toEqual([
      `deep.sub.wild.test:${allowed.port}`,
      "example.com",
      `example.com:${allowed.port}`,
      `wild.test:${allowed.port}`,
    ]);
    expect(otherPort.seen).toEqual([]);
  });

  squidTest("every access log line has the fields the log format documents, refusals as TCP_DENIED/403", async () => {
    const file = scratch!.paths.accessLog;
    const refused = refusedHosts.length + RESERVED_NAMES.length;
    let lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : [];
      if (lines.length >= 4 + 2 * refused) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(lines).toHaveLength(4 + 2 * refused);
    for (const line of lines) expect(line.split(" ")).toHaveLength(ACCESS_LOG_FIELDS.length);
    const result = ACCESS_LOG_FIELDS.indexOf("result");
    expect(lines.filter((l) => l.split(" ")[result] === "TCP_DENIED/403")).toHaveLength(2 * refused);
  });
});
