/** The squid.conf suites that need the built CLI (dist/) or a real Squid; the renderer's own tests are in __tests__/unit/modules/proxy/. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig, type ConfigInput, type Egress6Config } from "../config/load";
import { renderSquidConf, VPC_CIDR_PLACEHOLDER, type SquidConfOptions } from "../modules/proxy/squid-conf";
import { squid, squidParse, squidScratch, squidTest } from "./squid-helpers";
import { squidPolicyOf } from "../stacks/proxy-policy";

const VPC = "2600:1f18:abcd:ef00::/56";
const CLI = path.join(__dirname, "..", "dist", "cli", "squid-config", "index.js");

function config(overrides: Partial<ConfigInput> = {}): Egress6Config {
  return parseConfig({ ...DEMO_CONFIG, ...overrides }, "test");
}

function render(c: Egress6Config = config(), options: Partial<SquidConfOptions> = {}): string {
  return renderSquidConf(squidPolicyOf(c), { vpcIpv6Cidr: VPC, az: "a", ...options });
}

/** The directive lines starting with `keyword`, comments and blanks dropped. */
function directives(conf: string, keyword: string): string[] {
  return conf.split("\n").filter((l) => l.startsWith(`${keyword} `));
}

function cli(args: string[]) {
  const { EGRESS6_CONFIG: _drop, ...env } = process.env;
  // No output folder records an environment, whatever the project's cdktf.out holds: the demo (app/environment.ts).
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...env, CDKTF_OUTDIR: path.join(__dirname, "..", "node_modules", ".egress6-tests-no-output") },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run squid-config", () => {
  test("prints the demo's squid.conf on stdout, the /56 marked as not yet known", () => {
    const r = cli([]);
    // The environment it acts on, named on stderr as every command does (app/environment.ts).
    expect(r.stderr).toMatch(/^egress6: environment demo \(embedded demo, sha256 [0-9a-f]{12}\), the default\n$/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(renderSquidConf(squidPolicyOf(config()), { vpcIpv6Cidr: VPC_CIDR_PLACEHOLDER, az: "a" }));
    expect(r.stdout).toMatch(/^acl localnet src VPC_IPV6_CIDR$/m);
  });

  test("--az and --vpc-ipv6-cidr pick the AZ and fill in the /56", () => {
    const r = cli(["--az", "b", "--vpc-ipv6-cidr", VPC]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(renderSquidConf(squidPolicyOf(config()), { vpcIpv6Cidr: VPC, az: "b" }));
  });

  test("--config reads a YAML file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-squid-cli-"));
    const file = path.join(dir, "c.yaml");
    fs.writeFileSync(
      file,
      "name: yamlenv\nregion: eu-west-1\navailabilityZones: [eu-west-1a, eu-west-1c]\negress:\n  domains: [Example.com]\n  ports: [443]\n",
    );
    const r = cli(["--config", file, "--az", "c"]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^acl egress_domains dstdomain -n example\.com$/m);
    expect(directives(r.stdout, "acl").filter((l) => l.includes(" port "))).toEqual(["acl egress_ports port 443"]);
    expect(r.stdout).toMatch(/^visible_hostname egress6-yamlenv-proxy-c$/m);
  });

  test.each([
    [["--bogus"], /^error: --bogus: unknown option \(usage: npm run --silent squid-config/],
    [["--az"], /^error: --az: no value given \(usage: npm run --silent squid-config/],
    [["--az", "z"], /^error: --az: got "z"; accepted: a, b/],
    [["--vpc-ipv6-cidr", "2600:1f18::/48"], /^error: --vpc-ipv6-cidr: got "2600:1f18::\/48"; expected the VPC's IPv6 \/56/],
    [["--config", "/nonexistent/egress6.yaml"], /^error: \/nonexistent\/egress6\.yaml: cannot read the config file \(no such file\)/],
    [["--config", ""], /^error: --config: got an empty file name/],
  ])("bad input %j: one line per problem on stderr, exit 1, no stack trace", (args, message) => {
    const r = cli(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("an invalid config reports every problem, one line each", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-squid-cli-"));
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, JSON.stringify({ ...DEMO_CONFIG, egress: { domains: ["192.0.2.1", "https://example.com/x"] } }));
    const r = cli(["--config", file, "--vpc-ipv6-cidr", "nope"]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(/^error: --vpc-ipv6-cidr: got "nope"/),
      expect.stringMatching(/egress\.domains\[0\]: is an IP address/),
      expect.stringMatching(/egress\.domains\[1\]: is a URL/),
    ]);
  });
});

describe("the real Squid accepts what we generate (squid -k parse)", () => {
  let scratch: ReturnType<typeof squidScratch> | undefined;
  beforeAll(() => {
    if (squid) scratch = squidScratch(squid);
  });
  afterAll(() => scratch?.cleanup());

  /** Production paths, except the TLS certificate, which `-k parse` loads and which user data makes on the instance. */
  function parse(c: Egress6Config, options: Partial<SquidConfOptions> = {}) {
    const file = path.join(scratch!.dir, "squid.conf");
    fs.writeFileSync(file, render(c, { paths: { tlsCertificate: scratch!.paths.tlsCertificate }, ...options }));
    return squidParse(squid!, file);
  }

  squidTest("the demo's squid.conf parses without a warning", () => {
    const r = parse(config());
    expect(r.problems).toEqual([]);
    expect(r.status).toBe(0);
  });

  squidTest("wildcards, IDN, custom ports and 1000 domains parse without a warning", () => {
    const many = Array.from({ length: 998 }, (_, i) => `host-${i}.example-${i % 7}.com`);
    const c = config({
      egress: { domains: ["*.Wild.example.org", "bücher.example", ...many], ports: [443, 8443, 80, 8080] },
      inspection: { proxy: { explicitPort: 8888, interceptHttpPort: 8889, interceptHttpsPort: 8890 } },
      // DNS Firewall off: its list would hold more than the 1,000 entries Route 53 Resolver takes in one request.
      observability: { dnsFirewall: { enabled: false } },
    });
    const r = parse(c);
    expect(r.problems).toEqual([]);
    expect(r.status).toBe(0);
  });

  squidTest("the parse check does fail on a rule Squid rejects (the check is not vacuous)", () => {
    const file = path.join(scratch!.dir, "broken.conf");
    fs.writeFileSync(
      file,
      render(config(), { paths: { tlsCertificate: scratch!.paths.tlsCertificate } }).replace("ssl_bump peek step1", "ssl_bump peek step9"),
    );
    const r = squidParse(squid!, file);
    expect(r.status).not.toBe(0);
    expect(r.problems.join("\n")).toMatch(/step9/);
  });
});
