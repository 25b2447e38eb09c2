/**
 * Reads `terraform show -json` output: a plan (`terraform show -json PLANFILE`) or a state (`terraform show -json`).
 *
 * A plan is read from its values: `resource_changes[].change.after` holds every value known before apply (tags,
 * CIDRs computed by `cidrsubnet`, inline blocks, whole lists), for every module, `count` and `for_each` instance
 * under its full address; data sources read at plan time are in `prior_state`. Only a value unknown until apply
 * (`after_unknown`) is taken from an expression, evaluated in its instance's scope (module, `count.index`,
 * `each`): the configuration's source when the configuration directory is given (HCL, read by hcl-source.ts),
 * else the plan's `configuration` section, which holds the expression's text for a JSON-syntax configuration
 * (what cdktf writes) and only its references for HCL. An expression known only by its references is not guessed:
 * reading it is a problem that names the resource, the attribute and what to give.
 *
 * A state holds every value, ids included: resources are linked by those ids.
 *
 * Stacks are named by file (`network.plan.json`, `network.state.json` -> `network`).
 */
import * as path from "node:path";
import { readJson } from "./cdktf-out";
import type { ConfigSource, ModuleSource } from "./hcl-source";
import {
  Computed,
  EachValue,
  InputError,
  Literal,
  RemoteLinked,
  Unresolvable,
  isRecord,
  type ModuleInstance,
  type RawResource,
  type StackSource,
} from "./source";

/** The JSON output format this reader understands (Terraform "JSON Output Format", format_version 1.x). */
const SUPPORTED_FORMAT_MAJOR = "1";

/** Arguments of a module block that are not inputs of the module. */
const META_ARGUMENTS = new Set(["source", "version", "count", "for_each", "providers", "depends_on"]);

export function stackNameOfPlanFile(file: string): string {
  return path
    .basename(file)
    .replace(/\.gz$/i, "")
    .replace(/\.(plan|state)\.json$|\.json$/i, "");
}

export function loadPlanFiles(files: readonly string[], sources: ReadonlyMap<string, ConfigSource> = new Map()): StackSource[] {
  const problems: string[] = [];
  const stacks: StackSource[] = [];
  for (const file of files) {
    try {
      stacks.push(stackFromShowJson(stackNameOfPlanFile(file), file, readJson(file), sources.get(file)));
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.problems);
      else throw e;
    }
  }
  const seen = new Map<string, string>();
  for (const s of stacks) {
    const other = seen.get(s.name);
    if (other)
      problems.push(
        `${s.origin}: stack name "${s.name}" is also the name of ${other}; give each file its stack's name (<stack>.plan.json or <stack>.state.json)`,
      );
    seen.set(s.name, s.origin);
  }
  if (problems.length > 0) throw new InputError(problems);
  return stacks;
}

function checkFormat(origin: string, json: unknown): asserts json is Record<string, unknown> {
  if (!isRecord(json) || typeof json.format_version !== "string") {
    throw new InputError([`${origin}: not a "terraform show -json" plan or state (no format_version)`]);
  }
  if (json.format_version.split(".")[0] !== SUPPORTED_FORMAT_MAJOR) {
    throw new InputError([`${origin}: plan format_version ${json.format_version} is not supported (expected 1.x)`]);
  }
}

/** A plan or a state, told apart by what it holds. */
export function stackFromShowJson(name: string, origin: string, json: unknown, source?: ConfigSource): StackSource {
  checkFormat(origin, json);
  if (json.configuration === undefined && isRecord(json.values)) return stackFromState(name, origin, json);
  return stackFromPlan(name, origin, json, source);
}

// ---------------------------------------------------------------- addresses

interface Step {
  readonly name: string;
  readonly key?: number | string;
}

