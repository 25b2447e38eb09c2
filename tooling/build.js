#!/usr/bin/env node
// Builds dist/ with esbuild (no type check: `npm run typecheck` does that):
// - every TypeScript file transpiled one to one (the CLIs under dist/cli, dist/tooling and dist/verifier run from these);
// - dist/main.js, the synth entry, bundled whole with cdktf and the provider classes it uses: one file to read and
//   compile instead of hundreds, which takes a synth from ~0.52 s to ~0.40 s (npm run bench);
// - the Lambda bundles and their ZIPs.
// - nothing at all when no input changed since the last build (a stamp of every input's path, size and mtime), so
//   `npm run synth`, `verify`, `squid-config` and `tf:check` do no work twice; `--force` builds anyway.
// Run as `node tooling/build.js [--force]`, or through tooling/built.js, which the npm scripts preload into the
// command they run (`node -r ./tooling/built.js dist/main.js`): one process, no second npm or node start-up.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const sourceDirs = ["app", "cli", "config", "stacks", "modules", "lib", "lambda", "verifier", "tooling"];

function collect(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) collect(full, out);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

const entryPoints = [path.join(root, "main.ts")];
for (const d of sourceDirs) collect(path.join(root, d), entryPoints);

// Everything that decides what dist/ holds: the sources, the dependencies (package-lock.json), the compiler settings
// and these scripts. A new, deleted, grown or touched file changes the stamp.
const stampFile = path.join(root, "dist", ".build-stamp");
function inputStamp() {
  const inputs = [
    ...entryPoints,
    path.join(root, "package-lock.json"),
    path.join(root, "package.json"),
    path.join(root, "tsconfig.json"),
    __filename,
    path.join(__dirname, "zip.js"),
  ];
  const hash = crypto.createHash("sha256");
  for (const file of inputs.sort()) {
    let line;
    try {
      const st = fs.statSync(file);
      line = `${path.relative(root, file)}\t${st.size}\t${st.mtimeMs}`;
    } catch {
      line = `${path.relative(root, file)}\tmissing`;
    }
    hash.update(line).update("\n");
  }
  return hash.digest("hex");
}

/** Builds dist/ unless it is current (or `force`); throws when the build fails, leaving no stamp behind. */
function ensureBuilt({ force = false } = {}) {
  const stamp = inputStamp();
  const outputsPresent = ["main.js", "lambda-bundle/remediation.zip", "lambda-bundle/proxy-failover.zip"].every((f) =>
    fs.existsSync(path.join(root, "dist", f)),
  );
  if (!force && outputsPresent && fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === stamp) return;
  // A build that fails half-way must not leave a stamp that says dist/ is current.
  fs.rmSync(stampFile, { force: true });
  build();
  fs.writeFileSync(stampFile, stamp);
}

/** esbuild: the transpiled files, the bundled synth entry, the Lambda bundles and their ZIPs. */
function build() {
  const esbuild = require("esbuild");

  esbuild.buildSync({
    entryPoints,
    outdir: path.join(root, "dist"),
    outbase: root,
    format: "cjs",
    platform: "node",
    target: "node20",
    sourcemap: false,
    logLevel: "warning",
  });

  // Identifiers are kept (whitespace and syntax minified only), so an unexpected error's stack trace stays readable.
  esbuild.buildSync({
    entryPoints: [path.join(root, "main.ts")],
    outfile: path.join(root, "dist", "main.js"),
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    // jsonc-parser's "main" is a UMD build whose requires esbuild cannot follow; its ES build bundles cleanly.
    alias: { "jsonc-parser": "jsonc-parser/lib/esm/main.js" },
    logLevel: "warning",
  });

  // Lambda functions: one self-contained, minified file each (SDK included, so the deployed code does not depend on
  // the runtime's SDK version). "module" first lets esbuild tree-shake the SDK's ES build (0.86 MB instead of 1.5 MB).
  // Each bundle is also zipped here (tooling/zip.js): synth only copies the finished archive as a cdktf
  // TerraformAsset, since a cdktf ARCHIVE asset spawns a zip process (~0.2 s) on every synth. An archive newer than
  // every file its last bundle read, package-lock.json and these scripts is kept (bundling takes ~0.5 s).
  const newestMtime = (files) => Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
  for (const fn of ["remediation", "proxy-failover"]) {
    const outfile = path.join(root, "dist", "lambda-bundle", fn, "index.js");
    const zipfile = path.join(root, "dist", "lambda-bundle", `${fn}.zip`); // what the stack deploys (tooling/zip.js)
    // What the last bundle was built from, as esbuild recorded it (its metafile's inputs, node_modules left to
    // package-lock.json): a change to any file the function imports, wherever it lives, rebuilds it.
    const inputsFile = path.join(root, "dist", "lambda-bundle", `${fn}.inputs.json`);
    const recorded = fs.existsSync(inputsFile) ? JSON.parse(fs.readFileSync(inputsFile, "utf8")) : undefined;
    const inputs = [...(recorded ?? []), path.join(root, "package-lock.json"), __filename, path.join(__dirname, "zip.js")];
    const current = recorded !== undefined && recorded.every((f) => fs.existsSync(f));
    if (current && fs.existsSync(zipfile) && fs.statSync(zipfile).mtimeMs >= newestMtime(inputs)) continue;
    const result = esbuild.buildSync({
      entryPoints: [path.join(root, "lambda", fn, "index.ts")],
      outfile,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      minify: true,
      mainFields: ["module", "main"],
      legalComments: "none",
      logLevel: "warning",
      metafile: true,
      absWorkingDir: root, // metafile paths are relative to this
    });
    require("./zip").zipDirectory(path.dirname(outfile), zipfile);
    const sources = Object.keys(result.metafile.inputs)
      .filter((f) => !f.split(/[\\/]/).includes("node_modules"))
      .map((f) => path.resolve(root, f));
    fs.writeFileSync(inputsFile, JSON.stringify(sources.sort()));
  }
}

module.exports = { ensureBuilt };
if (require.main === module) ensureBuilt({ force: process.argv.includes("--force") });
