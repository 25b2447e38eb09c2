/**
 * What the three writers of an output folder share: the synth (app/output/synth-folder.ts: replaces its folder whole),
 * the HCL export (cli/export-hcl/export-folder.ts: replaces its folder whole, and only if nothing in it changed) and the
 * Atlantis update (cli/atlantis/output-update.ts: writes into its folder in place).
 *
 * - None of them ever writes to a folder that is or contains `/`, the current directory, the egress6 project, the
 *   home directory or a git working tree (assertNotProtected).
 * - Each marks its folder with a JSON record of its own; a folder is theirs only when it holds that record, and a
 *   record a newer egress6 wrote is refused rather than misread (readMarker, assertOwnedFolder).
 * - A folder that is not empty and has no record was not written by them, and is refused (assertOwnedFolder).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UserError } from "../../lib/errors";
import { projectRoot } from "../../lib/paths";

/** What `terraform init` leaves in a stack folder; each writer keeps it across runs and never lists it. */
export const TERRAFORM_WORK_FILES: readonly string[] = [".terraform", ".terraform.lock.hcl"];

/** A path with symbolic links resolved as far as it exists (the rest appended), so comparisons see real folders. */
export function realish(p: string): string {
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

/** Folders no writer may write over, with the reason each is protected. */
export function protectedFolders(target: string, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): [string, string][] {
  const out: [string, string][] = [
    ["/", "the file system root"],
    [cwd, "the current directory"],
    [projectRoot(), "the egress6 project"],
  ];
  const home = env.HOME ?? os.homedir();
  if (home) out.push([home, "the home directory"]);
  for (const start of [cwd, path.dirname(path.resolve(target)), target]) {
    const top = gitToplevel(start);
    if (top !== undefined) out.push([top, "a git working tree"]);
  }
  return out;
}

/** How messages speak of one writer. */
export interface Writer {
  /** The flag or variable that named the folder, e.g. `--out x`. */
  readonly where: string;
  /** "synth", "export", "Atlantis update". */
  readonly noun: string;
  /** What the writer does to the folder: "replace" (whole) or "write into". */
  readonly verb: "replace" | "write into";
  /** An example of a folder of its own, e.g. cdktf.out. */
  readonly example: string;
}

const article = (noun: string) => (/^[aeiou]/i.test(noun) ? "an" : "a");

/**
 * Throws a one-line UserError when `target` (absolute, links resolved) is or contains a protected folder.
 */
export function assertNotProtected(
  target: string,
  writer: Writer,
  cwd: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): void {
  for (const [folder, why] of protectedFolders(target, cwd, env)) {
    const real = realish(folder);
    const rel = path.relative(target, real);
    if (rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))) {
      const does = writer.verb === "replace" ? "replaces whole" : "writes into";
      throw new UserError([
        `${writer.where}: refusing to write there: ${target} ${rel === "" ? "is" : "contains"} ${why} (${real}), which ${article(writer.noun)} ${writer.noun} ${does}; choose a folder of its own such as ${writer.example}`,
      ]);
    }
  }
}

/**
 * The marker of each writer (the synth's, the export's, the Atlantis update's): a folder holding one is an egress6
 * output, replaced or rewritten by its writer. A test checks these are the writers' own names.
 */
export const OUTPUT_MARKERS: readonly string[] = [".egress6-synth", ".egress6-export", ".egress6-output.json"];

/** Names a writer never enters when it looks inside its folder: terraform's working data and egress6's own area. */
const NOT_ENTERED: readonly string[] = [".terraform", ".egress6"];

/**
 * Throws a one-line UserError when `target` (absolute, links resolved) lies inside another egress6 output, or holds
 * one, or holds Terraform state: the writer (or the next writer of the outer folder) would delete it. An output and
 * its state must each have a folder no other output contains (`--out cdktf.out/nested` put `nested/` and its local
 * state under `cdktf.out/`, which the next plain synth deleted).
 */
export function assertNotNested(target: string, writer: Writer): void {
  const refuse = (why: string) => new UserError([`${writer.where}: refusing to ${writer.verb} ${target}: ${why}`]);
  const markerOf = (dir: string) =>
    OUTPUT_MARKERS.find((m) => {
      try {
        fs.lstatSync(path.join(dir, m));
        return true;
      } catch {
        return false;
      }
    });
  for (let d = path.dirname(target); ; d = path.dirname(d)) {
    const marker = markerOf(d);
    if (marker !== undefined) {
      throw refuse(
        `it lies inside ${d}, an egress6 output (${marker}), whose next synth or update would delete it and any state kept in it; choose a folder outside it, such as ${path.join(path.dirname(d), `${path.basename(d)}.${path.basename(target)}`)}`,
      );
    }
    if (path.dirname(d) === d) break;
  }
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch {
    return;
  }
  if (!stat.isDirectory()) return;
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (NOT_ENTERED.includes(entry.name)) continue;
        const marker = markerOf(full);
        if (marker !== undefined)
          throw refuse(
            `it holds ${full}, another egress6 output (${marker}), which ${article(writer.noun)} ${writer.noun} here would delete; move it out first`,
          );
        walk(full);
      } else if (/\.tfstate($|\.)/.test(entry.name)) {
        throw refuse(
          `it holds Terraform state, ${full}, which ${article(writer.noun)} ${writer.noun} here would delete; move it out first (egress6 keeps local state in .state/ beside the output)`,
        );
      }
    }
  };
  walk(target);
}

