/**
 * The synth's output folder never loses data (issue 16): no output inside another, the switch from the old output to
 * the new is one atomic step (checked by killing the synth after each step), leftovers of a killed run are removed
 * by the next, a file system that cannot take the output leaves the old one whole with one line, environments never
 * share terraform working state, and the folder's mode is kept.
 *
 * The read-only and full file system cases mount in a private mount namespace (`unshare -rm`); where unshare is not
 * allowed they are skipped with the reason, and fail under CI=true.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { OUTPUT_MARKERS } from "../app/output/owned-folder";
import { SYNTH_MARKER } from "../app/output/synth-folder";
import { RECORD_FILE } from "../cli/atlantis/output-update";
import { EXPORT_MARKER } from "../cli/export-hcl/export-folder";
import { SYNTH_STEPS } from "../app/synthesize";
import { tempDir } from "./helpers";

const ROOT = path.resolve(__dirname, "..");
const MAIN = path.join(ROOT, "dist", "main.js");

function synth(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  const { EGRESS6_CONFIG: _drop, CDKTF_OUTDIR: _drop2, EGRESS6_TEST_KILL_AT: _drop3, ...base } = process.env;
  const r = spawnSync(process.execPath, [MAIN, ...args], { env: { ...base, ...env }, encoding: "utf8", cwd });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Every entry under `dir`: files with their sha256, links with their text, folders; nothing followed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full);
      if (e.isSymbolicLink()) out[rel] = `link ${fs.readlinkSync(full)}`;
      else if (e.isDirectory()) {
        out[rel] = "dir";
        walk(full);
      } else out[rel] = createHash("sha256").update(fs.readFileSync(full)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

/**
 * The output as terraform and cdktf read it: manifest.json, the marker, and every file reachable in each stack
 * folder through its links, terraform's working files left out. Throws when a path the manifest names is missing.
 */
function view(out: string): Record<string, string> {
  const files: Record<string, string> = {};
  const read = (rel: string) => {
    const full = path.join(out, rel);
    if (fs.statSync(full).isDirectory()) for (const e of fs.readdirSync(full)) read(path.join(rel, e));
    else files[rel] = createHash("sha256").update(fs.readFileSync(full)).digest("hex");
  };
  read("manifest.json");
  read(SYNTH_MARKER);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")) as {
    stacks: Record<string, { workingDirectory: string }>;
  };
  for (const stack of Object.values(manifest.stacks)) {
    for (const e of fs.readdirSync(path.join(out, stack.workingDirectory))) {
      if (e !== ".terraform" && e !== ".terraform.lock.hcl") read(path.join(stack.workingDirectory, e));
    }
  }
  return files;
}

function writeConfig(dir: string, name: string, overrides: Record<string, unknown>): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify({ ...DEMO_CONFIG, ...overrides }));
  return file;
}

/** An output synthesized by the CLI once per file (the demo), never changed; see demoOutput. */
let demoTemplate: string | undefined;

/**
 * Makes `out` what `node dist/main.js --out <out>` leaves (the demo), for a test about what comes after it: the CLI
 * synthesizes the demo once per file, each caller gets a copy (links as they are: every path an output records is
 * relative). A test about that first synth itself runs it.
 */
