/**
 * terraform init and plan (which validates) of every stack in every inspection mode, offline, against the real
 * hashicorp/aws provider schema (the check behind `npm run tf:check`).
 *
 * Needs terraform and a local hashicorp/aws mirror. Without them the suite fails when CI=true and is skipped,
 * loudly, elsewhere; it never passes without running.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../app/build-app";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import { INSPECTION_MODES, type InspectionMode } from "../config/modes";
import { zonesOf } from "../config/zones";
import { TIERS } from "../lib/names";
import { checkPrerequisites, planPath, runOfflineCheck, type OfflineCheckReport } from "../tooling/terraform/check";
import { formatReport } from "../tooling/terraform/report";
import { synthBrokenConsumer } from "./support/broken-consumer-app";
import { OFFLINE_CHECK_TIMEOUT_MS, sharedOfflineCheck } from "./support/offline-check";
import { synthesize } from "../app/synthesize";
import { cliConfig } from "../tooling/terraform/mirror";
import { runTerraform, terraformEnv } from "../tooling/terraform/terraform";
import { synthStack } from "./helpers";

const prerequisites = checkPrerequisites();
const demo = parseConfig(DEMO_CONFIG, "demo");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-tf-offline-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The demo synthesized in `mode` (once), as the check sees it. */
function synthesized(mode: InspectionMode): string {
  const outdir = path.join(tmp, `synth-${mode}`);
  if (!fs.existsSync(outdir)) buildApp(parseConfig({ ...DEMO_CONFIG, inspection: { mode } }, "demo"), outdir).synth();
  return outdir;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

if (!prerequisites.ok) {
  const reason = prerequisites.problems.join("; ");
  if (process.env.CI === "true") {
    test("offline terraform check: prerequisites", () => {
      throw new Error(`the offline terraform check cannot run: ${reason}`);
    });
  } else {
    console.warn(`skipped: offline terraform check: ${reason}`);
    test.skip(`offline terraform check (skipped: ${reason})`, () => undefined);
  }
} else {
  describe("offline terraform check of the demo, every inspection mode", () => {
    let report: OfflineCheckReport;
    let plansDir: string;
    let completed: readonly string[];

    beforeAll(async () => {
      ({ report, plansDir, completed } = await sharedOfflineCheck());
    }, OFFLINE_CHECK_TIMEOUT_MS);

    const resultsOf = (mode: string) => report.results.filter((r) => r.mode === mode);
    const resultOf = (mode: string, stack: string) => report.results.find((r) => r.mode === mode && r.stack === stack)!;

    test.each([...INSPECTION_MODES])("every stack of %s validates and plans, adding resources", (mode) => {
      const results = resultsOf(mode);
      expect(results.map((r) => r.stack)).toEqual(expect.arrayContaining(["bootstrap", "network"]));
      for (const r of results) {
        expect({ stack: r.stack, status: r.status, failure: r.failure }).toEqual({
          stack: r.stack,
          status: r.status === "same" ? "same" : "passed",
          failure: undefined,
        });
        expect(r.resourcesToAdd).toBeGreaterThan(0);
      }
    });

    test("every stack of the manifest is checked, each after the stacks it depends on", () => {
      for (const mode of INSPECTION_MODES) {
        const manifest = readJson<{ stacks: Record<string, { dependencies: string[] }> }>(path.join(synthesized(mode), "manifest.json"));
        expect(
          resultsOf(mode)
            .map((r) => r.stack)
            .sort(),
        ).toEqual(Object.keys(manifest.stacks).sort());
        for (const [name, { dependencies }] of Object.entries(manifest.stacks)) {
          for (const dep of dependencies) expect(completed.indexOf(`${mode}/${dep}`)).toBeLessThan(completed.indexOf(`${mode}/${name}`));
        }
      }
    });

    test("the network plan adds the four tiers' subnets and route tables in every AZ, and every NACL rule declared", () => {
      const azs = zonesOf(demo).length;
      const network = readJson<{ resource: Record<string, object> }>(
        path.join(synthesized("firewall-proxy"), "stacks", "network", "cdk.tf.json"),
      );
      const declaredRules = Object.keys(network.resource.aws_network_acl_rule ?? {}).length;
      const added = resultOf("firewall-proxy", "network").addedByType!;
      expect(added.aws_subnet).toBe(TIERS.length * azs);
      expect(added.aws_route_table).toBe(TIERS.length * azs);
      expect(added.aws_route_table_association).toBe(TIERS.length * azs);
      expect(added.aws_network_acl).toBe(TIERS.length);
      // At least deny-IPv4, ephemeral return traffic and ICMPv6 Packet Too Big, both directions, per tier.
      expect(declaredRules).toBeGreaterThanOrEqual(TIERS.length * 2 * 3);
      expect(added.aws_network_acl_rule).toBe(declaredRules);
    });

    test("firewall-igw's network plan has no egress-only internet gateway; the proxy modes have one", () => {
      expect(resultOf("firewall-proxy", "network").addedByType!.aws_egress_only_internet_gateway).toBe(1);
      expect(resultOf("firewall-igw", "network").addedByType!.aws_egress_only_internet_gateway).toBeUndefined();
    });

    test("a stack whose configuration is identical in two modes is planned once and reported as the same", () => {
      const bootstrap = INSPECTION_MODES.map((mode) => resultOf(mode, "bootstrap"));
      expect(bootstrap.map((r) => r.status)).toEqual(["passed", "same", "same"]);
      expect(bootstrap.slice(1).map((r) => r.sameAs)).toEqual(["firewall-proxy", "firewall-proxy"]);
      expect(new Set(bootstrap.map((r) => r.resourcesToAdd)).size).toBe(1);
    });

    test("the plan of every mode and stack is written as JSON for the verifier", () => {
      for (const r of report.results) {
        const plan = readJson<{ resource_changes: { change: { actions: string[] } }[] }>(planPath(plansDir, r.mode, r.stack));
        expect(plan.resource_changes.filter((c) => c.change.actions.includes("create")).length).toBeGreaterThanOrEqual(r.resourcesToAdd!);
      }
    });
  });

  describe("offline terraform check failures", () => {
    test(
      "a consumer reading an output its producer does not declare fails at plan, with terraform's error and the stack",
      async () => {
        // A two-stack app (support/broken-consumer-app.ts): workload reads an output network does not declare.
        // Only the consumer is planned: it reads a stub built from network's declared outputs, not network's plan.
        const result = await runOfflineCheck({
          config: DEMO_CONFIG,
          configSource: "test",
          modes: ["proxy"],
          stacks: ["workload"],
          synth: synthBrokenConsumer,
        });
        expect(result.passed).toBe(false);
        expect(result.results.map((r) => [r.stack, r.status, r.resourcesToAdd])).toEqual([["workload", "failed", undefined]]);
        const failure = result.results[0].failure!;
        expect(failure.step).toBe("plan");
        expect(failure.message).toMatch(/^Error: Unsupported attribute/);
        expect(failure.message).toContain("no_such_output");
        expect(formatReport(result)).toMatch(/FAILED proxy \/ workload: terraform plan\n {2}Error: Unsupported attribute/);
      },
      OFFLINE_CHECK_TIMEOUT_MS,
    );
  });
}

/** How many resources the demo's bootstrap stack declares (none uses count), which its plan must add. */
function bootstrapResourceCount(): number {
  const tf = synthStack(parseConfig(DEMO_CONFIG, "demo"), "bootstrap") as { resource?: Record<string, Record<string, unknown>> };
  return Object.values(tf.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
}

if (prerequisites.ok) {
  describe("an environment with accountId, profile and assumeRole", () => {
    test(
      "plans offline: the override takes the account guard and the identity out (the guard alone fails a plan with no account id)",
      async () => {
        const config = {
          ...DEMO_CONFIG,
          accountId: "123456789012",
          profile: "no-such-profile-on-this-machine",
          assumeRole: { roleArn: "arn:aws:iam::123456789012:role/egress6-deployer", sessionName: "egress6" },
        };
        const report = await runOfflineCheck({
          config,
          configSource: "identity",
          modes: ["proxy"],
          stacks: ["bootstrap"],
          mirror: prerequisites.mirror,
        });
        expect(formatReport(report)).toMatch(new RegExp(`proxy\\s+bootstrap\\s+${bootstrapResourceCount()}\\s+[\\d.]+\\s+ok`));
        expect(report.passed).toBe(true);
      },
      OFFLINE_CHECK_TIMEOUT_MS,
    );
  });
}

if (prerequisites.ok) {
  describe("a re-synth keeps what terraform init installed", () => {
    test(
      "init once, synth again: validate runs without a new init, and the lock file is the one init wrote",
      async () => {
        const work = fs.mkdtempSync(path.join(tmp, "reinit-"));
        const out = path.join(work, "cdktf.out");
        synthesize(demo, out, { origin: { kind: "demo", sha256: "test" } });
        const rc = path.join(work, "terraform.rc");
        fs.writeFileSync(rc, cliConfig(prerequisites.mirror.root));
        const cache = path.join(work, "plugin-cache");
        fs.mkdirSync(cache);
        const env = terraformEnv({ cliConfigFile: rc, pluginCacheDir: cache });
        const dir = path.join(out, "stacks", "bootstrap");
        const init = await runTerraform("terraform", ["init", "-input=false", "-no-color"], dir, env, OFFLINE_CHECK_TIMEOUT_MS);
        expect(init.stderr).toBe("");
        expect(init.code).toBe(0);
        const lock = fs.readFileSync(path.join(dir, ".terraform.lock.hcl"), "utf8");
        expect(lock).toMatch(/provider "registry\.terraform\.io\/hashicorp\/aws"/);

        synthesize(demo, out, { origin: { kind: "demo", sha256: "test" } });
        expect(fs.readFileSync(path.join(dir, ".terraform.lock.hcl"), "utf8")).toBe(lock);
        const validate = await runTerraform("terraform", ["validate", "-no-color"], dir, env, OFFLINE_CHECK_TIMEOUT_MS);
        expect(validate.stderr).toBe("");
        expect(validate.stdout).toMatch(/The configuration is valid/);
        // without the carried-over .terraform, validate fails: the providers would have to be installed again
        fs.rmSync(path.join(dir, ".terraform"), { recursive: true });
        const bare = await runTerraform("terraform", ["validate", "-no-color"], dir, env, OFFLINE_CHECK_TIMEOUT_MS);
        expect(bare.code).not.toBe(0);
        expect(bare.stderr).toMatch(/no package for registry\.terraform\.io\/hashicorp\/aws .* cached in \.terraform\/providers/);
      },
      OFFLINE_CHECK_TIMEOUT_MS,
    );
  });
}

if (prerequisites.ok) {
  describe("npm run tf:check, as a command", () => {
    const tfCheck = (args: string[]) => {
      // CDKTF_OUTDIR names no output, so the project's own cdktf.out (whatever it records) cannot change the result.
      const { EGRESS6_CONFIG: _c, ...base } = process.env;
      const env = { ...base, CDKTF_OUTDIR: path.join(__dirname, "..", "node_modules", ".egress6-tests-no-output") };
      return spawnSync(
        process.execPath,
        [path.join(__dirname, "..", "dist", "tooling", "tf-check.js"), "--mode", "proxy", "--stack", "bootstrap", ...args],
        { env, encoding: "utf8", timeout: OFFLINE_CHECK_TIMEOUT_MS },
      );
    };

    test(
      "shows progress on stderr; --json prints only the report, as JSON",
      () => {
        const text = tfCheck([]);
        expect(text.status).toBe(0);
        // The environment it acts on first (one rule for every command: app/environment.ts), then the progress.
        expect(text.stderr).toMatch(
          /^egress6: environment demo \(embedded demo, sha256 [0-9a-f]{12}\), the default\ntf:check: 1\/1 bootstrap \[proxy\] planned, \d+\.\d s\n$/,
        );
        const json = tfCheck(["--json"]);
        expect(json.stderr).toBe("");
        expect(json.status).toBe(0);
        const doc = JSON.parse(json.stdout);
        expect(doc).toMatchObject({
          passed: true,
          results: [{ mode: "proxy", stack: "bootstrap", status: "passed", resourcesToAdd: bootstrapResourceCount() }],
        });
      },
      OFFLINE_CHECK_TIMEOUT_MS,
    );
  });
}
