import type { Executor } from "./connection";
import type { DbAuditRow, DbMappingRefusalRow, DbMappingRow, DbMemberPermissionsRow } from "./tables";
import { nowIso, readBoolean, readJson, writeJson } from "./json";
import type { GroupRef } from "./users";

/**
 * Storage of role-mapping state: what each member may do (materialised, so the authorize API is a
 * primary-key read), the audit log of every change, and mapping versions. The values are opaque
 * JSON here; their meaning lives in mapping/.
 */
export interface MemberSnapshot {
  readonly id: string;
  readonly userName: string;
  readonly active: boolean;
  readonly groups: GroupRef[];
}

/**
 * Serialises one organisation's permission recomputations (shared) against its mapping changes
 * (exclusive) until the transaction ends. Without it, on PostgreSQL (READ COMMITTED) a mapping
 * change recomputes from memberships a concurrent SCIM write has not committed yet, while that
 * write recomputes under the old mapping: the member is left with permissions of neither.
 * SQLite runs one writer at a time, so there is nothing to do there.
 */
export async function lockOrgPermissions(tx: Executor, orgId: string, mode: "shared" | "exclusive"): Promise<void> {
  if (tx.client.config.client !== "pg") return;
  const fn = mode === "shared" ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock";
  await tx.raw(`select ${fn}(hashtext(?))`, [`permissions:${orgId}`]);
}

/**
 * Users with their direct groups, for recomputation. Unknown ids are skipped.
 * `forUpdate` (PostgreSQL) locks the user rows, in id order, before their groups are read: two
 * transactions changing one user's groups at once (PATCH of group A, PATCH of group B) would
 * otherwise each compute from a snapshot missing the other's membership, and the last commit
 * would store permissions that are already stale. SQLite runs one writer at a time.
 */
export async function loadMembers(tx: Executor, orgId: string, userIds: readonly string[], options: { forUpdate?: boolean } = {}): Promise<MemberSnapshot[]> {
  const out: MemberSnapshot[] = [];
  const lock = options.forUpdate === true && tx.client.config.client === "pg";
  const ids = lock ? [...userIds].sort() : userIds;
  for (let i = 0; i < ids.length; i += 500) {
    // By id alone, so the planner takes the unique index (with `org_id = ?` as well, SQLite without
    // statistics walked the (org_id, manager_id) index over the whole organisation). Ids are UUIDs;
    // another organisation's are dropped below.
    const query = tx("users").whereIn("id", ids.slice(i, i + 500)).select("id", "org_id", "user_name", "active");
    if (lock) query.orderBy("id").forUpdate();
    const users: UserRow[] = (await query).filter((u: UserRow) => u.org_id === orgId);
    if (users.length === 0) continue;
    // CROSS JOIN: SQLite keeps this order (the members' rows first, by the member_id index) whatever
    // its statistics say; with "many groups, no memberships" it once scanned every group instead.
    // PostgreSQL plans it as the inner join it is.
    const rows: (GroupRow & { member_id: string })[] = await tx("group_members as gm")
      .crossJoin(tx.raw("?? AS g", ["groups"]))
      .where("g.id", tx.ref("gm.group_id"))
      .whereIn("gm.member_id", users.map((u) => u.id))
      .select("gm.member_id", "g.id", "g.external_id", "g.display_name");
    out.push(...snapshots(users, rows.map((r) => ({ memberId: r.member_id, group: toGroup(r) }))));
  }
  return out;
}

interface UserRow {
  id: string;
  org_id: string;
  user_name: string;
  active: boolean | number;
}

interface GroupRow {
  id: string;
  external_id: string | null;
  display_name: string;
}

function toGroup(row: GroupRow): GroupRef {
  return { id: row.id, externalId: row.external_id, displayName: row.display_name };
}

