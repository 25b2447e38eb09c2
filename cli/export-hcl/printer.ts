/**
 * Prints one synthesized stack (the JSON a cdktf synth writes, `cdk.tf.json`) as HCL: references as bare
 * expressions, templates kept as templates, JSON documents through `jsonencode()`, multi-line text as heredocs,
 * nested blocks as blocks (which keys are blocks comes from the provider schema, cli/export-hcl/provider-blocks.generated.ts),
 * arguments set to null left out. Anything it does not know how to print exactly is an error naming where it is;
 * nothing is dropped or guessed.
 *
 * The text is not yet aligned; format() of @cdktf/hcl-tools (hclwrite's formatter) does that (export.ts).
 */
import { PROVIDER_BLOCKS, type BlockTree, type ProviderBlocks } from "./provider-blocks.generated";
import {
  escapeLiteral,
  heredocTemplate,
  literalValue,
  parseTemplate,
  quotedTemplate,
  soleExpression,
  TemplateError,
  type TemplatePart,
} from "./template";

/** A stack the printer cannot write exactly; one line per problem, each naming the resource and key. */
export class HclExportError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "HclExportError";
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The files of one stack folder, by name. */
export type StackFiles = Record<string, string>;

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const KEYWORDS = new Set(["true", "false", "null", "for", "in", "if", "endif", "else", "endfor"]);
/** A reference written in depends_on, provider, ignore_changes (`aws_x.name`, `aws.alias`, `data.x.y`, `module.m`). */
const TRAVERSAL = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\]|\["[^"\\]*"\])*$/;
/** Top-level keys of a synthesized stack this printer writes. */
const TOP_LEVEL = new Set(["//", "terraform", "provider", "variable", "locals", "data", "resource", "output", "moved"]);
/** Meta-arguments of a resource or data block written before its arguments. */
const LEADING_META = ["count", "for_each", "provider"];
/**
 * The order resource types are written in main.tf, the way a hand-written network module reads: the VPC, its
 * gateways, subnets, route tables, routes, ACLs, then the rest (other types alphabetically, after these).
 */
const TYPE_ORDER = [
  "aws_vpc",
  "aws_vpc_ipv6_cidr_block_association",
  "aws_default_route_table",
  "aws_default_network_acl",
  "aws_default_security_group",
  "aws_egress_only_internet_gateway",
  "aws_internet_gateway",
  "aws_subnet",
  "aws_route_table",
  "aws_route_table_association",
  "aws_route",
  "aws_network_acl",
  "aws_network_acl_rule",
  "aws_network_acl_association",
  "aws_security_group",
  "aws_vpc_security_group_ingress_rule",
  "aws_vpc_security_group_egress_rule",
];

/** Resource types in reading order (TYPE_ORDER first, then the rest as they come). */
export function orderTypes(types: readonly string[]): string[] {
  const rank = (t: string) => (TYPE_ORDER.includes(t) ? TYPE_ORDER.indexOf(t) : TYPE_ORDER.length);
  return types
    .map((t, i) => ({ t, i }))
    .sort((a, b) => rank(a.t) - rank(b.t) || a.i - b.i)
    .map((x) => x.t);
}

/** Repeated nested blocks of one shape written as one `dynamic` block from this many on. */
const DYNAMIC_MIN = 4;

/** Lines longer than this are written one element per line. */
const INLINE_LIMIT = 100;

/** Writes parts of a stack; collects problems instead of stopping at the first. */
class Printer {
  readonly problems: string[] = [];

  constructor(private readonly schema: ProviderBlocks) {}

  problem(where: string, what: string): void {
    this.problems.push(`${where}: ${what}`);
  }

  /** An expression for a JSON value at `indent` (its continuation lines are indented from there). */
  expr(value: Json, indent: number, where: string): string {
    if (value === null) return "null";
    if (typeof value === "boolean") return String(value);
    if (typeof value === "number") {
      if (!Number.isFinite(value)) this.problem(where, `the number ${value} has no HCL form`);
      return String(value);
    }
    if (typeof value === "string") return this.string(value, indent, where);
    if (Array.isArray(value))
      return this.list(
        value.map((v, i) => this.expr(v, indent + 2, `${where}[${i}]`)),
        value,
        indent,
      );
    return this.object(value, indent, where, (v, i, w) => this.expr(v, i, w));
  }

