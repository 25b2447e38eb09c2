/**
 * The layering rules of docs/architecture.md, read from the imports of every source file (the TypeScript
 * compiler's own import scanner, ts.preProcessFile: static imports, re-exports, require() and import()).
 * The "may import" column of the doc's table is an allow-list per layer, held here as LAYERS (a test checks that
 * the doc's table says the same). Each broken rule is reported as `file -> import (resolved file): rule`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..");
/** Never scanned: installed packages, build output, synthesized output, local state. */
const SKIP_DIRS = new Set(["node_modules", "dist", "cdktf.out"]);
const SOURCE = /\.(ts|js)$/;

interface Edge {
  /** Importing file, relative to the project root with `/`. */
  readonly from: string;
  /** The specifier as written. */
  readonly spec: string;
  /** The project file it resolves to. */
  readonly to: string;
}

/** An import of an npm package or a Node builtin. */
interface PackageImport {
  readonly from: string;
  readonly spec: string;
}

function sourceFiles(dir = ROOT, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".") || SKIP_DIRS.has(e.name) || e.name.startsWith("cdktf.out")) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) sourceFiles(full, out);
    else if (SOURCE.test(e.name) && !e.name.endsWith(".d.ts")) out.push(path.relative(ROOT, full).split(path.sep).join("/"));
  }
  return out;
}

const CANDIDATES = ["", ".ts", ".js", ".json", "/index.ts", "/index.js"];

/** The project file a relative specifier names, or undefined when none exists. */
function resolveRelative(from: string, spec: string): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const suffix of CANDIDATES) {
    const candidate = base + suffix;
    const full = path.join(ROOT, candidate);
    if (fs.existsSync(full) && fs.statSync(full).isFile()) return candidate;
  }
  return undefined;
}

/** Every import of every source file; an unresolvable relative import is a problem, not skipped. */
function readImports(files: string[]): { edges: Edge[]; packages: PackageImport[]; unresolved: string[] } {
  const edges: Edge[] = [];
  const packages: PackageImport[] = [];
  const unresolved: string[] = [];
  for (const file of files) {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true);
    for (const { fileName: spec } of info.importedFiles) {
      if (!spec.startsWith(".")) {
        packages.push({ from: file, spec }); // an npm package or a node builtin
        continue;
      }
      const to = resolveRelative(file, spec);
      if (to === undefined) unresolved.push(`${file} -> ${spec}: resolves to no file`);
      else edges.push({ from: file, spec, to });
    }
  }
  return { edges, packages, unresolved };
}

/** The layer a file belongs to: its top-level folder, `main` for main.ts, `root` for other top-level files. */
function layerOf(file: string): string {
  if (file === "main.ts") return "main";
  const slash = file.indexOf("/");
  return slash < 0 ? "root" : file.slice(0, slash);
}

/**
 * The table of docs/architecture.md: each row's folders (a path prefix: `app/` is every file under app/, `main.ts`
 * that one file) and the rows its files may import besides their own row. A file belongs to the row of its longest
 * matching prefix, a named folder before a placeholder of the same length; `modules/<name>/` stands for every module
 * folder but modules/shared/, `cli/<command>/` for every command folder but cli/shared/, and a module or command
 * folder imports no other module or command folder. "anything" allows every row.
 */