function snapshots(users: readonly UserRow[], memberships: Iterable<{ memberId: string; group: GroupRef }>): MemberSnapshot[] {
  const byId = new Map<string, MemberSnapshot>();
  for (const u of users) byId.set(u.id, { id: u.id, userName: u.user_name, active: readBoolean(u.active), groups: [] });
  for (const m of memberships) byId.get(m.memberId)?.groups.push(m.group);
  return [...byId.values()];
}

export interface MemberPage<T> {
  readonly members: MemberSnapshot[];
  /** Stored permissions by user id (only when asked for; members never computed are absent). */
  readonly stored: Map<string, T>;
}

/**
 * Every user of an organisation with their groups, a page (a range of `seq`) at a time: two
 * queries a page, whatever its size. The organisation's groups are read once and looked up in
 * memory (a directory has a few thousand groups, not a few hundred thousand), so a page's
 * memberships come from the (member_id) index alone. `withPermissions` also returns what is stored
 * for the page's members, joined in the same query rather than asked for id by id.
 */
export async function* allMembers<T = unknown>(tx: Executor, orgId: string, options: { pageSize?: number; withPermissions?: boolean } = {}): AsyncGenerator<MemberPage<T>> {
  const pageSize = options.pageSize ?? 5000;
  const groups = new Map((await allGroups(tx, orgId)).map((g) => [g.id, g]));
  let after = 0;
  for (;;) {
    const query = tx("users as u").where("u.org_id", orgId).andWhere("u.seq", ">", after).orderBy("u.seq").limit(pageSize).select("u.seq", "u.id", "u.org_id", "u.user_name", "u.active");
    if (options.withPermissions === true) query.leftJoin("member_permissions as p", "p.user_id", "u.id").select("p.permissions");
    const users: (UserRow & { seq: number | string; permissions?: unknown })[] = await query;
    if (users.length === 0) return;
    const last = Number(users[users.length - 1]?.seq ?? after);
    // CROSS JOIN keeps users (by the (org_id, seq) range) as SQLite's outer loop, as in loadMembers.
    const links: { member_id: string; group_id: string }[] = await tx("users as u")
      .crossJoin(tx.raw("?? AS gm", ["group_members"]))
      .where("gm.member_id", tx.ref("u.id"))
      .where("u.org_id", orgId)
      .andWhere("u.seq", ">", after)
      .andWhere("u.seq", "<=", last)
      .select("gm.member_id", "gm.group_id");
    // A group created after the first page (a plan reads outside a transaction) is fetched once.
    const unknown = [...new Set(links.map((l) => l.group_id).filter((id) => !groups.has(id)))];
    if (unknown.length > 0) for (const g of await groupsById(tx, orgId, unknown)) groups.set(g.id, g);
    const memberships = links.flatMap((l) => {
      const group = groups.get(l.group_id);
      return group ? [{ memberId: l.member_id, group }] : [];
    });
    const stored = new Map<string, T>();
    if (options.withPermissions === true) for (const u of users) if (u.permissions !== null && u.permissions !== undefined) stored.set(u.id, readJson<T>(u.permissions));
    after = last;
    yield { members: snapshots(users, memberships), stored };
    if (users.length < pageSize) return;
  }
}

async function groupsById(tx: Executor, orgId: string, ids: readonly string[]): Promise<GroupRef[]> {
  // By id alone, the organisation checked on the rows (see loadMembers).
  const rows: (GroupRow & { org_id: string })[] = await tx("groups").whereIn("id", ids).select("id", "org_id", "external_id", "display_name");
  return rows.filter((r) => r.org_id === orgId).map(toGroup);
}

export async function allGroups(tx: Executor, orgId: string): Promise<GroupRef[]> {
  const rows: GroupRow[] = await tx("groups").where({ org_id: orgId }).orderBy("seq").select("id", "external_id", "display_name");
  return rows.map(toGroup);
}

export async function membersOfGroup(tx: Executor, groupId: string): Promise<string[]> {
  const rows: { member_id: string }[] = await tx("group_members").where({ group_id: groupId, member_type: "User" }).select("member_id");
  return rows.map((r) => r.member_id);
}

