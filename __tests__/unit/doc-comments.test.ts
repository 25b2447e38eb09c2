/**
 * Every construct's props are documented where a reader of the construct looks: each property of an exported
 * `*Props` interface or type under modules/ and stacks/ (and of an exported construct's inline props type) has a doc
 * comment with a description, and each optional one names its `@default` with a value (the convention of
 * aws-cdk-lib's construct libraries). Read with the TypeScript compiler's own parser, so a doc comment is what
 * editors and doc tools see: the last JSDoc block on its own line(s) before the prop.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..", "..");

function sources(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) sources(rel, out);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

/** Whether `node` carries the `export` keyword. */
function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false);
}

/** The members of a props type: an interface's, or a type literal's (also inside an intersection or a union). */
function typeMembers(type: ts.TypeNode): readonly ts.TypeElement[] {
  if (ts.isTypeLiteralNode(type)) return type.members;
  if (ts.isIntersectionTypeNode(type) || ts.isUnionTypeNode(type)) return type.types.flatMap(typeMembers);
  if (ts.isParenthesizedTypeNode(type)) return typeMembers(type.type);
  return [];
}

/** The problem with one member's doc comment (its last JSDoc block, the one tools read), or undefined. */
function memberProblem(member: ts.TypeElement): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
  const doc = docs[docs.length - 1];
  if (!doc || !ts.getTextOfJSDocComment(doc.comment)?.trim()) return "no doc comment";
  const optional = member.questionToken !== undefined;
  if (optional && !doc.tags?.some((t) => t.tagName.text === "default" && ts.getTextOfJSDocComment(t.comment)?.trim())) {
    return "optional, but its doc comment has no @default";
  }
  return undefined;
}

/**
 * One line per undocumented prop, or optional prop without `@default`, in `text`: of its exported `*Props` interfaces
 * and type aliases (`export type XProps = { ... }`, also exported by a later `export { XProps }`), and of the inline
 * `props: { ... }` type of an exported class's public constructor. A doc comment needs a description; `@default` needs a value.
 */
export function undocumentedProps(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const exportedLater = new Set<string>();
  for (const statement of source.statements) {
    if (
      ts.isExportDeclaration(statement) &&
      !statement.moduleSpecifier &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    ) {
      for (const e of statement.exportClause.elements) exportedLater.add((e.propertyName ?? e.name).text);
    }
  }
  const problems: string[] = [];
  const check = (owner: string, members: readonly ts.TypeElement[]) => {
    for (const member of members) {
      if (!ts.isPropertySignature(member) && !ts.isMethodSignature(member)) continue;
      const problem = memberProblem(member);
      if (problem) problems.push(`${file}: ${owner}.${member.name.getText(source)}: ${problem}`);
    }
  };
  for (const statement of source.statements) {
    if (ts.isClassDeclaration(statement) && statement.name && isExported(statement)) {
      for (const ctor of statement.members.filter(ts.isConstructorDeclaration)) {
        const hidden = ts
          .getModifiers(ctor)
          ?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword);
        if (hidden) continue;
        for (const param of ctor.parameters) {
          if (param.type && ts.isTypeLiteralNode(param.type))
            check(`${statement.name.text}(${param.name.getText(source)})`, param.type.members);
        }
      }
      continue;
    }
    if (!ts.isInterfaceDeclaration(statement) && !ts.isTypeAliasDeclaration(statement)) continue;
    const name = statement.name.text;
    if (!name.endsWith("Props") || !(isExported(statement) || exportedLater.has(name))) continue;
    check(name, ts.isInterfaceDeclaration(statement) ? statement.members : typeMembers(statement.type));
  }
  return problems;
}

describe("construct props are documented", () => {
  const files = [...sources("modules"), ...sources("stacks")];

  test("the scan finds the props interfaces", () => {
    const withProps = files.filter((f) => /export (interface|type) \w+Props\b/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
    expect(withProps.length).toBeGreaterThan(20);
  });

  test("every prop has a doc comment, and every optional prop its @default", () => {
    const problems = files.flatMap((f) => undocumentedProps(f, fs.readFileSync(path.join(ROOT, f), "utf8")));
    expect(problems).toEqual([]);
  });

  test("the check names an undocumented prop and an optional prop without @default", () => {
    const text = [
      "export interface XProps {",
      "  /** Documented. */",
      "  readonly a: string;",
      "  readonly b: string;",
      "  /** Optional, no default named. */",
      "  readonly c?: string;",
      "  /** Optional. @default none */",
      "  readonly d?: string;",
      "  /** */",
      "  readonly e: string;",
      "  /** @default 3 */",
      "  readonly f?: number;",
      "  /** Optional, an empty default tag.",
      "   * @default",
      "   */",
      "  readonly g?: number;",
      "  // A line comment is not a doc comment.",
      "  readonly h: string;",
      "  /** Documented.",
      "   * @default 1",
      "   */",
      "  readonly i?: number;",
      "  readonly j?: () => void;",
      "  k?(): void;",
      "}",
      "interface HiddenProps { readonly x: string }",
      "export type YProps = {",
      "  readonly y: string;",
      "  /** Why. @default - not set */",
      "  readonly z?: string;",
      "};",
      "export type WProps = XProps & { readonly w?: number };",
      "type LaterProps = { readonly l: string };",
      "export { LaterProps };",
      "export class Thing {",
      "  constructor(",
      "    scope: unknown,",
      "    props: {",
      "      readonly t: boolean;",
      "      /** Doc. @default 2 */",
      "      readonly u?: number;",
      "    },",
      "  ) {}",
      "}",
      "class Hidden { constructor(props: { readonly v: boolean }) {} }",
      "export class Closed { private constructor(readonly value: { readonly p: boolean }) {} }",
    ].join("\n");
    expect(undocumentedProps("x.ts", text)).toEqual([
      "x.ts: XProps.b: no doc comment",
      "x.ts: XProps.c: optional, but its doc comment has no @default",
      "x.ts: XProps.e: no doc comment",
      "x.ts: XProps.f: no doc comment",
      "x.ts: XProps.g: optional, but its doc comment has no @default",
      "x.ts: XProps.h: no doc comment",
      "x.ts: XProps.j: no doc comment",
      "x.ts: XProps.k: no doc comment",
      "x.ts: YProps.y: no doc comment",
      "x.ts: WProps.w: no doc comment",
      "x.ts: LaterProps.l: no doc comment",
      "x.ts: Thing(props).t: no doc comment",
    ]);
  });
});
