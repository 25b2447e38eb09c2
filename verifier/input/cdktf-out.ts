/**
 * Reads a `cdktf.out` directory: every stack's `cdk.tf.json`, listed by `manifest.json` (or found under `stacks/`
 * when there is no manifest).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readInputText } from "./read-bounded";
import { InputError, isRecord, blockList, type BackendId, type RawResource, type StackSource } from "./source";

interface ManifestStack {
  readonly synthesizedStackPath?: unknown;
  readonly workingDirectory?: unknown;
}

/** The stack files of a cdktf.out directory: [name, cdk.tf.json path, working directory]. */
function stackFiles(dir: string): { name: string; file: string; workingDirectory: string }[] {
  const manifestFile = path.join(dir, "manifest.json");
  if (fs.existsSync(manifestFile)) {
    const manifest = readJson(manifestFile);
    const stacks = isRecord(manifest) && isRecord(manifest.stacks) ? manifest.stacks : undefined;
    if (!stacks) throw new InputError([`${manifestFile}: not a cdktf manifest (no "stacks" object)`]);
    return Object.entries(stacks).map(([name, entry]) => {
      const e = (isRecord(entry) ? entry : {}) as ManifestStack;
      const rel = typeof e.synthesizedStackPath === "string" ? e.synthesizedStackPath : path.join("stacks", name, "cdk.tf.json");
      const wd = typeof e.workingDirectory === "string" ? e.workingDirectory : path.dirname(rel);
      return { name, file: path.join(dir, rel), workingDirectory: path.join(dir, wd) };
    });
  }
  const stacksDir = path.join(dir, "stacks");
  if (!fs.existsSync(stacksDir)) {
    throw new InputError([`${dir}: not a cdktf.out directory (neither manifest.json nor stacks/ is there; run "npm run synth" first)`]);
  }
  return fs
    .readdirSync(stacksDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(stacksDir, d.name, "cdk.tf.json")))
    .map((d) => ({ name: d.name, file: path.join(stacksDir, d.name, "cdk.tf.json"), workingDirectory: path.join(stacksDir, d.name) }));
}

export function readJson(file: string): unknown {
  // Only a regular file, at most MAX_INPUT_BYTES, a gzip stream (stored plans may be compressed) inflated to the same.
  const text = readInputText(file);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError([`${file}: not valid JSON (${(e as Error).message})`]);
  }
}

