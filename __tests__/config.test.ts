import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_CONFIG, DEMO_IPV6_DOMAINS } from "../config/demo";
import { loadConfig, parseConfig, readConfigFile, UserError } from "../config/load";
import { normalizeDomain } from "../config/domains";
import { REGIONS } from "../config/regions";
import { merge, tempDir } from "./helpers";

/** The problem lines for an invalid config (fails the test if the config is accepted). */
function problems(overrides: unknown): string[] {
  try {
    parseConfig(merge(DEMO_CONFIG, overrides), "cfg");
  } catch (e) {
    if (e instanceof UserError) return [...e.problems];
    throw e;
  }
  throw new Error("config was accepted");
}

describe("valid configurations", () => {
  test("the embedded demo validates and fills every default", () => {
    const config = parseConfig(DEMO_CONFIG);
    expect(config.inspection).toEqual({
      mode: "firewall-proxy",
      firewall: { logRetentionDays: 365, protection: true },
      proxy: expect.objectContaining({ instanceType: "t4g.small", explicitPort: 3128, interceptHttpPort: 3129, interceptHttpsPort: 3130 }),
    });
    expect(config.egress.ports).toEqual([443, 80]);
    expect(config.vpc.ipv6).toEqual({ source: "amazon" });
    expect(config.backend).toEqual({ type: "local" });
  });

  test("the demo allowlists only names documented to have IPv6 (AAAA) addresses: IPv6-only egress has no NAT64", () => {
    const demo = parseConfig(DEMO_CONFIG, "demo");
    expect(demo.egress.domains).toEqual(DEMO_IPV6_DOMAINS.map((d) => d.domain));
    for (const d of DEMO_IPV6_DOMAINS) expect(d.source).toMatch(/^https:\/\//);
    // Names public sources show without an AAAA record (github.com: isaacs/github#354, "github.com has no AAAA record").
    for (const ipv4Only of ["github.com", ".github.com", ".githubusercontent.com"]) expect(demo.egress.domains).not.toContain(ipv4Only);
  });

  test("config/demo.json is the embedded demo, so the file and the default never drift", () => {
    const file = readConfigFile(path.join(__dirname, "..", "config", "demo.json"));
    expect(parseConfig(file)).toEqual(parseConfig(DEMO_CONFIG));
  });

  test("every example under config/ validates", () => {
    const dir = path.join(__dirname, "..", "config");
    const files = fs.readdirSync(dir).filter((f) => /\.(json|ya?ml)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(() => loadConfig(path.join(dir, f))).not.toThrow();
  });

  test("domains are normalised: lower case, punycode, no trailing dot, *.x written as .x", () => {
    const config = parseConfig(merge(DEMO_CONFIG, { egress: { domains: ["Example.COM.", "*.Bücher.de", "api.github.com"] } }));
    expect(config.egress.domains).toEqual(["example.com", ".xn--bcher-kva.de", "api.github.com"]);
  });

  test("YAML and JSON files load the same configuration", () => {
    const dir = tempDir("cfg");
    const yamlFile = path.join(dir, "env.yaml");
    fs.writeFileSync(yamlFile, "name: demo\nregion: us-east-1\navailabilityZones: [us-east-1a]\negress:\n  domains: [example.com]\n");
    const jsonFile = path.join(dir, "env.json");
    fs.writeFileSync(
      jsonFile,
      JSON.stringify({ name: "demo", region: "us-east-1", availabilityZones: ["us-east-1a"], egress: { domains: ["example.com"] } }),
    );
    expect(loadConfig(yamlFile).config).toEqual(loadConfig(jsonFile).config);
  });

  test("EGRESS6_CONFIG names the file when no flag does; nothing means the demo", () => {
    const dir = tempDir("cfg");
    const file = path.join(dir, "env.json");
    fs.writeFileSync(
      file,
      JSON.stringify({ name: "fromenv", region: "us-east-1", availabilityZones: ["us-east-1a"], egress: { domains: ["example.com"] } }),
    );
    expect(loadConfig(undefined, { EGRESS6_CONFIG: file }).config.name).toBe("fromenv");
    expect(loadConfig(undefined, {}).source).toBe("(embedded demo)");
  });

  test("a file named by EGRESS6_CONFIG is named so in every message", () => {
    const problems = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (e instanceof UserError) return e.problems;
        throw e;
      }
      throw new Error("no UserError");
    };
    expect(problems(() => loadConfig(undefined, { EGRESS6_CONFIG: "/nope.yaml" }))).toEqual([
      "EGRESS6_CONFIG=/nope.yaml: cannot read the config file (no such file)",
    ]);
    const dir = tempDir("cfg");
    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(bad, "name: [x\n");
    expect(problems(() => loadConfig(undefined, { EGRESS6_CONFIG: bad }))[0]).toMatch(
      /^EGRESS6_CONFIG=.*bad\.yaml:\d+:\d+: not valid YAML: /,
    );
    const invalid = path.join(dir, "invalid.json");
    fs.writeFileSync(invalid, JSON.stringify({ name: "X" }));
    expect(problems(() => loadConfig(undefined, { EGRESS6_CONFIG: invalid }))[0]).toMatch(/^EGRESS6_CONFIG=.*invalid\.json: /);
    // Named on the command line, the file is named as given.
    expect(problems(() => loadConfig("/nope.yaml", { EGRESS6_CONFIG: "/other.yaml" }))).toEqual([
      "/nope.yaml: cannot read the config file (no such file)",
    ]);
  });

  test.each([
    ["a doubled comma", '{\n  "name": "x",,\n  "region": "us-east-1"\n}\n', "2:15", /^expected a property name in double quotes$/],
    ["a missing comma on the third line", '{\n  "name": "x"\n  "region": "us-east-1"\n}\n', "3:3", /^expected ','$/],
    ["a file that ends early", '{\n  "name": "x",\n', "3:1", /./],
  ])("JSON syntax errors give line:column like YAML (%s)", (_what, text, at, reason) => {
    const file = path.join(tempDir("cfg"), "env.json");
    fs.writeFileSync(file, text);
    let problems: readonly string[] = [];
    try {
      loadConfig(file);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      problems = e.problems;
    }
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${file}:${at}: not valid JSON: `)).toBe(true);
    expect(problems[0].slice(`${file}:${at}: not valid JSON: `.length)).toMatch(reason);
    expect(problems[0]).not.toMatch(/position/);
  });
});

describe("invalid configurations: one line per problem naming the field, the value and what is accepted", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["an unknown top-level key", { inspektion: {} }, /^cfg: inspektion: unknown key/],
    ["an unknown nested key", { inspection: { firewall: { protect: true } } }, /^cfg: inspection\.firewall\.protect: unknown key/],
    [
      "an unknown inspection mode",
      { inspection: { mode: "firewall" } },
      /^cfg: inspection\.mode: got "firewall"; accepted: "firewall-proxy", "proxy", "firewall-igw"$/,
    ],
    ["an upper-case environment name", { name: "Prod" }, /^cfg: name: must be 2-24 lower-case letters.*got "Prod"$/],
    ["a region that is not one", { region: "us-east" }, /^cfg: region: must be an AWS region name such as us-east-1, got "us-east"$/],
    ["no AZ", { availabilityZones: [] }, /^cfg: availabilityZones: must be at least 1 entries, got \[\]$/],
    [
      "seven AZs",
      { availabilityZones: ["a", "b", "c", "d", "e", "f"].map((s) => `us-east-1${s}`).concat("us-east-1a") },
      /^cfg: availabilityZones: must be at most 6 entries/,
    ],
    [
      "an AZ of another region",
      { availabilityZones: ["eu-west-1a"] },
      /^cfg: availabilityZones\[0\]: must be an AZ of us-east-1: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f \(which of them your account has: aws ec2 describe-availability-zones\), got "eu-west-1a"$/,
    ],
    [
      "an AZ letter the region does not have",
      { region: "eu-central-1", availabilityZones: ["eu-central-1a", "eu-central-1d"] },
      /^cfg: availabilityZones\[1\]: is not an AZ of eu-central-1; accepted: eu-central-1a, eu-central-1b, eu-central-1c, got "eu-central-1d"$/,
    ],
    [
      "a region that does not exist",
      { region: "eu-centrall-1", availabilityZones: ["eu-centrall-1a"] },
      /^cfg: region: is not an AWS region; did you mean eu-central-1\? \(the regions egress6 knows are listed in config\/regions\.ts\), got "eu-centrall-1"$/,
    ],
    [
      "a region nothing is close to",
      { region: "xx-nowhere-9", availabilityZones: ["xx-nowhere-9a"] },
      /^cfg: region: is not an AWS region \(the regions egress6 knows/,
    ],
    [
      "AZ IDs instead of AZ names, in one message",
      { region: "eu-central-1", availabilityZones: ["euc1-az1", "euc1-az2", "euc1-az3"] },
      /^cfg: availabilityZones: are AZ IDs \(euc1-az1, euc1-az2, euc1-az3\), not AZ names; give AZ names of eu-central-1: eu-central-1a, eu-central-1b, eu-central-1c\. aws ec2 describe-availability-zones shows which name each ID has in your account, got \["euc1-az1","euc1-az2","euc1-az3"\]$/,
    ],
    [
      "one AZ ID among AZ names",
      { availabilityZones: ["us-east-1a", "use1-az4"] },
      /^cfg: availabilityZones: is an AZ ID \(use1-az4\), not AZ names; give AZ names of us-east-1: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f\. aws ec2 describe-availability-zones shows which of them your account has and which name each ID has in your account, got "use1-az4"$/,
    ],
    [
      "a tag key under egress6's reserved prefix",
      { tags: { "egress6:tier": "workload" } },
      /^cfg: tags\.egress6:tier: must not start with egress6:, which is reserved for the tags egress6 sets itself \(egress6:tier, egress6:role, \.\.\.\); choose another key, got "egress6:tier"$/,
    ],
    [
      "a tag key under the reserved prefix in other case",
      { tags: { "Egress6:Owner": "me" } },
      /^cfg: tags\.Egress6:Owner: must not start with egress6:/,
    ],
    [
      "an S3 backend in a region that does not exist",
      { backend: { type: "s3", bucket: "state-bucket", region: "us-esat-1" } },
      /^cfg: backend\.region: is not an AWS region; did you mean us-east-1\?/,
    ],
    [
      "an AZ listed twice",
      { availabilityZones: ["us-east-1a", "us-east-1a"] },
      /^cfg: availabilityZones\[1\]: is listed twice, got "us-east-1a"$/,
    ],
    [
      "a public IPv4 CIDR",
      { vpc: { ipv4Cidr: "8.8.0.0/16" } },
      /^cfg: vpc\.ipv4Cidr: must be a private \(RFC 1918\) range.*got "8\.8\.0\.0\/16"$/,
    ],
    [
      "an IPv4 CIDR that is not a network address",
      { vpc: { ipv4Cidr: "10.0.0.1/16" } },
      /^cfg: vpc\.ipv4Cidr: must be a network address \(did you mean 10\.0\.0\.0\/16\?\)/,
    ],
    ["a /8 IPv4 CIDR", { vpc: { ipv4Cidr: "10.0.0.0/8" } }, /^cfg: vpc\.ipv4Cidr: must have a prefix length from \/16 to \/28/],
    ["an unknown IPv6 source", { vpc: { ipv6: { source: "byoip" } } }, /^cfg: vpc\.ipv6\.source: got "byoip"; accepted: "amazon", "ipam"$/],
    [
      "an IPAM netmask other than 56",
      { vpc: { ipv6: { source: "ipam", poolId: "ipam-pool-0123456789abcdef0", netmask: 48 } } },
      /^cfg: vpc\.ipv6\.netmask: got 48; accepted: 56$/,
    ],
    [
      "an S3 backend without a bucket",
      { backend: { type: "s3", region: "us-east-1" } },
      /^cfg: backend\.bucket: is required \(expected string\)$/,
    ],
    ["an unknown backend", { backend: { type: "gcs" } }, /^cfg: backend\.type: got "gcs"; accepted: "local", "s3"$/],
    [
      "an allowlist entry that is an IPv4 address",
      { egress: { domains: ["192.0.2.10"] } },
      /^cfg: egress\.domains\[0\]: is an IP address; the allowlist takes domain names only, got "192\.0\.2\.10"$/,
    ],
    [
      "an allowlist entry that is an IPv6 address",
      { egress: { domains: ["[2001:db8::1]"] } },
      /^cfg: egress\.domains\[0\]: is an IP address/,
    ],
    [
      "an allowlist entry that is a URL",
      { egress: { domains: ["https://example.com/path"] } },
      /^cfg: egress\.domains\[0\]: is a URL or path; expected a bare domain/,
    ],
    ["an empty allowlist entry", { egress: { domains: [""] } }, /^cfg: egress\.domains\[0\]: is empty/],
    [
      "a 254-character domain",
      { egress: { domains: [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`] } },
      /^cfg: egress\.domains\[0\]: is 254 characters long; at most 253 are allowed/,
    ],
    [
      "an empty allowlist",
      { egress: { domains: [] } },
      /^cfg: egress\.domains: is empty; every inspection mode allows only listed domains/,
    ],
    [
      "an entry shadowed by a wildcard",
      { egress: { domains: [".example.com", "api.example.com"] } },
      /^cfg: egress\.domains\[1\]: is already covered by the wildcard \.example\.com; remove one of them, got "api\.example\.com"$/,
    ],
    [
      "a duplicate after normalisation",
      { egress: { domains: ["example.com", "EXAMPLE.com."] } },
      /^cfg: egress\.domains\[1\]: duplicates example\.com, got "EXAMPLE\.com\."$/,
    ],
    ["a port out of range", { egress: { ports: [443, 70000] } }, /^cfg: egress\.ports\[1\]: must be at most 65535, got 70000$/],
    ["a port given as text", { egress: { ports: ["443"] } }, /^cfg: egress\.ports\[0\]: expected number, got "443"$/],
    [
      "a non-Nitro workload instance type",
      { workload: { instanceType: "m4.large" } },
      /^cfg: workload\.instanceType: family "m4" is not Nitro-based.*got "m4\.large"$/,
    ],
    [
      "an AMI id instead of an SSM parameter",
      { workload: { ami: "ami-0123456789abcdef0" } },
      /^cfg: workload\.ami: must be resolve:ssm:<parameter path>/,
    ],
    [
      "a log retention CloudWatch does not offer",
      { inspection: { firewall: { logRetentionDays: 100 } } },
      /^cfg: inspection\.firewall\.logRetentionDays: must be one of the CloudWatch Logs retention periods/,
    ],
    [
      "flow logs kept less than a year",
      { observability: { flowLogs: { retentionDays: 90 } } },
      /^cfg: observability\.flowLogs\.retentionDays: must be at least 365 days for flow logs, got 90$/,
    ],
    [
      "proxy ports that collide",
      { inspection: { proxy: { interceptHttpPort: 3128 } } },
      /^cfg: inspection\.proxy: explicitPort, interceptHttpPort and interceptHttpsPort must be three different ports/,
    ],
    [
      "an allowlisted port that is also the explicit proxy port",
      { egress: { ports: [443, 3128] } },
      /^cfg: egress\.ports\[1\]: is also inspection\.proxy\.explicitPort; the proxy's own ports must differ from egress\.ports \(choose another explicitPort or drop the port\), got 3128$/,
    ],
    [
      "an allowlisted port that is also the intercepted-TLS port",
      { egress: { ports: [3130] } },
      /^cfg: egress\.ports\[0\]: is also inspection\.proxy\.interceptHttpsPort; .*got 3130$/,
    ],
    [
      "more ports than the network ACL quota leaves room for",
      { egress: { ports: Array.from({ length: 14 }, (_, i) => 8000 + i) } },
      /^cfg: egress\.ports: 14 ports \(and 443, which the proxies always need\) need 15 network ACL rules; an ACL holds 20 per direction, 2 of them default denies and 5 egress6's own, so at most 13 ports fit \(443 included\), got \[/,
    ],
    [
      "an x86_64 proxy AMI for a Graviton proxy",
      { inspection: { proxy: { ami: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" } } },
      /^cfg: inspection\.proxy\.ami: is an x86_64 image but t4g\.small is arm64; choose an arm64 AMI parameter or an x86_64 instance type, got "resolve:ssm:/,
    ],
    [
      "an arm64 workload AMI for an Intel workload",
      { workload: { instanceType: "m7i.large" } },
      /^cfg: workload\.ami: is an arm64 image but m7i\.large is x86_64; choose an x86_64 AMI parameter or an arm64 instance type/,
    ],
    [
      "an operator Suricata rule with one of egress6's own SIDs",
      { egress: { suricataRules: ['alert tcp any any -> any any (msg:"x"; sid:9100001; rev:1;)'] } },
      /^cfg: egress\.suricataRules\[0\]: uses sid:9100001, inside 9100000-9100999, the range egress6's own rules use; choose a sid outside it, got "alert tcp/,
    ],
    [
      "more Suricata rules than the IDS/IPS rule group holds",
      { egress: { suricataRules: Array.from({ length: 1001 }, (_, i) => `alert tcp any any -> any any (sid:${i + 1};)`) } },
      /^cfg: egress\.suricataRules: hold 1001 rules \(one per line\); the IDS\/IPS rule group holds at most 1000, its capacity, got "1001 entries"$/,
    ],
    ["a tag key in the aws: namespace", { tags: { "aws:owner": "x" } }, /^cfg: tags\.aws:owner: must not start with aws: \(in any case\)/],
  ];

  test.each(cases)("%s", (_name, overrides, expected) => {
    const lines = problems(overrides);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
  });

  test("the port limit fits the fullest network ACL direction exactly, and counts 443 only when the proxies add it", () => {
    const ports = (n: number, with443: boolean) => [
      ...(with443 ? [443] : []),
      ...Array.from({ length: with443 ? n - 1 : n }, (_, i) => 8000 + i),
    ];
    expect(() => parseConfig(merge(DEMO_CONFIG, { egress: { ports: ports(13, true) } }))).not.toThrow();
    expect(() => parseConfig(merge(DEMO_CONFIG, { egress: { ports: ports(12, false) } }))).not.toThrow();
    expect(problems({ egress: { ports: ports(13, false) } })).toHaveLength(1);
    // Without proxies nothing adds 443, and a proxy port number is just a port.
    expect(() =>
      parseConfig(merge(DEMO_CONFIG, { inspection: { mode: "firewall-igw" }, egress: { ports: [...ports(12, false), 3128] } })),
    ).not.toThrow();
  });

  test("AZ problems are reported with the others, one line each, and a malformed entry only once", () => {
    expect(problems({ name: "X", availabilityZones: ["euc1-az1", "not an az", "us-east-1z"] })).toEqual([
      'cfg: name: must be 2-24 lower-case letters, digits or hyphens, starting with a letter, got "X"',
      'cfg: availabilityZones[1]: must be an AZ name such as us-east-1a, got "not an az"',
      expect.stringMatching(/^cfg: availabilityZones: is an AZ ID \(euc1-az1\), not AZ names; give AZ names of us-east-1: /),
      expect.stringMatching(/^cfg: availabilityZones\[2\]: is not an AZ of us-east-1; accepted: /),
    ]);
  });

  test("an unknown region's message never suggests AZ names in it", () => {
    const lines = problems({ region: "eu-centrall-1", availabilityZones: ["eu-centrall-1a", "eu-centrall-1b"] });
    expect(lines).toHaveLength(1);
    expect(lines.join("\n")).not.toMatch(/eu-centrall-1[a-z]/);
  });

  test("every region in the table accepts its own AZ letters and refuses the next letter", () => {
    for (const [region, info] of Object.entries(REGIONS)) {
      const names = [...info.letters].map((l) => `${region}${l}`);
      expect(() => parseConfig(merge(DEMO_CONFIG, { region, availabilityZones: names.slice(0, 6) }))).not.toThrow();
      const next = String.fromCharCode(info.letters.charCodeAt(info.letters.length - 1) + 1);
      expect(problems({ region, availabilityZones: [`${region}${next}`] })).toEqual([expect.stringContaining(`is not an AZ of ${region}`)]);
    }
  });

  test("operator Suricata rules with their own SIDs are accepted", () => {
    expect(() =>
      parseConfig(merge(DEMO_CONFIG, { egress: { suricataRules: ['alert tcp any any -> any any (msg:"x"; sid:1000001; rev:1;)'] } })),
    ).not.toThrow();
  });

  test("several problems give several lines, one each", () => {
    const lines = problems({ name: "X", inspection: { mode: "nat" }, egress: { domains: ["1.2.3.4", "ok.example"] }, typo: true });
    expect(lines).toEqual([
      expect.stringMatching(/^cfg: name: /),
      expect.stringMatching(/^cfg: inspection\.mode: /),
      expect.stringMatching(/^cfg: egress\.domains\[0\]: is an IP address/),
      expect.stringMatching(/^cfg: typo: unknown key/),
    ]);
  });

  test("a file that is not valid YAML names the file, the line and column, and the problem", () => {
    const file = path.join(tempDir("cfg"), "bad.yaml");
    fs.writeFileSync(file, "name: demo\nregion: us-east-1\negress:\n  domains: [example.com\n  ports: [443]\n");
    expect(() => loadConfig(file)).toThrow(UserError);
    try {
      loadConfig(file);
    } catch (e) {
      expect((e as UserError).problems).toEqual([
        expect.stringMatching(
          /bad\.yaml:5:3: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]$/,
        ),
      ]);
    }
  });

  test("a duplicate key and a tab in YAML point at their own lines", () => {
    const file = path.join(tempDir("cfg"), "dup.yaml");
    fs.writeFileSync(file, "name: demo\nregion: us-east-1\nname: other\negress:\n\tdomains: []\n");
    let lines: string[] = [];
    try {
      loadConfig(file);
    } catch (e) {
      lines = [...(e as UserError).problems];
    }
    expect(lines).toEqual([
      expect.stringMatching(/dup\.yaml:3:1: not valid YAML: Map keys must be unique$/),
      expect.stringMatching(/dup\.yaml:5:1: not valid YAML: Tabs are not allowed as indentation/),
    ]);
  });

  test("a missing file and an unknown file type are reported as such", () => {
    expect(() => loadConfig("/nonexistent/env.yaml")).toThrow(/\/nonexistent\/env\.yaml: cannot read the config file \(no such file\)/);
    const file = path.join(tempDir("cfg"), "env.toml");
    fs.writeFileSync(file, "");
    expect(() => loadConfig(file)).toThrow(/unknown config file type "\.toml"; accepted: \.json, \.yaml, \.yml/);
  });
});

