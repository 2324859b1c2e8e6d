/**
 * openid-client v6 and the jose it bundles are ESM-only; jest runs CommonJS. ts-jest compiles
 * those packages to CommonJS (allowJs) instead of jest skipping node_modules. oidc-provider, used
 * only by tests, is loaded with Node's own require (see test/support/oidc.ts), not through jest.
 */
const ESM_ONLY = ["openid-client", "oauth4webapi", "jose"];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Type checking is `npm run typecheck`'s job; transpiling per file keeps the suite fast.
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false, tsconfig: { isolatedModules: true } }],
    [`^.+/node_modules/(${ESM_ONLY.join("|")})/.+\\.js$`]: ["ts-jest", { diagnostics: false, tsconfig: { isolatedModules: true, allowJs: true } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join("|")})/)`],
  testTimeout: 60000,
};
