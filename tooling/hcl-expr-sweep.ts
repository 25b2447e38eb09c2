#!/usr/bin/env node
/**
 * `npm run hcl:sweep -- DIR [DIR ...]`
 *
 * Reads every `*.tf` file under the given folders with @cdktf/hcl2json, as the verifier reads a configuration
 * directory (verifier/input/hcl-source.ts), and parses every string of the result with the verifier's expression
 * parser (verifier/expr/parse.ts): hcl2json writes each expression as a `${...}` template, and a quoted string or
 * heredoc as its template text. Prints the counts and every refusal with its file, its place in the file's JSON and
 * the expression. Exit 0 when nothing is refused, 1 when something is, 2 when a folder cannot be read.
 *
 * Its purpose is to prove on real modules that the parser accepts what Terraform accepts: run it over checkouts of
 * public modules kept outside the project (never commit them).
 *
 * `--compare` also checks that it reads each expression as HCL does: every string that holds an expression or a
 * template is given to HashiCorp's own parser (hcl2json's getExpressionAst, the Go hclsyntax package compiled to WebAssembly) and the two
 * trees are compared by their shape: operators with their operands, conditionals, `for` (its variables and
 * grouping), calls (name and `...`), `!`, splats, and the root name of every reference, in order. A difference is
 * printed as a mismatch and counts like a refusal. Literal text is not compared: getExpressionAst reports a literal
 * as its source text (escapes unread, `~` strip markers and the `<<-` indent not applied).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runCli } from "../cli/shared/run-cli";
import { UserError } from "../lib/errors";
import { ExpressionError, parseTemplate, type Expr } from "../verifier/expr/parse";

const USAGE = "usage: npm run hcl:sweep -- [--compare] DIR [DIR ...]";

export interface Refusal {
  readonly file: string;
  /** Where in the file's hcl2json document: `locals[0].subnets`. */
  readonly at: string;
  readonly expression: string;
  readonly message: string;
}

export interface SweepResult {
  readonly files: number;
  /** Files hcl2json itself could not read (Terraform could not either). */
  readonly unreadable: readonly { readonly file: string; readonly message: string }[];
  /** Strings holding an expression or a template (`${` or `%{`), each parsed. */
  readonly expressions: number;
  /** Plain strings: parsed too, but nothing in them can be refused. */
  readonly plainStrings: number;
  readonly refusals: readonly Refusal[];
  /** With `compare`: expressions compared with HCL's own tree, and those read differently. */
  readonly compared: number;
  readonly mismatches: readonly Mismatch[];
  /** Strings HCL's expression parser would not take as handed over (printed, not counted as failures). */
  readonly uncompared: readonly { readonly file: string; readonly at: string; readonly expression: string; readonly message: string }[];
}

export interface Mismatch {
  readonly file: string;
  readonly at: string;
  readonly expression: string;
  readonly ours: string;
  readonly hcl: string;
}

const BINARY_NAMES: Readonly<Record<string, string>> = {
  "||": "logicalOr",
  "&&": "logicalAnd",
  "==": "equal",
  "!=": "notEqual",
  "<": "lessThan",
  "<=": "lessThanOrEqual",
  ">": "greaterThan",
  ">=": "greaterThanOrEqual",
  "+": "add",
  "-": "subtract",
  "*": "multiply",
  "/": "divide",
  "%": "modulo",
};

/** The comparable shape of the verifier's tree (see the file comment). */
export function shapeOf(e: Expr): string {
  const all = (xs: readonly (Expr | undefined)[]) =>
    xs
      .filter((x): x is Expr => x !== undefined)
      .map(shapeOf)
      .filter((x) => x !== "")
      .join(",");
  switch (e.kind) {
    case "binary":
      return `${BINARY_NAMES[e.op]}(${all([e.left, e.right])})`;
    case "unary":
      return e.op === "!" ? `logicalNot(${all([e.operand])})` : all([e.operand]);
    case "cond":
      return `conditional(${all([e.test, e.then, e.otherwise])})`;
    case "for":
      return `for[${e.keyVar ?? ""},${e.valueVar}${e.group ? ",..." : ""}](${all([e.collection, e.keyExpr, e.valueExpr, e.condition])})`;
    case "join":
      return all([e.source]);
    case "call":
      return `${e.name}${e.spread ? "..." : ""}(${all(e.args)})`;
    case "splat":
      return `splat(${all([e.source, e.each])})`;
    case "name":
      return `$${e.name}`;
    case "attr":
      return all([e.target]);
    case "index":
      return all([e.target, e.key]);
    case "tuple":
      return all(e.items);
    case "object":
      return all(e.items.flatMap((i) => [i.key, i.value]));
    case "template":
      return all(e.parts.filter((p): p is Expr => typeof p !== "string"));
    case "literal":
    case "item":
      return "";
  }
}

interface HclNode {
  readonly type: string;
  readonly meta?: Record<string, unknown>;
  readonly children?: readonly HclNode[];
}

/** The same shape of a tree from hcl2json's getExpressionAst. */
export function hclShapeOf(n: HclNode): string {
  const all = () =>
    (n.children ?? [])
      .map(hclShapeOf)
      .filter((x) => x !== "")
      .join(",");
  const meta = n.meta ?? {};
  switch (n.type) {
    case "binaryOp":
      return `${String(meta.operator)}(${all()})`;
    case "unaryOp":
      return meta.operator === "logicalNot" ? `logicalNot(${all()})` : all();
    case "conditional":
      return `conditional(${all()})`;
    case "for":
      return `for[${String(meta.keyVar ?? "")},${String(meta.valVar)}${meta.groupedValue ? ",..." : ""}](${all()})`;
    case "function":
      return `${String(meta.name)}${meta.expandedFinalArgument ? "..." : ""}(${all()})`;
    case "splat":
      return `splat(${all()})`;
    case "scopeTraversal": {
      const first = (meta.traversal as { segment?: unknown }[] | undefined)?.[0]?.segment;
      return [`$${String(first)}`, all()].filter((x) => x !== "").join(",");
    }
    default:
      return all();
  }
}

