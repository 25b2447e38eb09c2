/**
 * Synthesizes the app without ever leaving a half-written output folder: the new output is written whole into a
 * generation folder of its own, then one rename(2) of a symbolic link puts it in force (app/output/synth-folder.ts,
 * "layout"). Terraform's working files (`.terraform/`, `.terraform.lock.hcl`) stay where they are and never move.
 *
 * At every instant the output folder reads as the whole old output or the whole new one: before the rename every
 * generated path resolves into the old generation, after it into the new. rename(2) replacing a link is atomic
 * (POSIX rename: "the destination is replaced atomically"; Linux rename(2)). A run killed at any step leaves a
 * generation folder or a link that is not in force; the next synth removes them (only folders holding the
 * generation marker, inside the output's own `.egress6/`).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Egress6Config } from "../config/schema";
import { UserError } from "../lib/errors";
import { buildApp } from "./build-app";
import {
  assertReplaceable,
  assertWorkingStateFits,
  CURRENT_LINK,
  egress6Version,
  GENERATION_MARKER,
  LAYOUT_DIR,
  MARKER_FORMAT,
  SYNTH_MARKER,
  writeSynthRecord,
  type ConfigOrigin,
  type OutdirOrigin,
} from "./output/synth-folder";
import { fileSystemProblem, TERRAFORM_WORK_FILES } from "./output/owned-folder";

export interface SynthesizeOptions {
  /** Where the configuration came from, recorded in the output folder's marker. @default in memory */
  readonly origin?: ConfigOrigin;
  /** How the output folder was named, for messages. @default "--out" */
  readonly outdirOrigin?: OutdirOrigin;
}

/** The steps a test may stop the synth after (EGRESS6_TEST_KILL_AT=<step>: the process SIGKILLs itself there). */
export const SYNTH_STEPS = ["synthesized", "linked", "next-link", "swapped", "cleaned", "done"] as const;
export type SynthStep = (typeof SYNTH_STEPS)[number];

function reached(step: SynthStep): void {
  if (process.env.EGRESS6_TEST_KILL_AT === step) process.kill(process.pid, "SIGKILL");
}

/**
 * Synthesizes `config` into `outdir`. `outdir` must be missing, empty, or an earlier synth's output
 * (app/output/synth-folder.ts), lie inside no other egress6 output and hold none, and hold no other environment's
 * terraform working state; anything else is refused before anything is written. A failure before the switch leaves
 * the previous output exactly as it was.
 */
export function synthesize(config: Egress6Config, outdir: string, options: SynthesizeOptions = {}): void {
  const origin = options.outdirOrigin ?? "--out";
  const where = origin === "--out" ? `--out ${outdir}` : origin === "CDKTF_OUTDIR" ? `CDKTF_OUTDIR=${outdir}` : outdir;
  const target = path.resolve(outdir);
  assertReplaceable(outdir, origin);
  assertWorkingStateFits(outdir, config.name, origin);
  let release: (() => void) | undefined;
  try {
    fs.mkdirSync(path.join(target, LAYOUT_DIR), { recursive: true });
    release = acquireLock(path.join(target, LAYOUT_DIR), where);
    testPause();
    switchTo(config, target, options.origin ?? { kind: "memory" });
  } catch (e) {
    if (e instanceof UserError) throw e;
    const problem = fileSystemProblem(e, where);
    if (problem !== undefined) throw new UserError([problem]);
    throw e;
  } finally {
    release?.();
  }
}

/** The lock file inside the output's own `.egress6/`: one synth at a time writes an output; it holds the pid. */
export const LOCK_FILE = "lock";

