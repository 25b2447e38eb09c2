/**
 * The verifier's expression parser reads what HCL's native syntax accepts (issue 15): each construct below is
 * written by hand after HashiCorp's specification and parser (github.com/hashicorp/hcl, hclsyntax/spec.md,
 * scan_tokens.rl, parser.go, parser_template.go), and the ones marked were refused or misread before. The sweep
 * of `npm run hcl:sweep` runs over the corpus's own .tf files. Cycles and over-deep nesting stop the verifier
 * with one line naming them (issue 16), checked through the command.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ExpressionError, MAX_NESTING, parseTemplate, type Expr } from "../verifier/expr/parse";
import { World } from "../verifier/expr/evaluate";
import type { StackSource } from "../verifier/input/source";
import { hclShapeOf, shapeOf, sweep } from "../tooling/hcl-expr-sweep";
import { tempDir } from "./helpers";

const name = (n: string): Expr => ({ kind: "name", name: n });
const attr = (target: Expr, n: string): Expr => ({ kind: "attr", target, name: n });
const lit = (value: string | number | boolean | null): Expr => ({ kind: "literal", value });
const ref = (path: string): Expr =>
  path
    .split(".")
    .slice(1)
    .reduce<Expr>((e, n) => attr(e, n), name(path.split(".")[0]));

describe("keywords next to punctuation", () => {
  test("for s in(cond ? a : b) : s.id, with no space after in (issue 15)", () => {
    expect(parseTemplate("${[for s in(var.c ? var.a : var.b) : s.id]}")).toEqual({
      kind: "for",
      object: false,
      valueVar: "s",
      collection: { kind: "cond", test: ref("var.c"), then: ref("var.a"), otherwise: ref("var.b") },
      valueExpr: ref("s.id"),
    });
  });

  test("in[ and in{ and if( read as the keywords; for_each and input are names", () => {
    expect(parseTemplate("${[for x in[1, 2] : x if(x > 1)]}")).toMatchObject({
      kind: "for",
      collection: { kind: "tuple" },
      condition: { kind: "binary", op: ">" },
    });
    expect(parseTemplate("${{for k, v in{a = 1} : k => v}}")).toMatchObject({
      kind: "for",
      object: true,
      keyVar: "k",
      collection: { kind: "object" },
    });
    expect(parseTemplate("${[for_each, input, iffy]}")).toEqual({ kind: "tuple", items: [name("for_each"), name("input"), name("iffy")] });
    expect(parseTemplate("${[for x in y : x if x != iffy]}")).toMatchObject({ condition: { kind: "binary", right: name("iffy") } });
  });
});

describe("names and numbers", () => {
  test("identifiers with dashes and Unicode letters", () => {
    expect(parseTemplate("${local.größe}")).toEqual(attr(name("local"), "größe"));
    expect(parseTemplate("${var.名前-2}")).toEqual(attr(name("var"), "名前-2"));
    // A dash inside a name is part of it (scan_tokens.rl, Ident); with spaces it is subtraction.
    expect(parseTemplate("${a-b}")).toEqual(name("a-b"));
    expect(parseTemplate("${a - b}")).toEqual({ kind: "binary", op: "-", left: name("a"), right: name("b") });
  });

  test("numbers with exponents and fractions", () => {
    expect(parseTemplate("${[1.5e3, 2E-2, 7e+1, 0.25]}")).toEqual({ kind: "tuple", items: [lit(1500), lit(0.02), lit(70), lit(0.25)] });
  });
});

describe("operators and conditionals", () => {
  test("every operator at its precedence, left to right within a level", () => {
    const b = (op: string, left: Expr, right: Expr): Expr => ({ kind: "binary", op, left, right });
    expect(parseTemplate("${!a || b && c == d + e * -f % g}")).toEqual(
      b(
        "||",
        { kind: "unary", op: "!", operand: name("a") },
        b(
          "&&",
          name("b"),
          b("==", name("c"), b("+", name("d"), b("%", b("*", name("e"), { kind: "unary", op: "-", operand: name("f") }), name("g")))),
        ),
      ),
    );
    expect(parseTemplate("${a - b - c}")).toEqual(b("-", b("-", name("a"), name("b")), name("c")));
    expect(parseTemplate("${a <= b != c >= d}")).toEqual(b("!=", b("<=", name("a"), name("b")), b(">=", name("c"), name("d"))));
    expect(parseTemplate("${a < b == c > d}")).toEqual(b("==", b("<", name("a"), name("b")), b(">", name("c"), name("d"))));
  });

  test("conditionals nested without parentheses", () => {
    expect(parseTemplate("${a ? b : c ? d : e}")).toEqual({
      kind: "cond",
      test: name("a"),
      then: name("b"),
      otherwise: { kind: "cond", test: name("c"), then: name("d"), otherwise: name("e") },
    });
    expect(parseTemplate("${a ? b ? c : d : e}")).toEqual({
      kind: "cond",
      test: name("a"),
      then: { kind: "cond", test: name("b"), then: name("c"), otherwise: name("d") },
      otherwise: name("e"),
    });
  });
});

describe("collections", () => {
  test("a grouping for expression (k => v...) parses and evaluates to lists per key", () => {
    const e = parseTemplate("${{for s in local.subnets : s.az => s.id... if s.id != null}}");
    expect(e).toMatchObject({ kind: "for", object: true, group: true, condition: { kind: "binary", op: "!=" } });
    const world = new World([
      stackWith({
        subnets: [
          { az: "a", id: "s1" },
          { az: "b", id: "s2" },
          { az: "a", id: "s3" },
          { az: "a", id: null },
        ],
      }),
    ]);
    expect(world.evaluate(world.stacks.get("net")!, "${{for s in local.subnets : s.az => s.id... if s.id != null}}", "test")).toEqual({
      a: ["s1", "s3"],
      b: ["s2"],
    });
    expect(world.problems).toEqual([]);
  });

  test("objects: = or : separators, commas or newlines between items, (expr) keys, newlines ending items", () => {
    const item = (key: Expr, value: Expr) => ({ key, value });
    expect(parseTemplate('${{\n  a = 1\n  "b": 2, (c) = 3,\n  d = f\n  (e) = 4\n}}')).toEqual({
      kind: "object",
      items: [item(lit("a"), lit(1)), item(lit("b"), lit(2)), item(name("c"), lit(3)), item(lit("d"), name("f")), item(name("e"), lit(4))],
    });
    // Inside brackets a newline is only a blank: f\n(1) is a call there, and an operator may start a line.
    expect(parseTemplate("${[f\n(1),\n a\n + b]}")).toEqual({
      kind: "tuple",
      items: [
        { kind: "call", name: "f", args: [lit(1)], spread: false },
        { kind: "binary", op: "+", left: name("a"), right: name("b") },
      ],
    });
    // In an object a newline before `-` may start the next key; a /* */ comment across lines is a blank.
    expect(parseTemplate("${{\n a = b\n -1 = 2\n c = d /* one\n two */ + e\n}}")).toEqual({
      kind: "object",
      items: [
        item(lit("a"), name("b")),
        item({ kind: "literal", value: -1 }, lit(2)),
        item(lit("c"), { kind: "binary", op: "+", left: name("d"), right: name("e") }),
      ],
    });
  });

  test("splats .* and [*], and the legacy .0 index", () => {
    expect(parseTemplate("${a.*.b.0}")).toEqual({
      kind: "splat",
      source: name("a"),
      each: { kind: "index", target: attr({ kind: "item" }, "b"), key: lit(0) },
    });
    expect(parseTemplate("${a[*].b[0]}")).toEqual({
      kind: "splat",
      source: name("a"),
      each: { kind: "index", target: attr({ kind: "item" }, "b"), key: lit(0) },
    });
    expect(parseTemplate("${aws_subnet.x.0.id}")).toEqual(attr({ kind: "index", target: ref("aws_subnet.x"), key: lit(0) }, "id"));
  });

  test("a splat after [*] is part of each element's steps: a[*].b[*].c is a list of lists (before: a splat of the result)", () => {
    const item: Expr = { kind: "item" };
    expect(parseTemplate("${a[*].b[*].c}")).toEqual({
      kind: "splat",
      source: name("a"),
      each: { kind: "splat", source: attr(item, "b"), each: attr(item, "c") },
    });
    const world = new World([stackWith({ groups: [{ asgs: [{ name: "x" }, { name: "y" }] }, { asgs: [{ name: "z" }] }] })]);
    expect(world.evaluate(world.stacks.get("net")!, "${local.groups[*].asgs[*].name}", "t")).toEqual([["x", "y"], ["z"]]);
    expect(world.problems).toEqual([]);
  });

  test("provider functions and comments inside expressions", () => {
    expect(parseTemplate("${provider::aws::arn_parse(var.arn).region}")).toEqual(
      attr({ kind: "call", name: "provider::aws::arn_parse", args: [ref("var.arn")], spread: false }, "region"),
    );
    expect(parseTemplate("${[\n  a, # one\n  b /* two */, // three\n  c\n]}")).toEqual({
      kind: "tuple",
      items: [name("a"), name("b"), name("c")],
    });
  });
});

