/**
 * The output folder's safety rules. A synth replaces its output folder whole, so it must only ever replace a folder
 * an earlier egress6 synth made: one holding the marker file below (or, from before the marker existed, nothing but
 * a cdktf manifest of egress6's stacks). It never replaces a folder that contains the working tree, the project,
 * the current directory, the home directory or `/`, whatever is in it (the rules the export and the Atlantis
 * update share are in app/output/owned-folder.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../../lib/errors";
import { STACKS } from "../../lib/names";
import { projectRoot } from "../../lib/paths";
import {
  assertNotNested,
  assertNotProtected,
  assertOwnedFolder,
  readMarker,
  realish,
  TERRAFORM_WORK_FILES,
  type MarkerKind,
  type Writer,
} from "./owned-folder";

/** Written into every output folder by a synth; its presence is what makes the folder replaceable. */
export const SYNTH_MARKER = ".egress6-synth";

/**
 * The marker's `format`; a newer format is refused rather than misread. 2: the generation layout below (format 1
 * was a plain folder, replaced whole by four renames; it is still read, and converted by the next synth).
 */
export const MARKER_FORMAT = 2;

/**
 * The layout of an output folder (format 2), which lets a synth switch from one output to the next in one atomic
 * step while terraform's working files never move:
 *
 *   OUT/.egress6/gen-<id>/           one whole synthesized output (manifest.json, stacks/..., the marker)
 *   OUT/.egress6/current -> gen-<id> the output in force; a synth replaces this one link with rename(2)
 *   OUT/manifest.json, OUT/.egress6-synth -> .egress6/current/<name>
 *   OUT/stacks/<stack>/               a real folder, terraform's working directory, holding
 *     cdk.tf.json, assets -> ../../.egress6/current/stacks/<stack>/<name>
 *     .terraform/, .terraform.lock.hcl   terraform's own, never moved (the lock file may be committed)
 *
 * Every generated path reads through `current`, so at every instant it resolves into one whole generation.
 */
export const LAYOUT_DIR = ".egress6";
/** The link, inside LAYOUT_DIR, naming the generation in force. */
export const CURRENT_LINK = "current";
/** Written first into every generation folder: what lets a later synth recognise (and remove) one a killed run left. */
export const GENERATION_MARKER = ".egress6-generation";

/**
 * The folder holding the plain files of the output in force: the generation `OUT/.egress6/current` names, or
 * `outdir` itself for an output in the plain layout of format 1 (or none). Readers that list files (rather than
 * open known paths, which work through the links) read this one.
 */
export function currentGeneration(outdir: string): string {
  const link = path.join(outdir, LAYOUT_DIR, CURRENT_LINK);
  try {
    return path.join(outdir, LAYOUT_DIR, fs.readlinkSync(link));
  } catch {
    return outdir;
  }
}

/** Where the configuration of a synth came from. */
export type ConfigOrigin =
  | { readonly kind: "file"; readonly path: string; readonly sha256: string }
  | { readonly kind: "demo"; readonly sha256: string }
  /** Built in memory by a tool (tf:check, bench): nothing a later run can re-read. */
  | { readonly kind: "memory" };

/** The marker file's content. */
export interface SynthRecord {
  readonly format: number;
  /** egress6's package version that wrote it. */
  readonly egress6: string;
  /** The environment's `name`. */
  readonly environment: string;
  /** `config.path` is relative to the output folder, so the record survives moving the project. */
  readonly config: ConfigOrigin;
}

/** Describes the output folder in messages: `--out X`, or the variable cdktf passes it in. */
export type OutdirOrigin = "--out" | "CDKTF_OUTDIR" | "default";

function label(outdir: string, origin: OutdirOrigin): string {
  if (origin === "--out") return `--out ${outdir}`;
  if (origin === "CDKTF_OUTDIR") return `CDKTF_OUTDIR=${outdir} (cdktf synth -o)`;
  return outdir;
}

const SYNTH_MARKER_KIND: MarkerKind<SynthRecord> = {
  name: SYNTH_MARKER,
  format: MARKER_FORMAT,
  formatOf: (r) => r.format,
  valid: (j) => typeof j.format === "number" && typeof j.environment === "string" && j.config !== null && typeof j.config === "object",
};

/** Reads the marker of `dir`, or undefined when there is none or it is not egress6's. */
export function readSynthRecord(dir: string): SynthRecord | undefined {
  const read = readMarker<SynthRecord>(dir, SYNTH_MARKER, SYNTH_MARKER_KIND.valid);
  return read.state === "ok" ? read.record : undefined;
}

/**
 * The record of `outdir` for choosing an environment: undefined only when the folder is missing or empty. Anything
 * else without a readable record (an invalid or unreadable marker, a dangling `.egress6/current` link, files and no
 * marker) is a one-line UserError naming the folder: it is never read as "no record", which would mean the demo.
 */
