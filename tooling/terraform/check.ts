/**
 * The offline Terraform check: synthesize the app for each inspection mode into a temporary folder, then for every
 * stack, in dependency order, run `terraform init` and `plan` against the real provider schema with no network and
 * no AWS account, and count the resources each plan adds. There is no separate `terraform validate`: `plan`
 * validates the configuration first and reports the same errors, word for word (a validate step cost each stack a
 * third of its terraform time, loading the provider schema once more).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseConfig, UserError } from "../../config/load";
import type { Egress6Config } from "../../config/schema";
import { INSPECTION_MODES, type InspectionMode } from "../../config/modes";
import { synthesize } from "../../app/synthesize";
import { cliConfig, findProviderMirror, findProviderSource, MirrorNotFound, type ProviderMirror } from "./mirror";
import { batchRoot, moduleOutputs, splitPlan, type PlanDocument } from "./batch";
import { OVERRIDE_FILE_NAME, offlineOverride } from "./overrides";
import { StubRegistry, stubState, stubStatePath } from "./stub-state";
import { awsProviderVersion, readSynthesized, remoteStateProducers, type SynthesizedStack } from "./synthesized";
import { runTerraform, terraformEnv, terraformVersion, trimTerraformOutput, type CommandResult } from "./terraform";

/** The machine this runs on has 2 cores; each terraform plan keeps one busy. */
export const DEFAULT_CONCURRENCY = 2;

/** One terraform command may take this long before it is stopped. */
const COMMAND_TIMEOUT_MS = 5 * 60_000;

export type CheckStep = "stub" | "init" | "plan" | "show";

export interface StackCheckResult {
  readonly mode: InspectionMode;
  readonly stack: string;
  /** `same`: cdk.tf.json and the stubs it reads are byte-identical to those of `sameAs`, which was planned. */
  readonly status: "passed" | "failed" | "same";
  readonly sameAs?: InspectionMode;
  /** Managed resources the plan creates (Terraform's "to add"). */
  readonly resourcesToAdd?: number;
  /** The same, by resource type. */
  readonly addedByType?: Readonly<Record<string, number>>;
  /** Wall-clock seconds of init + plan + show (0 for `same`). */
  readonly seconds: number;
  readonly failure?: { readonly step: CheckStep; readonly message: string };
  /** Where the plan JSON was written, when a plans folder was given. */
  readonly planFile?: string;
  /** Planned as one of this many modules of one root (batch.ts); `seconds` is then that one plan's time. */
  readonly batched?: number;
}

export interface OfflineCheckReport {
  readonly results: readonly StackCheckResult[];
  /** True when every checked stack passed (a `same` result counts as its original). */
  readonly passed: boolean;
  readonly totalSeconds: number;
  readonly terraformVersion: string;
  readonly mirror: ProviderMirror;
  /** Stub outputs that were guessed from their name rather than evaluated (one line each). */
  readonly notes: readonly string[];
  /** The temporary folder, when kept. */
  readonly workDir?: string;
}

export interface OfflineCheckOptions {
  /** The configuration as read (before validation); each mode overrides its `inspection.mode`. */
  readonly config: unknown;
  /** Names the configuration in messages (a file name, or "(embedded demo)"). */
  readonly configSource: string;
  /** @default every inspection mode */
  readonly modes?: readonly InspectionMode[];
  /** Only these stacks. @default every stack in the manifest */
  readonly stacks?: readonly string[];
  /** Write each plan as `<plansDir>/<mode>/<stack>.plan.json`. */
  readonly plansDir?: string;
  /** @default DEFAULT_CONCURRENCY */
  readonly concurrency?: number;
  /** @default "terraform" */
  readonly terraformBinary?: string;
  /** @default a discovered mirror, else the public registry (see findProviderSource in mirror.ts) */
  readonly mirror?: ProviderMirror;
  /** The environment terraform's environment is derived from, and where EGRESS6_TF_MIRROR is read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Keep the temporary folder (synthesized stacks, stubs, plans) for inspection. @default false */
  readonly keepWorkDir?: boolean;
  /** The folder the temporary folder is made in. @default os.tmpdir() */
  readonly workRoot?: string;
  /** Synthesizes one configuration into `outdir`. @default synthesize (app/synthesize.ts) */
  readonly synth?: (config: Egress6Config, outdir: string) => void | Promise<void>;
  /**
   * Plan each stack only after the stacks it depends on (the order people read progress in). Every stack reads
   * stubs, not its producers' plans, so `false` lets independent plans share the cores. @default true
   */
  readonly inDependencyOrder?: boolean;
  /**
   * Plan every stack as a module of one generated root (one provider schema load for the run instead of two per
   * stack; see batch.ts), falling back to one root per stack when that plan fails, so a failure is always reported
   * by the stack's own plan, in the words a user's `terraform plan` in that folder prints. @default true
   */
  readonly batch?: boolean;
  /** Called as each stack's result is known, with how many are known so far and how many there are. */
  readonly onResult?: (result: StackCheckResult, done: number, total: number) => void;
}

