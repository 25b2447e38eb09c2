#!/usr/bin/env node
// Transpiles the app's TypeScript to dist/ with esbuild (no bundling, no type check: `npm run typecheck` does that).
"use strict";
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const sourceDirs = ["stacks", "modules", "lib", "verifier", "scripts", "lambda"];

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
