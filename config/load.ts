/**
 * Reads a configuration (JSON or YAML file, or the embedded demo) and validates it.
 * Problems come back as one line each, naming the field, the bad value and what is accepted.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { z } from "zod";
import { configSchema, type ConfigInput, type Egress6Config } from "./schema";
import { DEMO_CONFIG } from "./demo";
import { UserError } from "../lib/errors";

/** Re-exported for the CLIs, which load a config and report its problems in one place. */
export { UserError };

export interface LoadedConfig {
  readonly config: Egress6Config;
  /** Where it came from: a file path, or "(embedded demo)". */
  readonly source: string;
}

/** Validates an in-memory configuration; throws UserError listing every problem. */
export function parseConfig(input: unknown, source = "config"): Egress6Config {
  const result = configSchema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new UserError(result.error.issues.map((issue) => `${source}: ${describeIssue(issue, input)}`));
}

/** The environment variable that names a config file when no --config is given. */
export const CONFIG_ENV = "EGRESS6_CONFIG";

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
  return parseConfigText(file, readConfigBytes(file, via).toString("utf8"), via);
}

/** The bytes of a config file; a missing or unreadable file is a UserError. */
export function readConfigBytes(file: string, via?: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError([`${configLabel(file, via)}: cannot read the config file (${code === "ENOENT" ? "no such file" : code ?? String(e)})`]);
  }
}

/** The 1-based line and column of the character offset `pos` of `text`. */
function lineColumn(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(pos, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, col: lines[lines.length - 1].length + 1 };
}

/**
 * One line for a JSON.parse error, at the line and column of the problem: Node's message gives a character offset
 * ("at position 12"), or none at the end of the input (then the problem is at the end).
 */
function jsonProblem(label: string, text: string, error: Error): string {
  const message = error.message.split("\n")[0];
  const offset = message.match(/ at position (\d+)/);
  const at = lineColumn(text, offset ? Number(offset[1]) : text.length);
  const reason = message.replace(/ in JSON at position \d+.*$/, "").replace(/ at position \d+.*$/, "").replace(/\.$/, "");
  return `${label}:${at.line}:${at.col}: not valid JSON: ${reason}`;
}

/** Parses the text of a JSON or YAML config file (by its extension) into plain data (no validation). */
export function parseConfigText(file: string, text: string, via?: string): unknown {
  const label = configLabel(file, via);
  const ext = path.extname(file).toLowerCase();
  if (ext === ".json") {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new UserError([jsonProblem(label, text, e as Error)]);
    }
  }
  if (ext === ".yaml" || ext === ".yml") {
    // Loaded only for YAML files: it is a fifth of the config loader's start-up time.
    const YAML = require("yaml") as typeof import("yaml");
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
    return doc.toJS() as unknown;
  }
  throw new UserError([`${label}: unknown config file type "${ext || "(none)"}"; accepted: .json, .yaml, .yml`]);
}

function fieldName(issuePath: readonly PropertyKey[]): string {
  if (issuePath.length === 0) return "(top level)";
  return issuePath
    .map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join("");
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
      const prefix = issue.path.length > 0 ? `${field}.` : "";
      return `${issue.keys.map((k) => prefix + k).join(", ")}: unknown key${issue.keys.length > 1 ? "s" : ""} (check the spelling; see the configuration reference in README.md)`;
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
        const accepted = options && options.length > 0 ? options.map((o) => show(o)).join(", ") : "see README.md";
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