function demoOutput(out: string): void {
  if (demoTemplate === undefined) {
    const template = path.join(tempDir("demo-template"), "cdktf.out");
    expect(synth(["--out", template]).code).toBe(0);
    demoTemplate = template;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.cpSync(demoTemplate, out, { recursive: true, verbatimSymlinks: true });
}

/** An export written by the CLI once per file (the demo, from a folder with no output), never changed; see demoExport. */
let exportTemplate: string | undefined;

/**
 * Makes `hcl` what `node dist/cli/export-hcl/index.js --out <hcl>` leaves when run in a folder with no synth output
 * (the demo), for a test about what comes after it: the CLI exports once per file, each caller gets a copy (the
 * export marker records relative paths only; the export's files do not depend on where --out is).
 */
function demoExport(hcl: string): void {
  if (exportTemplate === undefined) {
    const dir = tempDir("export-template");
    const template = path.join(dir, "hcl");
    const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, EGRESS6_TEST_KILL_AT: _k, ...rest } = process.env;
    const r = spawnSync(process.execPath, [path.join(ROOT, "dist", "cli", "export-hcl", "index.js"), "--out", template], {
      cwd: dir,
      env: rest,
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    exportTemplate = template;
  }
  fs.mkdirSync(path.dirname(hcl), { recursive: true });
  fs.cpSync(exportTemplate, hcl, { recursive: true, verbatimSymlinks: true });
}

/** What terraform init leaves in a stack folder. */
function initialised(out: string, stack: string): void {
  const dir = path.join(out, "stacks", stack);
  fs.mkdirSync(path.join(dir, ".terraform", "providers"), { recursive: true });
  fs.writeFileSync(path.join(dir, ".terraform", "terraform.tfstate"), `{"backend": "${stack}"}\n`);
  fs.writeFileSync(path.join(dir, ".terraform.lock.hcl"), `# lock of ${stack}\n`);
}

test("OUTPUT_MARKERS are the writers' own marker names", () => {
  expect([...OUTPUT_MARKERS].sort()).toEqual([SYNTH_MARKER, EXPORT_MARKER, RECORD_FILE].sort());
});

describe("an output never lies inside another, nor holds one or its state", () => {
  test("the issue's reproduction: --out cdktf.out/nested is refused in one line; the plain synth after it deletes nothing", () => {
    const project = tempDir("nested");
    demoOutput(path.join(project, "cdktf.out"));
    const r = synth(["--out", "cdktf.out/nested"], {}, project);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^error: --out cdktf\.out\/nested: refusing to replace .*cdktf\.out\/nested: it lies inside .*cdktf\.out, an egress6 output \(\.egress6-synth\), whose next synth or update would delete it and any state kept in it; choose a folder outside it, such as .*cdktf\.out\.nested$/,
      ),
    ]);
    expect(fs.existsSync(path.join(project, "cdktf.out", "nested"))).toBe(false);
    // One made by an older egress6 (its marker, and its local state under cdktf.out/.state) stops the plain synth.
    const nested = path.join(project, "cdktf.out", "nested");
    fs.mkdirSync(path.join(nested, "stacks", "network"), { recursive: true });
    fs.writeFileSync(path.join(nested, SYNTH_MARKER), JSON.stringify({ format: 1, environment: "demo", config: { kind: "demo" } }));
    fs.mkdirSync(path.join(project, "cdktf.out", ".state", "demo"), { recursive: true });
    fs.writeFileSync(path.join(project, "cdktf.out", ".state", "demo", "network.tfstate"), "{}");
    const before = snapshot(path.join(project, "cdktf.out"));
    const plain = synth([], {}, project);
    expect(plain.code).toBe(1);
    expect(plain.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^error: cdktf\.out: refusing to replace .*cdktf\.out: it holds (.*nested, another egress6 output \(\.egress6-synth\)|Terraform state, .*network\.tfstate).*move it out first/,
      ),
    ]);
    expect(snapshot(path.join(project, "cdktf.out"))).toEqual(before);
  });

  test("inside a stack folder, or holding Terraform state: refused, nothing touched", () => {
    const project = tempDir("stackdir");
    demoOutput(path.join(project, "cdktf.out"));
    const r = synth(["--out", "cdktf.out/stacks/network/x"], {}, project);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: --out cdktf\.out\/stacks\/network\/x: refusing to replace .*: it lies inside .*cdktf\.out, an egress6 output/,
    );
    fs.writeFileSync(path.join(project, "cdktf.out", "stacks", "network", "terraform.tfstate"), "{}");
    const before = snapshot(path.join(project, "cdktf.out"));
    const s = synth(["--out", "cdktf.out"], {}, project);
    expect(s.code).toBe(1);
    expect(s.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /it holds Terraform state, .*stacks\/network\/terraform\.tfstate, which a synth here would delete; move it out first/,
      ),
    ]);
    expect(snapshot(path.join(project, "cdktf.out"))).toEqual(before);
  });
});