/** Every `*.tf` under `dir`, sorted; `.terraform` and `.git` folders are skipped. */
export function tfFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== ".terraform" && e.name !== ".git") walk(full);
      } else if (e.isFile() && e.name.endsWith(".tf")) out.push(full);
    }
  };
  walk(dir);
  return out;
}

/** Parses every string (and every object key holding `${`) of one hcl2json document. */
function sweepDocument(
  file: string,
  doc: unknown,
  counts: { expressions: number; plainStrings: number },
  refusals: Refusal[],
  parsed: { at: string; text: string; expr: Expr }[],
): void {
  const parse = (text: string, at: string) => {
    if (text.includes("${") || text.includes("%{")) counts.expressions++;
    else counts.plainStrings++;
    try {
      const expr = parseTemplate(text);
      if (expr.kind !== "literal") parsed.push({ at, text, expr });
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      refusals.push({ file, at, expression: text, message: e.message });
    }
  };
  const walk = (v: unknown, at: string) => {
    if (typeof v === "string") parse(v, at);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        const here = at ? `${at}.${k}` : k;
        if (k.includes("${")) parse(k, `${here} (key)`);
        walk(x, here);
      }
    }
  };
  walk(doc, "");
}

export async function sweep(dirs: readonly string[], compare = false): Promise<SweepResult> {
  const { parse, getExpressionAst } = await import("@cdktf/hcl2json");
  const counts = { expressions: 0, plainStrings: 0 };
  const refusals: Refusal[] = [];
  const mismatches: Mismatch[] = [];
  const uncompared: { file: string; at: string; expression: string; message: string }[] = [];
  let compared = 0;
  const unreadable: { file: string; message: string }[] = [];
  let files = 0;
  for (const dir of dirs) {
    for (const file of tfFiles(dir)) {
      files++;
      let doc: unknown;
      try {
        doc = await parse(file, fs.readFileSync(file, "utf8"));
      } catch (e) {
        unreadable.push({ file, message: String((e as Error).message ?? e).split("\n")[0] });
        continue;
      }
      const parsed: { at: string; text: string; expr: Expr }[] = [];
      sweepDocument(file, doc, counts, refusals, parsed);
      if (!compare) continue;
      for (const { at, text, expr } of parsed) {
        // A string that is one interpolation is handed over as the expression inside it; any other template as the
        // body of a heredoc, which reads `${`, `%{`, `$${` and `%%{` as a JSON string's template does and has no
        // backslash escapes either.
        const whole = text.startsWith("${") && text.endsWith("}") && expr.kind !== "template";
        const inner = whole ? text.slice(2, -1) : `<<EOT_HCL_SWEEP\n${text}\nEOT_HCL_SWEEP\n`;
        let ast: HclNode | null;
        try {
          ast = (await getExpressionAst(file, inner)) as HclNode | null;
        } catch (e) {
          uncompared.push({ file, at, expression: text, message: String((e as Error).message ?? e).split("\n")[0] });
          continue;
        }
        if (!ast) continue;
        compared++;
        const ours = shapeOf(expr);
        const hcl = hclShapeOf(ast);
        if (ours !== hcl) mismatches.push({ file, at, expression: text, ours, hcl });
      }
    }
  }
  return { files, unreadable, ...counts, refusals, compared, mismatches, uncompared };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const compare = args.includes("--compare");
  const dirs = args.filter((a) => a !== "--compare");
  if (dirs.length === 0 || dirs.some((d) => d.startsWith("-"))) throw new UserError([`give one or more folders (${USAGE})`]);
  const missing = dirs.filter((d) => !fs.existsSync(d) || !fs.statSync(d).isDirectory());
  if (missing.length > 0) throw new UserError(missing.map((d) => `${d}: not a folder (${USAGE})`));
  const r = await sweep(dirs, compare);
  for (const u of r.unreadable) process.stdout.write(`unreadable: ${u.file}: ${u.message}\n`);
  for (const f of r.refusals) process.stdout.write(`refused: ${f.file} ${f.at}: ${f.message}\n`);
  for (const m of r.mismatches)
    process.stdout.write(
      `read differently: ${m.file} ${m.at}: ${JSON.stringify(m.expression)}\n  verifier: ${m.ours}\n  HCL:      ${m.hcl}\n`,
    );
  for (const u of r.uncompared)
    process.stdout.write(`not compared: ${u.file} ${u.at}: ${JSON.stringify(u.expression.slice(0, 200))}: ${u.message}\n`);
  const comparison = compare ? `; ${r.compared} compared with HCL's own parser, ${r.mismatches.length} read differently` : "";
  process.stdout.write(
    `${r.files} files (${r.unreadable.length} hcl2json could not read), ${r.expressions} expressions and templates, ${r.plainStrings} plain strings, ${r.refusals.length} refused${comparison}\n`,
  );
  return r.refusals.length + r.mismatches.length > 0 ? 1 : 0;
}

if (require.main === module) runCli(USAGE, main, { userErrorExitCode: 2 });
