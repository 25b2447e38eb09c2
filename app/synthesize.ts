/**
 * Synthesizes the app without ever leaving a half-written output folder: synthesize beside the target, then swap.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Egress6Config } from "../config/schema";
import { buildApp } from "./build-app";

/**
 * Synthesizes into a temporary sibling of `outdir`, then replaces `outdir` with it. A failure at any point
 * leaves a previous `outdir` exactly as it was.
 */
export function synthesize(config: Egress6Config, outdir: string): void {
  const target = path.resolve(outdir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.staging-`));
  try {
    buildApp(config, staging).synth();
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
