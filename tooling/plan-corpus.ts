#!/usr/bin/env node
/**
 * `npm run corpus:plan [-- CASE ...]`
 *
 * Plans the verifier's corpus of hand-written Terraform configurations (__tests__/fixtures/plan-corpus/<case>/)
 * offline and stores each plan as `plan.json.gz` (gzip of `terraform show -json` of the saved plan), so the test
 * suite reads stored plans and never runs terraform. For each case: copy its configuration to a temporary folder,
 * add an override file that gives the AWS provider dummy credentials and skips every call it would make before a
 * plan (OFFLINE_AWS_PROVIDER, the settings tf:check uses), copy in any public module the case names from the environment variable the
 * case declares, then `terraform init`, `plan -out`, `show -json`. A case folder is never touched until its plan has
 * succeeded, so a failed run leaves the stored plan as it was.
 *
 * Settings a case may give in expect.json under "plan":
 *   "vars":    { "name": "value" }                     passed as -var name=value
 *   "modules": { "vendor/terraform-aws-vpc": "EGRESS6_VPC_MODULE_DIR" }
 *              copies the folder named by that environment variable to that path inside the temporary copy
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { runCli } from "../cli/shared/run-cli";
import { UserError } from "../lib/errors";
import { cliConfig, findProviderMirror, MirrorNotFound } from "./terraform/mirror";
import { OFFLINE_AWS_PROVIDER } from "./terraform/overrides";
import { runTerraform, terraformEnv, terraformVersion, trimTerraformOutput } from "./terraform/terraform";

const USAGE = "usage: npm run corpus:plan [-- CASE ...]  (default: every folder of __tests__/fixtures/plan-corpus)";

export const CORPUS_DIR = path.resolve(__dirname, "..", "..", "__tests__", "fixtures", "plan-corpus");
const PLAN_FILE = "plan.json.gz";
const EXPECT_FILE = "expect.json";
/** Files of a case folder that are not configuration. */
const NOT_CONFIGURATION = new Set([PLAN_FILE, EXPECT_FILE, "README.md"]);
const OVERRIDE_FILE = "zz_corpus_offline_override.tf.json";
const COMMAND_TIMEOUT_MS = 5 * 60_000;
/** Two cores: one terraform plan each. */
const CONCURRENCY = 2;

interface PlanSettings {
  readonly vars: Readonly<Record<string, string>>;
  readonly modules: Readonly<Record<string, string>>;
}

