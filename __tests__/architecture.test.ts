/**
 * The layering rules of docs/architecture.md, read from the imports of every source file (the TypeScript
 * compiler's own import scanner, ts.preProcessFile: static imports, re-exports, require() and import()).
 * Each broken rule is reported as `file -> import (resolved file): rule`.
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

/** Every project-internal import of every source file; an unresolvable relative import is a problem, not skipped. */
function readImports(files: string[]): { edges: Edge[]; unresolved: string[] } {
  const edges: Edge[] = [];
  const unresolved: string[] = [];
  for (const file of files) {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true);
    for (const { fileName: spec } of info.importedFiles) {
      if (!spec.startsWith(".")) continue; // an npm package or a node builtin
      const to = resolveRelative(file, spec);
      if (to === undefined) unresolved.push(`${file} -> ${spec}: resolves to no file`);
      else edges.push({ from: file, spec, to });
    }
  }
  return { edges, unresolved };
}

/** The layer a file belongs to: its top-level folder, `main` for main.ts, `root` for other top-level files. */
function layerOf(file: string): string {
  if (file === "main.ts") return "main";
  const slash = file.indexOf("/");
  return slash < 0 ? "root" : file.slice(0, slash);
}

/** The module folder of a file under modules/ (`modules/proxy/x.ts` -> `proxy`). */
function moduleFolderOf(file: string): string | undefined {
  const parts = file.split("/");
  return parts[0] === "modules" && parts.length > 2 ? parts[1] : undefined;
}

const PRODUCT = new Set(["main", "app", "cli", "config", "stacks", "modules", "lib", "lambda"]);

interface Rule {
  readonly name: string;
  /** True when the edge breaks the rule. */
  readonly broken: (from: string, to: string) => boolean;
}

const RULES: readonly Rule[] = [
  {
    name: "modules never import stacks, config, app, cli, main, tooling, verifier or tests",
    broken: (f, t) => layerOf(f) === "modules" && ["stacks", "config", "app", "cli", "main", "tooling", "verifier", "__tests__"].includes(layerOf(t)),
  },
  {
    name: "a module folder imports only its own files and modules/shared (modules/shared only itself)",
    broken: (f, t) => {
      const mf = moduleFolderOf(f);
      const mt = moduleFolderOf(t);
      if (mf === undefined || mt === undefined || mf === mt) return false;
      return mf === "shared" || mt !== "shared";
    },
  },
  {
    name: "product code (main.ts, app, cli, config, stacks, modules, lib, lambda) never imports tooling or tests",
    broken: (f, t) => PRODUCT.has(layerOf(f)) && (layerOf(t) === "tooling" || layerOf(t) === "__tests__"),
  },
  { name: "lib imports only lib", broken: (f, t) => layerOf(f) === "lib" && layerOf(t) !== "lib" },
  { name: "config imports only config and lib", broken: (f, t) => layerOf(f) === "config" && !["config", "lib"].includes(layerOf(t)) },
  { name: "lambda imports only lambda and lib", broken: (f, t) => layerOf(f) === "lambda" && !["lambda", "lib"].includes(layerOf(t)) },
  { name: "stacks never import app, cli or main", broken: (f, t) => layerOf(f) === "stacks" && ["app", "cli", "main"].includes(layerOf(t)) },
  { name: "app never imports cli", broken: (f, t) => layerOf(f) === "app" && layerOf(t) === "cli" },
  { name: "the verifier imports nothing outside verifier/", broken: (f, t) => layerOf(f) === "verifier" && layerOf(t) !== "verifier" },
];

/** One line per edge that breaks a rule. */
function ruleViolations(edges: readonly Edge[], rules: readonly Rule[] = RULES): string[] {
  const out: string[] = [];
  for (const e of edges) {
    for (const rule of rules) if (rule.broken(e.from, e.to)) out.push(`${e.from} -> ${e.spec} (${e.to}): ${rule.name}`);
  }
  return out;
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

describe("architecture: imports point down", () => {
  const files = sourceFiles();
  const { edges, unresolved } = readImports(files);

  test("the scan sees the whole project", () => {
    // A scanner that silently found nothing would pass every rule below.
    for (const layer of ["main", "app", "cli", "config", "stacks", "modules", "lib", "lambda", "verifier", "tooling", "__tests__"]) {
      expect(files.some((f) => layerOf(f) === layer)).toBe(true);
    }
    expect(edges).toContainEqual({ from: "main.ts", spec: "./app/synthesize", to: "app/synthesize.ts" });
    expect(edges.length).toBeGreaterThan(200);
  });

  test("every relative import resolves to a file", () => {
    expect(unresolved).toEqual([]);
  });

  test("no import breaks a layering rule", () => {
    expect(ruleViolations(edges)).toEqual([]);
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

  test("the checks report what they should (a bad import and a cycle are named)", () => {
    const bad: Edge[] = [
      { from: "modules/proxy/x.ts", spec: "../../stacks/base", to: "stacks/base.ts" },
      { from: "modules/proxy/x.ts", spec: "../network/acl", to: "modules/network/acl.ts" },
      { from: "lib/a.ts", spec: "../config/schema", to: "config/schema.ts" },
      { from: "verifier/cli.ts", spec: "../lib/names", to: "lib/names.ts" },
      { from: "stacks/s.ts", spec: "../tooling/golden", to: "tooling/golden.ts" },
    ];
    expect(ruleViolations(bad)).toEqual([
      "modules/proxy/x.ts -> ../../stacks/base (stacks/base.ts): modules never import stacks, config, app, cli, main, tooling, verifier or tests",
      "modules/proxy/x.ts -> ../network/acl (modules/network/acl.ts): a module folder imports only its own files and modules/shared (modules/shared only itself)",
      "lib/a.ts -> ../config/schema (config/schema.ts): lib imports only lib",
      "verifier/cli.ts -> ../lib/names (lib/names.ts): the verifier imports nothing outside verifier/",
      "stacks/s.ts -> ../tooling/golden (tooling/golden.ts): product code (main.ts, app, cli, config, stacks, modules, lib, lambda) never imports tooling or tests",
    ]);
    expect(ruleViolations([{ from: "modules/proxy/x.ts", spec: "../shared/policy", to: "modules/shared/policy.ts" }])).toEqual([]);
    expect(cycles(graphOf([["a", "b"], ["b", "c"], ["c", "a"], ["c", "d"]]))).toEqual([["a", "b", "c"]]);
    expect(cycles(graphOf([["a", "b"], ["b", "c"]]))).toEqual([]);
  });
});