const LAYERS: ReadonlyArray<{ readonly folders: readonly string[]; readonly mayImport: readonly string[] | "anything" }> = [
  { folders: ["main.ts"], mayImport: ["app/", "cli/shared/", "config/", "lib/"] },
  { folders: ["app/"], mayImport: ["stacks/", "config/", "lib/"] },
  { folders: ["cli/shared/"], mayImport: ["lib/"] },
  {
    folders: ["cli/<command>/"],
    mayImport: ["cli/atlantis/verify.ts", "cli/shared/", "app/", "stacks/", "modules/<name>/", "config/", "lib/"],
  },
  {
    folders: ["cli/diagram/", "cli/atlantis/verify.ts"],
    mayImport: ["cli/<command>/", "cli/shared/", "app/", "stacks/", "modules/<name>/", "config/", "lib/", "verifier/"],
  },
  { folders: ["config/"], mayImport: ["lib/"] },
  { folders: ["stacks/"], mayImport: ["modules/<name>/", "modules/shared/", "config/", "lib/", "lambda/remediation/"] },
  { folders: ["modules/<name>/"], mayImport: ["modules/shared/", "lib/", "lambda/remediation/"] },
  { folders: ["modules/shared/"], mayImport: ["lib/"] },
  { folders: ["lib/"], mayImport: [] },
  { folders: ["lambda/remediation/"], mayImport: ["lib/"] },
  { folders: ["lambda/proxy-failover/"], mayImport: ["lambda/remediation/", "lib/"] },
  { folders: ["verifier/"], mayImport: [] },
  { folders: ["tooling/"], mayImport: "anything" },
  { folders: ["__tests__/"], mayImport: "anything" },
  { folders: ["jest.config.js"], mayImport: [] },
];

/** The placeholder rows: each stands for every folder under its parent but the shared one. */
const PLACEHOLDERS: ReadonlyMap<string, { readonly parent: string; readonly shared: string }> = new Map([
  ["modules/<name>/", { parent: "modules", shared: "shared" }],
  ["cli/<command>/", { parent: "cli", shared: "shared" }],
]);

/**
 * How specifically `prefix` (a row's folder) holds `file`: the length of the path it matched (a placeholder counts
 * as the folder it stands for, less half a character, so a named folder of the same length wins), or undefined.
 */
function holds(prefix: string, file: string): number | undefined {
  const placeholder = PLACEHOLDERS.get(prefix);
  if (placeholder !== undefined) {
    const folder = ownFolderOf(file, placeholder.parent);
    return folder === undefined || folder === placeholder.shared ? undefined : `${placeholder.parent}/${folder}/`.length - 0.5;
  }
  return (prefix.endsWith("/") ? file.startsWith(prefix) : file === prefix) ? prefix.length : undefined;
}

/** The row a file belongs to (the most specific prefix that holds it) and the folder that matched, or undefined. */
function rowOf(file: string): { row: (typeof LAYERS)[number]; folder: string } | undefined {
  let best: { row: (typeof LAYERS)[number]; folder: string; length: number } | undefined;
  for (const row of LAYERS) {
    for (const folder of row.folders) {
      const length = holds(folder, file);
      if (length !== undefined && (best === undefined || length > best.length)) best = { row, folder, length };
    }
  }
  return best;
}

/** The folder of a file directly under `parent` (`modules/proxy/x.ts` -> `proxy`, `cli/preflight/checks/x.ts` -> `preflight`). */
function ownFolderOf(file: string, parent: string): string | undefined {
  const parts = file.split("/");
  return parts[0] === parent && parts.length > 2 ? parts[1] : undefined;
}

/** The command folder of a file under cli/, cli/shared/ aside (`cli/preflight/checks/x.ts` -> `preflight`). */
function commandFolderOf(file: string): string | undefined {
  const folder = ownFolderOf(file, "cli");
  return folder === "shared" ? undefined : folder;
}