function caseNames(): string[] {
  return fs
    .readdirSync(CORPUS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

function planSettings(caseDir: string, name: string): PlanSettings {
  const file = path.join(caseDir, EXPECT_FILE);
  let expect: unknown;
  try {
    expect = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UserError([`${name}/${EXPECT_FILE}: cannot be read as JSON (${(e as Error).message})`]);
  }
  const plan = (expect as { plan?: { vars?: unknown; modules?: unknown } }).plan ?? {};
  const strings = (value: unknown, field: string): Record<string, string> => {
    if (value === undefined) return {};
    if (value === null || typeof value !== "object" || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
      throw new UserError([`${name}/${EXPECT_FILE}: plan.${field}: expected an object of strings, got ${JSON.stringify(value)}`]);
    }
    return value as Record<string, string>;
  };
  return { vars: strings(plan.vars, "vars"), modules: strings(plan.modules, "modules") };
}

/** Problems with the modules a case needs from the environment (one line each), before anything runs. */
function moduleProblems(name: string, settings: PlanSettings): string[] {
  const problems: string[] = [];
  for (const [target, variable] of Object.entries(settings.modules)) {
    const dir = process.env[variable];
    if (dir === undefined || dir === "") {
      problems.push(
        `${name}: needs the public module at ${target}; set ${variable} to a checkout of it (see __tests__/fixtures/plan-corpus/README.md)`,
      );
    } else if (!fs.existsSync(path.join(dir, "main.tf"))) {
      problems.push(`${name}: ${variable}=${dir}: expected a Terraform module folder (no main.tf there)`);
    }
  }
  return problems;
}

/** Has the case's configuration a `provider "aws"` block for the override to merge into? */
function declaresAwsProvider(files: readonly string[]): boolean {
  return files.some((f) => {
    const text = fs.readFileSync(f, "utf8");
    return f.endsWith(".tf.json") ? /"provider"\s*:\s*\{[^]*"aws"/.test(text) : /^\s*provider\s+"aws"/m.test(text);
  });
}

/** Terraform's plugin cache is not safe for concurrent `init` ("still not detected in .terraform/providers"): one at a time. */
let initQueue: Promise<unknown> = Promise.resolve();
function serialized<T>(run: () => Promise<T>): Promise<T> {
  const next = initQueue.then(run, run);
  initQueue = next.catch(() => undefined);
  return next;
}

async function planCase(name: string, workRoot: string, cliConfigFile: string, pluginCacheDir: string): Promise<string> {
  const caseDir = path.join(CORPUS_DIR, name);
  const settings = planSettings(caseDir, name);
  const work = path.join(workRoot, name);
  fs.cpSync(caseDir, work, {
    recursive: true,
    filter: (src) => src === caseDir || path.dirname(src) !== caseDir || !NOT_CONFIGURATION.has(path.basename(src)),
  });
  const rootFiles = fs
    .readdirSync(work)
    .filter((f) => f.endsWith(".tf") || f.endsWith(".tf.json"))
    .map((f) => path.join(work, f));
  if (!declaresAwsProvider(rootFiles))
    throw new UserError([`${name}: declares no provider "aws" block (the offline override needs one to merge into; give it a region)`]);
  for (const [target, variable] of Object.entries(settings.modules)) {
    fs.cpSync(process.env[variable] as string, path.join(work, target), {
      recursive: true,
      filter: (src) => path.basename(src) !== ".git",
    });
  }
  fs.writeFileSync(path.join(work, OVERRIDE_FILE), `${JSON.stringify({ provider: { aws: OFFLINE_AWS_PROVIDER } }, null, 2)}\n`);

  const env = terraformEnv({ cliConfigFile, pluginCacheDir });
  const steps: [string, string[]][] = [
    ["init", ["init", "-input=false", "-no-color"]],
    [
      "plan",
      [
        "plan",
        "-input=false",
        "-no-color",
        "-lock=false",
        "-out=corpus.tfplan",
        ...Object.entries(settings.vars).map(([k, v]) => `-var=${k}=${v}`),
      ],
    ],
  ];
  for (const [step, args] of steps) {
    const run = () => runTerraform("terraform", args, work, env, COMMAND_TIMEOUT_MS);
    const r = await (step === "init" ? serialized(run) : run());
    if (r.code !== 0)
      throw new UserError([
        `${name}: terraform ${step} failed${r.timedOut ? " (timed out)" : ""}:\n${trimTerraformOutput(r.stderr || r.stdout)}`,
      ]);
  }
  const show = await runTerraform("terraform", ["show", "-json", "-no-color", "corpus.tfplan"], work, env, COMMAND_TIMEOUT_MS);
  if (show.code !== 0) throw new UserError([`${name}: terraform show failed:\n${trimTerraformOutput(show.stderr || show.stdout)}`]);
  const plan = JSON.parse(show.stdout) as { resource_changes?: unknown[] };
  // The plan must not carry this machine's temporary paths (a stored fixture is the same on every clone).
  const text = JSON.stringify(plan).split(work).join(".");
  fs.writeFileSync(path.join(caseDir, PLAN_FILE), zlib.gzipSync(text, { level: 9 }));
  return `${name}: planned, ${plan.resource_changes?.length ?? 0} resource changes`;
}

runCli(USAGE, async () => {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const all = caseNames();
  const unknown = args.filter((a) => !all.includes(a));
  if (unknown.length > 0)
    throw new UserError(unknown.map((a) => `${a}: no such case in ${path.relative(process.cwd(), CORPUS_DIR)} (cases: ${all.join(", ")})`));
  const names = args.length > 0 ? args : all;

  const problems: string[] = [];
  const tf = terraformVersion("terraform");
  if (!tf.ok) problems.push(`${tf.reason}; install Terraform >= 1.10`);
  let mirrorRoot: string | undefined;
  try {
    mirrorRoot = findProviderMirror({ version: "5.100.0" }).root;
  } catch (e) {
    if (!(e instanceof MirrorNotFound)) throw e;
    problems.push(`provider mirror: ${e.message}`);
  }
  for (const name of names) problems.push(...moduleProblems(name, planSettings(path.join(CORPUS_DIR, name), name)));
  if (problems.length > 0 || mirrorRoot === undefined) throw new UserError(problems);

  const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-corpus-"));
  try {
    const cliConfigFile = path.join(workRoot, "terraform.rc");
    fs.writeFileSync(cliConfigFile, cliConfig(mirrorRoot));
    const pluginCacheDir = path.join(workRoot, "plugin-cache");
    fs.mkdirSync(pluginCacheDir);
    const queue = [...names];
    const failures: string[] = [];
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        try {
          process.stderr.write(`corpus:plan: ${await planCase(name, workRoot, cliConfigFile, pluginCacheDir)}\n`);
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          failures.push(...e.problems);
          process.stderr.write(`corpus:plan: ${name}: FAILED\n`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, names.length) }, worker));
    if (failures.length > 0) throw new UserError(failures);
    return 0;
  } finally {
    fs.rmSync(workRoot, { recursive: true, force: true });
  }
});