describe("the switch from the old output to the new is atomic", () => {
  const base = tempDir("swap");
  const oldConfig = writeConfig(base, "old.json", { inspection: { ...DEMO_CONFIG.inspection, mode: "proxy" } });
  const newConfig = writeConfig(base, "new.json", { inspection: { ...DEMO_CONFIG.inspection, mode: "firewall-igw" } });
  let oldView: Record<string, string>;
  let newView: Record<string, string>;
  beforeAll(() => {
    const o = path.join(base, "ref-old", "cdktf.out");
    const n = path.join(base, "ref-new", "cdktf.out");
    expect(synth(["--config", oldConfig, "--out", o]).code).toBe(0);
    expect(synth(["--config", newConfig, "--out", n]).code).toBe(0);
    oldView = view(o);
    newView = view(n);
    expect(oldView).not.toEqual(newView);
  });

  test.each(SYNTH_STEPS.map((s) => [s]))(
    "killed after step %s: the folder reads as the whole old or the whole new output, terraform's files in place; the next synth tidies up",
    (step) => {
      const out = path.join(base, `kill-${step}`, "cdktf.out");
      // The old output as the CLI wrote it (ref-old, at the same depth: the recorded config path still resolves).
      fs.cpSync(path.join(base, "ref-old", "cdktf.out"), out, { recursive: true, verbatimSymlinks: true });
      initialised(out, "network");
      const work = snapshot(path.join(out, "stacks", "network", ".terraform"));

      const killed = synth(["--config", newConfig, "--out", out], { EGRESS6_TEST_KILL_AT: step });
      expect(killed.signal).toBe("SIGKILL");
      const seen = view(out);
      const whole =
        JSON.stringify(seen) === JSON.stringify(oldView) ? "old" : JSON.stringify(seen) === JSON.stringify(newView) ? "new" : "mixed";
      expect(whole).toBe(SYNTH_STEPS.indexOf(step) >= SYNTH_STEPS.indexOf("swapped") ? "new" : "old");
      expect(snapshot(path.join(out, "stacks", "network", ".terraform"))).toEqual(work);
      expect(fs.readFileSync(path.join(out, "stacks", "network", ".terraform.lock.hcl"), "utf8")).toBe("# lock of network\n");

      // The next synth removes what the killed one left (its generation, its unswitched link) and nothing else.
      expect(synth(["--config", newConfig, "--out", out]).code).toBe(0);
      expect(view(out)).toEqual(newView);
      expect(fs.readdirSync(path.join(out, ".egress6")).sort()).toEqual(
        ["current", fs.readlinkSync(path.join(out, ".egress6", "current"))].sort(),
      );
      expect(snapshot(path.join(out, "stacks", "network", ".terraform"))).toEqual(work);
      expect(fs.readdirSync(path.dirname(out))).toEqual(["cdktf.out"]);
    },
  );

  test("an output in the former plain layout is converted, keeping terraform's files; staging folders beside it are never deleted, only named on stderr", () => {
    const out = path.join(base, "plain", "cdktf.out");
    const ref = path.join(base, "ref-old", "cdktf.out");
    fs.mkdirSync(out, { recursive: true });
    fs.cpSync(fs.realpathSync(path.join(ref, ".egress6", "current")), out, { recursive: true });
    fs.rmSync(path.join(out, ".egress6-generation"));
    initialised(out, "network");
    const staging = path.join(path.dirname(out), ".cdktf.out.staging-abc123");
    fs.mkdirSync(staging);
    fs.writeFileSync(path.join(staging, SYNTH_MARKER), "{}");
    const foreign = path.join(path.dirname(out), ".cdktf.out.staging-notours");
    fs.mkdirSync(foreign);
    const r = synth(["--config", newConfig, "--out", out]);
    expect(r.code).toBe(0);
    expect(view(out)).toEqual(newView);
    expect(fs.readFileSync(path.join(out, "stacks", "network", ".terraform.lock.hcl"), "utf8")).toBe("# lock of network\n");
    expect(fs.readFileSync(path.join(staging, SYNTH_MARKER), "utf8")).toBe("{}");
    expect(fs.existsSync(foreign)).toBe(true);
    expect(r.stderr).toMatch(
      /^egress6: left alone beside the output, possibly from a killed synth of an older egress6: .*\.cdktf\.out\.staging-abc123; remove it yourself if not yours$/m,
    );
  });

  test("git ignores the generations and the staging folders, and still lets the lock files be committed", () => {
    const ignored = (p: string) => spawnSync("git", ["check-ignore", "-q", "--no-index", p], { cwd: ROOT }).status === 0;
    expect(ignored("cdktf.out/.egress6/gen-abc/stacks/network/cdk.tf.json")).toBe(true);
    expect(ignored("cdktf.out/stacks/network/cdk.tf.json")).toBe(true);
    expect(ignored(".cdktf.out.staging-abc123/manifest.json")).toBe(true);
    expect(ignored("cdktf.out/stacks/network/.terraform.lock.hcl")).toBe(false);
  });
});

