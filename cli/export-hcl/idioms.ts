/**
 * What makes an exported stack read like hand-written Terraform, applied to a synthesized stack's JSON before it is
 * printed, without changing any value Terraform computes from it:
 *
 * - `variable` blocks for the environment name, the region, the availability zones and the instance type, whose
 *   defaults are the values the synth used; each literal occurrence is replaced by a reference to the variable, so
 *   with the defaults every value is the same text as before;
 * - boot scripts (user data: a multi-line local, or a base64 literal) moved to template files under `templates/`
 *   and read with `templatefile()`: the file holds the same template text, its interpolations become template
 *   variables bound to the same expressions, and the scripts that differ per AZ only in a few words share one file
 *   with those words as a variable. Every rendering is checked here against the original text (exact), and a
 *   script that cannot be moved exactly stays where it was.
 *
 * Terraform's `templatefile` reads the file as a string template in the same syntax as an inline template, with
 * only the given variables in scope (Terraform language docs, "templatefile Function"); `base64encode` encodes the
 * string's UTF-8 bytes ("base64encode Function").
 */
import { escapeLiteral, parseTemplate, TemplateError, type TemplatePart } from "./template";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

/** The folder (inside a stack folder) that holds the template files. */
export const TEMPLATE_DIR = "templates";

export interface IdiomaticStack {
  /** The stack's JSON with variables and template calls; print it with printStack. */
  readonly json: JsonObject;
  /** Template files, by path relative to the stack folder. */
  readonly files: Readonly<Record<string, string>>;
}

/** Words an environment name must not be, since they also occur in names for other reasons. */
const NOT_AN_ENVIRONMENT_VARIABLE = new Set([
  "egress6",
  "aws",
  "proxy",
  "workload",
  "firewall",
  "endpoint",
  "network",
  "inspection",
  "observability",
  "bootstrap",
  "vpc",
  "logs",
  "ssm",
  "true",
  "false",
]);

interface Variable {
  readonly name: string;
  readonly type: string;
  readonly default: Json;
  readonly description: string;
}

/** A literal value the export turns into a variable reference: its text and the expression replacing it. */
interface Replacement {
  readonly text: string;
  readonly expr: string;
  readonly variable: string;
  /** Replace inside longer text (at word boundaries), or only a whole value. */
  readonly inText: boolean;
}

function providerConfig(json: JsonObject): JsonObject | undefined {
  const aws = isObject(json.provider) ? json.provider.aws : undefined;
  const configs = Array.isArray(aws) ? aws : aws === undefined ? [] : [aws];
  return configs.length === 1 && isObject(configs[0]) ? configs[0] : undefined;
}

/** Every value of `key` in the resources of `types` (all types when undefined). */
function resourceValues(json: JsonObject, key: string, types?: readonly string[]): Json[] {
  const out: Json[] = [];
  if (!isObject(json.resource)) return out;
  for (const [type, byName] of Object.entries(json.resource)) {
    if ((types && !types.includes(type)) || !isObject(byName)) continue;
    for (const body of Object.values(byName)) if (isObject(body) && key in body) out.push(body[key]);
  }
  return out;
}

