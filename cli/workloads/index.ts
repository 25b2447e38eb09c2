/**
 * `npm run --silent workloads -- roll --env NAME [--config FILE] [--az a] [--yes]`: a rolling update of the workload
 * instances, one AZ at a time.
 *
 * A launch template change (AMI, boot script, instance type) replaces no instance: each keeps the template version it
 * was launched from (modules/workload/workload-instances.ts, `ignore_changes`). This command moves them to the new
 * version by replacing the instances of one AZ with `terraform apply -replace=...`, while the other AZs keep serving.
 *
 * Without `--yes` (the default) it prints the steps, every AZ, and runs nothing. With `--yes` it runs one AZ (`--az`
 * is then required, so that the operator checks the new instances before the next): terraform plan with `-replace`
 * for each instance of the AZ, `terraform show -json`, and a gate: the plan may replace those instances and update
 * launch templates, nothing else (exit 1, listing the rest); then it applies exactly that saved plan.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { TerraformStack } from "cdktf";
import { buildApp } from "../../app/build-app";
import { commandEnvironment, defaultOutdir, environmentOrProblems } from "../../app/environment";
import { readSynthRecord } from "../../app/output/synth-folder";
import type { Egress6Config } from "../../config/schema";
import { zonesOf } from "../../config/zones";
import { UserError } from "../../lib/errors";
import { WorkloadStack } from "../../stacks/workload-stack";
import { argumentProblem, runCli } from "../shared/run-cli";
import {
  gatePlan,
  PlanReadError,
  planChanges,
  terraformError,
  terraformRunner,
  type ChangeVerdict,
  type GatedChange,
  type TerraformRunner,
} from "../shared/terraform-plan";

export const USAGE = "usage: npm run --silent workloads -- roll --env NAME [--config FILE] [--az SUFFIX] [--yes]";

/** The Terraform addresses of the workload instances, by AZ suffix, in the order of the config's AZs. */
export function instancesByAz(config: Egress6Config): { az: string; zone: string; addresses: string[] }[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-workloads-"));
  try {
    const app = buildApp(config, dir);
    const stack = app.node.tryFindChild("workload");
    if (!(stack instanceof WorkloadStack)) throw new Error("the app has no workload stack");
    return zonesOf(config).map((z) => ({
      az: z.suffix,
      zone: z.name,
      addresses: stack.workloads.instances
        .filter((i) => i.zone.suffix === z.suffix)
        .map((i) => `${i.instance.terraformResourceType}.${(stack as TerraformStack).getLogicalId(i.instance)}`),
    }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The roll gate: replacing the AZ's own instances and updating launch templates; nothing else. */
export function rollRule(addresses: readonly string[]): (change: GatedChange) => ChangeVerdict {
  return (change) => {
    if (change.kind === "replace" && addresses.includes(change.address)) return { allowed: true };
    if (change.type === "aws_launch_template" && change.kind === "update") return { allowed: true };
    return {
      allowed: false,
      reason: `a roll replaces this AZ's workload instances and updates launch templates only, not ${change.kind} of ${change.type}`,
    };
  };
}

/** The terraform arguments that replace `addresses`. */
export function replaceArgs(addresses: readonly string[]): string[] {
  return addresses.map((a) => `-replace=${a}`);
}

export interface RollIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (line: string) => void;
  readonly terraform?: TerraformRunner;
}

export async function workloads(argv: readonly string[], io: RollIo): Promise<number> {
  let values: { config?: string; env?: string; az?: string; yes?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: {
        config: { type: "string" },
        env: { type: "string" },
        az: { type: "string" },
        yes: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    const problem = argumentProblem(e, USAGE);
    throw problem === undefined ? e : new UserError([problem]);
  }
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const problems: string[] = [];
  if (positionals.length !== 1 || positionals[0] !== "roll")
    problems.push(
      `${positionals.length === 0 ? "no subcommand" : `${JSON.stringify(positionals.join(" "))}: unknown subcommand`}; expected roll (${USAGE})`,
    );
  if (!values.env) problems.push("--env: required; a roll replaces instances, and only in the environment you name");
  if (values.config === "") problems.push("--config: got an empty file name; expected a .json, .yaml or .yml file");
  const environment = environmentOrProblems(values.config, problems, io.env);
  const config = environment?.config;
  if (config && values.env && values.env !== config.name)
    problems.push(
      `--env: got ${JSON.stringify(values.env)}, but the config chosen (${environment!.source}) is environment ${JSON.stringify(config.name)}`,
    );
  if (config) {
    const suffixes = zonesOf(config).map((z) => z.suffix);
    if (values.az !== undefined && !suffixes.includes(values.az))
      problems.push(`--az: got ${JSON.stringify(values.az)}; accepted: ${suffixes.join(", ")} (the suffixes of availabilityZones)`);
    if (config.workload.instancesPerAz === 0) problems.push("workload.instancesPerAz is 0: Terraform manages no workload instance to roll");
  }
  if (values.yes && values.az === undefined)
    problems.push("--yes: needs --az; a roll runs one AZ at a time, so that you check it before the next");
  if (problems.length > 0 || !config) throw new UserError(problems);
  io.err(environment!.line);

  const outdir = defaultOutdir(io.env);
  const stackDir = path.join(outdir, "stacks", "workload");
  const zones = instancesByAz(config).filter((z) => values.az === undefined || z.az === values.az);

  if (!values.yes) {
    const lines = [
      `Rolling update of the workload instances of ${config.name}, one AZ at a time (dry run: nothing is run).`,
      `Each step replaces the AZ's instances: they stop, and new ones launch from the launch template's latest version.`,
      `Meanwhile that AZ has no workload instance; the other AZs keep serving. Egress inspection is not touched.`,
      "",
    ];
    zones.forEach((z, i) => {
      lines.push(`${i + 1}. AZ ${z.az} (${z.zone}): ${z.addresses.length} instance${z.addresses.length === 1 ? "" : "s"}`);
      lines.push(`   npm run --silent workloads -- roll --env ${config.name} --az ${z.az} --yes`);
      lines.push(`   (or: terraform -chdir=${stackDir} apply ${replaceArgs(z.addresses).join(" ")})`);
      lines.push("   then check the new instances (Systems Manager shows them Online; your service's health) before the next AZ");
    });
    io.out(`${lines.join("\n")}\n`);
    return 0;
  }

  // The stack applied is the one synthesized from this very config.
  const record = readSynthRecord(outdir);
  const { chosen } = commandEnvironment(values.config, io.env);
  const recorded = record?.config.kind === "file" || record?.config.kind === "demo" ? record.config.sha256 : undefined;
  if (
    record === undefined ||
    record.environment !== config.name ||
    recorded !== chosen.sha256 ||
    !fs.existsSync(path.join(stackDir, "cdk.tf.json"))
  ) {
    throw new UserError([
      `${outdir}: does not hold ${config.name} as synthesized from ${environment!.source}; synthesize it for review first: npm run synth -- --config FILE`,
    ]);
  }
  const [zone] = zones;
  const terraform = io.terraform ?? terraformRunner(io.env);
  const say = (line: string) => io.out(`${line}\n`);
  const planDir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-workloads-roll-"));
  try {
    const planFile = path.join(planDir, `workload-${zone.az}.tfplan`);
    for (const args of [
      ["init", "-input=false"],
      ["plan", "-input=false", ...replaceArgs(zone.addresses), `-out=${planFile}`],
    ]) {
      const run = await terraform(args, stackDir);
      if (run.code !== 0) {
        say(`error: workload: terraform ${args[0]} failed: ${terraformError(run)}`);
        return 2;
      }
    }
    const shown = await terraform(["show", "-json", planFile], stackDir);
    if (shown.code !== 0) {
      say(`error: workload: terraform show -json failed: ${terraformError(shown)}`);
      return 2;
    }
    let gate;
    try {
      gate = gatePlan(planChanges(JSON.parse(shown.stdout), "workload: terraform show -json"), rollRule(zone.addresses));
    } catch (e) {
      if (e instanceof PlanReadError || e instanceof SyntaxError) {
        say(`error: ${e instanceof SyntaxError ? `workload: terraform show -json printed no JSON (${e.message})` : e.message}`);
        return 2;
      }
      throw e;
    }
    for (const c of gate.allowed) say(`workload: ${c.kind} ${c.address}`);
    for (const c of gate.refused) say(`workload: REFUSED ${c.kind} ${c.address}: ${c.reason}`);
    if (gate.refused.length > 0) {
      say(`roll of AZ ${zone.az} refused: the plan holds changes other than the roll; nothing applied. Apply them on purpose first`);
      return 1;
    }
    const run = await terraform(["apply", "-input=false", planFile], stackDir);
    if (run.code !== 0) {
      say(`error: workload: terraform apply failed: ${terraformError(run)}`);
      return 2;
    }
    say(
      `AZ ${zone.az}: ${zone.addresses.length} instance${zone.addresses.length === 1 ? "" : "s"} replaced; check them before rolling the next AZ`,
    );
    return 0;
  } finally {
    fs.rmSync(planDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runCli(
    USAGE,
    () =>
      workloads(process.argv.slice(2), {
        env: process.env,
        out: (text) => process.stdout.write(text),
        err: (line) => process.stderr.write(`${line}\n`),
      }),
    { userErrorExitCode: 2, bugExitCode: 2 },
  );
}
