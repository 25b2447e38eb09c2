/**
 * The verifier's own reader of Terraform expressions as they appear in JSON configuration (`cdk.tf.json`, and the
 * `constant_value` of a plan's configuration section): string templates with `${...}` interpolations holding
 * HCL native-syntax expressions, and the expression strings @cdktf/hcl2json writes for `.tf` files. It reads the HCL
 * native syntax as HashiCorp's own parser does (github.com/hashicorp/hcl, hclsyntax/spec.md, scan_tokens.rl,
 * parser.go, parser_template.go): identifiers with dashes and Unicode letters, keywords next to punctuation
 * (`in(`, `if(`), numbers with exponents, every operator at its precedence, conditionals, `for` with `if` and
 * grouping `...`, objects with `=` or `:` and commas or newlines, `(key)` keys, splats and legacy `.0` indexes,
 * template interpolations and `%{if}`/`%{for}` directives with `~` strip markers, `$${`/`%%{` escapes, heredocs,
 * provider functions (`provider::aws::arn_parse`) and comments. What it reads the evaluator may still refuse (exit
 * 2, naming it); what it refuses is not valid HCL, or nests deeper than MAX_NESTING.
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
      /** `{for ... : k => v... }`: values of equal keys are gathered into a list. */
      readonly group?: boolean;
    }
  /** A template `%{for}` directive: the strings `source` (a tuple `for`) gives, joined. */
  | { readonly kind: "join"; readonly source: Expr }
  | { readonly kind: "cond"; readonly test: Expr; readonly then: Expr; readonly otherwise: Expr }
  | { readonly kind: "binary"; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: "unary"; readonly op: "!" | "-"; readonly operand: Expr };

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(`${message} in ${JSON.stringify(source.length > 100 ? `${source.slice(0, 97)}...` : source)}`);
    this.name = "ExpressionError";
  }
}

/**
 * How deeply expressions may nest (brackets, operands of an operator chain, traversal steps, directives). HCL sets
 * no limit; the verifier does, so that a pathological input stops with one line instead of exhausting the stack of
 * the parser or of the evaluators that walk the tree. Real configurations nest a few levels.
 */
export const MAX_NESTING = 200;

/** Operators by precedence, lowest first (HCL native syntax specification, "Operations"); longest first per level. */
const PRECEDENCE: readonly (readonly string[])[] = [["||"], ["&&"], ["==", "!="], ["<=", ">=", "<", ">"], ["+", "-"], ["*", "/", "%"]];

// Sticky patterns, matched at the parser's position without copying the rest of the input.
/** An identifier: `(ID_Start | '_') (ID_Continue | '-')*` (hclsyntax/scan_tokens.rl, `Ident`). */
const IDENT = /[\p{ID_Start}_][\p{ID_Continue}-]*/uy;
/** A number: digits, an optional fraction and an optional exponent (spec.md, "Numeric Literals"). */
const NUMBER = /-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
/** The full splat operator; `[`, `*` and `]` are separate tokens, so blanks may sit between them. */
const FULL_SPLAT = /\[[ \t\r\n]*\*[ \t\r\n]*\]/y;
/** A comment: `#` or `//` to the end of the line, or `/* ... *\/` (spec.md, "Comments and Whitespace"). */
const COMMENT = /#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\//y;
/** A heredoc introducer: `<<` or `<<-`, the marker, a newline (scan_tokens.rl, `BeginHeredocTmpl`). */
const HEREDOC = /<<(-?)([\p{ID_Start}_][\p{ID_Continue}-]*)\r?\n/uy;

/** One token of a template before directives are matched (parser_template.go works on the same tokens). */
type TemplateToken =
  | { readonly t: "lit"; v: string }
  | { readonly t: "interp"; readonly e: Expr }
  | { readonly t: "if"; readonly e: Expr }
  | { readonly t: "else" | "endif" | "endfor" }
  | { readonly t: "for"; readonly keyVar?: string; readonly valueVar: string; readonly collection: Expr };

