/**
 * Bad config input (issue 16): whatever the file is, loading it ends in a result or in one line per problem naming
 * the file, the line and column when there is one, and the problem; never a stack trace, a hang or unbounded memory.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { loadConfig, MAX_CONFIG_BYTES, parseConfig, UserError } from "../config/load";
import { merge, tempDir } from "./helpers";

/** The problem lines of loading `file` (fails the test if it loads, or throws anything but a UserError). */
function loadProblems(file: string): readonly string[] {
  try {
    loadConfig(file);
  } catch (e) {
    if (e instanceof UserError) return e.problems;
    throw e;
  }
  throw new Error(`${file} was accepted`);
}

function writeFile(name: string, content: string | Buffer): string {
  const file = path.join(tempDir("cfg"), name);
  fs.writeFileSync(file, content);
  return file;
}

const demoJson = (overrides: unknown = {}) => JSON.stringify(merge(DEMO_CONFIG, overrides), null, 2);

function parseProblems(overrides: unknown): readonly string[] {
  try {
    parseConfig(merge(DEMO_CONFIG, overrides), "cfg");
  } catch (e) {
    if (e instanceof UserError) return e.problems;
    throw e;
  }
  throw new Error("config was accepted");
}

describe("what a config file is: only a regular file, read up to a bound", () => {
  test("a FIFO is refused at once, without waiting for a writer", () => {
    const file = path.join(tempDir("cfg"), "env.json");
    expect(spawnSync("mkfifo", [file]).status).toBe(0);
    const started = Date.now();
    expect(loadProblems(file)).toEqual([
      `${file}: is a FIFO (named pipe), not a regular file; a config file is a .json, .yaml or .yml file`,
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test("/dev/zero (through a link named .json) is refused without reading it", () => {
    const file = path.join(tempDir("cfg"), "zero.json");
    fs.symlinkSync("/dev/zero", file);
    expect(loadProblems(file)).toEqual([
      `${file}: is a character device, not a regular file; a config file is a .json, .yaml or .yml file`,
    ]);
  });

  test("a directory is refused", () => {
    const dir = path.join(tempDir("cfg"), "env.yaml");
    fs.mkdirSync(dir);
    expect(loadProblems(dir)).toEqual([`${dir}: is a directory, not a regular file; a config file is a .json, .yaml or .yml file`]);
  });

  test("a file larger than the bound is refused by its size, before it is read", () => {
    const file = writeFile("huge.json", Buffer.alloc(MAX_CONFIG_BYTES + 1, 0x20));
    expect(loadProblems(file)).toEqual([
      `${file}: is ${MAX_CONFIG_BYTES + 1} bytes (1.0 MiB); at most ${MAX_CONFIG_BYTES} bytes (1 MiB) are read; a config file is a .json, .yaml or .yml file`,
    ]);
  });

  test("bytes that are not UTF-8 are refused at their line and column, not replaced", () => {
    const file = writeFile("env.json", Buffer.concat([Buffer.from('{\n  "name": "'), Buffer.from([0xff]), Buffer.from('"\n}\n')]));
    expect(loadProblems(file)).toEqual([`${file}:2:12: not UTF-8 text; save the file as UTF-8`]);
  });
});

describe("JSON: strict, every problem at its line and column", () => {
  test("a byte order mark is reported at 1:1, not at the file's last line", () => {
    const file = writeFile("env.json", `\uFEFF${demoJson()}`);
    expect(loadProblems(file)).toEqual([
      `${file}:1:1: not valid JSON: the file starts with a byte order mark (U+FEFF); save it as UTF-8 without BOM`,
    ]);
  });

  test("a duplicate key is refused, naming the key and both lines", () => {
    const file = writeFile("env.json", demoJson().replace('"name": "demo",', '"name": "demo",\n  "name": "other",'));
    expect(loadProblems(file)).toEqual([`${file}:3:3: duplicate key "name" (first at line 2); each key may appear once in an object`]);
  });

  test("a duplicate key written with an escape is the same key", () => {
    const file = writeFile("env.json", '{\n  "name": "a",\n  "n\\u0061me": "b"\n}\n');
    expect(loadProblems(file)).toEqual([`${file}:3:3: duplicate key "name" (first at line 2); each key may appear once in an object`]);
  });

  test("the same key in two different objects is not a duplicate", () => {
    const file = writeFile("env.json", demoJson({ observability: { cloudTrail: { create: true }, inspector: { create: true } } }));
    expect(() => loadConfig(file)).not.toThrow();
  });

  test("comments and trailing commas are not JSON", () => {
    expect(loadProblems(writeFile("a.json", '{\n  // note\n  "name": "x"\n}\n'))[0]).toMatch(
      /:2:3: not valid JSON: comments are not allowed in JSON$/,
    );
    expect(loadProblems(writeFile("b.json", '{\n  "name": "x",\n}\n'))[0]).toMatch(
      /:3:1: not valid JSON: expected a property name in double quotes$/,
    );
  });

  test("JSON nested 5,000 deep is one line at the first level too deep, not a stack overflow", () => {
    const file = writeFile("deep.json", `${"[".repeat(5000)}${"]".repeat(5000)}`);
    expect(loadProblems(file)).toEqual([
      `${file}:1:33: nested more than 32 levels deep; no field of the configuration is nested that deep`,
    ]);
  });

  test("JSON nested 500,000 deep inside a field is refused as quickly", () => {
    const file = writeFile("deep.json", `{"name": ${"[".repeat(500_000)}${"]".repeat(500_000)}}`);
    const started = Date.now();
    expect(loadProblems(file)).toEqual([
      `${file}:1:41: nested more than 32 levels deep; no field of the configuration is nested that deep`,
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("YAML: aliases and nesting are bounded", () => {
  test("an alias bomb is one line, not a stack trace or memory exhaustion", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const file = writeFile("bomb.yaml", `${levels.join("\n")}\n`);
    expect(loadProblems(file)).toEqual([
      `${file}: not valid YAML: its aliases expand past 100 nodes (a YAML alias bomb?); write the values out`,
    ]);
  });

  test("flow collections nested 50,000 deep are refused at the first level too deep", () => {
    const file = writeFile("deep.yaml", `name: demo\ntags: ${"[".repeat(50_000)}${"]".repeat(50_000)}\n`);
    const started = Date.now();
    expect(loadProblems(file)).toEqual([
      `${file}:2:39: nested more than 32 levels deep; no field of the configuration is nested that deep`,
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test("brackets inside quoted or block scalars are text, not nesting", () => {
    const rules = `drop tcp any any -> any any (msg:"${"[".repeat(40)}"; sid:1; rev:1;)`;
    const file = writeFile(
      "env.yaml",
      `name: demo\nregion: us-east-1\navailabilityZones: [us-east-1a]\negress:\n  domains: [example.com]\n  suricataRules:\n    - '${rules}'\n    - |\n      ${rules.replace("sid:1", "sid:2")}\n`,
    );
    expect(loadConfig(file).config.egress.suricataRules).toHaveLength(2);
  });

  test("block nesting deeper than the bound is refused by the depth check", () => {
    const lines = ["name: demo"];
    for (let i = 0; i < 40; i++) lines.push(`${"  ".repeat(i)}${i === 0 ? "tags" : "k"}:`);
    lines.push(`${"  ".repeat(40)}v: x`);
    const file = writeFile("deep.yaml", `${lines.join("\n")}\n`);
    expect(loadProblems(file)).toEqual([
      `${file}: tags${".k".repeat(31)}: nested more than 32 levels deep; no field of the configuration is nested that deep`,
    ]);
  });
});

describe("strings that reach squid.conf, Suricata and DNS Firewall hold printable characters only", () => {
  test.each([
    ["a newline inside a domain (today rewritten to example.com)", "exa\nmple.com", "U+000A", 4],
    ["a tab inside a domain", "exa\tmple.com", "U+0009", 4],
    ["a trailing newline", "example.com\n", "U+000A", 12],
    ["a zero-width space", "exa\u200bmple.com", "U+200B", 4],
    ["a right-to-left override", "\u202eexample.com", "U+202E", 1],
  ])("%s is refused, once", (_what, domain, code, at) => {
    const lines = parseProblems({ egress: { domains: [domain] } });
    expect(lines).toEqual([
      `cfg: egress.domains[0]: the value holds the control or invisible character ${code} at position ${at}, got ${JSON.stringify(domain)}; only printable characters are accepted`,
    ]);
  });

  test.each([
    ["a leading space", " example.com", "U+0020", 1],
    ["a space inside", "exa mple.com", "U+0020", 4],
    ["a no-break space", "example.com\u00a0", "U+00A0", 12],
  ])("a domain with %s is refused, not trimmed", (_what, domain, code, at) => {
    expect(parseProblems({ egress: { domains: [domain] } })).toEqual([
      `cfg: egress.domains[0]: holds a space or control character (${code}) at position ${at}; a domain is letters, digits, hyphens and dots only, got ${JSON.stringify(domain)}`,
    ]);
  });

  test("tag keys and values, and keys anywhere, are checked too", () => {
    expect(parseProblems({ tags: { team: "a\nb" } })).toEqual([
      'cfg: tags.team: the value holds the control or invisible character U+000A at position 2, got "a\\nb"; only printable characters are accepted',
    ]);
    expect(parseProblems({ tags: { "te\u0000am": "x" } })[0]).toBe(
      'cfg: tags["te\\u0000am"]: the key holds the control or invisible character U+0000 at position 3, got "te\\u0000am"; only printable characters are accepted',
    );
  });

  test("a Suricata rules entry may hold newlines and tabs, but no other control character", () => {
    const ok = 'alert tcp any any -> any any (msg:"a";\tsid:1; rev:1;)\nalert tcp any any -> any any (msg:"b"; sid:2; rev:1;)';
    expect(parseConfig(merge(DEMO_CONFIG, { egress: { suricataRules: [ok] } })).egress.suricataRules).toEqual([ok]);
    expect(parseProblems({ egress: { suricataRules: [ok.replace("\n", "\r\n")] } })).toEqual([
      `cfg: egress.suricataRules[0]: the value holds the control or invisible character U+000D at position 54, got ${JSON.stringify(ok.replace("\n", "\r\n")).slice(0, 77)}...; only printable characters are accepted (and newlines between rules, tabs inside them)`,
    ]);
  });
});

describe("through the real CLI: exit 1 and one line, no stack trace", () => {
  const MAIN = path.join(__dirname, "..", "dist", "main.js");
  const synth = (config: string) => {
    const { EGRESS6_CONFIG: _drop, CDKTF_OUTDIR: _drop2, ...env } = process.env;
    const r = spawnSync(process.execPath, [MAIN, "--config", config, "--out", path.join(tempDir("out"), "cdktf.out")], {
      env,
      encoding: "utf8",
      timeout: 60_000,
    });
    return { code: r.status, stderr: r.stderr };
  };

  test.each([
    [
      "a duplicate interface endpoint (was a construct-id stack trace)",
      () => writeFile("env.json", demoJson({ workload: { interfaceEndpoints: ["ssm", "logs", "ssm"] } })),
      'workload.interfaceEndpoints[2]: is listed twice; one interface endpoint per service, got "ssm"',
    ],
    [
      "a FIFO",
      () => {
        const file = path.join(tempDir("cfg"), "env.yaml");
        spawnSync("mkfifo", [file]);
        return file;
      },
      "is a FIFO (named pipe), not a regular file; a config file is a .json, .yaml or .yml file",
    ],
    [
      "JSON nested 5,000 deep",
      () => writeFile("deep.json", `${"[".repeat(5000)}${"]".repeat(5000)}`),
      "nested more than 32 levels deep; no field of the configuration is nested that deep",
    ],
  ])("%s", (_what, make, message) => {
    const file = make();
    const r = synth(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
