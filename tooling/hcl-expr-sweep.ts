#!/usr/bin/env node
/**
 * `npm run hcl:sweep -- DIR [DIR ...]`
 *
 * Reads every `*.tf` file under the given folders with @cdktf/hcl2json, as the verifier reads a configuration
 * directory (verifier/input/hcl-source.ts), and parses every string of the result with the verifier's expression
 * parser (verifier/expr/parse.ts): hcl2json writes each expression as a `${...}` template, and a quoted string or
 * heredoc as its template text. Prints the counts and every refusal with its file, its place in the file's JSON and
 * the expression. Exit 0 when nothing is refused, 1 when something is, 2 when a folder cannot be read.
 *
 * Its purpose is to prove on real modules that the parser accepts what Terraform accepts: run it over checkouts of
 * public modules kept outside the project (never commit them).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runCli } from "../app/run-cli";
import { UserError } from "../lib/errors";
import { ExpressionError, parseTemplate } from "../verifier/expr/parse";

const USAGE = "usage: npm run hcl:sweep -- DIR [DIR ...]";

export interface Refusal {
  readonly file: string;
  /** Where in the file's hcl2json document: `locals[0].subnets`. */
  readonly at: string;
  readonly expression: string;
  readonly message: string;
}

export interface SweepResult {
  readonly files: number;
  /** Files hcl2json itself could not read (Terraform could not either). */
  readonly unreadable: readonly { readonly file: string; readonly message: string }[];
  /** Strings holding an expression or a template (`${` or `%{`), each parsed. */
  readonly expressions: number;
  /** Plain strings: parsed too, but nothing in them can be refused. */
  readonly plainStrings: number;
  readonly refusals: readonly Refusal[];
}

/** Every `*.tf` under `dir`, sorted; `.terraform` and `.git` folders are skipped. */
export function tfFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== ".terraform" && e.name !== ".git") walk(full);
      } else if (e.isFile() && e.name.endsWith(".tf")) out.push(full);
    }
  };
  walk(dir);
  return out;
}

/** Parses every string (and every object key holding `${`) of one hcl2json document. */
function sweepDocument(file: string, doc: unknown, counts: { expressions: number; plainStrings: number }, refusals: Refusal[]): void {
  const parse = (text: string, at: string) => {
    if (text.includes("${") || text.includes("%{")) counts.expressions++;
    else counts.plainStrings++;
    try {
      parseTemplate(text);
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      refusals.push({ file, at, expression: text, message: e.message });
    }
  };
  const walk = (v: unknown, at: string) => {
    if (typeof v === "string") parse(v, at);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        const here = at ? `${at}.${k}` : k;
        if (k.includes("${")) parse(k, `${here} (key)`);
        walk(x, here);
      }
    }
  };
  walk(doc, "");
}

export async function sweep(dirs: readonly string[]): Promise<SweepResult> {
  const { parse } = await import("@cdktf/hcl2json");
  const counts = { expressions: 0, plainStrings: 0 };
  const refusals: Refusal[] = [];
  const unreadable: { file: string; message: string }[] = [];
  let files = 0;
  for (const dir of dirs) {
    for (const file of tfFiles(dir)) {
      files++;
      let doc: unknown;
      try {
        doc = await parse(file, fs.readFileSync(file, "utf8"));
      } catch (e) {
        unreadable.push({ file, message: String((e as Error).message ?? e).split("\n")[0] });
        continue;
      }
      sweepDocument(file, doc, counts, refusals);
    }
  }
  return { files, unreadable, ...counts, refusals };
}

async function main(): Promise<number> {
  const dirs = process.argv.slice(2);
  if (dirs.length === 0 || dirs.some((d) => d.startsWith("-"))) throw new UserError([`give one or more folders (${USAGE})`]);
  const missing = dirs.filter((d) => !fs.existsSync(d) || !fs.statSync(d).isDirectory());
  if (missing.length > 0) throw new UserError(missing.map((d) => `${d}: not a folder (${USAGE})`));
  const r = await sweep(dirs);
  for (const u of r.unreadable) process.stdout.write(`unreadable: ${u.file}: ${u.message}\n`);
  for (const f of r.refusals) process.stdout.write(`refused: ${f.file} ${f.at}: ${f.message}\n`);
  process.stdout.write(`${r.files} files (${r.unreadable.length} hcl2json could not read), ${r.expressions} expressions and templates, ${r.plainStrings} plain strings, ${r.refusals.length} refused\n`);
  return r.refusals.length > 0 ? 1 : 0;
}

if (require.main === module) runCli(USAGE, main, { userErrorExitCode: 2 });