/** A test may hold the lock for a while (EGRESS6_TEST_HOLD_LOCK_MS=<ms>) to make two runs overlap. */
function testPause(): void {
  const ms = Number(process.env.EGRESS6_TEST_HOLD_LOCK_MS ?? "0");
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the output's lock for the whole run, or throws a one-line UserError naming the pid holding it. The lock is
 * made whole (a file holding our pid, hard-linked into place: link(2) fails when the lock exists), so it is never
 * seen empty. A lock whose pid is dead is set aside and taken over; one that turns out live is put back and refused.
 * Returns the release, which removes the lock only while it still holds our pid.
 */
function acquireLock(area: string, where: string): () => void {
  const lock = path.join(area, LOCK_FILE);
  const mine = path.join(area, `${LOCK_FILE}.tmp-${process.pid}`);
  // What a killed run's take-over left: only files of pids no longer alive.
  for (const entry of fs.readdirSync(area)) {
    const m = /^lock\.(tmp|stale)-(\d+)$/.exec(entry);
    if (m && Number(m[2]) !== process.pid && !isAlive(Number(m[2]))) fs.rmSync(path.join(area, entry), { force: true });
  }
  fs.writeFileSync(mine, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        fs.linkSync(mine, lock);
        return () => {
          if (readPid(lock) === process.pid) fs.rmSync(lock, { force: true });
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const holder = readPid(lock);
      if (holder !== undefined && isAlive(holder)) {
        throw new UserError([
          `${where}: another synth (pid ${holder}) is writing this output (lock ${lock}); wait for it to finish and run again`,
        ]);
      }
      // Stale (or unreadable): set it aside under our pid, and look at what we moved.
      const aside = path.join(area, `${LOCK_FILE}.stale-${process.pid}`);
      try {
        fs.renameSync(lock, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // another run took it over first
        throw e;
      }
      const moved = readPid(aside);
      if (moved !== undefined && moved !== holder && isAlive(moved)) {
        // A live run's lock, taken over between our read and our rename: put it back and refuse.
        try {
          fs.linkSync(aside, lock);
        } finally {
          fs.rmSync(aside, { force: true });
        }
        throw new UserError([
          `${where}: another synth (pid ${moved}) is writing this output (lock ${lock}); wait for it to finish and run again`,
        ]);
      }
      fs.rmSync(aside, { force: true });
    }
    throw new UserError([`${where}: could not take the output's lock ${lock} (other runs keep taking it); run again`]);
  } finally {
    fs.rmSync(mine, { force: true });
  }
}

function switchTo(config: Egress6Config, target: string, configOrigin: ConfigOrigin): void {
  fs.mkdirSync(target, { recursive: true }); // a new folder gets the usual mode; an existing one keeps its own
  const area = path.join(target, LAYOUT_DIR);
  fs.mkdirSync(area, { recursive: true });
  const current = path.join(area, CURRENT_LINK);
  removeLeftovers(target, area, readLink(current));
  const previous = readLink(current) ?? convertPlainLayout(target, area);

  const id = `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  const name = `gen-${id}`;
  const generation = path.join(area, name);
  const next = path.join(area, `${CURRENT_LINK}.next-${id}`);
  fs.mkdirSync(generation);
  let swapped = false;
  try {
    fs.writeFileSync(path.join(generation, GENERATION_MARKER), "");
    buildApp(config, generation).synth();
    writeSynthRecord(generation, { format: MARKER_FORMAT, egress6: egress6Version(), environment: config.name, config: configOrigin });
    reached("synthesized");
    const links = linksOf(generation);
    // Paths the new output has and the folder lacks get their link now; before the switch it resolves into the old
    // generation (or nowhere), which no reader of the old manifest asks for.
    for (const [rel, to] of links) ensureLink(target, rel, to);
    reached("linked");
    fs.symlinkSync(name, next);
    reached("next-link");
    fs.renameSync(next, current); // the switch: one atomic rename
    swapped = true;
    reached("swapped");
  } finally {
    if (!swapped) {
      fs.rmSync(next, { force: true });
      fs.rmSync(generation, { recursive: true, force: true });
    }
  }
  // The new output is in force and whole; what follows only tidies. Every path the old output had and the new one
  // lacks (a link into the old generation, or a file from before), except terraform's working files, goes.
  removeStale(target, new Set(linksOf(generation).map(([rel]) => rel)));
  reached("cleaned");
  if (previous !== undefined && previous !== name) fs.rmSync(path.join(area, previous), { recursive: true, force: true });
  reached("done");
}

function readLink(link: string): string | undefined {
  try {
    return fs.readlinkSync(link);
  } catch {
    return undefined;
  }
}

/**
 * The links the output folder needs for `generation`: [path relative to the output, link text]. Every top-level
 * entry but `stacks/`, and every entry of each stack folder; the stack folders themselves are real folders.
 */
function linksOf(generation: string): [string, string][] {
  const out: [string, string][] = [];
  for (const entry of fs.readdirSync(generation)) {
    if (entry === GENERATION_MARKER) continue;
    if (entry === "stacks") {
      for (const stack of fs.readdirSync(path.join(generation, "stacks"))) {
        for (const file of fs.readdirSync(path.join(generation, "stacks", stack))) {
          out.push([`stacks/${stack}/${file}`, `../../${LAYOUT_DIR}/${CURRENT_LINK}/stacks/${stack}/${file}`]);
        }
      }
    } else out.push([entry, `${LAYOUT_DIR}/${CURRENT_LINK}/${entry}`]);
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/**
 * Makes `rel` of `target` the link `to`, replacing whatever is there: a file by one rename (atomic), a folder by
 * moving it aside first (a moment without the path; only a folder from before this layout, or one a user put there).
 */
function ensureLink(target: string, rel: string, to: string): void {
  const at = path.join(target, rel);
  fs.mkdirSync(path.dirname(at), { recursive: true });
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(at);
  } catch {
    st = undefined;
  }
  if (st?.isSymbolicLink() && fs.readlinkSync(at) === to) return;
  const temporary = `${at}.egress6-link-${process.pid}`;
  fs.rmSync(temporary, { force: true });
  fs.symlinkSync(to, temporary);
  if (st?.isDirectory()) {
    const aside = `${at}.egress6-old-${process.pid}`;
    fs.renameSync(at, aside);
    fs.renameSync(temporary, at);
    fs.rmSync(aside, { recursive: true, force: true });
  } else fs.renameSync(temporary, at);
}

/**
 * An output in the plain layout of format 1 (no `current` link, generated files in place) becomes the generation
 * `gen-format1`: its generated files are copied there and `current` is made to name it, so that each path, replaced
 * by its link one by one, keeps reading the same bytes. Returns the generation's name, or undefined when there is
 * nothing to convert.
 */
function convertPlainLayout(target: string, area: string): string | undefined {
  const plain: string[] = [];
  for (const entry of fs.readdirSync(target)) {
    if (entry === LAYOUT_DIR || entry === "stacks") continue;
    if (!fs.lstatSync(path.join(target, entry)).isSymbolicLink()) plain.push(entry);
  }
  for (const stack of listDirs(path.join(target, "stacks"))) {
    for (const entry of fs.readdirSync(path.join(target, "stacks", stack))) {
      if (TERRAFORM_WORK_FILES.includes(entry)) continue;
      if (!fs.lstatSync(path.join(target, "stacks", stack, entry)).isSymbolicLink()) plain.push(`stacks/${stack}/${entry}`);
    }
  }
  if (plain.length === 0) return undefined;
  const name = "gen-format1";
  const generation = path.join(area, name);
  fs.rmSync(generation, { recursive: true, force: true });
  fs.mkdirSync(generation);
  fs.writeFileSync(path.join(generation, GENERATION_MARKER), "");
  for (const rel of plain) {
    fs.mkdirSync(path.dirname(path.join(generation, rel)), { recursive: true });
    fs.cpSync(path.join(target, rel), path.join(generation, rel), { recursive: true });
  }
  const next = path.join(area, `${CURRENT_LINK}.next-format1`);
  fs.rmSync(next, { force: true });
  fs.symlinkSync(name, next);
  fs.renameSync(next, path.join(area, CURRENT_LINK));
  for (const rel of plain)
    ensureLink(
      target,
      rel,
      rel.startsWith("stacks/") ? `../../${LAYOUT_DIR}/${CURRENT_LINK}/${rel}` : `${LAYOUT_DIR}/${CURRENT_LINK}/${rel}`,
    );
  return name;
}

/** Removes what a killed synth left: generation folders not in force (holding the marker) and unswitched links. */
function removeLeftovers(target: string, area: string, inForce: string | undefined): void {
  for (const entry of fs.readdirSync(area)) {
    const full = path.join(area, entry);
    if (entry.startsWith(`${CURRENT_LINK}.next-`) && fs.lstatSync(full).isSymbolicLink()) fs.rmSync(full);
    else if (entry.startsWith("gen-") && entry !== inForce && fs.existsSync(path.join(full, GENERATION_MARKER)))
      fs.rmSync(full, { recursive: true, force: true });
  }
  // The staging folders of the former swap (`.<name>.staging-*` beside the output) are never deleted: nothing proves a
  // folder of that name is one a killed run left rather than a user's copy (`cp -a cdktf.out .cdktf.out.staging-x`).
  // Those that look like a synth's are named on stderr, in one line, for the user to remove.
  const parent = path.dirname(target);
  const prefix = `.${path.basename(target)}.staging-`;
  const found: string[] = [];
  for (const entry of fs.readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const full = path.join(parent, entry);
    if (fs.lstatSync(full).isDirectory() && fs.existsSync(path.join(full, SYNTH_MARKER))) found.push(full);
  }
  if (found.length > 0) {
    process.stderr.write(
      `egress6: left alone beside the output, possibly from a killed synth of an older egress6: ${found.join(", ")}; remove ${found.length === 1 ? "it" : "them"} yourself if not yours\n`,
    );
  }
  // A link, or a folder set aside, being replaced when a run was killed.
  const sweep = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (/\.egress6-(link|old)-\d+$/.test(entry.name)) fs.rmSync(path.join(dir, entry.name), { recursive: true, force: true });
    }
  };
  sweep(target);
  for (const stack of listDirs(path.join(target, "stacks"))) sweep(path.join(target, "stacks", stack));
}

/**
 * Removes every path of the output folder that the output in force does not have: top-level entries, the entries
 * of each stack folder except terraform's working files, and the generated files of stacks the output no longer has
 * (their terraform working files are kept, and said so on stderr).
 */
function removeStale(target: string, keep: ReadonlySet<string>): void {
  for (const entry of fs.readdirSync(target)) {
    if (entry === LAYOUT_DIR || entry === "stacks" || keep.has(entry)) continue;
    fs.rmSync(path.join(target, entry), { recursive: true, force: true });
  }
  const stacksDir = path.join(target, "stacks");
  const stacks = new Set([...keep].filter((rel) => rel.startsWith("stacks/")).map((rel) => rel.split("/")[1]));
  for (const entry of fs.existsSync(stacksDir) ? fs.readdirSync(stacksDir) : []) {
    const dir = path.join(stacksDir, entry);
    if (!fs.lstatSync(dir).isDirectory()) {
      fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    for (const file of fs.readdirSync(dir)) {
      if (TERRAFORM_WORK_FILES.includes(file) || keep.has(`stacks/${entry}/${file}`)) continue;
      fs.rmSync(path.join(dir, file), { recursive: true, force: true });
    }
    if (stacks.has(entry)) continue;
    // A stack the new output no longer has: its generated files are gone, its terraform files (a possibly committed
    // lock file, .terraform/ and what it points at) are never deleted; an empty folder goes.
    const kept = fs.readdirSync(dir);
    if (kept.length === 0) fs.rmdirSync(dir);
    else
      process.stderr.write(
        `egress6: stack ${entry} is no longer in the output; kept its terraform files (${kept.join(", ")}) in ${dir}; remove them yourself once its resources are destroyed\n`,
      );
  }
}

/** The folders directly under `dir` (not links), none when it does not exist. */
function listDirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}
