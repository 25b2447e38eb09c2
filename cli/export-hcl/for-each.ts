/**
 * `for_each` over the availability zones, applied to a stack's JSON after idioms.ts: resources of one type whose
 * names differ only in one `_`-separated segment that is an AZ suffix (`vpc_endpoint_a`, `vpc_endpoint_b`; the
 * suffix is what follows the digit of each name in `var.availability_zones`) and whose bodies differ only in
 * per-AZ values become one resource (`vpc_endpoint`) with `for_each` keyed by the suffix:
 *
 * - a value that is the AZ suffix itself (`"a"`, or the word `a` in `"${var.environment}-endpoint-a"`) is `each.key`;
 * - a reference to another grouped resource of the same AZ is `aws_x.name[each.key]`;
 * - any other value that differs (the zone `var.availability_zones[0]`, a subnet number) is `each.value` (or
 *   `each.value.<name>` when there are several), the values written in the `for_each` map itself;
 * - every reference elsewhere to one AZ's resource names its instance: `aws_subnet.vpc_endpoint["a"].id`.
 *
 * Every instance of a group is rendered back from the group's body (each.key, each.value put in place, textually)
 * and must give exactly the original member's JSON (with the references renamed); a group that does not, or whose
 * members are named by a `depends_on`, `lifecycle` or `provider` argument, stays as separate blocks, and groups
 * that referred to its members are tried again without it. The old addresses move to the new ones with `moved`
 * blocks (Terraform docs, "Refactor modules": a `moved` block records that the object at `from` is now at
 * `to`, so the plan moves it in state instead of destroying and creating it).
 */
import { parseTemplate, TemplateError, type TemplatePart } from "./template";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

/** One `moved` block: resource addresses as Terraform writes them. */
export interface Moved {
  readonly from: string;
  readonly to: string;
}

export interface ForEachStack {
  /** The stack's JSON with the groups written once, with `for_each`. */
  readonly json: JsonObject;
  /** Old address to new address, in the order of the resources. */
  readonly moved: readonly Moved[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Meta-arguments whose values name resources as addresses (a group's member named there keeps its own block). */
const ADDRESS_KEYS = new Set(["depends_on", "lifecycle", "provider"]);

/** An availability zone's name, as idioms.ts recognises one (`us-east-1a`); the suffix is the letters after the digit. */
const ZONE = /(?<![A-Za-z0-9-])[a-z]{2}(?:-[a-z]+)+-[0-9]+([a-z])(?![A-Za-z0-9-])/g;

/**
 * The suffix of each zone the stack names (`us-east-1a` -> `a`): the default of `var.availability_zones`, or the zone
 * names in its text (a stack whose resources take no zone argument still names them, in descriptions and keys).
 * Undefined when there are fewer than two, or two share a suffix.
 */
export function zoneSuffixes(json: JsonObject): string[] | undefined {
  const zones = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === "string") for (const m of v.matchAll(ZONE)) zones.add(m[0]);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) Object.values(v).forEach(walk);
  };
  walk(json);
  const suffixes = [...zones].sort().map((z) => /([a-z])$/.exec(z)![1]);
  if (suffixes.length < 2 || new Set(suffixes).size !== suffixes.length) return undefined;
  return suffixes;
}

interface Member {
  readonly name: string;
  readonly key: string;
}

interface Group {
  readonly type: string;
  readonly name: string;
  readonly members: readonly Member[];
}

