/**
 * egress6 in Atlantis: the environments Atlantis plans, the repo-level `atlantis.yaml` made from the app's stacks,
 * and the synth the server's pre-workflow hook runs (docs/atlantis.md).
 *
 * Layout in an Atlantis clone: `atlantis.out/<env>/stacks/<stack>/cdk.tf.json`, one Atlantis project per stack of
 * each environment, named `<env>-<stack>`. The folder is written by `npm run atlantis -- synth` (the hook) and
 * updated in place (cli/atlantis/output-update.ts), so that re-synthesizing never rewrites a stack whose output did not
 * change, nor any other project's `.terraform/`, lock file or saved plan.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig, readConfigBytes, readConfigFile, UserError } from "../../config/load";
import type { Egress6Config } from "../../config/schema";
import { currentGeneration, GENERATION_MARKER } from "../../app/output/synth-folder";
import { synthesize } from "../../app/synthesize";
import { checkTarget, listFiles, readRecord, RECORD_FILE, sha256, updateInPlace, type UpdateResult } from "./output-update";

/** The committed list of environments Atlantis plans, relative to the repository root. */
export const ENVIRONMENTS_FILE = "config/atlantis/environments.yaml";
/** The repo-level Atlantis configuration (Atlantis reads it at the repository root). */
export const ATLANTIS_YAML = "atlantis.yaml";
/** Where the hook synthesizes each environment, relative to the repository root. */
export const OUTPUT_ROOT = "atlantis.out";
/** The server-side workflow every project uses (docs/atlantis/repos.yaml defines it). */
export const WORKFLOW = "egress6";
/** Pre-workflow hooks run only in the clone of the `default` workspace, so every project stays on it. */
export const WORKSPACE = "default";

export interface AtlantisEnvironment {
  /** The config's `name`: the environment's folder and the prefix of its project names. */
  readonly name: string;
  /** The config file, relative to the repository root, `/`-separated. */
  readonly configFile: string;
  readonly config: Egress6Config;
}

export interface AtlantisStack {
  readonly name: string;
  /** Stacks of the same environment this one depends on (the cdktf manifest's dependencies). */
  readonly dependencies: readonly string[];
  /** The stack's state backend type in the synthesized Terraform (`s3`, `local`, ...). */
  readonly backend: string;
}

export interface AtlantisProject {
  readonly name: string;
  readonly environment: string;
  readonly stack: string;
  /** Relative to the repository root. */
  readonly dir: string;
  readonly dependsOn: readonly string[];
  readonly executionOrderGroup: number;
  readonly whenModified: readonly string[];
}

export function projectName(environment: string, stack: string): string {
  return `${environment}-${stack}`;
}

export function environmentDir(environment: string): string {
  return `${OUTPUT_ROOT}/${environment}`;
}

export function stackDir(environment: string, stack: string): string {
  return `${environmentDir(environment)}/stacks/${stack}`;
}

/**
 * The name Atlantis gives a project's saved plan inside the project dir: `<name>-<workspace>.tfplan`, a `/` in the
 * name written `::` (runatlantis/atlantis server/core/runtime: GetPlanFilename).
 */
export function planFileName(project: string, workspace: string): string {
  return `${project.replace(/\//g, "::")}-${workspace}.tfplan`;
}