export type MarkerRead<R> =
  { readonly state: "missing" } | { readonly state: "invalid"; readonly reason: string } | { readonly state: "ok"; readonly record: R };

/** Reads the JSON record `name` of `dir`; `valid` says whether parsed JSON has the record's shape. */
export function readMarker<R>(dir: string, name: string, valid: (json: Record<string, unknown>) => boolean): MarkerRead<R> {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, name), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { state: "missing" };
    return { state: "invalid", reason: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { state: "invalid", reason: `is not valid JSON (${(e as Error).message})` };
  }
  if (json === null || typeof json !== "object" || Array.isArray(json) || !valid(json as Record<string, unknown>)) {
    return { state: "invalid", reason: "is not a record egress6 wrote" };
  }
  return { state: "ok", record: json as R };
}

/** The record kind a writer keeps in its folder. */
export interface MarkerKind<R> {
  readonly name: string;
  /** The newest format this egress6 writes and reads. */
  readonly format: number;
  readonly formatOf: (record: R) => number;
  readonly valid: (json: Record<string, unknown>) => boolean;
}

/**
 * Throws a one-line UserError unless `target` (absolute) may be written by `writer`: it is missing, an empty folder,
 * or a folder holding `marker`'s record in a format this egress6 knows. Returns that record, if any. `unmarked`
 * may accept a folder without the record (the synth's output from before the marker existed).
 */
export function assertOwnedFolder<R>(
  target: string,
  writer: Writer,
  marker: MarkerKind<R>,
  unmarked?: (entries: readonly string[]) => boolean,
): R | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch {
    return undefined; // missing: fine
  }
  const refuse = (why: string) => new UserError([`${writer.where}: refusing to ${writer.verb} ${target}: ${why}`]);
  if (!stat.isDirectory()) throw refuse(`it is not a folder; choose a new or empty folder, or one an earlier ${writer.noun} wrote`);
  const entries = fs.readdirSync(target);
  if (entries.length === 0) return undefined;
  const read = readMarker<R>(target, marker.name, marker.valid);
  if (read.state === "missing") {
    if (unmarked?.(entries)) return undefined;
    const shown = entries.slice(0, 3).join(", ") + (entries.length > 3 ? `, ... (${entries.length} entries)` : "");
    throw refuse(`it holds files no egress6 ${writer.noun} wrote (${shown}) and no ${marker.name} marker; choose a new or empty folder`);
  }
  if (read.state === "invalid") {
    throw refuse(
      `its ${marker.name} ${read.reason}, so it is not an egress6 ${writer.noun} record; remove the folder yourself if it is yours to delete`,
    );
  }
  const format = marker.formatOf(read.record);
  if (format > marker.format) throw refuse(`a newer egress6 wrote it (marker format ${format}, this one knows ${marker.format})`);
  return read.record;
}

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export function fileSha256(file: string): string {
  return sha256(fs.readFileSync(file));
}

/**
 * Every file under `dir`, relative and `/`-separated, sorted; paths for which `skip` is true (relative) are left
 * out and not entered. Symbolic links and special files are refused: an output folder holds only files.
 */
export function listFiles(dir: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (skip(child)) continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push(child);
      else throw new UserError([`${path.join(dir, child)}: not a regular file or folder; an egress6 output folder holds only files`]);
    }
  };
  walk("");
  return out.sort();
}

/**
 * Replaces `target` with `staging` (a sibling), first moving each [from, to] of `carry` (terraform's working files
 * of the previous output into the new one). A failure at any point before the final swap leaves the previous
 * output exactly as it was.
 */
/** The steps of swapIn a test may stop at (EGRESS6_TEST_KILL_AT=<step>: the process SIGKILLs itself there). */
function swapStep(step: "export-carried" | "export-aside"): void {
  if (process.env.EGRESS6_TEST_KILL_AT === step) process.kill(process.pid, "SIGKILL");
}

/**
 * Puts back what a swapIn killed part-way left beside `target`, in folders named `.<name>.staging-*` holding
 * `marker` (a regular file; the folder itself not a link): a missing `target` is restored from its `.previous`, and
 * terraform's working files carried into a staging folder go back to the same stack folder of `target` when it lacks
 * them. Nothing is deleted; the folders are named on stderr (one line) for the user to remove. Returns them.
 */
