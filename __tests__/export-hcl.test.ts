/**
 * The HCL export without terraform: the template splitter, the printer's choices (bare references, jsonencode,
 * heredocs, blocks per the provider schema, no nulls), a round trip of every mode's export through @cdktf/hcl2json
 * back to the synthesized JSON, and the --out rules of `npm run export:hcl`.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { convertFiles, parse } from "@cdktf/hcl2json";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import { INSPECTION_MODES } from "../config/modes";
import { synthesize } from "../app/synthesize";
import { EXPORT_MARKER } from "../cli/export-hcl/export-folder";
import { readManifest, rebaseLocalPaths, withForEach, writeStacks } from "../cli/export-hcl/export";
import { forEachStack } from "../cli/export-hcl/for-each";
import { HclExportError, printStack } from "../cli/export-hcl/printer";
import { idiomaticStack } from "../cli/export-hcl/idioms";
import { PROVIDER_BLOCKS } from "../cli/export-hcl/provider-blocks.generated";
import { literalValue, parseTemplate, TemplateError } from "../cli/export-hcl/template";
import { usedTypes } from "../tooling/hcl-schema";
import { tempDir } from "./helpers";
import { makeTestCa } from "./support/test-ca";

const CLI = path.join(__dirname, "..", "dist", "cli", "export-hcl", "index.js");

function run(args: string[], cwd = process.cwd(), env: NodeJS.ProcessEnv = {}) {
  const { EGRESS6_CONFIG: _c, ...base } = process.env;
  // No output folder records an environment, whatever the project's cdktf.out holds: the demo (app/environment.ts).
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...base, CDKTF_OUTDIR: path.join(__dirname, "..", "node_modules", ".egress6-tests-no-output"), ...env },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The demo exported by the CLI once per file (`run(["--out", DIR, "--json"])`): the folder and the run; see demoExport. */
let exportTemplate: { out: string; run: ReturnType<typeof run> } | undefined;

/** The CLI's export of the demo into a new folder with --json, run once per file; the folder is never changed. */
function demoExportRun(): { out: string; run: ReturnType<typeof run> } {
  if (exportTemplate === undefined) {
    const out = path.join(tempDir("cli"), "hcl");
    exportTemplate = { out, run: run(["--out", out, "--json"]) };
  }
  return exportTemplate;
}

/**
 * Makes `out` what `run(["--out", out])` leaves (the demo), for a test about what comes after it: a copy of
 * demoExportRun's folder (--json changes only stdout; the export marker records relative paths only, and the files
 * do not depend on where --out is). A test about that export itself runs it.
 */
function demoExport(out: string): void {
  const template = demoExportRun();
  expect(template.run.code).toBe(0);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.cpSync(template.out, out, { recursive: true, verbatimSymlinks: true });
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
    expect(() => printResource("aws_vpc", { cidr_block: "${aws_vpc.x.id" })).toThrow(
      /aws_vpc\.r\.cidr_block: an interpolation is not closed/,
    );
  });
});

