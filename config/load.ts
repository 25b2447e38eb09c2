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

/** Loads the file named by `file` (or EGRESS6_CONFIG), or the demo when neither is given. */
export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const chosen = file ?? (env.EGRESS6_CONFIG ? env.EGRESS6_CONFIG : undefined);
  if (chosen === undefined) return { config: parseConfig(DEMO_CONFIG, "(embedded demo)"), source: "(embedded demo)" };
  return { config: parseConfig(readConfigFile(chosen), chosen), source: chosen };
}

/** Parses a JSON or YAML file into plain data (no validation). */
export function readConfigFile(file: string): unknown {
  return parseConfigText(file, readConfigBytes(file).toString("utf8"));
}

/** The bytes of a config file; a missing or unreadable file is a UserError. */
export function readConfigBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError([`${file}: cannot read the config file (${code === "ENOENT" ? "no such file" : code ?? String(e)})`]);
  }
}

/** Parses the text of a JSON or YAML config file (by its extension) into plain data (no validation). */
export function parseConfigText(file: string, text: string): unknown {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".json") {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new UserError([`${file}: not valid JSON (${(e as Error).message})`]);
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
          return `${file}:${at.line}:${at.col}: not valid YAML: ${err.message.split("\n")[0]}`;
        }),
      );
    }
    return doc.toJS() as unknown;
  }
  throw new UserError([`${file}: unknown config file type "${ext || "(none)"}"; accepted: .json, .yaml, .yml`]);
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
