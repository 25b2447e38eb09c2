#!/usr/bin/env node
// Builds dist/ with esbuild (no type check: `npm run typecheck` does that):
// - every TypeScript file transpiled one to one (the CLIs under dist/scripts and dist/verifier run from these);
// - dist/main.js, the synth entry, bundled whole with cdktf and the provider classes it uses: one file to read and
//   compile instead of hundreds, which takes a synth from ~0.52 s to ~0.40 s (npm run bench);
// - the Lambda bundles and their ZIPs.
"use strict";
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const sourceDirs = ["cli", "stacks", "modules", "lib", "verifier", "scripts", "lambda"];

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
  logLevel: "warning",
});

// Lambda functions: one self-contained, minified file each (SDK included, so the deployed code does not depend on
// the runtime's SDK version). "module" first lets esbuild tree-shake the SDK's ES build (0.86 MB instead of 1.5 MB).
// Each bundle is also zipped here (scripts/zip.js): synth only copies the finished archive as a cdktf
// TerraformAsset, since a cdktf ARCHIVE asset spawns a zip process (~0.2 s) on every synth. An archive newer than
// its sources, package-lock.json and these scripts is kept (bundling takes ~0.5 s; every jest run builds first).
const newestMtime = (files) => Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
for (const fn of ["remediation"]) {
  const outfile = path.join(root, "dist", "lambda-bundle", fn, "index.js");
  const zipfile = path.join(root, "dist", "lambda-bundle", `${fn}.zip`); // what the stack deploys (scripts/zip.js)
  const inputs = [...collect(path.join(root, "lambda", fn), []), path.join(root, "package-lock.json"), __filename, path.join(__dirname, "zip.js")];
  if (fs.existsSync(zipfile) && fs.statSync(zipfile).mtimeMs >= newestMtime(inputs)) continue;
  esbuild.buildSync({
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
  });
  require("./zip").zipDirectory(path.dirname(outfile), zipfile);
}
