// Tests run the compiled CLIs (dist/); rebuild first so `npx jest` alone never tests stale code (~0.1 s).
const { execFileSync } = require("node:child_process");
const path = require("node:path");

module.exports = async () => {
  execFileSync(process.execPath, [path.join(__dirname, "..", "scripts", "build.js")], { stdio: "inherit" });
};
