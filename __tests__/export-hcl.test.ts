/**
 * The HCL export without terraform: the template splitter, the printer's choices (bare references, jsonencode,
 * heredocs, blocks per the provider schema, no nulls), a round trip of every mode's export through @cdktf/hcl2json
 * back to the synthesized JSON, and the --out rules of `npm run export:hcl`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { convertFiles, parse } from "@cdktf/hcl2json";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import { INSPECTION_MODES } from "../config/modes";
import { synthesize } from "../app/synthesize";
import { EXPORT_MARKER } from "../app/hcl/export-folder";
import { readManifest, rebaseLocalPaths, writeStacks } from "../app/hcl/export";
import { HclExportError, printStack } from "../app/hcl/printer";
import { PROVIDER_BLOCKS } from "../app/hcl/provider-blocks";
import { literalValue, parseTemplate, TemplateError } from "../app/hcl/template";
import { usedTypes } from "../tooling/hcl-schema";
import { tempDir } from "./helpers";

const CLI = path.join(__dirname, "..", "dist", "cli", "export-hcl.js");

function run(args: string[], cwd = process.cwd(), env: NodeJS.ProcessEnv = {}) {
  const { EGRESS6_CONFIG: _c, ...base } = process.env;
  // No output folder records an environment, whatever the project's cdktf.out holds: the demo (app/environment.ts).
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env: { ...base, CDKTF_OUTDIR: path.join(__dirname, "..", "node_modules", ".egress6-tests-no-output"), ...env }, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One resource in a minimal stack, printed; returns main.tf. */
function printResource(type: string, body: Record<string, unknown>): string {
  return printStack({ resource: { [type]: { r: body } } })["main.tf"];
}

describe("templates", () => {
  test("splits literal text, interpolations with nested braces and strings, and keeps escapes as written", () => {
    const parts = parseTemplate('a $${b} %%{c} ${{for s in x : s.k => "}${y}"}["k"]} d ${ e }');
    expect(parts).toEqual([
      { kind: "literal", raw: "a $${b} %%{c} " },
      { kind: "interpolation", expr: '{for s in x : s.k => "}${y}"}["k"]' },
      { kind: "literal", raw: " d " },
      { kind: "interpolation", expr: " e " },
    ]);
    expect(literalValue("a $${b} %%{c}")).toBe("a ${b} %{c}");
  });

  test("an interpolation that is not closed is an error, not a guess", () => {
    expect(() => parseTemplate("x ${aws_vpc.vpc.id")).toThrow(TemplateError);
    expect(() => printResource("aws_vpc", { cidr_block: "${aws_vpc.x.id" })).toThrow(/aws_vpc\.r\.cidr_block: an interpolation is not closed/);
  });
});