describe("templates", () => {
  test("%{if}/%{else}/%{endif} and %{for} directives, with ~ strip markers (before: refused)", () => {
    expect(parseTemplate("a %{~ if x ~} yes %{~ else ~} no %{~ endif ~} b")).toEqual({
      kind: "template",
      parts: [
        "a",
        { kind: "cond", test: name("x"), then: { kind: "template", parts: ["yes"] }, otherwise: { kind: "template", parts: ["no"] } },
        "b",
      ],
    });
    const world = new World([stackWith({ names: ["x", "y"], on: true })]);
    const net = world.stacks.get("net")!;
    expect(world.evaluate(net, "%{ for i, n in local.names }${i}=${n};%{ endfor }", "t")).toBe("0=x;1=y;");
    expect(world.evaluate(net, "[%{ if local.on }on%{ else }off%{ endif }]", "t")).toBe("[on]");
    expect(world.problems).toEqual([]);
  });

  test("strip markers on interpolations trim the neighbouring literal whitespace (before: kept)", () => {
    expect(parseTemplate('${"a  ${~ x ~}\n b"}')).toEqual({ kind: "template", parts: ["a", name("x"), "b"] });
    expect(parseTemplate("a\n${~x}")).toEqual({ kind: "template", parts: ["a", name("x")] });
  });

  test("$${ and %%{ are literal text, in JSON templates and in quoted strings", () => {
    expect(parseTemplate("$${a} %%{b} ${c}")).toEqual({ kind: "template", parts: ["${a} %{b} ", name("c")] });
    expect(parseTemplate('${"$${x}%%{y}"}')).toEqual(lit("${x}%{y}"));
  });

  test('a quoted string that is one interpolation is that value, not a string ("${x}" is x)', () => {
    expect(parseTemplate('${"${var.list}"}')).toEqual(ref("var.list"));
    expect(parseTemplate('${"a${x}"}')).toEqual({ kind: "template", parts: ["a", name("x")] });
  });

  test("heredocs inside expressions, plain and flush (<<-), with interpolations (before: refused)", () => {
    expect(parseTemplate('${jsonencode(<<EOT\n{"a": "${x}"}\nEOT\n)}')).toEqual({
      kind: "call",
      name: "jsonencode",
      args: [{ kind: "template", parts: ['{"a": "', name("x"), '"}\n'] }],
      spread: false,
    });
    expect(parseTemplate("${[<<-EOT\n    one\n      two ${x}\n\n    three\n    EOT\n, 1]}")).toEqual({
      kind: "tuple",
      items: [{ kind: "template", parts: ["one\n  two ", name("x"), "\n\nthree\n"] }, lit(1)],
    });
    // The closing marker must be alone on its line; EOTX and a marker after text are content.
    expect(parseTemplate("${<<EOT\nEOTX\na EOT\nEOT\n}")).toEqual(lit("EOTX\na EOT\n"));
  });
});

