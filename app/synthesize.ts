/**
 * Synthesizes the app without ever leaving a half-written output folder: synthesize beside the target, then swap.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Egress6Config } from "../config/schema";
import { buildApp } from "./build-app";
import { assertReplaceable, egress6Version, MARKER_FORMAT, writeSynthRecord, type ConfigOrigin, type OutdirOrigin } from "./output-folder";
import { swapIn, terraformFilesToCarry } from "./owned-folder";

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
    // Each stack's `.terraform/` and lock file move from the previous output (assertReplaceable checked it is one) into
    // the same stack of the new one.
    const stacks = listStacks(path.join(target, "stacks"));
    swapIn(staging, target, terraformFilesToCarry(path.join(target, "stacks"), path.join(staging, "stacks"), stacks));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** The stack folders under `stacksDir`, none when it does not exist. */
function listStacks(stacksDir: string): string[] {
  try {
    return fs.readdirSync(stacksDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}
