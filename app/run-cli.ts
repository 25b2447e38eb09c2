/**
 * The shared shape of every egress6 command: run, print user errors one line each on stderr, exit 1;
 * anything unexpected is a bug and keeps its stack trace.
 */
import { UserError } from "../lib/errors";

/** Turns node:util parseArgs errors into the one-line form users get for every other problem. */
function argumentProblem(error: unknown, usage: string): string | undefined {
  const code = (error as { code?: string }).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    return `${(error as Error).message.replace(/\. To specify a positional argument.*$/s, "")} (${usage})`;
  }
  return undefined;
}

export function runCli(usage: string, main: () => number | Promise<number>): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        if (error instanceof UserError) {
          for (const line of error.problems) process.stderr.write(`error: ${line}\n`);
          process.exitCode = 1;
          return;
        }
        const problem = argumentProblem(error, usage);
        if (problem) {
          process.stderr.write(`error: ${problem}\n`);
          process.exitCode = 1;
          return;
        }
        throw error;
      },
    );
}