/** Candidate groups: per type, names equal but for one segment that is a zone suffix, two or more of them. */
function candidates(resources: JsonObject, suffixes: readonly string[]): Group[] {
  const groups: Group[] = [];
  for (const [type, byName] of Object.entries(resources)) {
    if (!isObject(byName)) continue;
    const byGroup = new Map<string, Member[]>();
    for (const [name, body] of Object.entries(byName)) {
      if (!isObject(body) || body.count !== undefined || body.for_each !== undefined) continue;
      const segments = name.split("_");
      const at = segments.flatMap((s, i) => (suffixes.includes(s) ? [i] : []));
      if (at.length !== 1) continue;
      const group = segments.filter((_s, i) => i !== at[0]).join("_");
      if (!IDENTIFIER.test(group)) continue;
      const pattern = segments.map((s, i) => (i === at[0] ? "*" : s)).join("_");
      const list = byGroup.get(pattern) ?? [];
      list.push({ name, key: segments[at[0]] });
      byGroup.set(pattern, list);
    }
    const names = new Set(Object.keys(byName));
    const taken = new Set<string>();
    for (const [pattern, members] of byGroup) {
      const name = pattern
        .split("_")
        .filter((s) => s !== "*")
        .join("_");
      if (members.length < 2 || names.has(name) || taken.has(name)) continue;
      taken.add(name);
      members.sort((a, b) => suffixes.indexOf(a.key) - suffixes.indexOf(b.key));
      groups.push({ type, name, members });
    }
  }
  return groups;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Rewrites the references in the interpolations of every string: `type.old` -> `type.group["key"]`. */
class Renamer {
  private readonly pattern: RegExp | undefined;
  private readonly to = new Map<string, string>();

  constructor(groups: readonly Group[]) {
    for (const g of groups) for (const m of g.members) this.to.set(`${g.type}.${m.name}`, `${g.type}.${g.name}[${JSON.stringify(m.key)}]`);
    const alternatives = [...this.to.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern =
      alternatives.length === 0 ? undefined : new RegExp(`(?<![A-Za-z0-9_.-])(${alternatives.join("|")})(?![A-Za-z0-9_-])`, "g");
  }

  /** Whether a string names a member (anywhere, as text). */
  names(s: string): boolean {
    if (this.pattern === undefined) return false;
    this.pattern.lastIndex = 0;
    return this.pattern.test(s);
  }

  /** The template with its references renamed; undefined when it cannot be split. */
  template(s: string): string | undefined {
    if (this.pattern === undefined || !this.names(s)) return s;
    let parts: TemplatePart[];
    try {
      parts = parseTemplate(s);
    } catch (e) {
      if (e instanceof TemplateError) return undefined;
      throw e;
    }
    return parts
      .map((p) => {
        if (p.kind === "literal") return p.raw;
        const inner = p.kind === "interpolation" ? p.expr : p.raw;
        const renamed = inner.replace(this.pattern!, (m) => this.to.get(m) ?? m);
        return `${p.kind === "interpolation" ? "$" : "%"}{${renamed}}`;
      })
      .join("");
  }

  /** A JSON value with every string's references renamed; throws Unrenamable for a string it cannot split. */
  value(v: Json, key = ""): Json {
    if (typeof v === "string") {
      const r = this.template(v);
      if (r === undefined) throw new Unrenamable(v);
      return r;
    }
    if (Array.isArray(v)) return v.map((x) => this.value(x, key));
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === "//" ? x : this.value(x, k)]));
    return v;
  }
}

class Unrenamable extends Error {}

// ---- unification of the members' bodies ----

/** A value that differs between instances: its column of values (one per key, as template text or JSON). */
interface Column {
  readonly name: string;
  /**
   * `text`: plain text (a word of a template, or a quoted string of an expression); `expr`: an HCL expression;
   * `json`: a JSON number or boolean.
   */
  readonly kind: "text" | "expr" | "json";
  readonly values: readonly Json[];
}

class NotUniform extends Error {}

/** Tokens of an expression: quoted strings, traversals, numbers, white space, single characters. */
const EXPR_TOKEN =
  /"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\]|\["[^"\\]*"\])*|[0-9]+(?:\.[0-9]+)?|\s+|./gs;
/** Tokens of template text: a zone name whole, words, single characters. */
const LITERAL_TOKEN = /[a-z]{2}(?:-[a-z]+)+-[0-9]+[a-z](?![A-Za-z0-9])|[A-Za-z0-9]+|[^A-Za-z0-9]/gs;
const ZONE_NAME = /^[a-z]{2}(?:-[a-z]+)+-[0-9]+[a-z]$/;
const TRAVERSAL = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\]|\["[^"\\]*"\])*$/;
const SIMPLE_STRING = /^"[A-Za-z0-9._:/-]*"$/;
const NUMBER = /^[0-9]+(?:\.[0-9]+)?$/;

class Unifier {
  readonly columns: Column[] = [];

  constructor(readonly keys: readonly string[]) {}

  /** The column for these values (one already made for the same values is reused). */
  column(kind: Column["kind"], values: readonly Json[], hint: string): string {
    const same = this.columns.find((c) => c.kind === kind && JSON.stringify(c.values) === JSON.stringify(values));
    if (same) return same.name;
    const base =
      hint
        .replace(/[^A-Za-z0-9]+/g, "_")
        .replace(/^_+|_+$/g, "")
        .toLowerCase()
        .replace(/^(?=[0-9])/, "v_") || "value";
    let name = base;
    for (let n = 2; this.columns.some((c) => c.name === name); n++) name = `${base}_${n}`;
    this.columns.push({ name, kind, values });
    return name;
  }

