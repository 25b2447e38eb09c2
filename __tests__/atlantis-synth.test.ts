/**
 * The pre-workflow hook's synth (`npm run atlantis -- synth`) never disturbs what Atlantis keeps in the stack dirs:
 * a re-synth writes only files whose bytes change, so the other projects' dirs stay byte-identical (their
 * `.terraform/`, lock file and saved plan included), and removes only files an earlier synth wrote.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  environmentDir,
  planFileName,
  projectName,
  readEnvironments,
  stackDir,
  synthesizeEnvironments,
  ENVIRONMENTS_FILE,
} from "../cli/atlantis/environments";
import { listFiles, readRecord, RECORD_FILE, updateInPlace } from "../cli/atlantis/output-update";
import { UserError } from "../config/load";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const YAML = require("yaml") as typeof import("yaml");

const repoRoot = path.resolve(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-atlantis-synth-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every entry under `dir` (files, folders, symbolic links) with its bytes or link target and its mtime and inode. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = path.join(rel, e.name);
      const full = path.join(dir, child);
      const st = fs.lstatSync(full);
      if (e.isSymbolicLink()) out[child] = `link ${fs.readlinkSync(full)} ${st.mtimeMs} ${st.ino}`;
      else if (e.isDirectory()) {
        out[child] = "dir";
        walk(child);
      } else out[child] = `${fs.readFileSync(full).toString("base64")} ${st.mtimeMs} ${st.ino}`;
    }
  };
  walk("");
  return out;
}

/** A clone of the repository's Atlantis environments in `dir`. */
function clone(dir: string): { configFile: string; name: string } {
  fs.mkdirSync(path.dirname(path.join(dir, ENVIRONMENTS_FILE)), { recursive: true });
  fs.copyFileSync(path.join(repoRoot, ENVIRONMENTS_FILE), path.join(dir, ENVIRONMENTS_FILE));
  const [env] = readEnvironments(repoRoot);
  fs.copyFileSync(path.join(repoRoot, env.configFile), path.join(dir, env.configFile));
  return { configFile: env.configFile, name: env.name };
}

/** What Atlantis and terraform leave in a stack dir after a plan. */
function planned(root: string, env: string, stack: string): void {
  const dir = path.join(root, stackDir(env, stack));
  fs.mkdirSync(path.join(dir, ".terraform", "providers"), { recursive: true });
  fs.writeFileSync(path.join(dir, ".terraform", "terraform.tfstate"), `{"backend": "${stack}"}\n`);
  fs.symlinkSync("/nonexistent/plugin-cache/aws", path.join(dir, ".terraform", "providers", "aws"));
  fs.writeFileSync(path.join(dir, ".terraform.lock.hcl"), `# lock of ${stack}\n`);
  fs.writeFileSync(path.join(dir, planFileName(projectName(env, stack), "default")), `plan of ${stack}`);
  fs.writeFileSync(path.join(dir, `${projectName(env, stack)}-default.json`), `{"show": "${stack}"}`);
}

test("a re-synth after a change to one stack leaves every other stack dir byte-identical, and keeps every .terraform, lock file and saved plan", () => {
  const root = path.join(tmp, "resynth");
  const env = clone(root);
  synthesizeEnvironments(root, "commit-1");
  const stacks = fs.readdirSync(path.join(root, environmentDir(env.name), "stacks"));
  for (const stack of stacks) planned(root, env.name, stack);
  const before = Object.fromEntries(stacks.map((s) => [s, snapshot(path.join(root, stackDir(env.name, s)))]));

  // A change to the egress allowlist: the inspection stack's rules change.
  const configPath = path.join(root, env.configFile);
  const config = YAML.parse(fs.readFileSync(configPath, "utf8")) as { egress: { domains: string[] } };
  config.egress.domains.push("example.org");
  fs.writeFileSync(configPath, YAML.stringify(config));
  const [result] = synthesizeEnvironments(root, "commit-2");

  const changed = stacks.filter((s) => JSON.stringify(snapshot(path.join(root, stackDir(env.name, s)))) !== JSON.stringify(before[s]));
  expect(changed).toContain("inspection");
  expect(result.result.written).toContain("stacks/inspection/cdk.tf.json");
  // Only what the config change touches was rewritten; every other stack dir is exactly as it was.
  for (const s of stacks.filter((x) => !changed.includes(x))) expect(snapshot(path.join(root, stackDir(env.name, s)))).toEqual(before[s]);
  expect(stacks.length - changed.length).toBeGreaterThanOrEqual(3);
  expect(result.result.written.every((f) => changed.some((s) => f.startsWith(`stacks/${s}/`)))).toBe(true);
  // In the changed stacks too, only cdk.tf.json moved: .terraform, the lock file and the saved plan are kept.
  for (const s of changed) {
    const after = snapshot(path.join(root, stackDir(env.name, s)));
    for (const [entry, value] of Object.entries(before[s]))
      if (!entry.endsWith("cdk.tf.json")) expect({ entry, value: after[entry] }).toEqual({ entry, value });
  }
  expect(readRecord(path.join(root, environmentDir(env.name)))!.about.commit).toBe("commit-2");

  // The same commit synthesized again writes nothing at all.
  const again = synthesizeEnvironments(root, "commit-2")[0].result;
  expect({ written: again.written, removed: again.removed }).toEqual({ written: [], removed: [] });
});