/** Loads every stack of a cdktf.out directory. */
export function loadCdktfOut(dir: string): StackSource[] {
  const files = stackFiles(dir);
  if (files.length === 0) throw new InputError([`${dir}: no stacks found under stacks/*/cdk.tf.json`]);
  const problems: string[] = [];
  const stacks: StackSource[] = [];
  for (const f of files) {
    try {
      stacks.push(stackFromTerraformJson(f.name, f.file, readJson(f.file), f.workingDirectory));
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return stacks;
}

/** One stack from the JSON of a Terraform configuration (cdk.tf.json). */
export function stackFromTerraformJson(name: string, origin: string, json: unknown, workingDirectory?: string): StackSource {
  if (!isRecord(json)) throw new InputError([`${origin}: not a Terraform JSON configuration (expected an object)`]);
  const resources: RawResource[] = [];
  for (const [mode, section] of [
    ["managed", json.resource],
    ["data", json.data],
  ] as const) {
    if (section === undefined) continue;
    if (!isRecord(section)) throw new InputError([`${origin}: "${mode === "managed" ? "resource" : "data"}" must be an object of types`]);
    for (const [type, byName] of Object.entries(section)) {
      if (!isRecord(byName)) throw new InputError([`${origin}: ${type} must be an object of named resources`]);
      for (const [rname, config] of Object.entries(byName)) {
        if (!isRecord(config)) throw new InputError([`${origin}: ${type}.${rname} must be an object`]);
        resources.push(...expandRepetition(origin, mode, type, rname, config));
      }
    }
  }
  if (isRecord(json.module) && Object.keys(json.module).length > 0) {
    throw new InputError([
      `${origin}: calls modules (${Object.keys(json.module).join(", ")}), whose sources a JSON configuration does not include; ` +
        `verify a plan of it instead ("terraform show -json PLANFILE", with the configuration directory)`,
    ]);
  }
  const outputs: Record<string, unknown> = {};
  if (isRecord(json.output)) for (const [k, v] of Object.entries(json.output)) outputs[k] = isRecord(v) ? v.value : undefined;
  const variables: Record<string, unknown> = {};
  if (isRecord(json.variable)) for (const [k, v] of Object.entries(json.variable)) variables[k] = isRecord(v) ? v.default : undefined;
  const locals: Record<string, unknown> = {};
  for (const block of blockList(json.locals)) Object.assign(locals, block);
  const terraform = isRecord(json.terraform) ? json.terraform : {};
  return {
    name,
    origin,
    workingDirectory,
    backend: backendOf(terraform.backend, workingDirectory),
    resources,
    outputs,
    variables,
    locals,
    defaultTags: defaultTagsOf(json.provider),
  };
}

function backendOf(backend: unknown, workingDirectory: string | undefined): BackendId | undefined {
  if (!isRecord(backend)) return undefined;
  const [type, config] = Object.entries(backend)[0] ?? [];
  if (type === undefined) return undefined;
  return backendId(type, isRecord(config) ? config : {}, workingDirectory);
}

/** The identity of a state location, from a backend block or a remote-state data source's `config`. */
export function backendId(type: string, config: Record<string, unknown>, workingDirectory: string | undefined): BackendId {
  if (type === "local") {
    const p = typeof config.path === "string" ? config.path : "terraform.tfstate";
    return { type: "local", path: workingDirectory ? path.resolve(workingDirectory, p) : path.posix.normalize(p) };
  }
  if (type === "s3" && typeof config.bucket === "string" && typeof config.key === "string") {
    return { type: "s3", bucket: config.bucket, key: config.key };
  }
  return { type: "other", text: `${type}:${JSON.stringify(config)}` };
}

function defaultTagsOf(provider: unknown): Record<string, unknown> {
  if (!isRecord(provider)) return {};
  const tags: Record<string, unknown> = {};
  for (const aws of blockList(provider.aws)) {
    for (const dt of blockList(aws.default_tags)) if (isRecord(dt.tags)) Object.assign(tags, dt.tags);
  }
  return tags;
}

/**
 * The instances of a resource with `count` or `for_each` written as constants (a number; a map, or a list of
 * strings). Anything else is known only when Terraform evaluates it: the input names the resource and says so.
 */
function expandRepetition(
  origin: string,
  mode: "managed" | "data",
  type: string,
  name: string,
  config: Record<string, unknown>,
): RawResource[] {
  const { count, for_each: forEach, ...rest } = config;
  const address = `${mode === "data" ? "data." : ""}${type}.${name}`;
  const lifecycle = config.lifecycle ?? null;
  if (count === undefined && forEach === undefined) return [{ mode, type, name, config, lifecycle }];
  if (count !== undefined) {
    if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
      throw new InputError([
        `${origin}: ${address}.count is ${JSON.stringify(count)}; the verifier expands count only when it is a whole number written as such (plan the configuration and verify the plan instead)`,
      ]);
    }
    return Array.from({ length: count }, (_, index) => ({
      mode,
      type,
      name,
      config: rest,
      index,
      repetition: "count" as const,
      lifecycle,
    }));
  }
  const entries: [string, unknown][] | undefined = isRecord(forEach)
    ? Object.entries(forEach)
    : Array.isArray(forEach) && forEach.every((k) => typeof k === "string" && !k.includes("${"))
      ? (forEach as string[]).map((k) => [k, k])
      : undefined;
  if (!entries || entries.some(([k]) => k.includes("${"))) {
    throw new InputError([
      `${origin}: ${address}.for_each is ${JSON.stringify(forEach)}; the verifier expands for_each only when it is a map or a list of strings written as such (plan the configuration and verify the plan instead)`,
    ]);
  }
  return entries.map(([index, eachValue]) => ({
    mode,
    type,
    name,
    config: rest,
    index,
    eachValue,
    repetition: "for_each" as const,
    lifecycle,
  }));
}