  /** A column of plain text; named `zone` when it holds the zones' names. */
  text(values: readonly string[], hint: string): string {
    return this.column("text", values, values.every((v) => ZONE_NAME.test(v)) ? "zone" : hint);
  }

  unify(values: readonly Json[], hint: string): Json {
    const first = values[0];
    if (values.every((v) => JSON.stringify(v) === JSON.stringify(first))) return first;
    if (values.every((v) => typeof v === "string")) return this.string(values as string[], hint);
    if (values.every((v) => typeof v === "number") || values.every((v) => typeof v === "boolean"))
      return `\${${this.ref(this.column("json", values, hint))}}`;
    if (values.every(Array.isArray)) {
      const arrays = values as Json[][];
      if (arrays.some((a) => a.length !== arrays[0].length)) throw new NotUniform();
      return arrays[0].map((_x, i) =>
        this.unify(
          arrays.map((a) => a[i]),
          hint,
        ),
      );
    }
    if (values.every(isObject)) {
      const objects = values as JsonObject[];
      const keys = Object.keys(objects[0]);
      if (objects.some((o) => Object.keys(o).join("\u0000") !== keys.join("\u0000"))) throw new NotUniform();
      return Object.fromEntries(
        keys.map((k) => [
          k,
          this.unify(
            objects.map((o) => o[k]),
            k,
          ),
        ]),
      );
    }
    throw new NotUniform();
  }

  /** `each.value` or `each.value.<name>`: which one is decided when the columns are known (see finish). */
  ref(column: string): string {
    return `\uE010${column}\uE011`;
  }

  string(values: readonly string[], hint: string): string {
    // The marks of a column reference (ref) must not occur in the text itself.
    if (values.some((v) => /[\uE010\uE011]/.test(v))) throw new NotUniform();
    let parsed: TemplatePart[][];
    try {
      parsed = values.map((v) => parseTemplate(v));
    } catch (e) {
      if (e instanceof TemplateError) throw new NotUniform();
      throw e;
    }
    const shape = (ps: TemplatePart[]) => ps.map((p) => p.kind).join(",");
    if (parsed.some((ps) => shape(ps) !== shape(parsed[0]))) throw new NotUniform();
    return parsed[0]
      .map((p, i) => {
        const column = parsed.map((ps) => ps[i]);
        if (p.kind === "directive") {
          if (column.some((c) => c.kind !== "directive" || c.raw !== p.raw)) throw new NotUniform();
          return `%{${p.raw}}`;
        }
        if (p.kind === "literal")
          return this.literal(
            column.map((c) => (c as { raw: string }).raw),
            hint,
          );
        return `\${${this.expression(
          column.map((c) => (c as { expr: string }).expr),
          hint,
        )}}`;
      })
      .join("");
  }

  literal(raws: readonly string[], hint: string): string {
    const tokens = raws.map((r) => r.match(LITERAL_TOKEN) ?? []);
    if (tokens.some((t) => t.length !== tokens[0].length)) throw new NotUniform();
    let out = "";
    for (let i = 0; i < tokens[0].length; i++) {
      const column = tokens.map((t) => t[i]);
      if (column.every((t) => t === column[0])) {
        out += column[0];
        continue;
      }
      // Only whole words differ, and never right after `$` or `%` (`$${` would become an escape).
      if (!column.every((t) => /^[A-Za-z0-9-]+$/.test(t)) || /[$%]$/.test(out)) throw new NotUniform();
      out += column.every((t, j) => t === this.keys[j]) ? "${each.key}" : `\${${this.ref(this.text(column, hint))}}`;
    }
    return out;
  }

  expression(exprs: readonly string[], hint: string): string {
    const tokens = exprs.map((e) => e.match(EXPR_TOKEN) ?? []);
    if (tokens.some((t) => t.length !== tokens[0].length)) throw new NotUniform();
    let out = "";
    for (let i = 0; i < tokens[0].length; i++) {
      const column = tokens.map((t) => t[i]);
      if (column.every((t) => t === column[0])) {
        out += column[0];
        continue;
      }
      // What follows the token must not make it a function name or an object key.
      const next = tokens[0].slice(i + 1).find((t) => !/^\s+$/.test(t)) ?? "";
      if (next === "(" || next === "=" || next === ":") throw new NotUniform();
      if (column.every((t, j) => t === JSON.stringify(this.keys[j]))) {
        out += "each.key";
        continue;
      }
      if (column.every((t) => TRAVERSAL.test(t))) {
        const own = column.map((t, j) => t.split(`[${JSON.stringify(this.keys[j])}]`).join("[each.key]"));
        if (own.every((t) => t === own[0]) && own[0] !== column[0] && column.every((t) => !t.includes("[each.key]"))) {
          out += own[0];
          continue;
        }
      }
      if (column.every((t) => SIMPLE_STRING.test(t))) {
        out += this.ref(
          this.text(
            column.map((t) => JSON.parse(t) as string),
            hint,
          ),
        );
        continue;
      }
      if (!column.every((t) => TRAVERSAL.test(t) || NUMBER.test(t))) throw new NotUniform();
      if (column.some((t) => /\beach\b|\bcount\b|\bself\b/.test(t))) throw new NotUniform();
      out += this.ref(this.column("expr", column, hint));
    }
    return out;
  }
}

