/**
 * A parser for the Terraform expressions that appear in synthesized JSON (`"${cidrsubnet(aws_vpc.vpc.ipv6_cidr_block, 8, 0)}"`):
 * templates, traversals, indexes, splats, function calls, tuples, objects, `for` and conditional expressions, and
 * arithmetic/logical operators. Enough to evaluate a stack's outputs offline; not a full HCL implementation
 * (no heredocs, no `%{}` directives: those raise `UnsupportedExpression`).
 *
 * Why not `@cdktf/hcl2json`'s `getExpressionAst`: it is asynchronous (a Go/WASM module), wants native-syntax
 * quoting rather than the JSON-decoded template text, and reports traversals as source strings to re-parse.
 */

export type Expr =
  | { readonly kind: "literal"; readonly value: string | number | boolean | null }
  | { readonly kind: "template"; readonly parts: readonly (string | Expr)[] }
  | { readonly kind: "variable"; readonly name: string }
  | { readonly kind: "attribute"; readonly target: Expr; readonly name: string }
  | { readonly kind: "index"; readonly target: Expr; readonly key: Expr }
  /** `source[*].a.b`: `each` is evaluated with `{ kind: "splatItem" }` standing for every element. */
  | { readonly kind: "splat"; readonly source: Expr; readonly each: Expr }
  | { readonly kind: "splatItem" }
  | { readonly kind: "call"; readonly name: string; readonly args: readonly Expr[]; readonly expandFinal: boolean }
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
      readonly grouped: boolean;
    }
  | { readonly kind: "conditional"; readonly test: Expr; readonly then: Expr; readonly otherwise: Expr }
  | { readonly kind: "binary"; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "unary"; readonly op: "!" | "-"; readonly operand: Expr };

/** The expression uses syntax this parser does not implement, or is not valid. */
export class UnsupportedExpression extends Error {
  constructor(message: string, readonly source: string) {
    super(`${message} in ${JSON.stringify(source.length > 120 ? `${source.slice(0, 117)}...` : source)}`);
    this.name = "UnsupportedExpression";
  }
}

/** Binary operators by precedence, lowest first (HCL native syntax specification, "Operations"). */
const BINARY_PRECEDENCE: readonly (readonly string[])[] = [
  ["||"],
  ["&&"],
  ["==", "!="],
  ["<", "<=", ">", ">="],
  ["+", "-"],
  ["*", "/", "%"],
];

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;

/**
 * Parses a string value from Terraform JSON syntax as a template. A string that is one interpolation and nothing
 * else (`"${x}"`) yields the inner expression itself, so its value keeps its type (a list stays a list).
 */
export function parseTemplate(text: string): Expr {
  const parser = new Parser(text);
  const template = parser.template(undefined);
  if (template.kind === "template" && template.parts.length === 1 && typeof template.parts[0] !== "string") {
    return template.parts[0];
  }
  return template;
}

/** Parses a bare expression (no `${ }`), as written inside an interpolation. */
export function parseExpression(text: string): Expr {
  const parser = new Parser(text);
  const expr = parser.expression();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail(`unexpected "${parser.rest().slice(0, 10)}"`);
  return expr;
}

class Parser {
  private pos = 0;

  constructor(private readonly src: string) {}

  atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  rest(): string {
    return this.src.slice(this.pos);
  }

  fail(message: string): never {
    throw new UnsupportedExpression(`${message} at offset ${this.pos}`, this.src);
  }

  /** A template up to `end` (a closing quote) or the end of the text. */
  template(end: '"' | undefined): Expr {
    const parts: (string | Expr)[] = [];
    let literal = "";
    const flush = () => {
      if (literal !== "") parts.push(literal);
      literal = "";
    };
    for (;;) {
      if (this.atEnd()) {
        if (end !== undefined) this.fail("unterminated string");
        break;
      }
      const c = this.src[this.pos];
      if (end !== undefined && c === end) {
        this.pos++;
        break;
      }
      if (this.src.startsWith("$${", this.pos) || this.src.startsWith("%%{", this.pos)) {
        literal += `${c}{`;
        this.pos += 3;
        continue;
      }
      if (this.src.startsWith("%{", this.pos)) this.fail("template directives (%{...}) are not supported");
      if (this.src.startsWith("${", this.pos)) {
        this.pos += 2;
        if (this.src[this.pos] === "~") this.pos++;
        flush();
        parts.push(this.expression());
        this.skipSpace();
        if (this.src[this.pos] === "~") this.pos++;
        this.expect("}");
        continue;
      }
      if (end !== undefined && c === "\\") {
        literal += this.escape();
        continue;
      }
      literal += c;
      this.pos++;
    }
    flush();
    if (parts.length === 0) return { kind: "literal", value: "" };
    if (parts.length === 1 && typeof parts[0] === "string") return { kind: "literal", value: parts[0] };
    return { kind: "template", parts };
  }

