/**
 * The egress6 Atlantis workflow's verify step, run as Atlantis runs a `run` step: a child process whose working
 * directory is the project dir, with the variables Atlantis sets (runatlantis/atlantis
 * server/core/runtime/run_step_runner.go), on real offline plans of the committed Atlantis environment.
 *
 * The layout is an Atlantis clone: the hook's synth (`synthesizeEnvironments`, as `npm run atlantis -- synth` runs
 * it) writes atlantis.out/<env>/stacks/<stack>; each stack is then planned offline (tooling/terraform: provider
 * mirror, stubbed remote state, local backend by override), once for the whole file, and its plan saved under the
 * name Atlantis gives it, with the check's own `show -json` of it as SHOWFILE.
 *
 * A stack with no saved plan is read by the step from its current state. Those states are made from the same real
 * plans (tooling/terraform/plan-state.ts: planned values, with the values known only after apply filled in
 * consistently with the stubs the other plans read) and written where each stack's backend keeps its state, so the
 * step's `terraform show -json` reads them as it would a deployed stack's.
 *
 * The verify step runs as the shipped workflow runs it (docs/atlantis/repos.yaml), with EGRESS6_HOME = this
 * checkout: a trusted install outside the clone.
 *
 * Needs terraform and a local hashicorp/aws mirror: without them this suite fails when CI=true and is skipped,
 * loudly, elsewhere.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  environmentDir,
  environmentProjects,
  planFileName,
  projectName,
  readEnvironments,
  readStacks,
  stackDir,
  synthesizeEnvironments,
  ENVIRONMENTS_FILE,
} from "../cli/atlantis/environments";
import { readConfigFile } from "../config/load";
import { checkPrerequisites, planPath, runOfflineCheck, withMode } from "../tooling/terraform/check";
import { OVERRIDE_FILE_NAME } from "../tooling/terraform/overrides";
import { StateMaker, writeStateFile, type ProviderSchemas, type ShowState } from "../tooling/terraform/plan-state";
import { readSynthesized } from "../tooling/terraform/synthesized";
import { terraformEnv } from "../tooling/terraform/terraform";
import { OFFLINE_CHECK_TIMEOUT_MS } from "./support/offline-check";

const prerequisites = checkPrerequisites();
const repoRoot = path.resolve(__dirname, "..");
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const YAML = require("yaml") as typeof import("yaml");
/** The workflow's verify step, exactly as shipped. */
const VERIFY_COMMAND = (
  YAML.parse(fs.readFileSync(path.join(repoRoot, "docs", "atlantis", "repos.yaml"), "utf8")) as {
    workflows: { egress6: { plan: { steps: { run?: string }[] } } };
  }
).workflows.egress6.plan.steps.find((s) => s.run !== undefined)!.run!;
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
    /** Each stack's state as if its plan had been applied, and where its backend keeps it. */
    const states = new Map<string, ShowState>();
    const statePathOf = new Map<string, string>();

    const dirOf = (stack: string) => path.join(root, stackDir(environment, stack));
    const planfileOf = (stack: string) => path.join(dirOf(stack), planFileName(projectName(environment, stack), WORKSPACE));
    const showfileOf = (stack: string) => path.join(dirOf(stack), `${projectName(environment, stack)}-${WORKSPACE}.json`);

    /** `terraform <args>` in a stack dir, with the check's offline environment. */
    const terraform = (stack: string, args: string[]): string => {
      const r = spawnSync("terraform", args, { cwd: dirOf(stack), env: baseEnv, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`terraform ${args.join(" ")} in ${stack}: ${r.stderr || r.stdout}`);
      return r.stdout;
    };

    /** What Atlantis's `show` step does: `terraform show -json $PLANFILE` written to $SHOWFILE (for a new plan). */
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
      // The server's trusted install (outside the clone): this checkout, built by the global setup.
      env.EGRESS6_HOME ??= repoRoot;
      // The workflow's command, through sh -c as Atlantis runs it (docs/atlantis/repos.yaml).
      const r = spawnSync("sh", ["-c", VERIFY_COMMAND], { cwd: dir, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
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
      const mode = env.config.inspection.mode;
      const plansDir = path.join(work, "plans");
      const report = await runOfflineCheck({
        config: withMode(readConfigFile(path.join(repoRoot, env.configFile)), mode),
        configSource: env.configFile,
        modes: [mode],
        stacks,
        keepWorkDir: true,
        workRoot: work,
        plansDir,
        // The plans read stubs, not each other: two at a time.
        inDependencyOrder: false,
        // One root per stack, as Atlantis plans each project: the step reads each stack's own saved plan file.
        batch: false,
      });
      if (!report.passed) throw new Error(`offline plans failed: ${JSON.stringify(report.results.filter((r) => r.status === "failed"))}`);
      const planned = path.join(report.workDir!, mode, "cdktf.out", "stacks");
      for (const stack of stacks) {
        const from = path.join(planned, stack);
        // The check planned exactly what the hook wrote.
        expect(fs.readFileSync(path.join(from, "cdk.tf.json"), "utf8")).toBe(
          fs.readFileSync(path.join(dirOf(stack), "cdk.tf.json"), "utf8"),
        );
        fs.cpSync(path.join(from, ".terraform"), path.join(dirOf(stack), ".terraform"), { recursive: true, verbatimSymlinks: true });
        for (const f of [".terraform.lock.hcl", OVERRIDE_FILE_NAME]) fs.copyFileSync(path.join(from, f), path.join(dirOf(stack), f));
        fs.copyFileSync(path.join(from, "tfplan"), planfileOf(stack));
        // The check's `terraform show -json tfplan` is what Atlantis's show step writes: no second show.
        fs.copyFileSync(planPath(plansDir, mode, stack), showfileOf(stack));
        // The local backend the check's override gives the stack: where the step's `terraform show -json` reads its state.
        statePathOf.set(
          stack,
          (
            JSON.parse(fs.readFileSync(path.join(from, OVERRIDE_FILE_NAME), "utf8")) as {
              terraform: { backend: { local: { path: string } } };
            }
          ).terraform.backend.local.path,
        );
      }
      // The check's CLI configuration (the provider mirror); a plugin cache only when the check made one (registry).
      const cache = path.join(report.workDir!, "plugin-cache");
      baseEnv = terraformEnv({
        cliConfigFile: path.join(report.workDir!, "terraform.rc"),
        pluginCacheDir: fs.existsSync(cache) ? cache : undefined,
      });

      // Each stack's state after its plan is applied, made from the real plans, ids consistent with the stubs.
      const schemas = JSON.parse(terraform(stacks[0], ["providers", "schema", "-json"])) as ProviderSchemas;
      const maker = new StateMaker(readSynthesized(path.join(report.workDir!, mode, "cdktf.out")), env.config.region, schemas);
      for (const stack of stacks)
        states.set(stack, maker.stateOf(stack, JSON.parse(fs.readFileSync(showfileOf(stack), "utf8")) as Record<string, unknown>));
      // The versioned binary name Atlantis runs (terraform<version>), in a folder of its own.
      binDir = path.join(work, "bin");
      fs.mkdirSync(binDir);
      const real = spawnSync("sh", ["-c", "command -v terraform"], { encoding: "utf8" }).stdout.trim();
      fs.symlinkSync(real, path.join(binDir, `terraform${prerequisites.terraformVersion}`));
    }, OFFLINE_CHECK_TIMEOUT_MS);

    const STEP_TIMEOUT_MS = 300_000;

    test(
      "the app's plans pass: exit 0, every guarantee holds, the other stacks read from their saved plans",
      () => {
        const last = stacks[stacks.length - 1];
        const step = runStep(last);
        expect(step.stderr).not.toMatch(/error:/);
        expect(step.code).toBe(0);
        for (const id of ["R1", "R2", "R3", "L1"]) expect(step.stdout).toMatch(new RegExp(`^${id} +HOLDS`, "m"));
        for (const other of stacks.filter((s) => s !== last))
          expect(step.stderr).toContain(`egress6: ${other}: its saved plan in this pull request (${path.basename(planfileOf(other))})`);
        expect(step.stderr).toContain(`ports ${readEnvironments(repoRoot)[0].config.egress.ports.join(",")}`);
        // The versioned binary Atlantis put on PATH, not just any terraform.
        expect(step.stderr).toContain(`terraform binary terraform${prerequisites.ok ? prerequisites.terraformVersion : ""}\n`);
        // The trusted install's verifier, not one from the clone.
        expect(step.stderr).toContain(
          `egress6: verifier ${path.join(repoRoot, "dist", "verifier", "cli.js")} (outside the pull request's clone)`,
        );
        expect(fs.existsSync(planfileOf(last))).toBe(true);
      },
      STEP_TIMEOUT_MS,
    );

    test(
      "a bypass route in the plan fails the project: exit 1, the violation shown, the plan renamed so it cannot be applied",
      () => {
        const stack = "inspection";
        // A route from workload-a's table to the egress-only gateway for all global unicast space: past every inspection point.
        const bypass = path.join(dirOf(stack), "zz_bypass.tf.json");
        fs.writeFileSync(
          bypass,
          JSON.stringify({
            resource: {
              aws_route: {
                bypass: {
                  route_table_id: "${data.terraform_remote_state.network.outputs.workload_route_table_id_a}",
                  destination_ipv6_cidr_block: "2000::/3",
                  egress_only_gateway_id: "${data.terraform_remote_state.network.outputs.egress_only_internet_gateway_id}",
                },
              },
            },
          }),
        );
        const original = fs.readFileSync(planfileOf(stack));
        const originalShow = fs.readFileSync(showfileOf(stack));
        try {
          terraform(stack, ["plan", "-input=false", "-lock=false", "-no-color", `-out=${planfileOf(stack)}`]);
          showStep(stack);
          expect(
            JSON.parse(fs.readFileSync(showfileOf(stack), "utf8")).resource_changes.some(
              (c: { address: string }) => c.address === "aws_route.bypass",
            ),
          ).toBe(true);
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
          fs.writeFileSync(showfileOf(stack), originalShow);
        }
      },
      STEP_TIMEOUT_MS,
    );

    /**
     * Only `planned` has a saved plan; every other stack is deployed: its saved plan is gone and its state (made
     * from its real plan, changed by `edit`) is where its backend keeps it. `uninitialised` loses its `.terraform`,
     * as the dir of a project Atlantis did not plan in this pull request. Everything is put back afterwards.
     */
    const withDeployed = (
      planned: string,
      uninitialised: string,
      edit: (stack: string, state: ShowState) => ShowState,
      run: () => void,
    ) => {
      const others = stacks.filter((s) => s !== planned);
      const aside = path.join(work, "aside");
      fs.mkdirSync(aside, { recursive: true });
      try {
        for (const other of others) {
          fs.renameSync(planfileOf(other), path.join(aside, `${other}.tfplan`));
          writeStateFile(statePathOf.get(other)!, other, edit(other, structuredClone(states.get(other)!)));
        }
        fs.renameSync(path.join(dirOf(uninitialised), ".terraform"), path.join(aside, `${uninitialised}.terraform`));
        run();
      } finally {
        for (const other of others) {
          if (fs.existsSync(path.join(aside, `${other}.tfplan`))) fs.renameSync(path.join(aside, `${other}.tfplan`), planfileOf(other));
          fs.rmSync(statePathOf.get(other)!, { force: true });
        }
        fs.rmSync(path.join(dirOf(uninitialised), ".terraform"), { recursive: true, force: true });
        if (fs.existsSync(path.join(aside, `${uninitialised}.terraform`)))
          fs.renameSync(path.join(aside, `${uninitialised}.terraform`), path.join(dirOf(uninitialised), ".terraform"));
        if (fs.existsSync(`${planfileOf(planned)}.rejected`)) fs.renameSync(`${planfileOf(planned)}.rejected`, planfileOf(planned));
      }
    };
    const unchanged = (_stack: string, state: ShowState) => state;
    const resourceOf = (state: ShowState, address: string) => {
      const r = state.values.root_module.resources.find((x) => x.address === address);
      if (!r) throw new Error(`no ${address} in the state`);
      return r;
    };

    test(
      "one project planned, the others deployed: the step reads their states (terraform init of a never-planned dir, show -json) and the app passes",
      () => {
        withDeployed("workload", "observability", unchanged, () => {
          const step = runStep("workload");
          expect(step.stderr).not.toMatch(/error:/);
          expect(step.code).toBe(0);
          for (const id of ["R1", "R2", "R3", "L1"]) expect(step.stdout).toMatch(new RegExp(`^${id} +HOLDS`, "m"));
          for (const other of stacks.filter((s) => s !== "workload")) {
            expect(step.stderr).toContain(`egress6: ${other}: its current state (no saved plan in this pull request)`);
            expect(step.stdout).toContain(`${other}.state.json: a state: every value is as applied`);
          }
          expect(step.stderr).toContain(
            `egress6: observability: not initialized (no plan of it in this pull request); running terraform${prerequisites.ok ? prerequisites.terraformVersion : ""} init to read its state`,
          );
          expect(step.stdout).toMatch(/^Result: HOLDS/m);
          expect(fs.existsSync(planfileOf("workload"))).toBe(true);
        });
      },
      STEP_TIMEOUT_MS,
    );

    test(
      "a deployed state carrying a bypass route fails the planned project: exit 1, the route shown, the plan renamed",
      () => {
        withDeployed(
          "workload",
          "observability",
          (stack, state) => {
            if (stack !== "network") return state;
            // Beside the app's routes, as if added by hand in the console: workload-a's table -> the egress-only gateway.
            const template = resourceOf(state, "aws_route.proxy_a_default_route");
            const table = resourceOf(state, "aws_route_table.vpc_workload_a_routes").values.id;
            const eigw = resourceOf(state, "aws_egress_only_internet_gateway.vpc_egress_only_gateway").values.id;
            state.values.root_module.resources.push({
              ...template,
              address: "aws_route.bypass",
              name: "bypass",
              values: {
                ...template.values,
                id: "r-bypass",
                route_table_id: table,
                destination_ipv6_cidr_block: "2000::/3",
                egress_only_gateway_id: eigw,
              },
            });
            return state;
          },
          () => {
            const step = runStep("workload");
            expect(step.code).toBe(1);
            expect(step.stdout).toMatch(/^R3 +VIOLATED/m);
            expect(step.stdout).toContain("aws_route.bypass (network)");
            expect(fs.existsSync(planfileOf("workload"))).toBe(false);
            expect(fs.existsSync(`${planfileOf("workload")}.rejected`)).toBe(true);
          },
        );
      },
      STEP_TIMEOUT_MS,
    );

    test(
      "a plan whose remote-state value names an id no deployed state has cannot be linked: exit 2 naming it, never a pass",
      () => {
        let moved = "";
        withDeployed(
          "workload",
          "network",
          (stack, state) => {
            if (stack !== "network") return state;
            // The subnet was replaced since the plan read the network's outputs: the id the plan holds is in no state.
            moved = String(resourceOf(state, "aws_subnet.vpc_workload_a").values.id);
            return JSON.parse(JSON.stringify(state).split(moved).join("subnet-0feedfacefeedface")) as ShowState;
          },
          () => {
            const step = runStep("workload");
            expect(step.code).toBe(2);
            expect(`${step.stdout}${step.stderr}`).toContain(
              `error: aws_instance.workload_a_1 (workload): subnet_id is "${moved}", which is no subnet in the configuration`,
            );
            expect(step.stdout).not.toMatch(/^Result: HOLDS/m);
            expect(fs.existsSync(`${planfileOf("workload")}.rejected`)).toBe(true);
          },
        );
      },
      STEP_TIMEOUT_MS,
    );

    test(
      "an output the hook did not synthesize for this commit is refused (exit 2) and the plan cannot be applied",
      () => {
        const stack = stacks[0];
        const original = fs.readFileSync(planfileOf(stack));
        try {
          const step = runStep(stack, { HEAD_COMMIT: "fedcba9876543210fedcba9876543210fedcba98" });
          expect(step.code).toBe(2);
          expect(step.stderr).toContain(
            `synthesized for commit ${COMMIT}, but the pull request's head is fedcba9876543210fedcba9876543210fedcba98`,
          );
          expect(fs.existsSync(planfileOf(stack))).toBe(false);
        } finally {
          fs.rmSync(`${planfileOf(stack)}.rejected`, { force: true });
          fs.writeFileSync(planfileOf(stack), original);
        }
      },
      STEP_TIMEOUT_MS,
    );

    test(
      "a plan stage without the show step is refused with one line naming SHOWFILE",
      () => {
        const stack = stacks[1];
        const original = fs.readFileSync(planfileOf(stack));
        const originalShow = fs.readFileSync(showfileOf(stack));
        fs.rmSync(showfileOf(stack), { force: true });
        try {
          const step = runStep(stack);
          expect(step.code).toBe(2);
          expect(step.stderr).toContain(
            `error: SHOWFILE: ${showfileOf(stack)} does not exist; the workflow's plan stage must run "show" after "plan"`,
          );
        } finally {
          fs.rmSync(`${planfileOf(stack)}.rejected`, { force: true });
          fs.writeFileSync(planfileOf(stack), original);
          fs.writeFileSync(showfileOf(stack), originalShow);
        }
      },
      STEP_TIMEOUT_MS,
    );

    test("the step refuses to run as the pull request's own code (a verify step inside the clone) unless the server allows it", () => {
      // The clone's own build of egress6, as the hook's `npm ci` and a build would leave it.
      fs.cpSync(path.join(repoRoot, "dist"), path.join(root, "dist"), { recursive: true });
      fs.copyFileSync(path.join(repoRoot, "package.json"), path.join(root, "package.json"));
      fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(root, "node_modules"));
      const stack = stacks[0];
      const original = fs.readFileSync(planfileOf(stack));
      try {
        const refused = runStep(stack, { EGRESS6_HOME: root });
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain(
          `error: the verify step runs from the pull request's own clone (${root}), so the code under review would judge itself`,
        );
        expect(fs.existsSync(`${planfileOf(stack)}.rejected`)).toBe(true);
        // A verifier inside the clone, named by EGRESS6_VERIFIER, is refused too, even from the trusted step.
        fs.renameSync(`${planfileOf(stack)}.rejected`, planfileOf(stack));
        const named = runStep(stack, { EGRESS6_VERIFIER: path.join(root, "dist", "verifier", "cli.js") });
        expect(named.code).toBe(2);
        expect(named.stderr).toContain(
          `error: EGRESS6_VERIFIER: ${path.join(root, "dist", "verifier", "cli.js")} is inside the pull request's clone`,
        );
        // Allowed explicitly: it runs, and says whose code it ran (the refusal comes before any terraform; this
        // run stops at the commit check, so no plan is needed).
        fs.rmSync(`${planfileOf(stack)}.rejected`, { force: true });
        fs.writeFileSync(planfileOf(stack), original);
        const allowed = runStep(stack, {
          EGRESS6_HOME: root,
          EGRESS6_ALLOW_PR_VERIFIER: "1",
          HEAD_COMMIT: "fedcba9876543210fedcba9876543210fedcba98",
        });
        expect(allowed.stderr).not.toContain("the code under review would judge itself");
        expect(allowed.stderr).toContain("synthesized for commit");
      } finally {
        fs.rmSync(`${planfileOf(stack)}.rejected`, { force: true });
        fs.writeFileSync(planfileOf(stack), original);
        fs.unlinkSync(path.join(root, "node_modules"));
        for (const f of ["dist", "package.json"]) fs.rmSync(path.join(root, f), { recursive: true, force: true });
      }
    });

    test("outside Atlantis (no run-step variables) the step names each missing variable and exits 2", () => {
      const r = spawnSync(process.execPath, [path.join(repoRoot, "dist", "cli", "atlantis", "index.js"), "verify"], {
        cwd: work,
        env: { PATH: process.env.PATH },
        encoding: "utf8",
      });
      expect(r.status).toBe(2);
      for (const name of ["DIR", "PLANFILE", "SHOWFILE", "PROJECT_NAME", "REPO_REL_DIR", "WORKSPACE", "HEAD_COMMIT"])
        expect(r.stderr).toContain(`error: ${name}: not set`);
    });
  });
}
