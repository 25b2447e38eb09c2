/**
 * `npm run export:hcl`: synthesizes the app with its own synth into a temporary folder, prints each stack's
 * `cdk.tf.json` as HCL (printer.ts), formats it with hclwrite's formatter (@cdktf/hcl-tools), and writes one folder
 * per stack. The output folder is written beside its target and swapped in whole, so a failed export leaves a
 * previous one exactly as it was; `terraform init`'s `.terraform/` and lock file in a previous export's stack
 * folders are carried over.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { format } from "@cdktf/hcl-tools";
import type { Egress6Config } from "../../config/schema";
import { UserError } from "../../lib/errors";
import { builtFile, projectRoot } from "../../lib/paths";
import { synthesize } from "../../app/synthesize";
import { fileSha256, fileSystemProblem, listFiles, recoverKilledSwap, swapIn, terraformFilesToCarry } from "../../app/output/owned-folder";
import { assertExportTarget, EXPORT_MARKER, EXPORT_MARKER_FORMAT, type ExportRecord } from "./export-folder";
import { HclExportError, printStack } from "./printer";
import { idiomaticStack } from "./idioms";
import { forEachStack } from "./for-each";

export interface ExportedStack {
  readonly name: string;
  /** The stack's folder (absolute). */
  readonly dir: string;
  /** Files written into it, relative to it. */
  readonly files: readonly string[];
  /** Stacks whose state it reads or that cdktf deploys before it. */
  readonly dependencies: readonly string[];
}

export interface ExportResult {
  readonly outdir: string;
  /** In the order to apply them. */
  readonly stacks: readonly ExportedStack[];
}

export interface ManifestStack {
  readonly name: string;
  readonly dependencies?: readonly string[];
  readonly synthesizedStackPath: string;
  readonly workingDirectory: string;
}

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

/** The stacks of a synthesized folder, producers first. */
export function readManifest(synthOut: string): ManifestStack[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(synthOut, "manifest.json"), "utf8")) as { stacks?: Record<string, ManifestStack> };
  const remaining = Object.values(manifest.stacks ?? {});
  const ordered: ManifestStack[] = [];
  while (remaining.length > 0) {
    const next = remaining.findIndex((s) => (s.dependencies ?? []).every((d) => ordered.some((o) => o.name === d)));
    if (next < 0) throw new Error(`manifest.json: the stack dependencies form a cycle (${remaining.map((s) => s.name).join(", ")})`);
    ordered.push(...remaining.splice(next, 1));
  }
  return ordered;
}

/**
 * The stack's JSON with every local state path (the backend's and each local `terraform_remote_state`'s) made
 * relative to `<outdir>/<stack>` instead of the synthesized `<outdir>/<workingDirectory>`, so it names the same file
 * as a synth into the same folder would: the exported stacks keep using the synth's state.
 */