export async function readPermissions<T>(tx: Executor, orgId: string, userIds: readonly string[]): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for (let i = 0; i < userIds.length; i += 500) {
    const rows: DbMemberPermissionsRow[] = await tx("member_permissions").where({ org_id: orgId }).whereIn("user_id", userIds.slice(i, i + 500));
    for (const row of rows) out.set(row.user_id, readJson<T>(row.permissions));
  }
  return out;
}


export interface PermissionWrite {
  readonly userId: string;
  readonly userName: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** Rows per multi-row INSERT: knex writes them on SQLite as one compound SELECT, limited to 500 terms. */
const WRITE_CHUNK = 500;

/** Stores new permissions and appends one audit row per member, in the caller's transaction. */
export async function writePermissionChanges(tx: Executor, orgId: string, changes: readonly PermissionWrite[], cause: unknown, at = nowIso()): Promise<void> {
  if (changes.length === 0) return;
  const causeJson = writeJson(cause);
  for (let i = 0; i < changes.length; i += WRITE_CHUNK) {
    const chunk = changes.slice(i, i + WRITE_CHUNK);
    await tx("member_permissions")
      .insert(chunk.map((c) => ({ user_id: c.userId, org_id: orgId, permissions: writeJson(c.after), updated_at: at })))
      .onConflict("user_id")
      .merge(["permissions", "updated_at"]);
    await tx("audit_log").insert(
      chunk.map((c) => ({ org_id: orgId, user_id: c.userId, user_name: c.userName, before: writeJson(c.before), after: writeJson(c.after), cause: causeJson, at })),
    );
  }
}

/** Stores permissions without an audit row (a member seen for the first time with no access). */
export async function storePermissions(tx: Executor, orgId: string, rows: readonly { userId: string; after: unknown }[], at = nowIso()): Promise<void> {
  for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
    await tx("member_permissions")
      .insert(rows.slice(i, i + WRITE_CHUNK).map((r) => ({ user_id: r.userId, org_id: orgId, permissions: writeJson(r.after), updated_at: at })))
      .onConflict("user_id")
      .merge(["permissions", "updated_at"]);
  }
}

export async function deleteMemberPermissions(tx: Executor, orgId: string, userId: string): Promise<void> {
  await tx("member_permissions").where({ org_id: orgId, user_id: userId }).delete();
}

export interface AuditEntry {
  readonly seq: number;
  readonly userId: string;
  readonly userName: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly cause: unknown;
  readonly at: string;
}

export async function readAudit(tx: Executor, orgId: string, options: { userId?: string; limit: number; before?: number }): Promise<AuditEntry[]> {
  const query = tx<DbAuditRow>("audit_log").where({ org_id: orgId }).orderBy("seq", "desc").limit(options.limit);
  if (options.userId) query.where({ user_id: options.userId });
  if (options.before) query.where("seq", "<", options.before);
  const rows = await query;
  return rows.map((r) => ({
    seq: Number(r.seq),
    userId: r.user_id,
    userName: r.user_name,
    before: readJson(r.before),
    after: readJson(r.after),
    cause: readJson(r.cause),
    at: r.at,
  }));
}

export interface StoredMapping<T> {
  readonly version: number;
  readonly hash: string;
  readonly mapping: T;
  readonly sourceName: string;
  readonly sourceText: string;
  readonly appliedBy: string;
  readonly appliedAt: string;
}

export async function currentMappingVersion(tx: Executor, orgId: string): Promise<{ version: number; hash: string } | null> {
  const row: Pick<DbMappingRow, "version" | "hash"> | undefined = await tx("mappings").where({ org_id: orgId }).orderBy("version", "desc").first("version", "hash");
  return row ? { version: Number(row.version), hash: row.hash } : null;
}