  private escape(): string {
    const next = this.src[this.pos + 1];
    const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
    if (next !== undefined && next in simple) {
      this.pos += 2;
      return simple[next];
    }
    const unicode = /^\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))/.exec(this.rest());
    if (unicode) {
      this.pos += unicode[0].length;
      return String.fromCodePoint(parseInt(unicode[1] ?? unicode[2], 16));
    }
    return this.fail("invalid escape sequence");
  }

  skipSpace(): void {
    for (;;) {
      const m = /^(?:\s+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(this.rest());
      if (!m) return;
      this.pos += m[0].length;
    }
  }

  private peek(token: string): boolean {
    this.skipSpace();
    return this.src.startsWith(token, this.pos);
  }

  private accept(token: string): boolean {
    if (!this.peek(token)) return false;
    // A keyword or identifier token must not run into the next identifier character.
    if (IDENT_START.test(token[0]) && IDENT_PART.test(this.src[this.pos + token.length] ?? "")) return false;
    this.pos += token.length;
    return true;
  }

  private expect(token: string): void {
    if (!this.accept(token)) this.fail(`expected "${token}"`);
  }

  private identifier(): string {
    this.skipSpace();
    if (!IDENT_START.test(this.src[this.pos] ?? "")) this.fail("expected a name");
    const start = this.pos;
    while (IDENT_PART.test(this.src[this.pos] ?? "")) this.pos++;
    return this.src.slice(start, this.pos);
  }

  expression(): Expr {
    const test = this.binary(0);
    if (!this.accept("?")) return test;
    const then = this.expression();
    this.expect(":");
    const otherwise = this.expression();
    return { kind: "conditional", test, then, otherwise };
  }

  private binary(level: number): Expr {
    if (level >= BINARY_PRECEDENCE.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      this.skipSpace();
      // Longest operators first, so that "<=" is not read as "<".
      const op = [...BINARY_PRECEDENCE[level]].sort((a, b) => b.length - a.length).find((o) => this.src.startsWith(o, this.pos));
      if (op === undefined) return left;
      this.pos += op.length;
      left = { kind: "binary", op, left, right: this.binary(level + 1) };
    }
  }

  private unary(): Expr {
    if (this.accept("!")) return { kind: "unary", op: "!", operand: this.unary() };
    this.skipSpace();
    if (this.src[this.pos] === "-" && !/\d/.test(this.src[this.pos + 1] ?? "")) {
      this.pos++;
      return { kind: "unary", op: "-", operand: this.unary() };
    }
    return this.postfix(this.primary());
  }

  private postfix(target: Expr): Expr {
    for (;;) {
      this.skipSpace();
      if (this.src.startsWith("[*]", this.pos) || /^\[\s*\*\s*\]/.test(this.rest())) {
        this.pos += /^\[\s*\*\s*\]/.exec(this.rest())![0].length;
        return { kind: "splat", source: target, each: this.splatAccessors({ kind: "splatItem" }, true) };
      }
      if (this.src.startsWith(".*", this.pos)) {
        this.pos += 2;
        return { kind: "splat", source: target, each: this.splatAccessors({ kind: "splatItem" }, false) };
      }
      if (this.src[this.pos] === "." && !/\d/.test(this.src[this.pos + 1] ?? "")) {
        this.pos++;
        target = { kind: "attribute", target, name: this.identifier() };
        continue;
      }
      if (this.src[this.pos] === "." && /\d/.test(this.src[this.pos + 1] ?? "")) {
        // Legacy index syntax: list.0
        this.pos++;
        const digits = /^\d+/.exec(this.rest())![0];
        this.pos += digits.length;
        target = { kind: "index", target, key: { kind: "literal", value: Number(digits) } };
        continue;
      }
      if (this.src[this.pos] === "[") {
        this.pos++;
        const key = this.expression();
        this.expect("]");
        target = { kind: "index", target, key };
        continue;
      }
      return target;
    }
  }

  /** The attribute and index steps after a splat operator; a full splat (`[*]`) also takes indexes. */
  private splatAccessors(item: Expr, full: boolean): Expr {
    let each = item;
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === "." && IDENT_START.test(this.src[this.pos + 1] ?? "")) {
        this.pos++;
        each = { kind: "attribute", target: each, name: this.identifier() };
      } else if (full && this.src[this.pos] === "[" && !/^\[\s*\*/.test(this.rest())) {
        this.pos++;
        const key = this.expression();
        this.expect("]");
        each = { kind: "index", target: each, key };
      } else {
        return each;
      }
    }
  }

  private primary(): Expr {
    this.skipSpace();
    const c = this.src[this.pos];
    if (c === undefined) this.fail("unexpected end of expression");
    if (c === '"') {
      this.pos++;
      return this.template('"');
    }
    if (c === "<" && this.src.startsWith("<<", this.pos)) this.fail("heredoc strings are not supported");
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.rest());
    if (number) {
      this.pos += number[0].length;
      return { kind: "literal", value: Number(number[0]) };
    }
    if (c === "(") {
      this.pos++;
      const inner = this.expression();
      this.expect(")");
      return inner;
    }
    if (c === "[") {
      this.pos++;
      if (this.accept("for")) return this.forExpression(false);
      const items: Expr[] = [];
      while (!this.accept("]")) {
        items.push(this.expression());
        if (!this.accept(",")) {
          this.expect("]");
          break;
        }
      }
      return { kind: "tuple", items };
    }
    if (c === "{") {
      this.pos++;
      if (this.accept("for")) return this.forExpression(true);
      return this.object();
    }
    if (IDENT_START.test(c)) {
      const name = this.identifier();
      if (name === "true" || name === "false") return { kind: "literal", value: name === "true" };
      if (name === "null") return { kind: "literal", value: null };
      this.skipSpace();
      if (this.src[this.pos] === "(" || this.src.startsWith("::", this.pos)) return this.call(name);
      return { kind: "variable", name };
    }
    return this.fail(`unexpected "${c}"`);
  }

  private call(first: string): Expr {
    let name = first;
    while (this.src.startsWith("::", this.pos)) {
      this.pos += 2;
      name += `::${this.identifier()}`;
      this.skipSpace();
    }
    this.expect("(");
    const args: Expr[] = [];
    let expandFinal = false;
    while (!this.accept(")")) {
      args.push(this.expression());
      if (this.accept("...")) expandFinal = true;
      if (!this.accept(",")) {
        this.expect(")");
        break;
      }
    }
    return { kind: "call", name, args, expandFinal };
  }

  private object(): Expr {
    const items: { key: Expr; value: Expr }[] = [];
    while (!this.accept("}")) {
      this.skipSpace();
      // A bare name as key is a literal string (HCL: "an identifier key is interpreted as a literal").
      const bare = /^[A-Za-z_][A-Za-z0-9_-]*(?=\s*[=:])/.exec(this.rest());
      let key: Expr;
      if (bare && !this.rest().startsWith(`${bare[0]}==`)) {
        this.pos += bare[0].length;
        key = { kind: "literal", value: bare[0] };
      } else {
        key = this.expression();
      }
      if (!this.accept("=") && !this.accept(":")) this.fail('expected "=" or ":" after an object key');
      items.push({ key, value: this.expression() });
      // Items are separated by commas or newlines.
      this.accept(",");
      if (this.atEnd()) this.fail('expected "}"');
    }
    return { kind: "object", items };
  }

  private forExpression(object: boolean): Expr {
    const first = this.identifier();
    let keyVar: string | undefined;
    let valueVar = first;
    if (this.accept(",")) {
      keyVar = first;
      valueVar = this.identifier();
    }
    this.expect("in");
    const collection = this.expression();
    this.expect(":");
    let keyExpr: Expr | undefined;
    let valueExpr = this.expression();
    if (object) {
      this.expect("=>");
      keyExpr = valueExpr;
      valueExpr = this.expression();
    }
    const grouped = this.accept("...");
    const condition = this.accept("if") ? this.expression() : undefined;
    this.expect(object ? "}" : "]");
    return { kind: "for", object, keyVar, valueVar, collection, keyExpr, valueExpr, condition, grouped };
  }
}
