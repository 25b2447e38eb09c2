// Removes the run directory made by global-setup.js.
const fs = require("node:fs");

module.exports = async () => {
  const dir = process.env.EGRESS6_TEST_RUN_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
