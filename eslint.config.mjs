// Lint: eslint's and typescript-eslint's recommended rules (not the
// type-checked ones, so `npm run lint` stays fast), with the style left to
// prettier (eslint-config-prettier turns off the rules it would fight).
// prettier's printWidth (140) wraps code; max-len catches what it cannot wrap.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

/** The Node.js globals the repository's plain JavaScript files use. */
const nodeGlobals = Object.fromEntries(
  ["require", "module", "exports", "process", "__dirname", "__filename", "console", "Buffer", "URL", "setTimeout", "clearTimeout"].map(
    (name) => [name, "readonly"],
  ),
);

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/",
      "dist/",
      "docs/api/",
      "**/cdktf.out/",
      "apps/*/dist/",
      "bench/results/",
      "coverage/",
      ".jest-cache/",
      "**/.terraform/",
      // The cdktn flavour's build output (flavours/cdktn/build.mjs): generated bindings, the staged source, the package.
      "flavours/cdktn/generated/",
      "flavours/cdktn/stage/",
      "flavours/cdktn/package/",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.js", "**/*.cjs", "**/*.mjs"],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ["**/*.cjs", "jest.config.js"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // These read synthesized Terraform JSON and plan JSON, which have no types: `any` is the honest type there.
    files: ["__tests__/**", "bench/**", "constructs/testing/**", "constructs/cli/**", "constructs/topology/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // Tests match printed output: its indentation is literal spaces and its colours are control characters.
    files: ["__tests__/**"],
    rules: { "no-regex-spaces": "off", "no-control-regex": "off" },
  },
  {
    // The library is built in two flavours (cdktf and cdktn, flavours/cdktn/build.mjs) that differ only in
    // constructs/private/framework.ts and constructs/private/bindings.ts: nothing else in it may name either.
    files: ["constructs/**/*.ts"],
    ignores: ["constructs/private/framework.ts", "constructs/private/bindings.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "^(cdktf|cdktn)(/.*)?$", message: "import the framework from constructs/private/framework.ts (one file per flavour)" },
            {
              regex: "^@(cdktf|cdktn)/",
              message: "import the Docker provider's bindings from constructs/private/bindings.ts (one file per flavour)",
            },
          ],
        },
      ],
    },
  },
  {
    rules: {
      // A leading _ marks what is deliberately unused (e.g. fields left out of a rest object).
      "@typescript-eslint/no-unused-vars": ["error", { varsIgnorePattern: "^_", argsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // For what prettier cannot wrap: long comments, long lines of data.
      "max-len": ["error", { code: 200, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreUrls: true, ignoreRegExpLiterals: true }],
    },
  },
  prettier,
);