describe("what is refused is not HCL", () => {
  test.each([
    ["${foo(}", /expected a name|unexpected/],
    ["%{ while x }y%{ endwhile }", /unknown template directive/],
    ["%{ if x }y", /without its %\{endif\}/],
    ["y%{ endif }", /without its opening directive/],
    ["${{ a.b = 1 }}", /Ambiguous attribute key/],
    ['${"abc}', /unterminated string/],
    ["${<<EOT\nabc\n}", /heredoc without its closing EOT/],
  ])("%s", (text, message) => {
    expect(() => parseTemplate(text)).toThrow(ExpressionError);
    expect(() => parseTemplate(text)).toThrow(message);
  });

  test(`nesting deeper than ${MAX_NESTING} levels is one ExpressionError, never a stack overflow`, () => {
    for (const text of [
      `\${${"(".repeat(20000)}1${")".repeat(20000)}}`,
      `\${${Array(50000).fill("1").join(" + ")}}`,
      `\${${"!".repeat(20000)}true}`,
      `\${a${".b".repeat(20000)}}`,
      `${"%{if x}".repeat(5000)}`,
    ]) {
      expect(() => parseTemplate(text)).toThrow(new RegExp(`nested more than ${MAX_NESTING} levels deep`));
    }
    expect(() => parseTemplate(`\${${"(".repeat(150)}1${")".repeat(150)}}`)).not.toThrow();
  });
});

