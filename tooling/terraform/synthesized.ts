/**
 * Reading a cdktf output folder: the manifest's stacks, their dependency order, and which stack each
 * `terraform_remote_state` data source reads.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The parts of a synthesized `cdk.tf.json` this tool reads. */
export interface TerraformJson {
  readonly terraform?: {
    readonly backend?: Record<string, Record<string, unknown>>;
    readonly required_providers?: Record<string, { readonly source?: string; readonly version?: string }>;
  };
  readonly provider?: Record<string, Record<string, unknown> | Record<string, unknown>[]>;
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, { readonly value: unknown; readonly sensitive?: boolean; readonly description?: string }>;
  readonly locals?: Record<string, unknown>;
  readonly variable?: Record<string, { readonly default?: unknown }>;
}

export interface SynthesizedStack {
  readonly name: string;
  /** Absolute path of the stack's working directory (holds cdk.tf.json). */
  readonly dir: string;
  /** Absolute path of cdk.tf.json. */
  readonly file: string;
  /** Stacks this one depends on: the manifest's dependencies plus the stacks its remote states read. */
  readonly dependencies: readonly string[];
  readonly json: TerraformJson;
  /** The exact bytes of cdk.tf.json (the "same as another mode" comparison uses them). */
  readonly text: string;
}

interface ManifestStack {
  readonly name: string;
  readonly dependencies?: readonly string[];
  readonly synthesizedStackPath: string;
  readonly workingDirectory: string;
}

/** The `terraform_remote_state` data sources of a stack, by data source name, and the stack each one reads. */
export function remoteStateProducers(json: TerraformJson, stackNames: readonly string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const [name, block] of Object.entries(json.data?.terraform_remote_state ?? {})) {
    out.set(name, producerOf(name, block, stackNames));
  }
  return out;
}

/**
 * The stack a remote state reads: the basename of its local `path` or S3 `key` (`<env>/<stack>.tfstate`) when that
 * names a stack, else the data source's own name when that does.
 */
function producerOf(name: string, block: Record<string, unknown>, stackNames: readonly string[]): string | undefined {
  const config = (block.config ?? {}) as Record<string, unknown>;
  const location = typeof config.path === "string" ? config.path : typeof config.key === "string" ? config.key : undefined;
  if (location !== undefined) {
    const base = path.posix.basename(location).replace(/\.tfstate$/, "");
    if (stackNames.includes(base)) return base;
  }
  return stackNames.includes(name) ? name : undefined;
}

/** Reads `<outdir>/manifest.json` and every stack it lists, in dependency order (producers first). */
export function readSynthesized(outdir: string): SynthesizedStack[] {
  const manifestFile = path.join(outdir, "manifest.json");
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { stacks?: Record<string, ManifestStack> };
  const entries = Object.values(manifest.stacks ?? {});
  const names = entries.map((s) => s.name);
  const stacks = entries.map((s): SynthesizedStack => {
    const file = path.resolve(outdir, s.synthesizedStackPath);
    const text = fs.readFileSync(file, "utf8");
    const json = JSON.parse(text) as TerraformJson;
    const readsFrom = [...remoteStateProducers(json, names).values()].filter((p): p is string => p !== undefined && p !== s.name);
    const dependencies = [...new Set([...(s.dependencies ?? []), ...readsFrom])];
    for (const dep of dependencies) {
      if (!names.includes(dep)) throw new Error(`${manifestFile}: stack ${s.name} depends on ${dep}, which the manifest does not list`);
    }
    return { name: s.name, dir: path.resolve(outdir, s.workingDirectory), file, dependencies, json, text };
  });
  return dependencyOrder(stacks);
}

/** Producers before consumers; stacks that do not depend on each other keep their manifest order. */
export function dependencyOrder<T extends { readonly name: string; readonly dependencies: readonly string[] }>(stacks: readonly T[]): T[] {
  const ordered: T[] = [];
  const placed = new Set<string>();
  const remaining = [...stacks];
  while (remaining.length > 0) {
    const next = remaining.findIndex((s) => s.dependencies.every((d) => placed.has(d)));
    if (next < 0) throw new Error(`stack dependencies form a cycle: ${remaining.map((s) => s.name).join(", ")}`);
    const [stack] = remaining.splice(next, 1);
    ordered.push(stack);
    placed.add(stack.name);
  }
  return ordered;
}

/** The version constraint each stack gives for registry.terraform.io/hashicorp/aws, if any. */
export function awsProviderVersion(json: TerraformJson): string | undefined {
  for (const [, req] of Object.entries(json.terraform?.required_providers ?? {})) {
    const source = (req.source ?? "").toLowerCase();
    if (source === "aws" || source === "hashicorp/aws" || source === "registry.terraform.io/hashicorp/aws") return req.version;
  }
  return undefined;
}
