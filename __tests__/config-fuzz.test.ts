/**
 * Property-based fuzzing of the config loader (fast-check): arbitrary text as a JSON or YAML file, arbitrary JSON
 * values, and arbitrary mutations of the demo config either load or are refused with a UserError of one line per
 * problem, each naming the file or the field; never another exception (a stack trace for the user). Run counts are
 * bounded so the file takes seconds; a failure prints the seed and the shrunk input to replay it.
 */
import * as fc from "fast-check";
import YAML from "yaml";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig, parseConfigText, UserError } from "../config/load";

/** Loads like the CLI does (text, then the schema); returns the problem lines, or [] when the config is accepted. */
function load(file: string, content: string | Buffer): readonly string[] {
  try {
    parseConfig(parseConfigText(file, content), file);
    return [];
  } catch (e) {
    if (e instanceof UserError) return e.problems;
    throw e; // anything else fails the property: it would reach the user as a stack trace
  }
}

/** Every refusal is at least one line; each is a single line, starts with the file name and names a place in it. */
function expectOneLineEach(file: string, problems: readonly string[]): void {
  for (const line of problems) {
    expect(line).not.toMatch(/[\n\r]/);
    expect(line.length).toBeLessThan(2000);
    // "<file>:<line>:<col>: ..." for a syntax problem, "<file>: <field>: ..." for a field, "<file>: ..." for the file.
    expect(line.startsWith(`${file}:`)).toBe(true);
    expect(line).not.toMatch(/^\S+: (undefined|\[object Object\])/);
    expect(line).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack frame
  }
}

/** 200 runs per property in the suite (seconds); EGRESS6_FUZZ_RUNS=5000 for a longer hunt. */
const RUNS = { numRuns: Number(process.env.EGRESS6_FUZZ_RUNS ?? 200) } as const;

/** A field as messages write it: `a.b[0]`, a quoted key `tags["a b"]`; several unknown keys joined by ", ". */
const PART = String.raw`(?:[^\s\[\]."\\]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])`;
const FIELD = String.raw`${PART}(?:\.[^\s\[\]."\\]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])*`;
const NAMES_A_FIELD = new RegExp(String.raw`^cfg: (\(top level\)|${FIELD}(?:, ${FIELD})*): `);

/** A path into the demo config and a value to put there (or undefined: delete it). */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== "object") return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}
const DEMO_PATHS = paths(DEMO_CONFIG).filter((p) => p.length > 0);

function mutate(path: (string | number)[], replacement: unknown, remove: boolean): unknown {
  const copy = structuredClone(DEMO_CONFIG) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = replacement;
  return copy;
}

/** Values a user might write by mistake: every JSON type, odd strings (controls, unicode, huge numbers). */
const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "\n",
    "012.0.0.0/16",
    "10.0/16",
    "aws:x",
    "xn--x",
    "exa\nmple.com",
    "*.",
    ".",
    "-1",
    "1e400",
    "__proto__",
    "constructor",
  ),
  fc.double(),
  fc.integer({ min: -1e9, max: 1e9 }),
);

describe("config loader fuzzing: a result or one line per problem, never a stack trace", () => {
  test("arbitrary text as a .json file", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), fc.json({ maxDepth: 4 })), (text) => {
        expectOneLineEach("f.json", load("f.json", text));
      }),
      RUNS,
    );
  });

  test("arbitrary text and bytes as a .yaml file", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        ),
        (content) => {
          expectOneLineEach("f.yaml", load("f.yaml", content));
        },
      ),
      RUNS,
    );
  });

  test("the demo as JSON or YAML with characters inserted, deleted or replaced", () => {
    const json = JSON.stringify(DEMO_CONFIG, null, 2);
    const yaml = YAML.stringify(DEMO_CONFIG);
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.string({ unit: "binary", maxLength: 4 })), { minLength: 1, maxLength: 4 }),
        (asJson, edits) => {
          let text = asJson ? json : yaml;
          for (const [at, del, ins] of edits) {
            const pos = at % (text.length + 1);
            text = text.slice(0, pos) + ins + text.slice(pos + del);
          }
          const file = asJson ? "demo.json" : "demo.yaml";
          expectOneLineEach(file, load(file, text));
        },
      ),
      RUNS,
    );
  });

  test("arbitrary JSON values as the whole config", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        try {
          parseConfig(value, "cfg");
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          expectOneLineEach("cfg", e.problems);
        }
      }),
      RUNS,
    );
  });

  test("the demo with one field replaced by an odd value, or removed: refusals name that field", () => {
    fc.assert(
      fc.property(fc.constantFrom(...DEMO_PATHS), oddValue, fc.boolean(), (path, value, remove) => {
        const input = mutate(path, value, remove);
        let problems: readonly string[] = [];
        try {
          parseConfig(input, "cfg");
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          problems = e.problems;
        }
        expectOneLineEach("cfg", problems);
        // Every refusal names a field: "cfg: <field>: ..." (or several unknown keys, "cfg: a, b: unknown keys").
        for (const line of problems) expect(line).toMatch(NAMES_A_FIELD);
        // A removed or replaced top-level field is named (alone, or as the first part of a longer one).
        if (problems.length > 0 && typeof path[0] === "string") {
          expect(problems.some((l) => l.includes(String(path[0])) || l.includes("(top level)"))).toBe(true);
        }
      }),
      RUNS,
    );
  });

  test("the demo with a field added under an arbitrary key", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DEMO_PATHS.filter((p) => typeof p[p.length - 1] === "string")),
        fc.string({ unit: "binary", maxLength: 12 }),
        oddValue,
        (path, key, value) => {
          const input = mutate([...path.slice(0, -1), key], value, false);
          try {
            parseConfig(input, "cfg");
          } catch (e) {
            if (!(e instanceof UserError)) throw e;
            expectOneLineEach("cfg", e.problems);
          }
        },
      ),
      RUNS,
    );
  });
});