export type Prerequisites =
  | { readonly ok: true; readonly terraformVersion: string; readonly mirror: ProviderMirror }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Is terraform installed, and is there a hashicorp/aws mirror (of `version`, when given)? */
export function checkPrerequisites(options: { terraformBinary?: string; env?: NodeJS.ProcessEnv; version?: string } = {}): Prerequisites {
  const problems: string[] = [];
  const tf = terraformVersion(options.terraformBinary ?? "terraform");
  if (!tf.ok) problems.push(`${tf.reason}; install Terraform >= 1.10`);
  let mirror: ProviderMirror | undefined;
  try {
    mirror = findProviderMirror({ env: options.env, version: options.version });
  } catch (e) {
    if (!(e instanceof MirrorNotFound)) throw e;
    problems.push(`provider mirror: ${e.message}`);
  }
  if (!tf.ok || mirror === undefined) return { ok: false, problems };
  return { ok: true, terraformVersion: tf.version, mirror };
}

/** `config` with `inspection.mode` replaced (left as it is when it is not an object: validation reports that). */
export function withMode(config: unknown, mode: InspectionMode): unknown {
  if (config === null || typeof config !== "object" || Array.isArray(config)) return config;
  const record = config as Record<string, unknown>;
  const inspection = record.inspection;
  if (inspection !== undefined && (inspection === null || typeof inspection !== "object" || Array.isArray(inspection))) return config;
  return { ...record, inspection: { ...(inspection as Record<string, unknown> | undefined), mode } };
}

interface Job {
  readonly mode: InspectionMode;
  readonly stack: SynthesizedStack;
  /** Jobs of the same mode this one waits for. */
  readonly dependencies: readonly Job[];
  /** Equal keys: identical configuration and identical stubs, so one plan answers for both. */
  readonly key: string;
  /** A problem found before terraform runs (a remote state no stack writes). */
  readonly setupFailure?: string;
}

