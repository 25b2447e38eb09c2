import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { preflight } from "../cli/preflight/index";
import { notCheckable, ok, problem, skipped, unchecked, verdictOf } from "../cli/preflight/result";
import { deadDnsAddress, startDnsServer, type TestDnsServer } from "./support/dns-server";
import { tempDir } from "./helpers";

const NO_CREDENTIALS = {
  credentials: async () => {
    throw new Error("Could not load credentials from any providers");
  },
};

/** A config file (proxy mode, nothing the AWS checks would need beyond the defaults). */
function configFile(domains: string[]): string {
  const file = path.join(tempDir("preflight"), "env.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      name: "pf",
      region: "eu-central-1",
      availabilityZones: ["eu-central-1a"],
      inspection: { mode: "proxy" },
      egress: { domains },
    }),
  );
  return file;
}

describe("npm run preflight", () => {
  let dns: TestDnsServer;
  beforeAll(async () => {
    dns = await startDnsServer({
      aaaa: { "v6.example.com": ["2001:db8::1"], "v4only.example.com": [] },
      a: { "v4only.example.com": ["192.0.2.1"] },
    });
  });
  afterAll(() => dns.close());

  test("all names reachable, no credentials: exit 2 INCOMPLETE naming how many checks did not run and why, never READY", async () => {
    const run = await preflight(
      ["--config", configFile(["v6.example.com", ".example.org"]), "--dns-server", dns.address, "--dns-timeout", "500"],
      {},
      NO_CREDENTIALS,
    );
    expect(run.stderr).toMatch(/^egress6: environment pf \(.*\.json, sha256 [0-9a-f]{12}\)\n$/); // named on stderr, as by every command
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^egress6 preflight: .*env\.json \(environment pf, region eu-central-1, mode proxy\); read-only$/);
    expect(lines[1]).toMatch(/^ok +dns:v6\.example\.com: has IPv6 addresses \(2001:db8::1\) according to 127\.0\.0\.1:\d+$/);
    expect(lines[2]).toMatch(/^n\/a +dns:\.example\.org: is a wildcard/);
    const aws = lines.filter((l) => /^SKIPPED +aws:/.test(l));
    expect(aws.length).toBeGreaterThanOrEqual(8);
    for (const l of lines.filter((x) => / aws:/.test(x)))
      expect(l).toMatch(/no AWS credentials \(default provider chain: Could not load credentials from any providers\), so not checked /);
    expect(lines[lines.length - 1]).toBe(
      `verdict: INCOMPLETE: 1 ok, 0 problems, 0 could not be checked, ${aws.length} skipped, 1 not checkable; ${aws.length} checks did not run to an answer (${aws.length}: no AWS credentials (run with credentials, or --only dns))`,
    );
    expect(run.exitCode).toBe(2);
  });

  test("--only dns: a user who runs without AWS on purpose gets READY (exit 0) for the DNS checks, and the report says the AWS checks were not run", async () => {
    const run = await preflight(
      ["--config", configFile(["v6.example.com", ".example.org"]), "--only", "dns", "--dns-server", dns.address, "--dns-timeout", "500"],
      {},
      NO_CREDENTIALS,
    );
    expect(run.stderr).toMatch(/^egress6: environment pf \(.*\.json, sha256 [0-9a-f]{12}\)\n$/); // named on stderr, as by every command
    expect(run.stdout).not.toMatch(/ aws:/);
    expect(run.stdout).toMatch(/^not run: every aws check \(--only dns\); the verdict covers dns only$/m);
    expect(run.stdout).toMatch(/^verdict: READY: 1 ok, 0 problems, 0 could not be checked, 0 skipped, 1 not checkable$/m);
    expect(run.exitCode).toBe(0);
    // With --only dns, a DNS server that does not answer still makes the run INCOMPLETE, never READY.
    const dead = await deadDnsAddress();
    const silent = await preflight(
      ["--config", configFile(["v6.example.com"]), "--only", "dns", "--dns-server", dead, "--dns-timeout", "300"],
      {},
      NO_CREDENTIALS,
    );
    expect(silent.stdout).toMatch(/^SKIPPED +dns: no DNS server answered/m);
    expect(silent.stdout).toMatch(
      /^verdict: INCOMPLETE: 0 ok, 0 problems, 0 could not be checked, 1 skipped; 1 check did not run to an answer \(1: no DNS server answered\)$/m,
    );
    expect(silent.exitCode).toBe(2);
  });

  test("the verdict: 0 only when everything applicable ran and passed; 1 on any problem; 2 when something did not run and nothing failed", () => {
    expect(verdictOf([ok("a", "x"), notCheckable("b", "x")]).exitCode).toBe(0);
    expect(verdictOf([ok("a", "x"), problem("b", "x", "f"), skipped("c", "x", "why")]).exitCode).toBe(1);
    expect(verdictOf([ok("a", "x"), unchecked("b", "x", "AccessDenied on ec2:DescribeImages")])).toMatchObject({
      exitCode: 2,
      summary:
        "INCOMPLETE: 1 ok, 0 problems, 1 could not be checked, 0 skipped; 1 check did not run to an answer (1: AccessDenied on ec2:DescribeImages)",
    });
    expect(verdictOf([ok("a", "x"), skipped("b", "x", "no AWS credentials")]).exitCode).toBe(2);
    // Nothing answered at all (only wildcards, or no check): not READY.
    expect(verdictOf([notCheckable("a", "x")])).toMatchObject({
      exitCode: 2,
      summary: "INCOMPLETE: 0 ok, 0 problems, 0 could not be checked, 0 skipped, 1 not checkable; nothing was checked",
    });
    expect(verdictOf([]).exitCode).toBe(2);
  });

  test("a name without AAAA: exit 1, the line names it and the fix; --json says the same", async () => {
    const argv = ["--config", configFile(["v6.example.com", "v4only.example.com"]), "--dns-timeout", "500"];
    const text = await preflight(argv, { EGRESS6_DNS_SERVER: dns.address }, NO_CREDENTIALS);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(
      /^PROBLEM +dns:v4only\.example\.com: has no AAAA record \(according to 127\.0\.0\.1:\d+\): unreachable over IPv6-only egress \(there is no NAT64\)\. Fix: remove it from egress\.domains/m,
    );
    expect(text.stdout).toMatch(/^verdict: NOT READY: 1 ok, 1 problem, /m);

    const json = await preflight([...argv, "--json"], { EGRESS6_DNS_SERVER: dns.address }, NO_CREDENTIALS);
    expect(json.exitCode).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({
      environment: "pf",
      region: "eu-central-1",
      mode: "proxy",
      only: ["dns", "aws"],
      verdict: { exitCode: 1, counts: { ok: 1, problem: 1, unchecked: 0 } },
    });
    expect(parsed.checks).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: "dns:v4only.example.com", status: "problem", fix: expect.any(String) })]),
    );
  });

  test("a config that does not validate: exit 2, one line per problem on stderr, no check run", async () => {
    const file = path.join(tempDir("preflight"), "bad.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        name: "pf",
        region: "eu-centrall-1",
        availabilityZones: ["eu-centrall-1a"],
        egress: { domains: ["v6.example.com"] },
      }),
    );
    const before = dns.queries.length;
    const run = await preflight(["--config", file, "--dns-server", dns.address], {}, NO_CREDENTIALS);
    expect(run).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: expect.stringMatching(
        /^error: .*bad\.json: region: is not an AWS region; did you mean eu-central-1\?.*\npreflight cannot run \(exit 2\)\n$/,
      ),
    });
    expect(dns.queries.length).toBe(before);
  });

  test("bad flags: exit 2 with the usage", async () => {
    expect(await preflight(["--bogus"])).toMatchObject({
      exitCode: 2,
      stderr: expect.stringMatching(/^error: --bogus: unknown option \(usage: npm run --silent preflight -- /),
    });
    expect(await preflight(["--json", "--config"])).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: expect.stringMatching(
        /^error: --config: no value given \(usage: npm run --silent preflight -- [^\n]*\)\npreflight cannot run \(exit 2\)\n$/,
      ),
    });
    expect(await preflight(["--dns-server", "not-an-ip"], {})).toMatchObject({
      exitCode: 2,
      stderr: expect.stringMatching(/^error: --dns-server: got "not-an-ip"; expected an IP address/),
    });
    expect(await preflight(["--dns-timeout", "0"], {})).toMatchObject({
      exitCode: 2,
      stderr: expect.stringMatching(/--dns-timeout: got "0"; expected milliseconds/),
    });
    expect(await preflight(["--only", "dsn"], {})).toMatchObject({
      exitCode: 2,
      stderr: expect.stringMatching(/^error: --only: got "dsn"; expected dns or aws \(or both, comma-separated\)$/m),
    });
  });

  test("the built command runs end to end: exit code, report on stdout, no SDK warning or stack trace", async () => {
    const file = configFile(["v4only.example.com"]);
    const env = {
      PATH: process.env.PATH,
      HOME: tempDir("home"),
      EGRESS6_DNS_SERVER: dns.address,
      AWS_CONFIG_FILE: "/nonexistent",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    // Asynchronously: the DNS server answers from this process's event loop.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(__dirname, "..", "dist", "cli", "preflight", "index.js"), "--config", file, "--dns-timeout", "500"],
        { env, encoding: "utf8" },
        (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }),
      );
    });
    expect(run.stderr).toMatch(/^egress6: environment pf \(.*\.json, sha256 [0-9a-f]{12}\)\n$/); // named on stderr, as by every command
    expect(run.stdout).toMatch(/^PROBLEM +dns:v4only\.example\.com: /m);
    expect(run.stdout).toMatch(/^SKIPPED +aws:region: no AWS credentials/m);
    expect(run.status).toBe(1);
  });
});
