/**
 * Usage analytics storage: daily counters that every replica adds to (`count = count + excluded.count`,
 * so two flushes of the same day add up, whichever comes first), a once-a-day snapshot of how many
 * active members hold each org role and each custom role, the per-organisation collection settings,
 * and the pruner the retention job calls. Days are UTC `YYYY-MM-DD` text, which sorts as dates.
 */
import type { Knex } from "knex";
import { chunks } from "./chunks";
import type { Executor } from "./connection";
import { nowIso, readBoolean, readJson } from "./json";

export const DECISION_KINDS = ["capability", "connector", "area"] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

export const MEMBER_SERIES = ["org_role", "custom_role"] as const;
export type MemberSeriesKind = (typeof MEMBER_SERIES)[number];

export interface DecisionCount {
  readonly orgId: string;
  readonly day: string;
  readonly kind: DecisionKind;
  readonly name: string;
  readonly allowed: number;
  readonly denied: number;
}

export interface ProvisioningCount {
  readonly orgId: string;
  readonly day: string;
  /** The SCIM token that authenticated the requests (its id), or `entra` for Entra-issued JWTs. */
  readonly idp: string;
  readonly creates: number;
  readonly updates: number;
  readonly deactivations: number;
  readonly errors: number;
}

const added = (tx: Executor, table: string, columns: readonly string[]): Record<string, Knex.Raw> =>
  Object.fromEntries(columns.map((column) => [column, tx.raw("??.?? + excluded.??", [table, column, column])]));

/** Adds counts to their days' rows, creating the rows that do not exist yet. */
export async function addDecisionCounts(tx: Executor, counts: readonly DecisionCount[]): Promise<void> {
  for (const chunk of chunks(counts)) {
    await tx("analytics_decisions")
      .insert(chunk.map((c) => ({ org_id: c.orgId, day: c.day, kind: c.kind, name: c.name, allowed: c.allowed, denied: c.denied })))
      .onConflict(["org_id", "day", "kind", "name"])
      .merge(added(tx, "analytics_decisions", ["allowed", "denied"]));
  }
}

export async function addProvisioningCounts(tx: Executor, counts: readonly ProvisioningCount[]): Promise<void> {
  for (const chunk of chunks(counts)) {
    await tx("analytics_provisioning")
      .insert(chunk.map((c) => ({ org_id: c.orgId, day: c.day, idp: c.idp, creates: c.creates, updates: c.updates, deactivations: c.deactivations, errors: c.errors })))
      .onConflict(["org_id", "day", "idp"])
      .merge(added(tx, "analytics_provisioning", ["creates", "updates", "deactivations", "errors"]));
  }
}

