/**
 * The HCL export's output folder rules. An export replaces its `--out` folder whole, so it only replaces a folder
 * that an earlier export wrote and that still holds only what that export wrote (the marker lists every file with
 * its sha256), plus what `terraform init` adds to a stack folder (`.terraform/`, `.terraform.lock.hcl`), which the
 * new export carries over. Like the synth, it never writes over a folder that is or contains the current
 * directory, the project, a git working tree, the home directory or `/` (app/output/owned-folder.ts, shared with the
 * synth and the Atlantis update).
 */
import * as path from "node:path";
import { UserError } from "../../lib/errors";
import {
  assertNotNested,
  assertNotProtected,
  assertOwnedFolder,
  fileSha256,
  listFiles,
  realish,
  TERRAFORM_WORK_FILES,
  type MarkerKind,
  type Writer,
} from "../../app/output/owned-folder";

/** Written into every export folder; its presence (and its file list) is what makes the folder replaceable. */
export const EXPORT_MARKER = ".egress6-export";
export const EXPORT_MARKER_FORMAT = 1;

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

const EXPORT_MARKER_KIND: MarkerKind<ExportRecord> = {
  name: EXPORT_MARKER,
  format: EXPORT_MARKER_FORMAT,
  formatOf: (r) => r.format,
  valid: (j) => typeof j.format === "number" && Array.isArray(j.stacks) && j.files !== null && typeof j.files === "object",
};

/** True when `rel` (relative to the export folder) is terraform's working data inside a stack folder of `stacks`. */
export function isTerraformWorkFile(rel: string, stacks: readonly string[]): boolean {
  const [stack, first] = rel.split("/");
  return stacks.includes(stack) && TERRAFORM_WORK_FILES.includes(first ?? "");
}

/**
 * Throws a UserError (one line) unless `outdir` may be replaced by an export; returns the previous export's record
 * when there is one. Beyond the shared rules, every file of a previous export must be as the export wrote it.
 */
export function assertExportTarget(
  outdir: string,
  cwd: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): ExportRecord | undefined {
  const writer: Writer = { where: `--out ${outdir}`, noun: "export", verb: "replace", example: "hcl" };
  const target = realish(path.resolve(cwd, outdir));
  assertNotProtected(target, writer, cwd, env);
  const record = assertOwnedFolder(target, writer, EXPORT_MARKER_KIND);
  // Never inside another egress6 output (its next synth would delete the export) nor around one (this export would).
  assertNotNested(target, writer);
  if (record === undefined) return undefined;
  const foreign: string[] = [];
  for (const rel of listFiles(target, (r) => isTerraformWorkFile(r, record.stacks))) {
    if (rel === EXPORT_MARKER) continue;
    const want = record.files[rel];
    if (want === undefined) foreign.push(`${rel} (not written by the export)`);
    else if (fileSha256(path.join(target, rel)) !== want) foreign.push(`${rel} (changed since the export)`);
  }
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(", ") + (foreign.length > 3 ? `, ... (${foreign.length} files)` : "");
    throw new UserError([
      `${writer.where}: refusing to replace ${target}: an export wrote it, but it now holds ${shown}; move those files out first, or name another folder`,
    ]);
  }
  return record;
}
