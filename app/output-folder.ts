/**
 * The output folder's safety rules. A synth replaces its output folder whole, so it must only ever replace a folder
 * an earlier egress6 synth made: one holding the marker file below (or, from before the marker existed, nothing but
 * a cdktf manifest of egress6's stacks). It never replaces a folder that contains the working tree, the project,
 * the current directory, the home directory or `/`, whatever is in it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UserError } from "../lib/errors";
import { STACKS } from "../lib/names";
import { projectRoot } from "../lib/paths";

/** Written into every output folder by a synth; its presence is what makes the folder replaceable. */
export const SYNTH_MARKER = ".egress6-synth";

/** The marker's `format`; a newer format is refused rather than misread. */
export const MARKER_FORMAT = 1;

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

/** A path with symbolic links resolved as far as it exists (the rest appended), so comparisons see real folders. */
function realish(p: string): string {
  const abs = path.resolve(p);
  const missing: string[] = [];
  for (let dir = abs; ; dir = path.dirname(dir)) {
    try {
      return path.join(fs.realpathSync(dir), ...missing.reverse());
    } catch {
      if (path.dirname(dir) === dir) return abs;
      missing.push(path.basename(dir));
    }
  }
}

/** The top of the git working tree holding `dir` (the nearest folder above it with a `.git`), if any. */
export function gitToplevel(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, ".git"))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** Folders no synth may replace, with the reason each is protected. */
export function protectedFolders(outdir: string, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): [string, string][] {
  const out: [string, string][] = [
    ["/", "the file system root"],
    [cwd, "the current directory"],
    [projectRoot(), "the egress6 project"],
  ];
  const home = env.HOME ?? os.homedir();
  if (home) out.push([home, "the home directory"]);
  for (const start of [cwd, path.dirname(path.resolve(outdir))]) {
    const top = gitToplevel(start);
    if (top !== undefined) out.push([top, "a git working tree"]);
  }
  return out;
}

/** Reads the marker of `dir`, or undefined when there is none or it is not egress6's. */
export function readSynthRecord(dir: string): SynthRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, SYNTH_MARKER), "utf8");
  } catch {
    return undefined;
  }
  try {
    const record = JSON.parse(text) as SynthRecord;
    if (typeof record.format !== "number" || typeof record.environment !== "string" || record.config === null || typeof record.config !== "object") return undefined;
    return record;
  } catch {
    return undefined;
  }
}

/**
 * A folder from before the marker: exactly `manifest.json` and `stacks/`, the manifest naming only egress6's
 * stacks, and `stacks/` holding only those stacks' folders.
 */
function isUnmarkedEgress6Output(dir: string, entries: string[]): boolean {
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
 * What `terraform init` leaves in a stack folder and a new synth keeps: the installed providers and modules, the
 * backend settings (`.terraform/`), and the dependency lock file, which users may commit.
 */
export const KEPT_TERRAFORM_FILES: readonly string[] = [".terraform", ".terraform.lock.hcl"];

/**
 * A fresh clone of a repository that commits the lock files: `stacks/<egress6 stack>/` holding nothing but
 * KEPT_TERRAFORM_FILES (the rest of the output folder is git-ignored).
 */
function onlyCommittedLockFiles(stacksDir: string, known: readonly string[]): boolean {
  try {
    const stacks = fs.readdirSync(stacksDir);
    return stacks.length > 0 && stacks.every((n) => known.includes(n) && fs.readdirSync(path.join(stacksDir, n)).every((f) => KEPT_TERRAFORM_FILES.includes(f)));
  } catch {
    return false;
  }
}

/**
 * Throws a one-line UserError unless `outdir` may be replaced by a synth: it does not exist, is an empty folder,
 * or holds an egress6 synth; and it contains none of the protected folders.
 */
export function assertReplaceable(outdir: string, origin: OutdirOrigin, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): void {
  const where = label(outdir, origin);
  const target = realish(path.resolve(cwd, outdir));
  for (const [folder, why] of protectedFolders(target, cwd, env)) {
    const real = realish(folder);
    const rel = path.relative(target, real);
    if (rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))) {
      throw new UserError([
        `${where}: refusing to write there: ${target} ${rel === "" ? "is" : "contains"} ${why} (${real}), which a synth would replace whole; choose a folder of its own such as cdktf.out`,
      ]);
    }
  }
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch {
    return; // missing: fine
  }
  if (!stat.isDirectory()) {
    throw new UserError([`${where}: refusing to replace ${target}: it is not a folder; choose a new or empty folder, or one an earlier synth wrote`]);
  }
  const entries = fs.readdirSync(target);
  if (entries.length === 0) return;
  if (entries.includes(SYNTH_MARKER)) {
    const record = readSynthRecord(target);
    if (record === undefined) {
      throw new UserError([`${where}: refusing to replace ${target}: its ${SYNTH_MARKER} is not an egress6 synth record; remove the folder yourself if it is yours to delete`]);
    }
    if (record.format > MARKER_FORMAT) {
      throw new UserError([`${where}: refusing to replace ${target}: a newer egress6 wrote it (marker format ${record.format}, this one knows ${MARKER_FORMAT})`]);
    }
    return;
  }
  if (isUnmarkedEgress6Output(target, entries)) return;
  const shown = entries.slice(0, 3).join(", ") + (entries.length > 3 ? `, ... (${entries.length} entries)` : "");
  throw new UserError([
    `${where}: refusing to replace ${target}: it holds files no egress6 synth wrote (${shown}) and no ${SYNTH_MARKER} marker; choose a new or empty folder`,
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