test("the hook's command (npm run --silent atlantis -- synth) in a clone records HEAD_COMMIT", () => {
  const root = path.join(tmp, "cli");
  const env = clone(root);
  fs.copyFileSync(path.join(repoRoot, "package.json"), path.join(root, "package.json"));
  const r = spawnSync(process.execPath, [path.join(repoRoot, "dist", "cli", "atlantis", "index.js"), "synth"], {
    cwd: root,
    env: { ...process.env, HEAD_COMMIT: "abc123" },
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^egress6: ${env.name} -> atlantis.out/${env.name}: \\d+ written, 0 removed, 0 unchanged\\n$`));
  expect(readRecord(path.join(root, environmentDir(env.name)))!.about).toMatchObject({
    commit: "abc123",
    config: env.configFile,
    environment: env.name,
  });
});

test("a synth that fails (bad config) changes nothing in the output folder", () => {
  const root = path.join(tmp, "failed");
  const env = clone(root);
  synthesizeEnvironments(root, "good");
  for (const stack of fs.readdirSync(path.join(root, environmentDir(env.name), "stacks"))) planned(root, env.name, stack);
  const before = snapshot(path.join(root, environmentDir(env.name)));
  fs.writeFileSync(path.join(root, env.configFile), "name: prod\nregion: nowhere-1\n");
  expect(() => synthesizeEnvironments(root, "bad")).toThrow(UserError);
  expect(snapshot(path.join(root, environmentDir(env.name)))).toEqual(before);
});

test("a refused folder of the second environment leaves the first environment's folder untouched (every target checked before any write)", () => {
  const root = path.join(tmp, "two-envs");
  const env = clone(root);
  synthesizeEnvironments(root, "one");
  for (const stack of fs.readdirSync(path.join(root, environmentDir(env.name), "stacks"))) planned(root, env.name, stack);
  const before = snapshot(path.join(root, environmentDir(env.name)));

  // A second environment, listed after the first, whose output folder holds someone else's files.
  const config = YAML.parse(fs.readFileSync(path.join(root, env.configFile), "utf8")) as { name: string; egress: { domains: string[] } };
  const second = path.posix.join(path.posix.dirname(env.configFile), "staging.yaml");
  fs.writeFileSync(path.join(root, second), YAML.stringify({ ...config, name: "staging" }));
  fs.writeFileSync(path.join(root, ENVIRONMENTS_FILE), YAML.stringify({ environments: [{ config: env.configFile }, { config: second }] }));
  fs.mkdirSync(path.join(root, environmentDir("staging")), { recursive: true });
  fs.writeFileSync(path.join(root, environmentDir("staging"), "notes.md"), "mine");
  // And a change to the first environment, so that updating it would write files.
  config.egress.domains.push("example.org");
  fs.writeFileSync(path.join(root, env.configFile), YAML.stringify(config));

  expect(() => synthesizeEnvironments(root, "two")).toThrow(
    /^atlantis\.out\/staging: refusing to write into .*atlantis\.out\/staging: it holds files no egress6 Atlantis update wrote \(notes\.md\) and no \.egress6-output\.json marker/,
  );
  expect(snapshot(path.join(root, environmentDir(env.name)))).toEqual(before);
  expect(readRecord(path.join(root, environmentDir(env.name)))!.about.commit).toBe("one");
  expect(listFiles(path.join(root, environmentDir("staging")))).toEqual(["notes.md"]);
});

describe("updateInPlace", () => {
  const write = (dir: string, files: Record<string, string>) => {
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
  };

  test("removes files the previous update wrote and the new output lacks (and their emptied folders), keeps everything else", () => {
    const base = path.join(tmp, "update");
    const target = path.join(base, "target");
    write(path.join(base, "v1"), { "stacks/a/cdk.tf.json": "a1", "stacks/a/assets/old/code.zip": "zip1", "stacks/b/cdk.tf.json": "b1" });
    write(path.join(base, "v2"), { "stacks/a/cdk.tf.json": "a1", "stacks/a/assets/new/code.zip": "zip2", "stacks/b/cdk.tf.json": "b2" });
    updateInPlace(path.join(base, "v1"), target, { environment: "x" });
    write(target, { "stacks/a/a-default.tfplan": "plan a", "stacks/a/assets/old/notes.txt": "someone else's" });
    const result = updateInPlace(path.join(base, "v2"), target, { environment: "x" });
    expect(result).toEqual({
      written: ["stacks/a/assets/new/code.zip", "stacks/b/cdk.tf.json"],
      removed: ["stacks/a/assets/old/code.zip"],
      unchanged: 1,
    });
    expect(listFiles(target)).toEqual([
      RECORD_FILE,
      "stacks/a/a-default.tfplan",
      "stacks/a/assets/new/code.zip",
      "stacks/a/assets/old/notes.txt",
      "stacks/a/cdk.tf.json",
      "stacks/b/cdk.tf.json",
    ]);
  });

  test("a file the previous update wrote but someone changed since is left alone", () => {
    const base = path.join(tmp, "edited");
    const target = path.join(base, "target");
    write(path.join(base, "v1"), { "x.json": "1", "y.json": "1" });
    write(path.join(base, "v2"), { "x.json": "1" });
    updateInPlace(path.join(base, "v1"), target, {});
    fs.writeFileSync(path.join(target, "y.json"), "edited");
    expect(updateInPlace(path.join(base, "v2"), target, {}).removed).toEqual([]);
    expect(fs.readFileSync(path.join(target, "y.json"), "utf8")).toBe("edited");
  });

  test("refuses a non-empty folder it did not write, touching nothing", () => {
    const base = path.join(tmp, "foreign");
    write(path.join(base, "v1"), { "x.json": "1" });
    write(path.join(base, "target"), { "notes.md": "mine" });
    expect(() => updateInPlace(path.join(base, "v1"), path.join(base, "target"), {})).toThrow(
      /refusing to write into .*target: it holds files no egress6 Atlantis update wrote \(notes\.md\) and no \.egress6-output\.json marker; choose a new or empty folder$/,
    );
    expect(listFiles(path.join(base, "target"))).toEqual(["notes.md"]);
  });

  test("refuses a folder that is or holds a git working tree, and a record a newer egress6 wrote, touching nothing", () => {
    const base = path.join(tmp, "guarded");
    write(path.join(base, "v1"), { "x.json": "1" });
    const repo = path.join(base, "outer");
    fs.mkdirSync(path.join(repo, "inner", ".git"), { recursive: true });
    expect(() => updateInPlace(path.join(base, "v1"), repo, {})).toThrow(
      /refusing to write into .*outer: it holds files no egress6 Atlantis update wrote \(inner\)/,
    );
    expect(() => updateInPlace(path.join(base, "v1"), path.join(repo, "inner"), {})).toThrow(
      /refusing to write there: .*inner is a git working tree \(.*\), which an Atlantis update writes into; choose a folder of its own/,
    );
    expect(fs.readdirSync(path.join(repo, "inner"))).toEqual([".git"]);
    write(path.join(base, "newer"), { [RECORD_FILE]: JSON.stringify({ version: 2, about: {}, files: {} }) });
    expect(() => updateInPlace(path.join(base, "v1"), path.join(base, "newer"), {})).toThrow(
      /a newer egress6 wrote it \(marker format 2, this one knows 1\)/,
    );
    expect(listFiles(path.join(base, "newer"))).toEqual([RECORD_FILE]);
  });

  test("refuses a folder inside another egress6 output, or holding one, touching nothing", () => {
    const base = path.join(tmp, "nested-update");
    write(path.join(base, "v1"), { "x.json": "1" });
    write(path.join(base, "outer"), { ".egress6-synth": "{}" });
    expect(() => updateInPlace(path.join(base, "v1"), path.join(base, "outer", "prod"), {})).toThrow(
      /refusing to write into .*prod: it lies inside .*outer, an egress6 output \(\.egress6-synth\)/,
    );
    expect(fs.existsSync(path.join(base, "outer", "prod"))).toBe(false);
    updateInPlace(path.join(base, "v1"), path.join(base, "env"), {});
    write(path.join(base, "env", "inner"), { ".egress6-export": "{}" });
    expect(() => updateInPlace(path.join(base, "v1"), path.join(base, "env"), {})).toThrow(
      /it holds .*inner, another egress6 output \(\.egress6-export\)/,
    );
  });

  describe("an edited or stale record never removes or writes a path outside its folder", () => {
    /** A project with README.md beside atlantis.out/<env>, as in a clone; the folder's record is then edited. */
    const setup = (name: string) => {
      const base = path.join(tmp, name);
      const project = path.join(base, "project");
      const target = path.join(project, "atlantis.out", "prod");
      write(path.join(base, "v1"), { "stacks/a/cdk.tf.json": "a1" });
      write(project, { "README.md": "the project's README\n" });
      updateInPlace(path.join(base, "v1"), target, { environment: "prod" });
      const editRecord = (files: Record<string, string>) => {
        const record = JSON.parse(fs.readFileSync(path.join(target, RECORD_FILE), "utf8"));
        record.files = { ...record.files, ...files };
        fs.writeFileSync(path.join(target, RECORD_FILE), JSON.stringify(record));
      };
      return { base, project, target, editRecord, v1: path.join(base, "v1") };
    };
    const readmeDigest = createHash("sha256").update("the project's README\n").digest("hex");

    test("the issue's reproduction: ../../README.md with a matching hash is refused in one line and nothing is removed", () => {
      const { project, target, editRecord, v1 } = setup("escape-dotdot");
      editRecord({ "../../README.md": readmeDigest });
      const before = snapshot(project);
      let error: unknown;
      try {
        updateInPlace(v1, target, { environment: "prod" });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).problems).toEqual([
        expect.stringMatching(
          /\.egress6-output\.json: files: "\.\.\/\.\.\/README\.md": climbs out with \.\.; accepted: a path inside the folder; .*remove the folder yourself/,
        ),
      ]);
      expect(snapshot(project)).toEqual(before);
      expect(fs.readFileSync(path.join(project, "README.md"), "utf8")).toBe("the project's README\n");
    });

    test.each([
      ["an absolute path", (project: string) => path.join(project, "README.md"), /an absolute path/],
      ["a path with a . segment", () => "./stacks/../../../README.md", /climbs out with \.\./],
      ["a backslash path", () => "..\\..\\README.md", /backslash/],
    ])("%s in the record is refused, nothing touched", (_, rel, message) => {
      const { project, target, editRecord, v1 } = setup(`escape-${_.replace(/\W+/g, "-")}`);
      editRecord({ [rel(project)]: readmeDigest });
      const before = snapshot(project);
      expect(() => updateInPlace(v1, target, {})).toThrow(message);
      expect(snapshot(project)).toEqual(before);
    });

    test("a symbolic link in the folder that leads out is refused: neither the record's files nor the new output go through it", () => {
      const { project, target, editRecord, v1 } = setup("escape-link");
      fs.symlinkSync(project, path.join(target, "up"));
      editRecord({ "up/README.md": readmeDigest });
      const before = snapshot(project);
      expect(() => updateInPlace(v1, target, {})).toThrow(
        /up: a symbolic link \(to .*project\) on the way to up\/README\.md; .*remove the link$/,
      );
      expect(snapshot(project)).toEqual(before);
      // A link where the new output writes (stacks -> outside) is refused the same way, before any write.
      const other = setup("escape-link-write");
      const outside = path.join(other.base, "outside");
      fs.mkdirSync(outside);
      fs.rmSync(path.join(other.target, "stacks"), { recursive: true });
      fs.symlinkSync(outside, path.join(other.target, "stacks"));
      expect(() => updateInPlace(other.v1, other.target, {})).toThrow(/stacks: a symbolic link .* on the way to stacks\/a\/cdk\.tf\.json/);
      expect(fs.readdirSync(outside)).toEqual([]);
    });
  });
});
