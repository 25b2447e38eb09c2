/**
 * Reads a configuration (JSON or YAML file, or the embedded demo) and validates it.
 * Problems come back as one line each, naming the field, the bad value and what is accepted.
 */
import * as path from "node:path";
import type { z } from "zod";
import { configSchema, type ConfigInput, type Egress6Config } from "./schema";
import { DEMO_CONFIG } from "./demo";
import { UserError } from "../lib/errors";
import { readRegularFile } from "../lib/read-file";

/** Re-exported for the CLIs, which load a config and report its problems in one place. */
export { UserError };

export interface LoadedConfig {
  readonly config: Egress6Config;
  /** Where it came from: a file path, or "(embedded demo)". */
  readonly source: string;
}

/** Validates an in-memory configuration; throws UserError listing every problem. */
export function parseConfig(input: unknown, source = "config"): Egress6Config {
  // Checked before the schema, which recurses: a value nested deeper than any field never reaches it.
  const tooDeep = nestingProblem(input);
  if (tooDeep) throw new UserError([`${source}: ${tooDeep}`]);
  const characters = controlCharacterProblems(input);
  const result = configSchema.safeParse(input, { reportInput: true });
  if (result.success && characters.length === 0) return result.data;
  // A string with a control character is reported once, by the character check, not again by its field's own rule.
  const flagged = new Set(characters.map((c) => c.field));
  const schemaLines = result.success
    ? []
    : result.error.issues.filter((issue) => !flagged.has(fieldName(issue.path))).map((issue) => describeIssue(issue, input));
  throw new UserError([...characters.map((c) => c.line), ...schemaLines].map((line) => `${source}: ${line}`));
}

/** The environment variable that names a config file when no --config is given. */
export const CONFIG_ENV = "EGRESS6_CONFIG";

/**
 * The largest config file read, in bytes. The largest config the schema accepts (1,000 domains of at most 253
 * characters, 1,000 Suricata rules of a few hundred characters) is well under it; a larger file is refused before it
 * is read, so a wrong file (a log, a disk image, /dev/zero) costs nothing.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/**
 * The deepest nesting of objects and arrays accepted. The schema's deepest field is 5 levels down; parsers and the
 * schema recurse, so a file nested thousands deep would overflow the stack instead of being refused.
 */
export const MAX_CONFIG_DEPTH = 32;

/** Loads the file named by `file` (or EGRESS6_CONFIG), or the demo when neither is given. */
export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const via = file === undefined && env[CONFIG_ENV] ? CONFIG_ENV : undefined;
  const chosen = file ?? (env[CONFIG_ENV] ? env[CONFIG_ENV] : undefined);
  if (chosen === undefined) return { config: parseConfig(DEMO_CONFIG, "(embedded demo)"), source: "(embedded demo)" };
  return { config: parseConfig(readConfigFile(chosen, via), configLabel(chosen, via)), source: chosen };
}

/**
 * How messages name a config file: its path, and the variable it came from when it was not named on the command
 * line (`EGRESS6_CONFIG=/x.yaml`), so a user who never typed the name sees where it comes from.
 */
export function configLabel(file: string, via?: string): string {
  return via === undefined ? file : `${via}=${file}`;
}

/** Parses a JSON or YAML file into plain data (no validation); `via` names the variable that named it. */
export function readConfigFile(file: string, via?: string): unknown {
  return parseConfigText(file, readConfigBytes(file, via), via);
}

/**
 * The bytes of a config file: only a regular file, at most MAX_CONFIG_BYTES (lib/read-file.ts). A missing,
 * unreadable, special or oversized file is a UserError.
 */
export function readConfigBytes(file: string, via?: string): Buffer {
  const read = readRegularFile(file, MAX_CONFIG_BYTES);
  if (read.ok) return read.bytes;
  const reason = read.reason.startsWith("is ")
    ? `${read.reason}; a config file is a .json, .yaml or .yml file`
    : `cannot read the config file (${read.reason})`;
  throw new UserError([`${configLabel(file, via)}: ${reason}`]);
}

/** The 1-based line and column of the character offset `pos` of `text`. */
function lineColumn(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(pos, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, col: lines[lines.length - 1].length + 1 };
}

/** The text of a config file: UTF-8, or one line at the first byte that is not. */
function decodeText(label: string, bytes: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const lossy = bytes.toString("utf8");
    const at = lineColumn(lossy, lossy.indexOf("\uFFFD"));
    throw new UserError([`${label}:${at.line}:${at.col}: not UTF-8 text; save the file as UTF-8`]);
  }
}