test("the sweep reads every .tf file of the plan corpus, refuses none of their expressions and reads each as HCL does", async () => {
  const corpus = path.join(__dirname, "fixtures", "plan-corpus");
  const r = await sweep([corpus], true);
  expect(r.unreadable).toEqual([]);
  expect(r.refusals).toEqual([]);
  // Each one-interpolation expression is read as HashiCorp's parser reads it (same shape of tree).
  expect(r.mismatches).toEqual([]);
  expect(r.compared).toBeGreaterThan(1000);
  expect(r.files).toBeGreaterThanOrEqual(40);
  expect(r.expressions).toBeGreaterThan(500);
  // It reports a refusal with its file and expression (a key HCL parses and Terraform refuses when evaluating),
  // and a file HCL itself cannot read.
  const dir = tempDir("sweep");
  fs.writeFileSync(path.join(dir, "ambiguous.tf"), "locals {\n  a = merge({ x.y = 1 })\n}\n");
  fs.writeFileSync(path.join(dir, "broken.tf"), 'locals {\n  a = "%{ while x }y%{ endwhile }"\n}\n');
  const bad = await sweep([dir]);
  expect(bad.refusals).toEqual([
    expect.objectContaining({
      file: path.join(dir, "ambiguous.tf"),
      at: "locals[0].a",
      message: expect.stringContaining("Ambiguous attribute key"),
    }),
  ]);
  expect(bad.unreadable).toEqual([expect.objectContaining({ file: path.join(dir, "broken.tf") })]);
});

test("the sweep's comparison tells a misread tree from HCL's own", async () => {
  const { getExpressionAst } = await import("@cdktf/hcl2json");
  const hcl = hclShapeOf((await getExpressionAst("x.tf", "a[*].b[*].c")) as unknown as Parameters<typeof hclShapeOf>[0]);
  expect(shapeOf(parseTemplate("${a[*].b[*].c}"))).toBe(hcl);
  // The reading before: the second splat over the first one's result.
  const item: Expr = { kind: "item" };
  expect(shapeOf({ kind: "splat", source: { kind: "splat", source: name("a"), each: attr(item, "b") }, each: attr(item, "c") })).not.toBe(
    hcl,
  );
  const precedence = hclShapeOf((await getExpressionAst("x.tf", "a || b && c")) as unknown as Parameters<typeof hclShapeOf>[0]);
  expect(
    shapeOf({ kind: "binary", op: "&&", left: { kind: "binary", op: "||", left: name("a"), right: name("b") }, right: name("c") }),
  ).not.toBe(precedence);
});

