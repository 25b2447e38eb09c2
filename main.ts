#!/usr/bin/env node
/**
 * egress6 synth: `node dist/main.js [--config FILE] [--out DIR]` (also what `cdktf synth/diff/deploy` run).
 * The environment: --config; else EGRESS6_CONFIG or the one the output folder records (app/environment.ts); else
 * the embedded demo. It is printed on stderr on every run.
 */
import { parseArgs } from "node:util";
import { UserError } from "./config/load";
import { synthesize } from "./app/synthesize";
import { runCli } from "./app/run-cli";
import { chooseEnvironment, environmentLine } from "./app/environment";
import { assertReplaceable } from "./app/output-folder";

const USAGE = "usage: npm run synth -- [--config FILE] [--out DIR]";

runCli(USAGE, () => {
  const { values } = parseArgs({
    options: { config: { type: "string" }, out: { type: "string" }, help: { type: "boolean" } },
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
  process.stderr.write(`${environmentLine(chosen, outdir)}\n`);
  const { config } = chosen;
  synthesize(config, outdir, { outdirOrigin, origin: chosen.origin });
  process.stdout.write(`egress6: synthesized ${chosen.source} (${config.name}, ${config.inspection.mode}) into ${outdir}\n`);
  return 0;
});
