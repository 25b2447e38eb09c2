/**
 * argumentProblem: the one line every product CLI prints for a bad flag, from the errors node:util parseArgs really
 * throws (Node's own messages span several lines and speak of Node's syntax).
 */
import { parseArgs } from "node:util";
import { argumentProblem } from "../cli/shared/run-cli";

const USAGE = "usage: x [--config FILE] [--json]";

function problemFor(args: string[], allowPositionals = false): string | undefined {
  try {
    parseArgs({
      args,
      options: { config: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      allowPositionals,
      strict: true,
    });
  } catch (e) {
    return argumentProblem(e, USAGE);
  }
  throw new Error(`parseArgs accepted ${JSON.stringify(args)}`);
}

describe("argumentProblem", () => {
  test.each([
    [["--config"], "--config: no value given"],
    [["--config", "--json"], '--config: no value given (the next argument starts with "-"; write --config=VALUE for a value that does)'],
    [["--json=yes"], "--json: takes no value"],
    [["--help=1"], "--help: takes no value"], // Node writes "-h, --help"
    [["--confg", "x"], "--confg: unknown option"],
    [["-x"], "-x: unknown option"],
    [["extra"], '"extra": unexpected argument; this command takes no positional arguments'],
  ])("%j: %s", (args, line) => {
    const problem = problemFor(args);
    expect(problem).toBe(`${line} (${USAGE})`);
    expect(problem).not.toMatch(/\n/);
  });

  test("an unknown option where positionals are allowed: one line, without Node's advice on '--'", () => {
    expect(problemFor(["--bogus"], true)).toBe(`--bogus: unknown option (${USAGE})`);
  });

  test("any other error is not an argument problem", () => {
    expect(argumentProblem(new Error("boom"), USAGE)).toBeUndefined();
    expect(argumentProblem(undefined, USAGE)).toBeUndefined();
    expect(argumentProblem(Object.assign(new Error("x"), { code: "ENOENT" }), USAGE)).toBeUndefined();
  });
});
