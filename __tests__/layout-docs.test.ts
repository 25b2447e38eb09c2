/**
 * The layout docs name what is in the tree: every top-level folder and every product command's folder (cli/<command>/,
 * the folders under cli/ with an index.ts) appears in docs/architecture.md and in docs/development.md's layout
 * paragraph, so neither can fall behind the tree.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
/** Not part of the layout: installed packages, build output, synthesized output and local state. */
const NOT_LAYOUT = /^(node_modules|dist|coverage|cdktf\.out.*|atlantis\.out|\.git|\.state|\.terraform|\.tf-check)$/;

/**
 * The project's files: git's (tracked and untracked-not-ignored, so a new folder counts before it is committed, and a
 * user's own output folder such as an HCL export does not) or, outside a git checkout, every file.
 */
function projectFiles(): string[] {
  const git = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
  if (git.status === 0 && git.stdout.length > 0) return git.stdout.split("\0").filter((f) => f !== "" && fs.existsSync(path.join(ROOT, f)));
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = rel === "" ? e.name : `${rel}/${e.name}`;
      if (rel === "" && NOT_LAYOUT.test(e.name)) continue;
      if (e.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk("");
  return out;
}

const files = projectFiles();
const topFolders = [...new Set(files.filter((f) => f.includes("/")).map((f) => `${f.split("/")[0]}/`))].sort();
/** The command folders: `cli/<command>/index.ts` is a command's entry (cli/shared/ has none). */
const commands = files
  .filter((f) => /^cli\/[^/]+\/index\.ts$/.test(f))
  .map((f) => f.split("/")[1])
  .sort();
/** How a doc names a command's folder: `cli/<command>/`, or `<command>/` in a list of cli/'s folders. */
const namesFolder = (text: string, c: string) => text.includes(`\`cli/${c}/\``) || text.includes(`\`${c}/\``);

const architecture = fs.readFileSync(path.join(ROOT, "docs", "architecture.md"), "utf8");
const development = fs.readFileSync(path.join(ROOT, "docs", "development.md"), "utf8");
const layoutParagraph = development.slice(development.indexOf("Layout (the layers"), development.indexOf("Toolchain:"));

describe("layout docs match the tree", () => {
  test("the tree is seen", () => {
    expect(topFolders).toEqual(
      expect.arrayContaining(["app/", "cli/", "config/", "lib/", "modules/", "stacks/", "tooling/", "verifier/", "__tests__/"]),
    );
    expect(commands).toEqual(expect.arrayContaining(["atlantis", "diagram", "export-hcl", "preflight", "squid-config"]));
    expect(files.filter((f) => /^cli\/[^/]+\.ts$/.test(f))).toEqual([]); // every command in a folder of its own
    expect(layoutParagraph.length).toBeGreaterThan(200);
  });

  test("docs/architecture.md names every top-level folder and every command folder", () => {
    expect(topFolders.filter((f) => !architecture.includes(`\`${f}`))).toEqual([]);
    expect(commands.filter((c) => !namesFolder(architecture, c))).toEqual([]);
  });

  test("docs/development.md's layout paragraph names every top-level folder and every command (its folder or its name)", () => {
    expect(topFolders.filter((f) => !layoutParagraph.includes(`\`${f}`))).toEqual([]);
    expect(commands.filter((c) => !namesFolder(layoutParagraph, c) && !layoutParagraph.includes(`\`${c}\``))).toEqual([]);
  });
});
