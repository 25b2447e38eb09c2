/**
 * The verify step of the egress6 Atlantis workflow (docs/atlantis.md): runs after `init`, `plan` and `show` in the
 * project's dir, and proves R1-R3 on this project's plan together with the other stacks of its environment.
 *
 * It reads Atlantis's run-step environment (runatlantis/atlantis server/core/runtime/run_step_runner.go): DIR (the
 * project dir, also the working directory), REPO_REL_DIR, PROJECT_NAME, WORKSPACE, PLANFILE, SHOWFILE (written by
 * the `show` step), HEAD_COMMIT, ATLANTIS_TERRAFORM_DISTRIBUTION and ATLANTIS_TERRAFORM_VERSION. Atlantis gives no
 * repository root: it is DIR without REPO_REL_DIR.
 *
 * Every other stack of the environment comes from its saved plan in this pull request when it has one (projects
 * plan one at a time, dependencies first, so the plans made earlier in this run are there), else from its current
 * state (`terraform show -json` in its dir, after `terraform init` when the dir has never been initialized).
 *
 * The step and the verifier must come from a trusted egress6 installed on the server, outside the pull request's
 * clone (docs/atlantis/repos.yaml runs `$EGRESS6_HOME/dist/cli/atlantis/index.js`): run from the clone, they would be the
 * code under review judging itself, and are refused unless EGRESS6_ALLOW_PR_VERIFIER=1.
 *
 * Exit 0 when everything holds; otherwise the verifier's exit code (1 violated, 2 unusable input) or 2 for a problem
 * of the step itself, and this project's saved plan is renamed to `<PLANFILE>.rejected`, so that no version of
 * Atlantis can apply a plan that was not proven (before v0.46 a targeted apply did not look at the plan's status).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { environmentDir, environmentRecord, planFileName, plannedStacks, projectName, readStacks, OUTPUT_ROOT } from "./environments";
import { checkRecord } from "./output-update";
import { loadConfig, UserError } from "../../config/load";
import { builtFile, projectRoot } from "../../lib/paths";

const EXIT_UNUSABLE = 2;
/** A terraform command may take this long (remote state over the network, provider start-up). */
const TERRAFORM_TIMEOUT_MS = 10 * 60_000;

/** The run-step variables this step needs. */
const REQUIRED = ["DIR", "REPO_REL_DIR", "PROJECT_NAME", "WORKSPACE", "PLANFILE", "SHOWFILE", "HEAD_COMMIT"] as const;

export interface StepOutput {
  out(text: string): void;
  err(text: string): void;
}

const PROCESS_OUTPUT: StepOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** Is `name` an executable file in one of PATH's folders? */
function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/**
 * The binary Atlantis uses for this project: `<distribution><version>` (e.g. terraform1.11.4, which Atlantis puts
 * in the folder it appends to PATH), else the distribution's plain name.
 */
export function terraformBinary(env: NodeJS.ProcessEnv): string {
  const distribution = env.ATLANTIS_TERRAFORM_DISTRIBUTION || "terraform";
  const versioned = `${distribution}${env.ATLANTIS_TERRAFORM_VERSION ?? ""}`;
  return env.ATLANTIS_TERRAFORM_VERSION && onPath(versioned, env) ? versioned : distribution;
}

/** `terraform <args>` in `cwd`; its stdout, or a UserError naming the command and its error output. */
function terraform(binary: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const result = spawnSync(binary, args, {
    cwd,
    env: { ...env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" },
    encoding: "utf8",
    maxBuffer: 1024 * 1024 * 1024,
    timeout: TERRAFORM_TIMEOUT_MS,
  });
  if (result.error) throw new UserError([`${binary} ${args.join(" ")} (in ${cwd}): ${result.error.message}`]);
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout)
      // eslint-disable-next-line no-control-regex -- ESC on purpose: strips terraform's colour escapes (ESC [ ... m)
      .replace(/\x1b\[[0-9;]*m/g, "")
      .trim()
      .split("\n")
      .slice(0, 20)
      .join("\n  ");
    throw new UserError([`${binary} ${args.join(" ")} (in ${cwd}) failed with exit code ${result.status}:\n  ${detail}`]);
  }
  return result.stdout;
}

/**
 * `terraform show -json` of a stack's current state (from its backend), after `terraform init` when its dir has
 * never been initialized (Atlantis initializes only the projects it plans). Undefined when the state is empty (the
 * stack was never applied); a UserError naming the stack when it cannot be read.
 */