/** `module.a[0].module.b["x"]` -> steps. */
function moduleSteps(address: string): Step[] {
  const steps: Step[] = [];
  const re = /module\.([A-Za-z0-9_-]+)(?:\[(\d+|"(?:[^"\\]|\\.)*")\])?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(address)) !== null) {
    const k = m[2];
    steps.push({ name: m[1], key: k === undefined ? undefined : k.startsWith('"') ? (JSON.parse(k) as string) : Number(k) });
  }
  return steps;
}

function configPathOf(modulePath: string): string {
  return moduleSteps(modulePath)
    .map((s) => `module.${s.name}`)
    .join(".");
}

function pathOfSteps(steps: readonly Step[]): string {
  return steps
    .map((s) => `module.${s.name}${s.key === undefined ? "" : typeof s.key === "number" ? `[${s.key}]` : `[${JSON.stringify(s.key)}]`}`)
    .join(".");
}

// ---------------------------------------------------------------- plan configuration

interface ConfigModule {
  readonly resources: Map<string, Record<string, unknown>>;
  readonly outputs: Record<string, unknown>;
  readonly variables: Record<string, unknown>;
  readonly calls: Record<string, Record<string, unknown>>;
}

function configModules(root: Record<string, unknown>): Map<string, ConfigModule> {
  const out = new Map<string, ConfigModule>();
  const visit = (m: Record<string, unknown>, configPath: string) => {
    const resources = new Map<string, Record<string, unknown>>();
    for (const r of Array.isArray(m.resources) ? m.resources : []) {
      if (isRecord(r) && typeof r.type === "string" && typeof r.name === "string")
        resources.set(`${r.mode === "data" ? "data." : ""}${r.type}.${r.name}`, r);
    }
    const calls = isRecord(m.module_calls) ? (m.module_calls as Record<string, Record<string, unknown>>) : {};
    out.set(configPath, {
      resources,
      outputs: isRecord(m.outputs) ? m.outputs : {},
      variables: isRecord(m.variables) ? m.variables : {},
      calls,
    });
    for (const [n, call] of Object.entries(calls))
      if (isRecord(call) && isRecord(call.module)) visit(call.module, `${configPath ? `${configPath}.` : ""}module.${n}`);
  };
  visit(root, "");
  return out;
}

/**
 * A plan configuration expression as the value a JSON configuration would hold: `constant_value` as it is (for a
 * JSON-syntax configuration, the template text), nested blocks walked, and an expression known only by its
 * references made Unresolvable, saying why.
 */
function fromPlanExpression(expr: unknown, what: string): unknown {
  if (Array.isArray(expr)) return expr.map((b, i) => fromPlanExpression(b, `${what}[${i}]`));
  if (!isRecord(expr)) return undefined;
  const keys = Object.keys(expr);
  const isExpression = keys.length > 0 && keys.every((k) => k === "constant_value" || k === "references");
  if (!isExpression) return Object.fromEntries(Object.entries(expr).map(([k, v]) => [k, fromPlanExpression(v, `${what}.${k}`)]));
  if ("constant_value" in expr) return expr.constant_value;
  const refs = Array.isArray(expr.references) ? expr.references.filter((r): r is string => typeof r === "string") : [];
  return new Unresolvable(
    `known only after apply, and the plan keeps only the references of its expression (${refs.join(", ") || "none"}), not the expression ` +
      `(the configuration is written in HCL); give the configuration directory (--config DIR) so the verifier can evaluate it`,
  );
}

/** The remote-state data sources an expression of the plan's configuration refers to. */
function remoteStateRefs(expr: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(expr)) for (const e of expr) remoteStateRefs(e, out);
  else if (isRecord(expr)) {
    if (Array.isArray(expr.references)) {
      for (const r of expr.references) {
        const m = typeof r === "string" ? /^data\.terraform_remote_state\.([A-Za-z0-9_-]+)/.exec(r) : null;
        if (m) out.add(`data.terraform_remote_state.${m[1]}`);
      }
    }
    for (const [k, v] of Object.entries(expr)) if (k !== "references" && k !== "constant_value") remoteStateRefs(v, out);
  }
  return out;
}

