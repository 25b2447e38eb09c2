#!/usr/bin/env node
/**
 * `npm run verify -- [PATH ...] [--json] [--ports 443,80]`
 * PATH: a cdktf.out directory, or "terraform show -json" plan files (or a directory of *.plan.json).
 * Exit 0 when everything holds, 1 when anything is violated, 2 when the input cannot be used.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { configDirectories, inputSets, verifyInputSet } from "./verify";
import { renderReport } from "./report/render";
import { InputError } from "./input/source";
import type { Report } from "./report/types";

const USAGE =
  "usage: npm run verify -- [PATH ...] [--json] [--ports 443,80] [--config [STACK=]DIR ...]  " +
  '(PATH: a cdktf.out directory, or "terraform show -json" output of plans and states named <stack>.plan.json / <stack>.state.json; default ./cdktf.out. ' +
  "--config: the configuration directory of an HCL plan, by default the plan file's own directory when it holds .tf files)";
const EXIT_UNUSABLE = 2;
const DEFAULT_PATH = "cdktf.out";

function parsePorts(text: string): number[] {
  const ports = text.split(",").map((p) => p.trim());
  const bad = ports.filter((p) => !/^[0-9]+$/.test(p) || Number(p) < 1 || Number(p) > 65535);
  if (bad.length > 0 || ports.length === 0) {
    throw new InputError([`--ports: got ${JSON.stringify(text)}; expected TCP ports 1-65535 separated by commas, such as 443,80`]);
  }
  return ports.map(Number);
}

async function main(argv: string[]): Promise<number> {
  let values: { json?: boolean; ports?: string; help?: boolean; config?: string[] };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        json: { type: "boolean" },
        ports: { type: "string" },
        help: { type: "boolean", short: "h" },
        config: { type: "string", multiple: true },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    throw new InputError([`${(e as Error).message.replace(/\. To specify a positional argument.*$/s, "")} (${USAGE})`]);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const ports = values.ports === undefined ? undefined : parsePorts(values.ports);
  if (positionals.length === 0 && !fs.existsSync(DEFAULT_PATH)) {
    throw new InputError([`${DEFAULT_PATH}: no such directory; run "npm run synth" first, or name a cdktf.out directory or plan files`]);
  }
  const sets = inputSets(positionals.length > 0 ? positionals : [DEFAULT_PATH]).map((s) =>
    s.kind === "plans" ? { ...s, configDirs: configDirectories(s.files, values.config ?? []) } : s,
  );
  if ((values.config ?? []).length > 0 && !sets.some((s) => s.kind === "plans")) {
    throw new InputError([`--config is for plans of HCL configurations; no plan file was given (${USAGE})`]);
  }
  const reports: Report[] = [];
  for (const s of sets) reports.push(await verifyInputSet(s, { ports }));
  if (values.json) process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`);
  else process.stdout.write(reports.map(renderReport).join("\n"));
  return Math.max(...reports.map((r) => r.exitCode));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof InputError) {
      for (const line of e.problems) process.stderr.write(`error: ${line}\n`);
    } else {
      // Not the user's input: a bug in the verifier. Keep the trace so it can be fixed.
      process.stderr.write(`error: internal error in the verifier (please report): ${(e as Error).stack ?? String(e)}\n`);
    }
    process.exitCode = EXIT_UNUSABLE;
  },
);