export function recoverKilledSwap(target: string, marker: string): string[] {
  const parent = path.dirname(target);
  const prefix = `.${path.basename(target)}.staging-`;
  let entries: string[];
  try {
    entries = fs.readdirSync(parent);
  } catch {
    return [];
  }
  const ours = (dir: string) => {
    try {
      return fs.lstatSync(dir).isDirectory() && fs.lstatSync(path.join(dir, marker)).isFile();
    } catch {
      return false;
    }
  };
  const left = entries
    .filter((e) => e.startsWith(prefix))
    .map((e) => path.join(parent, e))
    .filter(ours);
  const restored: string[] = [];
  if (!fs.existsSync(target)) {
    const previous = left.find((d) => d.endsWith(".previous"));
    if (previous !== undefined) {
      fs.renameSync(previous, target);
      restored.push(`${target} from ${previous}`);
    }
  }
  for (const staging of left) {
    if (staging.endsWith(".previous") || !fs.existsSync(staging)) continue;
    for (const stack of fs.readdirSync(staging, { withFileTypes: true })) {
      if (!stack.isDirectory()) continue;
      for (const name of TERRAFORM_WORK_FILES) {
        const from = path.join(staging, stack.name, name);
        const to = path.join(target, stack.name, name);
        let there = true;
        try {
          fs.lstatSync(from);
        } catch {
          there = false;
        }
        if (!there || !fs.existsSync(path.join(target, stack.name)) || fs.existsSync(to)) continue;
        fs.renameSync(from, to);
        restored.push(`${to} from ${from}`);
      }
    }
  }
  const remaining = left.filter((d) => fs.existsSync(d));
  if (restored.length > 0 || remaining.length > 0) {
    process.stderr.write(
      `egress6: a killed export was found: ${restored.length > 0 ? `put back ${restored.join(", ")}; ` : ""}${remaining.length > 0 ? `left alone ${remaining.join(", ")} (remove yourself)` : "nothing else left"}\n`,
    );
  }
  return remaining;
}

export function swapIn(staging: string, target: string, carry: readonly [string, string][]): void {
  const done: [string, string][] = [];
  const undo = () => {
    for (const [from, to] of done.reverse()) fs.renameSync(to, from);
  };
  try {
    for (const [from, to] of carry) {
      fs.renameSync(from, to);
      done.push([from, to]);
    }
  } catch (e) {
    undo();
    throw e;
  }
  swapStep("export-carried");
  const previous = fs.existsSync(target) ? `${staging}.previous` : undefined;
  try {
    if (previous) fs.renameSync(target, previous);
    swapStep("export-aside");
    try {
      fs.renameSync(staging, target);
    } catch (e) {
      if (previous) fs.renameSync(previous, target);
      throw e;
    }
  } catch (e) {
    undo();
    throw e;
  }
  if (previous) fs.rmSync(previous, { recursive: true, force: true });
}

/**
 * The [from, to] moves that carry TERRAFORM_WORK_FILES from each stack folder `<previous>/<stack>` to
 * `<next>/<stack>`, for the stacks `next` still has and where `next` has no such file yet (renames: no copy of
 * hundreds of megabytes of providers).
 */
export function terraformFilesToCarry(previous: string, next: string, stacks: readonly string[]): [string, string][] {
  const moves: [string, string][] = [];
  for (const stack of stacks) {
    if (!fs.existsSync(path.join(next, stack))) continue;
    for (const name of TERRAFORM_WORK_FILES) {
      const from = path.join(previous, stack, name);
      const to = path.join(next, stack, name);
      if (fs.existsSync(from) && !fs.existsSync(to)) moves.push([from, to]);
    }
  }
  return moves;
}

/** Error codes of a file system that cannot take an output: the user's to fix, said in one line. */
const FILE_SYSTEM_CODES = [
  "ENOSPC",
  "EDQUOT",
  "EROFS",
  "EACCES",
  "EPERM",
  "ENOENT",
  "EIO",
  "EMFILE",
  "ENFILE",
  "ENAMETOOLONG",
  "ENOTDIR",
  "EEXIST",
  "ENOTEMPTY",
  "EXDEV",
  "ELOOP",
];

/**
 * One line for a file system error of a writing command (synth, export:hcl, diagram), or undefined for anything
 * else (a bug keeps its stack trace). `what` names what was being written: "the output", "the export", "the file".
 */
export function fileSystemProblem(error: unknown, where: string, what = "the output"): string | undefined {
  const e = error as NodeJS.ErrnoException | null;
  if (e === null || typeof e !== "object" || typeof e.code !== "string" || !FILE_SYSTEM_CODES.includes(e.code)) return undefined;
  const at = [e.syscall, e.path].filter((x) => x !== undefined).join(" ");
  const reason = String(e.message)
    .replace(/^[A-Z]+: /, "")
    .replace(/, .*$/, "");
  return `${where}: cannot write ${what}: ${e.code} (${reason}${at ? `: ${at}` : ""}); the previous ${what.replace(/^the /, "")} is unchanged`;
}
