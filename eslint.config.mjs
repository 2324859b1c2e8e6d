// Lint: typescript-eslint's recommended rules plus the architecture as import boundaries
// (server → scim → {mapping, db}; mapping/ imports nothing of ours; only scim/ imports scimmy;
// only db/ imports knex drivers).
import tseslint from "typescript-eslint";

const restrict = (patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "data/", "coverage/", "bench/naive-peer/", "**/*.js", "**/*.mjs"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    files: ["mapping/**/*.ts"],
    rules: restrict([
      { group: ["../server/*", "../scim/*", "../db/*", "../server", "../scim", "../db"], message: "mapping/ is pure: it imports nothing of ours." },
      { group: ["knex", "pg", "better-sqlite3", "express", "scimmy", "scimmy-routers", "node:fs", "node:fs/*", "fs", "node:net", "node:http"], message: "mapping/ does no I/O." },
    ]),
  },
  {
    files: ["db/**/*.ts"],
    rules: restrict([
      { group: ["../server/*", "../scim/*", "../mapping/*", "../mapping"], message: "db/ is a leaf layer: it knows rows and SQL, nothing above it." },
      { group: ["scimmy", "scimmy-routers", "express"], message: "db/ knows nothing of HTTP or SCIM." },
    ]),
  },
  {
    files: ["scim/**/*.ts"],
    rules: restrict([
      { group: ["../server/*", "../../server/*"], message: "scim/ must not import server/ (imports flow server → scim)." },
      { group: ["knex", "pg", "better-sqlite3"], message: "Only db/ talks to the database." },
    ]),
  },
  {
    files: ["server/**/*.ts"],
    rules: restrict([
      { group: ["scimmy", "scimmy-routers"], message: "Only scim/ uses scimmy." },
      { group: ["knex", "pg", "better-sqlite3"], message: "Only db/ talks to the database." },
    ]),
  },
);