describe("each construct reads as HashiCorp's parser reads it (same tree shape, hcl2json getExpressionAst)", () => {
  test.each([
    "[for s in(var.c ? var.a : var.b) : s.id if(s.ok)]",
    "{for k, v in{a = 1} : k => v... if v != null}",
    "[for_each, input, iffy]",
    "local.größe - var.名前-2",
    "!a || b && c == d + e * -f % g",
    "a <= b != c >= d && x < y == z > w",
    "a - b - c / d / e",
    "a ? b : c ? d : e",
    "a ? b ? c : d : e",
    "a[*].b[*].c[0]",
    "a.*.b.0",
    "aws_subnet.x.0.id",
    "provider::aws::arn_parse(var.arn).region",
    "f(a, [b, c]...)",
    '{\n  a = b\n  "c": d, (e) = f\n  g = h /* x\n y */ + i\n}',
    "[\n  a, # one\n  b /* two */, // three\n  c\n]",
    '"x %{~ if a ~} y ${b} %{~ else} z %{endif} %{for i, v in c}${i}:${v}%{endfor}"',
    'jsonencode(<<-EOT\n    {"a": "${x}"}\n      %{if y}z%{endif}\n    EOT\n)',
    "try(var.x, <<EOT\nliteral $${not} %%{not}\nEOT\n)",
  ])("%s", async (text) => {
    const { getExpressionAst } = await import("@cdktf/hcl2json");
    const hcl = hclShapeOf((await getExpressionAst("x.tf", text)) as unknown as Parameters<typeof hclShapeOf>[0]);
    expect(shapeOf(parseTemplate(`\${${text}}`))).toBe(hcl);
  });
});

test("templates evaluate to what Terraform 1.11.4 computes for the same text (terraform apply of outputs, values copied here)", () => {
  const world = new World([stackWith({})]);
  const net = world.stacks.get("net")!;
  const cases: [string, unknown][] = [
    ['"x %{~ if true ~} y ${"b"} %{~ else} z %{endif} %{for i, v in ["p", "q"]}${i}:${v}%{endfor}"', "xy b 0:p1:q"],
    ['"a  ${~"x"~}\\n b"', "axb"],
    ['<<-EOT\n    one\n      two ${"X"}\n\n    three\n    EOT\n', "one\n  two X\n\nthree\n"],
    // The line before %{~endif} was trimmed to nothing before the indent is measured, so nothing is removed.
    ['<<-EOT\n    hello ${"X"}\n    %{if true~}\n    yes\n    %{~endif}\n  EOT\n', "    hello X\n        yes\n\n"],
    ["[{ b = [{ c = 1 }, { c = 2 }] }, { b = [{ c = 3 }] }][*].b[*].c", [[1, 2], [3]]],
    [
      '{ for s in [{ az = "a", id = "s1" }, { az = "b", id = "s2" }, { az = "a", id = "s3" }] : s.az => s.id... }',
      { a: ["s1", "s3"], b: ["s2"] },
    ],
  ];
  for (const [native, value] of cases) expect([native, world.evaluate(net, `\${${native}}`, "t")]).toEqual([native, value]);
  expect(world.problems).toEqual([]);
});

/** A root-module stack holding only locals, for evaluating expressions. */
function stackWith(locals: Record<string, unknown>): StackSource {
  return { name: "net", resources: [], outputs: {}, locals, variables: {} } as unknown as StackSource;
}

