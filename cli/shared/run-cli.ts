/**
 * The shared shape of every egress6 command: run, print user errors one line each on stderr, exit 1 (or the
 * command's own code for "cannot run"); anything unexpected is a bug and keeps its stack trace.
 */
import { UserError } from "../../lib/errors";

/** The last name of a parseArgs option as Node writes it (`-h, --help <value>` -> `--help`). */
function optionName(written: string): string {
  const names = written.replace(/ <value>$/, "").split(", ");
  return names[names.length - 1];
}

/**
 * One line for a node:util parseArgs error (its messages run over several lines and speak of Node's own syntax),
 * naming the flag and what is wrong, followed by the usage; undefined for any other error.
 */
export function argumentProblem(error: unknown, usage: string): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS")) return undefined;
  const message = String((error as Error).message);
  let m: RegExpMatchArray | null;
  let line: string;
  if ((m = message.match(/^Option '([^']+)' argument missing/))) line = `${optionName(m[1])}: no value given`;
  else if ((m = message.match(/^Option '([^']+)' argument is ambiguous/))) {
    const flag = optionName(m[1]);
    line = `${flag}: no value given (the next argument starts with "-"; write ${flag}=VALUE for a value that does)`;
  } else if ((m = message.match(/^Option '([^']+)' does not take an argument/))) line = `${optionName(m[1])}: takes no value`;
  else if ((m = message.match(/^Unknown option '([^']+)'/))) line = `${m[1]}: unknown option`;
  else if ((m = message.match(/^Unexpected argument '([^']*)'/)))
    line = `${JSON.stringify(m[1])}: unexpected argument; this command takes no positional arguments`;
  else line = message.split("\n")[0].replace(/\.$/, "");
  return `${line} (${usage})`;
}

export interface RunCliOptions {
  /** The exit code for user errors (bad flags, bad config). @default 1 */
  readonly userErrorExitCode?: number;
  /** A line printed after the user errors, such as "preflight cannot run (exit 2)". */
  readonly afterUserErrors?: string;
  /** The exit code for a bug (the stack trace is printed). @default 1 */
  readonly bugExitCode?: number;
}

export function runCli(usage: string, main: () => number | Promise<number>, options: RunCliOptions = {}): void {
  const userErrors = (lines: readonly string[]) => {
    for (const line of lines) process.stderr.write(`error: ${line}\n`);
    if (options.afterUserErrors) process.stderr.write(`${options.afterUserErrors}\n`);
    process.exitCode = options.userErrorExitCode ?? 1;
  };
  Promise.resolve()
    .then(() => {
      // A deleted working directory makes every relative path, and process.cwd() itself, fail (uv_cwd ENOENT).
      try {
        process.cwd();
      } catch (e) {
        throw new UserError([
          `the current directory no longer exists (${(e as NodeJS.ErrnoException).code ?? String(e)}); cd into an existing folder and run the command again`,
        ]);
      }
    })
    .then(main)
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        if (error instanceof UserError) return userErrors(error.problems);
        const problem = argumentProblem(error, usage);
        if (problem) return userErrors([problem]);
        // A bug, not a user problem: keep the stack trace, and never exit 0.
        process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
        process.exitCode = options.bugExitCode ?? 1;
      },
    );
}
