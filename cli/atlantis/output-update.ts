/**
 * Updating a synthesized folder in place, for a folder other programs also keep files in (Atlantis: each stack dir
 * holds `.terraform/`, `.terraform.lock.hcl` and the saved plan of its project).
 *
 * A file is written only when its bytes change, so a stack whose output did not change is not touched at all. Only
 * files that the previous update wrote (listed in the record) and that the new output no longer has are removed;
 * every other file in the folder is left as it is. The record is written last: a folder whose record does not match
 * its files was not brought up to date, and readers refuse it (see `checkRecord`). Like the synth and the export,
 * it never writes into a folder that is or contains the current directory, the project, a git working tree, the
 * home directory or `/`, nor into a folder another program wrote (app/output/owned-folder.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../../lib/errors";
import {
  assertNotNested,
  assertNotProtected,
  assertOwnedFolder,
  listFiles,
  readMarker,
  realish,
  sha256,
  type MarkerKind,
  type Writer,
} from "../../app/output/owned-folder";

export { listFiles, sha256 };

/** The record of what an update wrote, kept in the updated folder itself. */
export const RECORD_FILE = ".egress6-output.json";
const RECORD_VERSION = 1;

export interface OutputRecord {
  readonly version: number;
  /** What the folder holds (for people and for the readers' checks), e.g. the environment and its config. */
  readonly about: Readonly<Record<string, string | null>>;
  /** Every file the update wrote, relative to the folder (`/`-separated), and its sha256. */
  readonly files: Readonly<Record<string, string>>;
}

export interface UpdateResult {
  /** Files written because they were new or their bytes changed. */
  readonly written: readonly string[];
  /** Files removed because the previous update wrote them and the new output does not have them. */
  readonly removed: readonly string[];
  /** Files already identical (not touched). */
  readonly unchanged: number;
}

const RECORD_KIND: MarkerKind<OutputRecord> = {
  name: RECORD_FILE,
  format: RECORD_VERSION,
  formatOf: (r) => r.version,
  valid: (j) =>
    typeof j.version === "number" && typeof j.files === "object" && j.files !== null && typeof j.about === "object" && j.about !== null,
};

/** The record of `dir`, `undefined` when it has none; a record that cannot be read, or a newer one, is a UserError. */
export function readRecord(dir: string): OutputRecord | undefined {
  const file = path.join(dir, RECORD_FILE);
  const read = readMarker<OutputRecord>(dir, RECORD_FILE, RECORD_KIND.valid);
  if (read.state === "missing") return undefined;
  if (read.state === "invalid")
    throw new UserError([`${file}: ${read.reason} (expected version, about and files); it is written by egress6, do not edit it`]);
  if (read.record.version > RECORD_VERSION)
    throw new UserError([`${file}: a newer egress6 wrote it (version ${read.record.version}, this one knows ${RECORD_VERSION})`]);
  const problems = Object.entries(read.record.files).flatMap(([rel, digest]) => {
    const why =
      relativePathProblem(rel) ??
      (typeof digest === "string" && /^[0-9a-f]{64}$/.test(digest) ? undefined : "its sha256 is not 64 hex digits");
    return why === undefined
      ? []
      : [
          `${file}: files: ${JSON.stringify(rel)}: ${why}; an update only lists plain paths inside its folder, so the record was edited: remove the folder yourself if it is yours to delete`,
        ];
  });
  if (problems.length > 0) throw new UserError(problems.slice(0, 1));
  return read.record;
}

/**
 * Why `rel` is not a plain path inside a folder (`stacks/network/cdk.tf.json`), or undefined when it is: no absolute
 * path, no `..` or `.` segment, no empty segment, no backslash or NUL.
 */
export function relativePathProblem(rel: string): string | undefined {
  if (rel === "") return "an empty path";
  if (rel.includes("\\") || rel.includes("\0")) return "holds a backslash or NUL; accepted: a /-separated path inside the folder";
  if (path.posix.isAbsolute(rel) || path.win32.isAbsolute(rel)) return "an absolute path; accepted: a path inside the folder";
  const segments = rel.split("/");
  if (segments.includes("..")) return "climbs out with ..; accepted: a path inside the folder";
  if (segments.some((s) => s === "" || s === ".")) return "has an empty or . segment; accepted: a plain /-separated path";
  return undefined;
}

/**
 * Why the path `rel` of `target` would leave it, or undefined: a folder on the way (or the file itself) that is a
 * symbolic link, which could point anywhere. Atlantis's own links (inside `.terraform/`) are never on such a path.
 */