export async function runOfflineCheck(options: OfflineCheckOptions): Promise<OfflineCheckReport> {
  const started = Date.now();
  const modes = [...new Set(options.modes ?? INSPECTION_MODES)];
  const env = options.env ?? process.env;
  const binary = options.terraformBinary ?? "terraform";
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const plansDir = options.plansDir === undefined ? undefined : path.resolve(options.plansDir);

  // Validate every mode's configuration before doing anything else; the same problem is reported once.
  const configs = modes.map((mode) => {
    try {
      return { mode, config: parseConfig(withMode(options.config, mode), options.configSource) };
    } catch (e) {
      if (e instanceof UserError) return { mode, problems: e.problems };
      throw e;
    }
  });
  const configProblems = [...new Set(configs.flatMap((c) => c.problems ?? []))];
  if (configProblems.length > 0) throw new UserError(configProblems);

  const tf = terraformVersion(binary);
  if (!tf.ok) throw new UserError([`${tf.reason}; install Terraform >= 1.10`]);

  const workDir = fs.mkdtempSync(path.join(options.workRoot ?? os.tmpdir(), "egress6-tf-check-"));
  try {
    const synthesized = new Map<InspectionMode, SynthesizedStack[]>();
    for (const { mode, config } of configs) {
      const outdir = path.join(workDir, mode, "cdktf.out");
      fs.mkdirSync(path.dirname(outdir), { recursive: true });
      await (options.synth ?? synthesize)(config!, outdir);
      synthesized.set(mode, readSynthesized(outdir));
    }

    const allNames = [...new Set([...synthesized.values()].flat().map((s) => s.name))];
    const unknownStacks = (options.stacks ?? []).filter((s) => !allNames.includes(s));
    if (unknownStacks.length > 0) {
      throw new UserError(unknownStacks.map((s) => `--stack: got "${s}"; accepted: ${allNames.join(", ")}`));
    }

    const version = [...synthesized.values()]
      .flat()
      .map((s) => awsProviderVersion(s.json))
      .find((v) => v !== undefined && /^\d+\.\d+\.\d+$/.test(v));
    let mirror: ProviderMirror;
    try {
      mirror = options.mirror ?? findProviderSource({ env, version });
    } catch (e) {
      if (e instanceof MirrorNotFound) throw new UserError([`provider mirror: ${e.message}`]);
      throw e;
    }

    const cliConfigFile = path.join(workDir, "terraform.rc");
    fs.writeFileSync(cliConfigFile, cliConfig(mirror.root));
    // A plugin cache only pays when providers are downloaded (the registry). From an unpacked mirror `init` links
    // the provider folder instead of copying it (facts-11 T10), and a shared cache is worse than useless: an `init`
    // with no lock file installs into the cache again, replacing the entry another stack's running plan reads
    // through its .terraform link ("no package ... cached in .terraform/providers", seen here).
    const pluginCacheDir = env.TF_PLUGIN_CACHE_DIR || (mirror.source === "registry" ? path.join(workDir, "plugin-cache") : undefined);
    if (pluginCacheDir !== undefined) fs.mkdirSync(pluginCacheDir, { recursive: true });
    const childEnv = terraformEnv({ cliConfigFile, pluginCacheDir, base: env });

    const notes: string[] = [];
    const jobs: Job[] = [];
    for (const { mode, config } of configs) {
      const stacks = synthesized.get(mode)!;
      const modeDir = path.join(workDir, mode);
      const stubs = writeStubs(stacks, modeDir, config!.region, notes);
      const byName = new Map<string, Job>();
      for (const stack of stacks) {
        const job = prepareJob(mode, stack, stacks, modeDir, stubs, byName);
        byName.set(stack.name, job);
        if (options.stacks === undefined || options.stacks.includes(stack.name)) jobs.push(job);
      }
    }

    // Inits take turns only when they share a plugin cache; from a mirror each links its own .terraform.
    const initTurn = pluginCacheDir !== undefined ? serialized() : <T>(task: () => Promise<T>) => task();
    if (options.inDependencyOrder === false) for (const [i, job] of jobs.entries()) jobs[i] = { ...job, dependencies: [] };
    const batched =
      options.batch === false
        ? undefined
        : await runBatch(jobs, { binary, env: childEnv, workDir, plansDir, initTurn, notes, onResult: options.onResult });
    const results =
      batched ??
      (await schedule(
        jobs,
        concurrency,
        async (job) => runJob(job, binary, childEnv, plansDir, initTurn),
        (original, copy) => sameAs(original, copy, plansDir),
        options.onResult,
      ));
    const ordered = jobs.map((job) => results.get(job)!);
    return {
      results: ordered,
      passed: ordered.every((r) => r.status !== "failed"),
      totalSeconds: (Date.now() - started) / 1000,
      terraformVersion: tf.version,
      mirror,
      notes: [...new Set(notes)],
      workDir: options.keepWorkDir ? workDir : undefined,
    };
  } finally {
    if (!options.keepWorkDir) fs.rmSync(workDir, { recursive: true, force: true });
  }
}

interface BatchContext {
  readonly binary: string;
  readonly env: NodeJS.ProcessEnv;
  readonly workDir: string;
  readonly plansDir: string | undefined;
  readonly initTurn: ReturnType<typeof serialized>;
  readonly notes: string[];
  readonly onResult?: (result: StackCheckResult, done: number, total: number) => void;
}

/**
 * Plans every distinct stack as a module of one root (batch.ts) and cuts the plan back per stack. Returns undefined,
 * with a note, when there is nothing to share or when any step fails: the caller then plans each stack on its own,
 * which names the failing stack and prints terraform's own words for it.
 */
