// ESLint: typescript-eslint's recommended rules on every TypeScript and JavaScript source (`npm run lint`).
// Formatting is Prettier's job (.prettierrc.json); the one stylistic rule here is max-len, for what Prettier leaves.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    // Generated code (*.generated.ts) is its generator's output, checked byte for byte by the generator (npm run hcl:schema -- --check).
    ignores: [
      "node_modules/",
      "dist/",
      "cdktf.out*/",
      "**/cdktf.out/",
      "atlantis.out/",
      "hcl.out/",
      "__tests__/fixtures/",
      ".state/",
      "**/*.generated.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: {
        process: "readonly",
        console: "readonly",
        require: "readonly",
        module: "writable",
        __dirname: "readonly",
        __filename: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        URL: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Prettier wraps code at 140; comments it leaves alone, so they are held here. Strings, templates and regular
      // expressions (expected messages in tests, mostly) stay whole: breaking them would hide what is matched.
      "max-len": ["error", { code: 140, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
    },
  },
  {
    // Tests hand-build AWS SDK responses and synthesized JSON; `any` is allowed there, not in the sources.
    files: ["__tests__/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
