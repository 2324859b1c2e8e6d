/**
 * Domain types of the role mapping. Everything here is plain JSON-serialisable data so a
 * normalised {@link Mapping} can be stored in a JSON column and read back with
 * `mappingFromJSON`.
 */

export const AREAS = [
  "identity_access",
  "billing",
  "analytics",
  "privacy",
  "user_management",
  "libraries",
] as const;
export type Area = (typeof AREAS)[number];

export const LEVELS = ["none", "view", "manage"] as const;
export type Level = (typeof LEVELS)[number];

/** Ordered from least to most powerful; every member has exactly one. */
export const ORG_ROLES = ["user", "custom", "admin", "owner", "primary_owner"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/** The org roles a mapping rule may grant. `primary_owner` comes only from `primaryOwner`. */
export const STANDARD_ORG_ROLES = ["owner", "admin", "user"] as const;
export type StandardOrgRole = (typeof STANDARD_ORG_ROLES)[number];

export type AreaLevels = Record<Area, Level>;

/**
 * How a rule picks its group. `id` and `externalId` survive IdP renames; `displayName` does not.
 * `externalId` and `displayName` match only groups the IdP pushed over SCIM; `manual` matches only
 * groups created in the admin API, by their (case-insensitive, unique) name; `id` matches either.
 * So a manual group and an IdP group of the same name never answer the same rule.
 */
export const MATCHER_KINDS = ["id", "externalId", "displayName", "manual"] as const;
export type MatcherKind = (typeof MATCHER_KINDS)[number];
export interface GroupMatcher {
  kind: MatcherKind;
  value: string;
}

export interface RoleDefinition {
  name: string;
  /**
   * The name people read ("Finance approvers") beside the key rules name it by; absent when the file
   * gives none (then the key is shown). Absent rather than null, so mappings written before display
   * names keep their hash.
   */
  displayName?: string;
  description: string | null;
  /** Every area present; areas the file does not list are `none`. */
  admin: AreaLevels;
  capabilities: string[];
  connectors: string[];
}

/**
 * What a rule matches: a group the member is in (`- group: {…}`), or an app role the IdP assigned
 * to the member and provisioned in the user's SCIM `roles` (`- appRole: { value: "BillingAdmins" }`),
 * compared exactly with `roles[].value`, as Entra sends its app roles' values.
 */
export type RuleSource = { kind: "group"; matcher: GroupMatcher } | { kind: "appRole"; value: string };

export interface MappingRule {
  /**
   * Stable identity of the rule, kept across edits: given in the file (`id:`), or else derived from
   * what the rule matches, so the same file always yields the same ids (see rules.ts).
   */
  id: string;
  /** Zero-based position in the file's `mappings` list; explain and plan cite it. */
  index: number;
  source: RuleSource;
  roles: string[];
  orgRole: StandardOrgRole | null;
}

/** `true` = switched on, `false` = switched off; features absent from the record are not mentioned. */
export type Toggles = Record<string, boolean>;

export interface Mapping {
  version: 1;
  primaryOwner: string;
  org: { features: Toggles; connectors: Toggles };
  standardRoles: { admin: AreaLevels; user: AreaLevels };
  /** In file order. */
  roles: RoleDefinition[];
  /** In file order; `rules[i].index === i`. */
  rules: MappingRule[];
}

export const ISSUE_CODES = [
  "syntax",
  "empty",
  "type",
  "missing",
  "unknown_key",
  "unknown_area",
  "unknown_level",
  "invalid_version",
  "invalid_org_role",
  "invalid_toggle",
  "invalid_name",
  "invalid_value",
  "invalid_matcher",
  "invalid_rule_source",
  "duplicate_key",
  "duplicate_role",
  "undefined_role",
  "rule_grants_nothing",
  "duplicate_rule_id",
  "unknown_capability",
  "unknown_connector",
  /** Past MAPPING_MAX_BYTES or the alias limit: refused before anything else is read. */
  "too_large",
  /** More roles, rules, role grants or toggles than MAPPING_LIMITS allows (mapping/limits.ts). */
  "too_many",
  // Warnings only:
  "unused_role",
  "display_name_matcher",
  "switched_off_by_org",
] as const;
export type IssueCode = (typeof ISSUE_CODES)[number];

export interface MappingIssue {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  code: IssueCode;
  message: string;
}

export type ParseResult =
  | { ok: true; mapping: Mapping; hash: string; warnings: MappingIssue[] }
  | { ok: false; errors: MappingIssue[] };

/** The identity providers whose provisioning the server recognises. */
export const IDENTITY_PROVIDERS = ["okta", "entra"] as const;
export type IdentityProvider = (typeof IDENTITY_PROVIDERS)[number];

/** Where a group comes from: pushed by the IdP over SCIM, or created in the admin API. */
export const GROUP_SOURCES = ["scim", "manual"] as const;
export type GroupSource = (typeof GROUP_SOURCES)[number];

export interface GroupRef {
  id: string;
  externalId?: string | null;
  displayName: string;
  /** The IdP whose request created the group, when known: it decides which matcher survives renames. */
  provisionedBy?: IdentityProvider | null;
  /** Absent means `scim`. */
  source?: GroupSource;
}

export interface MemberInput {
  id: string;
  userName: string;
  active: boolean;
  groups: readonly GroupRef[];
  /** The values of the user's SCIM `roles` (the app roles an IdP such as Entra assigned), as sent. */
  appRoles: readonly string[];
  /** Inactive because the organisation suspended them (whatever `active` the IdP sent); absent: not suspended. */
  suspended?: boolean;
}

/** Operator overrides already narrowed to one organisation; they beat everything. */
export interface PlatformOverrides {
  features: Record<string, boolean>;
  connectors: Record<string, boolean>;
}

export interface EffectivePermissions {
  orgRole: OrgRole;
  admin: AreaLevels;
  /** Sorted, unique. */
  capabilities: string[];
  /** Sorted, unique. */
  connectors: string[];
  /** Custom roles in force, sorted; always empty unless `orgRole` is `custom`. */
  roles: string[];
}