export async function currentMapping<T>(tx: Executor, orgId: string): Promise<StoredMapping<T> | null> {
  const row: DbMappingRow | undefined = await tx("mappings").where({ org_id: orgId }).orderBy("version", "desc").first();
  if (!row) return null;
  return {
    version: Number(row.version),
    hash: row.hash,
    mapping: readJson<T>(row.mapping),
    sourceName: row.source_name,
    sourceText: row.source_text,
    appliedBy: row.applied_by,
    appliedAt: row.applied_at,
  };
}

export async function insertMapping(tx: Executor, orgId: string, m: { hash: string; mapping: unknown; sourceName: string; sourceText: string; appliedBy: string }): Promise<number> {
  const current = await currentMappingVersion(tx, orgId);
  const version = (current?.version ?? 0) + 1;
  await tx("mappings").insert({
    org_id: orgId,
    version,
    hash: m.hash,
    source_text: m.sourceText,
    source_name: m.sourceName,
    mapping: writeJson(m.mapping),
    applied_by: m.appliedBy,
    applied_at: nowIso(),
  });
  return version;
}

export async function insertMappingRefusal(tx: Executor, orgId: string, r: { sourceName: string; hash: string; errors: unknown[] }): Promise<void> {
  await tx("mapping_refusals").insert({ org_id: orgId, source_name: r.sourceName, hash: r.hash, errors: writeJson(r.errors), refused_at: nowIso() });
}

/** The last refused edit that no valid file has superseded yet. */
export async function lastMappingRefusal(tx: Executor, orgId: string): Promise<{ sourceName: string; hash: string; errors: unknown[]; refusedAt: string } | null> {
  const row: DbMappingRefusalRow | undefined = await tx("mapping_refusals").where({ org_id: orgId }).whereNull("resolved_at").orderBy("seq", "desc").first();
  return row ? { sourceName: row.source_name, hash: row.hash, errors: readJson<unknown[]>(row.errors), refusedAt: row.refused_at } : null;
}

/** A valid mapping was seen (applied, or identical to the one in force): earlier refusals are history. */
export async function resolveMappingRefusals(tx: Executor, orgId: string): Promise<void> {
  await tx("mapping_refusals").where({ org_id: orgId }).whereNull("resolved_at").update({ resolved_at: nowIso() });
}

export async function findUserIdByUserName(tx: Executor, orgId: string, userName: string): Promise<string | null> {
  const row: { id: string } | undefined = await tx("users").where({ org_id: orgId, user_name_ci: userName.toLowerCase() }).first("id");
  return row?.id ?? null;
}

export interface MemberPermissions<T> {
  readonly id: string;
  readonly userName: string;
  readonly active: boolean;
  /** null when the member has no stored row (never the case after its creating transaction). */
  readonly permissions: T | null;
}

/**
 * A member and its materialised permissions in one query, by id, by userName, or by either
 * (the authorize API's `member`): the product's hot path is one primary-key read.
 */
export async function findMemberPermissions<T>(
  tx: Executor,
  orgId: string,
  by: { id: string } | { userName: string } | { idOrUserName: string },
): Promise<MemberPermissions<T> | null> {
  const query = tx("users as u")
    .leftJoin("member_permissions as p", "p.user_id", "u.id")
    .where("u.org_id", orgId)
    .select("u.id", "u.user_name", "u.active", "p.permissions")
    .limit(2);
  if ("id" in by) query.where("u.id", by.id);
  else if ("userName" in by) query.where("u.user_name_ci", by.userName.toLowerCase());
  else query.where((q) => q.where("u.id", by.idOrUserName).orWhere("u.user_name_ci", by.idOrUserName.toLowerCase()));
  const rows: { id: string; user_name: string; active: boolean | number; permissions: string | T | null }[] = await query;
  // An id match wins over a userName that happens to equal it.
  const row = "idOrUserName" in by ? (rows.find((r) => r.id === by.idOrUserName) ?? rows[0]) : rows[0];
  if (!row) return null;
  return { id: row.id, userName: row.user_name, active: readBoolean(row.active), permissions: row.permissions === null ? null : readJson<T>(row.permissions) };
}