type TemplateMode = "bare" | "quoted" | "heredoc";

/** Parses a JSON string value as a Terraform template. A string that is exactly one `${...}` is that expression. */
export function parseTemplate(text: string): Expr {
  if (!text.includes("${") && !text.includes("%{")) return { kind: "literal", value: text };
  const p = new Parser(text, 0);
  const e = p.template("bare");
  p.atEnd();
  return e;
}

/** Joins adjacent strings and drops empty ones. */
function meld(parts: readonly (string | Expr)[]): (string | Expr)[] {
  const out: (string | Expr)[] = [];
  for (const part of parts) {
    if (part === "") continue;
    const last = out[out.length - 1];
    if (typeof part === "string" && typeof last === "string") out[out.length - 1] = last + part;
    else out.push(part);
  }
  return out;
}

class Parser {
  /** Inside an object constructor (not a `for`), newlines end items, so they also end an expression. */
  private newlineEnds = false;
  private depth = 0;

  constructor(
    private readonly src: string,
    private pos: number,
  ) {}

  private fail(message: string): never {
    throw new ExpressionError(`${message} at offset ${this.pos}`, this.src);
  }

  atEnd(): void {
    if (this.pos < this.src.length) this.fail("unexpected text after the template");
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.src);
    return m ? m[0] : undefined;
  }

  /** Is the identifier at the position exactly `word` (so `in(` is `in`, and `input` is not)? */
  private keyword(word: string): boolean {
    return this.match(IDENT) === word;
  }

  private deeper(by = 1): void {
    this.depth += by;
    if (this.depth > MAX_NESTING) this.fail(`expression nested more than ${MAX_NESTING} levels deep (the verifier's limit)`);
  }

  /** Runs `f` with newlines ending expressions or not, restoring the setting after. */
  private withNewlines<T>(end: boolean, f: () => T): T {
    const saved = this.newlineEnds;
    this.newlineEnds = end;
    try {
      return f();
    } finally {
      this.newlineEnds = saved;
    }
  }

  // ---- templates --------------------------------------------------------------------------------------------

  /**
   * A template: the JSON string itself (`bare`), a quoted string (after its `"`; stops before the closing one) or a
   * heredoc body (after its introducer line; consumes the closing marker). A template that is only one
   * interpolation is that expression's value, unconverted (spec.md, "Template Interpolation Unwrapping").
   */
  template(mode: TemplateMode, marker?: string, flush = false): Expr {
    const tokens = this.templateTokens(mode, marker);
    if (flush) flushHeredoc(tokens);
    if (tokens.length === 1 && tokens[0].t === "interp") return tokens[0].e;
    let i = 0;
    const build = (stops: readonly string[]): { parts: (string | Expr)[]; stop?: string } => {
      const parts: (string | Expr)[] = [];
      while (i < tokens.length) {
        const tok = tokens[i++];
        switch (tok.t) {
          case "lit":
            parts.push(tok.v);
            break;
          case "interp":
            parts.push(tok.e);
            break;
          case "if": {
            this.deeper();
            const then = build(["else", "endif"]);
            const otherwise = then.stop === "else" ? build(["endif"]) : { parts: [] };
            this.depth--;
            parts.push({
              kind: "cond",
              test: tok.e,
              then: { kind: "template", parts: meld(then.parts) },
              otherwise: { kind: "template", parts: meld(otherwise.parts) },
            });
            break;
          }
          case "for": {
            this.deeper();
            const body = build(["endfor"]);
            this.depth--;
            const each: Expr = { kind: "template", parts: meld(body.parts) };
            parts.push({
              kind: "join",
              source: {
                kind: "for",
                object: false,
                keyVar: tok.keyVar,
                valueVar: tok.valueVar,
                collection: tok.collection,
                valueExpr: each,
              },
            });
            break;
          }
          default:
            if (stops.includes(tok.t)) return { parts, stop: tok.t };
            this.fail(`%{${tok.t}} without its opening directive`);
        }
      }
      if (stops.length > 0) this.fail(`a template directive without its %{${stops[stops.length - 1]}}`);
      return { parts };
    };
    const parts = meld(build([]).parts);
    if (parts.length === 0) return { kind: "literal", value: "" };
    if (parts.length === 1 && typeof parts[0] === "string") return { kind: "literal", value: parts[0] };
    return { kind: "template", parts };
  }

  /**
   * The tokens of a template, split as HCL's scanner splits literal text (at each `$` and `%`, and after each
   * newline outside quoted strings), with the `~` strip markers applied as parser_template.go applies them: `${~`
   * or `%{~` trims trailing whitespace off the literal token just before, `~}` leading whitespace off the one after.
   */
  private templateTokens(mode: TemplateMode, marker?: string): TemplateToken[] {
    const s = this.src;
    const tokens: TemplateToken[] = [];
    let trimNext = false;
    let lineStart = true;
    let ended = mode === "bare";
    const literal = (v: string) => {
      tokens.push({ t: "lit", v: trimNext ? v.trimStart() : v });
      trimNext = false;
      lineStart = v.endsWith("\n");
    };
    const trimPrevious = () => {
      const last = tokens[tokens.length - 1];
      if (last?.t === "lit") last.v = last.v.trimEnd();
    };
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (mode === "quoted" && c === '"') {
        ended = true;
        break;
      }
      if (mode === "heredoc" && lineStart) {
        const nl = s.indexOf("\n", this.pos);
        const line = s.slice(this.pos, nl < 0 ? s.length : nl);
        if (line.trim() === marker) {
          // The marker's own newline stays: it is whitespace (or an item separator) after the heredoc.
          this.pos += line.replace(/\r$/, "").length;
          ended = true;
          break;
        }
      }
      if ((c === "$" || c === "%") && s[this.pos + 1] === "{") {
        this.pos += 2;
        if (s[this.pos] === "~") {
          trimPrevious();
          this.pos++;
        }
        trimNext = false;
        lineStart = false;
        const tok = this.withNewlines(false, () => (c === "$" ? ({ t: "interp", e: this.expression() } as const) : this.directive()));
        this.skipSpace(true);
        if (s.startsWith("~}", this.pos)) {
          trimNext = true;
          this.pos += 2;
        } else if (s[this.pos] === "}") this.pos++;
        else this.fail(c === "$" ? "expected } closing the interpolation" : "expected } closing the template directive");
        tokens.push(tok);
      } else if ((c === "$" || c === "%") && s[this.pos + 1] === c && s[this.pos + 2] === "{") {
        // `$${` and `%%{` are the literal `${` and `%{` (spec.md, "Template Literals").
        this.pos += 3;
        literal(`${c}{`);
      } else if (c === "$" || c === "%") {
        this.pos++;
        literal(c);
      } else {
        let v = "";
        while (this.pos < s.length) {
          const ch = s[this.pos];
          if (ch === "$" || ch === "%" || (mode === "quoted" && ch === '"')) break;
          if (mode === "quoted" && ch === "\\") {
            v += this.escape();
            continue;
          }
          v += ch;
          this.pos++;
          if (ch === "\n" && mode !== "quoted") break;
        }
        literal(v);
      }
    }
    if (!ended) this.fail(mode === "quoted" ? "unterminated string" : `heredoc without its closing ${marker}`);
    return tokens;
  }

  /** After `%{` (and any `~`): `if COND`, `else`, `endif`, `for [K,] V in COLL`, `endfor`. */
  private directive(): TemplateToken {
    this.skipSpace(true);
    const word = this.match(IDENT);
    switch (word) {
      case "if":
        this.pos += 2;
        return { t: "if", e: this.expression() };
      case "else":
      case "endif":
      case "endfor":
        this.pos += word.length;
        return { t: word };
      case "for": {
        this.pos += 3;
        const { keyVar, valueVar } = this.forNames();
        return { t: "for", keyVar, valueVar, collection: this.expression() };
      }
      default:
        return this.fail(`unknown template directive %{${word ?? ""}} (HCL has if, else, endif, for, endfor)`);
    }
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

  // ---- expressions ------------------------------------------------------------------------------------------

  /**
   * Skips blanks and comments; newlines too unless `newlines` is false. Where a newline could end an object item it
   * is kept (the default inside an object constructor); where an item cannot end (before an operand, a closing
   * bracket, `:` or `?`) newlines are skipped even there, so the parser reads a superset of HCL, never less.
   */
  private skipSpace(newlines = !this.newlineEnds): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === " " || c === "\t" || (newlines && (c === "\n" || c === "\r"))) this.pos++;
      else if (c === "\r" && s[this.pos + 1] !== "\n") this.pos++;
      else if (c === "#" || c === "/") {
        // A line comment stops before its newline; a /* */ comment is a blank even across lines.
        const comment = this.match(COMMENT);
        if (comment === undefined) break;
        this.pos += comment.length;
      } else break;
    }
  }

  private peek(text: string): boolean {
    return this.src.startsWith(text, this.pos);
  }

  private expect(text: string): void {
    this.skipSpace(true);
    if (!this.peek(text)) this.fail(`expected "${text}"`);
    this.pos += text.length;
  }

  expression(): Expr {
    this.deeper();
    const test = this.binary(0);
    const before = this.pos;
    this.skipSpace(true);
    let e = test;
    if (!this.peek("?")) this.pos = before;
    else {
      this.pos++;
      const then = this.expression();
      this.expect(":");
      const otherwise = this.expression();
      e = { kind: "cond", test, then, otherwise };
    }
    this.depth--;
    return e;
  }

  private binary(level: number): Expr {
    if (level >= PRECEDENCE.length) return this.unary();
    let left = this.binary(level + 1);
    let chain = 0;
    for (;;) {
      const before = this.pos;
      this.skipSpace(true);
      const op = PRECEDENCE[level].find((o) => this.peek(o) && !(o === "<" && this.peek("<<")));
      // After a newline that may end an object item, `-` could begin the next item's key (`-1 = ...`).
      if (!op || (op === "-" && this.newlineEnds && /[\r\n]/.test(this.src.slice(before, this.pos)))) {
        this.pos = before;
        break;
      }
      this.pos += op.length;
      // Each operator of a chain nests the tree one level deeper (left-associative).
      this.deeper();
      chain++;
      const right = this.binary(level + 1);
      left = { kind: "binary", op, left, right };
    }
    this.depth -= chain;
    return left;
  }

  private unary(): Expr {
    this.skipSpace(true);
    const c = this.src[this.pos];
    if (c === "!" || (c === "-" && !/[0-9]/.test(this.src[this.pos + 1] ?? ""))) {
      this.pos++;
      this.deeper();
      const operand = this.unary();
      this.depth--;
      return { kind: "unary", op: c, operand };
    }
    return this.postfix(this.primary());
  }

  private postfix(start: Expr): Expr {
    let e = start;
    let steps = 0;
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      const fullSplat = this.match(FULL_SPLAT);
      if (fullSplat !== undefined || this.peek(".*")) {
        this.pos += fullSplat !== undefined ? fullSplat.length : 2;
        // `[*]` applies every following step to each element, a nested splat included (`a[*].b[*].c` is a list
        // of lists; parser.go parses the rest as traversals of the element); the attribute-only `.*` takes only
        // its `.name` (and legacy `.0`) steps, so in `a.*.b[0]` the index picks from the result (spec.md,
        // "Splat Operators").
        let each: Expr = { kind: "item" };
        if (fullSplat !== undefined) each = this.postfix(each);
        else {
          for (;;) {
            const op = this.traversalStep(each, false);
            if (!op) break;
            this.deeper();
            steps++;
            each = op;
          }
        }
        e = { kind: "splat", source: e, each };
      } else {
        const step = this.traversalStep(e);
        if (!step) {
          this.pos = before;
          break;
        }
        e = step;
      }
      this.deeper();
      steps++;
    }
    this.depth -= steps;
    return e;
  }

  /** One `.name`, `.0` or (if `indexes`) `[expr]` applied to `target`, or undefined when none follows. */
  private traversalStep(target: Expr, indexes = true): Expr | undefined {
    const before = this.pos;
    this.skipSpace();
    const s = this.src;
    if (s[this.pos] === "." && s[this.pos + 1] !== "*" && s[this.pos + 1] !== ".") {
      this.pos++;
      this.skipSpace();
      const m = /^[0-9]+/.exec(s.slice(this.pos, this.pos + 20));
      if (m) {
        // The legacy index `a.0` (parser.go: "a weird form we inherited from HIL").
        this.pos += m[0].length;
        return { kind: "index", target, key: { kind: "literal", value: Number(m[0]) } };
      }
      return { kind: "attr", target, name: this.identifier() };
    }
    if (indexes && s[this.pos] === "[" && this.match(FULL_SPLAT) === undefined) {
      this.pos++;
      const key = this.withNewlines(false, () => this.expression());
      this.expect("]");
      return { kind: "index", target, key };
    }
    this.pos = before;
    return undefined;
  }

  private identifier(): string {
    const name = this.match(IDENT);
    if (name === undefined) this.fail("expected a name");
    this.pos += name.length;
    return name;
  }

  private primary(): Expr {
    this.skipSpace(true);
    const s = this.src;
    const c = s[this.pos];
    if (c === undefined) this.fail("unexpected end of expression");
    const num = this.match(NUMBER);
    if (num !== undefined) {
      this.pos += num.length;
      return { kind: "literal", value: Number(num) };
    }
    if (c === '"') {
      this.pos++;
      const e = this.template("quoted");
      this.pos++;
      return e;
    }
    const heredoc = c === "<" ? this.match(HEREDOC) : undefined;
    if (heredoc !== undefined) {
      const [, flush, marker] = /^<<(-?)(.*?)\r?\n$/su.exec(heredoc)!;
      this.pos += heredoc.length;
      return this.template("heredoc", marker, flush === "-");
    }
    if (c === "(") {
      this.pos++;
      const e = this.withNewlines(false, () => this.expression());
      this.withNewlines(false, () => this.expect(")"));
      return e;
    }
    if (c === "[") return this.withNewlines(false, () => this.tupleOrFor());
    if (c === "{") return this.objectOrFor();
    const name = this.identifier();
    if (name === "true" || name === "false") return { kind: "literal", value: name === "true" };
    if (name === "null") return { kind: "literal", value: null };
    const before = this.pos;
    this.skipSpace();
    if (s[this.pos] === "(" || this.peek("::")) return this.withNewlines(false, () => this.call(name));
    this.pos = before;
    return { kind: "name", name };
  }

  /** A call; `provider::aws::arn_parse(...)` and `core::max(...)` are names in namespaces. */
  private call(first: string): Expr {
    let name = first;
    while (this.peek("::")) {
      this.pos += 2;
      name += `::${this.identifier()}`;
      this.skipSpace();
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

  /** `K, V` or `V` after `for`, then the `in` keyword. */
  private forNames(): { keyVar?: string; valueVar: string } {
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
      this.skipSpace();
    }
    if (!this.keyword("in")) this.fail('expected "in"');
    this.pos += 2;
    return { keyVar, valueVar };
  }

  /** After `[` or `{`: `for K, V in COLL :` (the keyword is a whole identifier: `[for_each]` is a tuple). */
  private forHeader(): { keyVar?: string; valueVar: string; collection: Expr } | undefined {
    const before = this.pos;
    this.skipSpace(true);
    if (!this.keyword("for")) {
      this.pos = before;
      return undefined;
    }
    this.pos += 3;
    const names = this.forNames();
    const collection = this.expression();
    this.expect(":");
    return { ...names, collection };
  }

  private forCondition(): Expr | undefined {
    this.skipSpace();
    if (!this.keyword("if")) return undefined;
    this.pos += 2;
    return this.expression();
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
    const header = this.withNewlines(false, () => this.forHeader());
    if (header) {
      return this.withNewlines(false, () => {
        const keyExpr = this.expression();
        this.expect("=>");
        const valueExpr = this.expression();
        this.skipSpace();
        let group = false;
        if (this.peek("...")) {
          group = true;
          this.pos += 3;
        }
        const condition = this.forCondition();
        this.expect("}");
        return { kind: "for", object: true, ...header, keyExpr, valueExpr, condition, ...(group ? { group } : {}) } as Expr;
      });
    }
    // Object constructors are newline-sensitive (parser.go, parseObjectCons): a newline ends an item.
    return this.withNewlines(true, () => {
      const items: { key: Expr; value: Expr }[] = [];
      this.skipSpace(true);
      while (!this.peek("}")) {
        if (this.pos >= this.src.length) this.fail('expected "}"');
        const keyStart = this.pos;
        const parenthesised = this.peek("(");
        let key = this.expression();
        // A bare name as an object key is the key's text, not a variable (`true` and `null` too); `(name)` is evaluated.
        if (!parenthesised && key.kind === "name") key = { kind: "literal", value: key.name };
        else if (!parenthesised && key.kind === "literal" && /^[A-Za-z_]/.test(this.src[keyStart]))
          key = { kind: "literal", value: String(key.value) };
        else if (!parenthesised && (key.kind === "attr" || key.kind === "index") && rootName(key)) {
          // HCL parses it and refuses it when evaluating ("Ambiguous attribute key", ObjectConsKeyExpr.Value).
          this.pos = keyStart;
          this.fail(
            'object keys must be names, strings or parenthesised expressions: write (a.b) for a reference, "a.b" for text (HCL refuses it too: Ambiguous attribute key)',
          );
        }
        this.skipSpace();
        if (this.peek("=") || this.peek(":")) this.pos++;
        else this.fail('expected "=" after an object key');
        const value = this.expression();
        items.push({ key, value });
        this.skipSpace(true);
        if (this.peek(",")) this.pos++;
        this.skipSpace(true);
      }
      this.pos++;
      return { kind: "object", items } as Expr;
    });
  }
}

