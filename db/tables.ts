/**
 * One row type per table, as the driver returns them. JSON columns are `unknown`: text on SQLite,
 * parsed jsonb on PostgreSQL, and decoded by the module that reads them (db/json.ts, mapping/).
 */
export interface DbOrgRow {
  id: string;
  name: string;
  created_at: string;
  entra_tenant_id: string | null;
  entra_jwks_url: string | null;
  entra_jwks_json: string | null;
  oidc_issuer: string | null;
  oidc_client_id: string | null;
  oidc_client_secret: string | null;
  oidc_jwks_json: string | null;
  oidc_username_claim: string | null;
  mapping_file: string | null;
}

export interface DbTokenRow {
  id: string;
  org_id: string;
  kind: "scim" | "api";
  token_hash: string;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
  /** Null: valid until revoked. */
  expires_at: string | null;
  /** Who made it (`member:…`, `cli:…`, `env:SCIM_TOKEN`); null for tokens made before it was recorded. */
  created_by?: string | null;
}

export interface DbTokenUsageRow {
  token_id: string;
  org_id: string;
  last_used_at: string;
  last_method: string;
  last_path: string;
  last_status: number;
}

export interface DbScimErrorRow {
  seq: number | string;
  token_id: string;
  org_id: string;
  status: number;
  scim_type: string | null;
  method: string;
  path: string;
  detail: string | null;
  at: string;
}

export interface DbOrgSessionLimitsRow {
  org_id: string;
  idle_minutes: number;
  session_hours: number;
  updated_by: string;
  updated_at: string;
}

export interface DbUserRow {
  seq: number | string;
  id: string;
  org_id: string;
  user_name: string;
  user_name_ci: string;
  external_id: string | null;
  display_name: string | null;
  display_name_ci: string | null;
  /** The primary (else first) email, lower-cased, for the members search; null without one. */
  email_ci: string | null;
  active: boolean | number;
  manager_id: string | null;
  data: unknown;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface DbGroupRow {
  seq: number | string;
  id: string;
  org_id: string;
  display_name: string;
  display_name_ci: string;
  external_id: string | null;
  /** `scim` (pushed by the IdP) or `manual` (created in the admin API). */
  source: string;
  data: unknown;
  version: number;
  created_at: string;
  updated_at: string;
  /** 'okta' | 'entra' | null: the IdP whose request created the group (db/resources.ts decodes it). */
  provisioned_by: string | null;
}

export interface DbGroupMemberRow {
  group_id: string;
  member_id: string;
  org_id: string;
  member_type: "User" | "Group";
}

export interface DbMappingRow {
  seq: number | string;
  org_id: string;
  version: number;
  hash: string;
  source_text: string;
  source_name: string;
  mapping: unknown;
  applied_by: string;
  applied_at: string;
}

export interface DbMappingRefusalRow {
  seq: number | string;
  org_id: string;
  source_name: string;
  hash: string;
  errors: unknown;
  refused_at: string;
  resolved_at: string | null;
}

export interface DbMemberPermissionsRow {
  user_id: string;
  org_id: string;
  permissions: unknown;
  updated_at: string;
  org_role: string | null;
  role_editor: boolean | number;
}

/** One row per custom role a member holds (counts per role, the members list's `role=`). */
export interface DbMemberRoleRow {
  user_id: string;
  role: string;
  org_id: string;
}

export interface DbPlatformVersionRow {
  seq: number | string;
  version: number;
  hash: string;
  source_text: string;
  source_name: string;
  platform: unknown;
  applied_by: string;
  applied_at: string;
}

export interface DbAdminActionRow {
  seq: number | string;
  org_id: string;
  actor: string;
  action: string;
  target: string | null;
  detail: unknown;
  at: string;
}

export interface DbMemberSuspensionRow {
  user_id: string;
  org_id: string;
  reason: string;
  /** `member:<userName>` or `cli:<os user>`, as the admin log names actors. */
  suspended_by: string;
  suspended_at: string;
}

export interface DbMemberOriginRow {
  user_id: string;
  org_id: string;
  /** `console` (added by e-mail in the admin API), or the IdP that created it: `okta`, `entra`, `scim`. */
  origin: string;
  added_by: string | null;
  added_at: string;
}

export interface DbAuditRow {
  seq: number | string;
  org_id: string;
  user_id: string;
  user_name: string;
  before: unknown;
  after: unknown;
  cause: unknown;
  actor: string | null;
  at: string;
  request_id: string | null;
}

/** Every column of a row type, named: statements that PostgreSQL keeps prepared list them rather than `*` (db/prepared.ts). */
type AllColumns<Row, List extends readonly (keyof Row)[]> = Exclude<keyof Row, List[number]> extends never ? List : never;
const columnsOf = <Row>() => <const List extends readonly (keyof Row)[]>(list: AllColumns<Row, List>): List => list;

export const USER_COLUMNS = columnsOf<DbUserRow>()(["seq", "id", "org_id", "user_name", "user_name_ci", "external_id", "display_name", "display_name_ci", "email_ci", "active", "manager_id", "data", "version", "created_at", "updated_at"]);
export const GROUP_COLUMNS = columnsOf<DbGroupRow>()(["seq", "id", "org_id", "display_name", "display_name_ci", "external_id", "source", "data", "version", "created_at", "updated_at", "provisioned_by"]);

/** `table.column` for each column, for a select that joins. */
export const qualified = (table: string, columns: readonly string[]): string[] => columns.map((c) => `${table}.${c}`);

export interface DbConsoleSessionRow {
  id_hash: string;
  org_id: string;
  /** The SCIM user signed in (null only for sessions opened before it was recorded). */
  user_id: string | null;
  user_name: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface DbConsoleSecretRow {
  name: string;
  value: string;
  created_at: string;
}

/**
 * The longest text the directory's varchar columns hold (db/migrations), in characters as
 * PostgreSQL counts them (code points); SQLite does not enforce them, PostgreSQL refuses a longer
 * value. What a client sends for these columns is checked against them before any SQL runs.
 */
export const COLUMN_LENGTH = Object.freeze({
  /** users.user_name and its lower-cased user_name_ci. */
  userName: 400,
  /** users.external_id, groups.external_id. */
  externalId: 400,
  /** users.display_name, groups.display_name and their lower-cased copies. */
  displayName: 400,
  /** users.manager_id (20261129180000_manager_reference). */
  managerId: 255,
  /** Every id this server generates (a UUID), and group_members.member_id. */
  id: 36,
});