export interface AnalyticsSettings {
  readonly collectAuthorize: boolean;
  readonly collectProvisioning: boolean;
  /** null while the organisation never changed them (both on). */
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

export const DEFAULT_ANALYTICS_SETTINGS: AnalyticsSettings = { collectAuthorize: true, collectProvisioning: true, updatedAt: null, updatedBy: null };

interface SettingsRow {
  org_id: string;
  collect_authorize: boolean | number;
  collect_provisioning: boolean | number;
  updated_at: string;
  updated_by: string;
}

const toSettings = (row: SettingsRow): AnalyticsSettings => ({
  collectAuthorize: readBoolean(row.collect_authorize),
  collectProvisioning: readBoolean(row.collect_provisioning),
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

/** The settings of each of `orgIds` (the defaults for those that never changed them). */
export async function readAnalyticsSettings(tx: Executor, orgIds: readonly string[]): Promise<Map<string, AnalyticsSettings>> {
  const out = new Map<string, AnalyticsSettings>(orgIds.map((id) => [id, DEFAULT_ANALYTICS_SETTINGS]));
  for (const chunk of chunks(orgIds)) {
    const rows: SettingsRow[] = await tx("analytics_settings").whereIn("org_id", chunk);
    for (const row of rows) out.set(row.org_id, toSettings(row));
  }
  return out;
}

export async function storeAnalyticsSettings(tx: Executor, orgId: string, settings: { collectAuthorize: boolean; collectProvisioning: boolean }, by: string, at = nowIso()): Promise<AnalyticsSettings> {
  const row = { org_id: orgId, collect_authorize: settings.collectAuthorize, collect_provisioning: settings.collectProvisioning, updated_at: at, updated_by: by };
  await tx("analytics_settings").insert(row).onConflict("org_id").merge(["collect_authorize", "collect_provisioning", "updated_at", "updated_by"]);
  return { ...settings, updatedAt: at, updatedBy: by };
}

/** How many active members hold each org role and each custom role now. */
export async function liveMemberCounts(tx: Executor, orgId: string): Promise<Record<MemberSeriesKind, Map<string, number>>> {
  const roles: { key: string; n: number | string }[] = await tx("member_permissions as p")
    .join("users as u", "u.id", "p.user_id")
    .where("p.org_id", orgId)
    .where("u.active", true)
    // A suspended member is no active member, whatever the IdP says.
    .whereNotExists(tx("member_suspensions as s").whereRaw("s.user_id = u.id").select(tx.raw("1")))
    // Rows stored before the index columns existed have none until the member is next recomputed.
    .whereNotNull("p.org_role")
    .groupBy("p.org_role")
    .select("p.org_role as key")
    .count({ n: "*" });
  // Inactive members hold no custom role (their role rows are removed with their access).
  const custom: { key: string; n: number | string }[] = await tx("member_roles").where({ org_id: orgId }).groupBy("role").select("role as key").count({ n: "*" });
  return {
    org_role: new Map(roles.map((r) => [r.key, Number(r.n)])),
    custom_role: new Map(custom.map((r) => [r.key, Number(r.n)])),
  };
}

/** A snapshot row says the day was taken even when the organisation has no member. */
const TAKEN_KEY = "";

/** The organisations without a snapshot for `day`. */
export async function orgsWithoutSnapshot(tx: Executor, day: string): Promise<string[]> {
  const rows: { id: string }[] = await tx("orgs as o")
    .whereNotExists(tx("analytics_members as m").whereRaw("m.org_id = o.id").where({ "m.day": day, "m.kind": "org_role", "m.key": TAKEN_KEY }).select(tx.raw("1")))
    .select("o.id");
  return rows.map((r) => r.id);
}

/**
 * Stores the organisation's snapshot for `day` unless one exists (another replica may have taken it
 * first): the counts `live` read (counted outside the writing transaction, so the write lock is held
 * only for the insert, not for a scan of every member), or counted here when not given.
 */
export async function snapshotMembers(tx: Executor, orgId: string, day: string, counted?: Record<MemberSeriesKind, Map<string, number>>): Promise<void> {
  const live = counted ?? (await liveMemberCounts(tx, orgId));
  const rows = [
    { org_id: orgId, day, kind: "org_role", key: TAKEN_KEY, members: [...live.org_role.values()].reduce((a, b) => a + b, 0) },
    ...MEMBER_SERIES.flatMap((kind) => [...live[kind]].map(([key, members]) => ({ org_id: orgId, day, kind, key, members }))),
  ];
  for (const chunk of chunks(rows)) await tx("analytics_members").insert(chunk).onConflict(["org_id", "day", "kind", "key"]).ignore();
}

export interface MemberPoint {
  readonly day: string;
  readonly key: string;
  readonly members: number;
}

/** The snapshots of `[from, to]`, by day then key. */
export async function readMemberSeries(tx: Executor, orgId: string, kind: MemberSeriesKind, from: string, to: string, limit: number): Promise<MemberPoint[]> {
  const rows: { day: string; key: string; members: number | string }[] = await tx("analytics_members")
    .where({ org_id: orgId, kind })
    .whereBetween("day", [from, to])
    .whereNot("key", TAKEN_KEY)
    .orderBy([{ column: "day" }, { column: "key" }])
    .limit(limit)
    .select("day", "key", "members");
  return rows.map((r) => ({ day: r.day, key: r.key, members: Number(r.members) }));
}

export interface DecisionPoint {
  readonly day: string;
  readonly kind: DecisionKind;
  readonly name: string;
  readonly allowed: number;
  readonly denied: number;
}

const isDecisionKind = (value: string): value is DecisionKind => (DECISION_KINDS as readonly string[]).includes(value);

export async function readDecisionSeries(tx: Executor, orgId: string, from: string, to: string, limit: number, kind?: DecisionKind): Promise<DecisionPoint[]> {
  const query = tx("analytics_decisions")
    .where({ org_id: orgId })
    .whereBetween("day", [from, to])
    .orderBy([{ column: "day" }, { column: "kind" }, { column: "name" }])
    .limit(limit)
    .select("day", "kind", "name", "allowed", "denied");
  if (kind !== undefined) query.where({ kind });
  const rows: { day: string; kind: string; name: string; allowed: number | string; denied: number | string }[] = await query;
  return rows.flatMap((r) => (isDecisionKind(r.kind) ? [{ day: r.day, kind: r.kind, name: r.name, allowed: Number(r.allowed), denied: Number(r.denied) }] : []));
}

export interface ProvisioningPoint {
  readonly day: string;
  readonly idp: { readonly id: string; readonly label: string | null };
  readonly creates: number;
  readonly updates: number;
  readonly deactivations: number;
  readonly errors: number;
}

/** Per day and IdP connection, with the label of the SCIM token it authenticates with. */
export async function readProvisioningSeries(tx: Executor, orgId: string, from: string, to: string, limit: number): Promise<ProvisioningPoint[]> {
  const rows: { day: string; idp: string; label: string | null; creates: number | string; updates: number | string; deactivations: number | string; errors: number | string }[] = await tx("analytics_provisioning as a")
    .leftJoin("tokens as t", (join) => join.on("t.id", "=", "a.idp").andOn("t.org_id", "=", "a.org_id"))
    .where("a.org_id", orgId)
    .whereBetween("a.day", [from, to])
    .orderBy([{ column: "a.day" }, { column: "a.idp" }])
    .limit(limit)
    .select("a.day", "a.idp", "t.label", "a.creates", "a.updates", "a.deactivations", "a.errors");
  return rows.map((r) => ({
    day: r.day,
    idp: { id: r.idp, label: r.label ?? null },
    creates: Number(r.creates),
    updates: Number(r.updates),
    deactivations: Number(r.deactivations),
    errors: Number(r.errors),
  }));
}

/** Each analytics table with the columns of its key beside `org_id` and `day`. */
const ANALYTICS_KEYS: ReadonlyArray<readonly [table: string, key: readonly string[]]> = [
  ["analytics_decisions", ["kind", "name"]],
  ["analytics_provisioning", ["idp"]],
  ["analytics_members", ["kind", "key"]],
];

/**
 * Up to `limit` of one organisation's counts from days before `beforeDay`, oldest first, deleted
 * by their keys: the retention job's bounded step (it calls again while a step deletes its limit).
 */
export async function pruneAnalyticsBatch(tx: Executor, orgId: string, beforeDay: string, limit: number): Promise<number> {
  let removed = 0;
  for (const [table, key] of ANALYTICS_KEYS) {
    if (removed >= limit) break;
    const columns = ["day", ...key];
    const rows: Array<Record<string, string>> = await tx(table).where({ org_id: orgId }).where("day", "<", beforeDay).orderBy(columns).limit(limit - removed).select(columns);
    if (rows.length === 0) continue;
    removed += await tx(table)
      .where({ org_id: orgId })
      .whereIn(columns, rows.map((row) => columns.map((c) => row[c] ?? "")))
      .delete();
  }
  return removed;
}

export interface ReviewCandidate {
  readonly seq: number;
  readonly id: string;
  /** As stored; decode with mapping/'s permissionsFromJSON. */
  readonly permissions: unknown;
}

/** Active members after `afterSeq` in directory order, with their stored permissions: the access review's scan. */
export async function activeMembersAfter(tx: Executor, orgId: string, afterSeq: number, limit: number): Promise<ReviewCandidate[]> {
  const rows: { seq: number | string; id: string; permissions: unknown }[] = await tx("users as u")
    .join("member_permissions as p", "p.user_id", "u.id")
    .where("u.org_id", orgId)
    .where("u.active", true)
    .where("u.seq", ">", afterSeq)
    .orderBy("u.seq")
    .limit(limit)
    .select("u.seq", "u.id", "p.permissions");
  return rows.map((r) => ({ seq: Number(r.seq), id: r.id, permissions: readJson(r.permissions) }));
}
