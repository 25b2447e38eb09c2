/**
 * tooling/build.js does no work twice: with no input changed since the last build it exits at once, and any change
 * to a source, the dependencies or the build scripts rebuilds. Run on a copy of the project, so the dist/ other
 * test files use is never rebuilt under them.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { tempDir } from "./helpers";

const ROOT = path.join(__dirname, "..");
const COPIED = ["main.ts", "app", "cli", "config", "stacks", "modules", "lib", "lambda", "verifier", "tooling", "package.json", "package-lock.json", "tsconfig.json"];

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

  test.each([["a source file", "config/zones.ts"], ["package-lock.json", "package-lock.json"], ["the build script", "tooling/build.js"], ["tsconfig.json", "tsconfig.json"]])(
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
});
