/**
 * The environment cdktf commands act on is the one last synthesized (recorded in the output folder), said on every
 * run, and a mismatch between what was synthesized and what would be deployed is refused.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { demoConfig, synthStack, tempDir } from "./helpers";
import { parseConfig } from "../config/load";
import { DEMO_CONFIG } from "../config/demo";
import { UserError } from "../lib/errors";

const ROOT = path.join(__dirname, "..");
const MAIN = path.join(ROOT, "dist", "main.js");
const FRA = "name: fra\nregion: eu-central-1\navailabilityZones: [eu-central-1a, eu-central-1b]\negress:\n  domains: [example.com]\n";
const LON = "name: lon\nregion: eu-west-2\navailabilityZones: [eu-west-2a]\negress:\n  domains: [example.com]\n";

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, ...base } = process.env;
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, env: { ...base, ...env }, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function region(out: string, stack = "network"): string {
  return JSON.parse(fs.readFileSync(path.join(out, "stacks", stack, "cdk.tf.json"), "utf8")).provider.aws[0].region;
}

/** The folder synthesizedFra copies: synthesized once per file, never changed. */
let fraTemplate: string | undefined;

/**
 * A project-like folder with config/fra.yaml and config/lon.yaml, synthesized from fra into cdktf.out (by the CLI,
 * once per file; each caller gets a copy of its own, symbolic links copied as they are: every path the output
 * records is relative).
 */
function synthesizedFra() {
  if (fraTemplate === undefined) {
    const template = tempDir("env-template");
    fs.mkdirSync(path.join(template, "config"));
    fs.writeFileSync(path.join(template, "config", "fra.yaml"), FRA);
    fs.writeFileSync(path.join(template, "config", "lon.yaml"), LON);
    const r = run(["--config", "config/fra.yaml"], template);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^egress6: environment fra \(config\/fra\.yaml, sha256 [0-9a-f]{12}\)\n$/);
    fraTemplate = template;
  }
  const dir = tempDir("env");
  fs.cpSync(fraTemplate, dir, { recursive: true, verbatimSymlinks: true });
  return { dir, out: path.join(dir, "cdktf.out") };
}

