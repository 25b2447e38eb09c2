/**
 * Planning many stacks as one Terraform run. Loading the hashicorp/aws provider's schema is most of what a plan of
 * one stack costs (about 4 of its 11 CPU seconds, and `terraform show -json` pays it again), so the offline check
 * plans every stack of a run as a module of one generated root: one `init`, one `plan`, one `show`.
 *
 * The root calls each stack's working directory as a module, unchanged. Its backend block is ignored there, with a
 * warning (Terraform considers a backend only in the root module; hashicorp/terraform#26954 made it a warning, not
 * an error, for exactly this: calling a root module from a wrapper for testing). Its provider blocks configure its
 * own resources, which Terraform allows in a module called without count, for_each or depends_on (Terraform
 * language docs, "Providers Within Modules", legacy shared modules). The root passes every stack output up as a root output
 * named `<module>__<output>` with the stack's own `sensitive` setting. `splitPlan` then cuts the root's plan JSON
 * back into one plan per stack, addressed as if the stack had been planned as a root module of its own: that is the
 * plan a user's `terraform plan` in the stack folder shows, and `__tests__/terraform-batch.test.ts` proves the two
 * equal on the demo, stack by stack, with real Terraform.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseHcl } from "@cdktf/hcl2json";

/** One stack in a batch: the module name it gets in the root, and its working directory. */
export interface BatchMember {
  readonly module: string;
  readonly dir: string;
}

export interface StackOutput {
  readonly name: string;
  readonly sensitive: boolean;
}

/** The separator between a module's name and an output's name in the root's output names. */
const OUTPUT_SEPARATOR = "__";

/**
 * The outputs a module directory declares, with their `sensitive` setting, read as Terraform reads them: every
 * `.tf` and `.tf.json` file, override files (`override.tf[.json]`, `*_override.tf[.json]`) after the others.
 */
export async function moduleOutputs(dir: string): Promise<StackOutput[]> {
  const isOverride = (f: string) => /(^|_)override\.tf(\.json)?$/.test(f);
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.tf(\.json)?$/.test(f) && !f.startsWith("."))
    .sort((a, b) => Number(isOverride(a)) - Number(isOverride(b)) || a.localeCompare(b));
  const outputs = new Map<string, boolean>();
  for (const file of files) {
    const text = fs.readFileSync(path.join(dir, file), "utf8");
    const doc = (file.endsWith(".json") ? JSON.parse(text) : await parseHcl(file, text)) as { output?: Record<string, unknown> };
    for (const [name, blocks] of Object.entries(doc.output ?? {})) {
      // hcl2json gives each block as a list of bodies; JSON syntax gives one body (or a list of them).
      for (const body of Array.isArray(blocks) ? blocks : [blocks]) {
        const sensitive = (body as { sensitive?: unknown }).sensitive;
        if (typeof sensitive === "boolean") outputs.set(name, sensitive);
        else if (!outputs.has(name)) outputs.set(name, false);
      }
    }
  }
  return [...outputs].map(([name, sensitive]) => ({ name, sensitive })).sort((a, b) => a.name.localeCompare(b.name));
}

/** The generated root's `main.tf.json`: one module call per member, and each member's outputs passed up. */
export function batchRoot(rootDir: string, members: readonly (BatchMember & { readonly outputs: readonly StackOutput[] })[]): object {
  const module: Record<string, { source: string }> = {};
  const output: Record<string, { value: string; sensitive?: boolean }> = {};
  for (const m of members) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(m.module) || m.module.includes(OUTPUT_SEPARATOR)) {
      throw new Error(`batch: "${m.module}" cannot name a module (letters, digits, "-" and single "_" only)`);
    }
    let source = path.relative(rootDir, m.dir).split(path.sep).join("/");
    if (!source.startsWith("../")) source = `./${source}`;
    module[m.module] = { source };
    for (const o of m.outputs) {
      output[`${m.module}${OUTPUT_SEPARATOR}${o.name}`] = {
        value: `\${module.${m.module}.${o.name}}`,
        ...(o.sensitive ? { sensitive: true } : {}),
      };
    }
  }
  return { module, ...(Object.keys(output).length > 0 ? { output } : {}) };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A plan JSON document's parts this file reads (format 1.x of `terraform show -json`). */