/** One line per import a file's row does not allow, naming the rule. */
function ruleViolations(edges: readonly Edge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const from = rowOf(e.from);
    const to = rowOf(e.to);
    if (from === undefined) {
      out.push(`${e.from} -> ${e.spec} (${e.to}): ${e.from} is in no row of the table`);
      continue;
    }
    if (to === undefined) {
      out.push(`${e.from} -> ${e.spec} (${e.to}): ${e.to} is in no row of the table`);
      continue;
    }
    const name = from.row.folders.join(", ");
    const command = commandFolderOf(e.from);
    if (command !== undefined && commandFolderOf(e.to) !== undefined && commandFolderOf(e.to) !== command) {
      out.push(`${e.from} -> ${e.spec} (${e.to}): a command folder under cli/ imports no other command's folder`);
      continue;
    }
    if (from.row === to.row) {
      const mf = ownFolderOf(e.from, "modules");
      if (from.folder === "modules/<name>/" && mf !== ownFolderOf(e.to, "modules")) {
        out.push(
          `${e.from} -> ${e.spec} (${e.to}): a module folder imports only its own files, modules/shared/, lib/ and lambda/remediation/`,
        );
      }
      continue;
    }
    if (from.row.mayImport === "anything") continue;
    if (!to.row.folders.some((f) => (from.row.mayImport as readonly string[]).includes(f))) {
      const allowed = from.row.mayImport.length === 0 ? "only itself" : `only itself, ${from.row.mayImport.join(", ")}`;
      out.push(`${e.from} -> ${e.spec} (${e.to}): ${name} may import ${allowed}`);
    }
  }
  return out;
}

/** The npm package root of the AWS provider bindings loads every resource class (seconds, hundreds of MB). */
function providerRootImports(imports: readonly PackageImport[]): string[] {
  return imports
    .filter((i) => /^@cdktf\/provider-aws(\/|$)/.test(i.spec) && !/^@cdktf\/provider-aws\/lib\/[^/]+$/.test(i.spec))
    .map((i) => `${i.from} -> ${i.spec}: import one resource (@cdktf/provider-aws/lib/<resource>), never the package root`);
}

/** The cycles of a directed graph (Tarjan's strongly connected components of more than one node, or a self-loop). */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

function graphOf(pairs: Iterable<[string, string]>): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const [a, b] of pairs) {
    if (!g.has(a)) g.set(a, new Set());
    if (!g.has(b)) g.set(b, new Set());
    g.get(a)!.add(b);
  }
  return g;
}

/** The imports inside one cycle, each as `file -> import`, so the report says which lines to change. */
function describeCycle(component: string[], edges: readonly Edge[], key: (file: string) => string): string {
  const members = new Set(component);
  const inside = edges.filter((e) => members.has(key(e.from)) && members.has(key(e.to)) && key(e.from) !== key(e.to));
  return `cycle between ${component.join(", ")}: ${inside.map((e) => `${e.from} -> ${e.spec}`).join("; ")}`;
}

/**
 * The rows of the table in docs/architecture.md: the backticked folders of the first column and the comma-separated
 * "may import" column ("nothing", "anything", or folder names).
 */