/** jsonc-parser's SyntaxKind values used here (node_modules/jsonc-parser/lib/umd/main.d.ts). */
const OPEN = new Set([1, 3]); // OpenBraceToken, OpenBracketToken
const CLOSE = new Set([2, 4]); // CloseBraceToken, CloseBracketToken
const EOF = 17;

/**
 * Parses strict JSON (RFC 8259: no comments, no trailing commas) with jsonc-parser, which reports every problem at
 * its line and column, and refuses a duplicate key: JSON.parse keeps the last one silently, so a second `"name"` would
 * replace the first without a word. Nesting is checked first with the parser's scanner (iterative): the parser
 * itself recurses, and JSON.parse of a deeply nested file overflows the stack.
 */
function parseJson(label: string, text: string): unknown {
  // Loaded only for JSON files, as yaml is for YAML files: the embedded demo and YAML configs do not pay its ~30 ms.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (start-up time, see above)
  const { createScanner, visit, printParseErrorCode } = require("jsonc-parser") as typeof import("jsonc-parser");
  // RFC 8259 section 8.1: JSON text must not begin with a byte order mark (parsers may ignore one; JSON.parse does not).
  if (text.startsWith("\uFEFF")) {
    throw new UserError([`${label}:1:1: not valid JSON: the file starts with a byte order mark (U+FEFF); save it as UTF-8 without BOM`]);
  }
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let token = scanner.scan(); token !== EOF; token = scanner.scan()) {
    if (OPEN.has(token) && ++depth > MAX_CONFIG_DEPTH) {
      throw new UserError([
        `${label}:${scanner.getTokenStartLine() + 1}:${scanner.getTokenStartCharacter() + 1}: nested more than ${MAX_CONFIG_DEPTH} levels deep; no field of the configuration is nested that deep`,
      ]);
    }
    if (CLOSE.has(token)) depth--;
  }
  const problems: string[] = [];
  let syntax: string | undefined;
  const keys: Map<string, number>[] = [];
  visit(
    text,
    {
      onObjectBegin: () => {
        keys.push(new Map());
      },
      onObjectEnd: () => {
        keys.pop();
      },
      onObjectProperty: (property, _offset, _length, startLine, startCharacter) => {
        const seen = keys[keys.length - 1];
        if (seen === undefined) return;
        const first = seen.get(property);
        if (first !== undefined) {
          problems.push(
            `${label}:${startLine + 1}:${startCharacter + 1}: duplicate key ${JSON.stringify(property)} (first at line ${first}); each key may appear once in an object`,
          );
        } else seen.set(property, startLine + 1);
      },
      // Only the first syntax error: the ones after it follow from it.
      onError: (error, _offset, _length, startLine, startCharacter) => {
        syntax ??= `${label}:${startLine + 1}:${startCharacter + 1}: not valid JSON: ${syntaxMessage(printParseErrorCode(error))}`;
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  if (syntax !== undefined) throw new UserError([syntax]);
  if (problems.length > 0) throw new UserError(problems);
  return JSON.parse(text) as unknown;
}

/** jsonc-parser's error codes in words. */
function syntaxMessage(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: "unexpected character",
    InvalidNumberFormat: "invalid number",
    PropertyNameExpected: "expected a property name in double quotes",
    ValueExpected: "expected a value",
    ColonExpected: "expected ':'",
    CommaExpected: "expected ','",
    CloseBraceExpected: "expected '}'",
    CloseBracketExpected: "expected ']'",
    EndOfFileExpected: "unexpected text after the end of the JSON value",
    InvalidCommentToken: "comments are not allowed in JSON",
    UnexpectedEndOfComment: "unterminated comment",
    UnexpectedEndOfString: "unterminated string",
    UnexpectedEndOfNumber: "incomplete number",
    InvalidUnicode: "invalid \\u escape",
    InvalidEscapeCharacter: "invalid escape character",
    InvalidCharacter: "control character inside a string (escape it)",
  };
  return words[code] ?? code;
}

/** yaml's lexer tokens that stand for no source text (node_modules/yaml/dist/parse/cst.d.ts: DOCUMENT, FLOW_END, SCALAR). */
const YAML_CONTROL_TOKENS = new Set(["\x02", "\x18", "\x1f"]);

/**
 * Aliases a YAML file may expand (yaml's toJS maxAliasCount, the library's default). An "alias bomb" (each anchor
 * holding many aliases of the one before) expands exponentially; the library stops it at this count.
 */
const MAX_YAML_ALIAS_COUNT = 100;

function parseYaml(label: string, text: string): unknown {
  // Loaded only for YAML files: it is a fifth of the config loader's start-up time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (start-up time, see above)
  const YAML = require("yaml") as typeof import("yaml");
  // Flow collections ([..], {..}) nested deeply make the parser recurse until the stack (or memory) runs out: count
  // them with the lexer (iterative) first. Block nesting is bounded by indentation, and the parser reports it.
  let depth = 0;
  let offset = 0;
  for (const token of new YAML.Lexer().lex(text)) {
    if (token === "[" || token === "{") {
      if (++depth > MAX_CONFIG_DEPTH) {
        const at = lineColumn(text, offset);
        throw new UserError([
          `${label}:${at.line}:${at.col}: nested more than ${MAX_CONFIG_DEPTH} levels deep; no field of the configuration is nested that deep`,
        ]);
      }
    } else if (token === "]" || token === "}") depth--;
    if (!YAML_CONTROL_TOKENS.has(token)) offset += token.length;
  }
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    // err.pos is the character offset of the problem; the line counter turns it into a 1-based line and column.
    throw new UserError(
      doc.errors.map((err) => {
        const at = lineCounter.linePos(err.pos[0]);
        return `${label}:${at.line}:${at.col}: not valid YAML: ${err.message.split("\n")[0]}`;
      }),
    );
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT }) as unknown;
  } catch (e) {
    // yaml throws a ReferenceError when the aliases would expand past maxAliasCount (an "alias bomb").
    const message = (e as Error).message.split("\n")[0];
    const what = /alias/i.test(message)
      ? `its aliases expand past ${MAX_YAML_ALIAS_COUNT} nodes (a YAML alias bomb?); write the values out`
      : message;
    throw new UserError([`${label}: not valid YAML: ${what}`]);
  }
}

