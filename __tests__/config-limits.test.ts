/**
 * Accepted, then refused by Terraform or AWS (issue 16): each such config is refused when it is read, with one line
 * naming the field, the value and the limit; and the counts the checks rely on are the ones egress6 really writes.
 */
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig, UserError } from "../config/load";
import { dnsFirewallEntries, ruleSid, s3BucketNameProblems, suricataRuleLines } from "../config/aws-limits";
import { INSPECTION_MODES } from "../config/modes";
import { s3StateKey } from "../stacks/base";
import {
  DNS_FIREWALL_DOMAINS_PER_REQUEST,
  EGRESS6_TAGS_PER_RESOURCE,
  S3_LOCK_FILE_SUFFIX,
  S3_OBJECT_KEY_MAX_BYTES,
  TAGS_PER_RESOURCE,
} from "../lib/limits";
import { demoConfig, merge, synthAll, synthStack, type TfJson } from "./helpers";

function problems(overrides: unknown): string[] {
  try {
    parseConfig(merge(DEMO_CONFIG, overrides), "cfg");
  } catch (e) {
    if (e instanceof UserError) return [...e.problems];
    throw e;
  }
  throw new Error("config was accepted");
}
const accepted = (overrides: unknown) => expect(() => parseConfig(merge(DEMO_CONFIG, overrides), "cfg")).not.toThrow();
/** The demo with exactly these tags (merge would keep the demo's own). */
const withTags = (tags: Record<string, string>) => ({ ...DEMO_CONFIG, tags });
function tagProblems(tags: Record<string, string>): string[] {
  try {
    parseConfig(withTags(tags), "cfg");
  } catch (e) {
    if (e instanceof UserError) return [...e.problems];
    throw e;
  }
  throw new Error("config was accepted");
}

const S3_BACKEND = { type: "s3", bucket: "egress6-state", region: "us-east-1" };