async function runBatch(jobs: readonly Job[], ctx: BatchContext): Promise<Map<Job, StackCheckResult> | undefined> {
  const original = new Map<string, Job>();
  for (const job of jobs) if (!original.has(job.key)) original.set(job.key, job);
  const members = [...original.values()];
  if (members.length < 2 || jobs.some((j) => j.setupFailure !== undefined)) return undefined;

  const started = Date.now();
  const root = path.join(ctx.workDir, "batch");
  const moduleOf = new Map(members.map((job) => [job, `${job.mode}-${job.stack.name}`]));
  const fallBack = (why: string) => {
    ctx.notes.push(`planning the stacks as one root failed (${why}); each stack was planned on its own instead`);
    return undefined;
  };
  try {
    fs.mkdirSync(root, { recursive: true });
    const withOutputs = await Promise.all(
      members.map(async (job) => ({ module: moduleOf.get(job)!, dir: job.stack.dir, outputs: await moduleOutputs(job.stack.dir) })),
    );
    fs.writeFileSync(path.join(root, "main.tf.json"), `${JSON.stringify(batchRoot(root, withOutputs), null, 2)}\n`);
  } catch (e) {
    return fallBack((e as Error).message);
  }
  const terraform = (args: string[]): Promise<CommandResult> => runTerraform(ctx.binary, args, root, ctx.env, COMMAND_TIMEOUT_MS);
  for (const [step, args] of [
    ["init", ["init", "-input=false", "-no-color"]],
    ["plan", ["plan", "-input=false", "-no-color", "-lock=false", "-out=tfplan"]],
  ] as const) {
    const result = await (step === "init" ? ctx.initTurn(() => terraform([...args])) : terraform([...args]));
    if (result.timedOut || result.code !== 0)
      return fallBack(`terraform ${step} exited ${result.timedOut ? "on its time limit" : result.code}`);
  }
  const show = await terraform(["show", "-json", "-no-color", "tfplan"]);
  if (show.timedOut || show.code !== 0) return fallBack(`terraform show exited ${show.timedOut ? "on its time limit" : show.code}`);
  const seconds = (Date.now() - started) / 1000;

  const done = new Map<Job, StackCheckResult>();
  try {
    const plan = JSON.parse(show.stdout) as PlanDocument;
    const perMember = new Map<Job, StackCheckResult>();
    for (const job of members) {
      const own = splitPlan(plan, moduleOf.get(job)!);
      const { total, byType } = resourcesToAdd(own as PlanJson);
      let planFile: string | undefined;
      if (ctx.plansDir !== undefined) {
        planFile = planPath(ctx.plansDir, job.mode, job.stack.name);
        fs.mkdirSync(path.dirname(planFile), { recursive: true });
        fs.writeFileSync(planFile, JSON.stringify(own));
      }
      perMember.set(job, {
        mode: job.mode,
        stack: job.stack.name,
        status: "passed",
        resourcesToAdd: total,
        addedByType: byType,
        seconds,
        planFile,
        batched: members.length,
      });
    }
    for (const job of jobs) {
      const first = original.get(job.key)!;
      done.set(job, first === job ? perMember.get(job)! : sameAs(perMember.get(first)!, job, ctx.plansDir));
    }
  } catch (e) {
    return fallBack((e as Error).message);
  }
  let count = 0;
  for (const job of jobs) ctx.onResult?.(done.get(job)!, ++count, jobs.length);
  return done;
}

/**
 * Writes the stub state of every stack (producers first, so a stub that passes on another stack's output gets that
 * stub's value); returns each stack's stub file and text, or why it could not be built.
 */
function writeStubs(
  stacks: readonly SynthesizedStack[],
  modeDir: string,
  region: string,
  notes: string[],
): Map<string, { file: string; text: string } | Error> {
  const names = stacks.map((s) => s.name);
  const stubs = new Map<string, { file: string; text: string } | Error>();
  const outputsOf = new Map<string, Record<string, unknown>>();
  const registry = new StubRegistry();
  for (const stack of stacks) {
    const producers = remoteStateProducers(stack.json, names);
    try {
      const result = stubState(stack.json, {
        stack: stack.name,
        defaultRegion: region,
        registry,
        remoteOutputs: (dataName) => {
          const producer = producers.get(dataName);
          return producer === undefined ? undefined : outputsOf.get(producer);
        },
      });
      notes.push(...result.notes);
      outputsOf.set(stack.name, Object.fromEntries(Object.entries(result.state.outputs).map(([k, v]) => [k, v.value])));
      const file = stubStatePath(modeDir, stack.name);
      const text = `${JSON.stringify(result.state, null, 2)}\n`;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      stubs.set(stack.name, { file, text });
    } catch (e) {
      stubs.set(stack.name, e as Error);
    }
  }
  return stubs;
}

