/**
 * The admin API's view of groups: the IdP's and the manual ones side by side, each with its source
 * and member count, a page at a time in name order (keyset on name and id). SCIM never reads these:
 * its view is db/groups.ts with SCIM_VISIBLE.
 */
import type { Executor } from "./connection";
import type { GroupSource } from "./resources";
import { readGroupSource } from "./resources";

export interface DirectoryGroup {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly source: GroupSource;
  readonly memberCount: number;
  readonly created: string;
  /** Keyset position for the next page. */
  readonly cursor: { readonly name: string; readonly id: string };
}

export async function listDirectoryGroups(
  tx: Executor,
  query: { orgId: string; source?: GroupSource; q?: string; after?: { name: string; id: string }; limit: number },
): Promise<DirectoryGroup[]> {
  const sql = tx("groups as g")
    .where("g.org_id", query.orgId)
    .orderBy([{ column: "g.display_name_ci" }, { column: "g.id" }])
    .limit(query.limit)
    .select("g.id", "g.display_name", "g.display_name_ci", "g.external_id", "g.source", "g.created_at");
  if (query.source !== undefined) sql.where("g.source", query.source);
  if (query.q !== undefined && query.q !== "") {
    const from = query.q.toLowerCase();
    sql.where("g.display_name_ci", ">=", from).where("g.display_name_ci", "<", `${from}\uffff`);
  }
  const after = query.after;
  if (after !== undefined) {
    sql.where((w) => w.where("g.display_name_ci", ">", after.name).orWhere((x) => x.where("g.display_name_ci", after.name).where("g.id", ">", after.id)));
  }
  const rows: Array<{ id: string; display_name: string; display_name_ci: string; external_id: string | null; source: string; created_at: string }> = await sql;
  const counts = await memberCounts(tx, rows.map((r) => r.id));
  return rows.map((r) => ({
    id: r.id,
    displayName: r.display_name,
    externalId: r.external_id,
    source: readGroupSource(r.source),
    memberCount: counts.get(r.id) ?? 0,
    created: r.created_at,
    cursor: { name: r.display_name_ci, id: r.id },
  }));
}

/** Direct members per group, for the listed groups only (one grouped query over the primary key). */
export async function memberCounts(tx: Executor, groupIds: readonly string[]): Promise<Map<string, number>> {
  if (groupIds.length === 0) return new Map();
  const rows: Array<{ group_id: string; n: number | string }> = await tx("group_members").whereIn("group_id", [...groupIds]).groupBy("group_id").select("group_id").count({ n: "*" });
  return new Map(rows.map((r) => [r.group_id, Number(r.n)]));
}