  list(items: string[], values: readonly unknown[], indent: number): string {
    if (items.length === 0) return "[]";
    const inline = `[${items.join(", ")}]`;
    if (values.every((v) => !isObject(v) && !Array.isArray(v)) && !inline.includes("\n") && inline.length + indent <= INLINE_LIMIT)
      return inline;
    const pad = " ".repeat(indent + 2);
    return `[\n${items.map((i) => `${pad}${i},`).join("\n")}\n${" ".repeat(indent)}]`;
  }

  object(value: JsonObject, indent: number, where: string, render: (v: Json, indent: number, where: string) => string): string {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const pad = " ".repeat(indent + 2);
    const lines = entries.map(([k, v]) => `${pad}${this.key(k, where)} = ${render(v, indent + 2, `${where}.${k}`)}`);
    return `{\n${lines.join("\n")}\n${" ".repeat(indent)}}`;
  }

  /** An object key: bare when it is an identifier, else quoted (a key holding a template sequence is refused). */
  key(key: string, where: string): string {
    if (IDENTIFIER.test(key) && !KEYWORDS.has(key)) return key;
    if (/[$%]\{/.test(key))
      this.problem(where, `the object key ${JSON.stringify(key)} holds a template sequence, which the HCL export does not write`);
    return quotedTemplate([{ kind: "literal", raw: key }]);
  }

  /** A string value of an expression, which Terraform reads as a template. */
  string(value: string, indent: number, where: string): string {
    let parts: TemplatePart[];
    try {
      parts = parseTemplate(value);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      this.problem(where, e.message);
      return '""';
    }
    const sole = soleExpression(parts);
    if (sole !== undefined) return sole;
    const document = this.jsonDocument(parts, indent, where);
    if (document !== undefined) return document;
    if ((value.match(/\n/g) ?? []).length >= 2) {
      const heredoc = heredocTemplate(parts, indent + 2);
      if (heredoc !== undefined) return heredoc;
    }
    try {
      return quotedTemplate(parts);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      this.problem(where, e.message);
      return '""';
    }
  }

  /**
   * `jsonencode({...})` for a template that is a minified JSON object or array once each interpolation stands for
   * one string (a policy document): the interpolations become expressions inside the HCL value. Undefined when
   * the text is anything else (then it stays a template), so the value is never changed, only its form.
   */
  jsonDocument(parts: readonly TemplatePart[], indent: number, where: string): string | undefined {
    if (parts.some((p) => p.kind === "directive")) return undefined;
    const text = parts.map((p) => (p.kind === "literal" ? literalValue(p.raw) : "")).join("");
    const first = text.trimStart()[0];
    if (first !== "{" && first !== "[") return undefined;
    if (/[\uE000\uE001]/.test(text)) return undefined;
    const interpolations: TemplatePart[] = [];
    const joined = parts
      .map((p) => {
        if (p.kind === "literal") return literalValue(p.raw);
        interpolations.push(p);
        return `\uE000${interpolations.length - 1}\uE001`;
      })
      .join("");
    let parsed: Json;
    try {
      parsed = JSON.parse(joined) as Json;
    } catch {
      return undefined;
    }
    // Only a document JSON.stringify writes back byte for byte: minified, no duplicate keys, no lost precision.
    if (JSON.stringify(parsed) !== joined || (!isObject(parsed) && !Array.isArray(parsed))) return undefined;
    const PLACEHOLDER = /\uE000(\d+)\uE001/;
    const keysHold = (v: Json): boolean =>
      Array.isArray(v) ? v.some(keysHold) : isObject(v) ? Object.entries(v).some(([k, x]) => PLACEHOLDER.test(k) || keysHold(x)) : false;
    if (keysHold(parsed)) return undefined;
    const leaf = (v: Json, ind: number, w: string): string => {
      if (typeof v === "string") {
        const split = v.split(/\uE000(\d+)\uE001/);
        const tparts: TemplatePart[] = [];
        split.forEach((s, i) => {
          if (i % 2 === 1) tparts.push(interpolations[Number(s)]);
          else if (s !== "") tparts.push({ kind: "literal", raw: escapeLiteral(s) });
        });
        const sole = soleExpression(tparts);
        if (sole !== undefined) return sole;
        return quotedTemplate(tparts.length === 0 ? [{ kind: "literal", raw: "" }] : tparts);
      }
      if (Array.isArray(v))
        return this.list(
          v.map((x, i) => leaf(x, ind + 2, `${w}[${i}]`)),
          v,
          ind,
        );
      if (isObject(v)) return this.object(v, ind, w, leaf);
      return this.expr(v, ind, w);
    };
    return `jsonencode(${leaf(parsed, indent, where)})`;
  }

  /** A reference written bare (depends_on, provider, ignore_changes, replace_triggered_by). */
  traversal(value: Json, where: string): string {
    if (typeof value !== "string") {
      this.problem(where, `expected a reference such as aws_vpc.vpc, got ${JSON.stringify(value)}`);
      return "null";
    }
    const bare = /^\$\{(.*)\}$/s.exec(value)?.[1]?.trim() ?? value;
    if (!TRAVERSAL.test(bare)) this.problem(where, `expected a reference such as aws_vpc.vpc, got ${JSON.stringify(value)}`);
    return bare;
  }

  /**
   * The body of a block: arguments (null ones left out), then nested blocks (keys the schema names as blocks),
   * each written `name { ... }` once per element.
   */
  body(body: JsonObject, blocks: BlockTree | undefined, indent: number, where: string, skip: ReadonlySet<string> = new Set()): string[] {
    const pad = " ".repeat(indent);
    const args: string[] = [];
    const nested: string[] = [];
    for (const [key, value] of Object.entries(body)) {
      if (key === "//" || skip.has(key)) continue;
      if (key === "dynamic" || key === "provisioner" || key === "connection") {
        this.problem(`${where}.${key}`, `"${key}" blocks are not supported by the HCL export`);
        continue;
      }
      const block = blocks?.[key];
      if (block === undefined) {
        if (value === null) continue;
        args.push(`${pad}${key} = ${this.expr(value, indent, `${where}.${key}`)}`);
        continue;
      }
      const elements = value === null ? [] : Array.isArray(value) ? value : [value];
      if (block.nesting === "single" && elements.length > 1)
        this.problem(`${where}.${key}`, `a single nested block given ${elements.length} times`);
      const dynamic = block.nesting !== "single" ? this.dynamicBlock(key, elements, indent, `${where}.${key}`) : undefined;
      if (dynamic !== undefined) {
        nested.push(...dynamic);
        continue;
      }
      elements.forEach((element, i) => {
        const w = Array.isArray(value) ? `${where}.${key}[${i}]` : `${where}.${key}`;
        if (!isObject(element)) {
          this.problem(w, `expected an object for the nested block "${key}", got ${JSON.stringify(element)}`);
          return;
        }
        nested.push(`${pad}${key} {`, ...this.body(element, block.blocks, indent + 2, w), `${pad}}`);
      });
    }
    return [...args, ...nested];
  }

  /**
   * One `dynamic` block for DYNAMIC_MIN or more repeated nested blocks of the same shape: each element an object of
   * the same keys, every value a literal (a number, a boolean, or a string with no template sequence), no nested
   * blocks. Its `for_each` lists the values (one value per element, or an object when there are several keys) in
   * the order given, and its `content` reads them from the iterator, so Terraform expands it to the same blocks.
   * Undefined when the elements do not qualify (then they are written one by one).
   */
  dynamicBlock(name: string, elements: readonly Json[], indent: number, where: string): string[] | undefined {
    if (elements.length < DYNAMIC_MIN || !IDENTIFIER.test(name) || KEYWORDS.has(name)) return undefined;
    const first = elements[0];
    if (!isObject(first)) return undefined;
    const keys = Object.keys(first).sort();
    if (keys.length === 0 || keys.some((k) => !IDENTIFIER.test(k) || KEYWORDS.has(k))) return undefined;
    const literal = (v: Json) => typeof v === "number" || typeof v === "boolean" || (typeof v === "string" && !/[$%]\{/.test(v));
    for (const e of elements) {
      if (!isObject(e) || Object.keys(e).sort().join(",") !== keys.join(",") || !keys.every((k) => literal(e[k]))) return undefined;
    }
    const pad = " ".repeat(indent);
    const values = elements.map((e) =>
      keys.length === 1 ? (e as JsonObject)[keys[0]] : Object.fromEntries(keys.map((k) => [k, (e as JsonObject)[k]])),
    );
    const forEach = this.list(
      values.map((v, i) => this.expr(v, indent + 4, `${where}[${i}]`)),
      values,
      indent + 2,
    );
    const content = keys.map((k) => `${pad}    ${k} = ${name}.value${keys.length === 1 ? "" : `.${k}`}`);
    return [`${pad}dynamic "${name}" {`, `${pad}  for_each = ${forEach}`, `${pad}  content {`, ...content, `${pad}  }`, `${pad}}`];
  }

  /** A resource or data block: meta-arguments first, depends_on and lifecycle last. */
  resourceBlock(kind: "resource" | "data", type: string, name: string, body: Json): string[] {
    const where = `${kind === "data" ? "data." : ""}${type}.${name}`;
    const blocks = (kind === "resource" ? this.schema.resources : this.schema.dataSources)[type];
    if (blocks === undefined) {
      this.problem(
        where,
        `no block schema for the ${kind === "data" ? "data source" : "resource"} type ${type} in cli/export-hcl/provider-blocks.generated.ts (run npm run hcl:schema)`,
      );
      return [];
    }
    if (!isObject(body)) {
      this.problem(where, `expected an object, got ${JSON.stringify(body)}`);
      return [];
    }
    const lines = [...this.comment(body, 0), `${kind} "${type}" "${name}" {`];
    for (const meta of LEADING_META) {
      if (body[meta] === undefined || body[meta] === null) continue;
      lines.push(
        `  ${meta} = ${meta === "provider" ? this.traversal(body[meta], `${where}.${meta}`) : this.expr(body[meta], 2, `${where}.${meta}`)}`,
      );
    }
    lines.push(...this.body(body, blocks, 2, where, new Set([...LEADING_META, "depends_on", "lifecycle"])));
    lines.push(...this.dependsOn(body.depends_on, 2, where));
    if (body.lifecycle !== undefined && body.lifecycle !== null) lines.push(...this.lifecycle(body.lifecycle, where));
    lines.push("}");
    return lines;
  }

  dependsOn(value: Json | undefined, indent: number, where: string): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.problem(`${where}.depends_on`, `expected a list of references, got ${JSON.stringify(value)}`);
      return [];
    }
    return [
      `${" ".repeat(indent)}depends_on = ${this.list(
        value.map((v, i) => this.traversal(v, `${where}.depends_on[${i}]`)),
        value,
        indent,
      )}`,
    ];
  }