describe("IPv4 CIDRs as Terraform's AWS provider parses them (Go net.ParseCIDR)", () => {
  test.each(["012.0.0.0/16", "10.0/16", "010.000.0.0/16", "10.0.0.0/016", "0x0a.0.0.0/16"])("%s is refused", (cidr) => {
    const lines = problems({ vpc: { ipv4Cidr: cidr } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cfg: vpc\.ipv4Cidr: must be (written as four decimal numbers without leading zeros|an IPv4 CIDR such as)/);
    expect(lines[0]).toContain(`got ${JSON.stringify(cidr)}`);
  });

  test("the leading-zero form names the reason", () => {
    expect(problems({ vpc: { ipv4Cidr: "012.0.0.0/16" } })).toEqual([
      `cfg: vpc.ipv4Cidr: must be written as four decimal numbers without leading zeros and a prefix length, such as 10.0.0.0/16 (Terraform's AWS provider parses it with Go's net.ParseCIDR, which refuses leading zeros and short forms), got "012.0.0.0/16"`,
    ]);
  });

  test.each(["10.0.0.0/16", "172.16.0.0/20", "192.168.0.0/28", "10.100.0.0/16"])("%s is accepted", (cidr) =>
    accepted({ vpc: { ipv4Cidr: cidr } }),
  );
});

describe("DNS Firewall: the allowlist in domain lists of at most 1,000, within the DNS Firewall quotas", () => {
  /** Every allowlist domain list's domains (`<env>-egress-allowlist`, `<env>-egress-allowlist-<i>`), as one list. */
  function synthesizedLists(config: ReturnType<typeof demoConfig>): string[][] {
    const tf: TfJson = synthStack(config, "observability");
    const lists = Object.values(tf.resource.aws_route53_resolver_firewall_domain_list) as { name: string; domains: string[] }[];
    return lists.filter((l) => /-egress-allowlist(-\d+)?$/.test(l.name)).map((l) => l.domains);
  }
  const synthesizedEntries = (config: ReturnType<typeof demoConfig>) => synthesizedLists(config).flat();

  test.each([
    ["the demo (firewall-proxy)", {}],
    [
      "firewall-igw (no proxies), other endpoints",
      { inspection: { mode: "firewall-igw" }, workload: { interfaceEndpoints: ["ssm", "kms"] } },
    ],
    ["a China region", { region: "cn-north-1", availabilityZones: ["cn-north-1a"], egress: { domains: [".example.com", "example.org"] } }],
    [
      "domains that are also names egress6 adds",
      { egress: { domains: ["ssm.us-east-1.amazonaws.com", ".example.com", "example.com"].slice(0, 2) } },
    ],
  ])("the count is the synthesized lists' length: %s", (_what, overrides) => {
    const config = demoConfig(overrides);
    const entries = dnsFirewallEntries(config.egress.domains, config.region, config.inspection.mode, config.workload.interfaceEndpoints);
    expect([...entries].sort()).toEqual([...synthesizedEntries(config)].sort());
  });

  /** `n` wildcard domains (two entries each) and `exact` exact ones. */
  const domains = (n: number, exact = 0) => [
    ...Array.from({ length: n }, (_, i) => `.d${i}.example`),
    ...Array.from({ length: exact }, (_, i) => `e${i}.example`),
  ];

  test("600 wildcards (1,200 entries and the VPC's names), refused before, are two lists now, each within 1,000", () => {
    const config = demoConfig({ egress: { domains: domains(600) } });
    const entries = dnsFirewallEntries(config.egress.domains, config.region, config.inspection.mode, config.workload.interfaceEndpoints);
    const lists = synthesizedLists(config);
    expect(lists).toHaveLength(2);
    for (const l of lists) expect(l.length).toBeLessThanOrEqual(DNS_FIREWALL_DOMAINS_PER_REQUEST);
    expect(lists.flat().sort()).toEqual([...entries].sort());
  });

  test("more lists than a rule group holds rules (100): refused, one line naming the count, the limit and its source", () => {
    // proxy mode: no Network Firewall, whose capacity would refuse first.
    const lines = problems({ inspection: { mode: "proxy" }, egress: { domains: domains(24_100) } });
    expect(lines).toEqual([
      `cfg: egress.domains: make 48209 DNS Firewall entries in 128 domain lists of at most 1000, so 129 rules in the rule group (one per list and the final block); a rule group holds at most 100 rules (Route 53 developer guide, "Quotas on Route 53 Resolver DNS Firewall"), got "24100 domains"`,
    ]);
  });

  test("without DNS Firewall there is no such list and no such limit", () => {
    accepted({ inspection: { mode: "proxy" }, egress: { domains: domains(24_100) }, observability: { dnsFirewall: { enabled: false } } });
  });

  test("more than 50,000 entries: refused by the schema's own bound", () => {
    expect(
      problems({
        inspection: { mode: "proxy" },
        egress: { domains: domains(0, 50_001) },
        observability: { dnsFirewall: { enabled: false } },
      }),
    ).toEqual([expect.stringMatching(/^cfg: egress\.domains: .*50000/)]);
  });
});

describe("Network Firewall: the domain rule group's capacity within the Network Firewall quotas", () => {
  const exact = (n: number) => Array.from({ length: n }, (_, i) => `e${i}.example`);

  test("13,999 domains fit the largest capacity step (28,000); 14,000 are refused, naming the capacity, the limit and the page", () => {
    accepted({ inspection: { mode: "firewall-igw" }, egress: { domains: exact(13_999) } });
    expect(problems({ inspection: { mode: "firewall-igw" }, egress: { domains: exact(14_000) } })).toEqual([
      `cfg: egress.domains: need a Network Firewall domain rule group of capacity 28002 (14000 domains x 2 target types + 2); egress6 sizes it at most 28000, to leave room for its other rule groups in the policy's 30000 (Network Firewall developer guide, "AWS Network Firewall quotas"); give at most 13999 domains, got "14000 domains"`,
    ]);
  });

  test("without a firewall (proxy mode) there is no such limit", () => {
    accepted({ inspection: { mode: "proxy" }, egress: { domains: exact(14_000) } });
  });
});

describe("tags: at most 50 per resource, egress6's own and the provider's default tags counted", () => {
  const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));

  test(`${TAGS_PER_RESOURCE - EGRESS6_TAGS_PER_RESOURCE} tags are accepted; one more is refused`, () => {
    expect(() => parseConfig(withTags(tags(TAGS_PER_RESOURCE - EGRESS6_TAGS_PER_RESOURCE)))).not.toThrow();
    expect(tagProblems(tags(TAGS_PER_RESOURCE - EGRESS6_TAGS_PER_RESOURCE + 1))).toEqual([
      `cfg: tags: are too many: each resource carries them and up to ${EGRESS6_TAGS_PER_RESOURCE} of egress6's own, and AWS takes at most 50 tags per resource; give at most 43, got "44 tags"`,
    ]);
  });

  test("a Name tag merges with the resource's own Name, so it does not count twice", () => {
    expect(() => parseConfig(withTags({ ...tags(TAGS_PER_RESOURCE - EGRESS6_TAGS_PER_RESOURCE), Name: "x" }))).not.toThrow();
  });

  test.each(INSPECTION_MODES)("EGRESS6_TAGS_PER_RESOURCE is the most tags egress6 itself puts on one resource (%s)", (mode) => {
    const config = parseConfig(merge(withTags({}), { inspection: { mode } }));
    let most = 0;
    for (const tf of Object.values(synthAll(config))) {
      const defaults = Object.keys(tf.provider?.aws?.[0]?.default_tags?.[0]?.tags ?? {});
      for (const byName of Object.values(tf.resource ?? {})) {
        for (const r of Object.values(byName) as { tags?: Record<string, string> }[]) {
          if (r.tags === undefined) continue;
          most = Math.max(most, new Set([...defaults, ...Object.keys(r.tags)]).size);
        }
      }
    }
    if (mode === "firewall-igw") expect(most).toBeLessThanOrEqual(EGRESS6_TAGS_PER_RESOURCE);
    else expect(most).toBe(EGRESS6_TAGS_PER_RESOURCE);
  });

  test.each(["aws:team", "AWS:team", "Aws:Team", "aWs:x"])("the tag key %s is refused (aws: is reserved in any case)", (key) => {
    expect(problems({ tags: { [key]: "x" } })).toEqual([
      `cfg: tags.${key}: must not start with aws: (in any case), which AWS reserves for its own tags, got ${JSON.stringify(key)}`,
    ]);
  });
});