describe("through the command (npm run verify): one line, exit 2, never a stack trace", () => {
  const CLI = path.resolve(__dirname, "..", "dist", "verifier", "cli.js");
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
    return { code: r.status, stderr: r.stderr.trim(), stdout: r.stdout };
  };
  /** A cdktf.out folder with one stack whose workload subnet's IPv6 block is local.a. */
  const cdktfOut = (locals: string): string => {
    const dir = tempDir("verify-locals");
    fs.mkdirSync(path.join(dir, "stacks", "net"), { recursive: true });
    fs.writeFileSync(
      path.join(dir, "stacks", "net", "cdk.tf.json"),
      `{"terraform":{"backend":{"local":{"path":"net.tfstate"}}},"locals":${locals},"resource":{"aws_vpc":{"v":{"cidr_block":"10.0.0.0/16","assign_generated_ipv6_cidr_block":true}},` +
        `"aws_subnet":{"s":{"vpc_id":"\${aws_vpc.v.id}","ipv6_cidr_block":"\${local.a}","availability_zone":"us-east-1a","ipv6_native":true}}}}`,
    );
    return dir;
  };

  test("a cycle of locals names the locals", () => {
    const r = run(cdktfOut('{"a":"${local.b}","b":"${cidrsubnet(local.c, 8, 1)}","c":"${local.a}"}'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: local.a: refers to itself (local.a -> local.b -> local.c -> local.a); Terraform refuses such a cycle");
  });

  test("a cycle through a module's input and its own output names both", () => {
    // The proxy design of the corpus with a local module, edited after its plan: the module's output reads an
    // input that the root gives from that same output.
    const dir = tempDir("verify-module-cycle");
    const from = path.join(__dirname, "fixtures", "plan-corpus", "local-module-network");
    fs.cpSync(from, dir, { recursive: true });
    fs.renameSync(path.join(dir, "plan.json.gz"), path.join(dir, "net.plan.json.gz"));
    fs.rmSync(path.join(dir, "expect.json"));
    const root = path.join(dir, "main.tf");
    fs.writeFileSync(
      root,
      fs
        .readFileSync(root, "utf8")
        .replace('source = "./modules/network"', 'source = "./modules/network"\n  loop   = module.network.workload_route_table_id'),
    );
    const mod = path.join(dir, "modules", "network", "main.tf");
    const text = fs.readFileSync(mod, "utf8");
    expect(text).toContain("value = aws_route_table.workload.id");
    fs.writeFileSync(
      mod,
      `${text.replace("value = aws_route_table.workload.id", "value = var.loop")}\nvariable "loop" {\n  type = string\n}\n`,
    );
    const r = run(path.join(dir, "net.plan.json.gz"));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "error: module.network.output.workload_route_table_id: refers to itself (module.network.output.workload_route_table_id -> module.network.var.loop -> module.network.output.workload_route_table_id); Terraform refuses such a cycle",
    );
  });

  test("an expression nested 20,000 deep names the local and the limit", () => {
    const r = run(cdktfOut(`{"a":"\${${"(".repeat(20000)}\\"2001:db8::/64\\"${")".repeat(20000)}}"}`));
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: local\.a: cannot read the expression: expression nested more than 200 levels deep/);
  });

  test("5,000 locals each naming the next stop at the verifier's limit with one line", () => {
    const chain = Object.fromEntries([
      ["a", "${local.l0}"],
      ...Array.from({ length: 5000 }, (_, i) => [`l${i}`, `\${local.l${i + 1}}`]),
      ["l5000", "2001:db8::/64"],
    ]);
    const r = run(cdktfOut(JSON.stringify(chain)));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "error: local.a: reaches local.l249 through more than 250 locals and module inputs or outputs, more than the verifier follows",
    );
  });

  test("a value nested 20,000 objects deep is one line naming where it is read", () => {
    const r = run(cdktfOut(`{"a":"\${local.o}","o":${'{"k":'.repeat(20000)}"x"${"}".repeat(20000)}}`));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "error: aws_subnet.s (net).ipv6_cidr_block: references or values nested too deeply for the verifier to follow (its stack ran out)",
    );
  });
});
