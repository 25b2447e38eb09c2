/**
 * docs/configuration.md's field table is generated from the schema (tooling/config-reference.ts): the committed file
 * must be exactly what the generator writes (staleness), and must name every field of the schema, walked here
 * independently of the generator's own walk.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { configSchema } from "../config/schema";
import { CONFIG_REFERENCE, fieldRows, typeText, type JsonSchemaNode } from "../tooling/config-reference";
import { checkLine, expectedText, generatedBegin, GENERATED_END, replaceGenerated } from "../tooling/generated-docs";

const ROOT = path.join(__dirname, "..");
const committed = fs.readFileSync(path.join(ROOT, CONFIG_REFERENCE.file), "utf8");
const generatedSection = (doc: string) => doc.slice(doc.indexOf(generatedBegin(CONFIG_REFERENCE.command)), doc.indexOf(GENERATED_END));

/** Every property path of the schema's JSON Schema (union variants included), parents before children. */
function schemaPaths(node: JsonSchemaNode, prefix = ""): string[] {
  const out: string[] = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    out.push(`${prefix}${name}`);
    out.push(...schemaPaths(child, `${prefix}${name}.`));
  }
  for (const variant of node.oneOf ?? node.anyOf ?? []) out.push(...schemaPaths(variant, prefix));
  return [...new Set(out)];
}

/** The paths a doc's generated table has a row for. */
function documentedPaths(doc: string): string[] {
  return [...generatedSection(doc).matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
}

const paths = schemaPaths(z.toJSONSchema(configSchema, { io: "input" }) as JsonSchemaNode);

describe("docs/configuration.md, generated from the schema", () => {
  test("the committed file is what npm run docs:config writes (run it when this fails)", () => {
    const { stale, line } = checkLine(CONFIG_REFERENCE, committed);
    expect(line).toBe("docs/configuration.md: up to date");
    expect(stale).toBe(false);
    expect(committed).toBe(expectedText(CONFIG_REFERENCE));
  });

  test("every schema field has a row, and every row is a schema field", () => {
    expect(paths.length).toBeGreaterThan(70);
    expect(paths).toEqual(
      expect.arrayContaining(["name", "backend.bucket", "inspection.tlsInspection.icap.failClosed", "vpc.ipv6.poolId"]),
    );
    const documented = documentedPaths(committed);
    expect(paths.filter((p) => !documented.includes(p))).toEqual([]);
    expect(documented.filter((p) => !paths.includes(p))).toEqual([]);
  });

  test("a doc missing a field's row is caught, and so is a stale one", () => {
    const withoutRow = committed.replace(/^\| `workload\.rootVolumeGiB` \|.*\n/m, "");
    expect(withoutRow).not.toBe(committed);
    expect(paths.filter((p) => !documentedPaths(withoutRow).includes(p))).toEqual(["workload.rootVolumeGiB"]);
    expect(checkLine(CONFIG_REFERENCE, withoutRow)).toEqual({
      stale: true,
      line: "docs/configuration.md: stale, it differs from what the generator writes; run npm run docs:config and commit the result",
    });
  });

  test("the hand-written prose around the table is kept", () => {
    const edited = committed.replace("For whoever writes an environment file.", "For whoever writes an environment file (edited).");
    const rewritten = replaceGenerated(edited, CONFIG_REFERENCE.command, CONFIG_REFERENCE.body(), CONFIG_REFERENCE.file);
    expect(rewritten).toBe(edited);
    expect(() => replaceGenerated("# no markers\n", CONFIG_REFERENCE.command, "x", "doc.md")).toThrow(/markers are missing/);
  });

  test("every field has a description, and the rows say types, ranges, defaults and union variants", () => {
    const rows = Object.fromEntries(fieldRows().map((r) => [r.path, r]));
    expect(Object.values(rows).filter((r) => r.description.trim() === "")).toEqual([]);
    expect(rows["name"].default).toBe("**required**");
    expect(rows["workload.instancesPerAz"]).toMatchObject({ type: "integer 0-20", default: "`1`" });
    expect(rows["inspection.mode"].type).toBe('one of `"firewall-proxy"`, `"proxy"`, `"firewall-igw"`');
    expect(rows["backend.bucket"].description).toMatch(/^with `type: s3`: /);
    expect(rows["accountId"].default).toBe("none (optional)");
    expect(rows["observability.guardDuty"].default).toBe("its fields' defaults");
    expect(() => fieldRows({ type: "object", properties: { bare: { type: "string" } } })).toThrow(/bare has no description/);
    expect(typeText({ type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, minItems: 1 })).toBe(
      "list of integer 1-65535 (at least 1 item)",
    );
  });

  test("npm run docs:config -- --check exits 0 on the committed file", () => {
    const r = spawnSync(process.execPath, ["-r", "./tooling/built.js", "dist/tooling/config-reference.js", "--check"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("docs/configuration.md: up to date\n");
    expect(r.status).toBe(0);
  });
});
