/**
 * Every source file under modules/ has unit tests: at least one test file under __tests__/unit/ imports it. Imports are
 * read with the TypeScript compiler's own scanner (ts.preProcessFile: static imports, re-exports, require() and
 * import()), as in __tests__/architecture.test.ts; relative specifiers are resolved against the importing file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..", "..");
const UNIT = path.join(ROOT, "__tests__", "unit");
const MODULES = path.join(ROOT, "modules");

/** Every file under `dir` whose name passes `keep`, relative to the project root with `/`. */
function filesUnder(dir: string, keep: (name: string) => boolean, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) filesUnder(full, keep, out);
    else if (keep(e.name)) out.push(path.relative(ROOT, full).split(path.sep).join("/"));
  }
  return out;
}

const CANDIDATES = ["", ".ts", "/index.ts"];

/** The project file a relative specifier of `from` names, or undefined (a package, or no such file). */
function resolveRelative(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  return CANDIDATES.map((suffix) => base + suffix).find((candidate) => {
    const full = path.join(ROOT, candidate);
    return fs.existsSync(full) && fs.statSync(full).isFile();
  });
}

/** The project files `file` imports, by relative specifier. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true);
  return info.importedFiles.map((i) => resolveRelative(file, i.fileName)).filter((f): f is string => f !== undefined);
}

const testFiles = filesUnder(UNIT, (name) => name.endsWith(".test.ts"));
const moduleFiles = filesUnder(MODULES, (name) => name.endsWith(".ts") && !name.endsWith(".d.ts"));
const imported = new Set(testFiles.flatMap(importsOf));

describe("construct coverage: every modules/ file is imported by a unit test", () => {
  test("the resolver finds a known import (customer-key.test.ts imports modules/shared/customer-key.ts)", () => {
    expect(testFiles).toContain("__tests__/unit/modules/shared/customer-key.test.ts");
    expect(importsOf("__tests__/unit/modules/shared/customer-key.test.ts")).toContain("modules/shared/customer-key.ts");
    expect(resolveRelative("__tests__/unit/modules/network/acl.test.ts", "../../../../modules/network/acl")).toBe("modules/network/acl.ts");
    // Packages and missing files resolve to nothing, so they cannot count as coverage.
    expect(resolveRelative("__tests__/unit/x.test.ts", "cdktf")).toBeUndefined();
    expect(resolveRelative("__tests__/unit/x.test.ts", "../../modules/no-such-module")).toBeUndefined();
  });

  test("finds the module files and the unit tests", () => {
    expect(moduleFiles).toEqual(expect.arrayContaining(["modules/network/ipv6-only-vpc.ts", "modules/proxy/squid-conf.ts"]));
    // The walk descends into every folder of modules/.
    const folders = fs.readdirSync(MODULES, { withFileTypes: true }).filter((e) => e.isDirectory());
    expect(folders.length).toBeGreaterThan(0);
    expect(new Set(moduleFiles.map((f) => path.posix.dirname(f)))).toEqual(new Set(folders.map((e) => `modules/${e.name}`)));
    expect(testFiles).toContain("__tests__/unit/modules/proxy/squid-conf.test.ts");
  });

  test("no module file is left without a unit test importing it", () => {
    expect(moduleFiles.filter((f) => !imported.has(f))).toEqual([]);
  });
});
