/**
 * `npm run policy`, in process: choosing and naming the environment, exit codes, and `diff`, which synthesizes two
 * configs (files or a git revision) and reports the domains, ports and resources that differ.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { UserError } from "../lib/errors";
import { policy, type PolicyIo } from "../cli/policy/index";
import { merge, tempDir } from "./helpers";

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

async function problemsOf(run: Promise<unknown>): Promise<readonly string[]> {
  try {
    await run;
  } catch (e) {
    if (e instanceof UserError) return e.problems;
    throw e;
  }
  throw new Error("expected a UserError");
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

  test("status cannot judge until the policy bundle is versioned (exit 2), and reads no metric", async () => {
    let read = false;
    const metrics = () => ({
      latest: async () => {
        read = true;
        return undefined;
      },
    });
    expect(await problemsOf(policy(["status", "--env", "demo", "--config", file], io(dir, { metrics })))).toEqual([
      expect.stringMatching(/^policy status: the version demo's config would deploy is unknown in this build/),
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
    // Whatever the synth says: in this build each proxy's boot script (a local its user_data_base64 reads) carries the
    // allowlist, so the proxies are flagged.
    expect(report).toMatch(/^ {2}~ inspection: aws_instance\.proxy_a \(user_data_base64\) {2}REPLACEMENT RISK: /m);
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