describe("a file system that cannot take the output: one line, exit 1, the old output untouched", () => {
  const probe = spawnSync("unshare", ["-rm", "true"]);
  const unshareWorks = probe.status === 0;
  const why = `unshare -rm is not available here (${probe.error?.message ?? probe.stderr?.toString().trim()})`;
  const maybe = unshareWorks ? test : process.env.CI === "true" ? test : test.skip;
  if (!unshareWorks) {
    console.warn(`skipped: ${why}`);
  }
  const inNamespace = (script: string, env: NodeJS.ProcessEnv = {}) => {
    if (!unshareWorks) throw new Error(why);
    const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, ...rest } = process.env;
    const r = spawnSync("unshare", ["-rm", "sh", "-c", script], {
      env: { ...rest, ...env, NODE: process.execPath, MAIN },
      encoding: "utf8",
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  maybe("a read-only output", () => {
    const out = path.join(tempDir("ro"), "cdktf.out");
    demoOutput(out);
    initialised(out, "network");
    const before = snapshot(out);
    const r = inNamespace(`mount --bind "$OUT" "$OUT" && mount -o remount,bind,ro "$OUT" && exec "$NODE" "$MAIN" --out "$OUT"`, {
      OUT: out,
    });
    expect(r.code).toBe(1);
    expect(
      r.stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("error:")),
    ).toEqual([
      expect.stringMatching(
        /^error: --out .*cdktf\.out: cannot write the output: EROFS \(read-only file system: (mkdir .*\.egress6\/gen-.*|open .*\.egress6\/lock\.tmp-\d+)\); the previous output is unchanged$/,
      ),
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(["cdktf.out"]);
  });

  maybe(
    "export:hcl into a read-only folder: one line, the previous export untouched",
    () => {
      const dir = tempDir("ro-hcl");
      const hcl = path.join(dir, "parent", "hcl");
      demoExport(hcl);
      const before = snapshot(path.dirname(hcl));
      const r = inNamespace(
        `cd "$DIR" && mount --bind "$P" "$P" && mount -o remount,bind,ro "$P" && exec "$NODE" "$EXPORT" --out "$P/hcl"`,
        { DIR: dir, P: path.dirname(hcl), EXPORT: path.join(ROOT, "dist", "cli", "export-hcl", "index.js") },
      );
      expect(r.code).toBe(1);
      expect(
        r.stderr
          .trim()
          .split("\n")
          .filter((l) => !l.startsWith("egress6: environment ")),
      ).toEqual([
        expect.stringMatching(
          /^error: --out .*hcl: cannot write the export: EROFS \(read-only file system: .*\); the previous export is unchanged$/,
        ),
      ]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(snapshot(path.dirname(hcl))).toEqual(before);
    },
    60000,
  );

  maybe("diagram --out into a read-only folder: one line, the previous file untouched", () => {
    const dir = tempDir("ro-diagram");
    const pics = path.join(dir, "pics");
    fs.mkdirSync(pics);
    fs.writeFileSync(path.join(pics, "d.svg"), "old\n");
    const r = inNamespace(
      `cd "$DIR" && mount --bind "$P" "$P" && mount -o remount,bind,ro "$P" && exec "$NODE" "$DIAGRAM" --out "$P/d.svg"`,
      { DIR: dir, P: pics, DIAGRAM: path.join(ROOT, "dist", "cli", "diagram", "index.js") },
    );
    expect(r.code).toBe(1);
    expect(
      r.stderr
        .trim()
        .split("\n")
        .filter((l) => !l.startsWith("egress6: environment ")),
    ).toEqual([
      expect.stringMatching(
        /^error: .*d\.svg: cannot write the file: EROFS \(read-only file system: .*\); the previous file is unchanged$/,
      ),
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readdirSync(pics)).toEqual(["d.svg"]);
    expect(fs.readFileSync(path.join(pics, "d.svg"), "utf8")).toBe("old\n");
  });

  maybe("a full file system (ENOSPC)", () => {
    const dir = tempDir("full");
    const ref = path.join(dir, "ref", "cdktf.out");
    demoOutput(ref);
    let bytes = 0;
    for (const f of Object.keys(snapshot(ref))) {
      const full = path.join(ref, f);
      if (fs.lstatSync(full).isFile()) bytes += Math.ceil(fs.statSync(full).size / 4096) * 4096 + 4096;
    }
    const mnt = path.join(dir, "mnt");
    fs.mkdirSync(mnt);
    const before = path.join(dir, "before");
    const after = path.join(dir, "after");
    // Room for one output and a half: the first synth fits, the second runs out of space part-way.
    const script = `mount -t tmpfs -o size=${Math.ceil((bytes * 1.5) / 4096) * 4096} tmpfs "$MNT" && "$NODE" "$MAIN" --out "$MNT/cdktf.out" >/dev/null 2>&1 && cp -a "$MNT/cdktf.out" "$BEFORE" && "$NODE" "$MAIN" --out "$MNT/cdktf.out"; rc=$?; cp -a "$MNT" "$AFTER"; exit $rc`;
    const r = inNamespace(script, { MNT: mnt, BEFORE: before, AFTER: after });
    expect(r.code).toBe(1);
    expect(
      r.stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("error:")),
    ).toEqual([
      expect.stringMatching(
        /^error: --out .*cdktf\.out: cannot write the output: ENOSPC \(no space left on device.*\); the previous output is unchanged$/,
      ),
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(path.join(after, "cdktf.out"))).toEqual(snapshot(before));
    expect(fs.readdirSync(after)).toEqual(["cdktf.out"]);
  });

  test("a deleted working directory", () => {
    const dir = tempDir("gone");
    const out = path.join(dir, "cdktf.out");
    demoOutput(out);
    const before = snapshot(out);
    const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, ...rest } = process.env;
    const r = spawnSync("sh", ["-c", `mkdir "$GONE" && cd "$GONE" && rmdir "$GONE" && exec "$NODE" "$MAIN" --out "$OUT"`], {
      env: { ...rest, GONE: path.join(dir, "gone"), NODE: process.execPath, MAIN, OUT: out },
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      "error: the current directory no longer exists (ENOENT); cd into an existing folder and run the command again",
    ]);
    expect(snapshot(out)).toEqual(before);
  });
});

describe("environments never share terraform working state", () => {
  const base = tempDir("envs");
  const other = writeConfig(base, "other.json", { name: "other" });

  test("a second environment into an output holding the first one's .terraform is refused in one line, naming --out; the first one's state is kept", () => {
    const out = path.join(base, "a", "cdktf.out");
    demoOutput(out);
    initialised(out, "network");
    const before = snapshot(out);
    const r = synth(["--config", other, "--out", out]);
    expect(r.code).toBe(1);
    expect(
      r.stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("error:")),
    ).toEqual([
      expect.stringMatching(
        /^error: --out .*cdktf\.out: holds the terraform working state of environment demo \(stacks\/network\/\.terraform\); synthesizing environment other there would let cdktf diff copy one environment's state into the other's \(-migrate-state\); use --out .*cdktf\.out\.other for other$/,
      ),
    ]);
    expect(snapshot(out)).toEqual(before);
    // The same environment is fine, and so is another one into a folder of its own.
    expect(synth(["--config", path.join(ROOT, "config", "demo.json"), "--out", out]).code).toBe(0);
    expect(synth(["--config", other, "--out", `${out}.other`]).code).toBe(0);
    expect(fs.readFileSync(path.join(out, "stacks", "network", ".terraform", "terraform.tfstate"), "utf8")).toBe(
      '{"backend": "network"}\n',
    );
  });

  test("an output never initialised switches environments freely (the Quick start's second synth)", () => {
    const out = path.join(base, "b", "cdktf.out");
    demoOutput(out);
    expect(synth(["--config", other, "--out", out]).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, SYNTH_MARKER), "utf8")).environment).toBe("other");
  });
});

