/**
 * Updating a synthesized folder in place, for a folder other programs also keep files in (Atlantis: each stack dir
 * holds `.terraform/`, `.terraform.lock.hcl` and the saved plan of its project).
 *
 * A file is written only when its bytes change, so a stack whose output did not change is not touched at all. Only
 * files that the previous update wrote (listed in the record) and that the new output no longer has are removed;
 * every other file in the folder is left as it is. The record is written last: a folder whose record does not match
 * its files was not brought up to date, and readers refuse it (see `checkRecord`).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../lib/errors";

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

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Every file under `dir`, relative and `/`-separated, sorted; symbolic links and special files are refused. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push(child);
      else throw new UserError([`${path.join(dir, child)}: not a regular file or folder; a synthesized output holds only files`]);
    }
  };
  walk("");
  return out.sort();
}

/** The record of `dir`, `undefined` when it has none; a record that cannot be read is a UserError. */
export function readRecord(dir: string): OutputRecord | undefined {
  const file = path.join(dir, RECORD_FILE);
  if (!fs.existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UserError([`${file}: not valid JSON (${(e as Error).message}); it is written by egress6, do not edit it`]);
  }
  const record = json as Partial<OutputRecord>;
  if (record.version !== RECORD_VERSION || typeof record.files !== "object" || record.files === null || typeof record.about !== "object" || record.about === null) {
    throw new UserError([`${file}: not a record egress6 version ${RECORD_VERSION} wrote (expected version, about and files)`]);
  }
  return record as OutputRecord;
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
export function checkTarget(target: string): OutputRecord | undefined {
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) {
    throw new UserError([`${target}: not a folder; refusing to write a synthesized output there`]);
  }
  const previous = fs.existsSync(target) ? readRecord(target) : undefined;
  if (previous === undefined && fs.existsSync(target) && fs.readdirSync(target).length > 0) {
    throw new UserError([`${target}: the folder is not empty and has no ${RECORD_FILE}, so egress6 did not write it; refusing to write into it (move it away or name another folder)`]);
  }
  return previous;
}

/**
 * Brings `target` in line with `source` (a freshly synthesized folder), as described at the top of this file.
 * `target` may be missing or empty; a non-empty folder without a record is refused (egress6 did not write it).
 */
export function updateInPlace(source: string, target: string, about: Record<string, string | null>): UpdateResult {
  const previous = checkTarget(target);
  const files: Record<string, string> = {};
  const written: string[] = [];
  let unchanged = 0;
  for (const rel of listFiles(source)) {
    if (rel === RECORD_FILE) continue;
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
    // Only a file that is still exactly what egress6 wrote; anything else is someone else's now.
    if (!fs.existsSync(file) || sha256(fs.readFileSync(file)) !== digest) continue;
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
