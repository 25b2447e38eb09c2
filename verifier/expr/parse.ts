/**
 * The verifier's own reader of Terraform expressions as they appear in JSON configuration (`cdk.tf.json`, and the
 * `constant_value` of a plan's configuration section): string templates with `${...}` interpolations holding
 * HCL native-syntax expressions. It covers what generated Terraform uses (traversals, indexes, splats, function
 * calls, tuples, objects, `for`, conditionals, operators); anything else is reported, never guessed.
 *
 * Kept apart from the app's own code on purpose: the verifier must not share a reading of the output with the
 * code that produced it, so nothing here imports from `lib/`, `stacks/` or `modules/`. The offline terraform check
 * (`tooling/terraform/stub-state.ts`) reads output expressions with this parser too; the dependency only goes that way.
 *
 * Why not `@cdktf/hcl2json`'s `getExpressionAst`: it is asynchronous (a Go/WASM module), wants native-syntax
 * quoting rather than the JSON-decoded template text, and reports traversals as source strings to re-parse.
 */

export type Expr =
  | { readonly kind: "literal"; readonly value: string | number | boolean | null }
  | { readonly kind: "template"; readonly parts: readonly (string | Expr)[] }
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "attr"; readonly target: Expr; readonly name: string }
  | { readonly kind: "index"; readonly target: Expr; readonly key: Expr }
  | { readonly kind: "splat"; readonly source: Expr; readonly each: Expr }
  | { readonly kind: "item" }
  | { readonly kind: "call"; readonly name: string; readonly args: readonly Expr[]; readonly spread: boolean }
  | { readonly kind: "tuple"; readonly items: readonly Expr[] }
  | { readonly kind: "object"; readonly items: readonly { readonly key: Expr; readonly value: Expr }[] }
  | {
      readonly kind: "for";
      readonly object: boolean;
      readonly keyVar?: string;
      readonly valueVar: string;
      readonly collection: Expr;
      readonly keyExpr?: Expr;
      readonly valueExpr: Expr;
      readonly condition?: Expr;
    }
  | { readonly kind: "cond"; readonly test: Expr; readonly then: Expr; readonly otherwise: Expr }
  | { readonly kind: "binary"; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "unary"; readonly op: "!" | "-"; readonly operand: Expr };

export class ExpressionError extends Error {
  constructor(message: string, readonly source: string) {
    super(`${message} in ${JSON.stringify(source.length > 100 ? `${source.slice(0, 97)}...` : source)}`);
    this.name = "ExpressionError";
  }
}

/** Operators by precedence, lowest first (HCL native syntax specification, "Operations"). */
const PRECEDENCE: readonly (readonly string[])[] = [["||"], ["&&"], ["==", "!="], ["<=", ">=", "<", ">"], ["+", "-"], ["*", "/", "%"]];

/** The full splat operator; `[`, `*` and `]` are separate tokens, so spaces may sit between them. */
const FULL_SPLAT = /^\[[ \t\r\n]*\*[ \t\r\n]*\]/;