describe("domain normal form", () => {
  test.each([
    ["notexample.com", "notexample.com"],
    ["WWW.Example.Com", "www.example.com"],
    ["münchen.de", "xn--mnchen-3ya.de"],
    [".example.com.", ".example.com"],
  ])("%s -> %s", (raw, expected) => {
    expect(normalizeDomain(raw)).toEqual({ ok: true, domain: expected });
  });

  test.each(["com", "exa mple.com", "-bad.example.com", "a*.example.com", "example.com:443", "10.0.0.1", "::1", "example.123"])(
    "%s is rejected",
    (raw) => {
      expect(normalizeDomain(raw).ok).toBe(false);
    },
  );
});

describe("inspection.proxy.policyRollout.stepSeconds", () => {
  const withStep = (stepSeconds: unknown) => merge(DEMO_CONFIG, { inspection: { proxy: { policyRollout: { stepSeconds } } } });
  const problems = (stepSeconds: unknown) => {
    try {
      parseConfig(withStep(stepSeconds), "cfg");
      return [];
    } catch (e) {
      return (e as UserError).problems;
    }
  };

  test("defaults to 120 seconds; 0 (all at once) to 3600 are accepted", () => {
    expect(parseConfig(DEMO_CONFIG, "cfg").inspection.proxy.policyRollout.stepSeconds).toBe(120);
    expect(parseConfig(withStep(0), "cfg").inspection.proxy.policyRollout.stepSeconds).toBe(0);
    expect(parseConfig(withStep(3600), "cfg").inspection.proxy.policyRollout.stepSeconds).toBe(3600);
  });

  test("anything else is refused with one line naming the field and the value", () => {
    expect(problems(-5)).toEqual(["cfg: inspection.proxy.policyRollout.stepSeconds: must be at least 0, got -5"]);
    expect(problems(4000)).toEqual(["cfg: inspection.proxy.policyRollout.stepSeconds: must be at most 3600, got 4000"]);
    expect(problems(1.5)).toEqual(["cfg: inspection.proxy.policyRollout.stepSeconds: expected int, got 1.5"]);
  });
});