  lifecycle(value: Json, where: string): string[] {
    const w = `${where}.lifecycle`;
    if (!isObject(value)) {
      this.problem(w, `expected an object, got ${JSON.stringify(value)}`);
      return [];
    }
    const lines = ["  lifecycle {"];
    for (const [key, v] of Object.entries(value)) {
      if (v === null) continue;
      if (key === "create_before_destroy" || key === "prevent_destroy") lines.push(`    ${key} = ${this.expr(v, 4, `${w}.${key}`)}`);
      else if ((key === "ignore_changes" && v !== "all") || key === "replace_triggered_by") {
        if (!Array.isArray(v)) this.problem(`${w}.${key}`, `expected a list, got ${JSON.stringify(v)}`);
        else
          lines.push(
            `    ${key} = ${this.list(
              v.map((x, i) => this.traversal(x, `${w}.${key}[${i}]`)),
              v,
              4,
            )}`,
          );
      } else if (key === "ignore_changes") lines.push("    ignore_changes = all");
      else if (key === "precondition" || key === "postcondition") {
        for (const [i, c] of (Array.isArray(v) ? v : [v]).entries()) {
          if (!isObject(c)) this.problem(`${w}.${key}[${i}]`, `expected an object, got ${JSON.stringify(c)}`);
          else lines.push(`    ${key} {`, ...this.body(c, {}, 6, `${w}.${key}[${i}]`), "    }");
        }
      } else this.problem(`${w}.${key}`, "not a lifecycle argument the HCL export knows");
    }
    lines.push("  }");
    return lines;
  }

