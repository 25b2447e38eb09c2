// Runs once before every test file:
// - rebuild dist/ (tests run the compiled CLIs; ~0.1 s), so `npx jest` alone never tests stale code;
// - make the run directory that test files share (see __tests__/support/offline-check.ts).
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

module.exports = async () => {
  execFileSync(process.execPath, [path.join(__dirname, "..", "tooling", "build.js")], { stdio: "inherit" });
  process.env.EGRESS6_TEST_RUN_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-test-run-"));
};
