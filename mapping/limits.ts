/**
 * What one organisation's mapping may hold, and how much of a plan is answered. One process serves
 * every organisation, and a plan or a recomputation costs in proportion to members × what each
 * member's groups grant, so the mapping is bounded where it is validated (the admin API, the CLI
 * and mapping files alike) and a plan answers counts with a bounded list of members.
 *
 * The numbers are far above what an organisation writes by hand (tens of roles, a few hundred
 * rules) and keep the worst case a bounded multiple of the directory: resolving one member touches
 * at most MAX_RULE_ROLES role grants and MAX_ROLES roles, whatever the file.
 */
export const MAPPING_LIMITS = {
  /** Custom roles under `roles`. */
  maxRoles: 5_000,
  /** Rules under `mappings`. */
  maxRules: 10_000,
  /** Role names listed by all rules together (`mappings[*].roles`). */
  maxRuleRoles: 20_000,
  /** Names under `org.features`, and under `org.connectors`. */
  maxToggles: 1_000,
} as const;

/**
 * How much a plan lists. Counts (`changedCount`, `effects`) always cover every member; the list of
 * members is a page of at most `limit` members and about `memberBytes` of JSON, the warnings at
 * most `warningsPerCode` of each kind. With the mapping's limits this keeps a plan's answer under
 * PLAN_ANSWER_MAX_BYTES.
 */
export const PLAN_LIMITS = {
  /** Members listed when the caller does not say. */
  defaultMembers: 50,
  /** Members listed at most in one page. */
  maxMembers: 200,
  /** JSON of the listed members' changes; a page lists at least one member, however large. */
  memberBytes: 524_288,
  /** Warnings of one code; past it, one `more_warnings` warning says how many were left out. */
  warningsPerCode: 100,
  /** Members a lock-out names (the count is always complete). */
  lockoutMembers: 100,
  /** Groups a warning names. */
  groupsNamed: 20,
  /** Rules a `role_never_reached` message names. */
  rulesNamed: 20,
  /** Capabilities, and connectors, a `standard_to_custom` warning names. */
  lostNamed: 50,
  /** Parts of the mapping (roles, rules, toggles) a plan answer describes one by one. */
  parts: 1_000,
  /** The document's own validation warnings a plan answer lists. */
  validationWarnings: 200,
} as const;

/** The documented bound of a plan answer (`POST /api/v1/admin/mapping/plan`), in bytes of JSON. */
export const PLAN_ANSWER_MAX_BYTES = 8 * 1_048_576;
