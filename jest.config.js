/** Jest: TypeScript through @swc/jest (type checking is the separate `tsc --noEmit`). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // jest 30 warns about a haste collision between the repo and staging copies otherwise.
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/cdktf.out"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] },
  globalSetup: "<rootDir>/__tests__/global-setup.js",
  globalTeardown: "<rootDir>/__tests__/global-teardown.js",
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  testTimeout: 60000,
};
