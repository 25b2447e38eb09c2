/**
 * `npm run --silent policy -- <why|diff|status|push> ...`: the operator's view of the egress policy.
 *
 * - `why <host | host:port | URL>`: allowed or refused, at each inspection point, by which entry (offline);
 * - `diff --against <config file | git rev>`: domains, ports and resources a policy change touches (offline);
 * - `status --env NAME`: the policy version and health each proxy reports (CloudWatch);
 * - `push --env NAME [--yes]`: plan, refuse anything but policy and alarm changes, apply (Terraform, AWS).
 *
 * The config is chosen as for every command (--config, EGRESS6_CONFIG, the output folder's record; app/environment.ts)
 * and named on stderr. `status` and `push` act on AWS, so they also need `--env NAME`, which must be that config's
 * environment: they never act on a default. Exit codes: 0 allowed / ok / pushed, 1 refused / not ok, 2 bad input or
 * cannot run.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { commandEnvironment, defaultOutdir, environmentOrProblems } from "../../app/environment";
import { readSynthRecord } from "../../app/output/synth-folder";
import type { Egress6Config } from "../../config/schema";
import { UserError } from "../../lib/errors";
import { argumentProblem, runCli } from "../shared/run-cli";
import { terraformRunner, type TerraformRunner } from "../shared/terraform-plan";
import { formatDiff, loadAgainst, policyDiff } from "./diff";
import { push } from "./push";
import { cloudWatchReader, expectedPolicyVersion, formatStatus, proxySlots, proxyStatuses, type ProxyMetricsReader } from "./status";
import { formatWhy, parseDestination, why } from "./why";

export const USAGE =
  "usage: npm run --silent policy -- why <host|host:port|URL> [--config FILE] | diff --against <FILE|GIT-REV> [--config FILE] | status --env NAME [--config FILE] | push --env NAME [--config FILE] [--yes]";

const SUBCOMMANDS = ["why", "diff", "status", "push"] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** What the command talks to; tests replace them. */
export interface PolicyIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (line: string) => void;
  readonly terraform?: TerraformRunner;
  readonly metrics?: (region: string) => ProxyMetricsReader;
}

interface Values {
  config?: string;
  env?: string;
  against?: string;
  yes?: boolean;
  help?: boolean;
}

function parse(argv: readonly string[]): { sub: Subcommand | undefined; values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        config: { type: "string" },
        env: { type: "string" },
        against: { type: "string" },
        yes: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
    const [first, ...rest] = positionals;
    if (values.help && first === undefined) return { sub: undefined, values, positionals: [] };
    if (first === undefined) throw new UserError([`no subcommand; expected one of ${SUBCOMMANDS.join(", ")} (${USAGE})`]);
    if (!(SUBCOMMANDS as readonly string[]).includes(first))
      throw new UserError([`${JSON.stringify(first)}: unknown subcommand; expected one of ${SUBCOMMANDS.join(", ")} (${USAGE})`]);
    return { sub: first as Subcommand, values, positionals: rest };
  } catch (e) {
    const problem = argumentProblem(e, USAGE);
    throw problem === undefined ? e : new UserError([problem]);
  }
}

