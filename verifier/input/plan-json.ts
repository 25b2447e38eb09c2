/**
 * Reads `terraform show -json` plan files. Ids are unknown before apply, so resources are linked through the
 * plan's `configuration` section: for a JSON-syntax configuration (what cdktf writes) each `constant_value` holds
 * the original template text, which is evaluated exactly as in cdktf.out. Where only `references` are given
 * (a configuration written in HCL), a single reference stands for the expression. Stacks are named by file
 * (`network.plan.json` -> `network`); remote-state outputs are matched across files by output name.
 */
import * as path from "node:path";
import { readJson } from "./cdktf-out";
import { InputError, isRecord, type RawResource, type StackSource } from "./source";

/** The plan JSON format this reader understands (Terraform "JSON Output Format", format_version 1.x). */
const SUPPORTED_FORMAT_MAJOR = "1";

export function stackNameOfPlanFile(file: string): string {
  return path.basename(file).replace(/\.plan\.json$|\.json$/i, "");
}

export function loadPlanFiles(files: readonly string[]): StackSource[] {
  const problems: string[] = [];
  const stacks: StackSource[] = [];
  for (const file of files) {
    try {
      stacks.push(stackFromPlan(stackNameOfPlanFile(file), file, readJson(file)));
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.problems);
      else throw e;
    }
  }
  const seen = new Map<string, string>();
  for (const s of stacks) {
    const other = seen.get(s.name);
    if (other) problems.push(`${s.origin}: stack name "${s.name}" is also the name of ${other}; give each plan file its stack's name`);
    seen.set(s.name, s.origin);
  }
  if (problems.length > 0) throw new InputError(problems);
  return stacks;
}

export function stackFromPlan(name: string, origin: string, json: unknown): StackSource {
  if (!isRecord(json) || typeof json.format_version !== "string") {
    throw new InputError([`${origin}: not a "terraform show -json" plan (no format_version)`]);
  }
  if (json.format_version.split(".")[0] !== SUPPORTED_FORMAT_MAJOR) {
    throw new InputError([`${origin}: plan format_version ${json.format_version} is not supported (expected 1.x)`]);
  }
  const configuration = isRecord(json.configuration) ? json.configuration : undefined;
  const root = configuration && isRecord(configuration.root_module) ? configuration.root_module : undefined;
  if (!root) throw new InputError([`${origin}: the plan has no configuration.root_module (was it written by "terraform show -json PLANFILE"?)`]);
  if (Array.isArray(root.module_calls) || (isRecord(root.module_calls) && Object.keys(root.module_calls).length > 0)) {
    throw new InputError([`${origin}: the configuration calls modules, which the verifier does not follow`]);
  }
  const resources: RawResource[] = [];
  for (const r of Array.isArray(root.resources) ? root.resources : []) {
    if (!isRecord(r) || typeof r.type !== "string" || typeof r.name !== "string") continue;
    if (r.count_expression !== undefined || r.for_each_expression !== undefined) {
      throw new InputError([`${origin}: ${r.type}.${r.name} uses count or for_each, which the verifier does not model`]);
    }
    resources.push({
      mode: r.mode === "data" ? "data" : "managed",
      type: r.type,
      name: r.name,
      config: isRecord(r.expressions) ? blockBody(r.expressions) : {},
    });
  }
  const outputs: Record<string, unknown> = {};
  if (isRecord(root.outputs)) {
    for (const [k, v] of Object.entries(root.outputs)) outputs[k] = isRecord(v) ? expressionValue(v.expression) : undefined;
  }
  const variables: Record<string, unknown> = {};
  if (isRecord(root.variables)) for (const [k, v] of Object.entries(root.variables)) variables[k] = isRecord(v) ? v.default : undefined;
  const values = isRecord(json.variables) ? json.variables : {};
  for (const [k, v] of Object.entries(values)) if (isRecord(v) && "value" in v) variables[k] = v.value;
  return { name, origin, resources, outputs, variables, locals: {}, defaultTags: defaultTagsOf(configuration) };
}

/** Is this an expression object (`{constant_value}` / `{references}`) rather than a nested block's body? */
function isExpression(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k === "constant_value" || k === "references");
}

/** A plan expression as the value a JSON configuration would hold. */
function expressionValue(expr: unknown): unknown {
  if (!isRecord(expr)) return undefined;
  if ("constant_value" in expr) return expr.constant_value;
  const refs = Array.isArray(expr.references) ? expr.references.filter((r): r is string => typeof r === "string") : [];
  // Terraform lists the most specific traversal first (`aws_subnet.a.id`, then `aws_subnet.a`).
  if (refs.length > 0) return `\${${refs[0]}}`;
  return undefined;
}

/** A block body: attributes are expressions, nested blocks are lists of bodies (or one body). */
function blockBody(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) out[k] = v.map((b) => (isRecord(b) ? blockBody(b) : b));
    else if (isRecord(v)) out[k] = isExpression(v) ? expressionValue(v) : blockBody(v);
  }
  return out;
}

function defaultTagsOf(configuration: Record<string, unknown> | undefined): Record<string, unknown> {
  const providers = configuration && isRecord(configuration.provider_config) ? configuration.provider_config : {};
  const tags: Record<string, unknown> = {};
  for (const [key, p] of Object.entries(providers)) {
    if (!(key === "aws" || key.startsWith("aws.")) || !isRecord(p) || !isRecord(p.expressions)) continue;
    const dt = p.expressions.default_tags;
    for (const block of Array.isArray(dt) ? dt : [dt]) {
      if (isRecord(block) && isRecord(block.tags)) {
        const value = expressionValue(block.tags);
        if (isRecord(value)) Object.assign(tags, value);
      }
    }
  }
  return tags;
}