  /** The construct path cdktf records in `//`, as a comment above the block. */
  comment(body: JsonObject, indent: number): string[] {
    const meta = body["//"];
    const path = isObject(meta) && isObject(meta.metadata) ? meta.metadata.path : undefined;
    return typeof path === "string" && !path.includes("\n") ? [`${" ".repeat(indent)}# ${path}`] : [];
  }

  terraformBlock(value: Json): string[] {
    if (!isObject(value)) {
      this.problem("terraform", `expected an object, got ${JSON.stringify(value)}`);
      return [];
    }
    const lines = ["terraform {"];
    const order = ["required_version", "required_providers", "backend"];
    const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
    for (const [key, v] of Object.entries(value).sort(([a], [b]) => rank(a) - rank(b))) {
      if (key === "required_version") lines.push(`  required_version = ${this.literal(v, "terraform.required_version")}`);
      else if (key === "required_providers") {
        if (!isObject(v)) {
          this.problem("terraform.required_providers", `expected an object, got ${JSON.stringify(v)}`);
          continue;
        }
        lines.push("  required_providers {");
        for (const [name, req] of Object.entries(v)) {
          const w = `terraform.required_providers.${name}`;
          if (!isObject(req)) {
            this.problem(w, `expected { source, version }, got ${JSON.stringify(req)}`);
            continue;
          }
          // A source with no namespace is hashicorp's ("aws" is registry.terraform.io/hashicorp/aws).
          const source = typeof req.source === "string" && !req.source.includes("/") ? `hashicorp/${req.source}` : req.source;
          const entries = Object.entries({ ...req, source }).filter(([, x]) => x !== null && x !== undefined);
          lines.push(
            `    ${this.key(name, w)} = {`,
            ...entries.map(([k, x]) => `      ${this.key(k, w)} = ${this.literal(x as Json, `${w}.${k}`)}`),
            "    }",
          );
        }
        lines.push("  }");
      } else if (key === "backend") {
        if (!isObject(v) || Object.keys(v).length !== 1 || !isObject(Object.values(v)[0])) {
          this.problem("terraform.backend", `expected exactly one backend, got ${JSON.stringify(v)}`);
          continue;
        }
        const [type, config] = Object.entries(v)[0] as [string, JsonObject];
        lines.push(`  backend "${type}" {`);
        for (const [k, x] of Object.entries(config))
          if (x !== null) lines.push(`    ${k} = ${this.literal(x, `terraform.backend.${type}.${k}`)}`);
        lines.push("  }");
      } else this.problem(`terraform.${key}`, "not a terraform setting the HCL export knows");
    }
    lines.push("}");
    return lines;
  }