/** A comment: `#` or `//` to the end of the line, or `/* ... *\/` (HCL native syntax specification, "Comments"). */
const COMMENT = /^(?:#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/;

/** Parses a JSON string value as a Terraform template. A string that is exactly one `${...}` is that expression. */
export function parseTemplate(text: string): Expr {
  if (!text.includes("${") && !text.includes("%{")) return { kind: "literal", value: text };
  const p = new Parser(text, 0);
  const parts = p.templateParts(undefined);
  if (parts.length === 1 && typeof parts[0] !== "string") return parts[0];
  return { kind: "template", parts };
}

class Parser {
  constructor(
    private readonly src: string,
    private pos: number,
  ) {}

  private fail(message: string): never {
    throw new ExpressionError(`${message} at offset ${this.pos}`, this.src);
  }

  /** Template text up to `end` (a closing quote inside an expression) or the end of input. */
  templateParts(end: '"' | undefined): (string | Expr)[] {
    const parts: (string | Expr)[] = [];
    let text = "";
    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (end !== undefined && c === end) break;
      if (c === "$" && s[this.pos + 1] === "$" && s[this.pos + 2] === "{") {
        text += "${";
        this.pos += 3;
      } else if (c === "%" && s[this.pos + 1] === "%" && s[this.pos + 2] === "{") {
        text += "%{";
        this.pos += 3;
      } else if (c === "$" && s[this.pos + 1] === "{") {
        if (text) parts.push(text);
        text = "";
        this.pos += 2;
        this.skipSpace(true);
        if (s[this.pos] === "~") this.pos++;
        const e = this.expression();
        this.skipSpace(true);
        if (s[this.pos] === "~") this.pos++;
        if (s[this.pos] !== "}") this.fail("expected } closing the interpolation");
        this.pos++;
        parts.push(e);
      } else if (c === "%" && s[this.pos + 1] === "{") {
        this.fail("template directives (%{...}) are not supported");
      } else if (end !== undefined && c === "\\") {
        text += this.escape();
      } else {
        text += c;
        this.pos++;
      }
    }
    if (text) parts.push(text);
    return parts;
  }

  private escape(): string {
    const s = this.src;
    const next = s[this.pos + 1];
    this.pos += 2;
    switch (next) {
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "r":
        return "\r";
      case '"':
        return '"';
      case "\\":
        return "\\";
      case "u":
      case "U": {
        const digits = next === "u" ? 4 : 8;
        const hex = s.slice(this.pos, this.pos + digits);
        if (!new RegExp(`^[0-9A-Fa-f]{${digits}}$`).test(hex)) return this.fail(`\\${next} needs ${digits} hexadecimal digits`);
        this.pos += digits;
        return String.fromCodePoint(parseInt(hex, 16));
      }
      default:
        return this.fail(`unknown escape \\${next}`);
    }
  }

  /** Skips blanks and comments; newlines too unless `newlines` is false (a line comment stops before its newline). */
  private skipSpace(newlines = true): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === " " || c === "\t" || (newlines && (c === "\n" || c === "\r"))) this.pos++;
      else if (c === "#" || c === "/") {
        const comment = COMMENT.exec(s.slice(this.pos));
        if (!comment || (!newlines && comment[0].includes("\n"))) break;
        this.pos += comment[0].length;
      } else break;
    }
  }

  private peek(text: string): boolean {
    return this.src.startsWith(text, this.pos);
  }

  private expect(text: string): void {
    this.skipSpace();
    if (!this.peek(text)) this.fail(`expected "${text}"`);
    this.pos += text.length;
  }

  expression(): Expr {
    const test = this.binary(0);
    this.skipSpace();
    if (this.peek("?")) {
      this.pos++;
      const then = this.expression();
      this.expect(":");
      const otherwise = this.expression();
      return { kind: "cond", test, then, otherwise };
    }
    return test;
  }

  private binary(level: number): Expr {
    if (level >= PRECEDENCE.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      this.skipSpace();
      // Longest operator first, so that "<=" is not read as "<".
      const op = [...PRECEDENCE[level]].sort((a, b) => b.length - a.length).find((o) => this.peek(o));
      if (!op) return left;
      this.pos += op.length;
      const right = this.binary(level + 1);
      left = { kind: "binary", op, left, right };
    }
  }

  private unary(): Expr {
    this.skipSpace();
    const c = this.src[this.pos];
    if (c === "!" || (c === "-" && !/[0-9]/.test(this.src[this.pos + 1] ?? ""))) {
      this.pos++;
      return { kind: "unary", op: c, operand: this.unary() };
    }
    return this.postfix(this.primary());
  }

  private postfix(start: Expr): Expr {
    let e = start;
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      const fullSplat = FULL_SPLAT.exec(this.src.slice(this.pos));
      if (fullSplat || this.peek(".*")) {
        this.pos += fullSplat ? fullSplat[0].length : 2;
        // `[*]` applies every following step to each element; the attribute-only `.*` only its `.name` (and
        // legacy `.0`) steps, so in `a.*.b[0]` the index picks from the result (HCL native syntax, "Splat Operators").
        let each: Expr = { kind: "item" };
        for (;;) {
          const op = this.traversalStep(each, fullSplat !== null);
          if (!op) break;
          each = op;
        }
        e = { kind: "splat", source: e, each };
        continue;
      }
      const step = this.traversalStep(e);
      if (!step) {
        this.pos = before;
        return e;
      }
      e = step;
    }
  }

  /** One `.name`, `.0` or (if `indexes`) `[expr]` applied to `target`, or undefined when none follows. */
  private traversalStep(target: Expr, indexes = true): Expr | undefined {
    const before = this.pos;
    this.skipSpace();
    const s = this.src;
    if (s[this.pos] === "." && s[this.pos + 1] !== "*" && s[this.pos + 1] !== ".") {
      this.pos++;
      const m = /^[0-9]+/.exec(s.slice(this.pos));
      if (m) {
        this.pos += m[0].length;
        return { kind: "index", target, key: { kind: "literal", value: Number(m[0]) } };
      }
      return { kind: "attr", target, name: this.identifier() };
    }
    if (indexes && s[this.pos] === "[" && !FULL_SPLAT.test(s.slice(this.pos))) {
      this.pos++;
      const key = this.expression();
      this.expect("]");
      return { kind: "index", target, key };
    }
    this.pos = before;
    return undefined;
  }

  private identifier(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.src.slice(this.pos));
    if (!m) this.fail("expected a name");
    this.pos += m[0].length;
    return m[0];
  }

  private primary(): Expr {
    this.skipSpace();
    const s = this.src;
    const c = s[this.pos];
    if (c === undefined) this.fail("unexpected end of expression");
    const num = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(s.slice(this.pos));
    if (num) {
      this.pos += num[0].length;
      return { kind: "literal", value: Number(num[0]) };
    }
    if (c === '"') {
      this.pos++;
      const parts = this.templateParts('"');
      if (s[this.pos] !== '"') this.fail("unterminated string");
      this.pos++;
      if (parts.length === 0) return { kind: "literal", value: "" };
      if (parts.length === 1 && typeof parts[0] === "string") return { kind: "literal", value: parts[0] };
      return { kind: "template", parts };
    }
    if (c === "(") {
      this.pos++;
      const e = this.expression();
      this.expect(")");
      return e;
    }
    if (c === "[") return this.tupleOrFor();
    if (c === "{") return this.objectOrFor();
    if (c === "<" && s[this.pos + 1] === "<") this.fail("heredocs are not supported");
    const name = this.identifier();
    if (name === "true" || name === "false") return { kind: "literal", value: name === "true" };
    if (name === "null") return { kind: "literal", value: null };
    this.skipSpace(false);
    if (s[this.pos] === "(" || (s[this.pos] === ":" && s[this.pos + 1] === ":")) return this.call(name);
    return { kind: "name", name };
  }

  private call(first: string): Expr {
    let name = first;
    while (this.peek("::")) {
      this.pos += 2;
      name += `::${this.identifier()}`;
    }
    this.expect("(");
    const args: Expr[] = [];
    let spread = false;
    this.skipSpace();
    while (!this.peek(")")) {
      args.push(this.expression());
      this.skipSpace();
      if (this.peek("...")) {
        spread = true;
        this.pos += 3;
        this.skipSpace();
      }
      if (this.peek(",")) {
        this.pos++;
        this.skipSpace();
      } else break;
    }
    this.expect(")");
    return { kind: "call", name, args, spread };
  }

  private forHeader(): { keyVar?: string; valueVar: string; collection: Expr } | undefined {
    const before = this.pos;
    this.skipSpace();
    if (!/^for\s/.test(this.src.slice(this.pos))) {
      this.pos = before;
      return undefined;
    }
    this.pos += 3;
    this.skipSpace();
    const first = this.identifier();
    this.skipSpace();
    let keyVar: string | undefined;
    let valueVar = first;
    if (this.peek(",")) {
      this.pos++;
      this.skipSpace();
      keyVar = first;
      valueVar = this.identifier();
    }
    this.skipSpace();
    if (!/^in\s/.test(this.src.slice(this.pos))) this.fail('expected "in"');
    this.pos += 2;
    const collection = this.expression();
    this.expect(":");
    return { keyVar, valueVar, collection };
  }

  private forCondition(): Expr | undefined {
    this.skipSpace();
    if (/^if\s/.test(this.src.slice(this.pos))) {
      this.pos += 2;
      return this.expression();
    }
    return undefined;
  }

  private tupleOrFor(): Expr {
    this.pos++;
    const header = this.forHeader();
    if (header) {
      const valueExpr = this.expression();
      const condition = this.forCondition();
      this.expect("]");
      return { kind: "for", object: false, ...header, valueExpr, condition };
    }
    const items: Expr[] = [];
    this.skipSpace();
    while (!this.peek("]")) {
      items.push(this.expression());
      this.skipSpace();
      if (this.peek(",")) {
        this.pos++;
        this.skipSpace();
      } else break;
    }
    this.expect("]");
    return { kind: "tuple", items };
  }

  private objectOrFor(): Expr {
    this.pos++;
    const header = this.forHeader();
    if (header) {
      const keyExpr = this.expression();
      this.expect("=>");
      const valueExpr = this.expression();
      this.skipSpace();
      if (this.peek("...")) this.fail("grouping (...) in for expressions is not supported");
      const condition = this.forCondition();
      this.expect("}");
      return { kind: "for", object: true, ...header, keyExpr, valueExpr, condition };
    }
    const items: { key: Expr; value: Expr }[] = [];
    this.skipSpace();
    while (!this.peek("}")) {
      const keyStart = this.pos;
      const parenthesised = this.peek("(");
      let key = this.expression();
      // A bare name as an object key is the key's text, not a variable (`true` and `null` too); `(name)` is evaluated.
      if (!parenthesised && key.kind === "name") key = { kind: "literal", value: key.name };
      else if (!parenthesised && key.kind === "literal" && /^[A-Za-z_]/.test(this.src[keyStart])) key = { kind: "literal", value: String(key.value) };
      else if (!parenthesised && (key.kind === "attr" || key.kind === "index")) {
        this.pos = keyStart;
        this.fail("object keys must be names, strings or parenthesised expressions");
      }
      this.skipSpace();
      if (this.peek("=") || this.peek(":")) this.pos++;
      else this.fail('expected "=" after an object key');
      const value = this.expression();
      items.push({ key, value });
      this.skipSpace();
      if (this.peek(",")) this.pos++;
      this.skipSpace();
    }
    this.expect("}");
    return { kind: "object", items };
  }
}
