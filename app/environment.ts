/**
 * Which environment a command acts on: one rule and one implementation for every command (synth and the cdktf
 * commands that run it, export:hcl, diagram, preflight, squid-config, tf:check).
 *
 * `cdktf diff` and `cdktf deploy` run the app again with no arguments (cdktf.json `app`), passing only the output
 * folder (CDKTF_OUTDIR). So the environment is recorded where that run finds it: in the output folder's marker
 * (app/output/synth-folder.ts), with the config file's path and sha256. A command acts on, in this order:
 *   1. --config FILE;
 *   2. EGRESS6_CONFIG, the other way a user names a file;
 *   3. the environment the output folder (CDKTF_OUTDIR, else cdktf.out) records, if its config is unchanged since;
 *   4. the embedded demo, only when no output records an environment.
 * A recorded config edited (or gone) since the synth is refused: what would be deployed is not what was reviewed, and
 * `npm run synth -- --config FILE` (the explicit switch) synthesizes it for review first. Every command names the
 * environment it acts on, and how it was chosen, on stderr (environmentLine).
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { CONFIG_ENV, configLabel, MAX_CONFIG_BYTES, parseConfig, parseConfigText, readConfigBytes } from "../config/load";
import type { Egress6Config } from "../config/schema";
import { UserError } from "../lib/errors";
import { readRegularFile } from "../lib/read-file";
import { requireSynthRecord, SYNTH_MARKER, type ConfigOrigin } from "./output/synth-folder";

export { CONFIG_ENV };

export interface ChosenEnvironment {
  readonly config: Egress6Config;
  /** What goes into the new output's marker (a file path relative to the output folder). */
  readonly origin: ConfigOrigin;
  /** The config as the user knows it: a path relative to the current directory, or "(embedded demo)". */
  readonly source: string;
  readonly sha256: string;
  /** How it was chosen. */
  readonly chosenBy: "--config" | typeof CONFIG_ENV | "record" | "default";
  /** The configuration as read, before validation (for tools that vary it, such as tf:check's modes). */
  readonly input: unknown;
}

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The digest of the embedded demo (it changes only with egress6 itself). */
export function demoDigest(): string {
  return sha256(JSON.stringify(DEMO_CONFIG));
}