/** Does a plan expression refer to `each.value` (anywhere in it)? */
function readsEachValue(expr: unknown): boolean {
  if (Array.isArray(expr)) return expr.some(readsEachValue);
  if (!isRecord(expr)) return false;
  if (Array.isArray(expr.references) && expr.references.some((r) => typeof r === "string" && /^each\.value\b/.test(r))) return true;
  return Object.entries(expr).some(([k, v]) => k !== "references" && k !== "constant_value" && readsEachValue(v));
}

/** Does an `after_unknown` tree mark anything unknown? */
function anyUnknown(u: unknown): boolean {
  if (u === true) return true;
  if (Array.isArray(u)) return u.some(anyUnknown);
  if (isRecord(u)) return Object.values(u).some(anyUnknown);
  return false;
}

/** The first body of a block list or object (hcl2json writes each block as a list of bodies). */
function body(v: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(v)) return v.length === 1 && isRecord(v[0]) ? v[0] : undefined;
  return isRecord(v) ? v : undefined;
}

/** A resource block of a module's HCL source. */
function sourceResource(src: ModuleSource | undefined, mode: string, type: string, name: string): Record<string, unknown> | undefined {
  const section = src?.[mode === "data" ? "data" : "resource"];
  const byType = isRecord(section) ? section[type] : undefined;
  return body(isRecord(byType) ? byType[name] : undefined);
}

/**
 * `dynamic "x" { for_each = ...; content { ... } }` in hcl2json form, as a JSON-configuration expression: one
 * template that builds the list of blocks (a `for` over the collection, the iterator named as Terraform names it).
 */
function dynamicBlocks(dyn: unknown, attr: string): unknown {
  const d = body(isRecord(dyn) ? dyn[attr] : undefined);
  if (!d) return undefined;
  const forEach = d.for_each;
  const iterator = typeof d.iterator === "string" ? d.iterator.replace(/^\$\{|\}$/g, "") : attr;
  const content = body(d.content);
  if (content === undefined || typeof forEach !== "string" || !/^\$\{.*\}$/s.test(forEach))
    return new Unresolvable(`a dynamic "${attr}" block the verifier cannot read`);
  return { dynamic: true, forEach: forEach.slice(2, -1), iterator, content };
}

/** The expression of an argument in the HCL source, as a raw JSON-configuration value. */
function sourceArgument(res: Record<string, unknown>, attr: string): unknown {
  const dyn = dynamicBlocks(res.dynamic, attr);
  if (dyn === undefined || dyn instanceof Unresolvable) return dyn ?? res[attr];
  const { forEach, iterator, content } = dyn as { forEach: string; iterator: string; content: Record<string, unknown> };
  // The blocks written out, then one per element of the collection with `iterator.key` / `iterator.value` bound,
  // as Terraform expands a dynamic block.
  const statics = (Array.isArray(res[attr]) ? (res[attr] as unknown[]) : res[attr] === undefined ? [] : [res[attr]]).map((b) =>
    templateToExpression(b, "\u0001"),
  );
  const fields = Object.entries(content).map(([k, v]) => `${JSON.stringify(k)} = ${templateToExpression(v, iterator)}`);
  if ([...fields, ...statics].some((f) => f.includes("\u0000")))
    return new Unresolvable(`a dynamic "${attr}" block whose content the verifier cannot read`);
  return `\${concat([${statics.join(", ")}], [for ${iterator}_key, ${iterator}_value in ${forEach} : {${fields.join(", ")}}])}`;
}

