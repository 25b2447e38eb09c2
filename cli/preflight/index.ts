/**
 * `npm run --silent preflight -- [--config FILE] [--json] [--only dns|aws] [--dns-server HOST[:PORT]] [--dns-timeout MS]`:
 * will this environment work, before apply? Read-only: DNS queries and AWS List/Describe/Get calls, nothing else.
 *
 * One line per check (ok, PROBLEM with the fix, SKIPPED with why, UNCHECKED with the failed call, n/a for what
 * nothing can check) and a verdict. Exit 0 READY: every check that applies ran and passed. 1 NOT READY: a check
 * found a problem. 2 INCOMPLETE: no problem found, but a check that applies was skipped or could not check; also 2
 * when preflight cannot run (bad flags or a config that does not validate). `--only dns` (or `aws`) narrows which
 * checks apply, for a user who deliberately runs without AWS credentials (or without DNS).
 */
import { parseArgs } from "node:util";
import { argumentProblem, runCli } from "../shared/run-cli";
import { environmentOrProblems } from "../../app/environment";
import { checkAws, type AwsOptions } from "./aws";
import { checkDns } from "./dns";
import { renderJson, renderText, verdictOf, type CheckResult, type ExitCode } from "./result";

export const USAGE =
  "usage: npm run --silent preflight -- [--config FILE] [--json] [--only dns|aws] [--dns-server HOST[:PORT]] [--dns-timeout MS]";

/** The areas `--only` can select; without it every area applies. */
export const AREAS = ["dns", "aws"] as const;
export type Area = (typeof AREAS)[number];

export interface PreflightRun {
  readonly exitCode: ExitCode;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs preflight for `argv`; never throws for bad input (exit 2 with one line per problem on stderr). */
export async function preflight(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  aws: AwsOptions = {},
): Promise<PreflightRun> {
  let values: { config?: string; json?: boolean; only?: string; "dns-server"?: string; "dns-timeout"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: "string" },
        json: { type: "boolean" },
        only: { type: "string" },
        "dns-server": { type: "string" },
        "dns-timeout": { type: "string" },
        help: { type: "boolean" },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (e) {
    const problem = argumentProblem(e, USAGE);
    if (problem === undefined) throw e;
    return cannotRun([problem]);
  }
  if (values.help) return { exitCode: 0, stdout: `${USAGE}\n`, stderr: "" };

  const problems: string[] = [];
  const onlyText = values.only;
  const only = onlyText === undefined ? [...AREAS] : onlyText.split(",").map((a) => a.trim());
  const badAreas = only.filter((a) => !(AREAS as readonly string[]).includes(a));
  if (badAreas.length > 0 || only.length === 0)
    problems.push(`--only: got ${JSON.stringify(onlyText)}; expected ${AREAS.join(" or ")} (or both, comma-separated)`);
  const areas = new Set(only as Area[]);
  const dnsServer = values["dns-server"] ?? (env.EGRESS6_DNS_SERVER || undefined);
  if (
    dnsServer !== undefined &&
    !/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:.]+\]:\d{1,5}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/.test(dnsServer)
  ) {
    problems.push(
      `${values["dns-server"] !== undefined ? "--dns-server" : "EGRESS6_DNS_SERVER"}: got ${JSON.stringify(dnsServer)}; expected an IP address, IPv4:port or [IPv6]:port`,
    );
  }
  const timeoutText = values["dns-timeout"];
  const timeoutMs = timeoutText === undefined ? 3000 : Number(timeoutText);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60000)
    problems.push(`--dns-timeout: got ${JSON.stringify(timeoutText)}; expected milliseconds from 1 to 60000`);
  const loaded = environmentOrProblems(values.config, problems, env);
  const line = loaded?.line ?? "";
  if (values.config === "") problems.push("--config: got an empty file name; expected a .json, .yaml or .yml file");
  if (problems.length > 0 || !loaded) return cannotRun(problems);

  const { config, source } = loaded;
  const [dns, awsResults] = await Promise.all([
    areas.has("dns") ? checkDns(config.egress.domains, { server: dnsServer, timeoutMs }) : [],
    areas.has("aws") ? checkAws(config, aws) : [],
  ]);
  const results: CheckResult[] = [...dns, ...awsResults];
  const verdict = verdictOf(results);
  const notSelected = AREAS.filter((a) => !areas.has(a));
  const notes = notSelected.map(
    (a) => `not run: every ${a} check (--only ${[...areas].join(",")}); the verdict covers ${[...areas].join(" and ")} only`,
  );
  const meta = { config: source, environment: config.name, region: config.region, mode: config.inspection.mode, only: [...areas] };
  const stdout = values.json
    ? renderJson(meta, results)
    : renderText(
        `egress6 preflight: ${source} (environment ${config.name}, region ${config.region}, mode ${config.inspection.mode}); read-only`,
        results,
        notes,
      );
  return { exitCode: verdict.exitCode, stdout, stderr: values.json ? "" : `${line}\n` };
}

function cannotRun(problems: readonly string[]): PreflightRun {
  return { exitCode: 2, stdout: "", stderr: problems.map((p) => `error: ${p}\n`).join("") + "preflight cannot run (exit 2)\n" };
}

if (require.main === module) {
  // The SDK warns on Node 20 about SDK releases after January 2027; it says nothing about this run, and would
  // otherwise end every preflight report. A user who set the variable keeps their choice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  runCli(
    USAGE,
    async () => {
      const run = await preflight(process.argv.slice(2));
      process.stdout.write(run.stdout);
      process.stderr.write(run.stderr);
      return run.exitCode;
    },
    // preflight() reports its own user errors; anything else that stops it is exit 2 as well, never 0.
    { userErrorExitCode: 2, afterUserErrors: "preflight cannot run (exit 2)", bugExitCode: 2 },
  );
}