describe("the printer", () => {
  test("a reference alone is a bare expression; a mixed string stays a template; escapes are kept", () => {
    const tf = printResource("aws_vpc", {
      cidr_block: "${aws_vpc.x.cidr}",
      tags: { Name: "n-${local.env}", "egress6:az": 'a"b\\c', F: "$${version} %%{x}" },
    });
    expect(tf).toContain("cidr_block = aws_vpc.x.cidr");
    expect(tf).toContain('Name = "n-${local.env}"');
    expect(tf).toContain('"egress6:az" = "a\\"b\\\\c"');
    expect(tf).toContain('F = "$${version} %%{x}"');
  });

  test("a JSON policy string becomes jsonencode() of an HCL object, its interpolations as expressions", () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: ["${aws_s3_bucket.b.arn}", "${aws_s3_bucket.b.arn}/*"],
          Condition: { Bool: { "aws:SecureTransport": "true" } },
        },
      ],
    });
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
    expect(tf).toContain(
      "script = <<-EOT\n    #!/bin/bash\n    echo $${HOME} %%{x}\n      indented \\n\n    acl src ${local.cidr}\n    EOT",
    );
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

  test("four or more repeated nested blocks of one literal shape are one dynamic block; fewer, or with references, stay blocks", () => {
    const scope = (n: number, ref = false) => ({
      destination: Array.from({ length: n }, (_x, i) => ({
        address_definition: ref && i === 0 ? "${aws_vpc.v.ipv6_cidr_block}" : `2600:${i}::/32`,
      })),
    });
    const body = (n: number, ref = false) => ({
      name: "t",
      tls_inspection_configuration: { server_certificate_configuration: { scope: scope(n, ref) } },
    });
    const four = printResource("aws_networkfirewall_tls_inspection_configuration", body(4));
    expect(four).toContain(
      'dynamic "destination" {\n          for_each = ["2600:0::/32", "2600:1::/32", "2600:2::/32", "2600:3::/32"]\n          content {\n            address_definition = destination.value\n          }',
    );
    expect(four).not.toMatch(/ destination \{/);
    expect(printResource("aws_networkfirewall_tls_inspection_configuration", body(3))).not.toContain("dynamic");
    expect(printResource("aws_networkfirewall_tls_inspection_configuration", body(4, true))).not.toContain("dynamic");
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
      {
        terraform: { backend: { local: { path: "../../../.state/demo/x.tfstate" } } },
        data: {
          terraform_remote_state: {
            n: { backend: "local", config: { path: "../../../.state/demo/n.tfstate" } },
            s: { backend: "s3", config: { key: "k" } },
          },
        },
      },
      "stacks/x",
      "x",
    ) as any;
    expect(json.terraform.backend.local.path).toBe("../../.state/demo/x.tfstate");
    expect(path.resolve("/p/out/x", json.data.terraform_remote_state.n.config.path)).toBe(
      path.resolve("/p/out/stacks/x", "../../../.state/demo/n.tfstate"),
    );
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
  const joined = parts
    .map((p) =>
      p.kind === "literal"
        ? literalValue(p.raw)
        : (exprs.push(p.kind === "interpolation" ? p.expr : ""), `\uE000${exprs.length - 1}\uE001`),
    )
    .join("");
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
    if (key === "depends_on" || key === "ignore_changes" || key === "replace_triggered_by" || key === "from" || key === "to")
      return v.replace(/^\$\{(.*)\}$/, "$1");
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

/**
 * hcl2json's form of `dynamic "x" { for_each = [...]; content { k = x.value } }` expanded as Terraform expands it:
 * one `x` block per element, the iterator's value put in place (only literal lists and `x.value`/`x.value.k`
 * contents: anything else stays, and then cannot compare equal).
 */
async function expandDynamic(v: Json): Promise<Json> {
  if (Array.isArray(v)) return Promise.all(v.map(expandDynamic));
  if (!isObj(v)) return v;
  const out: { [k: string]: Json } = {};
  for (const [k, x] of Object.entries(v)) if (k !== "dynamic") out[k] = await expandDynamic(x);
  if (!isObj(v.dynamic)) return out;
  for (const [name, specs] of Object.entries(v.dynamic)) {
    for (const spec of [specs].flat() as any[]) {
      // hcl2json gives a literal list as a list, any other expression as a template string.
      const list = Array.isArray(spec.for_each)
        ? (spec.for_each as Json[])
        : ((await parse("x.tf", `x = ${/^\$\{([\s\S]*)\}$/.exec(spec.for_each)![1]}\n`)) as { x: Json[] }).x;
      const content = [spec.content].flat()[0] as { [k: string]: string };
      const blocks = list.map((item) =>
        Object.fromEntries(
          Object.entries(content).map(([ck, cv]) => {
            const m = new RegExp(`^\\$\\{${name}\\.value(?:\\.([a-z_]+))?\\}$`).exec(cv);
            return [ck, m ? (m[1] ? (item as any)[m[1]] : item) : cv];
          }),
        ),
      );
      out[name] = [...((out[name] as Json[] | undefined) ?? []), ...blocks];
    }
  }
  return out;
}

describe("round trip through @cdktf/hcl2json", () => {
  test.each([
    ...INSPECTION_MODES.map((mode) => ({ mode, tls: undefined })),
    // TLS decryption at the firewall: its scope lists 48 destination blocks, written as one dynamic block.
    { mode: "firewall-igw", tls: "firewall" as const },
  ])(
    "$mode (TLS decryption: $tls): every exported stack reads back as its synthesized JSON",
    async ({ mode, tls }) => {
      const out = tempDir(`rt-${mode}-${tls ?? "none"}`);
      const synthOut = synthesizedIdiomCase(mode, tls);
      const manifest = readManifest(synthOut);
      await writeStacks(synthOut, manifest, path.join(out, "hcl"));
      for (const stack of manifest) {
        const synthesized = JSON.parse(fs.readFileSync(path.join(synthOut, stack.synthesizedStackPath), "utf8")) as { [k: string]: Json };
        const expected = withForEach(idiomaticStack(rebaseLocalPaths(synthesized, stack.workingDirectory, stack.name)).json) as {
          [k: string]: any;
        };
        const req = expected.terraform.required_providers.aws;
        req.source = `hashicorp/${req.source}`;
        const back = (await expandDynamic((await convertFiles(path.join(out, "hcl", stack.name))) as Json)) as { [k: string]: any };
        if (tls === "firewall" && stack.name === "inspection")
          expect(fs.readFileSync(path.join(out, "hcl", stack.name, "main.tf"), "utf8")).toMatch(
            /dynamic "destination" \{\n\s+for_each = \[\n/,
          );
        // hcl2json writes a variable's type constraint (an expression) as an interpolation.
        for (const v of Object.values(back.variable ?? {}))
          for (const decl of [v].flat() as any[]) decl.type = /^\$\{(.*)\}$/.exec(decl.type)?.[1] ?? decl.type;
        expect({ stack: stack.name, hcl: await canonical(back as Json) }).toEqual({
          stack: stack.name,
          hcl: await canonical(expected as Json),
        });
        // The Lambda asset is copied byte for byte, at the path the stack names.
        for (const m of JSON.stringify(synthesized).matchAll(/"(assets\/[^"]+)"/g)) {
          expect(
            fs
              .readFileSync(path.join(out, "hcl", stack.name, m[1]))
              .equals(fs.readFileSync(path.join(synthOut, stack.workingDirectory, m[1]))),
          ).toBe(true);
        }
      }
      expect(manifest.map((s) => s.name)).toEqual(["bootstrap", "network", "inspection", "workload", "observability"]);
    },
    120_000,
  );

  test("the round trip notices a change: a reference printed wrong does not read back equal", async () => {
    const files = printStack({ resource: { aws_vpc: { v: { cidr_block: "${aws_vpc.x.cidr}" } } } });
    const back = (await parse("main.tf", files["main.tf"].replace("aws_vpc.x.cidr", "aws_vpc.y.cidr"))) as Json;
    expect(await canonical(back)).not.toEqual(await canonical({ resource: { aws_vpc: { v: { cidr_block: "${aws_vpc.x.cidr}" } } } }));
  });
});

// ---- the idioms (variables, template files) give back every value of the synthesized JSON ----

/**
 * The idiomatic JSON evaluated back, independently of cli/export-hcl/idioms.ts: each `var.x` (and `var.x[i]`) becomes its
 * default, each `templatefile()` call is rendered from its file with its bindings, `base64encode()` of a rendered
 * script is encoded. What is left must equal the synthesized JSON exactly.
 */
function resolveIdioms(json: { [k: string]: any }, files: Readonly<Record<string, string>>): { [k: string]: any } {
  const defaults: Record<string, Json> = Object.fromEntries(
    Object.entries(json.variable ?? {}).map(([k, v]: [string, any]) => [k, v.default]),
  );
  const varValue = (expr: string): Json | undefined => {
    const m = /^var\.([a-z_]+)(?:\[(\d+)\])?$/.exec(expr.trim());
    if (!m || !(m[1] in defaults)) return undefined;
    return m[2] === undefined ? defaults[m[1]] : (defaults[m[1]] as Json[])[Number(m[2])];
  };
  const exprWithDefaults = (expr: string) => expr.replace(/var\.([a-z_]+)(?:\[(\d+)\])?/g, (m) => JSON.stringify(varValue(m) ?? m));
  const render = (file: string, bindings: string): string => {
    const values = new Map<string, string>();
    for (const line of bindings
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)) {
      const [, name, expr] = /^([a-z_0-9]+) = (.*)$/.exec(line)!;
      const literal = expr.startsWith('"') ? (JSON.parse(expr) as string) : varValue(expr);
      values.set(name, literal !== undefined ? (literal as string).replace(/([$%])\{/g, "$1$1{") : `\${${expr}}`);
    }
    const text = files[file];
    expect(text).toBeDefined();
    return parseTemplate(text)
      .map((p) =>
        p.kind === "literal" ? p.raw : p.kind === "interpolation" ? (values.get(p.expr) ?? `!unbound ${p.expr}!`) : `%{${p.raw}}`,
      )
      .join("");
  };
  const resolve = (v: any, key = ""): any => {
    if (typeof v === "string") {
      const call = /^\$\{(base64encode\()?templatefile\("\$\{path\.module\}\/([^"]+)", \{\n([\s\S]*)\n\}\)\)?\}$/.exec(v);
      if (call) {
        const rendered = render(call[2], call[3]);
        return call[1] ? Buffer.from(literalValue(rendered), "utf8").toString("base64") : rendered;
      }
      if (key === "depends_on") return v;
      return parseTemplate(v)
        .map((p) => {
          if (p.kind === "literal") return p.raw;
          if (p.kind === "directive") return `%{${p.raw}}`;
          const value = varValue(p.expr);
          return value !== undefined ? String(value).replace(/([$%])\{/g, "$1$1{") : `\${${exprWithDefaults(p.expr)}}`;
        })
        .join("");
    }
    if (Array.isArray(v)) return v.map((x) => resolve(x, key));
    if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x, k)]));
    return v;
  };
  const { variable: _v, ...rest } = json;
  return resolve(rest);
}

/** A CA made for the TLS cases (the certificate goes into the configuration; the key is thrown away). */
function testCaPem(): string {
  return makeTestCa(tempDir("idioms-ca"), "egress6 export test CA", { file: "ca" }).certPem;
}

/** The demo in a mode, with TLS decryption at the proxies or at the firewall when asked. */
/** The synth of each idiomCase, made once per file: the tests only read it (the round trip exports it elsewhere). */
const idiomSynths = new Map<string, string>();

function synthesizedIdiomCase(mode: string, tls?: "proxy" | "firewall"): string {
  const key = `${mode}-${tls ?? "none"}`;
  let out = idiomSynths.get(key);
  if (out === undefined) {
    out = path.join(tempDir(`synth-${key}`), "cdktf.out");
    synthesize(parseConfig(idiomCase(mode, tls), "demo"), out);
    idiomSynths.set(key, out);
  }
  return out;
}

function idiomCase(mode: string, tls?: "proxy" | "firewall"): unknown {
  const domains = [...DEMO_CONFIG.egress.domains, "secretsmanager.us-east-1.amazonaws.com"];
  if (tls === undefined) return { ...DEMO_CONFIG, inspection: { ...DEMO_CONFIG.inspection, mode } };
  const ca = testCaPem();
  const tlsInspection =
    tls === "proxy"
      ? {
          caCertificatePem: ca,
          caPrivateKey: {
            secretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:egress6/demo/ca-key-AbCdEf",
            kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/0123abcd-12ab-34cd-56ef-1234567890ab",
          },
        }
      : {
          decryptAt: "firewall",
          caCertificatePem: ca,
          caCertificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/0123abcd-12ab-34cd-56ef-1234567890ab",
          neverDecryptCidrs: ["2600:1f18:abcd::/48"],
        };
  return { ...DEMO_CONFIG, egress: { ...DEMO_CONFIG.egress, domains }, inspection: { mode, tlsInspection } };
}

describe("variables and template files", () => {
  test.each([
    ...INSPECTION_MODES.map((mode) => ({ mode, tls: undefined })),
    { mode: "firewall-proxy", tls: "proxy" as const },
    { mode: "proxy", tls: "proxy" as const },
    { mode: "firewall-igw", tls: "firewall" as const },
  ])(
    "$mode (TLS decryption: $tls): with the variables at their defaults and the templates rendered, every stack is its synthesized JSON exactly",
    ({ mode, tls }) => {
      const out = synthesizedIdiomCase(mode, tls);
      let templates = 0;
      let variables = 0;
      for (const stack of readManifest(out)) {
        const synthesized = JSON.parse(fs.readFileSync(path.join(out, stack.synthesizedStackPath), "utf8"));
        const original = rebaseLocalPaths(synthesized, stack.workingDirectory, stack.name);
        const { json, files } = idiomaticStack(original);
        templates += Object.keys(files).length;
        variables += Object.keys((json as any).variable ?? {}).length;
        expect({ stack: stack.name, json: resolveIdioms(json, files) }).toEqual({ stack: stack.name, json: original });
        // Terraform takes no variable in an output's description.
        expect(Object.values((json as any).output ?? {}).filter((o: any) => /[$%]\{/.test(o.description ?? ""))).toEqual([]);
        // No literal environment name is left outside the remote state paths and the backend.
        const text = JSON.stringify({
          ...json,
          variable: undefined,
          terraform: undefined,
          data: { ...(json as any).data, terraform_remote_state: undefined },
        });
        expect({ stack: stack.name, literal: (text.match(/(?<![A-Za-z0-9])demo(?![A-Za-z0-9])/g) ?? []).length }).toEqual({
          stack: stack.name,
          literal: 0,
        });
      }
      expect(templates).toBeGreaterThanOrEqual(1);
      expect(variables).toBeGreaterThan(10);
    },
  );

  test("the proxies of every AZ and slot share one template; the AZ is its variable; the workload script is base64encode(templatefile())", async () => {
    const out = tempDir("idioms-files");
    // The demo as it is: firewall-proxy's idiomCase, whose synth the other tests read.
    expect(idiomCase("firewall-proxy")).toEqual(DEMO_CONFIG);
    const synthOut = synthesizedIdiomCase("firewall-proxy");
    const manifest = readManifest(synthOut);
    await writeStacks(synthOut, manifest, path.join(out, "hcl"));
    const inspection = fs.readFileSync(path.join(out, "hcl", "inspection", "main.tf"), "utf8");
    expect(fs.readdirSync(path.join(out, "hcl", "inspection", "templates"))).toEqual(["proxy-user-data.sh.tftpl"]);
    // Two AZs, two proxies each (primary and standby): four scripts, one template.
    expect(inspection.match(/templatefile\("\$\{path\.module\}\/templates\/proxy-user-data\.sh\.tftpl"/g)).toHaveLength(4);
    expect(inspection).toMatch(/zone\s+= "a"/);
    expect(inspection).toMatch(/zone\s+= "b"/);
    expect(inspection).toMatch(/slot\s+= "a-2"/);
    const template = fs.readFileSync(path.join(out, "hcl", "inspection", "templates", "proxy-user-data.sh.tftpl"), "utf8");
    expect(template).toMatch(/^#!\/bin\/bash\n/);
    expect(template).toContain("EGRESS6_PROXY_SLOT=${slot}\nEGRESS6_ROLLOUT_DELAY_SECONDS=${rollout_delay_seconds}\n");
    const workload = fs.readFileSync(path.join(out, "hcl", "workload", "main.tf"), "utf8");
    expect(workload).toContain('user_data = base64encode(templatefile("${path.module}/templates/workload-user-data.sh.tftpl", {');
    expect(workload).not.toMatch(/user_data\s+= "IyEv/);
    // main.tf reads top-down: the VPC first in the network stack, then subnets, route tables, routes, ACLs.
    const network = fs.readFileSync(path.join(out, "hcl", "network", "main.tf"), "utf8");
    const first = (t: string) => network.indexOf(`resource "${t}"`);
    expect(first("aws_vpc")).toBeGreaterThanOrEqual(0);
    const order = ["aws_vpc", "aws_subnet", "aws_route_table", "aws_route", "aws_network_acl"].map(first);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The Lambda's source beside its ZIP, with the build that makes the same bytes.
    const src = path.join(out, "hcl", "observability", "lambda-src", "remediation");
    for (const f of ["lambda/remediation/index.ts", "lambda/remediation/remediate.ts", "lib/names.ts"]) {
      expect(fs.readFileSync(path.join(src, f), "utf8")).toBe(fs.readFileSync(path.join(__dirname, "..", f), "utf8"));
    }
    const zip = (JSON.stringify(fs.readdirSync(path.join(out, "hcl", "observability"), { recursive: true })).match(
      /assets\/remediation_code\/[0-9a-f]+\/remediation\.zip/,
    ) ?? [])[0];
    expect(zip).toBeDefined();
    const sha = createHash("sha256")
      .update(fs.readFileSync(path.join(out, "hcl", "observability", zip!)))
      .digest("hex");
    expect(fs.readFileSync(path.join(src, "BUILD.md"), "utf8")).toContain(`\`../../${zip}\` (sha256 \`${sha}\`)`);
    expect(fs.readFileSync(path.join(out, "hcl", "network", "variables.tf"), "utf8")).toMatch(
      /variable "environment" \{\n\s+description = .*\n\s+type\s+= string\n\s+default\s+= "demo"\n\}/,
    );
  }, 60_000);
});

// ---- for_each over the zones: every instance expands back to the blocks it replaced ----

/**
 * The for_each groups of a stack expanded as Terraform expands them, independently of cli/export-hcl/for-each.ts:
 * one block per key of `for_each` (a `toset([...])` of keys, or a map), `each.key` and `each.value(.x)` put in
 * place (a plain value as text, an expression as itself, a number alone as the number), and each instance named by
 * the address its `moved` block comes from; every reference to an instance (`aws_x.g["a"]`) is renamed the same way.
 */
function expandForEach(json: { [k: string]: any }, moved: readonly { from: string; to: string }[]): { [k: string]: any } {
  const back = new Map(moved.map((m) => [m.to, m.from]));
  const renameRefs = (s: string) =>
    s.replace(/\b(aws_[a-z0-9_]+\.[A-Za-z0-9_-]+\["[a-z]+"\])/g, (m: string) => back.get(m) ?? `!no moved block for ${m}!`);
  const each = (s: string, key: string, value: Json): Json => {
    const field = (f: string | undefined): Json => (f === undefined ? value : (value as { [k: string]: Json })[f]);
    const sole = /^\$\{each\.value(?:\.([a-z_0-9]+))?\}$/.exec(s);
    if (sole && typeof field(sole[1]) === "number") return field(sole[1]);
    return parseTemplate(s)
      .map((p) => {
        if (p.kind === "literal") return p.raw;
        if (p.kind === "directive") return `%{${p.raw}}`;
        if (p.expr === "each.key") return key;
        const whole = /^each\.value(?:\.([a-z_0-9]+))?$/.exec(p.expr);
        if (whole) {
          const v = field(whole[1]) as string;
          return /^\$\{/.test(v) ? v : v;
        }
        const expr = p.expr
          .replace(/\[each\.key\]/g, `[${JSON.stringify(key)}]`)
          .replace(/\beach\.value(?:\.([a-z_0-9]+))?/g, (_m, f: string | undefined) => {
            const v = field(f);
            if (typeof v === "number") return String(v);
            const e = /^\$\{(.*)\}$/s.exec(v as string);
            return e ? e[1] : JSON.stringify(v);
          })
          .replace(/\beach\.key\b/g, JSON.stringify(key));
        return `\${${expr}}`;
      })
      .join("");
  };
  const instance = (v: any, key: string, value: Json): any =>
    typeof v === "string"
      ? each(v, key, value)
      : Array.isArray(v)
        ? v.map((x) => instance(x, key, value))
        : isObj(v)
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, instance(x, key, value)]))
          : v;
  const rename = (v: any): any =>
    typeof v === "string"
      ? renameRefs(v)
      : Array.isArray(v)
        ? v.map(rename)
        : isObj(v)
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)]))
          : v;
  const out = structuredClone(json);
  for (const [type, byName] of Object.entries(out.resource ?? {}) as [string, any][]) {
    const expanded: { [k: string]: any } = {};
    for (const [name, body] of Object.entries(byName) as [string, any][]) {
      if (body.for_each === undefined) {
        expanded[name] = body;
        continue;
      }
      const { for_each: forEach, "//": _comment, ...rest } = body;
      const set = typeof forEach === "string" ? /^\$\{toset\((\[.*\])\)\}$/.exec(forEach) : null;
      const entries: [string, Json][] = set ? (JSON.parse(set[1]) as string[]).map((k) => [k, k]) : Object.entries(forEach);
      for (const [key, value] of entries) {
        const from = back.get(`${type}.${name}[${JSON.stringify(key)}]`);
        expect(from).toBeDefined();
        expanded[from!.split(".")[1]] = instance(rest, key, value);
      }
    }
    out.resource[type] = expanded;
  }
  return rename(out);
}