describe("S3 bucket names: every name egress6 writes follows S3's naming rules", () => {
  test.each([
    ["my..bucket", "must not hold two adjacent dots"],
    ["192.168.5.4", "must not be formatted as an IP address"],
    ["xn--bucket", "must not start with xn-- (reserved by S3)"],
    ["sthree-bucket", "must not start with sthree- (reserved by S3)"],
    ["sthree-configurator-x", "must not start with sthree- (reserved by S3)"],
    ["amzn-s3-demo-bucket", "must not start with amzn-s3-demo- (reserved by S3)"],
    ["bucket-s3alias", "must not end with -s3alias (reserved by S3)"],
    ["bucket--ol-s3", "must not end with --ol-s3 (reserved by S3)"],
    ["bucket.mrap", "must not end with .mrap (reserved by S3)"],
    ["bucket--x-s3", "must not end with --x-s3 (reserved by S3)"],
    ["bucKet", "may hold only lower-case letters, digits, dots and hyphens"],
    ["ab", "is 2 characters long; a bucket name is 3-63"],
    ["-bucket", "must begin and end with a letter or digit"],
  ])("backend.bucket %s is refused: %s", (bucket, reason) => {
    expect(problems({ backend: { ...S3_BACKEND, bucket } })).toEqual([
      `cfg: backend.bucket: must be an S3 bucket name: ${reason} (S3 user guide, "General purpose bucket naming rules"), got ${JSON.stringify(bucket)}`,
    ]);
  });

  test.each(["xn--env", "sthree-dev", "amzn-s3-demo-x"])("the environment name %s is refused: the bucket names start with it", (name) => {
    expect(problems({ name })).toEqual([
      `cfg: name: must not start with xn--, sthree-, amzn-s3-demo-: egress6's bucket names start with the environment name, and S3 reserves those prefixes, got ${JSON.stringify(name)}`,
    ]);
  });

  test.each(INSPECTION_MODES)("every bucket egress6 creates starts with the environment name or is the backend's (%s)", (mode) => {
    const config = demoConfig({ inspection: { mode }, backend: S3_BACKEND, observability: { flowLogs: { s3Parquet: true } } });
    const names: string[] = [];
    for (const tf of Object.values(synthAll(config))) {
      for (const b of Object.values(tf.resource.aws_s3_bucket ?? {}) as { bucket?: string; bucket_prefix?: string }[])
        names.push(b.bucket ?? b.bucket_prefix ?? "(none)");
    }
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const n of names) {
      expect(n === S3_BACKEND.bucket || n.startsWith(`${config.name}-`)).toBe(true);
      // Terraform completes a bucket_prefix with 26 digits (a timestamp and a counter).
      expect(s3BucketNameProblems(n.endsWith("-") ? `${n}${"0".repeat(26)}` : n)).toEqual([]);
    }
  });
});