/** Reads the environments file; one line per problem. */
export function readEnvironments(root: string): AtlantisEnvironment[] {
  const file = path.join(root, ENVIRONMENTS_FILE);
  const raw = readConfigFile(file) as { environments?: unknown } | null;
  const entries = raw !== null && typeof raw === "object" ? raw.environments : undefined;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new UserError([
      `${ENVIRONMENTS_FILE}: environments: expected a list of at least one { config: FILE } (config files relative to the repository root)`,
    ]);
  }
  const problems: string[] = [];
  const environments: AtlantisEnvironment[] = [];
  entries.forEach((entry: unknown, i) => {
    const where = `${ENVIRONMENTS_FILE}: environments[${i}]`;
    const keys = entry !== null && typeof entry === "object" ? Object.keys(entry) : [];
    const configFile = (entry as { config?: unknown } | null)?.config;
    if (typeof configFile !== "string" || configFile === "" || keys.some((k) => k !== "config")) {
      problems.push(`${where}: got ${JSON.stringify(entry)}; expected { config: FILE } with FILE relative to the repository root`);
      return;
    }
    const normalized = path.posix.normalize(configFile.replace(/\\/g, "/"));
    if (path.posix.isAbsolute(normalized) || normalized.startsWith("../")) {
      problems.push(`${where}.config: got ${JSON.stringify(configFile)}; expected a file inside the repository, relative to its root`);
      return;
    }
    try {
      const { config } = loadConfig(path.join(root, normalized));
      environments.push({ name: config.name, configFile: normalized, config });
    } catch (e) {
      if (e instanceof UserError) problems.push(...e.problems);
      else throw e;
    }
  });
  const seen = new Map<string, string>();
  for (const env of environments) {
    const other = seen.get(env.name);
    if (other !== undefined)
      problems.push(
        `${ENVIRONMENTS_FILE}: ${env.configFile} and ${other} both name environment "${env.name}"; each environment needs its own name`,
      );
    seen.set(env.name, env.configFile);
  }
  if (problems.length > 0) throw new UserError(problems);
  return environments;
}

/** The stacks of a synthesized output folder, from its manifest and each stack's backend. */
export function readStacks(outdir: string): AtlantisStack[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { name: string; dependencies?: string[]; synthesizedStackPath: string }>;
  };
  return Object.values(manifest.stacks).map((s) => {
    const json = JSON.parse(fs.readFileSync(path.join(outdir, s.synthesizedStackPath), "utf8")) as {
      terraform?: { backend?: Record<string, unknown> };
    };
    const backends = Object.keys(json.terraform?.backend ?? {});
    return {
      name: s.name,
      dependencies: [...(s.dependencies ?? [])],
      backend: backends.length === 1 ? backends[0] : backends.length === 0 ? "local" : backends.join("+"),
    };
  });
}

/**
 * The stacks Atlantis plans: every stack whose state is not local. Local state would live in Atlantis's clone of
 * the pull request, which Atlantis deletes when the pull request closes (the bootstrap stack keeps local state by
 * design and is deployed once per account by hand).
 */
export function plannedStacks(stacks: readonly AtlantisStack[]): AtlantisStack[] {
  return stacks.filter((s) => s.backend !== "local");
}

/** Source files that change what an environment synthesizes or how its plans are verified (repository-relative). */
export function sourcePatterns(env: AtlantisEnvironment): string[] {
  return [
    "main.ts",
    "app/**/*.ts",
    "cli/**/*.ts",
    "config/**/*.ts",
    "stacks/**/*.ts",
    "modules/**/*.ts",
    "lib/**/*.ts",
    "lambda/**/*.ts",
    "verifier/**/*.ts",
    "package.json",
    "package-lock.json",
    "tooling/build.js",
    "tooling/zip.js",
    env.configFile,
  ];
}

/** Atlantis joins each `when_modified` pattern onto the project dir, so the patterns climb back to the root. */
function relativeToDir(dir: string, pattern: string): string {
  const up = dir
    .split("/")
    .map(() => "..")
    .join("/");
  return `${up}/${pattern}`;
}