/** A stack's resources without the `//` comments (the expansion cannot give back the construct paths it merged). */
function withoutComments(json: { [k: string]: any }): { [k: string]: any } {
  const strip = (v: any): any =>
    Array.isArray(v)
      ? v.map(strip)
      : isObj(v)
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => k !== "//")
              .map(([k, x]) => [k, strip(x)]),
          )
        : v;
  return strip(json);
}

describe("for_each over the zones", () => {
  const ZONES = { variable: { availability_zones: { default: ["us-east-1a", "us-east-1b"] } } };
  const subnet = (zone: string, i: number) => ({
    availability_zone: `\${var.availability_zones[${i}]}`,
    ipv6_cidr_block: `\${cidrsubnet(aws_vpc.vpc.ipv6_cidr_block, 8, ${16 + i})}`,
    tags: { Name: `\${var.environment}-proxy-${zone}`, "egress6:az": zone },
    vpc_id: "${aws_vpc.vpc.id}",
  });
  const stack = () => ({
    ...ZONES,
    resource: {
      aws_subnet: { proxy_a: subnet("a", 0), proxy_b: subnet("b", 1) },
      aws_route_table_association: {
        proxy_a_association: { route_table_id: "${aws_route_table.rt.id}", subnet_id: "${aws_subnet.proxy_a.id}" },
        proxy_b_association: { route_table_id: "${aws_route_table.rt.id}", subnet_id: "${aws_subnet.proxy_b.id}" },
      },
      aws_network_acl: { acl: { subnet_ids: ["${aws_subnet.proxy_a.id}", "${aws_subnet.proxy_b.id}"] } },
    },
    output: { proxy_subnet_id_a: { value: "${aws_subnet.proxy_a.id}" } },
  });

  test('per-AZ blocks become one with for_each: each.key, each.value, [each.key] between groups, ["a"] from elsewhere, moved blocks', () => {
    const { json, moved } = forEachStack(stack());
    const resource = json.resource as any;
    expect(resource.aws_subnet).toEqual({
      proxy: {
        for_each: {
          a: { availability_zone: "${var.availability_zones[0]}", ipv6_cidr_block: 16 },
          b: { availability_zone: "${var.availability_zones[1]}", ipv6_cidr_block: 17 },
        },
        availability_zone: "${each.value.availability_zone}",
        ipv6_cidr_block: "${cidrsubnet(aws_vpc.vpc.ipv6_cidr_block, 8, each.value.ipv6_cidr_block)}",
        tags: { Name: "${var.environment}-proxy-${each.key}", "egress6:az": "${each.key}" },
        vpc_id: "${aws_vpc.vpc.id}",
      },
    });
    expect(resource.aws_route_table_association).toEqual({
      proxy_association: {
        for_each: '${toset(["a", "b"])}',
        route_table_id: "${aws_route_table.rt.id}",
        subnet_id: "${aws_subnet.proxy[each.key].id}",
      },
    });
    expect(resource.aws_network_acl.acl.subnet_ids).toEqual(['${aws_subnet.proxy["a"].id}', '${aws_subnet.proxy["b"].id}']);
    expect((json.output as any).proxy_subnet_id_a.value).toBe('${aws_subnet.proxy["a"].id}');
    expect(moved).toEqual([
      { from: "aws_subnet.proxy_a", to: 'aws_subnet.proxy["a"]' },
      { from: "aws_subnet.proxy_b", to: 'aws_subnet.proxy["b"]' },
      { from: "aws_route_table_association.proxy_a_association", to: 'aws_route_table_association.proxy_association["a"]' },
      { from: "aws_route_table_association.proxy_b_association", to: 'aws_route_table_association.proxy_association["b"]' },
    ]);
    expect(expandForEach(json, moved)).toEqual(stack());
    const files = printStack({ ...json, moved: moved.map((m) => ({ ...m })) });
    expect(files["moved.tf"]).toContain('moved {\n  from = aws_subnet.proxy_a\n  to = aws_subnet.proxy["a"]\n}');
    expect(files["main.tf"]).toContain('for_each = toset(["a", "b"])');
  });

  test("a group that differs in more than per-AZ values stays separate blocks; a group referring to it reads them through each.value", () => {
    const s = stack();
    (s.resource.aws_subnet.proxy_b as any).ipv6_native = true;
    const { json, moved } = forEachStack(s);
    expect(Object.keys((json.resource as any).aws_subnet)).toEqual(["proxy_a", "proxy_b"]);
    // Without the subnets' group, the associations name each AZ's subnet block as a per-AZ value.
    expect((json.resource as any).aws_route_table_association.proxy_association).toEqual({
      for_each: { a: "${aws_subnet.proxy_a.id}", b: "${aws_subnet.proxy_b.id}" },
      route_table_id: "${aws_route_table.rt.id}",
      subnet_id: "${each.value}",
    });
    expect(moved.map((m) => m.from)).toEqual([
      "aws_route_table_association.proxy_a_association",
      "aws_route_table_association.proxy_b_association",
    ]);
    expect((json.resource as any).aws_network_acl.acl.subnet_ids).toEqual(["${aws_subnet.proxy_a.id}", "${aws_subnet.proxy_b.id}"]);
    expect(expandForEach(json, moved)).toEqual(s);
    // A function name is never a per-AZ value.
    const f = stack();
    (f.resource.aws_subnet.proxy_b as any).ipv6_cidr_block = "${cidrhost(aws_vpc.vpc.ipv6_cidr_block, 17)}";
    expect(Object.keys((forEachStack(f).json.resource as any).aws_subnet)).toEqual(["proxy_a", "proxy_b"]);
  });

  test("members named by depends_on keep their blocks; with one zone, or none, nothing changes", () => {
    const s = stack();
    (s.resource as any).aws_route_table = { rt: { depends_on: ["aws_subnet.proxy_a"] } };
    const { json } = forEachStack(s);
    expect(Object.keys((json.resource as any).aws_subnet)).toEqual(["proxy_a", "proxy_b"]);
    const one = { ...stack(), variable: { availability_zones: { default: ["us-east-1a"] } } };
    expect(forEachStack(one as any).moved).toEqual([]);
  });

  test.each([
    ...INSPECTION_MODES.map((mode) => ({ mode, tls: undefined })),
    { mode: "firewall-proxy", tls: "proxy" as const },
    { mode: "firewall-igw", tls: "firewall" as const },
  ])("$mode (TLS decryption: $tls): every stack's for_each groups expand back to the idiomatic blocks exactly", ({ mode, tls }) => {
    const out = synthesizedIdiomCase(mode, tls);
    let groups = 0;
    for (const stack of readManifest(out)) {
      const synthesized = JSON.parse(fs.readFileSync(path.join(out, stack.synthesizedStackPath), "utf8"));
      const idiomatic = idiomaticStack(rebaseLocalPaths(synthesized, stack.workingDirectory, stack.name)).json;
      const { json, moved } = forEachStack(idiomatic);
      groups += Object.values((json as any).resource ?? {})
        .flatMap((byName: any) => Object.values(byName))
        .filter((b: any) => b.for_each).length;
      expect({ stack: stack.name, json: withoutComments(expandForEach(json, moved)) }).toEqual({
        stack: stack.name,
        json: withoutComments(idiomatic),
      });
      // Every moved address is an instance of a for_each resource, and every instance has its moved block.
      for (const m of moved) expect(m.to).toMatch(/^aws_[a-z0-9_]+\.[a-z0-9_]+\["[a-z]"\]$/);
    }
    // The per-AZ subnets, route tables, routes, proxies and workloads: far more than a few groups.
    expect(groups).toBeGreaterThan(10);
  });

  test("the demo's network: every per-AZ subnet, route table and association is one for_each block", () => {
    const out = synthesizedIdiomCase("firewall-proxy");
    const network = readManifest(out).find((s) => s.name === "network")!;
    const synthesized = JSON.parse(fs.readFileSync(path.join(out, network.synthesizedStackPath), "utf8"));
    const { json } = forEachStack(idiomaticStack(rebaseLocalPaths(synthesized, network.workingDirectory, network.name)).json);
    const r = json.resource as any;
    expect(Object.keys(r.aws_subnet).sort()).toEqual(["vpc_endpoint", "vpc_firewall", "vpc_proxy", "vpc_workload"]);
    expect(Object.keys(r.aws_route_table).sort()).toEqual([
      "vpc_endpoint_routes",
      "vpc_firewall_routes",
      "vpc_proxy_routes",
      "vpc_workload_routes",
    ]);
    expect(r.aws_route_table_association.vpc_proxy_routes_association.subnet_id).toBe("${aws_subnet.vpc_proxy[each.key].id}");
    expect(r.aws_subnet.vpc_proxy.availability_zone).toBe("${each.value.availability_zone}");
  });
});

