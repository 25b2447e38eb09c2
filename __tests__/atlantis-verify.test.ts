/**
 * The egress6 Atlantis workflow's verify step, run as Atlantis runs a `run` step: a child process whose working
 * directory is the project dir, with the variables Atlantis sets (runatlantis/atlantis
 * server/core/runtime/run_step_runner.go), on real offline plans of the committed Atlantis environment.
 *
 * The layout is an Atlantis clone: the hook's synth (`synthesizeEnvironments`, as `npm run atlantis -- synth` runs
 * it) writes atlantis.out/<env>/stacks/<stack>; each stack is then planned offline (tooling/terraform: provider
 * mirror, stubbed remote state, local backend by override) and its plan saved under the name Atlantis gives it.
 *
 * Needs terraform and a local hashicorp/aws mirror: without them this suite fails when CI=true and is skipped,
 * loudly, elsewhere.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { environmentDir, environmentProjects, planFileName, projectName, readEnvironments, readStacks, stackDir, synthesizeEnvironments, ENVIRONMENTS_FILE } from "../app/atlantis";
import { readConfigFile } from "../config/load";
import { checkPrerequisites, runOfflineCheck, withMode } from "../tooling/terraform/check";
import { OVERRIDE_FILE_NAME } from "../tooling/terraform/overrides";
import { terraformEnv } from "../tooling/terraform/terraform";
import { OFFLINE_CHECK_TIMEOUT_MS } from "./support/offline-check";

const prerequisites = checkPrerequisites();
const repoRoot = path.resolve(__dirname, "..");
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const WORKSPACE = "default";

interface Step {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

if (!prerequisites.ok) {
  const reason = prerequisites.problems.join("; ");
  if (process.env.CI === "true") {
    test("atlantis verify step: prerequisites", () => {
      throw new Error(`the Atlantis verify step tests cannot run: ${reason}`);
    });
  } else {
    console.warn(`skipped: atlantis verify step: ${reason}`);
    test.skip(`atlantis verify step (skipped: ${reason})`, () => undefined);
  }
} else {
  describe("the Atlantis verify step on real offline plans", () => {
    const work = fs.mkdtempSync(path.join(process.env.EGRESS6_TEST_RUN_DIR ?? os.tmpdir(), "egress6-atlantis-step-"));
    afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
    const root = path.join(work, "clone");
    let environment: string;
    let stacks: string[];
    let baseEnv: NodeJS.ProcessEnv;
    let binDir: string;

    const dirOf = (stack: string) => path.join(root, stackDir(environment, stack));
    const planfileOf = (stack: string) => path.join(dirOf(stack), planFileName(projectName(environment, stack), WORKSPACE));
    const showfileOf = (stack: string) => path.join(dirOf(stack), `${projectName(environment, stack)}-${WORKSPACE}.json`);

    /** `terraform <args>` in a stack dir, with the check's offline environment. */
    const terraform = (stack: string, args: string[]): string => {
      const r = spawnSync("terraform", args, { cwd: dirOf(stack), env: baseEnv, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`terraform ${args.join(" ")} in ${stack}: ${r.stderr || r.stdout}`);
      return r.stdout;
    };

    /** What Atlantis's `show` step does: `terraform show -json $PLANFILE` written to $SHOWFILE. */
    const showStep = (stack: string) => fs.writeFileSync(showfileOf(stack), terraform(stack, ["show", "-json", planfileOf(stack)]));

    /** The verify step as Atlantis runs it for `stack`'s project. */
    const runStep = (stack: string, extra: NodeJS.ProcessEnv = {}): Step => {
      const dir = dirOf(stack);
      const env: NodeJS.ProcessEnv = {
        ...baseEnv,
        // Atlantis appends the folder of its terraform binaries to the server's PATH.
        PATH: `${baseEnv.PATH}${path.delimiter}${binDir}`,
        ATLANTIS_TERRAFORM_DISTRIBUTION: "terraform",
        ATLANTIS_TERRAFORM_VERSION: prerequisites.terraformVersion,
        BASE_BRANCH_NAME: "main",
        BASE_REPO_NAME: "egress6",
        BASE_REPO_OWNER: "example",
        COMMENT_ARGS: "",
        DIR: dir,
        HEAD_BRANCH_NAME: "change",
        HEAD_COMMIT: COMMIT,
        HEAD_REPO_NAME: "egress6",
        HEAD_REPO_OWNER: "example",
        PLANFILE: planfileOf(stack),
        SHOWFILE: showfileOf(stack),
        POLICYCHECKFILE: path.join(dir, `${projectName(environment, stack)}-${WORKSPACE}-policyout.json`),
        PROJECT_NAME: projectName(environment, stack),
        PULL_AUTHOR: "someone",
        PULL_NUM: "7",
        PULL_URL: "https://example.invalid/pull/7",
        REPO_REL_DIR: stackDir(environment, stack),
        USER_NAME: "someone",
        WORKSPACE,
        ATLANTIS_PR_APPROVED: "false",
        ATLANTIS_PR_MERGEABLE: "true",
        ...extra,
      };
      // The workflow's command, through sh -c as Atlantis runs it (docs/atlantis/repos.yaml); the repository root
      // holds the built CLI in an Atlantis clone, here it is this checkout's.
      const r = spawnSync("sh", ["-c", `node "${path.join(repoRoot, "dist", "cli", "atlantis.js")}" verify`], { cwd: dir, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };

    beforeAll(async () => {
      // The clone: the environments file and its configs, then the hook's synth.
      fs.mkdirSync(path.dirname(path.join(root, ENVIRONMENTS_FILE)), { recursive: true });
      fs.copyFileSync(path.join(repoRoot, ENVIRONMENTS_FILE), path.join(root, ENVIRONMENTS_FILE));
      const [env] = readEnvironments(repoRoot);
      fs.copyFileSync(path.join(repoRoot, env.configFile), path.join(root, env.configFile));
      synthesizeEnvironments(root, COMMIT);
      environment = env.name;
      // In the order Atlantis plans them (execution order groups: dependencies first).
      stacks = environmentProjects(env, readStacks(path.join(root, environmentDir(environment)))).map((p) => p.stack);

      // Offline plans of the same configuration, moved into the clone's stack dirs.
      const report = await runOfflineCheck({
        config: withMode(readConfigFile(path.join(repoRoot, env.configFile)), env.config.inspection.mode),
        configSource: env.configFile,
        modes: [env.config.inspection.mode],
        stacks,
        keepWorkDir: true,
        workRoot: work,
      });
      if (!report.passed) throw new Error(`offline plans failed: ${JSON.stringify(report.results.filter((r) => r.status === "failed"))}`);
      const planned = path.join(report.workDir!, env.config.inspection.mode, "cdktf.out", "stacks");
      for (const stack of stacks) {
        const from = path.join(planned, stack);
        // The check planned exactly what the hook wrote.
        expect(fs.readFileSync(path.join(from, "cdk.tf.json"), "utf8")).toBe(fs.readFileSync(path.join(dirOf(stack), "cdk.tf.json"), "utf8"));
        fs.cpSync(path.join(from, ".terraform"), path.join(dirOf(stack), ".terraform"), { recursive: true, verbatimSymlinks: true });
        for (const f of [".terraform.lock.hcl", OVERRIDE_FILE_NAME]) fs.copyFileSync(path.join(from, f), path.join(dirOf(stack), f));
        fs.copyFileSync(path.join(from, "tfplan"), planfileOf(stack));
      }
      baseEnv = terraformEnv({ cliConfigFile: path.join(report.workDir!, "terraform.rc"), pluginCacheDir: path.join(report.workDir!, "plugin-cache") });
      // The versioned binary name Atlantis runs (terraform<version>), in a folder of its own.
      binDir = path.join(work, "bin");
      fs.mkdirSync(binDir);
      const real = spawnSync("sh", ["-c", "command -v terraform"], { encoding: "utf8" }).stdout.trim();
      fs.symlinkSync(real, path.join(binDir, `terraform${prerequisites.terraformVersion}`));
    }, OFFLINE_CHECK_TIMEOUT_MS);

    const STEP_TIMEOUT_MS = 300_000;

    test("the app's plans pass: exit 0, every guarantee holds, the other stacks read from their saved plans", () => {
      const last = stacks[stacks.length - 1];
      showStep(last);
      const step = runStep(last);
      expect(step.stderr).not.toMatch(/error:/);
      expect(step.code).toBe(0);
      for (const id of ["R1", "R2", "R3", "L1"]) expect(step.stdout).toMatch(new RegExp(`^${id} +HOLDS`, "m"));
      for (const other of stacks.filter((s) => s !== last)) expect(step.stderr).toContain(`egress6: ${other}: its saved plan in this pull request (${path.basename(planfileOf(other))})`);
      expect(step.stderr).toContain(`ports ${readEnvironments(repoRoot)[0].config.egress.ports.join(",")}`);
      // The versioned binary Atlantis put on PATH, not just any terraform.
      expect(step.stderr).toContain(`terraform binary terraform${prerequisites.ok ? prerequisites.terraformVersion : ""}\n`);
      expect(fs.existsSync(planfileOf(last))).toBe(true);
    }, STEP_TIMEOUT_MS);

    test("a bypass route in the plan fails the project: exit 1, the violation shown, the plan renamed so it cannot be applied", () => {
      const stack = "inspection";
      // A route from workload-a's table to the egress-only gateway for all global unicast space: past every inspection point.
      const bypass = path.join(dirOf(stack), "zz_bypass.tf.json");
      fs.writeFileSync(bypass, JSON.stringify({
        resource: {
          aws_route: {
            bypass: {
              route_table_id: "${data.terraform_remote_state.network.outputs.workload_route_table_id_a}",
              destination_ipv6_cidr_block: "2000::/3",
              egress_only_gateway_id: "${data.terraform_remote_state.network.outputs.egress_only_internet_gateway_id}",
            },
          },
        },
      }));
      const original = fs.readFileSync(planfileOf(stack));
      try {
        terraform(stack, ["plan", "-input=false", "-lock=false", "-no-color", `-out=${planfileOf(stack)}`]);
        showStep(stack);
        expect(JSON.parse(fs.readFileSync(showfileOf(stack), "utf8")).resource_changes.some((c: { address: string }) => c.address === "aws_route.bypass")).toBe(true);
        const step = runStep(stack);
        expect(step.code).toBe(1);
        expect(step.stdout).toMatch(/^R3 +VIOLATED/m);
        expect(step.stdout).toMatch(/aws_route\.bypass/);
        expect(fs.existsSync(planfileOf(stack))).toBe(false);
        expect(fs.existsSync(`${planfileOf(stack)}.rejected`)).toBe(true);
        expect(step.stderr).toContain(`renamed ${planfileOf(stack)} to ${path.basename(planfileOf(stack))}.rejected`);
      } finally {
        fs.rmSync(bypass);
        fs.rmSync(`${planfileOf(stack)}.rejected`, { force: true });
        fs.writeFileSync(planfileOf(stack), original);
        showStep(stack);
      }
    }, STEP_TIMEOUT_MS);

    test("an output the hook did not synthesize for this commit is refused (exit 2) and the plan cannot be applied", () => {
      const stack = stacks[0];
      showStep(stack);
      const original = fs.readFileSync(planfileOf(stack));
      try {
        const step = runStep(stack, { HEAD_COMMIT: "fedcba9876543210fedcba9876543210fedcba98" });
        expect(step.code).toBe(2);
        expect(step.stderr).toContain(`synthesized for commit ${COMMIT}, but the pull request's head is fedcba9876543210fedcba9876543210fedcba98`);
        expect(fs.existsSync(planfileOf(stack))).toBe(false);
      } finally {
        fs.rmSync(`${planfileOf(stack)}.rejected`, { force: true });
        fs.writeFileSync(planfileOf(stack), original);
      }
    }, STEP_TIMEOUT_MS);

    test("a plan stage without the show step is refused with one line naming SHOWFILE", () => {
      const stack = stacks[1];
      const original = fs.readFileSync(planfileOf(stack));
      fs.rmSync(showfileOf(stack), { force: true });
      try {
        const step = runStep(stack);
        expect(step.code).toBe(2);
        expect(step.stderr).toContain(`error: SHOWFILE: ${showfileOf(stack)} does not exist; the workflow's plan stage must run "show" after "plan"`);
      } finally {
        fs.rmSync(`${planfileOf(stack)}.rejected`, { force: true });
        fs.writeFileSync(planfileOf(stack), original);
      }
    }, STEP_TIMEOUT_MS);

    test("outside Atlantis (no run-step variables) the step names each missing variable and exits 2", () => {
      const r = spawnSync(process.execPath, [path.join(repoRoot, "dist", "cli", "atlantis.js"), "verify"], { cwd: work, env: { PATH: process.env.PATH }, encoding: "utf8" });
      expect(r.status).toBe(2);
      for (const name of ["DIR", "PLANFILE", "SHOWFILE", "PROJECT_NAME", "REPO_REL_DIR", "WORKSPACE", "HEAD_COMMIT"]) expect(r.stderr).toContain(`error: ${name}: not set`);
    });
  });
}
