/**
 * Privacy's storage: each organisation's retention settings, the record kept of every member deleted
 * from the directory, the reads of a member's personal data export, and the two ways personal data
 * leaves the logs — pruned past its retention, or pseudonymised (erasure). Every delete and rewrite
 * here is batched and bounded by its caller's limit.
 */
import type { Knex } from "knex";
import type { Executor } from "./connection";
import { isPostgres } from "./dialect";
import { type JsonObject, isObject } from "../mapping/json";
import { nowIso, readJson, writeJson } from "./json";
import type { UserRecord } from "./resources";

/** Days each kind of record is kept; null: the default (docs/privacy.md). */
export interface RetentionDays {
  readonly auditLogDays: number | null;
  readonly eventDays: number | null;
  readonly analyticsDays: number | null;
  readonly deletedMemberDays: number | null;
}

export interface StoredRetention extends RetentionDays {
  /** When and by whom they were last changed; null: never (all defaults). */
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

interface DbPrivacySettingsRow {
  org_id: string;
  audit_log_days: number | null;
  event_days: number | null;
  analytics_days: number | null;
  deleted_member_days: number | null;
  updated_at: string;
  updated_by: string;
}

interface DbDeletedMemberRow {
  org_id: string;
  user_id: string;
  user_name: string;
  display_name: string | null;
  emails: unknown;
  deleted_at: string;
  erased_at: string | null;
}

export const NO_RETENTION_SETTINGS: StoredRetention = Object.freeze({ auditLogDays: null, eventDays: null, analyticsDays: null, deletedMemberDays: null, updatedAt: null, updatedBy: null });

const toRetention = (row: DbPrivacySettingsRow): StoredRetention => ({
  auditLogDays: row.audit_log_days,
  eventDays: row.event_days,
  analyticsDays: row.analytics_days,
  deletedMemberDays: row.deleted_member_days,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

export async function readRetention(tx: Executor, orgId: string, options: { forUpdate?: boolean } = {}): Promise<StoredRetention> {
  const query = tx<DbPrivacySettingsRow>("privacy_settings").where({ org_id: orgId }).first();
  if (options.forUpdate === true && isPostgres(tx)) query.forUpdate();
  const row = await query;
  return row === undefined ? NO_RETENTION_SETTINGS : toRetention(row);
}

export async function writeRetention(tx: Executor, orgId: string, days: RetentionDays, by: string, at = nowIso()): Promise<StoredRetention> {
  const row: DbPrivacySettingsRow = {
    org_id: orgId,
    audit_log_days: days.auditLogDays,
    event_days: days.eventDays,
    analytics_days: days.analyticsDays,
    deleted_member_days: days.deletedMemberDays,
    updated_at: at,
    updated_by: by,
  };
  await tx("privacy_settings").insert(row).onConflict("org_id").merge();
  return toRetention(row);
}

/** Every organisation's settings (those never changed are absent: all defaults). */
export async function allRetention(tx: Executor): Promise<Map<string, StoredRetention>> {
  const rows: DbPrivacySettingsRow[] = await tx("privacy_settings").select("*");
  return new Map(rows.map((row) => [row.org_id, toRetention(row)]));
}

/** Every organisation's id, for the retention job (which prunes by the defaults where nothing is set). */
export async function allOrgIds(tx: Executor): Promise<string[]> {
  const rows: { id: string }[] = await tx("orgs").select("id").orderBy("id");
  return rows.map((row) => row.id);
}

// ---------------------------------------------------------------------------------------------
// Deleted members

export interface DeletedMember {
  readonly userId: string;
  readonly userName: string;
  readonly displayName: string | null;
  readonly emails: readonly string[];
  readonly deletedAt: string;
  readonly erasedAt: string | null;
}

const toDeleted = (row: DbDeletedMemberRow): DeletedMember => ({
  userId: row.user_id,
  userName: row.user_name,
  displayName: row.display_name,
  emails: emailValues(readJson(row.emails)),
  deletedAt: row.deleted_at,
  erasedAt: row.erased_at,
});

/** The `value` of each of a SCIM user's emails. */
export function emailValues(emails: unknown): string[] {
  if (!Array.isArray(emails)) return [];
  return emails.flatMap((email: unknown) => (typeof email === "string" ? [email] : isObject(email) && typeof email["value"] === "string" ? [email["value"]] : []));
}

/** Remembers who a member was as they are deleted (db/users.ts deleteUser, in its transaction). */
export async function recordDeletedMember(tx: Executor, user: UserRecord, at = nowIso()): Promise<void> {
  const row: DbDeletedMemberRow = {
    org_id: user.orgId,
    user_id: user.id,
    user_name: user.userName,
    display_name: user.displayName,
    emails: writeJson(emailValues(user.data["emails"])),
    deleted_at: at,
    erased_at: null,
  };
  await tx("deleted_members").insert(row).onConflict(["org_id", "user_id"]).merge();
}

/** A deleted member by id, or by userName (case-insensitively; the most recently deleted). */
export async function findDeletedMember(tx: Executor, orgId: string, key: { userId: string } | { userName: string }): Promise<DeletedMember | null> {
  const query = tx<DbDeletedMemberRow>("deleted_members").where({ org_id: orgId });
  if ("userId" in key) query.where({ user_id: key.userId });
  else query.whereRaw("lower(user_name) = ?", [key.userName.toLowerCase()]).orderBy("deleted_at", "desc");
  const row = await query.first();
  return row === undefined ? null : toDeleted(row);
}

/**
 * A member the directory no longer has but the audit log remembers (deleted before deleted members
 * were recorded): the userName their newest audit row carries.
 */
export async function auditedMember(tx: Executor, orgId: string, key: { userId: string } | { userName: string }): Promise<{ userId: string; userName: string } | null> {
  const query = tx("audit_log").where({ org_id: orgId }).orderBy("seq", "desc").select("user_id", "user_name");
  if ("userId" in key) query.where({ user_id: key.userId });
  else query.whereRaw("lower(user_name) = ?", [key.userName.toLowerCase()]);
  const row: { user_id: string; user_name: string } | undefined = await query.first();
  return row === undefined ? null : { userId: row.user_id, userName: row.user_name };
}

/** Deleted members whose records are older than `beforeIso` and not yet erased, oldest first. */
export async function deletedMembersBefore(tx: Executor, orgId: string, beforeIso: string, limit: number): Promise<DeletedMember[]> {
  const rows: DbDeletedMemberRow[] = await tx("deleted_members")
    .where({ org_id: orgId })
    .whereNull("erased_at")
    .where("deleted_at", "<", beforeIso)
    .orderBy("deleted_at")
    .limit(limit);
  return rows.map(toDeleted);
}

/** Deleted members, newest first, for the console's erasure list. */
export async function listDeletedMembers(tx: Executor, orgId: string, limit: number): Promise<DeletedMember[]> {
  const rows: DbDeletedMemberRow[] = await tx("deleted_members").where({ org_id: orgId }).orderBy("deleted_at", "desc").limit(limit);
  return rows.map(toDeleted);
}

// ---------------------------------------------------------------------------------------------
// Retention

/** Deletes up to `limit` audit rows of the organisation written before `beforeIso`, oldest first. */
export async function pruneAuditLog(tx: Executor, orgId: string, beforeIso: string, limit: number): Promise<number> {
  return deleteOldest(tx, "audit_log", orgId, "at", beforeIso, limit);
}

/** Deletes up to `limit` admin-log rows of the organisation written before `beforeIso`, oldest first. */
export async function pruneAdminLog(tx: Executor, orgId: string, beforeIso: string, limit: number): Promise<number> {
  return deleteOldest(tx, "admin_actions", orgId, "at", beforeIso, limit);
}

async function deleteOldest(tx: Executor, table: "audit_log" | "admin_actions", orgId: string, column: string, before: string, limit: number): Promise<number> {
  // Through a sub-select of the oldest seqs: neither database deletes with ORDER BY and LIMIT
  // portably. Ordered by time, the (org_id, at) index gives the rows past the retention as a range.
  const oldest = tx(table).where({ org_id: orgId }).where(column, "<", before).orderBy(column).limit(limit).select("seq");
  return tx(table).whereIn("seq", oldest).delete();
}

// ---------------------------------------------------------------------------------------------
// Erasure

/** Who is erased, how they were named, and the pseudonym that replaces those names. */
export interface Pseudonymisation {
  readonly userId: string;
  readonly userName: string;
  readonly displayName: string | null;
  readonly emails: readonly string[];
  readonly pseudonym: string;
}

export interface PseudonymisedCounts {
  readonly auditRows: number;
  readonly adminRows: number;
  readonly events: number;
  readonly consoleSessions: number;
  /** Recent SCIM errors whose detail named them (diagnostics: deleted, not rewritten). */
  readonly scimErrors: number;
}

/** Rows rewritten per statement batch: erasure reads and rewrites a page at a time. */
const PAGE = 500;

/**
 * Replaces the member's names in the audit log, the admin log and the stored events with the
 * pseudonym, keeping every row (counts stay true); deletes their console sessions and marks their
 * deleted-member record erased (it then holds only the pseudonym). In the caller's transaction.
 */
export async function pseudonymiseMember(tx: Executor, orgId: string, who: Pseudonymisation, at = nowIso()): Promise<PseudonymisedCounts> {
  const rewrite = rewriter(who);
  const actorBefore = `member:${who.userName}`;
  const actorAfter = `member:${who.pseudonym}`;

  let auditRows = await tx("audit_log").where({ org_id: orgId, user_id: who.userId }).update({ user_name: who.pseudonym });
  auditRows += await tx("audit_log").where({ org_id: orgId, actor: actorBefore }).update({ actor: actorAfter });
  auditRows += await rewriteJsonRows(tx, "audit_log", "seq", orgId, ["cause"], mentionsAny(tx, "cause", who), rewrite);

  let adminRows = await tx("admin_actions").where({ org_id: orgId, actor: actorBefore }).update({ actor: actorAfter });
  adminRows += await tx("admin_actions").where({ org_id: orgId }).where((q) => q.where({ target: who.userName }).orWhereRaw("lower(target) = ?", [who.userName.toLowerCase()])).update({ target: who.pseudonym });
  adminRows += await rewriteJsonRows(tx, "admin_actions", "seq", orgId, ["detail"], mentionsAny(tx, "detail", who), rewrite);

  const events = await rewriteJsonRows(tx, "event_outbox", "id", orgId, ["payload"], (q) => q.where({ member_id: who.userId }).orWhere(mentionsAny(tx, "payload", who)), rewrite);

  const consoleSessions = await tx("console_sessions")
    .where({ org_id: orgId })
    .where((q) => q.where({ user_id: who.userId }).orWhereRaw("lower(user_name) = ?", [who.userName.toLowerCase()]))
    .delete();

  const needles = identifiersOf({ ...who, displayName: null });
  const scimErrors = await tx("scim_errors")
    .where({ org_id: orgId })
    .where((q) => {
      for (const needle of needles) q.orWhere(containsText(tx, "detail", needle));
    })
    .delete();

  await tx("deleted_members")
    .insert({ org_id: orgId, user_id: who.userId, user_name: who.pseudonym, display_name: null, emails: writeJson([]), deleted_at: at, erased_at: at })
    .onConflict(["org_id", "user_id"])
    .merge({ user_name: who.pseudonym, display_name: null, emails: writeJson([]), erased_at: at });
  return { auditRows, adminRows, events, consoleSessions, scimErrors };
}

/** How many kept mapping versions (and refused mapping files) still carry the member's userName or an email of theirs in their text. */
export async function mappingTextsMentioning(tx: Executor, orgId: string, who: Pick<Pseudonymisation, "userName" | "emails">): Promise<{ versions: number; refusals: number }> {
  const needles = identifiersOf({ ...who, displayName: null });
  const count = async (table: string, column: string): Promise<number> => {
    const row: { n?: number | string } | undefined = await tx(table)
      .where({ org_id: orgId })
      .where((q) => {
        for (const needle of needles) q.orWhere(containsText(tx, column, needle));
      })
      .count({ n: "*" })
      .first();
    return Number(row?.n ?? 0);
  };
  const versions = await count("mappings", "source_text");
  const refusals = await count("mapping_refusals", "errors");
  return { versions, refusals };
}

/** The names a pseudonymisation replaces: whole values equal to any, and the userName and addresses inside longer text. */
function identifiersOf(who: Pick<Pseudonymisation, "userName" | "displayName" | "emails">): string[] {
  return [...new Set([who.userName, ...who.emails, ...(who.displayName === null ? [] : [who.displayName])].filter((s) => s.length > 0))];
}

/**
 * The rewrite of one JSON value: a string equal to one of the names (case-insensitively) becomes the
 * pseudonym; inside a longer string (`member:ada@example.com`, a message), the userName and email
 * addresses are replaced, a display name is not (a short name like "Al" would hit other words).
 */
function rewriter(who: Pseudonymisation): (value: unknown) => unknown {
  const whole = new Set(identifiersOf(who).map((s) => s.toLowerCase()));
  const inner = [...new Set([who.userName, ...who.emails].filter((s) => s.length >= 3))].sort((a, b) => b.length - a.length);
  const pattern = inner.length === 0 ? null : new RegExp(inner.map(escapeRegExp).join("|"), "gi");
  const text = (s: string): string => (whole.has(s.toLowerCase()) ? who.pseudonym : pattern === null ? s : s.replace(pattern, who.pseudonym));
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return text(value);
    if (Array.isArray(value)) return value.map(walk);
    if (isObject(value)) {
      const out: JsonObject = {};
      for (const [key, v] of Object.entries(value)) out[key] = walk(v);
      return out;
    }
    return value;
  };
  return walk;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Rows of `table` chosen by `where`, a page at a time by their key, each JSON column rewritten; returns the rows changed. */
async function rewriteJsonRows(
  tx: Executor,
  table: "audit_log" | "admin_actions" | "event_outbox",
  key: "seq" | "id",
  orgId: string,
  columns: readonly string[],
  where: (q: Knex.QueryBuilder) => void,
  rewrite: (value: unknown) => unknown,
): Promise<number> {
  let after = 0;
  let changed = 0;
  for (;;) {
    const rows: Array<Record<string, unknown>> = await tx(table)
      .where({ org_id: orgId })
      .where(where)
      .where(key, ">", after)
      .orderBy(key)
      .limit(PAGE)
      .select(key, ...columns);
    for (const row of rows) {
      const update: Record<string, string> = {};
      for (const column of columns) {
        const before = readJson(row[column]);
        const next = rewrite(before);
        if (writeJson(next) !== writeJson(before)) update[column] = writeJson(next);
      }
      if (Object.keys(update).length > 0) {
        await tx(table).where({ org_id: orgId, [key]: row[key] }).update(update);
        changed++;
      }
    }
    const last = rows[rows.length - 1];
    if (rows.length < PAGE || last === undefined) return changed;
    after = Number(last[key]);
  }
}

/** Rows whose JSON `column` mentions any of the member's names (a prefilter; the rewrite decides). */
function mentionsAny(tx: Executor, column: string, who: Pick<Pseudonymisation, "userName" | "displayName" | "emails">): (q: Knex.QueryBuilder) => void {
  const needles = identifiersOf(who);
  return (q) => {
    for (const needle of needles) q.orWhere(containsText(tx, column, needle));
  };
}

/** `column` (text or jsonb) contains `needle`, case-insensitively, with LIKE's wildcards escaped. */
function containsText(tx: Executor, column: string, needle: string): (q: Knex.QueryBuilder) => void {
  const pattern = `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const expression = isPostgres(tx) ? `lower(??::text) LIKE ? ESCAPE '\\'` : `lower(??) LIKE ? ESCAPE '\\'`;
  return (q) => q.whereRaw(expression, [column, pattern]);
}

// ---------------------------------------------------------------------------------------------
// A member's personal data export

export interface ExportedSession {
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly expiresAt: string;
}

/** The member's console sessions, newest first (never the session id or its CSRF token). */
export async function consoleSessionsOf(tx: Executor, orgId: string, userId: string, limit: number): Promise<ExportedSession[]> {
  const rows: Array<{ created_at: string; last_seen_at: string; expires_at: string }> = await tx("console_sessions")
    .where({ org_id: orgId, user_id: userId })
    .orderBy("created_at", "desc")
    .limit(limit)
    .select("created_at", "last_seen_at", "expires_at");
  return rows.map((row) => ({ createdAt: row.created_at, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at }));
}

export interface ExportedAdminAction {
  readonly seq: number;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly detail: unknown;
  readonly at: string;
}

/**
 * Admin-log rows by the member (`member:<userName>`) or about them (their id or userName as the
 * target, or as the detail's `member`, as a group membership change names them), newest first.
 */
export async function adminActionsByOrAbout(tx: Executor, orgId: string, member: { userId: string; userName: string }, limit: number): Promise<ExportedAdminAction[]> {
  const detailMember = isPostgres(tx) ? "lower(detail ->> 'member') = ?" : "lower(json_extract(detail, '$.member')) = ?";
  const rows: Array<{ seq: number | string; actor: string; action: string; target: string | null; detail: unknown; at: string }> = await tx("admin_actions")
    .where({ org_id: orgId })
    .where((q) =>
      q
        .where({ actor: `member:${member.userName}` })
        .orWhere({ target: member.userId })
        .orWhereRaw("lower(target) = ?", [member.userName.toLowerCase()])
        .orWhereRaw(detailMember, [member.userName.toLowerCase()]),
    )
    .orderBy("seq", "desc")
    .limit(limit)
    .select("seq", "actor", "action", "target", "detail", "at");
  return rows.map((row) => ({ seq: Number(row.seq), actor: row.actor, action: row.action, target: row.target, detail: readJson(row.detail), at: row.at }));
}

export interface ExportedGroup {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  /** `scim` (the identity provider's) or `manual` (created in the console). */
  readonly source: string;
}

/** Every group the member is directly in, the IdP's and manual ones. */
export async function groupsOfMember(tx: Executor, orgId: string, userId: string): Promise<ExportedGroup[]> {
  const rows: Array<{ id: string; display_name: string; external_id: string | null; source: string }> = await tx("group_members as gm")
    .join("groups as g", "g.id", "gm.group_id")
    .where({ "gm.org_id": orgId, "gm.member_id": userId })
    .orderBy("g.seq")
    .select("g.id", "g.display_name", "g.external_id", "g.source");
  return rows.map((row) => ({ id: row.id, displayName: row.display_name, externalId: row.external_id, source: row.source }));
}

/** Webhook deliveries of the member's events already delivered (their copies are the receivers'). */
export async function deliveredCount(tx: Executor, orgId: string, userId: string): Promise<number> {
  const row: { n?: number | string } | undefined = await tx("webhook_deliveries").where({ org_id: orgId, member_id: userId, status: "delivered" }).count({ n: "*" }).first();
  return Number(row?.n ?? 0);
}
