/** Where the project's own files are, wherever the code runs from (stacks/ under jest, dist/ transpiled, or the dist/main.js bundle). */
import * as fs from "node:fs";
import * as path from "node:path";

let root: string | undefined;

/** The folder holding egress6's package.json. */
export function projectRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "egress6") {
      root = dir;
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`egress6's package.json not found above ${__dirname}`);
  }
}

/** A file `npm run build` writes under dist/. */
export function builtFile(...segments: string[]): string {
  return path.join(projectRoot(), "dist", ...segments);
}
