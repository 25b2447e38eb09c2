/**
 * The HCL export's output folder rules. An export replaces its `--out` folder whole, so it only replaces a folder
 * that an earlier export wrote and that still holds only what that export wrote (the marker lists every file with
 * its sha256), plus what `terraform init` adds to a stack folder (`.terraform/`, `.terraform.lock.hcl`), which the
 * new export carries over. It never writes over a folder that is or contains the current directory, the project,
 * a git working tree, the home directory or `/`.
 *
 * The synth has the same rule for its own output (app/output-folder.ts on the safe-env branch); the two should
 * share one function once both are merged.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UserError } from "../../lib/errors";
import { projectRoot } from "../../lib/paths";

/** Written into every export folder; its presence (and its file list) is what makes the folder replaceable. */
export const EXPORT_MARKER = ".egress6-export";
export const EXPORT_MARKER_FORMAT = 1;

/** What `terraform init` writes into a stack folder; kept across exports, never listed in the marker. */
export const TERRAFORM_WORK_FILES = [".terraform", ".terraform.lock.hcl"] as const;

export interface ExportRecord {
  readonly format: number;
  readonly environment: string;
  readonly mode: string;
  /** Where the configuration came from, as the user named it. */
  readonly configSource: string;
  /** Stack folders, in the order they are applied. */
  readonly stacks: readonly string[];
  /** Every file the export wrote (relative, with `/`) and its sha256; the marker itself excluded. */
  readonly files: Readonly<Record<string, string>>;
}

export function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Every file under `dir` (relative, with `/`); folders named in `skip` (relative) are not entered. */
export function listFiles(dir: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full).split(path.sep).join("/");
      if (skip(rel)) continue;
      if (e.isDirectory()) walk(full);
      else out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

/** A path with symbolic links resolved as far as it exists. */
function realish(p: string): string {
  const missing: string[] = [];
  for (let dir = path.resolve(p); ; dir = path.dirname(dir)) {
    try {
      return path.join(fs.realpathSync(dir), ...missing.reverse());
    } catch {
      if (path.dirname(dir) === dir) return path.resolve(p);
      missing.push(path.basename(dir));
    }
  }
}

function gitToplevel(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, ".git"))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

export function readExportRecord(dir: string): ExportRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(dir, EXPORT_MARKER), "utf8")) as ExportRecord;
    if (typeof record.format !== "number" || !Array.isArray(record.stacks) || record.files === null || typeof record.files !== "object") return undefined;
    return record;
  } catch {
    return undefined;
  }
}

/** True when `rel` (relative to the export folder) is terraform's working data inside a stack folder of `stacks`. */
export function isTerraformWorkFile(rel: string, stacks: readonly string[]): boolean {
  const [stack, first] = rel.split("/");
  return stacks.includes(stack) && (TERRAFORM_WORK_FILES as readonly string[]).includes(first ?? "");
}

/**
 * Throws a UserError (one line) unless `outdir` may be replaced by an export; returns the previous export's record
 * when there is one.
 */
export function assertExportTarget(outdir: string, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): ExportRecord | undefined {
  const where = `--out ${outdir}`;
  const target = realish(path.resolve(cwd, outdir));
  const guarded: [string, string][] = [
    ["/", "the file system root"],
    [cwd, "the current directory"],
    [projectRoot(), "the egress6 project"],
  ];
  const home = env.HOME ?? os.homedir();
  if (home) guarded.push([home, "the home directory"]);
  for (const start of [cwd, path.dirname(target), target]) {
    const top = gitToplevel(start);
    if (top !== undefined) guarded.push([top, "a git working tree"]);
  }
  for (const [folder, why] of guarded) {
    const real = realish(folder);
    const rel = path.relative(target, real);
    if (rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))) {
      throw new UserError([`${where}: refusing to write there: ${target} ${rel === "" ? "is" : "contains"} ${why} (${real}), which an export replaces whole; name a folder of its own, such as hcl`]);
    }
  }
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch {
    return undefined;
  }
  if (!stat.isDirectory()) throw new UserError([`${where}: refusing to replace ${target}: it is not a folder; name a new or empty folder, or one an earlier export wrote`]);
  const entries = fs.readdirSync(target);
  if (entries.length === 0) return undefined;
  if (!entries.includes(EXPORT_MARKER)) {
    const shown = entries.slice(0, 3).join(", ") + (entries.length > 3 ? `, ... (${entries.length} entries)` : "");
    throw new UserError([`${where}: refusing to replace ${target}: it holds files no egress6 export wrote (${shown}) and no ${EXPORT_MARKER} marker; name a new or empty folder`]);
  }
  const record = readExportRecord(target);
  if (record === undefined) throw new UserError([`${where}: refusing to replace ${target}: its ${EXPORT_MARKER} is not an egress6 export record; remove the folder yourself if it is yours to delete`]);
  if (record.format > EXPORT_MARKER_FORMAT) throw new UserError([`${where}: refusing to replace ${target}: a newer egress6 wrote it (marker format ${record.format}, this one knows ${EXPORT_MARKER_FORMAT})`]);
  const foreign: string[] = [];
  for (const rel of listFiles(target, (r) => isTerraformWorkFile(r, record.stacks))) {
    if (rel === EXPORT_MARKER) continue;
    const want = record.files[rel];
    if (want === undefined) foreign.push(`${rel} (not written by the export)`);
    else if (sha256(path.join(target, rel)) !== want) foreign.push(`${rel} (changed since the export)`);
  }
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(", ") + (foreign.length > 3 ? `, ... (${foreign.length} files)` : "");
    throw new UserError([`${where}: refusing to replace ${target}: an export wrote it, but it now holds ${shown}; move those files out first, or name another folder`]);
  }
  return record;
}