/** The variables of a stack, from the values the synth wrote (nothing is guessed: a value found twice differently is left literal). */
function findVariables(json: JsonObject): { variables: Variable[]; replacements: Replacement[] } {
  const variables: Variable[] = [];
  const replacements: Replacement[] = [];
  const provider = providerConfig(json);
  const defaultTags =
    isObject(provider) && Array.isArray(provider.default_tags) && isObject(provider.default_tags[0])
      ? provider.default_tags[0].tags
      : undefined;
  const environment = isObject(defaultTags) ? defaultTags["egress6:environment"] : undefined;
  if (typeof environment === "string" && /^[a-z][a-z0-9-]{2,}$/.test(environment) && !NOT_AN_ENVIRONMENT_VARIABLE.has(environment)) {
    variables.push({
      name: "environment",
      type: "string",
      default: environment,
      description: "The egress6 environment: the prefix of every name and the value of the environment tags",
    });
    replacements.push({ text: environment, expr: "var.environment", variable: "environment", inText: true });
  }
  const region = provider?.region;
  if (typeof region === "string" && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    variables.push({ name: "region", type: "string", default: region, description: "The AWS region of the environment" });
    replacements.push({ text: region, expr: "var.region", variable: "region", inText: true });
  }
  const zones = [...new Set(resourceValues(json, "availability_zone"))];
  if (zones.length > 0 && zones.every((z): z is string => typeof z === "string" && /^[a-z]{2}(-[a-z]+)+-\d+[a-z]$/.test(z))) {
    const sorted = [...zones].sort();
    variables.push({
      name: "availability_zones",
      type: "list(string)",
      default: sorted,
      description: "The availability zones, one of each tier's subnets in each",
    });
    sorted.forEach((z, i) =>
      replacements.push({ text: z, expr: `var.availability_zones[${i}]`, variable: "availability_zones", inText: true }),
    );
  }
  const types = [...new Set(resourceValues(json, "instance_type", ["aws_instance", "aws_launch_template"]))];
  if (types.length === 1 && typeof types[0] === "string" && /^[a-z0-9-]+\.[a-z0-9-]+$/.test(types[0])) {
    variables.push({
      name: "instance_type",
      type: "string",
      default: types[0],
      description: "The EC2 instance type of this stack's instances",
    });
    replacements.push({ text: types[0], expr: "var.instance_type", variable: "instance_type", inText: false });
  }
  return { variables, replacements };
}

const WORD = /[A-Za-z0-9]/;

/** Template text with each replacement's literal occurrences (whole words, never right after `$` or `%`) made interpolations. */
function replaceInLiteral(raw: string, replacements: readonly Replacement[], used: Set<string>): string {
  let out = "";
  let i = 0;
  outer: while (i < raw.length) {
    for (const r of replacements) {
      if (!r.inText || !raw.startsWith(r.text, i)) continue;
      const before = i === 0 ? "" : raw[i - 1];
      const after = raw[i + r.text.length] ?? "";
      if (WORD.test(before) || WORD.test(after) || before === "$" || before === "%") continue;
      // The escapes `$${` and `%%{` stay whole: never split one (`$` or `%` before the match is refused above).
      out += `\${${r.expr}}`;
      used.add(r.variable);
      i += r.text.length;
      continue outer;
    }
    out += raw[i];
    i++;
  }
  return out;
}

/** The template text with the replacements made, or undefined when it is not a template this code can split. */
function withVariables(text: string, replacements: readonly Replacement[], used: Set<string>): string | undefined {
  let parts: TemplatePart[];
  try {
    parts = parseTemplate(text);
  } catch (e) {
    if (e instanceof TemplateError) return undefined;
    throw e;
  }
  if (parts.length === 1 && parts[0].kind === "literal") {
    const only = parts[0].raw;
    const whole = replacements.find((r) => escapeLiteral(r.text) === only);
    if (whole) {
      used.add(whole.variable);
      return `\${${whole.expr}}`;
    }
  }
  return parts
    .map((p) => {
      if (p.kind === "literal") return replaceInLiteral(p.raw, replacements, used);
      if (p.kind === "directive") return `%{${p.raw}}`;
      // A quoted zone inside an expression (the firewall endpoint of an AZ) is the zone variable too.
      let expr = p.expr;
      for (const r of replacements) {
        if (r.variable !== "availability_zones") continue;
        const quoted = JSON.stringify(r.text);
        if (expr.includes(quoted)) {
          expr = expr.split(quoted).join(r.expr);
          used.add(r.variable);
        }
      }
      return `\${${expr}}`;
    })
    .join("");
}

/** Keys whose values are references or settings, never text to rewrite. */
const NOT_TEXT = new Set(["//", "depends_on", "lifecycle", "provider", "count", "for_each"]);

function rewriteStrings(value: Json, rewrite: (s: string) => string, key = ""): Json {
  if (NOT_TEXT.has(key)) return value;
  if (typeof value === "string") return rewrite(value);
  if (Array.isArray(value)) return value.map((v) => rewriteStrings(v, rewrite));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteStrings(v, rewrite, k)]));
  return value;
}

// ---- boot scripts as template files ----