function docTable(): Array<{ folders: string[]; mayImport: string[] | "anything" }> {
  const doc = fs.readFileSync(path.join(ROOT, "docs", "architecture.md"), "utf8");
  const rows = doc.split("\n").filter((l) => /^\| `/.test(l));
  return rows.map((line) => {
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
    const folders = [...cells[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const last = cells[cells.length - 1];
    const mayImport =
      last === "anything" ? "anything" : last === "nothing" ? [] : last.split(",").map((c) => c.trim().replace(/^`|`$/g, ""));
    return { folders, mayImport };
  });
}

describe("architecture: imports point down", () => {
  const files = sourceFiles();
  const { edges, packages, unresolved } = readImports(files);

  test("the scan sees the whole project", () => {
    // A scanner that silently found nothing would pass every rule below.
    for (const layer of ["main", "app", "cli", "config", "stacks", "modules", "lib", "lambda", "verifier", "tooling", "__tests__"]) {
      expect(files.some((f) => layerOf(f) === layer)).toBe(true);
    }
    expect(edges).toContainEqual({ from: "main.ts", spec: "./app/synthesize", to: "app/synthesize.ts" });
    expect(edges.length).toBeGreaterThan(200);
    expect(packages.filter((p) => p.spec.startsWith("@cdktf/provider-aws/lib/")).length).toBeGreaterThan(50);
  });

  test("every source file is in a row of the table", () => {
    expect(files.filter((f) => rowOf(f) === undefined)).toEqual([]);
  });

  test("docs/architecture.md's table and this test's table are the same", () => {
    expect(docTable()).toEqual(
      LAYERS.map((r) => ({ folders: [...r.folders], mayImport: r.mayImport === "anything" ? "anything" : [...r.mayImport] })),
    );
  });

  test("every relative import resolves to a file", () => {
    expect(unresolved).toEqual([]);
  });

  test("every import is one its row allows", () => {
    expect(ruleViolations(edges)).toEqual([]);
  });

  test("nothing imports the @cdktf/provider-aws package root", () => {
    expect(providerRootImports(packages)).toEqual([]);
  });

  test("no import cycle between files", () => {
    const found = cycles(graphOf(edges.map((e) => [e.from, e.to])));
    expect(found.map((c) => describeCycle(c, edges, (f) => f))).toEqual([]);
  });

  test("no import cycle between top-level folders", () => {
    const between = edges.filter((e) => layerOf(e.from) !== layerOf(e.to));
    const found = cycles(graphOf(between.map((e) => [layerOf(e.from), layerOf(e.to)])));
    expect(found.map((c) => describeCycle(c, between, layerOf))).toEqual([]);
  });

  test("the checks report what they should (a bad import of each kind and a cycle are named)", () => {
    const edge = (from: string, spec: string): Edge => ({
      from,
      spec,
      to: path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)) + ".ts",
    });
    const bad = [
      edge("app/synthesize.ts", "../verifier/index"),
      edge("app/synthesize.ts", "../modules/network/acl"),
      edge("main.ts", "./stacks/base"),
      edge("modules/proxy/x.ts", "../../stacks/base"),
      edge("modules/proxy/x.ts", "../network/acl"),
      edge("modules/shared/x.ts", "../proxy/squid-conf"),
      edge("lib/a.ts", "../config/schema"),
      edge("config/schema.ts", "../modules/network/acl"),
      edge("verifier/cli.ts", "../lib/names"),
      edge("stacks/s.ts", "../tooling/golden"),
      edge("stacks/s.ts", "../app/build-app"),
      edge("cli/squid-config/index.ts", "../../verifier/index"),
      edge("cli/preflight/checks/x.ts", "../../../verifier/index"),
      edge("cli/atlantis/environments.ts", "../../verifier/index"),
      edge("cli/preflight/index.ts", "../export-hcl/printer"),
      edge("cli/diagram/index.ts", "../atlantis/environments"),
      edge("cli/export-hcl/index.ts", "../atlantis/verify"),
      edge("cli/shared/run-cli.ts", "../../app/synthesize"),
      edge("app/synthesize.ts", "../cli/shared/run-cli"),
      edge("lambda/remediation/index.ts", "../../config/schema"),
      edge("tools/x.ts", "../lib/names"),
    ];
    expect(ruleViolations(bad)).toEqual([
      "app/synthesize.ts -> ../verifier/index (verifier/index.ts): app/ may import only itself, stacks/, config/, lib/",
      "app/synthesize.ts -> ../modules/network/acl (modules/network/acl.ts): app/ may import only itself, stacks/, config/, lib/",
      "main.ts -> ./stacks/base (stacks/base.ts): main.ts may import only itself, app/, cli/shared/, config/, lib/",
      "modules/proxy/x.ts -> ../../stacks/base (stacks/base.ts): modules/<name>/ may import only itself, modules/shared/, lib/, lambda/remediation/",
      "modules/proxy/x.ts -> ../network/acl (modules/network/acl.ts): a module folder imports only its own files, modules/shared/, lib/ and lambda/remediation/",
      "modules/shared/x.ts -> ../proxy/squid-conf (modules/proxy/squid-conf.ts): modules/shared/ may import only itself, lib/",
      "lib/a.ts -> ../config/schema (config/schema.ts): lib/ may import only itself",
      "config/schema.ts -> ../modules/network/acl (modules/network/acl.ts): config/ may import only itself, lib/",
      "verifier/cli.ts -> ../lib/names (lib/names.ts): verifier/ may import only itself",
      "stacks/s.ts -> ../tooling/golden (tooling/golden.ts): stacks/ may import only itself, modules/<name>/, modules/shared/, config/, lib/, lambda/remediation/",
      "stacks/s.ts -> ../app/build-app (app/build-app.ts): stacks/ may import only itself, modules/<name>/, modules/shared/, config/, lib/, lambda/remediation/",
      "cli/squid-config/index.ts -> ../../verifier/index (verifier/index.ts): cli/<command>/ may import only itself, " +
        "cli/atlantis/verify.ts, cli/shared/, app/, stacks/, modules/<name>/, config/, lib/",
      "cli/preflight/checks/x.ts -> ../../../verifier/index (verifier/index.ts): cli/<command>/ may import only itself, " +
        "cli/atlantis/verify.ts, cli/shared/, app/, stacks/, modules/<name>/, config/, lib/",
      "cli/atlantis/environments.ts -> ../../verifier/index (verifier/index.ts): cli/<command>/ may import only itself, " +
        "cli/atlantis/verify.ts, cli/shared/, app/, stacks/, modules/<name>/, config/, lib/",
      "cli/preflight/index.ts -> ../export-hcl/printer (cli/export-hcl/printer.ts): " +
        "a command folder under cli/ imports no other command's folder",
      "cli/diagram/index.ts -> ../atlantis/environments (cli/atlantis/environments.ts): " +
        "a command folder under cli/ imports no other command's folder",
      "cli/export-hcl/index.ts -> ../atlantis/verify (cli/atlantis/verify.ts): " +
        "a command folder under cli/ imports no other command's folder",
      "cli/shared/run-cli.ts -> ../../app/synthesize (app/synthesize.ts): cli/shared/ may import only itself, lib/",
      "app/synthesize.ts -> ../cli/shared/run-cli (cli/shared/run-cli.ts): app/ may import only itself, stacks/, config/, lib/",
      "lambda/remediation/index.ts -> ../../config/schema (config/schema.ts): lambda/remediation/ may import only itself, lib/",
      "tools/x.ts -> ../lib/names (lib/names.ts): tools/x.ts is in no row of the table",
    ]);
    const good = [
      edge("modules/proxy/x.ts", "../shared/policy"),
      edge("modules/proxy/x.ts", "./squid-conf"),
      edge("cli/diagram/source.ts", "../../verifier/index"),
      edge("cli/diagram/index.ts", "../shared/run-cli"),
      edge("cli/atlantis/verify.ts", "../../verifier/index"),
      edge("cli/atlantis/verify.ts", "./environments"),
      edge("cli/atlantis/index.ts", "./verify"),
      edge("cli/preflight/checks/x.ts", "../result"),
      edge("cli/preflight/index.ts", "../../app/environment"),
      edge("main.ts", "./cli/shared/run-cli"),
      edge("stacks/s.ts", "../lambda/remediation/index"),
      edge("tooling/golden.ts", "../app/synthesize"),
      edge("__tests__/x.test.ts", "../tooling/golden"),
    ];
    expect(ruleViolations(good)).toEqual([]);
    expect(
      providerRootImports([
        { from: "stacks/s.ts", spec: "@cdktf/provider-aws" },
        { from: "stacks/s.ts", spec: "@cdktf/provider-aws/lib" },
        { from: "stacks/s.ts", spec: "@cdktf/provider-aws/lib/vpc" },
      ]),
    ).toEqual([
      "stacks/s.ts -> @cdktf/provider-aws: import one resource (@cdktf/provider-aws/lib/<resource>), never the package root",
      "stacks/s.ts -> @cdktf/provider-aws/lib: import one resource (@cdktf/provider-aws/lib/<resource>), never the package root",
    ]);
    expect(
      cycles(
        graphOf([
          ["a", "b"],
          ["b", "c"],
          ["c", "a"],
          ["c", "d"],
        ]),
      ),
    ).toEqual([["a", "b", "c"]]);
    expect(
      cycles(
        graphOf([
          ["a", "b"],
          ["b", "c"],
        ]),
      ),
    ).toEqual([]);
  });
});

/** Folders whose source must ask config/modes.ts's profile instead of comparing a mode's name. */
const MODE_SCAN_DIRS = ["app/", "cli/", "config/", "stacks/", "modules/", "lib/", "tooling/"];
/** Exempt: the profile itself, the schema's enum, the demo. */
const MODE_EXEMPT = /^(config\/modes\.ts|config\/schema\.ts|config\/demo\.)/;
const MODE_NAME = `"(?:firewall-proxy|firewall-igw|proxy)"`;
/** `mode === "proxy"`, `"firewall-igw" !== x.mode`, `case "firewall-proxy":` (a switch on a mode). */
const MODE_COMPARISON = new RegExp(
  `mode\\s*[!=]==?\\s*${MODE_NAME}|${MODE_NAME}\\s*[!=]==?\\s*[\\w.]*mode\\b|case\\s+"firewall-(?:proxy|igw)"`,
);

/** One line per mode-name comparison, as `file:line: text`. */
function modeComparisons(files: ReadonlyArray<{ file: string; text: string }>): string[] {
  const out: string[] = [];
  for (const { file, text } of files) {
    if (!MODE_SCAN_DIRS.some((d) => file.startsWith(d)) || MODE_EXEMPT.test(file)) continue;
    text.split("\n").forEach((line, i) => {
      if (MODE_COMPARISON.test(line)) out.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return out;
}

describe("architecture: the mode profile", () => {
  test("no mode name is compared outside config/modes.ts", () => {
    const files = sourceFiles().map((file) => ({ file, text: fs.readFileSync(path.join(ROOT, file), "utf8") }));
    expect(files.some((f) => f.file === "stacks/inspection-stack.ts")).toBe(true);
    expect(modeComparisons(files)).toEqual([]);
  });

  test("the scan reports a planted comparison", () => {
    expect(
      modeComparisons([
        { file: "stacks/x.ts", text: 'const a = 1;\nif (config.inspection.mode === "firewall-igw") {}' },
        { file: "modules/y/z.ts", text: 'switch (m) {\n  case "firewall-proxy":\n}' },
        { file: "cli/w.ts", text: 'if ("proxy" !== mode) {}' },
        { file: "config/modes.ts", text: 'if (mode === "proxy") {}' },
        { file: "__tests__/t.test.ts", text: 'if (mode === "proxy") {}' },
        { file: "stacks/ok.ts", text: 'if (point === "proxy") {}' },
      ]),
    ).toEqual([
      'stacks/x.ts:2: if (config.inspection.mode === "firewall-igw") {}',
      'modules/y/z.ts:2: case "firewall-proxy":',
      'cli/w.ts:1: if ("proxy" !== mode) {}',
    ]);
  });
});

/** The AWS provider's resources a stack may construct itself: only the provider configuration. */
const STACK_VALUE_IMPORTS = new Set(["@cdktf/provider-aws/lib/provider"]);

/**
 * Stacks map the config to props and wire modules: every other `@cdktf/provider-aws/lib/<resource>` a stack names
 * is a type (`import type`, or each named import marked `type`), so no stack builds an AWS resource itself.
 */
function stackResourceImports(files: ReadonlyArray<{ file: string; text: string }>): string[] {
  const out: string[] = [];
  for (const { file, text } of files) {
    if (!file.startsWith("stacks/")) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const spec = statement.moduleSpecifier.text;
      if (!spec.startsWith("@cdktf/provider-aws/") || STACK_VALUE_IMPORTS.has(spec)) continue;
      const clause = statement.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : [];
      const typeOnly =
        clause !== undefined && (clause.isTypeOnly || (clause.name === undefined && named.length > 0 && named.every((e) => e.isTypeOnly)));
      if (!typeOnly) out.push(`${file} -> ${spec}: a stack wires modules; the resource belongs in a module under modules/`);
    }
  }
  return out;
}

/** The files in verifier/checks/ that run one guarantee each; base.ts is their shared base, invariants.ts runs them. */
const GUARANTEE_SHARED = new Set(["verifier/checks/base.ts", "verifier/checks/invariants.ts", "verifier/checks/checkov.ts"]);

/** A guarantee's file imports the shared base and the layers below, never another guarantee's file. */
function guaranteeCrossImports(edges: readonly Edge[]): string[] {
  const isGuarantee = (f: string) => /^verifier\/checks\/[^/]+\.ts$/.test(f) && !GUARANTEE_SHARED.has(f);
  return edges
    .filter((e) => isGuarantee(e.from) && isGuarantee(e.to))
    .map(
      (e) => `${e.from} -> ${e.spec} (${e.to}): one guarantee's file imports another's; shared logic belongs in verifier/checks/base.ts`,
    );
}

describe("architecture: the rooms", () => {
  const files = sourceFiles().map((file) => ({ file, text: fs.readFileSync(path.join(ROOT, file), "utf8") }));

  test("no stack constructs an AWS resource itself (stacks only wire modules)", () => {
    expect(files.filter((f) => f.file.startsWith("stacks/")).length).toBeGreaterThanOrEqual(5);
    expect(stackResourceImports(files)).toEqual([]);
  });

  test("each verifier guarantee is its own file over the shared base, importing no other guarantee", () => {
    const guarantees = files.filter((f) => /^verifier\/checks\/[^/]+\.ts$/.test(f.file) && !GUARANTEE_SHARED.has(f.file));
    expect(guarantees.map((f) => f.file)).toEqual(
      expect.arrayContaining(["verifier/checks/r1-only-ipv6-leaves.ts", "verifier/checks/r3-everything-inspected.ts"]),
    );
    const { edges } = readImports(files.map((f) => f.file));
    for (const g of guarantees)
      expect([g.file, edges.some((e) => e.from === g.file && e.to === "verifier/checks/base.ts")]).toEqual([g.file, true]);
    expect(guaranteeCrossImports(edges)).toEqual([]);
  });

  test("the room checks report planted cases", () => {
    expect(
      stackResourceImports([
        { file: "stacks/a.ts", text: 'import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";' },
        {
          file: "stacks/b.ts",
          text: 'import type { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";\nimport { type KmsKey } from "@cdktf/provider-aws/lib/kms-key";',
        },
        { file: "stacks/c.ts", text: 'import { AwsProvider } from "@cdktf/provider-aws/lib/provider";' },
        { file: "stacks/d.ts", text: 'import { type KmsKey, KmsAlias } from "@cdktf/provider-aws/lib/kms-key";' },
        { file: "modules/e/f.ts", text: 'import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";' },
      ]),
    ).toEqual([
      "stacks/a.ts -> @cdktf/provider-aws/lib/s3-bucket: a stack wires modules; the resource belongs in a module under modules/",
      "stacks/d.ts -> @cdktf/provider-aws/lib/kms-key: a stack wires modules; the resource belongs in a module under modules/",
    ]);
    expect(
      guaranteeCrossImports([
        { from: "verifier/checks/r2-x.ts", spec: "./r1-y", to: "verifier/checks/r1-y.ts" },
        { from: "verifier/checks/r2-x.ts", spec: "./base", to: "verifier/checks/base.ts" },
        { from: "verifier/checks/invariants.ts", spec: "./r1-y", to: "verifier/checks/r1-y.ts" },
      ]),
    ).toEqual([
      "verifier/checks/r2-x.ts -> ./r1-y (verifier/checks/r1-y.ts): one guarantee's file imports another's; shared logic belongs in verifier/checks/base.ts",
    ]);
  });
});