/** A content value of a dynamic block as an expression, its iterator's `.key`/`.value` renamed to plain names. */
function templateToExpression(v: unknown, iterator: string): string {
  const rename = (t: string) => t.replace(new RegExp(`\\b${iterator}\\.(key|value)\\b`, "g"), `${iterator}_$1`);
  if (typeof v === "string") {
    const m = /^\$\{(.*)\}$/s.exec(v);
    if (m && !m[1].includes("${")) return `(${rename(m[1])})`;
    if (!v.includes("${")) return JSON.stringify(v);
    return "\u0000";
  }
  if (typeof v === "number" || typeof v === "boolean" || v === null) return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => templateToExpression(x, iterator)).join(", ")}]`;
  if (isRecord(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)} = ${templateToExpression(x, iterator)}`)
      .join(", ")}}`;
  return "\u0000";
}

// ---------------------------------------------------------------- plans

export function stackFromPlan(name: string, origin: string, json: unknown, source?: ConfigSource): StackSource {
  checkFormat(origin, json);
  const configuration = isRecord(json.configuration) ? json.configuration : undefined;
  const root = configuration && isRecord(configuration.root_module) ? configuration.root_module : undefined;
  if (!root)
    throw new InputError([`${origin}: the plan has no configuration.root_module (was it written by "terraform show -json PLANFILE"?)`]);
  const cfg = configModules(root);
  if (source) {
    const missing = [...cfg.keys()].filter((p) => !source.modules.has(p));
    const extra = [...source.modules.keys()].filter((p) => !cfg.has(p));
    const problems = [
      ...missing.map((p) => `${source.dir}: module ${p} of the plan is not in the configuration directory`),
      ...extra.map((p) => `${source.dir}: module ${p} is not in the plan`),
    ];
    for (const [p, c] of cfg) {
      for (const key of c.resources.keys()) {
        const [mode, type, rname] = key.startsWith("data.") ? ["data", ...key.slice(5).split(".")] : ["managed", ...key.split(".")];
        if (source.modules.has(p) && !sourceResource(source.modules.get(p), mode, type, rname))
          problems.push(
            `${source.dir}: ${p ? `${p}.` : ""}${key} is in the plan but not in the configuration directory (is it the configuration that was planned?)`,
          );
      }
    }
    if (problems.length > 0) throw new InputError(problems);
  }
  const srcOf = (configPath: string) => source?.modules.get(configPath);

  // Every module instance: from planned values, resource addresses and the configuration's calls.
  const instancePaths = new Set<string>([""]);
  const addPath = (p: string) => {
    const steps = moduleSteps(p);
    for (let i = 1; i <= steps.length; i++) instancePaths.add(pathOfSteps(steps.slice(0, i)));
  };
  const walkPlanned = (m: unknown) => {
    if (!isRecord(m)) return;
    if (typeof m.address === "string") addPath(m.address);
    for (const c of Array.isArray(m.child_modules) ? m.child_modules : []) walkPlanned(c);
  };
  walkPlanned(isRecord(json.planned_values) ? json.planned_values.root_module : undefined);

  const resources: RawResource[] = [];
  const seen = new Set<string>();
  const addInstance = (r: Record<string, unknown>, after: unknown, afterUnknown: unknown) => {
    const address = String(r.address);
    if (seen.has(address)) return;
    seen.add(address);
    const modulePath = typeof r.module_address === "string" ? r.module_address : "";
    addPath(modulePath);
    const configPath = configPathOf(modulePath);
    const mode = r.mode === "data" ? "data" : "managed";
    const type = String(r.type);
    const rname = String(r.name);
    const local = `${mode === "data" ? "data." : ""}${type}.${rname}`;
    const planConfig = cfg.get(configPath)?.resources.get(local);
    const src = sourceResource(srcOf(configPath), mode, type, rname);
    const index = typeof r.index === "number" || typeof r.index === "string" ? r.index : undefined;
    const repetition =
      planConfig?.count_expression !== undefined || src?.count !== undefined
        ? "count"
        : planConfig?.for_each_expression !== undefined || src?.for_each !== undefined
          ? "for_each"
          : undefined;
    const config: Record<string, unknown> = {};
    const values = isRecord(after) ? after : {};
    const unknown = isRecord(afterUnknown) ? afterUnknown : {};
    const expressions = planConfig && isRecord(planConfig.expressions) ? planConfig.expressions : {};
    for (const attr of new Set([...Object.keys(values), ...Object.keys(unknown)])) {
      if (!anyUnknown(unknown[attr])) {
        const remote = attr in expressions ? remoteStateRefs(expressions[attr]) : new Set<string>();
        // `each.value` of a for_each instance reads what its for_each map reads (the exported HCL's per-AZ values).
        if (repetition === "for_each" && attr in expressions && readsEachValue(expressions[attr]) && planConfig?.for_each_expression)
          for (const d of remoteStateRefs(planConfig.for_each_expression)) remote.add(d);
        if (remote.size > 0) {
          const expression = src && attr in src ? sourceArgument(src, attr) : fromPlanExpression(expressions[attr], attr);
          config[attr] = new RemoteLinked(values[attr], expression, [...remote]);
        } else config[attr] = new Literal(values[attr]);
        continue;
      }
      // Known only after apply: the expression that computes it, if the configuration sets it.
      if (src && (attr in src || (isRecord(src.dynamic) && attr in src.dynamic))) config[attr] = new Computed(sourceArgument(src, attr));
      else if (!src && attr in expressions) config[attr] = new Computed(fromPlanExpression(expressions[attr], attr));
      // else computed by the provider or AWS: left out, so it reads as "known after apply".
    }
    let eachValue: unknown;
    if (repetition === "for_each" && typeof index === "string") {
      const fe =
        src?.for_each ??
        (isRecord(planConfig?.for_each_expression) ? fromPlanExpression(planConfig!.for_each_expression, "for_each") : undefined);
      eachValue = new EachValue(fe, index);
    }
    // The plan records no lifecycle settings; the HCL source, when given, does.
    const lifecycle = src ? (src.lifecycle ?? null) : undefined;
    resources.push({ mode, type, name: rname, config, module: modulePath, index, repetition, eachValue, lifecycle });
  };

  for (const rc of Array.isArray(json.resource_changes) ? json.resource_changes : []) {
    if (!isRecord(rc) || !isRecord(rc.change) || typeof rc.address !== "string") continue;
    const actions = Array.isArray(rc.change.actions) ? rc.change.actions : [];
    if (actions.length > 0 && actions.every((a) => a === "delete" || a === "forget")) continue;
    if (rc.change.after === null || rc.change.after === undefined) continue;
    addInstance(rc, rc.change.after, rc.change.after_unknown);
  }
  // Data sources read while planning: their values are in the prior state.
  const walkState = (m: unknown) => {
    if (!isRecord(m)) return;
    for (const r of Array.isArray(m.resources) ? m.resources : []) if (isRecord(r) && r.mode === "data") addInstance(r, r.values, {});
    for (const c of Array.isArray(m.child_modules) ? m.child_modules : []) walkState(c);
  };
  walkState(isRecord(json.prior_state) && isRecord(json.prior_state.values) ? json.prior_state.values.root_module : undefined);

  // Module instances, with the expressions of their calls.
  const modules: ModuleInstance[] = [];
  for (const p of [...instancePaths].filter((x) => x !== "")) {
    const steps = moduleSteps(p);
    const last = steps[steps.length - 1];
    const parent = pathOfSteps(steps.slice(0, -1));
    const parentConfigPath = configPathOf(parent);
    const configPath = configPathOf(p);
    const call = cfg.get(parentConfigPath)?.calls[last.name] ?? {};
    const callSrc = body(
      isRecord(srcOf(parentConfigPath)?.module) ? (srcOf(parentConfigPath)!.module as Record<string, unknown>)[last.name] : undefined,
    );
    const inputs: Record<string, unknown> = {};
    if (callSrc) for (const [k, v] of Object.entries(callSrc)) if (!META_ARGUMENTS.has(k)) inputs[k] = v;
    if (!callSrc && isRecord(call.expressions))
      for (const [k, v] of Object.entries(call.expressions)) inputs[k] = fromPlanExpression(v, `${p} input ${k}`);
    const callRepetition =
      call.count_expression !== undefined || callSrc?.count !== undefined
        ? "count"
        : call.for_each_expression !== undefined || callSrc?.for_each !== undefined
          ? "for_each"
          : undefined;
    const callEachValue =
      callRepetition === "for_each" && typeof last.key === "string"
        ? new EachValue(
            callSrc?.for_each ??
              (isRecord(call.for_each_expression) ? fromPlanExpression(call.for_each_expression, "for_each") : undefined),
            last.key,
          )
        : undefined;
    const c = cfg.get(configPath);
    const src = srcOf(configPath);
    modules.push({
      path: p,
      parent,
      inputs,
      callIndex: last.key,
      callEachValue,
      callRepetition,
      variables: variableDefaults(c, src),
      locals: localsOf(src, p),
      outputs: outputsOf(c, src),
      calls: callsOf(c, src),
      declared: declaredOf(c),
    });
  }

  const rootCfg = cfg.get("")!;
  const rootSrc = srcOf("");
  const outputs = outputsOf(rootCfg, rootSrc);
  const planned = isRecord(json.planned_values) && isRecord(json.planned_values.outputs) ? json.planned_values.outputs : {};
  const outputChanges = isRecord(json.output_changes) ? json.output_changes : {};
  for (const [k, v] of Object.entries(planned)) {
    const change = outputChanges[k];
    const unknown = isRecord(change) && isRecord(change.change) ? anyUnknown(change.change.after_unknown) : !isRecord(v) || !("value" in v);
    if (!unknown && isRecord(v) && "value" in v) outputs[k] = new Literal(v.value);
  }
  const variables: Record<string, unknown> = variableDefaults(rootCfg, rootSrc);
  const values = isRecord(json.variables) ? json.variables : {};
  for (const [k, v] of Object.entries(values)) if (isRecord(v) && "value" in v) variables[k] = new Literal(v.value);
  const notes: string[] = [];
  if (!source && [...cfg.values()].some((c) => JSON.stringify([...c.resources.values()]).includes('"references"'))) {
    notes.push(
      `${origin}: values unknown until apply are linked through the plan's configuration section; no configuration directory was given, so an expression written in HCL that is needed is reported, not guessed`,
    );
  }
  if (source)
    notes.push(
      `${origin}: values unknown until apply are evaluated from the configuration in ${source.dir} (checked to declare the plan's modules and resources)`,
    );
  return {
    name,
    origin,
    kind: "plan",
    resources,
    outputs,
    variables,
    locals: localsOf(rootSrc, ""),
    defaultTags: defaultTagsOf(configuration, rootSrc),
    declared: declaredOf(rootCfg),
    modules,
    notes,
  };
}

