/**
 * Direct database loader for the read scenarios: a large directory in one transaction, with
 * batched multi-row inserts (one JSON parameter per batch, unpacked by json_each on SQLite and
 * json_populate_recordset on PostgreSQL) and the materialised permissions the server would have
 * computed, resolved with the same pure mapping/ code. The full-sync scenario does NOT use this:
 * it goes through SCIM over HTTP (bench/sync.ts).
 */
import { randomUUID } from "node:crypto";
import type { Knex } from "knex";
import type { Database } from "../db/connection";
import { ensureOrg } from "../db/orgs";
import { insertMapping } from "../db/mappings";
import { createToken } from "../db/tokens";
import { type MemberInput, parseMapping, platformFor, resolveMember } from "../mapping";

export interface SeedGroup {
  /** Also the group's externalId and displayName. */
  readonly key: string;
  /** Members are users[0 … size-1]. */
  readonly size: number;
}

export interface SeedPlan {
  readonly users: number;
  readonly groups: readonly SeedGroup[];
  /** Mapping text in force (its permissions are materialised for every user). */
  readonly mapping: string;
}

export interface Seeded {
  readonly orgId: string;
  readonly scimToken: string;
  readonly apiToken: string;
  readonly userIds: readonly string[];
  readonly userNames: readonly string[];
  readonly groupIds: ReadonlyMap<string, string>;
  readonly rows: number;
}

const BATCH = 5000;

const COLUMNS = {
  users: ["id", "org_id", "user_name", "user_name_ci", "external_id", "display_name", "active", "manager_id", "data", "version", "created_at", "updated_at"],
  groups: ["id", "org_id", "display_name", "display_name_ci", "external_id", "data", "version", "created_at", "updated_at"],
  group_members: ["group_id", "member_id", "org_id", "member_type"],
  member_permissions: ["user_id", "org_id", "permissions", "updated_at"],
} as const;

type Table = keyof typeof COLUMNS;

/** Columns holding JSON: stored as text on SQLite, so they are passed pre-serialised there. */
const JSON_COLUMNS = new Set(["data", "permissions"]);

function bulkSql(dialect: "sqlite" | "pg", table: Table): string {
  const cols = COLUMNS[table];
  if (dialect === "pg") return `INSERT INTO ${table} (${cols.join(", ")}) SELECT ${cols.join(", ")} FROM json_populate_recordset(NULL::${table}, ?::json)`;
  return `INSERT INTO ${table} (${cols.join(", ")}) SELECT ${cols.map((c) => `json_extract(j.value, '$.${c}')`).join(", ")} FROM json_each(?) AS j`;
}

async function insertAll(tx: Knex.Transaction, dialect: "sqlite" | "pg", table: Table, rows: readonly Record<string, unknown>[]): Promise<void> {
  const sql = bulkSql(dialect, table);
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH);
    const payload = dialect === "sqlite" ? chunk.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, JSON_COLUMNS.has(k) ? JSON.stringify(v) : v]))) : chunk;
    await tx.raw(sql, [JSON.stringify(payload)]);
  }
}

export function userNameOf(i: number): string {
  return `user${i}@bench.example`;
}

export async function seedDirectory(db: Database, plan: SeedPlan): Promise<Seeded> {
  const org = await ensureOrg(db.knex, "default");
  const { token: scimToken } = await createToken(db.knex, { orgId: org.id, kind: "scim", label: "bench" });
  const { token: apiToken } = await createToken(db.knex, { orgId: org.id, kind: "api", label: "bench" });
  const parsed = parseMapping(plan.mapping, "bench-mapping.yaml");
  if (!parsed.ok) throw new Error(`bench mapping refused: ${parsed.errors.map((e) => e.message).join("; ")}`);
  const now = new Date().toISOString();

  const userIds: string[] = [];
  const userNames: string[] = [];
  const users: Record<string, unknown>[] = [];
  for (let i = 0; i < plan.users; i++) {
    const id = randomUUID();
    const userName = userNameOf(i);
    userIds.push(id);
    userNames.push(userName);
    users.push({
      id,
      org_id: org.id,
      user_name: userName,
      user_name_ci: userName,
      external_id: `ext-${i}`,
      display_name: `Bench User ${i}`,
      active: true,
      manager_id: null,
      data: { name: { givenName: "Bench", familyName: `User ${i}` }, emails: [{ value: userName, type: "work", primary: true }] },
      version: 1,
      created_at: now,
      updated_at: now,
    });
  }
  const groupIds = new Map<string, string>();
  const groups: Record<string, unknown>[] = [];
  const members: Record<string, unknown>[] = [];
  const groupsOfUser: { id: string; externalId: string; displayName: string }[][] = userIds.map(() => []);
  for (const g of plan.groups) {
    const id = randomUUID();
    groupIds.set(g.key, id);
    groups.push({ id, org_id: org.id, display_name: g.key, display_name_ci: g.key.toLowerCase(), external_id: g.key, data: {}, version: 1, created_at: now, updated_at: now });
    for (let i = 0; i < g.size; i++) {
      members.push({ group_id: id, member_id: userIds[i], org_id: org.id, member_type: "User" });
      groupsOfUser[i]?.push({ id, externalId: g.key, displayName: g.key });
    }
  }
  const platform = platformFor(null, org.name);
  const permissions = userIds.map((id, i) => {
    const member: MemberInput = { id, userName: userNames[i] ?? "", active: true, groups: groupsOfUser[i] ?? [], appRoles: [] };
    return { user_id: id, org_id: org.id, permissions: resolveMember(member, parsed.mapping, platform), updated_at: now };
  });

  await db.knex.transaction(async (tx) => {
    await insertAll(tx, db.dialect, "users", users);
    await insertAll(tx, db.dialect, "groups", groups);
    await insertAll(tx, db.dialect, "group_members", members);
    await insertAll(tx, db.dialect, "member_permissions", permissions);
    await insertMapping(tx, org.id, { hash: parsed.hash, mapping: parsed.mapping, sourceName: "bench-mapping.yaml", sourceText: plan.mapping, appliedBy: "bench seed" });
  });
  // A bulk load is followed by autovacuum's ANALYZE on PostgreSQL in production; do it now rather
  // than benchmark plans made without statistics. SQLite never analyses by itself, so neither do we.
  if (db.dialect === "pg") await db.knex.raw("ANALYZE");
  return { orgId: org.id, scimToken, apiToken, userIds, userNames, groupIds, rows: users.length + groups.length + members.length + permissions.length };
}
