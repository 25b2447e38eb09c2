/**
 * Synthesizes the app without ever leaving a half-written output folder: synthesize beside the target, then swap.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Egress6Config } from "../config/schema";
import { buildApp } from "./build-app";
import { assertReplaceable, egress6Version, KEPT_TERRAFORM_FILES, MARKER_FORMAT, writeSynthRecord, type ConfigOrigin, type OutdirOrigin } from "./output-folder";

export interface SynthesizeOptions {
  /** Where the configuration came from, recorded in the output folder's marker. @default in memory */
  readonly origin?: ConfigOrigin;
  /** How the output folder was named, for messages. @default "--out" */
  readonly outdirOrigin?: OutdirOrigin;
}

/**
 * Synthesizes into a temporary sibling of `outdir`, then replaces `outdir` with it. A failure at any point
 * leaves a previous `outdir` exactly as it was. `outdir` must be missing, empty, or an earlier synth's output
 * (app/output-folder.ts); anything else is refused before anything is written.
 */
export function synthesize(config: Egress6Config, outdir: string, options: SynthesizeOptions = {}): void {
  const target = path.resolve(outdir);
  assertReplaceable(outdir, options.outdirOrigin ?? "--out");
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.staging-`));
  try {
    buildApp(config, staging).synth();
    // Nothing has been moved yet: a failure above leaves the previous output exactly as it was.
    writeSynthRecord(staging, { format: MARKER_FORMAT, egress6: egress6Version(), environment: config.name, config: options.origin ?? { kind: "memory" } });
    const carried = carryOverTerraformFiles(target, staging);
    const previous = fs.existsSync(target) ? `${staging}.previous` : undefined;
    try {
      if (previous) fs.renameSync(target, previous);
      try {
        fs.renameSync(staging, target);
      } catch (e) {
        if (previous) fs.renameSync(previous, target);
        throw e;
      }
    } catch (e) {
      for (const [from, to] of carried) fs.renameSync(to, from);
      throw e;
    }
    if (previous) fs.rmSync(previous, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Moves each stack's KEPT_TERRAFORM_FILES from the previous output into the same stack of the new one (a rename:
 * no copy of hundreds of megabytes of providers), only from a previous egress6 output (the caller has checked it)
 * and only for stacks the new output still has. Returns the moves [from, to], so they can be undone.
 */
export function carryOverTerraformFiles(previous: string, next: string): [string, string][] {
  const moved: [string, string][] = [];
  const stacksDir = path.join(previous, "stacks");
  let stacks: fs.Dirent[];
  try {
    stacks = fs.readdirSync(stacksDir, { withFileTypes: true });
  } catch {
    return moved;
  }
  try {
    for (const stack of stacks) {
      if (!stack.isDirectory() || !fs.existsSync(path.join(next, "stacks", stack.name))) continue;
      for (const name of KEPT_TERRAFORM_FILES) {
        const from = path.join(stacksDir, stack.name, name);
        const to = path.join(next, "stacks", stack.name, name);
        if (!fs.existsSync(from) || fs.existsSync(to)) continue;
        fs.renameSync(from, to);
        moved.push([from, to]);
      }
    }
  } catch (e) {
    for (const [from, to] of moved.reverse()) fs.renameSync(to, from);
    throw e;
  }
  return moved;
}