function currentState(binary: string, stack: string, dir: string, env: NodeJS.ProcessEnv, io: StepOutput): string | undefined {
  if (!fs.existsSync(path.join(dir, "cdk.tf.json")))
    throw new UserError([`${dir}: stack ${stack} has no cdk.tf.json; the hook's synth did not write it`]);
  const initialized =
    fs.existsSync(path.join(dir, ".terraform", "terraform.tfstate")) || fs.existsSync(path.join(dir, ".terraform", "providers"));
  if (!initialized) {
    io.err(`egress6: ${stack}: not initialized (no plan of it in this pull request); running ${binary} init to read its state\n`);
    terraform(binary, ["init", "-input=false", "-no-color"], dir, env);
  }
  const text = terraform(binary, ["show", "-json", "-no-color"], dir, env);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError([
      `${stack}: ${binary} show -json (in ${dir}) printed something that is not JSON (${(e as Error).message}); its state cannot be read`,
    ]);
  }
  const record = json !== null && typeof json === "object" ? (json as Record<string, unknown>) : {};
  if (typeof record.format_version !== "string")
    throw new UserError([`${stack}: ${binary} show -json (in ${dir}) printed no format_version; not a state`]);
  if (record.values === undefined) return undefined;
  if (record.values === null || typeof record.values !== "object")
    throw new UserError([`${stack}: ${binary} show -json (in ${dir}): values is not an object`]);
  return text;
}

interface Located {
  readonly root: string;
  readonly environment: string;
  readonly stack: string;
}

/** The repository root, environment and stack of the project dir; one line per problem. */
function locate(env: NodeJS.ProcessEnv): Located {
  const dir = env.DIR!;
  const rel = env.REPO_REL_DIR!.replace(/\\/g, "/");
  const match = new RegExp(`^${OUTPUT_ROOT.replace(/[.]/g, "\\.")}/([^/]+)/stacks/([^/]+)$`).exec(rel);
  if (!match) {
    throw new UserError([
      `REPO_REL_DIR: got ${JSON.stringify(rel)}; expected ${OUTPUT_ROOT}/<env>/stacks/<stack> (a project of the generated atlantis.yaml)`,
    ]);
  }
  const suffix = `${path.sep}${rel.split("/").join(path.sep)}`;
  if (!path.isAbsolute(dir) || !dir.endsWith(suffix)) {
    throw new UserError([`DIR: got ${JSON.stringify(dir)}; expected an absolute path ending in REPO_REL_DIR (${rel})`]);
  }
  return { root: dir.slice(0, -suffix.length), environment: match[1], stack: match[2] };
}

/** Set to 1 to let the step run a verifier (or itself) from the pull request's own clone. */
export const ALLOW_PR_VERIFIER = "EGRESS6_ALLOW_PR_VERIFIER";