/** A script found in the stack: where it is, its template text, and how a template call replaces it. */
interface Script {
  /** The local's name, or `<type>.<name>` of the resource. */
  readonly name: string;
  readonly text: string;
  readonly set: (call: string) => void;
  /** The value written in place of the script, given the templatefile() call. */
  readonly wrap: (call: string) => string;
}

/** Lines a multi-line local must have to move into a file of its own. */
const MIN_SCRIPT_LINES = 10;

function findScripts(json: JsonObject): Script[] {
  const scripts: Script[] = [];
  if (isObject(json.locals)) {
    const locals = json.locals;
    for (const [name, value] of Object.entries(locals)) {
      if (typeof value !== "string" || !value.endsWith("\n") || value.split("\n").length <= MIN_SCRIPT_LINES) continue;
      scripts.push({ name, text: value, set: (v) => (locals[name] = v), wrap: (call) => `\${${call}}` });
    }
  }
  if (isObject(json.resource)) {
    for (const [type, byName] of Object.entries(json.resource)) {
      if (!isObject(byName)) continue;
      for (const [name, body] of Object.entries(byName)) {
        if (!isObject(body) || typeof body.user_data !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(body.user_data)) continue;
        const bytes = Buffer.from(body.user_data, "base64");
        const text = bytes.toString("utf8");
        // Only text that is exactly these bytes (UTF-8, no NUL), whose base64 is exactly the literal, and a script.
        if (
          bytes.toString("base64") !== body.user_data ||
          !Buffer.from(text, "utf8").equals(bytes) ||
          text.includes("\u0000") ||
          !/^(#!|#cloud-config)/.test(text)
        )
          continue;
        scripts.push({
          name: `${type}.${name}`,
          text: escapeLiteral(text),
          set: (v) => (body.user_data = v),
          wrap: (call) => `\${base64encode(${call})}`,
        });
      }
    }
  }
  return scripts;
}

/** A template variable's name for an expression: its last attribute name (`var.environment` -> `environment`). */
function nameOf(expr: string): string | undefined {
  const m = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*(?:\[\d+\])?$/.exec(expr.trim());
  if (!m) return undefined;
  const last = expr
    .trim()
    .replace(/\[(\d+)\]$/, "_$1")
    .split(".")
    .pop()!;
  return last.replace(/-/g, "_");
}

/** The longest common prefix and suffix (not overlapping) of strings. */
function commonEnds(values: readonly string[]): { prefix: number; suffix: number } {
  const min = Math.min(...values.map((v) => v.length));
  let prefix = 0;
  while (prefix < min && values.every((v) => v[prefix] === values[0][prefix])) prefix++;
  let suffix = 0;
  while (suffix < min - prefix && values.every((v) => v[v.length - 1 - suffix] === values[0][values[0].length - 1 - suffix])) suffix++;
  return { prefix, suffix };
}

/** Text safe to be the value of a template variable standing for literal text (no template or escape characters). */
const PLAIN = /^[A-Za-z0-9._:/-]*$/;

interface TemplateFile {
  /** The file's template text. */
  readonly text: string;
  /** For each script: the template variables and the expression each is bound to. */
  readonly bindings: ReadonlyMap<string, string>[];
}

/**
 * One template for scripts that differ only within lines: each differing line keeps its common start and end and
 * the middle becomes a variable (one per distinct column of middles). Then every interpolation becomes a variable
 * bound to its expression. Undefined when the scripts do not line up or the result does not give back each text.
 */
function templateFor(scripts: readonly Script[], reserved: readonly string[]): TemplateFile | undefined {
  const lines = scripts.map((s) => s.text.split("\n"));
  if (lines.some((l) => l.length !== lines[0].length)) return undefined;
  const columns: string[][] = [];
  const columnNames: string[] = [];
  const partNames = commonEnds(scripts.map((s) => s.name));
  const nameParts = scripts.map((s) => s.name.slice(partNames.prefix, s.name.length - partNames.suffix));
  const merged: string[] = [];
  for (let i = 0; i < lines[0].length; i++) {
    const variants = lines.map((l) => l[i]);
    if (variants.every((v) => v === variants[0])) {
      merged.push(variants[0]);
      continue;
    }
    let { prefix, suffix } = commonEnds(variants);
    // The variable holds whole words: `120` and `0`, never `12` and `` before a shared `0`.
    while (prefix > 0 && /[A-Za-z0-9]/.test(variants[0][prefix - 1])) prefix--;
    while (suffix > 0 && /[A-Za-z0-9]/.test(variants[0][variants[0].length - suffix])) suffix--;
    // Never cut through an interpolation, a directive or an escape: the cut sits between plain word characters.
    const head = variants[0].slice(0, prefix);
    const tail = variants[0].slice(variants[0].length - suffix);
    const middles = variants.map((v) => v.slice(prefix, v.length - suffix));
    if (/[$%]$/.test(head) || !middles.every((m) => PLAIN.test(m)) || /\$\{[^}]*$|%\{[^}]*$/.test(head)) return undefined;
    let column = columns.findIndex((c) => c.every((m, j) => m === middles[j]));
    if (column < 0) {
      columns.push(middles);
      column = columns.length - 1;
      // The AZ suffix that leads each script's name (`proxy_a_user_data`, `proxy_a_2_user_data`: `a`), and the
      // proxy slot `<az>-<n>` (a standby's name carries its slot number, the primary's none).
      const zones = nameParts.map((n) => /^([a-z])(?:_\d+)?$/.exec(n)?.[1]);
      const zone = zones.every((z, j) => z !== undefined && middles[j] === z);
      const slot = zones.every((z, j) => z !== undefined && new RegExp(`^${z}-\\d+$`).test(middles[j]));
      // A shell assignment's value is named after its variable (`EGRESS6_ROLLOUT_DELAY_SECONDS=120`:
      // `rollout_delay_seconds`), unless that name is taken.
      const assigned = /([A-Za-z_][A-Za-z0-9_]*)=$/
        .exec(head)?.[1]
        .toLowerCase()
        .replace(/^egress6_/, "");
      const free = (n: string | undefined) => n !== undefined && !reserved.includes(n) && !columnNames.includes(n);
      columnNames.push(zone ? "zone" : slot ? "slot" : free(assigned) ? assigned! : `part_${column + 1}`);
    }
    merged.push(`${head}\${${columnNames[column]}}${tail}`);
    prefix = suffix = 0;
  }
  // Every interpolation of the merged text: its expression becomes a variable (the column variables are already names).
  let parts: TemplatePart[];
  try {
    parts = parseTemplate(merged.join("\n"));
  } catch (e) {
    if (e instanceof TemplateError) return undefined;
    throw e;
  }
  if (parts.some((p) => p.kind === "directive")) return undefined;
  const exprNames = new Map<string, string>();
  const taken = new Set([...columnNames, ...reserved]);
  let text = "";
  for (const p of parts) {
    if (p.kind === "literal") {
      text += p.raw;
      continue;
    }
    const expr = p.kind === "interpolation" ? p.expr : "";
    if (columnNames.includes(expr)) {
      text += `\${${expr}}`;
      continue;
    }
    if (/^~|~$/.test(expr.trim())) return undefined;
    let name = exprNames.get(expr.trim());
    if (name === undefined) {
      const base = nameOf(expr) ?? "value";
      name = base;
      for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
      taken.add(name);
      exprNames.set(expr.trim(), name);
    }
    text += `\${${name}}`;
  }
  const bindings = scripts.map((_s, j) => {
    const b = new Map<string, string>();
    columnNames.forEach((n, c) => b.set(n, JSON.stringify(columns[c][j])));
    for (const [expr, n] of exprNames) b.set(n, expr);
    return b;
  });
  // The check: substituting each script's values into the file gives back exactly its text.
  for (const [j, s] of scripts.entries()) {
    const rendered = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, n: string, at: number) => {
      if (at > 0 && (text[at - 1] === "$" || text[at - 1] === "%")) return m;
      const col = columnNames.indexOf(n);
      if (col >= 0) return columns[col][j];
      const expr = [...exprNames].find(([, v]) => v === n)?.[0];
      return expr === undefined ? m : `\${${expr}}`;
    });
    if (rendered !== s.text) return undefined;
  }
  return { text, bindings };
}

