// Lint: typescript-eslint's recommended rules plus the architecture as import boundaries.
// Imports flow one way: server → {scim, roles} → {mapping, db}; http/ (the steps SCIM and /api both
// take: request id, body guard, request problems, the async route wrapper) sits below server/, scim/
// and roles/ and imports nothing of ours. scim/ never imports roles/ (it calls
// the PermissionSync interface that roles/ implements, declared in scim/context.ts); roles/ knows
// nothing of HTTP or SCIM and takes from scim/ only the types of that port; mapping/ imports nothing
// of ours; mapping/json.ts (the one JSON object guard) imports nothing at all, and every layer and the
// console may use it; only scim/ imports scimmy; only db/
// creates knex or runs SQL. test/architecture/layers.test.ts checks the same picture. The console
// (console/, a page built for the browser) takes only types from the server side: nothing of the
// server is bundled into it, and it speaks to the server over HTTP alone.
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const restrict = (patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

const SQL_OUTSIDE_DB = "Only db/ runs SQL: add a function to db/ and call it.";
// knex's query builder is reached through an Executor; these calls are how SQL gets written or run.
const noSql = {
  "no-restricted-syntax": [
    "error",
    { selector: "CallExpression[callee.property.name=/^(raw|transaction|schema)$/]", message: SQL_OUTSIDE_DB },
    { selector: "CallExpression[callee.property.name='knex']", message: SQL_OUTSIDE_DB },
    { selector: "CallExpression[callee.type='Identifier'][callee.name=/^(tx|trx|knex)$/]", message: SQL_OUTSIDE_DB },
  ],
};

const DRIVERS = ["knex", "pg", "better-sqlite3"];
const SCIMMY = ["scimmy", "scimmy-routers"];

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "console/dist/", "data/", "coverage/", "bench/naive-peer/", "**/*.js", "**/*.mjs"] },
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
      { group: ["../server/*", "../scim/*", "../roles/*", "../db/*", "../http/*", "../server", "../scim", "../roles", "../db", "../http"], message: "mapping/ is pure: it imports nothing of ours." },
      { group: [...DRIVERS, "express", ...SCIMMY, "node:fs", "node:fs/*", "fs", "node:net", "node:http"], message: "mapping/ does no I/O." },
    ]),
  },
  {
    files: ["db/**/*.ts"],
    rules: restrict([
      { group: ["../server/*", "../scim/*", "../roles/*", "../http/*", "../server", "../scim", "../roles", "../http"], message: "db/ is a leaf layer: it knows rows and SQL, nothing above it." },
      { regex: "^\\.\\./mapping(/(?!json$).*)?$", message: "db/ is a leaf layer: of mapping/ it uses only the one JSON object guard (mapping/json.ts), a leaf itself." },
      { group: [...SCIMMY, "express"], message: "db/ knows nothing of HTTP or SCIM." },
    ]),
  },
  {
    files: ["http/**/*.ts"],
    rules: {
      ...restrict([
        { group: ["../server/*", "../scim/*", "../roles/*", "../mapping/*", "../db/*", "../server", "../scim", "../roles", "../mapping", "../db"], message: "http/ is a leaf below SCIM and /api: it imports nothing of ours." },
        { group: [...DRIVERS, ...SCIMMY], message: "http/ knows requests, not the database or SCIM." },
      ]),
      ...noSql,
    },
  },
  {
    files: ["scim/**/*.ts"],
    rules: {
      ...restrict([
        { group: ["../server/*", "../server", "../../server/*", "../../server"], message: "scim/ must not import server/ (imports flow server → scim)." },
        { group: ["../roles/*", "../roles", "../../roles/*", "../../roles"], message: "scim/ must not import roles/: it calls the PermissionSync interface (scim/context.ts) that roles/ implements." },
        { group: DRIVERS, message: "Only db/ talks to the database." },
      ]),
      ...noSql,
    },
  },
  {
    files: ["roles/**/*.ts"],
    rules: {
      // The port roles/ implements (PermissionSync and its argument types) is all it takes from scim/, as types.
      "@typescript-eslint/no-restricted-imports": ["error", {
        patterns: [{ group: ["../scim/context", "../../scim/context"], allowTypeImports: true, message: "roles/ takes only types from scim/context.ts (import type): the port it implements." }],
      }],
      ...restrict([
        { group: ["../server/*", "../server"], message: "roles/ must not import server/ (imports flow server → roles)." },
        { regex: "^(\\.\\./)+scim(/(?!context$).*)?$", message: "roles/ knows only the interface scim/ calls it through (scim/context.ts)." },
        { group: [...SCIMMY, "express"], message: "roles/ knows nothing of HTTP or SCIM." },
        { group: DRIVERS, message: "Only db/ talks to the database." },
      ]),
      ...noSql,
    },
  },
  {
    files: ["server/**/*.ts"],
    rules: {
      ...restrict([
        { group: SCIMMY, message: "Only scim/ uses scimmy." },
        { group: DRIVERS, message: "Only db/ talks to the database." },
      ]),
      ...noSql,
    },
  },
  {
    files: ["console/**/*.ts", "console/**/*.tsx", "console/**/*.mts"],
    // Preact's hooks follow React's rules: called in the same order on every render, never after an early return.
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": ["error", {
        patterns: [
          {
            // Out of console/ (two or more levels up) into a layer of the server; mapping/json.ts, a
            // leaf that imports nothing (the one JSON object guard), is bundled.
            regex: "^(\\.\\./){2,}(server|roles|db|scim|http|mapping(?!/json$))(/|$)",
            allowTypeImports: true,
            message: "The console imports only types from the server side (import type): it talks to the server over HTTP.",
          },
          { group: [...DRIVERS, ...SCIMMY, "express", "jose", "openid-client", "pino"], message: "The console runs in the browser: no server libraries." },
        ],
      }],
    },
  },
);