export function requireSynthRecord(outdir: string, shownName: string = outdir): SynthRecord | undefined {
  const fix = `name the environment: npm run synth -- --config FILE --out ${shownName}`;
  const refuse = (why: string) => new UserError([`${shownName}: ${why}; ${fix}`]);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(outdir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      let dangling = false;
      try {
        dangling = fs.lstatSync(outdir).isSymbolicLink();
      } catch {
        dangling = false;
      }
      if (!dangling) return undefined;
      throw refuse("is a link to nothing, so it records no environment");
    }
    throw refuse(`cannot be read (${code ?? String(e)})`);
  }
  if (!stat.isDirectory()) throw refuse("is not a folder, so it records no environment");
  let entries: string[];
  try {
    entries = fs.readdirSync(outdir);
  } catch (e) {
    throw refuse(`cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (entries.length === 0) return undefined;
  const link = path.join(outdir, LAYOUT_DIR, CURRENT_LINK);
  let linkStat: fs.Stats | undefined;
  try {
    linkStat = fs.lstatSync(link);
  } catch {
    linkStat = undefined;
  }
  if (linkStat !== undefined && !fs.existsSync(link)) {
    throw refuse(
      `its ${LAYOUT_DIR}/${CURRENT_LINK} link is dangling (names ${fs.readlinkSync(link)}, which is gone), so the output in force is unknown`,
    );
  }
  const read = readMarker<SynthRecord>(outdir, SYNTH_MARKER, SYNTH_MARKER_KIND.valid);
  if (read.state === "invalid")
    throw refuse(`its ${SYNTH_MARKER} marker ${read.reason}, so the environment it was synthesized for is unknown`);
  if (read.state === "missing") throw refuse(`it holds files but no ${SYNTH_MARKER} marker, so it records no environment`);
  if (read.record.format > MARKER_FORMAT)
    throw refuse(`a newer egress6 wrote its ${SYNTH_MARKER} (format ${read.record.format}, this one knows ${MARKER_FORMAT})`);
  return read.record;
}

/**
 * A folder from before the marker: exactly `manifest.json` and `stacks/`, the manifest naming only egress6's
 * stacks, and `stacks/` holding only those stacks' folders.
 */
function isUnmarkedEgress6Output(dir: string, entries: readonly string[]): boolean {
  const known: readonly string[] = ["bootstrap", ...STACKS];
  if (entries.length === 1 && entries[0] === "stacks") return onlyCommittedLockFiles(path.join(dir, "stacks"), known);
  if (entries.length !== 2 || !entries.includes("manifest.json") || !entries.includes("stacks")) return false;
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as { stacks?: Record<string, unknown> };
    const names = Object.keys(manifest.stacks ?? {});
    if (names.length === 0 || !names.every((n) => known.includes(n))) return false;
    return fs.readdirSync(path.join(dir, "stacks")).every((n) => known.includes(n));
  } catch {
    return false;
  }
}

/**
 * A fresh clone of a repository that commits the lock files: `stacks/<egress6 stack>/` holding nothing but
 * TERRAFORM_WORK_FILES (the rest of the output folder is git-ignored).
 */
function onlyCommittedLockFiles(stacksDir: string, known: readonly string[]): boolean {
  try {
    const stacks = fs.readdirSync(stacksDir);
    return (
      stacks.length > 0 &&
      stacks.every((n) => known.includes(n) && fs.readdirSync(path.join(stacksDir, n)).every((f) => TERRAFORM_WORK_FILES.includes(f)))
    );
  } catch {
    return false;
  }
}

/**
 * Throws a one-line UserError unless `outdir` may be replaced by a synth: it does not exist, is an empty folder,
 * or holds an egress6 synth; and it contains none of the protected folders (app/output/owned-folder.ts).
 */
export function assertReplaceable(
  outdir: string,
  origin: OutdirOrigin,
  cwd: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): void {
  const writer: Writer = { where: label(outdir, origin), noun: "synth", verb: "replace", example: "cdktf.out" };
  const target = realish(path.resolve(cwd, outdir));
  assertNotProtected(target, writer, cwd, env);
  assertOwnedFolder(target, writer, SYNTH_MARKER_KIND, (entries) => isUnmarkedEgress6Output(target, entries));
  assertNotNested(target, writer);
}

/**
 * Throws a one-line UserError when `outdir` holds another environment's terraform working state: a stack folder's
 * `.terraform/` (backend settings, from `terraform init`) written for the environment the marker records. Synthesizing
 * a second environment there would make `cdktf diff` ask for `-migrate-state`, which copies one environment's state
 * into the other's; so each environment gets an output folder of its own. A folder without working state (never
 * initialised) may switch environments freely.
 */
export function assertWorkingStateFits(outdir: string, environment: string, origin: OutdirOrigin, cwd: string = process.cwd()): void {
  const target = path.resolve(cwd, outdir);
  let stacks: string[];
  try {
    stacks = fs.readdirSync(path.join(target, "stacks")).filter((s) => fs.existsSync(path.join(target, "stacks", s, ".terraform")));
  } catch {
    return;
  }
  if (stacks.length === 0) return;
  const recorded = readSynthRecord(target)?.environment;
  if (recorded === environment) return;
  const held = `stacks/${stacks[0]}/.terraform${stacks.length > 1 ? ` and ${stacks.length - 1} more` : ""}`;
  const whose = recorded === undefined ? "an environment it does not record" : `environment ${recorded}`;
  const suggestion = path.join(path.dirname(outdir), `${path.basename(outdir)}.${environment}`);
  throw new UserError([
    `${label(outdir, origin)}: holds the terraform working state of ${whose} (${held}); synthesizing environment ${environment} there would let cdktf diff copy one environment's state into the other's (-migrate-state); use --out ${suggestion} for ${environment}`,
  ]);
}

/** The package version written into the marker. */
export function egress6Version(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(projectRoot(), "package.json"), "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Writes the marker into a freshly synthesized folder. */
export function writeSynthRecord(dir: string, record: SynthRecord): void {
  fs.writeFileSync(path.join(dir, SYNTH_MARKER), `${JSON.stringify(record, null, 2)}\n`);
}