function linkOnPath(target: string, rel: string): string | undefined {
  let at = target;
  for (const segment of rel.split("/")) {
    at = path.join(at, segment);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(at);
    } catch {
      return undefined; // the rest does not exist yet: it will be created as plain folders and files
    }
    if (st.isSymbolicLink())
      return `${at}: a symbolic link (to ${fs.readlinkSync(at)}) on the way to ${rel}; an update writes and removes only plain files inside its folder: remove the link`;
  }
  return undefined;
}

/**
 * What `updateInPlace` checks before it writes anything into `target`: a one-line UserError unless `target` is
 * missing, empty, or holds the record of an earlier update, and is not and contains none of the protected folders;
 * otherwise the previous record. Callers updating several folders check them all first, so that a refusal leaves
 * every one untouched.
 */
export function checkTarget(target: string, where: string = target, files: readonly string[] = []): OutputRecord | undefined {
  const writer: Writer = { where, noun: "Atlantis update", verb: "write into", example: "atlantis.out/<environment>" };
  const real = realish(target);
  assertNotProtected(real, writer);
  const previous = assertOwnedFolder(real, writer, RECORD_KIND);
  assertNotNested(real, writer);
  if (previous !== undefined) readRecord(real); // the paths it lists: plain, inside the folder
  // Nothing written or removed may go through a symbolic link: the files of the new output and those of the record.
  for (const rel of [...files, ...Object.keys(previous?.files ?? {})]) {
    const link = linkOnPath(target, rel);
    if (link !== undefined) throw new UserError([`${where}: refusing to write into ${real}: ${link}`]);
  }
  return previous;
}

/** Writes `text` to `file` through a temporary sibling and a rename, so a reader never sees half a file. */
function writeAtomically(file: string, data: Buffer | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.egress6-${process.pid}.tmp`;
  fs.writeFileSync(temporary, data);
  fs.renameSync(temporary, file);
}

/**
 * What `updateInPlace` checks before it writes anything into `target`: the record of the previous update (undefined
 * when `target` is missing or empty), or a UserError when the folder is not one egress6 wrote or its record cannot
 * be read. Callers updating several folders check them all first, so that a refusal leaves every one untouched.
 */
export function updateInPlace(source: string, target: string, about: Record<string, string | null>, where: string = target): UpdateResult {
  // The source's own markers (a synth's generation marker) are not part of the output.
  const sourceFiles = listFiles(source).filter((rel) => rel !== RECORD_FILE && rel !== ".egress6-generation");
  const previous = checkTarget(target, where, sourceFiles);
  const files: Record<string, string> = {};
  const written: string[] = [];
  let unchanged = 0;
  for (const rel of sourceFiles) {
    const data = fs.readFileSync(path.join(source, rel));
    const digest = sha256(data);
    files[rel] = digest;
    const destination = path.join(target, rel);
    if (fs.existsSync(destination) && fs.statSync(destination).isFile() && sha256(fs.readFileSync(destination)) === digest) {
      unchanged++;
      continue;
    }
    writeAtomically(destination, data);
    written.push(rel);
  }
  const removed: string[] = [];
  for (const [rel, digest] of Object.entries(previous?.files ?? {})) {
    if (rel in files) continue;
    const file = path.join(target, rel);
    // Only a plain file inside the folder (checkTarget refused anything else) that is still exactly what egress6
    // wrote; anything else is someone else's now.
    if (relativePathProblem(rel) !== undefined || linkOnPath(target, rel) !== undefined) continue;
    if (!fs.existsSync(file) || !fs.lstatSync(file).isFile() || sha256(fs.readFileSync(file)) !== digest) continue;
    fs.rmSync(file);
    removed.push(rel);
    removeEmptyParents(path.dirname(file), target);
  }
  const record: OutputRecord = { version: RECORD_VERSION, about, files };
  writeAtomically(path.join(target, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
  return { written, removed, unchanged };
}

/** Removes `dir` and its parents up to (not including) `stop` while they are empty. */
function removeEmptyParents(dir: string, stop: string): void {
  for (let d = dir; path.resolve(d) !== path.resolve(stop) && d.startsWith(stop); d = path.dirname(d)) {
    if (fs.readdirSync(d).length > 0) return;
    fs.rmdirSync(d);
  }
}

/**
 * Problems (one line each) when `files` of `dir` are not what its record says an update wrote: the folder is stale,
 * was edited, or an update stopped half-way.
 */
export function checkRecord(dir: string, record: OutputRecord, files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const rel of files) {
    const expected = record.files[rel];
    const file = path.join(dir, rel);
    if (expected === undefined) problems.push(`${file}: not in ${path.join(dir, RECORD_FILE)}, so not written by the last synth`);
    else if (!fs.existsSync(file)) problems.push(`${file}: missing, but the last synth wrote it`);
    else if (sha256(fs.readFileSync(file)) !== expected) problems.push(`${file}: changed since the last synth wrote it`);
  }
  return problems;
}