export type PlanDocument = JsonObject;

const isObject = (v: Json | undefined): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The plan of one member, as `terraform show -json` prints it for the member's folder planned as a root module.
 * Throws when the document holds something this function does not know how to cut: a plan it cannot read exactly
 * is never passed on.
 */
export function splitPlan(plan: PlanDocument, module: string): PlanDocument {
  const prefix = `module.${module}`;
  const strip = (address: string): string | undefined =>
    address === prefix ? "" : address.startsWith(`${prefix}.`) ? address.slice(prefix.length + 1) : undefined;
  const known = new Set([
    "format_version",
    "terraform_version",
    "variables",
    "planned_values",
    "resource_drift",
    "resource_changes",
    "output_changes",
    "prior_state",
    "configuration",
    "relevant_attributes",
    "checks",
    "timestamp",
    "applyable",
    "complete",
    "errored",
  ]);
  const unknownKeys = Object.keys(plan).filter((k) => !known.has(k));
  if (unknownKeys.length > 0) throw new Error(`batch: the plan JSON has keys this split does not know: ${unknownKeys.join(", ")}`);
  if (isObject(plan.variables) && Object.keys(plan.variables).length > 0) {
    throw new Error("batch: the generated root declares no variables, yet the plan lists some");
  }

  const out: JsonObject = {};
  const variables = memberVariables(plan, module);
  if (variables !== undefined) out.variables = variables;
  for (const [key, value] of Object.entries(plan)) {
    switch (key) {
      case "variables":
        break;
      case "planned_values":
        out[key] = splitValues(value, module, strip);
        break;
      case "prior_state": {
        if (!isObject(value)) throw new Error("batch: prior_state is not an object");
        out[key] = { ...value, ...(value.values !== undefined ? { values: splitValues(value.values, module, strip) } : {}) };
        break;
      }
      case "resource_drift":
      case "resource_changes":
        out[key] = splitChanges(value, key, strip);
        break;
      case "output_changes":
        out[key] = splitOutputs(value, module);
        break;
      case "configuration":
        out[key] = splitConfiguration(value, module);
        break;
      case "relevant_attributes": {
        if (!Array.isArray(value)) throw new Error("batch: relevant_attributes is not a list");
        const kept: Json[] = [];
        for (const entry of value) {
          if (!isObject(entry) || typeof entry.resource !== "string")
            throw new Error("batch: a relevant_attributes entry has no resource address");
          const address = strip(entry.resource);
          if (address !== undefined) kept.push({ ...entry, resource: address });
        }
        out[key] = kept;
        break;
      }
      case "checks":
        out[key] = splitChecks(value, strip);
        break;
      default:
        out[key] = value;
    }
  }
  return out;
}

/**
 * The member's input variables as its own root plan lists them. The batch passes no variable values (neither does
 * the offline check with one root per stack), so each one holds its default; a variable with none would have failed
 * the plan, and is refused here.
 */
function memberVariables(plan: PlanDocument, module: string): JsonObject | undefined {
  const configuration = plan.configuration;
  const calls = isObject(configuration) && isObject(configuration.root_module) ? configuration.root_module.module_calls : undefined;
  const call = isObject(calls) ? calls[module] : undefined;
  const declared = isObject(call) && isObject(call.module) ? call.module.variables : undefined;
  if (declared === undefined) return undefined;
  if (!isObject(declared)) throw new Error(`batch: the variables of module ${module} are not an object`);
  const out: JsonObject = {};
  for (const [name, v] of Object.entries(declared)) {
    if (!isObject(v) || !("default" in v)) throw new Error(`batch: variable ${name} of module ${module} has no default`);
    out[name] = { value: v.default };
  }
  return out;
}

