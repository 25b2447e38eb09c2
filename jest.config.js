/**
 * Jest: TypeScript through @swc/jest (type checking is the separate `tsc --noEmit`), in two layers (projects):
 * - `unit`: `__tests__/unit/**`, pure and fast (no child processes, no dist/, no terraform, no squid);
 *   `npm run test:unit` (target: under one minute idle).
 * - `app`: everything else (whole-app synths, the CLIs from dist/, real terraform, real squid); `npm run test:app`.
 * `npm test` runs both. Jest uses every core (`maxWorkers: "100%"`; its default is one fewer than the cores, which is
 * one worker on the 2-core build machine); suites that share anything (the run directory, the offline terraform
 * check, network namespaces, ports) are safe in parallel, see __tests__/support/offline-check.ts.
 */
const shared = {
  testEnvironment: "node",
  // jest 30 warns about a haste collision between the repo and staging copies otherwise.
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/cdktf.out"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  testTimeout: 60000,
};

module.exports = {
  maxWorkers: "100%",
  projects: [
    {
      ...shared,
      displayName: "unit",
      roots: ["<rootDir>/__tests__"],
      testMatch: ["<rootDir>/__tests__/unit/**/*.test.ts"],
    },
    {
      ...shared,
      displayName: "app",
      roots: ["<rootDir>/__tests__"],
      testMatch: ["**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/__tests__/unit/"],
      // Rebuilds dist/ and makes the run directory; jest runs it once, and only when an app test runs.
      globalSetup: "<rootDir>/__tests__/global-setup.js",
      globalTeardown: "<rootDir>/__tests__/global-teardown.js",
    },
  ],
};
