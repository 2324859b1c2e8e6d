/**
 * How much structure one request may carry before it is refused (400), so that every parser,
 * compiler and renderer downstream stays within its stack and the database within its limits.
 * The defaults are the configuration's (server/config.ts); the maxima are what the operator may
 * raise them to and what the tests prove still works on SQLite and PostgreSQL.
 */
export interface InputLimits {
  /** Arrays and objects nested in one JSON request body (SCIM and /api). */
  readonly maxJsonDepth: number;
  /** Attribute expressions (`userName eq "x"`, `title pr`) in one filter, value filters' included. */
  readonly maxFilterTerms: number;
  /** Parentheses and `not (…)` nested in one filter. */
  readonly maxFilterDepth: number;
  /** Operations in one PATCH request, alone or inside /Bulk. */
  readonly maxPatchOperations: number;
  /** Paths in one `attributes` or `excludedAttributes` list. */
  readonly maxAttributePaths: number;
}

/**
 * Real bodies nest five or six levels (a Bulk operation's data holding a PATCH value holding
 * `emails`); 64 leaves a wide margin and keeps recursion over a value far from the stack's limit.
 * Okta and Entra send filters of one or two terms (`userName eq "…"`, `id eq "…" and
 * members[value eq "…"]`); 200 lets a client ask for a page of users by name in one query, while
 * SQLite refuses an expression tree deeper than 1000 (SQLITE_MAX_EXPR_DEPTH), which a left-deep
 * chain of about 1000 `or` terms reaches.
 */
/**
 * Operations per PATCH: the recorded IdP traffic sends at most 4 (fixtures/entra/upsert-address.json),
 * and a membership change names its members in one operation's value array; 1000 leaves room for a
 * client that sends one operation per member, and keeps planning one request in milliseconds.
 * Paths per `attributes`/`excludedAttributes` list: a schema of ours has fewer than 40 attributes.
 */
export const DEFAULT_INPUT_LIMITS: InputLimits = Object.freeze({ maxJsonDepth: 64, maxFilterTerms: 200, maxFilterDepth: 100, maxPatchOperations: 1000, maxAttributePaths: 100 });

/** The largest SCIM_MAX_FILTER_TERMS: half of SQLite's expression depth, proven by test/scim/filter-limits.test.ts. */
export const MAX_FILTER_TERMS = 500;
/** The largest SCIM_MAX_FILTER_DEPTH. */
export const MAX_FILTER_DEPTH = 100;
