/**
 * tooling/build.js does no work twice: with no input changed since the last build it exits at once, and any change
 * to a source, the dependencies or the build scripts rebuilds. The npm scripts preload it into the command they run
 * (tooling/built.js), which must build first, run the command as it would run alone, and never run it on a failed
 * build. Run on a copy of the project, so the dist/ other test files use is never rebuilt under them.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { tempDir } from "./helpers";

const ROOT = path.join(__dirname, "..");
const COPIED = [
  "main.ts",
  "app",
  "cli",
  "config",
  "stacks",
  "modules",
  "lib",
  "lambda",
  "verifier",
  "tooling",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
];

describe("the build rebuilds only when an input changed", () => {
  const copy = tempDir("project");
  const main = path.join(copy, "dist", "main.js");
  const build = (...args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(copy, "tooling", "build.js"), ...args], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  };
  const builtAt = () => fs.statSync(main).mtimeMs;
  /** Sets a file's mtime one second later than it was (what an editor's save does). */
  const touch = (rel: string) => {
    const file = path.join(copy, rel);
    const t = fs.statSync(file).mtime;
    fs.utimesSync(file, t, new Date(t.getTime() + 1000));
  };

  beforeAll(() => {
    for (const name of COPIED) fs.cpSync(path.join(ROOT, name), path.join(copy, name), { recursive: true, preserveTimestamps: true });
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
    build();
  }, 120_000);

  test("nothing changed: dist/ is left as it is", () => {
    const before = builtAt();
    build();
    expect(builtAt()).toBe(before);
    expect(fs.existsSync(path.join(copy, "dist", ".build-stamp"))).toBe(true);
  });

  test.each([
    ["a source file", "config/zones.ts"],
    ["package-lock.json", "package-lock.json"],
    ["the build script", "tooling/build.js"],
    ["tsconfig.json", "tsconfig.json"],
  ])(
    "%s changed: rebuilt",
    (_what, rel) => {
      const before = builtAt();
      touch(rel);
      build();
      expect(builtAt()).toBeGreaterThan(before);
      const after = builtAt();
      build();
      expect(builtAt()).toBe(after);
    },
    60_000,
  );

  test("a new source file, a missing output, or --force: rebuilt", () => {
    let before = builtAt();
    fs.writeFileSync(path.join(copy, "lib", "new-file.ts"), "export const x = 1;\n");
    build();
    expect(fs.existsSync(path.join(copy, "dist", "lib", "new-file.js"))).toBe(true);
    expect(builtAt()).toBeGreaterThan(before);
    fs.rmSync(main);
    build();
    expect(fs.existsSync(main)).toBe(true);
    before = builtAt();
    build("--force");
    expect(builtAt()).toBeGreaterThan(before);
  }, 60_000);

  describe("preloaded into a command (node -r tooling/built.js dist/...)", () => {
    const squidConfig = path.join(copy, "dist", "cli", "squid-config", "index.js");
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["-r", path.join(copy, "tooling", "built.js"), squidConfig, ...args], { cwd: copy, encoding: "utf8" });

    test("nothing changed: nothing rebuilt, and the command runs as it would alone (its arguments, require.main)", () => {
      const before = builtAt();
      const r = run("--help");
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^usage: npm run --silent squid-config -- /);
      expect(r.status).toBe(0);
      expect(builtAt()).toBe(before);
      const bad = run("--bogus");
      expect(bad.stderr).toMatch(/^error: --bogus: unknown option \(usage: /);
      expect(bad.status).toBe(1);
    });

    test("a changed source is rebuilt before the command loads, so the command runs the new code", () => {
      const source = path.join(copy, "cli", "squid-config", "index.ts");
      const text = fs.readFileSync(source, "utf8");
      expect(text).toContain("usage: npm run --silent squid-config -- ");
      fs.writeFileSync(
        source,
        text.replace("usage: npm run --silent squid-config -- ", "usage (edited): npm run --silent squid-config -- "),
      );
      const before = builtAt();
      const r = run("--help");
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^usage \(edited\): npm run --silent squid-config -- /);
      expect(builtAt()).toBeGreaterThan(before);
    }, 60_000);

    test("a build that fails: the command does not run, the exit code is not 0, and no stamp says dist/ is current", () => {
      const broken = path.join(copy, "lib", "broken.ts");
      fs.writeFileSync(broken, "export const = ;\n");
      try {
        const r = run("--help");
        expect(r.status).not.toBe(0);
        expect(r.stdout).toBe("");
        expect(r.stderr).toContain("broken.ts");
        expect(fs.existsSync(path.join(copy, "dist", ".build-stamp"))).toBe(false);
      } finally {
        fs.rmSync(broken);
      }
      const r = run("--help");
      expect(r.status).toBe(0);
      expect(fs.existsSync(path.join(copy, "dist", ".build-stamp"))).toBe(true);
    }, 60_000);
  });
});

test("every npm script that runs a built file builds first in the same process (no nested npm run build)", () => {
  const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const runsDist = Object.entries(scripts).filter(([, command]) => /\bdist\//.test(command));
  expect(runsDist.map(([name]) => name)).toEqual(
    expect.arrayContaining([
      "synth",
      "verify",
      "squid-config",
      "preflight",
      "diagram",
      "export:hcl",
      "atlantis",
      "tf:check",
      "bench",
      "golden",
    ]),
  );
  for (const [name, command] of runsDist)
    expect(`${name}: ${command}`).toMatch(new RegExp(`^${name}: node -r \\./tooling/built\\.js dist/\\S+\\.js$`));
  for (const [name, command] of Object.entries(scripts)) expect(`${name}: ${command}`).not.toMatch(/npm run/);
});
