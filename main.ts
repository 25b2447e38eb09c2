#!/usr/bin/env node
/**
 * egress6 synth: `node dist/main.js [--config FILE] [--out DIR]` (also what `cdktf synth` runs).
 * Without --config, EGRESS6_CONFIG names the file; without either, the embedded demo is used.
 */
import { parseArgs } from "node:util";
import { loadConfig, UserError } from "./config/load";
import { synthesize } from "./app/synthesize";
import { runCli } from "./app/run-cli";

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
  if (values.config === "") throw new UserError(["--config: got an empty file name; expected a .json, .yaml or .yml file"]);
  const { config, source } = loadConfig(values.config);
  if (values.out === "") throw new UserError(["--out: got an empty folder name; expected a folder such as cdktf.out"]);
  const outdirOrigin = values.out !== undefined ? "--out" : process.env.CDKTF_OUTDIR ? "CDKTF_OUTDIR" : "default";
  const outdir = values.out ?? (process.env.CDKTF_OUTDIR || "cdktf.out");
  synthesize(config, outdir, { outdirOrigin });
  process.stdout.write(`egress6: synthesized ${source} (${config.name}, ${config.inspection.mode}) into ${outdir}\n`);
  return 0;
});