function splitValues(values: Json, module: string, strip: (a: string) => string | undefined): Json {
  if (!isObject(values)) throw new Error("batch: a values document is not an object");
  const root = values.root_module;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === "outputs") {
      // Terraform leaves `outputs` out of a values document when there are none (omitempty).
      const outputs = splitOutputs(value, module);
      if (Object.keys(outputs).length > 0) out.outputs = outputs;
    } else if (key !== "root_module") out[key] = value;
  }
  if (root === undefined) return out;
  if (!isObject(root)) throw new Error("batch: root_module is not an object");
  const extra = Object.keys(root).filter(
    (k) => k !== "child_modules" && !(k === "resources" && Array.isArray(root.resources) && root.resources.length === 0),
  );
  if (extra.length > 0) throw new Error(`batch: the generated root holds ${extra.join(", ")} of its own`);
  const child = (Array.isArray(root.child_modules) ? root.child_modules : []).find((c) => isObject(c) && c.address === `module.${module}`);
  if (child === undefined) {
    out.root_module = {};
    return out;
  }
  out.root_module = rebaseModule(child as JsonObject, strip, true);
  return out;
}

/** A module of a values document, its addresses made relative to the member (the member itself loses `address`). */
function rebaseModule(m: JsonObject, strip: (a: string) => string | undefined, isRoot: boolean): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(m)) {
    if (key === "address") {
      if (!isRoot) out.address = rebase(value, strip, "a child module's address");
    } else if (key === "resources") {
      if (!Array.isArray(value)) throw new Error("batch: resources is not a list");
      out.resources = value.map((r) => {
        if (!isObject(r)) throw new Error("batch: a resource is not an object");
        return { ...r, address: rebase(r.address, strip, "a resource address") };
      });
    } else if (key === "child_modules") {
      if (!Array.isArray(value)) throw new Error("batch: child_modules is not a list");
      out.child_modules = value.map((c) => {
        if (!isObject(c)) throw new Error("batch: a child module is not an object");
        return rebaseModule(c, strip, false);
      });
    } else {
      out[key] = value;
    }
  }
  return out;
}

function rebase(value: Json | undefined, strip: (a: string) => string | undefined, what: string): string {
  const address = typeof value === "string" ? strip(value) : undefined;
  if (address === undefined || address === "") throw new Error(`batch: ${what} (${JSON.stringify(value)}) is not inside its module`);
  return address;
}

function splitChanges(changes: Json, key: string, strip: (a: string) => string | undefined): Json[] {
  if (!Array.isArray(changes)) throw new Error(`batch: ${key} is not a list`);
  const kept: Json[] = [];
  for (const c of changes) {
    if (!isObject(c) || typeof c.address !== "string") throw new Error(`batch: a ${key} entry has no address`);
    const address = strip(c.address);
    if (address === undefined) continue;
    const entry: JsonObject = {};
    for (const [k, v] of Object.entries(c)) {
      if (k === "address") entry.address = address;
      else if (k === "previous_address") entry.previous_address = rebase(v, strip, "a previous address");
      else if (k === "module_address") {
        const inner = typeof v === "string" ? strip(v) : undefined;
        if (inner === undefined) throw new Error(`batch: ${c.address} has module_address ${JSON.stringify(v)}`);
        if (inner !== "") entry.module_address = inner;
      } else entry[k] = v;
    }
    kept.push(entry);
  }
  return kept;
}

function splitOutputs(outputs: Json, module: string): JsonObject {
  if (!isObject(outputs)) throw new Error("batch: outputs is not an object");
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(outputs)) {
    const i = name.indexOf(OUTPUT_SEPARATOR);
    if (i < 0) throw new Error(`batch: root output ${name} is not one the batch passed up`);
    if (name.slice(0, i) === module) out[name.slice(i + OUTPUT_SEPARATOR.length)] = value;
  }
  return out;
}

