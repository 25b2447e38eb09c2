/**
 * `npm run export:hcl -- [--config FILE] --out DIR [--json]`: the app's stacks as plain Terraform HCL, one folder
 * per stack, for teams that run Terraform without cdktf. Without --config, EGRESS6_CONFIG names the file; without
 * either, the embedded demo is exported.
 */
import { parseArgs } from "node:util";
import { loadConfig, UserError } from "../config/load";
import { runCli } from "../app/run-cli";
import { exportHcl } from "../app/hcl/export";

export const USAGE = "usage: npm run export:hcl -- [--config FILE] --out DIR [--json]";

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string }> {
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
  let loaded;
  try {
    loaded = values.config === "" ? undefined : loadConfig(values.config, env);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    problems.push(...e.problems);
  }
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
    return { code: 0, stdout: `${JSON.stringify(summary, null, 2)}\n` };
  }
  return {
    code: 0,
    stdout: `egress6: exported ${loaded.source} (${loaded.config.name}, ${loaded.config.inspection.mode}) as HCL into ${values.out}: ${result.stacks.map((s) => s.name).join(", ")} (${seconds.toFixed(1)} s)\n`,
  };
}

if (require.main === module) {
  runCli(USAGE, async () => {
    const { code, stdout } = await main(process.argv.slice(2));
    process.stdout.write(stdout);
    return code;
  });
}