/**
 * Parses the contents of a JSON or YAML config file (by its extension) into plain data (no validation). Bytes are
 * decoded as UTF-8 (refused when they are not); every problem is reported at its line and column.
 */
export function parseConfigText(file: string, content: string | Buffer, via?: string): unknown {
  const label = configLabel(file, via);
  const ext = path.extname(file).toLowerCase();
  if (ext !== ".json" && ext !== ".yaml" && ext !== ".yml") {
    throw new UserError([`${label}: unknown config file type "${ext || "(none)"}"; accepted: .json, .yaml, .yml`]);
  }
  const text = typeof content === "string" ? content : decodeText(label, content);
  return ext === ".json" ? parseJson(label, text) : parseYaml(label, text);
}

/**
 * The first place `root` is nested deeper than MAX_CONFIG_DEPTH, in words, or undefined. Iterative, and each object
 * is walked once (a YAML alias makes one object appear in several places).
 */
function nestingProblem(root: unknown): string | undefined {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: root, path: [] }];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { value, path: at } = stack.pop()!;
    if (value === null || typeof value !== "object" || seen.has(value)) continue;
    seen.add(value);
    if (at.length >= MAX_CONFIG_DEPTH)
      return `${fieldName(at)}: nested more than ${MAX_CONFIG_DEPTH} levels deep; no field of the configuration is nested that deep`;
    for (const [key, child] of Object.entries(value)) stack.push({ value: child, path: [...at, Array.isArray(value) ? Number(key) : key] });
  }
  return undefined;
}

/**
 * Characters no config string may hold: C0 and C1 controls, DEL, the Unicode line and paragraph separators, the BOM,
 * zero-width and bidirectional formatting characters. Domains, tags and rules reach squid.conf, Suricata rule strings
 * and DNS Firewall as they are; a newline there would start a new directive or rule, and an invisible character would
 * make a name that is not the one shown.
 */
// eslint-disable-next-line no-control-regex -- control characters on purpose: the config refuses them (see above)
const FORBIDDEN_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;
/** Suricata rule entries may hold several rules, one a line (and tabs between options). */
const FORBIDDEN_IN_RULES =
  // eslint-disable-next-line no-control-regex -- control characters on purpose: the config refuses them (tab, LF allowed)
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

/** A PEM certificate is lines of base64 (RFC 7468 allows CR LF line ends and spaces). */
const FORBIDDEN_IN_PEM =
  // eslint-disable-next-line no-control-regex -- control characters on purpose: the config refuses them (tab, LF, CR allowed)
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