describe("the environment cdktf commands act on", () => {
  test("after --config fra.yaml, a run with no arguments (what cdktf diff/deploy do) synthesizes fra, not the demo, and says so", () => {
    const { dir, out } = synthesizedFra();
    const r = run([], dir, { CDKTF_OUTDIR: out });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^egress6: environment fra \(config\/fra\.yaml, sha256 [0-9a-f]{12}\), as recorded in cdktf\.out\/\.egress6-synth\n$/,
    );
    expect(region(out)).toBe("eu-central-1");
  });

  test("the real cdktf CLI (cdktf synth -o, the synth diff and deploy run first) keeps the recorded environment", () => {
    const { out } = synthesizedFra();
    const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, ...base } = process.env;
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "cdktf"), ["synth", "-o", out], {
      cwd: ROOT,
      env: { ...base, CHECKPOINT_DISABLE: "1", CI: "1" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(region(out)).toBe("eu-central-1");
    expect(region(out, "observability")).toBe("eu-central-1");
  });

  test("a config edited since the synth is refused, and the reviewed output stays as it was", () => {
    const { dir, out } = synthesizedFra();
    const before = fs.readFileSync(path.join(out, "stacks", "network", "cdk.tf.json"));
    fs.writeFileSync(path.join(dir, "config", "fra.yaml"), FRA.replace("[example.com]", "[example.com, example.org]"));
    const r = run([], dir, { CDKTF_OUTDIR: out });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^error: config\/fra\.yaml changed since it was synthesized into cdktf\.out \(sha256 \w{12}, now \w{12}\); what would be deployed is not what was reviewed\. .*npm run synth -- --config config\/fra\.yaml$/,
      ),
    ]);
    expect(fs.readFileSync(path.join(out, "stacks", "network", "cdk.tf.json"))).toEqual(before);
    // the explicit switch: synthesize it again with --config, after which cdktf runs act on the new content
    expect(run(["--config", "config/fra.yaml"], dir).code).toBe(0);
    expect(run([], dir, { CDKTF_OUTDIR: out }).code).toBe(0);
  });

  test("a recorded config that is gone is refused", () => {
    const { dir, out } = synthesizedFra();
    fs.rmSync(path.join(dir, "config", "fra.yaml"));
    const r = run([], dir, { CDKTF_OUTDIR: out });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: config\/fra\.yaml: the config cdktf\.out was synthesized from cannot be read \(no such file\)/);
  });

  test("a FIFO left where the recorded config was is one line, not a hang (the record is read with the same bound as --config)", () => {
    const { dir, out } = synthesizedFra();
    fs.rmSync(path.join(dir, "config", "fra.yaml"));
    expect(spawnSync("mkfifo", [path.join(dir, "config", "fra.yaml")]).status).toBe(0);
    const r = spawnSync(process.execPath, [MAIN], {
      cwd: dir,
      env: { ...process.env, EGRESS6_CONFIG: "", CDKTF_OUTDIR: out },
      encoding: "utf8",
      timeout: 20000,
    });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: config\/fra\.yaml: the config cdktf\.out was synthesized from cannot be read \(is a FIFO[^\n]*\n$/);
  });

  test("EGRESS6_CONFIG names the environment as --config does (the Quick start after a first synth), and says so; never into another environment's working state", () => {
    const { dir, out } = synthesizedFra();
    const lonByEnv = run([], dir, { CDKTF_OUTDIR: out, EGRESS6_CONFIG: "config/lon.yaml" });
    expect(lonByEnv.code).toBe(0);
    expect(lonByEnv.stderr).toMatch(/^egress6: environment lon \(config\/lon\.yaml, sha256 \w{12}\), from EGRESS6_CONFIG\n$/);
    expect(region(out)).toBe("eu-west-2");
    // The next run without either follows what was synthesized last.
    expect(run([], dir, { CDKTF_OUTDIR: out }).stderr).toMatch(/environment lon \(config\/lon\.yaml.*as recorded in/);
    // Once terraform init ran for lon, another environment there is refused, by --config or EGRESS6_CONFIG alike.
    fs.mkdirSync(path.join(out, "stacks", "network", ".terraform"), { recursive: true });
    for (const [args, env] of [
      [[], { CDKTF_OUTDIR: out, EGRESS6_CONFIG: "config/fra.yaml" }],
      [["--config", "config/fra.yaml"], {}],
    ] as const) {
      const refused = run([...args], dir, env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^error: .*cdktf\.out.*: holds the terraform working state of environment lon \(stacks\/network\/\.terraform\); .*use --out .*cdktf\.out\.fra for fra$/m,
      );
      expect(region(out)).toBe("eu-west-2");
    }
  });

  test("with nothing recorded and no EGRESS6_CONFIG the demo is used, and a folder written from memory is not guessed at", () => {
    const dir = tempDir("env");
    const r = run([], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^egress6: environment demo \(embedded demo, sha256 \w{12}\), the default\n$/);
    expect(run([], dir).stderr).toMatch(/as recorded in cdktf\.out/);
    const marker = path.join(dir, "cdktf.out", ".egress6-synth");
    fs.writeFileSync(marker, JSON.stringify({ ...JSON.parse(fs.readFileSync(marker, "utf8")), config: { kind: "memory" } }));
    const memory = run([], dir);
    expect(memory.code).toBe(1);
    expect(memory.stderr.trim()).toMatch(
      /^error: cdktf\.out\/\.egress6-synth: written by a tool from an in-memory config .*--config FILE$/,
    );
  });
});