function variableDefaults(c: ConfigModule | undefined, src: ModuleSource | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c?.variables ?? {})) if (isRecord(v) && "default" in v) out[k] = new Literal(v.default);
  if (src && isRecord(src.variable))
    for (const [k, v] of Object.entries(src.variable))
      if (!(k in out) && isRecord(body(v)) && "default" in body(v)!) out[k] = body(v)!.default;
  return out;
}

function localsOf(src: ModuleSource | undefined, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!src) {
    // A plan does not record locals: each one reads as a problem that says what to give.
    return new Proxy(out, {
      has: () => true,
      get: (_t, k) =>
        new Unresolvable(
          `local.${String(k)}${where ? ` of ${where}` : ""} is not recorded in a plan; give the configuration directory (--config DIR)`,
        ),
    });
  }
  for (const block of Array.isArray(src.locals) ? src.locals : []) if (isRecord(block)) Object.assign(out, block);
  return out;
}

function outputsOf(c: ConfigModule | undefined, src: ModuleSource | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (src && isRecord(src.output)) {
    for (const [k, v] of Object.entries(src.output)) out[k] = body(v)?.value;
    return out;
  }
  for (const [k, v] of Object.entries(c?.outputs ?? {})) out[k] = isRecord(v) ? fromPlanExpression(v.expression, `output ${k}`) : undefined;
  return out;
}