function splitConfiguration(configuration: Json, module: string): JsonObject {
  if (!isObject(configuration)) throw new Error("batch: configuration is not an object");
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(configuration)) {
    if (key === "provider_config") {
      if (!isObject(value)) throw new Error("batch: provider_config is not an object");
      const providers: JsonObject = {};
      for (const [name, p] of Object.entries(value)) {
        if (!isObject(p)) throw new Error(`batch: provider_config.${name} is not an object`);
        const [owner, local] = name.includes(":") ? [name.slice(0, name.indexOf(":")), name.slice(name.indexOf(":") + 1)] : ["", name];
        if (owner !== `module.${module}` && !owner.startsWith(`module.${module}.`)) continue;
        const inner = owner.slice(`module.${module}`.length + 1);
        const entry: JsonObject = {};
        for (const [k, v] of Object.entries(p)) if (k !== "module_address") entry[k] = v;
        if (inner !== "") entry.module_address = inner;
        providers[inner === "" ? local : `${inner}:${local}`] = entry;
      }
      out.provider_config = providers;
    } else if (key === "root_module") {
      if (!isObject(value)) throw new Error("batch: configuration.root_module is not an object");
      const call = isObject(value.module_calls) ? value.module_calls[module] : undefined;
      if (!isObject(call) || !isObject(call.module)) throw new Error(`batch: the configuration has no module call ${module}`);
      out.root_module = rebaseConfigModule(call.module, module);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** A module of the configuration, its provider references made relative to the member. */
function rebaseConfigModule(m: JsonObject, module: string): JsonObject {
  const prefix = `module.${module}`;
  const key = (k: Json | undefined): Json | undefined => {
    if (typeof k !== "string") return k;
    if (k.startsWith(`${prefix}:`)) return k.slice(prefix.length + 1);
    if (k.startsWith(`${prefix}.`)) return k.slice(prefix.length + 1);
    throw new Error(`batch: provider_config_key ${k} is not inside module ${module}`);
  };
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === "resources") {
      if (!Array.isArray(v)) throw new Error("batch: configuration resources is not a list");
      out.resources = v.map((r) => {
        if (!isObject(r)) throw new Error("batch: a configuration resource is not an object");
        return r.provider_config_key === undefined ? r : { ...r, provider_config_key: key(r.provider_config_key)! };
      });
    } else if (k === "module_calls") {
      if (!isObject(v)) throw new Error("batch: module_calls is not an object");
      const calls: JsonObject = {};
      for (const [name, call] of Object.entries(v)) {
        if (!isObject(call) || !isObject(call.module)) throw new Error(`batch: module call ${name} has no module`);
        calls[name] = { ...call, module: rebaseConfigModule(call.module, module) };
      }
      out.module_calls = calls;
    } else out[k] = v;
  }
  return out;
}

function splitChecks(checks: Json, strip: (a: string) => string | undefined): Json[] {
  if (!Array.isArray(checks)) throw new Error("batch: checks is not a list");
  const kept: Json[] = [];
  for (const check of checks) {
    if (!isObject(check) || !isObject(check.address)) throw new Error("batch: a check has no address");
    const a = check.address;
    const moduleOf = typeof a.module === "string" ? strip(a.module) : undefined;
    if (moduleOf === undefined) continue;
    const display = typeof a.to_display === "string" ? strip(a.to_display) : undefined;
    if (display === undefined) throw new Error(`batch: check ${JSON.stringify(a.to_display)} is not inside its module`);
    const address: JsonObject = { ...a, to_display: display };
    if (moduleOf === "") delete address.module;
    else address.module = moduleOf;
    const instances = Array.isArray(check.instances)
      ? check.instances.map((inst) => {
          if (!isObject(inst) || !isObject(inst.address)) throw new Error("batch: a check instance has no address");
          const ia: JsonObject = { ...inst.address };
          if (typeof ia.to_display === "string") ia.to_display = rebase(ia.to_display, strip, "a check instance");
          if (typeof ia.module === "string") {
            const m = strip(ia.module);
            if (m === undefined) throw new Error(`batch: check instance module ${ia.module}`);
            if (m === "") delete ia.module;
            else ia.module = m;
          }
          return { ...inst, address: ia };
        })
      : check.instances;
    kept.push({ ...check, address, ...(instances !== undefined ? { instances } : {}) });
  }
  return kept;
}