  /** A value of the terraform block, where strings are literal text (no references). */
  literal(value: Json, where: string): string {
    if (typeof value === "string") return quotedTemplate([{ kind: "literal", raw: escapeLiteral(value) }]);
    if (Array.isArray(value))
      return this.list(
        value.map((v, i) => this.literal(v, `${where}[${i}]`)),
        value,
        0,
      );
    if (isObject(value)) return this.object(value, 0, where, (v, _i, w) => this.literal(v, w));
    return this.expr(value, 0, where);
  }
}

/**
 * The HCL files of one stack: `terraform.tf` (settings, backend, providers), `variables.tf`, `main.tf` (locals,
 * data sources, resources, the network's types first: TYPE_ORDER), `outputs.tf`, `moved.tf` (the `moved` blocks).
 * Throws HclExportError listing every problem.
 */
export function printStack(stack: unknown, schema: ProviderBlocks = PROVIDER_BLOCKS): StackFiles {
  const p = new Printer(schema);
  if (!isObject(stack as Json)) throw new HclExportError(["the stack is not a JSON object"]);
  const json = stack as JsonObject;
  for (const key of Object.keys(json)) if (!TOP_LEVEL.has(key)) p.problem(key, `top-level "${key}" is not supported by the HCL export`);

  const settings: string[][] = [];
  if (json.terraform !== undefined) settings.push(p.terraformBlock(json.terraform));
  if (isObject(json.provider)) {
    for (const [name, configs] of Object.entries(json.provider)) {
      if (name !== "aws") {
        p.problem(`provider.${name}`, "only the aws provider has a block schema in cli/export-hcl/provider-blocks.generated.ts");
        continue;
      }
      for (const [i, config] of (Array.isArray(configs) ? configs : [configs]).entries()) {
        if (!isObject(config)) p.problem(`provider.${name}[${i}]`, `expected an object, got ${JSON.stringify(config)}`);
        else settings.push([`provider "${name}" {`, ...p.body(config, schema.providerConfig, 2, `provider.${name}[${i}]`), "}"]);
      }
    }
  } else if (json.provider !== undefined) p.problem("provider", `expected an object, got ${JSON.stringify(json.provider)}`);

  const variables: string[][] = [];
  if (json.variable !== undefined) {
    if (!isObject(json.variable)) p.problem("variable", `expected an object, got ${JSON.stringify(json.variable)}`);
    else {
      for (const [name, body] of Object.entries(json.variable)) {
        const where = `variable.${name}`;
        if (
          !isObject(body) ||
          Object.keys(body).some((k) => !["description", "type", "default"].includes(k)) ||
          (body.type !== undefined && (typeof body.type !== "string" || !/^[a-z]+(\([a-z]+\))?$/.test(body.type)))
        ) {
          p.problem(where, `expected { description, type, default } with a simple type, got ${JSON.stringify(body)}`);
          continue;
        }
        const lines = [`variable "${name}" {`];
        if (body.description !== undefined) lines.push(`  description = ${p.literal(body.description, `${where}.description`)}`);
        if (body.type !== undefined) lines.push(`  type = ${body.type}`);
        if (body.default !== undefined) lines.push(`  default = ${p.literal(body.default, `${where}.default`)}`);
        lines.push("}");
        variables.push(lines);
      }
    }
  }

  const main: string[][] = [];
  if (json.locals !== undefined) {
    if (!isObject(json.locals)) p.problem("locals", `expected an object, got ${JSON.stringify(json.locals)}`);
    else main.push(["locals {", ...p.body(json.locals, {}, 2, "local"), "}"]);
  }
  for (const kind of ["data", "resource"] as const) {
    const group = json[kind];
    if (group === undefined) continue;
    if (!isObject(group)) {
      p.problem(kind, `expected an object, got ${JSON.stringify(group)}`);
      continue;
    }
    for (const type of orderTypes(Object.keys(group))) {
      const byName = group[type];
      if (!isObject(byName)) {
        p.problem(`${kind}.${type}`, `expected an object of blocks by name, got ${JSON.stringify(byName)}`);
        continue;
      }
      for (const [name, body] of Object.entries(byName)) main.push(p.resourceBlock(kind, type, name, body));
    }
  }

  const outputs: string[][] = [];
  if (json.output !== undefined) {
    if (!isObject(json.output)) p.problem("output", `expected an object, got ${JSON.stringify(json.output)}`);
    else {
      for (const [name, body] of Object.entries(json.output)) {
        const where = `output.${name}`;
        if (!isObject(body)) {
          p.problem(where, `expected an object, got ${JSON.stringify(body)}`);
          continue;
        }
        const ordered = Object.fromEntries(["description", "value", "sensitive"].filter((k) => k in body).map((k) => [k, body[k]]));
        if (body.precondition !== undefined) p.problem(`${where}.precondition`, "output preconditions are not supported by the HCL export");
        const rest = Object.fromEntries(
          Object.entries(body).filter(([k]) => !(k in ordered) && k !== "depends_on" && k !== "precondition"),
        );
        outputs.push([
          `output "${name}" {`,
          ...p.body({ ...ordered, ...rest }, {}, 2, where),
          ...p.dependsOn(body.depends_on, 2, where),
          "}",
        ]);
      }
    }
  }
  const moved: string[][] = [];
  if (json.moved !== undefined) {
    if (!Array.isArray(json.moved)) p.problem("moved", `expected a list of { from, to }, got ${JSON.stringify(json.moved)}`);
    else {
      for (const [i, m] of json.moved.entries()) {
        const where = `moved[${i}]`;
        if (!isObject(m) || Object.keys(m).sort().join(",") !== "from,to") {
          p.problem(where, `expected { from, to }, got ${JSON.stringify(m)}`);
          continue;
        }
        moved.push(["moved {", `  from = ${p.traversal(m.from, `${where}.from`)}`, `  to = ${p.traversal(m.to, `${where}.to`)}`, "}"]);
      }
    }
  }
  if (p.problems.length > 0) throw new HclExportError(p.problems);
  const file = (blocks: string[][]) => `${blocks.map((b) => b.join("\n")).join("\n\n")}\n`;
  const files: StackFiles = { "terraform.tf": file(settings) };
  if (variables.length > 0) files["variables.tf"] = file(variables);
  if (main.length > 0) files["main.tf"] = file(main);
  if (outputs.length > 0) files["outputs.tf"] = file(outputs);
  if (moved.length > 0) files["moved.tf"] = file(moved);
  return files;
}