describe("one environment rule for every command: --config > EGRESS6_CONFIG > the output's record > the demo", () => {
  const DIST = path.join(ROOT, "dist");
  /** Each command, run so that it stops soon after choosing its environment (no terraform, no network). */
  const COMMANDS: [string, string[], (dir: string) => string[]][] = [
    [
      "export:hcl",
      [path.join(DIST, "cli", "export-hcl", "index.js")],
      (dir) => ["--out", path.join(dir, `hcl-${Math.random().toString(36).slice(2)}`)],
    ],
    ["diagram", [path.join(DIST, "cli", "diagram", "index.js")], () => []],
    [
      "preflight",
      [path.join(DIST, "cli", "preflight", "index.js")],
      () => ["--only", "dns", "--dns-server", "127.0.0.1:9", "--dns-timeout", "1"],
    ],
    ["squid-config", [path.join(DIST, "cli", "squid-config", "index.js")], () => []],
    // One mode: tf:check synthesizes each mode it checks before it refuses the stack name, and the environment is
    // chosen (and named) before any mode.
    ["tf:check", [path.join(DIST, "tooling", "tf-check.js")], () => ["--mode", "proxy", "--stack", "no-such-stack"]],
  ];
  const runCommand = (script: string[], args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) => {
    const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, ...base } = process.env;
    const r = spawnSync(process.execPath, [...script, ...args], { cwd, env: { ...base, ...env }, encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  test.each(COMMANDS)(
    "%s acts on the environment cdktf.out records, or EGRESS6_CONFIG, or --config, and names it on stderr",
    (_, script, args) => {
      const { dir } = synthesizedFra();
      expect(runCommand(script, args(dir), dir).stderr).toMatch(
        /^egress6: environment fra \(config\/fra\.yaml, sha256 \w{12}\), as recorded in cdktf\.out\/\.egress6-synth$/m,
      );
      expect(runCommand(script, args(dir), dir, { EGRESS6_CONFIG: "config/lon.yaml" }).stderr).toMatch(
        /^egress6: environment lon \(config\/lon\.yaml, sha256 \w{12}\), from EGRESS6_CONFIG$/m,
      );
      expect(runCommand(script, [...args(dir), "--config", "config/lon.yaml"], dir, { EGRESS6_CONFIG: "config/fra.yaml" }).stderr).toMatch(
        /^egress6: environment lon \(config\/lon\.yaml, sha256 \w{12}\)$/m,
      );
      // The recorded config edited since the synth: refused, as the synth refuses it.
      fs.appendFileSync(path.join(dir, "config", "fra.yaml"), "# edited\n");
      const edited = runCommand(script, args(dir), dir);
      expect(edited.code).not.toBe(0);
      expect(edited.stderr).toMatch(/^error: config\/fra\.yaml changed since it was synthesized into cdktf\.out/m);
      // With no output at all, the demo, said to be the default.
      const empty = tempDir("no-output");
      expect(runCommand(script, args(empty), empty).stderr).toMatch(
        /^egress6: environment demo \(embedded demo, sha256 \w{12}\), the default$/m,
      );
    },
  );
});

describe("account guard, profile and assumeRole", () => {
  const arn = "arn:aws:iam::123456789012:role/egress6-deployer";

  test("accountId becomes allowed_account_ids; profile and assume_role go to the provider, the S3 backend and remote state", () => {
    const config = demoConfig({
      accountId: "123456789012",
      profile: "deployer",
      assumeRole: { roleArn: arn, sessionName: "egress6", externalId: "ext-1234" },
      backend: { type: "s3", bucket: "demo-state-bucket", region: "us-east-1" },
    });
    const workload = synthStack(config, "workload");
    expect(workload.provider!.aws[0]).toMatchObject({
      allowed_account_ids: ["123456789012"],
      profile: "deployer",
      assume_role: [{ role_arn: arn, session_name: "egress6", external_id: "ext-1234" }],
    });
    expect(workload.terraform.backend.s3).toMatchObject({
      profile: "deployer",
      assume_role: { role_arn: arn, session_name: "egress6", external_id: "ext-1234" },
    });
    expect(workload.data!.terraform_remote_state.network.config).toMatchObject({ profile: "deployer", assume_role: { role_arn: arn } });
    const bootstrap = synthStack(config, "bootstrap");
    expect(bootstrap.provider!.aws[0].allowed_account_ids).toEqual(["123456789012"]);
  });

  test("none of them set: the provider has none of these arguments", () => {
    const network = synthStack(demoConfig(), "network");
    for (const key of ["allowed_account_ids", "profile", "assume_role"]) expect(network.provider!.aws[0]).not.toHaveProperty(key);
  });

  test("bad values: one line per problem, naming the field, the value and what is accepted", () => {
    let problems: readonly string[] = [];
    try {
      parseConfig(
        {
          ...DEMO_CONFIG,
          accountId: 123456789012,
          profile: "my profile",
          assumeRole: { roleArn: "arn:aws:iam::123:user/x", sessionName: "a", color: "red" },
        },
        "env.yaml",
      );
    } catch (e) {
      problems = (e as UserError).problems;
    }
    expect([...problems].sort()).toEqual([
      "env.yaml: accountId: expected string, got 123456789012",
      "env.yaml: assumeRole.color: unknown key (check the spelling; see the configuration reference in docs/configuration.md)",
      'env.yaml: assumeRole.roleArn: must be an IAM role ARN such as arn:aws:iam::123456789012:role/deployer, got "arn:aws:iam::123:user/x"',
      'env.yaml: assumeRole.sessionName: must be 2-64 letters, digits or _+=,.@-, got "a"',
      'env.yaml: profile: must be a profile name of the shared AWS config (1-128 letters, digits or _.+=,@-), got "my profile"',
    ]);
  });

  test("a role in another account than accountId is refused", () => {
    expect(() => parseConfig({ ...DEMO_CONFIG, accountId: "210987654321", assumeRole: { roleArn: arn } }, "env.yaml")).toThrow(
      'env.yaml: assumeRole.roleArn: is a role in account 123456789012, but accountId is 210987654321; the provider would refuse every run (allowed_account_ids), got "arn:aws:iam::123456789012:role/egress6-deployer"',
    );
  });
});

describe("an output whose record cannot be read is never taken for the demo", () => {
  const DIST = path.join(ROOT, "dist");
  const commands: [string, (dir: string) => string[]][] = [
    ["synth", () => [MAIN]],
    ["diagram", () => [path.join(DIST, "cli", "diagram", "index.js")]],
    ["export:hcl", (dir) => [path.join(DIST, "cli", "export-hcl", "index.js"), "--out", path.join(dir, "hcl")]],
  ];
  const breakages: [string, (out: string) => void, RegExp][] = [
    [
      "an invalid marker",
      (out) => fs.writeFileSync(path.join(out, ".egress6", "current", ".egress6-synth"), "{not json"),
      /\.egress6-synth marker is not valid JSON/,
    ],
    [
      "a dangling current link",
      (out) => {
        const link = path.join(out, ".egress6", "current");
        fs.rmSync(path.join(out, ".egress6", fs.readlinkSync(link)), { recursive: true });
      },
      /\.egress6\/current link is dangling/,
    ],
    ["files and no marker", (out) => fs.rmSync(path.join(out, ".egress6-synth")), /holds files but no \.egress6-synth marker/],
  ];
  for (const [what, breakIt, message] of breakages) {
    for (const [name, script] of commands) {
      test(`${name} with ${what} in cdktf.out: one line naming the folder, exit 1, nothing written`, () => {
        const { dir, out } = synthesizedFra();
        breakIt(out);
        const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, ...base } = process.env;
        const r = spawnSync(process.execPath, script(dir), { cwd: dir, env: base, encoding: "utf8" });
        expect(r.status).toBe(1);
        // The synth of a broken output is refused by its own folder check (its message), the others by the record's.
        const expected =
          name === "synth"
            ? /^error: cdktf\.out: refusing to replace .*cdktf\.out: .*(marker|\.egress6-synth)/
            : new RegExp(`^error: cdktf\\.out: .*${message.source}.*npm run synth -- --config FILE --out cdktf\\.out$`);
        expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(expected)]);
        expect(r.stderr).not.toMatch(/environment demo/);
        expect(fs.existsSync(path.join(dir, "hcl"))).toBe(false);
      });
    }
  }
});