/** The projects of one environment, from its synthesized stacks; one line per problem. */
export function environmentProjects(env: AtlantisEnvironment, stacks: readonly AtlantisStack[]): AtlantisProject[] {
  const planned = plannedStacks(stacks);
  const problems: string[] = [];
  if (planned.length === 0) {
    problems.push(
      `${env.configFile}: environment "${env.name}" keeps every stack's state locally (backend.type local); Atlantis deletes its clone when the pull request closes, so use backend.type s3`,
    );
  }
  const names = new Set(planned.map((s) => s.name));
  for (const s of planned) {
    for (const d of s.dependencies) {
      if (!names.has(d))
        problems.push(
          `${env.configFile}: stack ${s.name} depends on ${d}, which keeps its state locally and so is not an Atlantis project`,
        );
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  const group = new Map<string, number>();
  const levelOf = (name: string, seen: readonly string[]): number => {
    if (seen.includes(name)) throw new UserError([`${env.configFile}: stack dependencies form a cycle: ${[...seen, name].join(" -> ")}`]);
    const known = group.get(name);
    if (known !== undefined) return known;
    const stack = planned.find((s) => s.name === name)!;
    const level = stack.dependencies.length === 0 ? 0 : 1 + Math.max(...stack.dependencies.map((d) => levelOf(d, [...seen, name])));
    group.set(name, level);
    return level;
  };
  return planned
    .map((s) => ({ s, level: levelOf(s.name, []) }))
    .sort((a, b) => a.level - b.level || a.s.name.localeCompare(b.s.name))
    .map(({ s, level }) => {
      const dir = stackDir(env.name, s.name);
      return {
        name: projectName(env.name, s.name),
        environment: env.name,
        stack: s.name,
        dir,
        dependsOn: s.dependencies.map((d) => projectName(env.name, d)),
        executionOrderGroup: level,
        whenModified: sourcePatterns(env).map((p) => relativeToDir(dir, p)),
      };
    });
}

/** Synthesizes an environment into a new temporary folder (removed by `done`). */
export function synthesizeToTemporary(config: Egress6Config): { dir: string; done: () => void } {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-atlantis-"));
  const dir = path.join(parent, "out");
  try {
    synthesize(config, dir);
  } catch (e) {
    fs.rmSync(parent, { recursive: true, force: true });
    throw e;
  }
  // The generation in force holds the output as plain files (the output folder reaches them through links).
  return { dir: currentGeneration(dir), done: () => fs.rmSync(parent, { recursive: true, force: true }) };
}

/** Every project of every environment (each environment is synthesized into a temporary folder to read its stacks). */
export function atlantisProjects(environments: readonly AtlantisEnvironment[]): AtlantisProject[] {
  return environments.flatMap((env) => {
    const out = synthesizeToTemporary(env.config);
    try {
      return environmentProjects(env, readStacks(out.dir));
    } finally {
      out.done();
    }
  });
}

/** The text of `atlantis.yaml` for these projects. */
export function renderAtlantisYaml(environments: readonly AtlantisEnvironment[], projects: readonly AtlantisProject[]): string {
  // Loaded only to render atlantis.yaml: `atlantis verify`, which runs for every plan and imports this module, does not
  // pay yaml's start-up time (~0.1 s).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (start-up time, see above)
  const YAML = require("yaml") as typeof import("yaml");
  const doc = {
    version: 3,
    // One project at a time, in execution order (dependencies first): a project's verify step then sees the plans
    // its dependencies made earlier in the same run.
    parallel_plan: false,
    // Applies run group by group (a group's stacks never depend on each other), and a failed group stops the groups
    // after it, so no stack is applied over a dependency that failed. Atlantis honours abort_on_execution_order_fail
    // only on the parallel path (runatlantis/atlantis server/events/project_command_pool_executor.go), hence
    // parallel_apply: true.
    parallel_apply: true,
    abort_on_execution_order_fail: true,
    projects: projects.map((p) => ({
      name: p.name,
      dir: p.dir,
      workspace: WORKSPACE,
      workflow: WORKFLOW,
      // Only execution_order_group orders the projects: combined with depends_on, a global `atlantis apply` refuses a
      // project whose dependency it applied moments before in the same command (runatlantis/atlantis#5791), so
      // depends_on is not written. The dependencies stay in AtlantisProject.dependsOn (tests check the groups against them).
      execution_order_group: p.executionOrderGroup,
      autoplan: { enabled: true, when_modified: [...p.whenModified] },
    })),
  };
  const header = [
    "# Generated by `npm run atlantis -- generate` from the app's stacks; do not edit (a test checks it is current).",
    `# Environments (${ENVIRONMENTS_FILE}): ${environments.map((e) => `${e.name} = ${e.configFile}`).join(", ")}.`,
    `# Atlantis plans ${OUTPUT_ROOT}/<env>/stacks/<stack>, which the server's pre-workflow hook synthesizes`,
    "# (`npm run atlantis -- synth`); workflow egress6 is defined server-side: see docs/atlantis.md and docs/atlantis/repos.yaml.",
    "",
  ].join("\n");
  return header + YAML.stringify(doc, { lineWidth: 0 });
}

/** The atlantis.yaml the app's stacks call for (repository root `root`). */
export function generatedAtlantisYaml(root: string): string {
  const environments = readEnvironments(root);
  return renderAtlantisYaml(environments, atlantisProjects(environments));
}

/** The hook's synth of one environment, and what it changed. */
export interface EnvironmentSynth {
  readonly environment: string;
  readonly dir: string;
  readonly result: UpdateResult;
}

/**
 * Synthesizes every environment and updates `atlantis.out/<env>` in place, recording the commit (the hook's
 * HEAD_COMMIT) and the config's digest.
 *
 * Nothing is written until everything that can be checked has been: every environment is synthesized and its
 * projects worked out, and every target folder is checked (a folder egress6 did not write, or an unreadable record,
 * is refused), so a bad config, a failed synth or a refused folder leaves every environment's folder as it was.
 * Only a failure of the disk itself part-way through the writes can leave an environment half updated; each file is
 * written whole (temporary file and rename) and the record last, so the verify step then refuses the stale folder
 * (its files do not match the record) instead of planning it.
 */
export function synthesizeEnvironments(root: string, commit: string | undefined): EnvironmentSynth[] {
  const environments = readEnvironments(root);
  const outputs: { env: AtlantisEnvironment; out: { dir: string; done: () => void } }[] = [];
  try {
    for (const env of environments) outputs.push({ env, out: synthesizeToTemporary(env.config) });
    for (const { env, out } of outputs) environmentProjects(env, readStacks(out.dir));
    // Every target checked before the first write: a refusal of the second environment's folder must not come
    // after the first environment was already updated.
    const targets = outputs.map(({ env }) => path.join(root, environmentDir(env.name)));
    const problems: string[] = [];
    for (const [i, dir] of targets.entries()) {
      try {
        checkTarget(
          dir,
          path.relative(root, dir),
          listFiles(outputs[i].out.dir).filter((f) => f !== RECORD_FILE && f !== GENERATION_MARKER),
        );
      } catch (e) {
        if (e instanceof UserError) problems.push(...e.problems);
        else throw e;
      }
    }
    if (problems.length > 0) throw new UserError(problems);
    return outputs.map(({ env, out }, i) => {
      const dir = targets[i];
      const result = updateInPlace(
        out.dir,
        dir,
        {
          tool: "egress6 atlantis synth",
          environment: env.name,
          config: env.configFile,
          configSha256: sha256(readConfigBytes(path.join(root, env.configFile))),
          commit: commit ?? null,
        },
        environmentDir(env.name),
      );
      return { environment: env.name, dir, result };
    });
  } finally {
    for (const { out } of outputs) out.done();
  }
}

/** The record of an environment's folder, or a UserError saying the hook has not synthesized it. */
export function environmentRecord(root: string, environment: string) {
  const dir = path.join(root, environmentDir(environment));
  const record = fs.existsSync(dir) ? readRecord(dir) : undefined;
  if (record === undefined) {
    throw new UserError([
      `${dir}: not synthesized by "npm run atlantis -- synth" (no record); check the pre-workflow hook's status on the pull request`,
    ]);
  }
  return { dir, record };
}
