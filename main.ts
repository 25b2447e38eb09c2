#!/usr/bin/env node
/**
 * egress6 synth: `node dist/main.js [--config FILE] [--out DIR]` (also what `cdktf synth/diff/deploy` run).
 * The environment: --config; else EGRESS6_CONFIG; else the one the output folder records; else the embedded demo
 * (app/environment.ts, the rule every command follows). It is printed on stderr on every run.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { tlsPrerequisites } from "./config/tls-inspection";
import { UserError } from "./config/load";
import { synthesize } from "./app/synthesize";
import { runCli } from "./cli/shared/run-cli";
import { chooseEnvironment, environmentLine } from "./app/environment";
import { assertReplaceable } from "./app/output/synth-folder";

const USAGE = "usage: npm run synth -- [--config FILE] [--out DIR] [--json]";

runCli(USAGE, () => {
  const { values } = parseArgs({
    options: { config: { type: "string" }, out: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean" } },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const problems: string[] = [];
  if (values.config === "") problems.push("--config: got an empty file name; expected a .json, .yaml or .yml file");
  if (values.out === "") problems.push("--out: got an empty folder name; expected a folder such as cdktf.out");
  if (problems.length > 0) throw new UserError(problems);
  const outdirOrigin = values.out !== undefined ? "--out" : process.env.CDKTF_OUTDIR ? "CDKTF_OUTDIR" : "default";
  const outdir = values.out ?? (process.env.CDKTF_OUTDIR || "cdktf.out");
  assertReplaceable(outdir, outdirOrigin);
  const chosen = chooseEnvironment({ flag: values.config, outdir });
  // --json: nothing on stderr but errors; the environment is in the JSON document.
  if (!values.json) process.stderr.write(`${environmentLine(chosen, outdir)}\n`);
  const { config } = chosen;
  synthesize(config, outdir, { outdirOrigin, origin: chosen.origin });
  if (values.json) {
    const stacks = Object.keys((JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as { stacks: object }).stacks);
    const summary = {
      environment: config.name,
      config: chosen.source,
      sha256: chosen.sha256,
      chosenBy: chosen.chosenBy,
      region: config.region,
      mode: config.inspection.mode,
      outdir: path.resolve(outdir),
      stacks,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    process.stdout.write(`egress6: synthesized ${chosen.source} (${config.name}, ${config.inspection.mode}) into ${outdir}\n`);
    for (const line of tlsPrerequisites(config)) process.stdout.write(`egress6: ${line}\n`);
  }
  return 0;
});