describe("the printer", () => {
  test("a reference alone is a bare expression; a mixed string stays a template; escapes are kept", () => {
    const tf = printResource("aws_vpc", { cidr_block: "${aws_vpc.x.cidr}", tags: { Name: "n-${local.env}", "egress6:az": 'a"b\\c', F: "$${version} %%{x}" } });
    expect(tf).toContain("cidr_block = aws_vpc.x.cidr");
    expect(tf).toContain('Name = "n-${local.env}"');
    expect(tf).toContain('"egress6:az" = "a\\"b\\\\c"');
    expect(tf).toContain('F = "$${version} %%{x}"');
  });

  test("a JSON policy string becomes jsonencode() of an HCL object, its interpolations as expressions", () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["${aws_s3_bucket.b.arn}", "${aws_s3_bucket.b.arn}/*"], Condition: { Bool: { "aws:SecureTransport": "true" } } }] });
    const tf = printResource("aws_s3_bucket_policy", { bucket: "b", policy });
    expect(tf).toMatch(/policy = jsonencode\(\{\n\s+Version = "2012-10-17"\n\s+Statement = \[/);
    expect(tf).toContain('Resource = [aws_s3_bucket.b.arn, "${aws_s3_bucket.b.arn}/*"]');
    expect(tf).toContain('"aws:SecureTransport" = "true"');
    // Pretty-printed JSON is not rewritten (its text would change), nor is a JSON scalar.
    expect(printResource("aws_s3_bucket_policy", { bucket: "b", policy: '{\n  "a": 1\n}' })).toContain('policy = "{\\n  \\"a\\": 1\\n}"');
    expect(printResource("aws_s3_bucket_policy", { bucket: "b", policy: "3" })).toContain('policy = "3"');
  });

  test("multi-line text is an indented heredoc with its template escapes; text every line of which is indented stays quoted", () => {
    const script = "#!/bin/bash\necho $${HOME} %%{x}\n  indented \\n\nacl src ${local.cidr}\n";
    const tf = printStack({ locals: { script, indented: "  a\n  b\n  c\n" } })["main.tf"];
    expect(tf).toContain("script = <<-EOT\n    #!/bin/bash\n    echo $${HOME} %%{x}\n      indented \\n\n    acl src ${local.cidr}\n    EOT");
    expect(tf).toContain('indented = "  a\\n  b\\n  c\\n"');
  });

  test("nested blocks are blocks, map arguments are objects, null arguments are left out, depends_on is bare", () => {
    const tf = printResource("aws_lambda_function", {
      function_name: "f",
      description: null,
      dead_letter_config: { target_arn: "${aws_sqs_queue.q.arn}" },
      environment: { variables: { A: "1" } },
      depends_on: ["aws_iam_role.r"],
      lifecycle: { ignore_changes: ["tags"] },
    });
    expect(tf).not.toContain("description");
    expect(tf).toMatch(/ dead_letter_config \{\n\s+target_arn = aws_sqs_queue\.q\.arn\n\s+\}/);
    expect(tf).toMatch(/ environment \{\n\s+variables = \{\n\s+A = "1"/);
    expect(tf).toContain("depends_on = [aws_iam_role.r]");
    expect(tf).toContain("ignore_changes = [tags]");
  });

  test("a type the block schema does not know is refused, naming it", () => {
    expect(() => printResource("aws_made_up", { a: 1 })).toThrow(HclExportError);
    expect(() => printResource("aws_made_up", { a: 1 })).toThrow(/aws_made_up\.r: no block schema for the resource type aws_made_up/);
    expect(() => printStack({ module: { m: { source: "./m" } } })).toThrow(/top-level "module" is not supported/);
  });

  test("the block schema covers every provider-aws type the product code imports", () => {
    const { resources, dataSources } = usedTypes();
    expect(resources.filter((t) => !(t in PROVIDER_BLOCKS.resources))).toEqual([]);
    expect(dataSources.filter((t) => !(t in PROVIDER_BLOCKS.dataSources))).toEqual([]);
    expect(resources.length).toBeGreaterThan(40);
  });

  test("local state paths name the same files from <out>/<stack> as from <out>/stacks/<stack>", () => {
    const json = rebaseLocalPaths(
      { terraform: { backend: { local: { path: "../../../.state/demo/x.tfstate" } } }, data: { terraform_remote_state: { n: { backend: "local", config: { path: "../../../.state/demo/n.tfstate" } }, s: { backend: "s3", config: { key: "k" } } } } },
      "stacks/x",
      "x",
    ) as any;
    expect(json.terraform.backend.local.path).toBe("../../.state/demo/x.tfstate");
    expect(path.resolve("/p/out/x", json.data.terraform_remote_state.n.config.path)).toBe(path.resolve("/p/out/stacks/x", "../../../.state/demo/n.tfstate"));
    expect(json.data.terraform_remote_state.s.config).toEqual({ key: "k" });
  });
});

// ---- round trip: hcl2json of the export equals the synthesized JSON, up to the export's documented changes ----

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObj = (v: unknown): v is { [k: string]: Json } => v !== null && typeof v === "object" && !Array.isArray(v);

/** An expression's text without white space outside its string literals (fmt re-spaces expressions). */
function squeeze(expr: string): string {
  return expr.replace(/("(?:[^"\\]|\\.)*")|\s+/g, (_m, s: string | undefined) => s ?? "");
}

/** A template with its interpolations squeezed. */
function canonicalTemplate(s: string): string {
  return parseTemplate(s)
    .map((p) => (p.kind === "literal" ? p.raw : p.kind === "interpolation" ? `\${${squeeze(p.expr)}}` : `%{${squeeze(p.raw)}}`))
    .join("");
}

/** A JSON document held in a template (interpolations as strings inside it), or undefined. */
function documentOf(s: string): Json | undefined {
  const parts = parseTemplate(s);
  const exprs: string[] = [];
  const joined = parts.map((p) => (p.kind === "literal" ? literalValue(p.raw) : (exprs.push(p.kind === "interpolation" ? p.expr : ""), `\uE000${exprs.length - 1}\uE001`))).join("");
  if (!/^[[{]/.test(joined)) return undefined;
  try {
    const restore = (v: Json): Json =>
      typeof v === "string"
        ? v.replace(/[$%]\{/g, (m) => `${m[0]}${m}`).replace(/\uE000(\d+)\uE001/g, (_x, i: string) => `\${${exprs[Number(i)]}}`)
        : Array.isArray(v)
          ? v.map(restore)
          : isObj(v)
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, restore(x)]))
            : v;
    return restore(JSON.parse(joined) as Json);
  } catch {
    return undefined;
  }
}

/** Both sides in one form: no `//`, nulls or empty lists; one-element lists of objects unwrapped; strings canonical. */
async function canonical(v: Json, key = ""): Promise<Json | undefined> {
  if (v === null) return undefined;
  if (typeof v === "string") {
    if (key === "depends_on" || key === "ignore_changes" || key === "replace_triggered_by") return v.replace(/^\$\{(.*)\}$/, "$1");
    const encoded = /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(v);
    if (encoded) {
      const inner = ((await parse("x.tf", `x = ${encoded[1]}\n`)) as { x: Json }).x;
      return { $json: (await canonical(inner)) ?? null };
    }
    const document = documentOf(v);
    if (document !== undefined) return { $json: (await canonical(document)) ?? null };
    return canonicalTemplate(v);
  }
  if (Array.isArray(v)) {
    const items = (await Promise.all(v.map((x) => canonical(x, key)))).filter((x) => x !== undefined) as Json[];
    if (items.length === 0) return undefined;
    return items.length === 1 && isObj(items[0]) ? items[0] : items;
  }
  if (isObj(v)) {
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === "//") continue;
      const c = await canonical(x, k);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  return v;
}

describe("round trip through @cdktf/hcl2json", () => {
  test.each([...INSPECTION_MODES])("%s: every exported stack reads back as its synthesized JSON", async (mode) => {
    const out = tempDir(`rt-${mode}`);
    const synthOut = path.join(out, "cdktf.out");
    synthesize(parseConfig({ ...DEMO_CONFIG, inspection: { ...DEMO_CONFIG.inspection, mode } }, "demo"), synthOut);
    const manifest = readManifest(synthOut);
    await writeStacks(synthOut, manifest, path.join(out, "hcl"));
    for (const stack of manifest) {
      const synthesized = JSON.parse(fs.readFileSync(path.join(synthOut, stack.synthesizedStackPath), "utf8")) as { [k: string]: Json };
      const expected = rebaseLocalPaths(synthesized, stack.workingDirectory, stack.name) as { [k: string]: any };
      const req = expected.terraform.required_providers.aws;
      req.source = `hashicorp/${req.source}`;
      const back = (await convertFiles(path.join(out, "hcl", stack.name))) as Json;
      expect({ stack: stack.name, hcl: await canonical(back) }).toEqual({ stack: stack.name, hcl: await canonical(expected as Json) });
      // The Lambda asset is copied byte for byte, at the path the stack names.
      for (const m of JSON.stringify(synthesized).matchAll(/"(assets\/[^"]+)"/g)) {
        expect(fs.readFileSync(path.join(out, "hcl", stack.name, m[1])).equals(fs.readFileSync(path.join(synthOut, stack.workingDirectory, m[1])))).toBe(true);
      }
    }
    expect(manifest.map((s) => s.name)).toEqual(["bootstrap", "network", "inspection", "workload", "observability"]);
  }, 120_000);

  test("the round trip notices a change: a reference printed wrong does not read back equal", async () => {
    const files = printStack({ resource: { aws_vpc: { v: { cidr_block: "${aws_vpc.x.cidr}" } } } });
    const back = (await parse("main.tf", files["main.tf"].replace("aws_vpc.x.cidr", "aws_vpc.y.cidr"))) as Json;
    expect(await canonical(back)).not.toEqual(await canonical({ resource: { aws_vpc: { v: { cidr_block: "${aws_vpc.x.cidr}" } } } }));
  });
});

