/**
 * `npm run policy`, in process: choosing and naming the environment, exit codes, and `diff`, which synthesizes two
 * configs (files or a git revision) and reports the domains, ports and resources that differ.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { policy, type PolicyIo } from "../cli/policy/index";
import { expectedPolicyVersion } from "../cli/policy/status";
import { parseConfig } from "../config/load";
import { merge, problemsOf, tempDir } from "./helpers";

function io(dir: string, extra: Partial<PolicyIo> = {}): PolicyIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    env: { CDKTF_OUTDIR: path.join(dir, "no-output") },
    out: (t) => stdout.push(t),
    err: (l) => stderr.push(l),
    stdout,
    stderr,
    ...extra,
  };
}

function writeConfig(dir: string, name: string, overrides: unknown = {}): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(merge(DEMO_CONFIG, overrides), null, 2));
  return file;
}

describe("policy: arguments and the environment", () => {
  const dir = tempDir("policy-args");
  const file = writeConfig(dir, "demo.json");

  test("why: exit 0 allowed, 1 refused; the environment is named on stderr", async () => {
    const a = io(dir);
    expect(await policy(["why", "www.github.io", "--config", file], a)).toBe(0);
    expect(a.stderr).toEqual([expect.stringMatching(/^egress6: environment demo \(.*demo\.json, sha256 [0-9a-f]{12}\)$/)]);
    expect(a.stdout.join("")).toMatch(/^www\.github\.io: allowed\n/);
    expect(await policy(["why", "example.com:443", "--config", file], io(dir))).toBe(1);
  });

  test("bad input: one line per problem, all at once", async () => {
    expect(await problemsOf(policy(["why", "1.2.3.4", "--config", file, "--against", "x"], io(dir)))).toEqual([
      expect.stringMatching(/^--against: not an option of policy why/),
      '"1.2.3.4": is an IP address; the allowlist takes domain names only',
    ]);
    expect(await problemsOf(policy(["frobnicate"], io(dir)))).toEqual([
      expect.stringMatching(/^"frobnicate": unknown subcommand; expected one of why, diff, status, push/),
    ]);
    expect(await problemsOf(policy(["diff", "--config", file], io(dir)))).toEqual([expect.stringMatching(/^--against: required/)]);
  });

  test("status and push act on AWS: --env is required, and must be the chosen config's environment", async () => {
    expect(await problemsOf(policy(["status", "--config", file], io(dir)))).toEqual([
      expect.stringMatching(/^--env: required; policy status acts on AWS/),
    ]);
    expect(await problemsOf(policy(["push", "--env", "prod", "--config", file], io(dir)))).toEqual([
      expect.stringMatching(/^--env: got "prod", but the config chosen \(\S*demo\.json\) is environment "demo"$/),
    ]);
  });

  test("status reads every proxy's metrics and judges them against the version the config deploys", async () => {
    const expected = expectedPolicyVersion(parseConfig(DEMO_CONFIG, "demo"))!;
    const now = new Date();
    const asked: string[] = [];
    const metrics = (stale: string) => () => ({
      latest: async (query: { metricName: string; dimensions: readonly { name: string; value: string }[] }) => {
        const proxy = query.dimensions.find((d) => d.name === "Proxy")!.value;
        asked.push(`${query.metricName} ${proxy}`);
        if (query.metricName === "Healthy") return { value: 1, timestamp: now };
        return { value: proxy === stale ? expected.metricValue + 1 : expected.metricValue, timestamp: now };
      },
    });
    const good = io(dir, { metrics: metrics("none") });
    expect(await policy(["status", "--env", "demo", "--config", file], good)).toBe(0);
    expect(asked.filter((q) => q.startsWith("PolicyVersion")).sort()).toEqual(
      ["a-1", "a-2", "b-1", "b-2"].map((p) => `PolicyVersion ${p}`),
    );
    expect(good.stdout.join("")).toContain(`expected version ${expected.id}`);
    const behind = io(dir, { metrics: metrics("b-2") });
    expect(await policy(["status", "--env", "demo", "--config", file], behind)).toBe(1);
    expect(behind.stdout.join("")).toMatch(/b-2: NOT OK, .*runs policy \d+, expected/);
  });

  test("status in a mode without proxies says there is nothing to report (exit 2), and reads no metric", async () => {
    let read = false;
    const metrics = () => ({
      latest: async () => {
        read = true;
        return undefined;
      },
    });
    const igw = writeConfig(dir, "igw.json", { inspection: { mode: "firewall-igw" } });
    expect(await problemsOf(policy(["status", "--env", "demo", "--config", igw], io(dir, { metrics })))).toEqual([
      expect.stringMatching(/^policy status: demo runs inspection.mode firewall-igw, which has no proxies/),
    ]);
    expect(read).toBe(false);
  });

  test("push refuses an output folder that does not hold this environment, before any terraform", async () => {
    let ran = false;
    const terraform = async () => {
      ran = true;
      return { code: 0, stdout: "", stderr: "" };
    };
    expect(await problemsOf(policy(["push", "--env", "demo", "--config", file], io(dir, { terraform })))).toEqual([
      expect.stringMatching(/no-output: holds no synthesized environment; synthesize demo for review first/),
    ]);
    expect(ran).toBe(false);
  });
});

describe("policy diff", () => {
  const dir = tempDir("policy-diff");
  const before = writeConfig(dir, "before.json");

  test("a domain and a port added: the resources that carry the allowlist and the ports change, by address", async () => {
    const after = writeConfig(dir, "after.json", {
      egress: { domains: [...DEMO_CONFIG.egress.domains, ".example.org"], ports: [443, 80, 8443] },
    });
    const a = io(dir);
    expect(await policy(["diff", "--config", after, "--against", before], a)).toBe(0);
    const report = a.stdout.join("");
    expect(report).toContain("domains added: .example.org\ndomains removed: none\nports added: 8443\nports removed: none\n");
    expect(report).toMatch(/^ {2}~ inspection: aws_networkfirewall_rule_group\.\S+ \(rule_group\)$/m);
    expect(report).toMatch(/^ {2}~ observability: aws_route53_resolver_firewall_domain_list\.\S+ \(domains\)$/m);
    expect(report).toMatch(/^ {2}\+ network: aws_network_acl_rule\.workload_acl_egress_102$/m);
    // The proxies' policy is the bundle object: it changes, and no instance, launch template or boot script does.
    expect(report).toMatch(/^ {2}~ inspection: aws_s3_object\.\S+ \(content\)$/m);
    expect(report).not.toMatch(/aws_instance|aws_launch_template|REPLACEMENT RISK/);
    expect(report).toContain("no instance, launch template or boot script changes\n");
  });

  test("a workload AMI change: the workload launch templates change, no instance does (rolling updates)", async () => {
    const after = writeConfig(dir, "ami.json", {
      workload: { ami: "resolve:ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id" },
    });
    const a = io(dir);
    await policy(["diff", "--config", after, "--against", before], a);
    const changed = a.stdout
      .join("")
      .split("\n")
      .filter((l) => l.startsWith("  "));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((l) => /^ {2}~ workload: aws_launch_template\./.test(l))).toBe(true);
    expect(changed.some((l) => l.includes("aws_instance"))).toBe(false);
  });

  test("--against a git revision of the config file", async () => {
    const repo = tempDir("policy-git");
    const file = writeConfig(repo, "env.json");
    const git = (...args: string[]) =>
      spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: repo, encoding: "utf8" });
    git("init", "-q");
    git("add", "env.json");
    git("commit", "-qm", "base");
    writeConfig(repo, "env.json", { egress: { domains: [".github.io"] } });
    const a = io(repo);
    expect(await policy(["diff", "--config", file, "--against", "HEAD"], a)).toBe(0);
    expect(a.stdout.join("")).toContain("domains added: none\ndomains removed: .api.aws, .s3.dualstack.us-east-1.amazonaws.com\n");
    expect(await problemsOf(policy(["diff", "--config", file, "--against", "no-such-rev"], io(repo)))).toEqual([
      expect.stringMatching(
        /^--against: "no-such-rev" is neither a config file nor a git revision holding .*env\.json \(git show no-such-rev:\.\/env\.json: /,
      ),
    ]);
  });
});