/** The group's body and for_each, or undefined when the members do not unify. */
function unifyGroup(bodies: readonly JsonObject[], keys: readonly string[]): JsonObject | undefined {
  const u = new Unifier(keys);
  let body: Json;
  try {
    const stripped = bodies.map((b) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== "//")) as JsonObject);
    body = u.unify(stripped, "value");
  } catch (e) {
    if (e instanceof NotUniform) return undefined;
    throw e;
  }
  const single = u.columns.length === 1;
  const refText = (name: string) => (single ? "each.value" : `each.value.${name}`);
  const finish = (v: Json): Json => {
    if (typeof v === "string") return v.replace(/\uE010([A-Za-z0-9_]+)\uE011/g, (_m, n: string) => refText(n));
    if (Array.isArray(v)) return v.map(finish);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, finish(x)]));
    return v;
  };
  const valueOf = (c: Column, j: number): Json => {
    const v = c.values[j];
    if (c.kind === "json") return v;
    if (c.kind === "text") return v as string;
    // A number token is the number (the same HCL; hcl2json reads it back as one).
    if (NUMBER.test(v as string) && String(Number(v)) === v) return Number(v);
    return `\${${v as string}}`;
  };
  const forEach: Json =
    u.columns.length === 0
      ? `\${toset([${keys.map((k) => JSON.stringify(k)).join(", ")}])}`
      : Object.fromEntries(
          keys.map((k, j) => [k, single ? valueOf(u.columns[0], j) : Object.fromEntries(u.columns.map((c) => [c.name, valueOf(c, j)]))]),
        );
  const comments = bodies.map((b) => (isObject(b["//"]) && isObject(b["//"].metadata) ? b["//"].metadata.path : undefined));
  const comment: JsonObject =
    comments.every((c) => typeof c === "string") && bodies.length > 0
      ? { "//": { metadata: { path: (comments as string[]).join(", ") } } }
      : {};
  return { ...comment, for_each: forEach, ...(finish(body) as JsonObject) };
}

// ---- the check: each instance rendered back from the group, independently of the unifier ----

/** The values of each.key and each.value for one key, as the group's for_each gives them. */
interface Instance {
  readonly key: string;
  /** each.value (one column) or each.value.<name>: JSON for a literal, `${expr}` for an expression. */
  readonly value: Json;
}

function valueText(v: Json): { text?: string; expr?: string } {
  if (typeof v === "string") {
    const m = /^\$\{([\s\S]*)\}$/.exec(v);
    return m ? { expr: m[1] } : { text: v };
  }
  return { expr: JSON.stringify(v) };
}

function lookup(instance: Instance, path: string): Json | undefined {
  if (path === "") return instance.value;
  return isObject(instance.value) ? instance.value[path] : undefined;
}

const EACH = /\beach\.(key|value)(?:\.([A-Za-z0-9_]+))?/g;

/** A string of the group's body as this instance gives it. */
function renderString(s: string, instance: Instance): string {
  const parts = parseTemplate(s);
  return parts
    .map((p) => {
      if (p.kind === "literal") return p.raw;
      if (p.kind === "directive") return `%{${p.raw}}`;
      const whole = /^each\.(key|value)(?:\.([A-Za-z0-9_]+))?$/.exec(p.expr);
      if (whole) {
        const v = whole[1] === "key" ? instance.key : lookup(instance, whole[2] ?? "");
        if (v === undefined) throw new NotUniform();
        const t = valueText(v);
        // Literal text stands for itself; an expression keeps its interpolation.
        return t.text !== undefined ? t.text : `\${${t.expr}}`;
      }
      const expr = p.expr.replace(EACH, (_m, which: string, field: string | undefined) => {
        if (which === "key") return JSON.stringify(instance.key);
        const v = lookup(instance, field ?? "");
        if (v === undefined) throw new NotUniform();
        const t = valueText(v);
        return t.expr ?? JSON.stringify(t.text);
      });
      return `\${${expr}}`;
    })
    .join("");
}