// ---- npm run export:hcl ----

describe("npm run export:hcl", () => {
  test("writes one folder per stack, a README and the marker; --json describes it", () => {
    const { out, run: r } = demoExportRun();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.stacks.map((s: { name: string }) => s.name)).toEqual([
      "bootstrap",
      "network",
      "inspection",
      "workload",
      "observability",
    ]);
    expect(summary.stacks.find((s: { name: string }) => s.name === "observability").files).toEqual(
      expect.arrayContaining(["main.tf", "outputs.tf", "terraform.tf"]),
    );
    expect(fs.readdirSync(out).sort()).toEqual([
      EXPORT_MARKER,
      "README.md",
      "bootstrap",
      "inspection",
      "network",
      "observability",
      "workload",
    ]);
    expect(fs.readFileSync(path.join(out, "README.md"), "utf8")).toMatch(/3\. `inspection\/` \(after network\)/);
  }, 60_000);

  test("bad arguments: one line each", () => {
    const r = run(["--config", ""]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error: --config: got an empty file name; expected a .json, .yaml or .yml file\nerror: --out: missing; name the folder to write the HCL into (usage: npm run export:hcl -- [--config FILE] --out DIR [--json])\n",
    );
  });

  test("refuses a folder holding anything else, the current directory and a git working tree, deleting nothing", () => {
    const base = tempDir("refuse");
    const foreign = path.join(base, "envs");
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, "prod.yaml"), "name: prod\n");
    let r = run(["--out", foreign]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: --out .*envs: refusing to replace .*: it holds files no egress6 export wrote \(prod\.yaml\) and no \.egress6-export marker; choose a new or empty folder\n$/,
    );
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

  test("never writes inside a synth output (its next synth would delete the export) or around one, deleting nothing", () => {
    const base = tempDir("nested");
    const synthOut = path.join(base, "cdktf.out");
    const synth = spawnSync(process.execPath, [path.join(__dirname, "..", "dist", "main.js"), "--out", synthOut], {
      cwd: base,
      env: { ...process.env, EGRESS6_CONFIG: "" },
      encoding: "utf8",
    });
    expect(synth.status).toBe(0);
    const before = fs.readdirSync(synthOut).sort();
    let r = run(["--out", path.join(synthOut, "hcl")], base);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: --out .*cdktf\.out\/hcl: refusing to replace .*: it lies inside .*cdktf\.out, an egress6 output/m);
    expect(fs.existsSync(path.join(synthOut, "hcl"))).toBe(false);
    expect(fs.readdirSync(synthOut).sort()).toEqual(before);

    // A folder export:hcl wrote earlier, that now holds a synth output, is not replaced either.
    const out = path.join(base, "hcl");
    expect(run(["--out", out], base).code).toBe(0);
    fs.renameSync(synthOut, path.join(out, "cdktf.out"));
    r = run(["--out", out], base);
    expect(r.code).toBe(1);
    expect(fs.existsSync(path.join(out, "cdktf.out", "manifest.json"))).toBe(true);
  }, 120_000);

  test("replaces its own earlier export, keeping .terraform/ and the lock file; refuses one with a changed or added file", () => {
    const out = path.join(tempDir("again"), "hcl");
    demoExport(out);
    fs.mkdirSync(path.join(out, "network", ".terraform", "providers"), { recursive: true });
    fs.writeFileSync(path.join(out, "network", ".terraform.lock.hcl"), "# lock\n");
    fs.writeFileSync(
      path.join(out, "network", "main.tf"),
      fs.readFileSync(path.join(out, "network", "main.tf"), "utf8").replace("aws_vpc", "aws_vpc "),
    );
    let r = run(["--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /an export wrote it, but it now holds network\/main\.tf \(changed since the export\); move those files out first/,
    );

    demoExport(path.join(path.dirname(out), "fresh"));
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
