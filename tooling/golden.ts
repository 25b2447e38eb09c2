#!/usr/bin/env node
/**
 * `npm run golden` checks, `npm run golden -- --update` rewrites, the sha256 of every file the synth writes for
 * config/demo.json in each inspection mode (__tests__/golden/synth-digests.json).
 *
 * A restructure that must not change the output proves it here: the digests before and after are the same. A
 * deliberate output change rewrites the golden file in the same commit, so the diff shows which files moved.
 * Only the output folder's marker (.egress6-synth, which names the config file the synth read) is left out; it is
 * not Terraform. The synth writes no timestamps or absolute paths, and the Lambda ZIP is built with fixed
 * timestamps and sorted entries (zip.js, run by the build), so every file is the same from one run to the next.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { INSPECTION_MODES } from "../config/modes";
import { runCli } from "../cli/shared/run-cli";
import { projectRoot } from "../lib/paths";
import { currentGeneration, GENERATION_MARKER, SYNTH_MARKER } from "../app/output/synth-folder";

/** mode -> file path under cdktf.out (with "/") -> sha256 hex. */
export type Digests = Record<string, Record<string, string>>;

export const GOLDEN_FILE = path.join("__tests__", "golden", "synth-digests.json");

function digestTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (d === dir && (e.name === SYNTH_MARKER || e.name === GENERATION_MARKER)) continue;
      if (e.isDirectory()) walk(full);
      else out[path.relative(dir, full).split(path.sep).join("/")] = createHash("sha256").update(fs.readFileSync(full)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

/**
 * Synthesizes the demo config in every inspection mode with the built synth (dist/main.js, run `npm run build`
 * first) into a temporary folder, and returns the digest of every file written.
 */
export function computeDigests(): Digests {
  const root = projectRoot();
  const demo = JSON.parse(fs.readFileSync(path.join(root, "config", "demo.json"), "utf8")) as { inspection?: Record<string, unknown> };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-golden-"));
  try {
    const digests: Digests = {};
    for (const mode of INSPECTION_MODES) {
      const config = path.join(work, `${mode}.json`);
      fs.writeFileSync(config, JSON.stringify({ ...demo, inspection: { ...demo.inspection, mode } }));
      const out = path.join(work, mode, "cdktf.out");
      const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, ...env } = process.env;
      const r = spawnSync(process.execPath, [path.join(root, "dist", "main.js"), "--config", config, "--out", out], {
        env,
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`golden: the synth of ${mode} failed (exit ${r.status}):\n${r.stderr}`);
      // The output's files, as the generation in force holds them (the output folder links to them).
      digests[mode] = digestTree(currentGeneration(out));
    }
    return digests;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** One line per file that differs between the golden digests and the current ones; empty when identical. */
export function compareDigests(golden: Digests, current: Digests): string[] {
  const lines: string[] = [];
  for (const mode of [...new Set([...Object.keys(golden), ...Object.keys(current)])].sort()) {
    const want = golden[mode];
    const got = current[mode];
    if (!want) {
      lines.push(`${mode}: a mode the golden file does not have`);
      continue;
    }
    if (!got) {
      lines.push(`${mode}: in the golden file but not synthesized`);
      continue;
    }
    for (const file of [...new Set([...Object.keys(want), ...Object.keys(got)])].sort()) {
      if (!(file in got)) lines.push(`${mode}: ${file}: no longer written`);
      else if (!(file in want)) lines.push(`${mode}: ${file}: new file, not in the golden`);
      else if (want[file] !== got[file]) lines.push(`${mode}: ${file}: content differs`);
    }
  }
  return lines;
}

export function readGolden(): Digests {
  return JSON.parse(fs.readFileSync(path.join(projectRoot(), GOLDEN_FILE), "utf8")) as Digests;
}

if (require.main === module) {
  const USAGE = "usage: npm run golden [-- --update]";
  runCli(USAGE, () => {
    const { values } = parseArgs({
      options: { update: { type: "boolean" }, help: { type: "boolean" } },
      allowPositionals: false,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const current = computeDigests();
    if (values.update) {
      fs.writeFileSync(path.join(projectRoot(), GOLDEN_FILE), `${JSON.stringify(current, null, 2)}\n`);
      process.stdout.write(`golden: wrote ${GOLDEN_FILE}\n`);
      return 0;
    }
    const differences = compareDigests(readGolden(), current);
    for (const line of differences) process.stdout.write(`golden: ${line}\n`);
    process.stdout.write(
      differences.length === 0
        ? "golden: the synthesized output is byte-identical in every mode\n"
        : `golden: ${differences.length} difference(s); if deliberate, run npm run golden -- --update\n`,
    );
    return differences.length === 0 ? 0 : 1;
  });
}