function render(v: Json, instance: Instance): Json {
  if (typeof v === "string") {
    const sole = /^\$\{each\.value(?:\.([A-Za-z0-9_]+))?\}$/.exec(v);
    if (sole) {
      const x = lookup(instance, sole[1] ?? "");
      if (typeof x === "number" || typeof x === "boolean") return x;
    }
    return renderString(v, instance);
  }
  if (Array.isArray(v)) return v.map((x) => render(x, instance));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x, instance)]));
  return v;
}

/** The instances a group's for_each gives (a toset of keys, or a map of values), in its order. */
function instancesOf(forEach: Json): Instance[] | undefined {
  if (typeof forEach === "string") {
    const m = /^\$\{toset\(\[(.*)\]\)\}$/.exec(forEach);
    if (!m) return undefined;
    const keys = JSON.parse(`[${m[1]}]`) as string[];
    return keys.map((key) => ({ key, value: key }));
  }
  if (!isObject(forEach)) return undefined;
  return Object.entries(forEach).map(([key, value]) => ({ key, value }));
}

/** Whether every member is exactly what the group gives for its key. */
export function rendersExactly(group: JsonObject, members: ReadonlyMap<string, JsonObject>): boolean {
  const { for_each: forEach, "//": _c, ...body } = group;
  const instances = instancesOf(forEach);
  if (instances === undefined || instances.length !== members.size) return false;
  try {
    for (const instance of instances) {
      const member = members.get(instance.key);
      if (member === undefined) return false;
      const { "//": _m, ...expected } = member;
      if (JSON.stringify(render(body, instance)) !== JSON.stringify(expected)) return false;
    }
  } catch (e) {
    if (e instanceof NotUniform || e instanceof TemplateError) return false;
    throw e;
  }
  return true;
}

// ---- the stack ----

function namedByAddress(json: JsonObject, renamer: Renamer): boolean {
  const walk = (v: Json, key: string, inAddress: boolean): boolean => {
    const address = inAddress || ADDRESS_KEYS.has(key);
    if (typeof v === "string") return address && renamer.names(v);
    if (Array.isArray(v)) return v.some((x) => walk(x, key, address));
    if (isObject(v)) return Object.entries(v).some(([k, x]) => walk(x, k, address));
    return false;
  };
  return walk(json, "", false);
}

/** The stack with every group that renders exactly written once with for_each (see the file comment). */
export function forEachStack(stack: Record<string, unknown>): ForEachStack {
  const json = structuredClone(stack) as JsonObject;
  const suffixes = zoneSuffixes(json);
  const resources = json.resource;
  if (suffixes === undefined || !isObject(resources)) return { json, moved: [] };
  let active = candidates(resources, suffixes);
  // Members named by an address argument anywhere keep their blocks.
  active = active.filter((g) => !namedByAddress(json, new Renamer([g])));
  for (;;) {
    const renamer = new Renamer(active);
    let renamed: JsonObject;
    try {
      renamed = renamer.value(json) as JsonObject;
    } catch (e) {
      if (e instanceof Unrenamable) return { json, moved: [] };
      throw e;
    }
    const byType = renamed.resource as JsonObject;
    const results = new Map<Group, JsonObject>();
    const failed: Group[] = [];
    for (const g of active) {
      const members = new Map(g.members.map((m) => [m.key, (byType[g.type] as JsonObject)[m.name] as JsonObject]));
      const body = unifyGroup([...members.values()], [...members.keys()]);
      if (body !== undefined && rendersExactly(body, members)) results.set(g, body);
      else failed.push(g);
    }
    if (failed.length > 0) {
      active = active.filter((g) => !failed.includes(g));
      continue;
    }
    const moved: Moved[] = [];
    for (const [type, byName] of Object.entries(byType)) {
      if (!isObject(byName)) continue;
      const out: JsonObject = {};
      for (const [name, body] of Object.entries(byName)) {
        const group = active.find((g) => g.type === type && g.members.some((m) => m.name === name));
        if (group === undefined) {
          out[name] = body;
          continue;
        }
        if (group.members[0].name === name) out[group.name] = results.get(group)!;
        const key = group.members.find((m) => m.name === name)!.key;
        moved.push({ from: `${type}.${name}`, to: `${type}.${group.name}[${JSON.stringify(key)}]` });
      }
      byType[type] = out;
    }
    return { json: renamed, moved };
  }
}