function prepareJob(
  mode: InspectionMode,
  stack: SynthesizedStack,
  stacks: readonly SynthesizedStack[],
  modeDir: string,
  stubs: ReadonlyMap<string, { file: string; text: string } | Error>,
  jobsByName: ReadonlyMap<string, Job>,
): Job {
  const hash = createHash("sha256").update(stack.name).update("\0").update(stack.text);
  const remoteStates = new Map<string, string>();
  const problems: string[] = [];
  const producers = remoteStateProducers(
    stack.json,
    stacks.map((s) => s.name),
  );
  for (const [dataName, producer] of [...producers].sort(([a], [b]) => a.localeCompare(b))) {
    const stub = producer === undefined ? undefined : stubs.get(producer);
    if (producer === undefined) {
      problems.push(`data.terraform_remote_state.${dataName} reads a state that no stack in the manifest writes`);
    } else if (stub instanceof Error) {
      problems.push(`cannot build a stub state for ${producer}: ${stub.message}`);
    } else if (stub !== undefined) {
      remoteStates.set(dataName, stub.file);
      hash.update("\0").update(dataName).update("\0").update(stub.text);
    }
  }
  const stateFile = path.join(modeDir, "state", `${stack.name}.tfstate`);
  fs.mkdirSync(path.dirname(stateFile), { recursive: true });
  fs.writeFileSync(
    path.join(stack.dir, OVERRIDE_FILE_NAME),
    `${JSON.stringify(offlineOverride(stack.json, { statePath: stateFile, remoteStates }), null, 2)}\n`,
  );
  return {
    mode,
    stack,
    dependencies: stack.dependencies.map((d) => jobsByName.get(d)).filter((j): j is Job => j !== undefined),
    key: hash.digest("hex"),
    setupFailure: problems.length > 0 ? problems.join("; ") : undefined,
  };
}

/**
 * Runs jobs at most `concurrency` at a time, each after the jobs it depends on; a job whose key equals an earlier
 * job's takes that job's result instead of running. A job whose dependency failed still runs: it reads stubs, not
 * its producer's plan, and its own errors are worth seeing.
 */
async function schedule(
  jobs: readonly Job[],
  concurrency: number,
  run: (job: Job) => Promise<StackCheckResult>,
  copy: (original: StackCheckResult, job: Job) => StackCheckResult,
  onResult?: (result: StackCheckResult, done: number, total: number) => void,
): Promise<Map<Job, StackCheckResult>> {
  const done = new Map<Job, StackCheckResult>();
  const running = new Set<Promise<void>>();
  const started = new Set<Job>();
  const original = new Map<string, Job>();
  for (const job of jobs) if (!original.has(job.key)) original.set(job.key, job);
  const finish = (job: Job, result: StackCheckResult) => {
    done.set(job, result);
    onResult?.(result, done.size, jobs.length);
  };

  while (done.size < jobs.length) {
    let progressed = false;
    for (const job of jobs) {
      if (started.has(job) || !job.dependencies.every((d) => done.has(d) || !jobs.includes(d))) continue;
      const first = original.get(job.key)!;
      if (first !== job) {
        if (done.has(first)) {
          started.add(job);
          finish(job, copy(done.get(first)!, job));
          progressed = true;
        }
        continue;
      }
      if (running.size >= concurrency) continue;
      started.add(job);
      const task: Promise<void> = run(job).then((result) => {
        running.delete(task);
        finish(job, result);
      });
      running.add(task);
      progressed = true;
    }
    if (!progressed) {
      if (running.size === 0) throw new Error("offline check: jobs wait for each other (dependency cycle)");
      await Promise.race(running);
    }
  }
  return done;
}

