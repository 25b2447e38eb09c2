/**
 * Running the real Squid in tests: find it, give it a scratch directory with a TLS certificate, and register
 * tests that need it so that a missing Squid is loud. Without Squid (or without its OpenSSL build) the tests fail
 * under CI=true and are skipped, with a warning naming the reason, everywhere else: never counted as passed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { SquidPaths } from "../modules/proxy/squid-conf";

export interface SquidInstall {
  /** The squid binary. */
  readonly binary: string;
  /** Where its helpers live (`--libexecdir` of the build): security_file_certgen is there. */
  readonly libexecDir: string;
}

function findSquid(): { install?: SquidInstall; missing?: string } {
  const version = spawnSync("squid", ["-v"], { encoding: "utf8" });
  if (version.error || version.status !== 0) return { missing: "squid not installed (apt-get install squid-openssl)" };
  if (!version.stdout.includes("--with-openssl")) {
    return { missing: "squid is the GnuTLS build, which rejects SslBump (apt-get install squid-openssl)" };
  }
  const openssl = spawnSync("openssl", ["version"], { encoding: "utf8" });
  if (openssl.error || openssl.status !== 0)
    return { missing: "openssl CLI not installed (apt-get install openssl); it makes the test certificate" };
  const libexecDir = /--libexecdir=([^' ]+)/.exec(version.stdout)?.[1] ?? "/usr/lib/squid";
  const which = spawnSync("sh", ["-c", "command -v squid"], { encoding: "utf8" });
  return { install: { binary: which.stdout.trim() || "squid", libexecDir } };
}

const found = findSquid();
export const squid: SquidInstall | undefined = found.install;

if (!squid && process.env.CI !== "true") {
  console.warn(`skipped: ${found.missing}. The tests that run the real Squid did not run and did not pass.`);
}

/** `test` when Squid is installed; a failing test under CI=true; `test.skip` otherwise. */
export function squidTest(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (squid) test(name, fn, timeout);
  else if (process.env.CI === "true")
    test(name, () => {
      throw new Error(`${found.missing}; CI=true requires it (.ci/apt-packages lists it)`);
    });
  else test.skip(`${name} [skipped: ${found.missing}]`, fn);
}

/**
 * A scratch directory Squid can use after dropping root to its effective user: a certificate for the TLS
 * listener (one PEM with key and certificate), the certificate generator's database, logs and a pid file.
 */
export function squidScratch(install: SquidInstall): { dir: string; paths: SquidPaths; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-squid-"));
  fs.chmodSync(dir, 0o777);
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=egress6 test (splice only)",
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  const pem = path.join(dir, "splice-only.pem");
  fs.writeFileSync(pem, fs.readFileSync(cert, "utf8") + fs.readFileSync(key, "utf8"), { mode: 0o644 });
  const certGenerator = path.join(install.libexecDir, "security_file_certgen");
  const certDatabase = path.join(dir, "ssl_db");
  run(certGenerator, ["-c", "-s", certDatabase, "-M", "4MB"]);
  makeWorldWritable(certDatabase);
  const paths: SquidPaths = {
    pidFile: path.join(dir, "squid.pid"),
    accessLog: path.join(dir, "access.log"),
    cacheLog: path.join(dir, "cache.log"),
    hostsFile: path.join(dir, "hosts"),
    coredumpDir: dir,
    tlsCertificate: pem,
    certGenerator,
    certDatabase,
    // Written by the tests that decrypt (they make their own CA); nothing else reads them.
    caCertificate: path.join(dir, "egress6-ca.crt"),
    caPrivateKey: path.join(dir, "egress6-ca-key.pem"),
  };
  fs.writeFileSync(paths.hostsFile, "", { mode: 0o644 });
  return { dir, paths, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** `squid -k parse -f file`: exit status and the lines that report a problem. */
export function squidParse(install: SquidInstall, file: string): { status: number | null; problems: string[]; output: string } {
  const r = spawnSync(install.binary, ["-k", "parse", "-f", file], { encoding: "utf8" });
  const output = `${r.stdout}${r.stderr}`;
  const problems = output.split("\n").filter((l) => /WARNING|ERROR|FATAL|Bungled|unrecognized/i.test(l));
  return { status: r.status, problems, output };
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.error?.message ?? r.stderr}`);
}

function makeWorldWritable(p: string): void {
  const stat = fs.statSync(p);
  fs.chmodSync(p, stat.isDirectory() ? 0o777 : 0o666);
  if (stat.isDirectory()) for (const entry of fs.readdirSync(p)) makeWorldWritable(path.join(p, entry));
}

/** A TCP port free on ::1 right now. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "::1", resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * One of this machine's own addresses that is neither loopback nor link-local nor reserved by EC2: origins listen
 * there, because loopback is a destination the generated rules refuse.
 */
export function originAddress(): string | undefined {
  const all = Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal);
  const usable = all.filter((a) => !/^(fe80:|fd00:ec2:|169\.254\.)/i.test(a.address));
  return (usable.find((a) => a.family === "IPv6") ?? usable.find((a) => a.family === "IPv4"))?.address;
}
