/**
 * Terraform string templates, as they appear in a synthesized `cdk.tf.json` (where every string value of an
 * expression is a template) and as they are written in HCL (quoted strings and heredocs use the same template
 * language). A template is split into literal text, `${...}` interpolations and `%{...}` directives; the literal
 * text keeps its template escapes (`$${` for a literal `${`, `%%{` for a literal `%{`) exactly as written, so it can
 * be written back in either syntax with only the string escaping changed.
 */

export type TemplatePart =
  /** Template text as written: `$${` and `%%{` escapes kept. */
  | { readonly kind: "literal"; readonly raw: string }
  /** The text between `${` and `}` (strip markers `~` included). */
  | { readonly kind: "interpolation"; readonly expr: string }
  /** The text between `%{` and `}`. */
  | { readonly kind: "directive"; readonly raw: string };

/** A template this code cannot split exactly; the message says where in the text. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateError";
  }
}

const at = (text: string, i: number) => `at character ${i} of ${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)}`;

/** Splits a template into its parts. Throws TemplateError when an interpolation or directive is not closed. */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i) || text.startsWith("%%{", i)) {
      literal += text.slice(i, i + 3);
      i += 3;
      continue;
    }
    if (text.startsWith("${", i) || text.startsWith("%{", i)) {
      if (literal !== "") parts.push({ kind: "literal", raw: literal });
      literal = "";
      const end = scanExpression(text, i + 2);
      const inner = text.slice(i + 2, end);
      parts.push(text[i] === "$" ? { kind: "interpolation", expr: inner } : { kind: "directive", raw: inner });
      i = end + 1;
      continue;
    }
    literal += text[i];
    i++;
  }
  if (literal !== "") parts.push({ kind: "literal", raw: literal });
  return parts;
}

/** The index of the `}` that closes an expression starting at `start` (nested brackets and strings skipped). */
function scanExpression(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length;) {
    const c = text[i];
    if (c === '"') {
      i = scanQuoted(text, i + 1);
      continue;
    }
    if (text.startsWith("<<", i)) throw new TemplateError(`a heredoc inside an interpolation is not supported (${at(text, i)})`);
    if (c === "#" || text.startsWith("//", i) || text.startsWith("/*", i))
      throw new TemplateError(`a comment inside an interpolation is not supported (${at(text, i)})`);
    if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
    if (depth < 0) throw new TemplateError(`unbalanced bracket in an interpolation (${at(text, i)})`);
    i++;
  }
  throw new TemplateError(`an interpolation is not closed (${at(text, start - 2)})`);
}

/** The index just after the `"` that closes a quoted string whose content starts at `start`. */
function scanQuoted(text: string, start: number): number {
  for (let i = start; i < text.length;) {
    const c = text[i];
    if (c === "\\") i += 2;
    else if (c === '"') return i + 1;
    else if (text.startsWith("$${", i) || text.startsWith("%%{", i)) i += 3;
    else if (text.startsWith("${", i) || text.startsWith("%{", i)) i = scanExpression(text, i + 2) + 1;
    else if (c === "\n") throw new TemplateError(`a line break inside a quoted string in an interpolation (${at(text, i)})`);
    else i++;
  }
  throw new TemplateError(`a quoted string inside an interpolation is not closed (${at(text, start - 1)})`);
}

/** The expression when the whole template is one interpolation without strip markers (its value, unconverted). */
export function soleExpression(parts: readonly TemplatePart[]): string | undefined {
  if (parts.length !== 1 || parts[0].kind !== "interpolation") return undefined;
  const expr = parts[0].expr.trim();
  if (expr.startsWith("~") || expr.endsWith("~") || expr === "") return undefined;
  return expr;
}

/** The string a literal part stands for (`$${` -> `${`, `%%{` -> `%{`). */
export function literalValue(raw: string): string {
  return raw.replace(/([$%])\1\{/g, "$1{");
}

/** Template text for a plain string value (`${` -> `$${`, `%{` -> `%%{`). */
export function escapeLiteral(value: string): string {
  return value.replace(/([$%])\{/g, "$1$1{");
}

/** Writes parts as an HCL quoted string. */
export function quotedTemplate(parts: readonly TemplatePart[]): string {
  let out = '"';
  for (const p of parts) {
    if (p.kind === "literal") out += escapeQuoted(p.raw);
    else {
      const inner = p.kind === "interpolation" ? p.expr : p.raw;
      if (inner.includes("\n"))
        throw new TemplateError(
          `an interpolation spanning lines cannot be written in a quoted string: ${JSON.stringify(inner.slice(0, 60))}`,
        );
      out += `${p.kind === "interpolation" ? "$" : "%"}{${inner}}`;
    }
  }
  return `${out}"`;
}

/** HCL quoted-string escapes for literal text (the template escapes in it are already in place). */
function escapeQuoted(raw: string): string {
  // eslint-disable-next-line no-control-regex -- control characters on purpose: each is escaped, never written raw into HCL
  return raw.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    switch (c) {
      case "\\":
        return "\\\\";
      case '"':
        return '\\"';
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
    }
  });
}

/**
 * Writes parts as an indented heredoc (`<<-EOT`), each line indented by `indent` spaces, or returns undefined when
 * a heredoc would not give back exactly the same string: it must end with a line break (a heredoc always does),
 * hold no carriage return, and have a line that starts with no white space (the indented form removes the
 * white space every line shares).
 */
export function heredocTemplate(parts: readonly TemplatePart[], indent: number): string | undefined {
  const text = parts
    .map((p) =>
      p.kind === "literal" ? p.raw : `${p.kind === "interpolation" ? "$" : "%"}{${p.kind === "interpolation" ? p.expr : p.raw}}`,
    )
    .join("");
  if (!text.endsWith("\n") || text.includes("\r")) return undefined;
  const lines = text.slice(0, -1).split("\n");
  if (!lines.some((l) => l !== "" && !/^\s/.test(l))) return undefined;
  let marker = "EOT";
  for (let n = 1; lines.some((l) => l.trim() === marker); n++) marker = `EOT${n}`;
  const pad = " ".repeat(indent);
  return [`<<-${marker}`, ...lines.map((l) => (l === "" ? "" : pad + l)), `${pad}${marker}`].join("\n");
}