function declaredOf(c: ConfigModule | undefined): Record<string, "count" | "for_each" | "single"> {
  const out: Record<string, "count" | "for_each" | "single"> = {};
  for (const [k, r] of c?.resources ?? [])
    out[k] = r.count_expression !== undefined ? "count" : r.for_each_expression !== undefined ? "for_each" : "single";
  return out;
}

function callsOf(c: ConfigModule | undefined, src: ModuleSource | undefined): Record<string, "count" | "for_each" | "single"> {
  const out: Record<string, "count" | "for_each" | "single"> = {};
  for (const [k, call] of Object.entries(c?.calls ?? {})) {
    const s = body(isRecord(src?.module) ? (src!.module as Record<string, unknown>)[k] : undefined);
    out[k] =
      call.count_expression !== undefined || s?.count !== undefined
        ? "count"
        : call.for_each_expression !== undefined || s?.for_each !== undefined
          ? "for_each"
          : "single";
  }
  return out;
}

function defaultTagsOf(configuration: Record<string, unknown> | undefined, src: ModuleSource | undefined): unknown {
  if (src && isRecord(src.provider)) {
    const aws = src.provider.aws;
    const blocks = Array.isArray(aws) ? aws : [aws];
    const merged: unknown[] = blocks
      .filter(isRecord)
      .filter((b) => b.alias === undefined)
      .flatMap((b) => (Array.isArray(b.default_tags) ? b.default_tags : [b.default_tags]))
      .filter(isRecord)
      .map((d) => d.tags);
    return merged[0] ?? {};
  }
  const providers = configuration && isRecord(configuration.provider_config) ? configuration.provider_config : {};
  const p = providers.aws;
  if (!isRecord(p) || !isRecord(p.expressions)) return {};
  const dt = p.expressions.default_tags;
  for (const block of Array.isArray(dt) ? dt : [dt]) {
    if (isRecord(block) && block.tags !== undefined) return fromPlanExpression(block.tags, "provider aws default_tags");
  }
  return {};
}