function shown(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

interface Loaded {
  readonly config: Egress6Config;
  readonly file?: string;
  readonly sha256: string;
  readonly input: unknown;
}

/** Loads a config file; `via` names the variable the file name came from, for messages. */
function loadFile(file: string, via?: string): Loaded {
  const bytes = readConfigBytes(file, via);
  const input = parseConfigText(file, bytes.toString("utf8"), via);
  return { config: parseConfig(input, configLabel(file, via)), file: path.resolve(file), sha256: sha256(bytes), input };
}

function loadDemo(): Loaded {
  return { config: parseConfig(DEMO_CONFIG, "(embedded demo)"), sha256: demoDigest(), input: DEMO_CONFIG };
}

const short = (digest: string) => digest.slice(0, 12);

/** Chooses the environment of a synth into `outdir` (see the module comment). */
export function chooseEnvironment(options: { flag?: string; outdir: string; env?: NodeJS.ProcessEnv; cwd?: string }): ChosenEnvironment {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const outdir = path.resolve(cwd, options.outdir);
  const outShown = shown(outdir, cwd);
  const finish = (loaded: Loaded, chosenBy: ChosenEnvironment["chosenBy"]): ChosenEnvironment => ({
    config: loaded.config,
    origin:
      loaded.file === undefined
        ? { kind: "demo", sha256: loaded.sha256 }
        : { kind: "file", path: path.relative(outdir, loaded.file), sha256: loaded.sha256 },
    source: loaded.file === undefined ? "(embedded demo)" : shown(loaded.file, cwd),
    sha256: loaded.sha256,
    chosenBy,
    input: loaded.input,
  });

  if (options.flag !== undefined) return finish(loadFile(options.flag), "--config");

  // EGRESS6_CONFIG names the environment as --config does. It may differ from the record: the user named it, the
  // stderr line says so, and a folder holding another environment's terraform working state is refused by the synth
  // (app/output/synth-folder.ts assertWorkingStateFits).
  const fromEnv = env[CONFIG_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return finish(loadFile(fromEnv, CONFIG_ENV), CONFIG_ENV);

  const record = requireSynthRecord(outdir, outShown);
  const recordedFile = record?.config.kind === "file" ? path.resolve(outdir, record.config.path) : undefined;
  const recordedShown =
    record === undefined
      ? ""
      : recordedFile !== undefined
        ? shown(recordedFile, cwd)
        : record.config.kind === "demo"
          ? "(embedded demo)"
          : "an in-memory config";
  const switchHint = (file: string) =>
    `to act on it, synthesize it for review first: npm run synth -- --config ${file}${outShown === "cdktf.out" ? "" : ` --out ${outShown}`}`;

  if (record === undefined) return finish(loadDemo(), "default");
  if (record.config.kind === "memory") {
    throw new UserError([
      `${outShown}/${SYNTH_MARKER}: written by a tool from an in-memory config (environment ${record.environment}) that cannot be read again; name the config: npm run synth -- --config FILE`,
    ]);
  }
  if (record.config.kind === "demo") {
    const demo = loadDemo();
    if (demo.sha256 !== record.config.sha256) {
      throw new UserError([
        `${outShown} was synthesized from an older embedded demo (sha256 ${short(record.config.sha256)}, now ${short(demo.sha256)}); review the new one first: npm run synth -- --config config/demo.json`,
      ]);
    }
    return finish(demo, "record");
  }
  // The same bounded read as a named config: a FIFO or /dev/zero left in the record's place never hangs.
  const read = readRegularFile(recordedFile!, MAX_CONFIG_BYTES);
  if (!read.ok) {
    throw new UserError([
      `${recordedShown}: the config ${outShown} was synthesized from cannot be read (${read.reason}); name the environment: npm run synth -- --config FILE`,
    ]);
  }
  const bytes = read.bytes;
  const digest = sha256(bytes);
  if (digest !== record.config.sha256) {
    throw new UserError([
      `${recordedShown} changed since it was synthesized into ${outShown} (sha256 ${short(record.config.sha256)}, now ${short(digest)}); what would be deployed is not what was reviewed. ${switchHint(recordedShown).replace(/^to act on it/, "To use the new content")}`,
    ]);
  }
  const input = parseConfigText(recordedFile!, bytes.toString("utf8"));
  return finish({ config: parseConfig(input, recordedShown), file: recordedFile, sha256: digest, input }, "record");
}

/** The output folder whose record the commands other than the synth follow: CDKTF_OUTDIR, else cdktf.out. */
export function defaultOutdir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CDKTF_OUTDIR || "cdktf.out";
}

/**
 * The environment of a command that reads a configuration but writes no synth output (export:hcl, diagram,
 * preflight, squid-config, tf:check): the same rule as the synth's, following the record of the default output
 * folder. `flag` is the command's --config.
 */
export function commandEnvironment(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): { chosen: ChosenEnvironment; line: string } {
  const outdir = defaultOutdir(env);
  const chosen = chooseEnvironment({ flag, outdir, env, cwd });
  return { chosen, line: environmentLine(chosen, outdir, cwd) };
}

/**
 * `commandEnvironment` for a command that reports every input problem at once: the problems of an unreadable or
 * invalid environment are added to `problems` and the result is undefined; so is the result for an empty `flag`,
 * which the command itself reports where its usage puts it.
 */
export function environmentOrProblems(
  flag: string | undefined,
  problems: string[],
  env: NodeJS.ProcessEnv = process.env,
): { config: Egress6Config; source: string; line: string } | undefined {
  if (flag === "") return undefined;
  try {
    const { chosen, line } = commandEnvironment(flag, env);
    return { config: chosen.config, source: chosen.source, line };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    problems.push(...e.problems);
    return undefined;
  }
}

/** The line every synth prints on stderr. */
export function environmentLine(chosen: ChosenEnvironment, outdir: string, cwd: string = process.cwd()): string {
  const how =
    chosen.chosenBy === "record"
      ? `, as recorded in ${shown(path.resolve(cwd, outdir), cwd)}/${SYNTH_MARKER}`
      : chosen.chosenBy === CONFIG_ENV
        ? `, from ${CONFIG_ENV}`
        : chosen.chosenBy === "default"
          ? ", the default"
          : "";
  const source = chosen.source === "(embedded demo)" ? "embedded demo" : chosen.source;
  return `egress6: environment ${chosen.config.name} (${source}, sha256 ${short(chosen.sha256)})${how}`;
}