// ---- npm run export:hcl ----

describe("npm run export:hcl", () => {
  test("writes one folder per stack, a README and the marker; --json describes it", () => {
    const out = path.join(tempDir("cli"), "hcl");
    const r = run(["--out", out, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.stacks.map((s: { name: string }) => s.name)).toEqual(["bootstrap", "network", "inspection", "workload", "observability"]);
    expect(summary.stacks.find((s: { name: string }) => s.name === "observability").files).toEqual(expect.arrayContaining(["main.tf", "outputs.tf", "terraform.tf"]));
    expect(fs.readdirSync(out).sort()).toEqual([EXPORT_MARKER, "README.md", "bootstrap", "inspection", "network", "observability", "workload"]);
    expect(fs.readFileSync(path.join(out, "README.md"), "utf8")).toMatch(/3\. `inspection\/` \(after network\)/);
  }, 60_000);

  test("bad arguments: one line each", () => {
    const r = run(["--config", ""]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: --config: got an empty file name; expected a .json, .yaml or .yml file\nerror: --out: missing; name the folder to write the HCL into (usage: npm run export:hcl -- [--config FILE] --out DIR [--json])\n");
  });

  test("refuses a folder holding anything else, the current directory and a git working tree, deleting nothing", () => {
    const base = tempDir("refuse");
    const foreign = path.join(base, "envs");
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, "prod.yaml"), "name: prod\n");
    let r = run(["--out", foreign]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: --out .*envs: refusing to replace .*: it holds files no egress6 export wrote \(prod\.yaml\) and no \.egress6-export marker; choose a new or empty folder\n$/);
    expect(fs.readdirSync(foreign)).toEqual(["prod.yaml"]);

    r = run(["--out", "."], foreign);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to write there: .* is the current directory/);

    const repo = path.join(base, "repo");
    fs.mkdirSync(path.join(repo, ".git"), { recursive: true });
    r = run(["--out", repo]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to write there: .*repo is a git working tree/);
    expect(fs.readdirSync(repo)).toEqual([".git"]);
    expect(fs.readdirSync(base).filter((n) => n.includes("staging"))).toEqual([]);
  });

  test("replaces its own earlier export, keeping .terraform/ and the lock file; refuses one with a changed or added file", () => {
    const out = path.join(tempDir("again"), "hcl");
    expect(run(["--out", out]).code).toBe(0);
    fs.mkdirSync(path.join(out, "network", ".terraform", "providers"), { recursive: true });
    fs.writeFileSync(path.join(out, "network", ".terraform.lock.hcl"), "# lock\n");
    fs.writeFileSync(path.join(out, "network", "main.tf"), fs.readFileSync(path.join(out, "network", "main.tf"), "utf8").replace("aws_vpc", "aws_vpc "));
    let r = run(["--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/an export wrote it, but it now holds network\/main\.tf \(changed since the export\); move those files out first/);

    expect(run(["--out", path.join(path.dirname(out), "fresh")]).code).toBe(0);
    fs.copyFileSync(path.join(path.dirname(out), "fresh", "network", "main.tf"), path.join(out, "network", "main.tf"));
    fs.writeFileSync(path.join(out, "workload", "extra.tf"), "# mine\n");
    r = run(["--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/workload\/extra\.tf \(not written by the export\)/);
    expect(fs.existsSync(path.join(out, "workload", "extra.tf"))).toBe(true);

    fs.rmSync(path.join(out, "workload", "extra.tf"));
    r = run(["--out", out]);
    // The environment it acts on, named on stderr as every command does (app/environment.ts).
    expect(r.stderr).toMatch(/^egress6: environment demo \(embedded demo, sha256 [0-9a-f]{12}\), the default\n$/);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(out, "network", ".terraform.lock.hcl"), "utf8")).toBe("# lock\n");
    expect(fs.existsSync(path.join(out, "network", ".terraform", "providers"))).toBe(true);
  }, 60_000);
});
