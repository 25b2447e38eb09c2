/** Shared test helpers: configs derived from the demo, and stacks synthesized in memory. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing, TerraformStack } from "cdktf";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig, type ConfigInput, type Egress6Config } from "../config/load";
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

/** Synthesizes one stack of the app in memory (nothing written) and returns its Terraform JSON. */
export function synthStack(config: Egress6Config, stack: StackName): TfJson {
  const app = buildApp(config, tempDir("app"));
  const found = app.node.tryFindChild(stack);
  if (!(found instanceof TerraformStack)) throw new Error(`no stack named ${stack}`);
  return JSON.parse(Testing.synth(found)) as TfJson;
}

/** Every stack of the app, synthesized in memory. */
export function synthAll(config: Egress6Config): Record<string, TfJson> {
  const app = buildApp(config, tempDir("app"));
  const out: Record<string, TfJson> = {};
  for (const child of app.node.children) {
    if (child instanceof TerraformStack) out[child.node.id] = JSON.parse(Testing.synth(child)) as TfJson;
  }
  return out;
}

/** The resources of one type, by logical id (empty when there are none). */
export function resources(tf: TfJson, type: string): Record<string, any> {
  return tf.resource?.[type] ?? {};
}
