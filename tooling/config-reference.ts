#!/usr/bin/env node
/**
 * `npm run docs:config` writes, `npm run docs:config -- --check` checks, the field table of docs/configuration.md,
 * generated from the configuration schema (config/schema.ts, config/tls-inspection.ts): one row per field with its
 * path, its type and accepted values, its default and its description (each field's `.describe()` text).
 *
 * The schema is read through zod's own JSON Schema conversion (`z.toJSONSchema`, input side, so a field with a
 * default counts as optional), which carries types, enums, literals, ranges, patterns, defaults and descriptions.
 * What only a refinement checks (retention periods, bucket names, the AZ list) is not in JSON Schema; the field's
 * description says it, and every field must have one (the generator refuses a field without).
 */
import { z } from "zod";
import { configSchema } from "../config/schema";
import { cell, docGeneratorMain, type GeneratedDoc } from "./generated-docs";

/** The part of JSON Schema that z.toJSONSchema writes for this schema. */
export interface JsonSchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  additionalProperties?: boolean | JsonSchemaNode;
  propertyNames?: JsonSchemaNode;
  items?: JsonSchemaNode;
  oneOf?: JsonSchemaNode[];
  anyOf?: JsonSchemaNode[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

/** The configuration schema as JSON Schema, input side (what a config file may hold). */
export function configJsonSchema(): JsonSchemaNode {
  return z.toJSONSchema(configSchema, { io: "input", unrepresentable: "throw" }) as JsonSchemaNode;
}

/** One row of the reference. */
export interface FieldRow {
  /** Dotted path, such as `inspection.proxy.explicitPort`. */
  readonly path: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

const code = (text: string) => `\`${text}\``;
const json = (value: unknown) => code(JSON.stringify(value));

/** A range in words; zod's integer bounds (Number.MAX_SAFE_INTEGER and its negative) say nothing and are left out. */
function range(lower: number | undefined, upper: number | undefined, unit = ""): string {
  const min = lower === undefined || lower <= Number.MIN_SAFE_INTEGER ? undefined : lower;
  const max = upper === undefined || upper >= Number.MAX_SAFE_INTEGER ? undefined : upper;
  const units = (n: number) => (unit === "" ? "" : ` ${unit}${n === 1 ? "" : "s"}`);
  if (min !== undefined && max !== undefined) return min === max ? `exactly ${min}${units(min)}` : `${min}-${max}${units(max)}`;
  if (min !== undefined) return `at least ${min}${units(min)}`;
  if (max !== undefined) return `at most ${max}${units(max)}`;
  return "";
}

/** The variants of a union, and the property every variant fixes to a constant (the discriminator), if any. */
function unionOf(node: JsonSchemaNode): { variants: JsonSchemaNode[]; key: string | undefined } | undefined {
  const variants = node.oneOf ?? node.anyOf;
  if (!variants) return undefined;
  const first = variants[0]?.properties ?? {};
  const key = Object.keys(first).find((k) => variants.every((v) => v.properties?.[k]?.const !== undefined));
  return { variants, key };
}

/** A field's type and accepted values, in words. */
export function typeText(node: JsonSchemaNode): string {
  if (node.const !== undefined) return json(node.const);
  if (node.enum) return `one of ${node.enum.map(json).join(", ")}`;
  const union = unionOf(node);
  if (union) {
    if (union.key) return `object, by ${code(union.key)}: ${union.variants.map((v) => json(v.properties![union.key!].const)).join(" or ")}`;
    return union.variants.map(typeText).join(" or ");
  }
  switch (node.type) {
    case "string": {
      if (node.format === "email") return "string, an e-mail address";
      const parts = ["string"];
      const length = range(node.minLength, node.maxLength, "character");
      if (length) parts.push(length);
      if (node.pattern) parts.push(`matching ${code(node.pattern)}`);
      return parts.join(", ");
    }
    case "integer":
    case "number": {
      const r = range(node.minimum, node.maximum);
      return r ? `${node.type} ${r}` : node.type;
    }
    case "boolean":
      return "boolean";
    case "array": {
      const items = range(node.minItems, node.maxItems, "item");
      return `list of ${node.items ? typeText(node.items) : "anything"}${items ? ` (${items})` : ""}`;
    }
    case "object": {
      if (node.properties) return "object";
      if (node.additionalProperties && typeof node.additionalProperties === "object") {
        const key = node.propertyNames ? typeText(node.propertyNames) : "string";
        return `map: key ${key}; value ${typeText(node.additionalProperties)}`;
      }
      return "object";
    }
    default:
      throw new Error(`config reference: no wording for the JSON Schema node ${JSON.stringify(node).slice(0, 200)}`);
  }
}

function defaultText(node: JsonSchemaNode, required: boolean): string {
  if (node.default !== undefined) {
    const isEmptyObject = typeof node.default === "object" && node.default !== null && !Array.isArray(node.default);
    if (isEmptyObject && Object.keys(node.default as object).length === 0 && node.properties) return "its fields' defaults";
    return json(node.default);
  }
  return required ? "**required**" : "none (optional)";
}

/**
 * Every field of the schema, parents before children, in the schema's order. A discriminated union's variants are
 * merged: the discriminator is one row listing every value, a variant's own field says which value it belongs to.
 */
export function fieldRows(schema: JsonSchemaNode = configJsonSchema()): FieldRow[] {
  const rows: FieldRow[] = [];
  const visit = (node: JsonSchemaNode, prefix: string, condition: string | undefined) => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const path = `${prefix}${name}`;
      if (!child.description) throw new Error(`config reference: the schema field ${path} has no description; add .describe("...")`);
      const required = (node.required ?? []).includes(name);
      rows.push({
        path,
        type: typeText(child),
        default: defaultText(child, required),
        description: condition ? `${condition}: ${child.description}` : child.description,
      });
      visitChildren(child, `${path}.`);
    }
  };
  const visitChildren = (node: JsonSchemaNode, prefix: string) => {
    const union = unionOf(node);
    if (!union) {
      if (node.properties) visit(node, prefix, undefined);
      return;
    }
    const key = union.key;
    if (key) {
      // The discriminator: one row, every value (its description is the first variant's).
      const values = union.variants.map((v) => v.properties![key].const);
      rows.push({
        path: `${prefix}${key}`,
        type: `one of ${values.map(json).join(", ")}`,
        default: "**required**",
        description: union.variants[0].properties![key].description ?? "",
      });
    }
    for (const variant of union.variants) {
      const own = Object.entries(variant.properties ?? {}).filter(([k]) => k !== key);
      const condition = key ? `with ${code(`${key}: ${String(variant.properties![key].const)}`)}` : undefined;
      visit({ ...variant, properties: Object.fromEntries(own) }, prefix, condition);
    }
  };
  visitChildren(schema, "");
  return rows;
}

/** The generated section of docs/configuration.md: the field table. */
export function configReferenceBody(): string {
  const lines = [
    "<!-- Generated from config/schema.ts and config/tls-inspection.ts (the fields' .describe() texts); edit those, then run npm run docs:config. -->",
    "",
    "| field | type and accepted values | default | description |",
    "|---|---|---|---|",
    ...fieldRows().map((r) => `| ${code(r.path)} | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.description)} |`),
  ];
  return lines.join("\n");
}

export const CONFIG_REFERENCE: GeneratedDoc = {
  file: "docs/configuration.md",
  command: "npm run docs:config",
  body: configReferenceBody,
};

if (require.main === module) docGeneratorMain(CONFIG_REFERENCE);