// ---------------------------------------------------------------- states

/** A state (`terraform show -json` without a plan file): every value known, ids included. */
export function stackFromState(name: string, origin: string, json: Record<string, unknown>): StackSource {
  const values = json.values as Record<string, unknown>;
  const resources: RawResource[] = [];
  const modules: ModuleInstance[] = [];
  const walk = (m: unknown, modulePath: string) => {
    if (!isRecord(m)) return;
    for (const r of Array.isArray(m.resources) ? m.resources : []) {
      if (!isRecord(r) || typeof r.type !== "string" || typeof r.name !== "string" || !isRecord(r.values)) continue;
      const config = Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k, new Literal(v)]));
      const index = typeof r.index === "number" || typeof r.index === "string" ? r.index : undefined;
      resources.push({
        mode: r.mode === "data" ? "data" : "managed",
        type: r.type,
        name: r.name,
        config,
        module: modulePath,
        index,
        repetition: index === undefined ? undefined : typeof index === "number" ? "count" : "for_each",
      });
    }
    for (const c of Array.isArray(m.child_modules) ? m.child_modules : []) {
      if (!isRecord(c) || typeof c.address !== "string") continue;
      const steps = moduleSteps(c.address);
      modules.push({
        path: c.address,
        parent: modulePath,
        inputs: {},
        callIndex: steps[steps.length - 1]?.key,
        variables: {},
        locals: {},
        outputs: {},
        calls: {},
      });
      walk(c, c.address);
    }
  };
  walk(values.root_module, "");
  const outputs: Record<string, unknown> = {};
  if (isRecord(values.outputs)) for (const [k, v] of Object.entries(values.outputs)) if (isRecord(v)) outputs[k] = new Literal(v.value);
  return {
    name,
    origin,
    kind: "state",
    resources,
    outputs,
    variables: {},
    locals: {},
    defaultTags: {},
    modules,
    notes: [`${origin}: a state: every value is as applied, and resources are linked by their ids`],
  };
}