/** Runs `policy` with `argv`; returns the exit code, throws UserError (exit 2) listing every input problem. */
export async function policy(argv: readonly string[], io: PolicyIo): Promise<number> {
  const { sub, values, positionals } = parse(argv);
  if (sub === undefined || values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const problems: string[] = [];
  const flagsOf: Record<Subcommand, readonly (keyof Values)[]> = {
    why: ["config", "env"],
    diff: ["config", "env", "against"],
    status: ["config", "env"],
    push: ["config", "env", "yes"],
  };
  for (const flag of ["env", "against", "yes"] as const) {
    if (values[flag] !== undefined && !flagsOf[sub].includes(flag)) problems.push(`--${flag}: not an option of policy ${sub} (${USAGE})`);
  }
  if (sub === "why" && positionals.length !== 1)
    problems.push(`policy why takes one destination (host, host:port or URL); got ${positionals.length}`);
  if (sub !== "why" && positionals.length > 0)
    problems.push(`${JSON.stringify(positionals[0])}: unexpected argument; policy ${sub} takes none`);
  if (sub === "diff" && !values.against) problems.push("--against: required; name the config file or git revision to compare with");
  const awsAction = sub === "status" || sub === "push";
  if (awsAction && !values.env) problems.push(`--env: required; policy ${sub} acts on AWS and only on the environment you name`);
  if (values.env === "") problems.push("--env: got an empty name");
  if (values.config === "") problems.push("--config: got an empty file name; expected a .json, .yaml or .yml file");

  const environment = environmentOrProblems(values.config, problems, io.env);
  const config: Egress6Config | undefined = environment?.config;
  if (config && values.env && values.env !== config.name) {
    problems.push(
      `--env: got ${JSON.stringify(values.env)}, but the config chosen (${environment!.source}) is environment ${JSON.stringify(config.name)}`,
    );
  }
  const destination = sub === "why" && positionals.length === 1 ? tryParse(() => parseDestination(positionals[0]), problems) : undefined;
  if (problems.length > 0 || !config) throw new UserError(problems);
  io.err(environment!.line);

  switch (sub) {
    case "why": {
      const result = why(config, destination!);
      io.out(formatWhy(result));
      return result.allowed ? 0 : 1;
    }
    case "diff": {
      const source = environment!.source === "(embedded demo)" ? undefined : environment!.source;
      const against = loadAgainst(values.against!, source);
      io.out(formatDiff(policyDiff(against.config, config), against.label, environment!.source));
      return 0;
    }
    case "status": {
      const expected = expectedPolicyVersion(config);
      if (expected === undefined) {
        throw new UserError([
          `policy status: ${config.name} runs inspection.mode ${config.inspection.mode}, which has no proxies; there is no policy version to report (the firewall's rule groups are updated by apply)`,
        ]);
      }
      const reader = (io.metrics ?? cloudWatchReader)(config.region);
      const statuses = await proxyStatuses(config.name, proxySlots(config), expected, reader);
      io.out(formatStatus(config.name, expected, statuses));
      return statuses.every((s) => s.ok) ? 0 : 1;
    }
    case "push": {
      const outdir = defaultOutdir(io.env);
      const record = readSynthRecord(outdir);
      // The stacks planned are those synthesized from this very config: same environment, same bytes.
      const { chosen } = commandEnvironment(values.config, io.env);
      const recorded = record?.config.kind === "file" || record?.config.kind === "demo" ? record.config.sha256 : undefined;
      if (record === undefined || record.environment !== config.name || recorded !== chosen.sha256) {
        const holds =
          record === undefined
            ? "holds no synthesized environment"
            : record.environment !== config.name
              ? `holds environment ${JSON.stringify(record.environment)}`
              : `was synthesized from another version of ${environment!.source}`;
        throw new UserError([`${outdir}: ${holds}; synthesize ${config.name} for review first: npm run synth -- --config FILE`]);
      }
      return push({
        stacksDir: path.join(outdir, "stacks"),
        terraform: io.terraform ?? terraformRunner(io.env),
        apply: values.yes === true,
        say: (line) => io.out(`${line}\n`),
      });
    }
  }
}

function tryParse<T>(f: () => T, problems: string[]): T | undefined {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    problems.push(...e.problems);
    return undefined;
  }
}

if (require.main === module) {
  runCli(
    USAGE,
    () =>
      policy(process.argv.slice(2), {
        env: process.env,
        out: (text) => process.stdout.write(text),
        err: (line) => process.stderr.write(`${line}\n`),
      }),
    { userErrorExitCode: 2, bugExitCode: 2 },
  );
}
