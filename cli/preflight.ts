/**
 * `npm run --silent preflight -- [--config FILE] [--json] [--dns-server HOST[:PORT]] [--dns-timeout MS]`:
 * will this environment work, before apply? Read-only: DNS queries and AWS List/Describe/Get calls, nothing else.
 *
 * One line per check (ok, PROBLEM with the fix, skipped with why, could not check with the failed call) and a verdict.
 * Exit 0: every check that ran is ok. 1: a problem, or a check that should have run could not. 2: cannot run (bad
 * flags or a config that does not validate).
 */
import { parseArgs } from "node:util";
import { loadConfig, UserError, type LoadedConfig } from "../config/load";
import { checkAws, type AwsOptions } from "./preflight/aws";
import { checkDns } from "./preflight/dns";
import { renderJson, renderText, verdictOf, type CheckResult } from "./preflight/result";

export const USAGE = "usage: npm run --silent preflight -- [--config FILE] [--json] [--dns-server HOST[:PORT]] [--dns-timeout MS]";

export interface PreflightRun {
  readonly exitCode: 0 | 1 | 2;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs preflight for `argv`; never throws for bad input (exit 2 with one line per problem on stderr). */
export async function preflight(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, aws: AwsOptions = {}): Promise<PreflightRun> {
  let values: { config?: string; json?: boolean; "dns-server"?: string; "dns-timeout"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { config: { type: "string" }, json: { type: "boolean" }, "dns-server": { type: "string" }, "dns-timeout": { type: "string" }, help: { type: "boolean" } },
      allowPositionals: false,
      strict: true,
    }));
  } catch (e) {
    return cannotRun([`${(e as Error).message.replace(/\. To specify a positional argument.*$/s, "")} (${USAGE})`]);
  }
  if (values.help) return { exitCode: 0, stdout: `${USAGE}\n`, stderr: "" };

  const problems: string[] = [];
  const dnsServer = values["dns-server"] ?? (env.EGRESS6_DNS_SERVER || undefined);
  if (dnsServer !== undefined && !/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:.]+\]:\d{1,5}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/.test(dnsServer)) {
    problems.push(`${values["dns-server"] !== undefined ? "--dns-server" : "EGRESS6_DNS_SERVER"}: got ${JSON.stringify(dnsServer)}; expected an IP address, IPv4:port or [IPv6]:port`);
  }
  const timeoutText = values["dns-timeout"];
  const timeoutMs = timeoutText === undefined ? 3000 : Number(timeoutText);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60000) problems.push(`--dns-timeout: got ${JSON.stringify(timeoutText)}; expected milliseconds from 1 to 60000`);
  let loaded: LoadedConfig | undefined;
  try {
    loaded = values.config === "" ? undefined : loadConfig(values.config, env);
    if (values.config === "") problems.push("--config: got an empty file name; expected a .json, .yaml or .yml file");
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    problems.push(...e.problems);
  }
  if (problems.length > 0 || !loaded) return cannotRun(problems);

  const { config, source } = loaded;
  const [dns, awsResults] = await Promise.all([checkDns(config.egress.domains, { server: dnsServer, timeoutMs }), checkAws(config, aws)]);
  const results: CheckResult[] = [...dns, ...awsResults];
  const verdict = verdictOf(results);
  const meta = { config: source, environment: config.name, region: config.region, mode: config.inspection.mode };
  const stdout = values.json
    ? renderJson(meta, results)
    : renderText(`egress6 preflight: ${source} (environment ${config.name}, region ${config.region}, mode ${config.inspection.mode}); read-only`, results);
  return { exitCode: verdict.exitCode, stdout, stderr: "" };
}

function cannotRun(problems: readonly string[]): PreflightRun {
  return { exitCode: 2, stdout: "", stderr: problems.map((p) => `error: ${p}\n`).join("") + "preflight cannot run (exit 2)\n" };
}

if (require.main === module) {
  // The SDK warns on Node 20 about SDK releases after January 2027; it says nothing about this run, and would
  // otherwise end every preflight report. A user who set the variable keeps their choice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  preflight(process.argv.slice(2)).then(
    (run) => {
      process.stdout.write(run.stdout);
      process.stderr.write(run.stderr);
      process.exitCode = run.exitCode;
    },
    (error: unknown) => {
      // A bug, not a user problem: keep the stack trace, and never exit 0.
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
