#!/usr/bin/env node
/**
 * `npm run tf:check -- [--config FILE] [--mode MODE ...] [--plans-dir DIR] [--stack NAME ...] [--json]`
 *
 * Synthesizes into a temporary folder (never cdktf.out) and runs terraform init and plan (which validates) for every stack
 * of every inspection mode offline, against a local hashicorp/aws provider mirror (or, when none is found and
 * EGRESS6_TF_MIRROR is not set, the public registry, online). Exit 0 only if all pass.
 */
import { parseArgs } from "node:util";
import { UserError } from "../config/load";
import { commandEnvironment } from "../app/environment";
import { INSPECTION_MODES, type InspectionMode } from "../config/modes";
import { runCli } from "../cli/shared/run-cli";
import { runOfflineCheck } from "./terraform/check";
import { formatReport, progressLine, reportJson } from "./terraform/report";

const USAGE = "usage: npm run tf:check -- [--config FILE] [--mode MODE ...] [--plans-dir DIR] [--stack NAME ...] [--json]";

runCli(USAGE, async () => {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      mode: { type: "string", multiple: true },
      "plans-dir": { type: "string" },
      stack: { type: "string", multiple: true },
      json: { type: "boolean" },
      help: { type: "boolean" },
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n  --mode: ${INSPECTION_MODES.join(", ")} (default: all)\n`);
    return 0;
  }

  const problems: string[] = [];
  if (values.config === "") problems.push("--config: got an empty file name; expected a .json, .yaml or .yml file");
  if (values["plans-dir"] === "") problems.push("--plans-dir: got an empty folder name");
  for (const mode of values.mode ?? []) {
    if (!(INSPECTION_MODES as readonly string[]).includes(mode))
      problems.push(`--mode: got "${mode}"; accepted: ${INSPECTION_MODES.join(", ")}`);
  }
  for (const stack of values.stack ?? []) {
    if (stack === "") problems.push("--stack: got an empty stack name");
  }
  if (problems.length > 0) throw new UserError(problems);

  // The environment: the rule every command follows (app/environment.ts); named on stderr.
  const { chosen, line } = commandEnvironment(values.config);
  if (!values.json) process.stderr.write(`${line}\n`);
  const report = await runOfflineCheck({
    config: chosen.input,
    configSource: chosen.source,
    modes: values.mode as InspectionMode[] | undefined,
    stacks: values.stack,
    plansDir: values["plans-dir"],
    // Progress on stderr, one line per stack as it finishes; none with --json (CI reads stdout only).
    onResult: values.json ? undefined : (r, done, total) => process.stderr.write(`tf:check: ${progressLine(r, done, total)}\n`),
  });
  process.stdout.write(values.json ? reportJson(report) : formatReport(report));
  return report.passed ? 0 : 1;
});