describe("the S3 state key: at most 1,024 bytes, as Terraform's S3 backend accepts it", () => {
  const fixed = `demo/observability.tfstate${S3_LOCK_FILE_SUFFIX}`.length;
  const longest = S3_OBJECT_KEY_MAX_BYTES - fixed;

  test("the check's key is the backend's key for the longest stack name, with the lock suffix", () => {
    const config = demoConfig({ backend: { ...S3_BACKEND, keyPrefix: "team/" } });
    expect(s3StateKey(config, "observability")).toBe("team/demo/observability.tfstate");
  });

  test(`a keyPrefix of ${longest} bytes is accepted; one more byte is refused`, () => {
    accepted({ backend: { ...S3_BACKEND, keyPrefix: `${"a".repeat(longest - 1)}/` } });
    const lines = problems({ backend: { ...S3_BACKEND, keyPrefix: `${"a".repeat(longest)}/` } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^cfg: backend\\.keyPrefix: makes the state lock key 1025 bytes long \\(a{20}\\.\\.\\.o/observability\\.tfstate\\.tflock\\); an S3 object key is at most 1024 bytes, so keyPrefix may be at most ${longest} bytes, got "a+\\.\\.\\.$`,
      ),
    );
  });

  test.each([
    ["/team/", 'must not start with "/"'],
    ["team//", 'must not hold "//"'],
  ])("the keyPrefix %s is refused: Terraform's S3 backend refuses the key", (keyPrefix, reason) => {
    expect(problems({ backend: { ...S3_BACKEND, keyPrefix } })).toEqual([
      `cfg: backend.keyPrefix: ${reason}; Terraform's S3 backend refuses a state key that does, got ${JSON.stringify(keyPrefix)}`,
    ]);
  });
});

describe("Suricata rules: counted one per line, each with one sid, unique", () => {
  const rule = (sid: number) => `alert tcp any any -> any any (msg:"r${sid}"; sid:${sid}; rev:1;)`;

  test("a duplicate sid across entries is refused, naming both", () => {
    expect(problems({ egress: { suricataRules: [rule(1), rule(2), rule(1)] } })).toEqual([
      `cfg: egress.suricataRules[2]: uses sid:1, already used by egress.suricataRules[0]; Network Firewall rejects a rule group with a duplicate signature id, got ${JSON.stringify(rule(1))}`,
    ]);
  });

  test("a duplicate sid inside one multi-line entry is refused, naming the lines", () => {
    const entry = [rule(7), "# a comment", "", rule(7)].join("\n");
    expect(problems({ egress: { suricataRules: [entry] } })).toEqual([
      `cfg: egress.suricataRules[0]: uses sid:7 (line 4 of the entry), already used by egress.suricataRules[0] line 1; Network Firewall rejects a rule group with a duplicate signature id, got ${JSON.stringify(rule(7))}`,
    ]);
  });

  test("a rule without a sid is refused", () => {
    const text = 'alert tcp any any -> any any (msg:"no sid"; rev:1;)';
    expect(problems({ egress: { suricataRules: [text] } })).toEqual([
      `cfg: egress.suricataRules[0]: has no sid: option; Network Firewall requires exactly one signature id per rule, got ${JSON.stringify(text)}`,
    ]);
  });

  test("one entry of 1,001 newline-separated rules is over the cap; 1,000 are not", () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => rule(i + 1)).join("\n");
    accepted({ egress: { suricataRules: [many(1000)] } });
    expect(problems({ egress: { suricataRules: [many(1001)] } })).toEqual([
      'cfg: egress.suricataRules: hold 1001 rules (one per line); the IDS/IPS rule group holds at most 1000, its capacity, got "1 entries"',
    ]);
  });

  test("rule lines and sids are read as Network Firewall reads them", () => {
    expect(suricataRuleLines(["a\n\n  # c\n b ", "c"])).toEqual([
      { entry: 0, line: 1, text: "a" },
      { entry: 0, line: 4, text: "b" },
      { entry: 1, line: 1, text: "c" },
    ]);
    expect(ruleSid('alert ip any any -> any any (msg:"sid:5;"; sid: 12 ;)')).toBe(12);
    expect(ruleSid("alert ip any any -> any any (sid:1; sid:2;)")).toBe("several");
  });

  test.each(INSPECTION_MODES)("egress6's own rule groups have unique sids (%s)", (mode) => {
    const tf = synthStack(demoConfig({ inspection: { mode }, egress: { suricataRules: [rule(1), rule(2)] } }), "inspection");
    const groups = Object.values(tf.resource.aws_networkfirewall_rule_group ?? {}) as {
      rule_group: { rules_source: { rules_string?: string } };
    }[];
    for (const g of groups) {
      const text = g.rule_group.rules_source.rules_string;
      if (text === undefined) continue;
      const sids = suricataRuleLines([text]).map((r) => ruleSid(r.text));
      expect(sids.every((s) => typeof s === "number")).toBe(true);
      expect(new Set(sids).size).toBe(sids.length);
    }
  });
});

describe("interface endpoints", () => {
  test("a service listed twice is one line, not a construct-id stack trace", () => {
    expect(problems({ workload: { interfaceEndpoints: ["ssm", "logs", "ssm"] } })).toEqual([
      'cfg: workload.interfaceEndpoints[2]: is listed twice; one interface endpoint per service, got "ssm"',
    ]);
  });
});
