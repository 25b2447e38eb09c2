/**
 * `npm run export:hcl -- [--config FILE] --out DIR [--json]`: the app's stacks as plain Terraform HCL, one folder
 * per stack, for teams that run Terraform without cdktf. The environment: --config, else EGRESS6_CONFIG, else the one
 * cdktf.out records, else the demo (app/environment.ts, the rule every command follows); named on stderr.
 */
import { parseArgs } from "node:util";
import { UserError } from "../../config/load";
import { environmentOrProblems } from "../../app/environment";
import { runCli } from "../shared/run-cli";
import { exportHcl } from "./export";

export const USAGE = "usage: npm run export:hcl -- [--config FILE] --out DIR [--json]";

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr?: string }> {
  const { values } = parseArgs({
    args: [...argv],
    options: { config: { type: "string" }, out: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean" } },
    allowPositionals: false,
    strict: true,
  });
  if (values.help) return { code: 0, stdout: `${USAGE}\n` };
  const problems: string[] = [];
  if (values.config === "") problems.push("--config: got an empty file name; expected a .json, .yaml or .yml file");
  if (values.out === undefined) problems.push(`--out: missing; name the folder to write the HCL into (${USAGE})`);
  else if (values.out === "") problems.push("--out: got an empty folder name");
  const loaded = environmentOrProblems(values.config, problems, env);
  const line = loaded?.line ?? "";
  if (problems.length > 0 || loaded === undefined || values.out === undefined) throw new UserError(problems);
  const started = Date.now();
  const result = await exportHcl(loaded.config, values.out, { configSource: loaded.source, env });
  const seconds = (Date.now() - started) / 1000;
  if (values.json) {
    const summary = {
      outdir: result.outdir,
      environment: loaded.config.name,
      mode: loaded.config.inspection.mode,
      config: loaded.source,
      seconds,
      stacks: result.stacks.map((s) => ({ name: s.name, dir: s.dir, files: s.files, dependencies: s.dependencies })),
    };
    return { code: 0, stdout: `${JSON.stringify(summary, null, 2)}\n`, stderr: "" };
  }
  return {
    code: 0,
    stderr: `${line}\n`,
    stdout: `egress6: exported ${loaded.source} (${loaded.config.name}, ${loaded.config.inspection.mode}) as HCL into ${values.out}: ${result.stacks.map((s) => s.name).join(", ")} (${seconds.toFixed(1)} s)\n`,
  };
}

if (require.main === module) {
  runCli(USAGE, async () => {
    const { code, stdout, stderr } = await main(process.argv.slice(2));
    process.stderr.write(stderr ?? "");
    process.stdout.write(stdout);
    return code;
  });
}