/** `templatefile(...)` of a file with its variables, one per line. */
function templateCall(file: string, binding: ReadonlyMap<string, string>): string {
  const args = [...binding].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `  ${k} = ${v}`);
  return `templatefile("\${path.module}/${file}", {\n${args.join("\n")}\n})`;
}

/** A file name from a script's name: `proxy_a_user_data` (with others differing in `a`) -> `proxy-user-data`. */
function fileBase(scripts: readonly Script[]): string {
  const names = scripts.map((s) => s.name.replace(/^aws_[a-z0-9_]+\./, ""));
  let base: string;
  if (names.length === 1) base = names[0];
  else {
    const { prefix, suffix } = commonEnds(names);
    base = `${names[0].slice(0, prefix)}${names[0].slice(names[0].length - suffix)}`;
  }
  base =
    base
      .replace(/[^A-Za-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .toLowerCase() || "script";
  return base.endsWith("user-data") ? base : `${base}-user-data`;
}

/** Groups scripts that one template can serve (same line count, differing within lines) and moves each group to a file. */
function moveScripts(json: JsonObject, files: Record<string, string>, transform: (text: string) => string | undefined): void {
  const kindOf = (s: Script) => (s.name.includes(".") ? s.name.split(".")[0] : "local");
  const scripts: Script[] = [];
  for (const s of findScripts(json)) {
    const text = transform(s.text);
    if (text !== undefined) scripts.push({ ...s, text });
  }
  const groups: Script[][] = [];
  for (const s of scripts) {
    const group = groups.find((g) => kindOf(g[0]) === kindOf(s) && templateFor([...g, s], []) !== undefined);
    if (group) group.push(s);
    else groups.push([s]);
  }
  for (const group of groups) {
    const template = templateFor(group, []);
    if (template === undefined) continue;
    const shell = group[0].text.startsWith("#!");
    const ext = shell ? ".sh.tftpl" : ".tftpl";
    let file = `${TEMPLATE_DIR}/${fileBase(group)}${ext}`;
    for (let n = 2; file in files; n++) file = `${TEMPLATE_DIR}/${fileBase(group)}-${n}${ext}`;
    files[file] = template.text;
    group.forEach((s, j) => s.set(s.wrap(templateCall(file, template.bindings[j]))));
  }
}

/** The stack made idiomatic (see the file comment); `stack` is not changed. */
export function idiomaticStack(stack: Record<string, unknown>): IdiomaticStack {
  const json = structuredClone(stack) as JsonObject;
  const { variables, replacements } = findVariables(json);
  const used = new Set<string>();
  const files: Record<string, string> = {};
  const rewrite = (s: string) => withVariables(s, replacements, used) ?? s;
  // Scripts first (base64 user data decoded into template text), with the variables in them, then everything else.
  moveScripts(json, files, (text) => withVariables(text, replacements, used));
  for (const kind of ["resource", "locals"] as const) {
    if (json[kind] !== undefined) json[kind] = rewriteStrings(json[kind], (s) => (s.includes("templatefile(") ? s : rewrite(s)));
  }
  // An output's description must be a literal (Terraform refuses variables there); only its value may refer to them.
  if (isObject(json.output)) {
    for (const out of Object.values(json.output))
      if (isObject(out) && out.value !== undefined) out.value = rewriteStrings(out.value, rewrite);
  }
  if (isObject(json.data)) {
    // Remote state paths stay literal, like the backend's own (a backend cannot read variables).
    const { terraform_remote_state: remote, ...rest } = json.data;
    json.data = { ...(rewriteStrings(rest, rewrite) as JsonObject), ...(remote === undefined ? {} : { terraform_remote_state: remote }) };
  }
  const provider = providerConfig(json);
  if (provider) Object.assign(provider, rewriteStrings(provider, rewrite));
  const declared = variables.filter((v) => used.has(v.name));
  if (declared.length > 0) {
    json.variable = Object.fromEntries(declared.map((v) => [v.name, { description: v.description, type: v.type, default: v.default }]));
  }
  return { json, files };
}