/** Is a traversal rooted at a plain name (`a.b`, `a[0]`), as opposed to `f(x).b`? */
function rootName(e: Expr): boolean {
  let root = e;
  while (root.kind === "attr" || root.kind === "index") root = root.target;
  return root.kind === "name";
}

/**
 * The flush heredoc rule (`<<-`): the smallest count of leading whitespace characters over the lines (a line whose
 * first token is not literal text counts 0; a blank line does not count) is removed from every line's first literal
 * token (parser_template.go, flushHeredocTemplateParts).
 */
function flushHeredoc(tokens: TemplateToken[]): void {
  let min = Infinity;
  let newline = true;
  const adjust: { t: "lit"; v: string }[] = [];
  for (const tok of tokens) {
    if (newline) {
      newline = false;
      let spaces = 0;
      if (tok.t === "lit") {
        const trimmed = tok.v.trimStart();
        if (trimmed === "" && tok.v.endsWith("\n")) spaces = Infinity;
        else {
          spaces = [...tok.v.slice(0, tok.v.length - trimmed.length)].length;
          adjust.push(tok);
        }
      }
      min = Math.min(min, spaces);
    }
    if (tok.t === "lit" && tok.v.endsWith("\n")) newline = true;
  }
  if (!Number.isFinite(min)) return;
  for (const tok of adjust) tok.v = [...tok.v].slice(min).join("");
}