function sameAs(original: StackCheckResult, job: Job, plansDir: string | undefined): StackCheckResult {
  let planFile: string | undefined;
  if (plansDir !== undefined && original.planFile !== undefined) {
    planFile = planPath(plansDir, job.mode, job.stack.name);
    fs.mkdirSync(path.dirname(planFile), { recursive: true });
    fs.copyFileSync(original.planFile, planFile);
  }
  return {
    mode: job.mode,
    stack: job.stack.name,
    status: original.status === "failed" ? "failed" : "same",
    sameAs: original.mode,
    resourcesToAdd: original.resourcesToAdd,
    addedByType: original.addedByType,
    seconds: 0,
    failure: original.failure,
    planFile,
  };
}

export function planPath(plansDir: string, mode: InspectionMode, stack: string): string {
  return path.join(plansDir, mode, `${stack}.plan.json`);
}

interface PlanJson {
  readonly resource_changes?: readonly {
    readonly mode: string;
    readonly type: string;
    readonly change: { readonly actions: readonly string[] };
  }[];
}

/** Managed resources a plan creates (including replacements), in total and by type. */
export function resourcesToAdd(plan: PlanJson): { total: number; byType: Record<string, number> } {
  const byType: Record<string, number> = {};
  let total = 0;
  for (const change of plan.resource_changes ?? []) {
    if (change.mode !== "managed" || !change.change.actions.includes("create")) continue;
    byType[change.type] = (byType[change.type] ?? 0) + 1;
    total++;
  }
  return { total, byType };
}

/**
 * Runs `task` after every task queued before it: `terraform init`s take turns, because the plugin cache they
 * share is not safe for concurrent use (Terraform CLI docs, "Provider Plugin Cache").
 */
function serialized(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const result = tail.then(task, task);
    tail = result.catch(() => undefined);
    return result;
  };
}

async function runJob(
  job: Job,
  binary: string,
  env: NodeJS.ProcessEnv,
  plansDir: string | undefined,
  initTurn: ReturnType<typeof serialized>,
): Promise<StackCheckResult> {
  const started = Date.now();
  const base = { mode: job.mode, stack: job.stack.name };
  const seconds = () => (Date.now() - started) / 1000;
  const failed = (step: CheckStep, message: string): StackCheckResult => ({
    ...base,
    status: "failed",
    seconds: seconds(),
    failure: { step, message },
  });
  if (job.setupFailure !== undefined) return failed("stub", job.setupFailure);

  const cwd = job.stack.dir;
  const terraform = (args: string[]): Promise<CommandResult> => runTerraform(binary, args, cwd, env, COMMAND_TIMEOUT_MS);
  const problem = (result: CommandResult): string | undefined => {
    if (result.timedOut) return `stopped after ${COMMAND_TIMEOUT_MS / 1000} s`;
    if (result.code === 0) return undefined;
    return trimTerraformOutput(result.stderr.trim() !== "" ? result.stderr : result.stdout) || `exit code ${result.code}`;
  };

  // No `validate`: plan validates first, with the same messages.
  const steps: [CheckStep, string[]][] = [
    ["init", ["init", "-input=false", "-no-color"]],
    ["plan", ["plan", "-input=false", "-no-color", "-lock=false", "-out=tfplan"]],
  ];
  for (const [step, args] of steps) {
    const message = problem(await (step === "init" ? initTurn(() => terraform(args)) : terraform(args)));
    if (message !== undefined) return failed(step, message);
  }
  const show = await terraform(["show", "-json", "-no-color", "tfplan"]);
  const showProblem = problem(show);
  if (showProblem !== undefined) return failed("show", showProblem);
  let plan: PlanJson;
  try {
    plan = JSON.parse(show.stdout) as PlanJson;
  } catch (e) {
    return failed("show", `terraform show -json printed something that is not JSON (${(e as Error).message})`);
  }
  const { total, byType } = resourcesToAdd(plan);
  let planFile: string | undefined;
  if (plansDir !== undefined) {
    planFile = planPath(plansDir, job.mode, job.stack.name);
    fs.mkdirSync(path.dirname(planFile), { recursive: true });
    fs.writeFileSync(planFile, show.stdout);
  }
  return { ...base, status: "passed", resourcesToAdd: total, addedByType: byType, seconds: seconds(), planFile };
}
