#!/usr/bin/env node
/**
 * `npm run --silent atlantis -- COMMAND` (docs/atlantis.md):
 *   generate [--check]  write atlantis.yaml from the app's stacks of each environment in config/atlantis/environments.yaml
 *                       (--check: write nothing, exit 1 when the committed file differs)
 *   synth               the server's pre-workflow hook: synthesize every environment into atlantis.out/<env>,
 *                       updating it in place (run in the repository root; records HEAD_COMMIT)
 *   verify              the workflow's verify step (a run step after init, plan and show; see cli/atlantis/verify.ts)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { runCli } from "../shared/run-cli";
import { ATLANTIS_YAML, generatedAtlantisYaml, synthesizeEnvironments } from "./environments";
import { UserError } from "../../config/load";
import { atlantisVerify } from "./verify";

export const USAGE =
  "usage: npm run --silent atlantis -- generate [--check] | synth | verify  (run in the repository root; verify runs as an Atlantis run step)";

/** The repository root: the folder holding package.json, from the working directory (where Atlantis runs hooks). */
function repositoryRoot(): string {
  const cwd = process.cwd();
  if (!fs.existsSync(path.join(cwd, "package.json"))) throw new UserError([`${cwd}: no package.json; run this in the repository root`]);
  return cwd;
}

runCli(USAGE, () => {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({
    args: rest,
    options: { check: { type: "boolean" }, help: { type: "boolean" } },
    allowPositionals: false,
    strict: true,
  });
  if (values.help || command === "--help" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.check && command !== "generate") throw new UserError([`--check: only "generate" takes it (${USAGE})`]);
  switch (command) {
    case "generate": {
      const root = repositoryRoot();
      const text = generatedAtlantisYaml(root);
      const file = path.join(root, ATLANTIS_YAML);
      const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
      if (values.check) {
        if (current === text) return 0;
        process.stderr.write(
          `error: ${ATLANTIS_YAML} is ${current === undefined ? "missing" : "not what the app's stacks call for"}; run: npm run --silent atlantis -- generate\n`,
        );
        return 1;
      }
      if (current !== text) fs.writeFileSync(file, text);
      process.stdout.write(`egress6: ${ATLANTIS_YAML} ${current === text ? "already current" : "written"}\n`);
      return 0;
    }
    case "synth": {
      const root = repositoryRoot();
      for (const s of synthesizeEnvironments(root, process.env.HEAD_COMMIT || undefined)) {
        const { written, removed, unchanged } = s.result;
        process.stdout.write(
          `egress6: ${s.environment} -> ${path.relative(root, s.dir)}: ${written.length} written, ${removed.length} removed, ${unchanged} unchanged\n`,
        );
      }
      return 0;
    }
    case "verify":
      return atlantisVerify();
    default:
      throw new UserError([
        `${command === undefined ? "no command given" : `unknown command ${JSON.stringify(command)}`}; accepted: generate, synth, verify (${USAGE})`,
      ]);
  }
});