export function rebaseLocalPaths(json: JsonObject, workingDirectory: string, stack: string): JsonObject {
  const rebase = (p: unknown): unknown => {
    if (typeof p !== "string" || path.posix.isAbsolute(p) || /[$%]\{/.test(p)) return p;
    const at = path.posix.resolve("/out", workingDirectory, p);
    return path.posix.relative(path.posix.join("/out", stack), at);
  };
  const out = structuredClone(json);
  const terraform = out.terraform;
  if (isObject(terraform) && isObject(terraform.backend) && isObject(terraform.backend.local) && "path" in terraform.backend.local) {
    terraform.backend.local.path = rebase(terraform.backend.local.path);
  }
  const data = out.data;
  if (isObject(data) && isObject(data.terraform_remote_state)) {
    for (const rs of Object.values(data.terraform_remote_state)) {
      if (isObject(rs) && rs.backend === "local" && isObject(rs.config) && "path" in rs.config) rs.config.path = rebase(rs.config.path);
    }
  }
  return out;
}

/** Relative file paths (`assets/...`) a stack names; each must be a file of the synthesized stack folder. */
function assetPaths(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === "string") {
    if (/^assets\//.test(value)) out.add(value);
  } else if (Array.isArray(value)) value.forEach((v) => assetPaths(v, out));
  else if (isObject(value)) Object.values(value).forEach((v) => assetPaths(v, out));
  return out;
}

/** The README written at the top of an export. */
function readme(config: Egress6Config, configSource: string, stacks: readonly ManifestStack[]): string {
  return [
    `# egress6: ${config.name} (${config.inspection.mode}) as Terraform HCL`,
    "",
    `Exported by \`npm run export:hcl\` from ${configSource}. One folder per stack; apply them in this order,`,
    "each with `terraform init` and `terraform apply` in its folder:",
    "",
    ...stacks.map(
      (s, i) => `${i + 1}. \`${s.name}/\`${(s.dependencies ?? []).length > 0 ? ` (after ${(s.dependencies ?? []).join(", ")})` : ""}`,
    ),
    "",
    "Each folder's `variables.tf` defaults to the values this environment was exported with (environment, region,",
    "availability zones, instance type); its `templates/` hold the boot scripts `templatefile()` renders, and",
    "`observability/lambda-src/` the Lambda functions' sources (remediation; proxy failover in modes with proxies), each with",
    "the build of its ZIP (`BUILD.md`). The",
    "backend names the same state as the cdktf stacks; resources repeated per AZ are one block with `for_each`, and",
    "each stack's `moved.tf` moves them from their cdktf addresses on the first plan, so an environment deployed with",
    "cdktf is taken over without destroying anything (keep `moved.tf`). To scan it with Checkov:",
    "`checkov -d . --framework terraform`.",
    "",
    "A new export replaces this folder (keeping each stack's `.terraform/` and `.terraform.lock.hcl`) and refuses",
    "to if a file here was changed or added: the marker `.egress6-export` lists what the export wrote.",
    "",
  ].join("\n");
}

export interface ExportOptions {
  /** Names the configuration in the README and the marker. */
  readonly configSource: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Exports every stack of `config` as HCL into `outdir`. */
export async function exportHcl(config: Egress6Config, outdir: string, options: ExportOptions): Promise<ExportResult> {
  try {
    return await exportHclUnguarded(config, outdir, options);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const problem = fileSystemProblem(e, `--out ${outdir}`, "the export");
    if (problem !== undefined) throw new UserError([problem]);
    throw e;
  }
}

async function exportHclUnguarded(config: Egress6Config, outdir: string, options: ExportOptions): Promise<ExportResult> {
  const cwd = options.cwd ?? process.cwd();
  recoverKilledSwap(path.resolve(cwd, outdir), EXPORT_MARKER);
  const previous = assertExportTarget(outdir, cwd, options.env);
  const target = path.resolve(cwd, outdir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-export-"));
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.staging-`));
  try {
    const synthOut = path.join(work, "cdktf.out");
    synthesize(config, synthOut);
    const manifest = readManifest(synthOut);
    await writeStacks(synthOut, manifest, staging);
    fs.writeFileSync(path.join(staging, "README.md"), readme(config, options.configSource, manifest));
    const record: ExportRecord = {
      format: EXPORT_MARKER_FORMAT,
      environment: config.name,
      mode: config.inspection.mode,
      configSource: options.configSource,
      stacks: manifest.map((s) => s.name),
      files: Object.fromEntries(listFiles(staging).map((rel) => [rel, fileSha256(path.join(staging, rel))])),
    };
    fs.writeFileSync(path.join(staging, EXPORT_MARKER), `${JSON.stringify(record, null, 2)}\n`);
    const stacks = manifest.map((s): ExportedStack => ({
      name: s.name,
      dir: path.join(target, s.name),
      files: listFiles(path.join(staging, s.name)),
      dependencies: s.dependencies ?? [],
    }));
    // terraform's working files of the previous export's stack folders move into the new ones.
    swapIn(staging, target, terraformFilesToCarry(target, staging, previous?.stacks ?? []));
    return { outdir: target, stacks };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The stack with its per-AZ groups written with for_each (for-each.ts) and their `moved` blocks. */
export function withForEach(json: Record<string, unknown>): Record<string, unknown> {
  const { json: grouped, moved } = forEachStack(json);
  return moved.length === 0 ? grouped : { ...grouped, moved: moved.map((m) => ({ from: m.from, to: m.to })) };
}

/** Prints and formats every stack into `<dest>/<stack>/`, copying the assets each one names. */
export async function writeStacks(synthOut: string, manifest: readonly ManifestStack[], dest: string): Promise<void> {
  const problems: string[] = [];
  for (const stack of manifest) {
    const json = JSON.parse(fs.readFileSync(path.join(synthOut, stack.synthesizedStackPath), "utf8")) as JsonObject;
    let files;
    let templates;
    try {
      const idiomatic = idiomaticStack(rebaseLocalPaths(json, stack.workingDirectory, stack.name));
      templates = idiomatic.files;
      files = printStack(withForEach(idiomatic.json));
    } catch (e) {
      if (!(e instanceof HclExportError)) throw e;
      problems.push(...e.problems.map((p) => `${stack.name}: ${p}`));
      continue;
    }
    const dir = path.join(dest, stack.name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), await format(text));
    // Template files are written as they are: their text is what templatefile() renders.
    for (const [name, text] of Object.entries(templates)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    const source = path.join(synthOut, stack.workingDirectory);
    for (const asset of assetPaths(json)) {
      const from = path.join(source, asset);
      if (!fs.existsSync(from) || !fs.statSync(from).isFile()) {
        problems.push(`${stack.name}: ${asset}: the stack names this asset, but the synth did not write it`);
        continue;
      }
      fs.mkdirSync(path.dirname(path.join(dir, asset)), { recursive: true });
      fs.copyFileSync(from, path.join(dir, asset));
      const lambda = /\/([a-z0-9-]+)\.zip$/.exec(asset)?.[1];
      if (lambda !== undefined && fs.existsSync(builtFile("lambda-bundle", `${lambda}.zip`))) {
        const problem = writeLambdaSource(lambda, asset, fs.readFileSync(from), dir);
        if (problem !== undefined) problems.push(`${stack.name}: ${asset}: ${problem}`);
      }
    }
  }
  if (problems.length > 0) throw new UserError(problems.map((p) => `export:hcl: ${p}`));
}

/** Where a Lambda's source is written in its stack folder. */
export const LAMBDA_SOURCE_DIR = "lambda-src";

/**
 * Writes the source a Lambda ZIP was built from beside it: `<stack>/lambda-src/<fn>/`, every project file the
 * bundler read (as `npm run build` recorded it, tooling/build.js), and a BUILD.md with the command that builds the
 * same ZIP. Returns a problem when the ZIP is not the one the build made or the record is missing.
 */
function writeLambdaSource(fn: string, asset: string, zip: Buffer, dir: string): string | undefined {
  const built = builtFile("lambda-bundle", `${fn}.zip`);
  if (!fs.readFileSync(built).equals(zip))
    return `not the ZIP npm run build made (${path.relative(projectRoot(), built)}); run npm run build and export again`;
  const record = builtFile("lambda-bundle", `${fn}.inputs.json`);
  if (!fs.existsSync(record))
    return `${path.relative(projectRoot(), record)} (the files the bundle was built from) is missing; run npm run build and export again`;
  const root = projectRoot();
  const inputs = JSON.parse(fs.readFileSync(record, "utf8")) as string[];
  const dest = path.join(dir, LAMBDA_SOURCE_DIR, fn);
  const files: string[] = [];
  for (const input of inputs) {
    const rel = path.relative(root, input);
    if (rel.startsWith("..") || path.isAbsolute(rel) || !fs.existsSync(input))
      return `${input}: a file the bundle was built from is not in the project; run npm run build and export again`;
    fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    fs.copyFileSync(input, path.join(dest, rel));
    files.push(rel.split(path.sep).join("/"));
  }
  const sha256 = createHash("sha256").update(zip).digest("hex");
  fs.writeFileSync(
    path.join(dest, "BUILD.md"),
    [
      `# The ${fn} Lambda function: its source`,
      "",
      `\`../../${asset}\` (sha256 \`${sha256}\`) is built from these files, laid out as in the egress6 project:`,
      "",
      ...files.map((f) => `- \`${f}\``),
      "",
      "How it is built (`npm run build` in egress6, tooling/build.js): esbuild bundles",
      `\`lambda/${fn}/index.ts\` with the AWS SDK clients it imports (\`--bundle --platform=node --target=node20 --format=cjs`,
      "--minify --main-fields=module,main --legal-comments=none`, the esbuild and SDK versions of egress6's",
      "package-lock.json) into one `index.js`, and that file is zipped with a fixed timestamp (1980-01-01), deflate",
      "level 9 and Unix mode 0644 (tooling/zip.js), so the same sources give the same bytes. To rebuild it, change the",
      "source in an egress6 checkout of the same version, run `npm ci && npm run build`, and export again: the ZIP is",
      `\`dist/lambda-bundle/${fn}.zip\`.`,
      "",
      "Terraform deploys the ZIP as it is. The `hashicorp/archive` provider's `archive_file` could zip files at plan",
      "time, but only files as they are: the function still has to be bundled first (it is TypeScript and imports the",
      "SDK), so the export ships the bundle's ZIP rather than a second build path.",
      "",
    ].join("\n"),
  );
  return undefined;
}
