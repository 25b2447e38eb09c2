// A deterministic ZIP of a directory (deflate, fixed timestamps, sorted entries) for Lambda bundles, with fflate.
// Written at build time so that synth only copies a finished archive: cdktf's ARCHIVE assets spawn a Node
// process per archive (~0.2 s), which alone would take half of the synth budget.
"use strict";
const fs = require("fs");
const path = require("path");
const { zipSync } = require("fflate");

/** 1980-01-01 00:00 local time, the earliest date a ZIP entry can carry: same input, same bytes. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** Regular file, rw-r--r--, in the high 16 bits of the external attributes, with "made by" UNIX (3). */
const UNIX = 3;
const FILE_ATTRS = (0o100644 << 16) >>> 0;

function filesUnder(dir, prefix = "") {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}

/** Writes `outfile`: a ZIP of every file under `dir`, paths relative to `dir`. */
function zipDirectory(dir, outfile) {
  const entries = {};
  for (const name of filesUnder(dir)) {
    entries[name] = [new Uint8Array(fs.readFileSync(path.join(dir, name))), { level: 9, mtime: FIXED_MTIME, os: UNIX, attrs: FILE_ATTRS }];
  }
  fs.writeFileSync(outfile, zipSync(entries));
}

module.exports = { zipDirectory };