describe("the output folder's mode is kept", () => {
  test("an existing folder keeps its mode; a new one gets the usual mode, not 0700", () => {
    const out = path.join(tempDir("mode"), "cdktf.out");
    expect(synth(["--out", out]).code).toBe(0);
    const umask = process.umask();
    expect(fs.statSync(out).mode & 0o777).toBe(0o777 & ~umask);
    fs.chmodSync(out, 0o750);
    expect(synth(["--out", out]).code).toBe(0);
    expect(fs.statSync(out).mode & 0o777).toBe(0o750);
  });
});

describe("one synth at a time writes an output", () => {
  const base = () => {
    const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, EGRESS6_TEST_KILL_AT: _k, ...rest } = process.env;
    return rest;
  };
  const whole = (out: string) => {
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")) as { stacks: Record<string, unknown> };
    for (const stack of Object.keys(manifest.stacks)) JSON.parse(fs.readFileSync(path.join(out, "stacks", stack, "cdk.tf.json"), "utf8"));
    expect(fs.readdirSync(path.join(out, ".egress6")).filter((e) => e.startsWith("gen-"))).toHaveLength(1);
    expect(fs.existsSync(path.join(out, ".egress6", "lock"))).toBe(false);
  };

  test("a second synth while one runs is refused in one line naming the first one's pid; the first writes a whole output", async () => {
    const dir = tempDir("lock");
    const out = path.join(dir, "out");
    demoOutput(out);
    const first = spawn(process.execPath, [MAIN, "--out", out], { env: { ...base(), EGRESS6_TEST_HOLD_LOCK_MS: "4000" }, stdio: "ignore" });
    const done = new Promise<number | null>((resolve) => first.on("exit", (code) => resolve(code)));
    const lock = path.join(out, ".egress6", "lock");
    for (let i = 0; i < 200 && !fs.existsSync(lock); i++) await new Promise((r) => setTimeout(r, 25));
    expect(fs.readFileSync(lock, "utf8").trim()).toBe(String(first.pid));
    const second = synth(["--out", out]);
    expect(second.code).toBe(1);
    expect(
      second.stderr
        .trim()
        .split("\n")
        .filter((l) => !l.startsWith("egress6: environment ")),
    ).toEqual([
      expect.stringMatching(
        new RegExp(`^error: --out .*: another synth \\(pid ${first.pid}\\) is writing this output .*wait for it to finish and run again$`),
      ),
    ]);
    expect(await done).toBe(0);
    whole(out);
  }, 60000);

  test("eight concurrent synths: each succeeds or is refused in one line, none fails otherwise, the output is whole", async () => {
    const dir = tempDir("lock");
    const out = path.join(dir, "out");
    demoOutput(out);
    const runs = Array.from({ length: 8 }, () => {
      const child = spawn(process.execPath, [MAIN, "--out", out], { env: base(), stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr!.on("data", (d) => (stderr += d));
      return new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
    });
    const results = await Promise.all(runs);
    for (const r of results) {
      if (r.code === 0) continue;
      expect(r.code).toBe(1);
      expect(
        r.stderr
          .trim()
          .split("\n")
          .filter((l) => !l.startsWith("egress6: environment "))
          .join("\n"),
      ).toMatch(/^error: --out .*: another synth \(pid \d+\) is writing this output[^\n]*$/);
    }
    expect(results.some((r) => r.code === 0)).toBe(true);
    whole(out);
  }, 120000);

  test("a lock left by a dead run is taken over", () => {
    const dir = tempDir("lock");
    const out = path.join(dir, "out");
    demoOutput(out);
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    fs.writeFileSync(path.join(out, ".egress6", "lock"), `${dead}\n`);
    const r = synth(["--out", out]);
    expect(r.code).toBe(0);
    whole(out);
  });
});

test("the reproduction: a user's copy `cp -a cdktf.out .cdktf.out.staging-mybackup` survives the next synth, named on stderr", () => {
  const dir = tempDir("staging");
  const out = path.join(dir, "cdktf.out");
  demoOutput(out);
  const backup = path.join(dir, ".cdktf.out.staging-mybackup");
  expect(spawnSync("cp", ["-a", out, backup]).status).toBe(0);
  fs.writeFileSync(path.join(backup, "my-notes.txt"), "mine\n");
  const r = synth(["--out", out]);
  expect(r.code).toBe(0);
  expect(fs.readFileSync(path.join(backup, "my-notes.txt"), "utf8")).toBe("mine\n");
  expect(r.stderr.split("\n").filter((l) => l.includes("staging-mybackup"))).toHaveLength(1);
});

describe("an export killed part-way is put back by the next export", () => {
  const EXPORT = path.join(ROOT, "dist", "cli", "export-hcl", "index.js");
  const exportTo = (dir: string, hcl: string, killAt?: string) => {
    const { EGRESS6_CONFIG: _c, CDKTF_OUTDIR: _o, EGRESS6_TEST_KILL_AT: _k, ...rest } = process.env;
    const r = spawnSync(process.execPath, [EXPORT, "--out", hcl], {
      cwd: dir,
      env: killAt ? { ...rest, EGRESS6_TEST_KILL_AT: killAt } : rest,
      encoding: "utf8",
    });
    return { code: r.status, signal: r.signal, stderr: r.stderr };
  };
  for (const step of ["export-carried", "export-aside"]) {
    test(`killed at ${step}: the next export puts back the export and its stack's .terraform/ and lock file`, () => {
      const dir = tempDir("hcl-kill");
      const hcl = path.join(dir, "hcl");
      demoExport(hcl);
      const stack = fs.readdirSync(hcl, { withFileTypes: true }).find((e) => e.isDirectory())!.name;
      fs.writeFileSync(path.join(hcl, stack, ".terraform.lock.hcl"), "# committed lock\n");
      fs.mkdirSync(path.join(hcl, stack, ".terraform", "providers"), { recursive: true });
      const killed = exportTo(dir, hcl, step);
      expect(killed.signal).toBe("SIGKILL");
      expect(fs.existsSync(path.join(hcl, stack, ".terraform.lock.hcl"))).toBe(false);
      const next = exportTo(dir, hcl);
      expect(next.code).toBe(0);
      expect(next.stderr).toMatch(/^egress6: a killed export was found: put back .*\.terraform\.lock\.hcl/m);
      expect(fs.readFileSync(path.join(hcl, stack, ".terraform.lock.hcl"), "utf8")).toBe("# committed lock\n");
      expect(fs.existsSync(path.join(hcl, stack, ".terraform", "providers"))).toBe(true);
    }, 90000);
  }
});

test("a stack the new output no longer has keeps its terraform files (committed lock file, .terraform/), said on stderr; its generated files go", () => {
  const out = path.join(tempDir("gone-stack"), "cdktf.out");
  demoOutput(out);
  const gone = path.join(out, "stacks", "retired");
  fs.mkdirSync(path.join(gone, ".terraform", "providers"), { recursive: true });
  fs.writeFileSync(path.join(gone, ".terraform.lock.hcl"), "# committed lock of retired\n");
  fs.symlinkSync("../../.egress6/current/stacks/retired/cdk.tf.json", path.join(gone, "cdk.tf.json"));
  const r = synth(["--out", out]);
  expect(r.code).toBe(0);
  expect(fs.readdirSync(gone).sort()).toEqual([".terraform", ".terraform.lock.hcl"]);
  expect(fs.readFileSync(path.join(gone, ".terraform.lock.hcl"), "utf8")).toBe("# committed lock of retired\n");
  expect(r.stderr.split("\n").filter((l) => l.includes("retired"))).toEqual([
    expect.stringMatching(
      /^egress6: stack retired is no longer in the output; kept its terraform files \(\.terraform, \.terraform\.lock\.hcl\) in .*stacks\/retired; remove them yourself once its resources are destroyed$/,
    ),
  ]);
});
