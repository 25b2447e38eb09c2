/**
 * Synthesizes the app without ever leaving a half-written output folder: synthesize beside the target, then swap.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Egress6Config } from "../config/schema";
import { buildApp } from "./build-app";
import { assertReplaceable, egress6Version, MARKER_FORMAT, writeSynthRecord, type ConfigOrigin, type OutdirOrigin } from "./output-folder";

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
    writeSynthRecord(staging, { format: MARKER_FORMAT, egress6: egress6Version(), environment: config.name, config: options.origin ?? { kind: "memory" } });
    const previous = fs.existsSync(target) ? `${staging}.previous` : undefined;
    if (previous) fs.renameSync(target, previous);
    try {
      fs.renameSync(staging, target);
    } catch (e) {
      if (previous) fs.renameSync(previous, target);
      throw e;
    }
    if (previous) fs.rmSync(previous, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
