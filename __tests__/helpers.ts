/** Shared test helpers: configs derived from the demo, and stacks synthesized in memory. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { Testing, TerraformStack } from "cdktf";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig, type ConfigInput, type Egress6Config } from "../config/load";
import { UserError } from "../lib/errors";
import { buildApp } from "../app/build-app";
import type { StackName } from "../lib/names";

export type TfJson = {
  terraform: Record<string, any>;
  resource: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  output?: Record<string, { value: unknown; description?: string }>;
  locals?: Record<string, unknown>;
  provider?: Record<string, any>;
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Deep-merges `overrides` into a copy of `base` (arrays are replaced, not merged). */
export function merge<T>(base: T, overrides: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return (overrides === undefined ? base : overrides) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) out[k] = merge(out[k], v);
  return out as T;
}

/** The demo config with `overrides` merged in, validated. */
export function demoConfig(overrides: unknown = {}): Egress6Config {
  return parseConfig(merge<ConfigInput>(DEMO_CONFIG, overrides), "test");
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-test-"));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** A fresh temporary directory, removed after the test file. */
export function tempDir(prefix = "t"): string {
  return fs.mkdtempSync(path.join(tmpRoot, `${prefix}-`));
}

/**
 * Results of the in-memory synths below, by config: a synth of the same config (deep-equal, compared strictly) gives
 * the same JSON, so each (config, stack) and each whole-app synth is done once per test file. Each caller gets a fresh
 * parse of the JSON text, so a test that changes its copy changes no other test's.
 */
type SynthEntry = { config: unknown; stacks: Map<string, string>; all?: [string, string][] };
const synthCache = new Map<string, SynthEntry>();

/** The cache entry for `config`; undefined (never cached) for a config that is not plain JSON data. */
function cacheEntry(config: Egress6Config): SynthEntry | undefined {
  const key = JSON.stringify(config);
  const found = synthCache.get(key);
  if (found) return isDeepStrictEqual(found.config, config) ? found : undefined;
  // A copy made from the text, so that a later change to the caller's object cannot change the entry's key.
  const copy: unknown = JSON.parse(key);
  if (!isDeepStrictEqual(copy, config)) return undefined;
  const entry: SynthEntry = { config: copy, stacks: new Map<string, string>() };
  synthCache.set(key, entry);
  return entry;
}

/** Synthesizes one stack of the app in memory (nothing written) and returns its Terraform JSON. */
export function synthStack(config: Egress6Config, stack: StackName): TfJson {
  const entry = cacheEntry(config);
  let text = entry?.stacks.get(stack);
  if (text === undefined) {
    const app = buildApp(config, tempDir("app"));
    const found = app.node.tryFindChild(stack);
    if (!(found instanceof TerraformStack)) throw new Error(`no stack named ${stack}`);
    text = Testing.synth(found);
    entry?.stacks.set(stack, text);
  }
  return JSON.parse(text) as TfJson;
}

/** Every stack of the app, synthesized in memory. */
export function synthAll(config: Egress6Config): Record<string, TfJson> {
  const entry = cacheEntry(config);
  let all = entry?.all;
  if (all === undefined) {
    const app = buildApp(config, tempDir("app"));
    all = [] as [string, string][];
    for (const child of app.node.children) if (child instanceof TerraformStack) all.push([child.node.id, Testing.synth(child)]);
    if (entry) entry.all = all;
  }
  return Object.fromEntries(all.map(([name, text]) => [name, JSON.parse(text) as TfJson]));
}

/** The resources of one type, by logical id (empty when there are none). */
export function resources(tf: TfJson, type: string): Record<string, any> {
  return tf.resource?.[type] ?? {};
}

/** The problems a command refused with (its UserError); anything else, or no refusal, fails the test. */
export async function problemsOf(run: Promise<unknown>): Promise<readonly string[]> {
  try {
    await run;
  } catch (e) {
    if (e instanceof UserError) return e.problems;
    throw e;
  }
  throw new Error("expected a UserError");
}