/** Is `file` (after resolving links) `dir` or inside it? */
function within(file: string, dir: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const relative = path.relative(real(dir), real(file));
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/**
 * The verifier this step runs, and why it may be trusted. A pull request's clone holds the pull request's code, so
 * a step or verifier run from there is judged by the code under review, which can weaken it: both are refused
 * unless EGRESS6_ALLOW_PR_VERIFIER=1 says the server accepts that (docs/atlantis.md, "Which code judges a pull
 * request"). The verifier is EGRESS6_VERIFIER when set, else the one built beside this step.
 */
export function trustedVerifier(cloneRoot: string, env: NodeJS.ProcessEnv): { file: string; why: string } {
  const allowed = env[ALLOW_PR_VERIFIER] === "1";
  const problems: string[] = [];
  const step = projectRoot();
  const file = env.EGRESS6_VERIFIER || builtFile("verifier", "cli.js");
  if (
    env[ALLOW_PR_VERIFIER] !== undefined &&
    env[ALLOW_PR_VERIFIER] !== "1" &&
    env[ALLOW_PR_VERIFIER] !== "0" &&
    env[ALLOW_PR_VERIFIER] !== ""
  ) {
    problems.push(`${ALLOW_PR_VERIFIER}: got ${JSON.stringify(env[ALLOW_PR_VERIFIER])}; accepted: 1 (allow) or 0 / unset (refuse)`);
  }
  if (!allowed && within(step, cloneRoot)) {
    problems.push(
      `the verify step runs from the pull request's own clone (${step}), so the code under review would judge itself; run it from a trusted egress6 installed on the server (EGRESS6_HOME, docs/atlantis/repos.yaml), or set ${ALLOW_PR_VERIFIER}=1 to accept this`,
    );
  } else if (!allowed && within(file, cloneRoot)) {
    problems.push(
      `EGRESS6_VERIFIER: ${file} is inside the pull request's clone, so the code under review would judge itself; point it at a trusted build, or set ${ALLOW_PR_VERIFIER}=1 to accept this`,
    );
  }
  if (problems.length === 0 && !fs.existsSync(file))
    problems.push(
      `${env.EGRESS6_VERIFIER ? "EGRESS6_VERIFIER" : "verifier"}: ${file} does not exist (build the trusted install with npm ci && npm run build)`,
    );
  if (problems.length > 0) throw new UserError(problems);
  const inClone = within(file, cloneRoot);
  return { file, why: inClone ? `the pull request's own code, allowed by ${ALLOW_PR_VERIFIER}=1` : "outside the pull request's clone" };
}

/** Runs the step; returns the exit code. */
export function atlantisVerify(env: NodeJS.ProcessEnv = process.env, io: StepOutput = PROCESS_OUTPUT): number {
  let code: number;
  try {
    code = verifyProject(env, io);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    for (const line of e.problems) io.err(`error: ${line}\n`);
    code = EXIT_UNUSABLE;
  }
  if (code !== 0) reject(env, io);
  return code;
}

/** Renames this project's saved plan so that it cannot be applied. */
function reject(env: NodeJS.ProcessEnv, io: StepOutput): void {
  const planfile = env.PLANFILE;
  if (!planfile || !fs.existsSync(planfile)) return;
  fs.renameSync(planfile, `${planfile}.rejected`);
  io.err(
    `egress6: the plan was not proven safe; renamed ${planfile} to ${path.basename(planfile)}.rejected so that it cannot be applied\n`,
  );
}

function verifyProject(env: NodeJS.ProcessEnv, io: StepOutput): number {
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new UserError(
      missing.map((name) => `${name}: not set; this step runs as an Atlantis run step, which sets it (docs/atlantis.md)`),
    );
  }
  const { root, environment, stack } = locate(env);
  // Before anything else: the code that judges this pull request must not be the pull request's own.
  const verifier = trustedVerifier(root, env);
  const dir = env.DIR!;
  const workspace = env.WORKSPACE!;

  // The synthesized folder must be the one the hook made for this very commit.
  const { dir: envDir, record } = environmentRecord(root, environment);
  const problems: string[] = [];
  if (record.about.commit !== env.HEAD_COMMIT) {
    problems.push(
      `${envDir}: synthesized for commit ${record.about.commit ?? "(none)"}, but the pull request's head is ${env.HEAD_COMMIT}: the pre-workflow hook did not run or failed (run Atlantis with --fail-on-pre-workflow-hook-error)`,
    );
  }
  problems.push(...checkRecord(envDir, record, ["manifest.json", `stacks/${stack}/cdk.tf.json`]));
  if (problems.length > 0) throw new UserError(problems);

  const configFile = record.about.config;
  if (typeof configFile !== "string") throw new UserError([`${envDir}: its record names no config file`]);
  const { config } = loadConfig(path.join(root, configFile));
  const stacks = plannedStacks(readStacks(envDir));
  if (!stacks.some((s) => s.name === stack)) {
    throw new UserError([
      `${dir}: stack ${stack} is not planned by Atlantis in environment ${environment} (stacks: ${stacks.map((s) => s.name).join(", ")})`,
    ]);
  }
  const expectedProject = projectName(environment, stack);
  if (env.PROJECT_NAME !== expectedProject) {
    throw new UserError([
      `PROJECT_NAME: got ${JSON.stringify(env.PROJECT_NAME)}; the project of ${env.REPO_REL_DIR} is ${expectedProject} (regenerate atlantis.yaml: npm run atlantis -- generate)`,
    ]);
  }
  if (path.resolve(env.PLANFILE!) !== path.join(dir, planFileName(expectedProject, workspace))) {
    throw new UserError([
      `PLANFILE: got ${env.PLANFILE}; expected ${path.join(dir, planFileName(expectedProject, workspace))}. Saved plans kept outside the project dir (a separate plan store) hide the other projects' plans from this step`,
    ]);
  }
  if (!fs.existsSync(env.SHOWFILE!)) {
    throw new UserError([
      `SHOWFILE: ${env.SHOWFILE} does not exist; the workflow's plan stage must run "show" after "plan" (docs/atlantis/repos.yaml)`,
    ]);
  }

  const binary = terraformBinary(env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-atlantis-verify-"));
  try {
    const inputs: string[] = [];
    const ownPlan = path.join(work, `${stack}.plan.json`);
    fs.copyFileSync(env.SHOWFILE!, ownPlan);
    inputs.push(ownPlan);
    io.err(`egress6: ${stack}: this project's plan (${path.basename(env.SHOWFILE!)}); terraform binary ${binary}\n`);
    for (const other of stacks) {
      if (other.name === stack) continue;
      const otherDir = path.join(root, environmentDir(environment), "stacks", other.name);
      const planfile = path.join(otherDir, planFileName(projectName(environment, other.name), workspace));
      if (fs.existsSync(planfile)) {
        const file = path.join(work, `${other.name}.plan.json`);
        fs.writeFileSync(file, terraform(binary, ["show", "-json", "-no-color", planfile], otherDir, env));
        inputs.push(file);
        io.err(`egress6: ${other.name}: its saved plan in this pull request (${path.basename(planfile)})\n`);
      } else {
        const state = currentState(binary, other.name, otherDir, env, io);
        if (state === undefined) {
          io.err(
            `egress6: ${other.name}: no saved plan in this pull request and an empty state (never applied): not part of the environment this plan is proven in\n`,
          );
          continue;
        }
        const file = path.join(work, `${other.name}.state.json`);
        fs.writeFileSync(file, state);
        inputs.push(file);
        io.err(`egress6: ${other.name}: its current state (no saved plan in this pull request)\n`);
      }
    }
    io.err(`egress6: verifier ${verifier.file} (${verifier.why}), ports ${config.egress.ports.join(",")}\n`);
    const result = spawnSync(process.execPath, [verifier.file, "--ports", config.egress.ports.join(","), ...inputs], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    if (result.error) throw new UserError([`${verifier.file}: ${result.error.message}`]);
    io.out(result.stdout);
    io.err(result.stderr);
    return result.status ?? EXIT_UNUSABLE;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