function isRulesPath(at: readonly PropertyKey[]): boolean {
  return at.length === 3 && at[0] === "egress" && at[1] === "suricataRules" && typeof at[2] === "number";
}
function isPemPath(at: readonly PropertyKey[]): boolean {
  return at.length === 3 && at[0] === "inspection" && at[1] === "tlsInspection" && at[2] === "caCertificatePem";
}

/** Every string (and key) of `root` holding a forbidden character: one line each, with the field it is at. */
function controlCharacterProblems(root: unknown): { field: string; line: string }[] {
  const out: { field: string; line: string }[] = [];
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: root, path: [] }];
  const seen = new Set<object>();
  const check = (text: string, at: PropertyKey[], what: string) => {
    const match = (isRulesPath(at) ? FORBIDDEN_IN_RULES : isPemPath(at) ? FORBIDDEN_IN_PEM : FORBIDDEN_CHARACTER).exec(text);
    if (!match) return;
    const code = match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    const field = fieldName(at);
    out.push({
      field,
      line: `${field}: ${what} holds the control or invisible character U+${code} at position ${match.index + 1}, got ${show(text)}; only printable characters are accepted${isRulesPath(at) ? " (and newlines between rules, tabs inside them)" : isPemPath(at) ? " (and the line breaks of the PEM text)" : ""}`,
    });
  };
  while (stack.length > 0) {
    const { value, path: at } = stack.pop()!;
    if (typeof value === "string") check(value, at, "the value");
    if (value === null || typeof value !== "object" || seen.has(value)) continue;
    seen.add(value);
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...at, Array.isArray(value) ? Number(key) : key];
      if (!Array.isArray(value)) check(key, childPath, "the key");
      stack.push({ value: child, path: childPath });
    }
  }
  return out.reverse();
}

/**
 * A field's name as messages show it: `egress.domains[0]`. A key that is empty, holds a dot, a space or a control
 * character is quoted (`tags["a\\nb"]`), so every message stays one line and names the key unambiguously.
 */
function fieldName(issuePath: readonly PropertyKey[]): string {
  if (issuePath.length === 0) return "(top level)";
  return issuePath.map((key, i) => (typeof key === "number" ? `[${key}]` : keyPart(String(key), i === 0))).join("");
}

function keyPart(key: string, first: boolean): string {
  if (key === "" || /[\s.[\]"\\]/u.test(key) || FORBIDDEN_CHARACTER.test(key)) return `[${JSON.stringify(key)}]`;
  return first ? key : `.${key}`;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(root: unknown, issuePath: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of issuePath) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** One line for one zod issue: field, what is wrong or accepted, and the value that was given. */
export function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const field = fieldName(issue.path);
  const given = "input" in issue && issue.input !== undefined ? issue.input : valueAt(root, issue.path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const prefix = issue.path.length > 0 ? field : "";
      return `${issue.keys.map((k) => prefix + keyPart(k, prefix === "")).join(", ")}: unknown key${issue.keys.length > 1 ? "s" : ""} (check the spelling; see the configuration reference in docs/configuration.md)`;
    }
    case "invalid_type":
      if (given === undefined) return `${field}: is required (expected ${issue.expected})`;
      return `${field}: expected ${issue.expected}, got ${show(given)}`;
    case "invalid_value":
      return `${field}: got ${show(given)}; accepted: ${issue.values.map((v) => show(v)).join(", ")}`;
    case "invalid_union": {
      const disc = (issue as { discriminator?: string }).discriminator;
      if (disc) {
        const options = (issue as { options?: unknown[] }).options;
        const discPath = issue.path[issue.path.length - 1] === disc ? issue.path : [...issue.path, disc];
        const accepted = options && options.length > 0 ? options.map((o) => show(o)).join(", ") : "see docs/configuration.md";
        return `${fieldName(discPath)}: got ${show(valueAt(root, discPath))}; accepted: ${accepted}`;
      }
      return `${field}: got ${show(given)}; ${issue.message}`;
    }
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
      const what = issue.origin === "array" ? " entries" : issue.origin === "string" ? " characters" : "";
      return `${field}: must be ${bound}${what}, got ${show(given)}`;
    }
    case "invalid_key": {
      const inner = issue.issues[0];
      return `${field}: ${inner?.message.startsWith("must") ? inner.message : "is not an accepted key"}, got ${show(issue.path[issue.path.length - 1])}`;
    }
    case "invalid_format":
      return `${field}: ${issue.message.startsWith("must") ? issue.message : `must be a valid ${issue.format}`}, got ${show(given)}`;
    default:
      return `${field}: ${issue.message}, got ${show(given)}`;
  }
}

export type { ConfigInput, Egress6Config };
