/**
 * Members as the admin API shows them: a page of the directory with each member's org role and
 * custom roles (searched and filtered on the server, keyset-paged), and one member with their
 * groups, permissions and — for role readers — the explanation behind every level.
 */
import { listMembers } from "../../db/members";
import { loadMembers } from "../../db/member-snapshots";
import { findMemberPermissions } from "../../db/permissions";
import { type EffectivePermissions, type Explanation, NO_ACCESS, type OrgRole, explainMember, permissionsFromJSON } from "../../mapping";
import { type Actor, requireAction } from "./actor";
import { decodeCursor, encodeCursor } from "./cursor";
import { refuse } from "./errors";
import type { AdminDeps } from "./mapping";

export interface MemberRow {
  readonly id: string;
  readonly userName: string;
  readonly displayName: string | null;
  readonly active: boolean;
  readonly orgRole: OrgRole;
  readonly roles: readonly string[];
}

export interface MemberQuery {
  readonly q?: string;
  readonly orgRole?: OrgRole;
  readonly role?: string;
  readonly groupId?: string;
  readonly cursor?: string;
  readonly limit: number;
}

export async function listMemberPage(deps: AdminDeps, actor: Actor, query: MemberQuery): Promise<{ members: MemberRow[]; nextCursor: string | null }> {
  requireAction(actor, "list_members");
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, (v): v is string => typeof v === "string");
  const rows = await listMembers(deps.db.knex, {
    orgId: actor.orgId,
    limit: query.limit,
    ...(query.q === undefined ? {} : { q: query.q }),
    ...(query.orgRole === undefined ? {} : { orgRole: query.orgRole }),
    ...(query.role === undefined ? {} : { role: query.role }),
    ...(query.groupId === undefined ? {} : { groupId: query.groupId }),
    ...(after === undefined ? {} : { after }),
  });
  const last = rows[rows.length - 1];
  return {
    members: rows.map((row) => {
      const p = row.permissions === null ? NO_ACCESS : permissionsFromJSON(row.permissions);
      return { id: row.id, userName: row.userName, displayName: row.displayName, active: row.active, orgRole: p.orgRole, roles: p.roles };
    }),
    nextCursor: rows.length === query.limit && last !== undefined ? encodeCursor(last.cursor) : null,
  };
}

export interface MemberDetail {
  readonly member: { readonly id: string; readonly userName: string; readonly active: boolean };
  readonly permissions: EffectivePermissions;
  readonly groups: ReadonlyArray<{ readonly id: string; readonly displayName: string; readonly source: "scim" | "manual" }>;
  /** Only for those who may read roles ("explain any member"). */
  readonly explanation: Explanation | null;
}

export async function memberDetail(deps: AdminDeps, actor: Actor, userId: string): Promise<MemberDetail> {
  requireAction(actor, "list_members");
  const found = await findMemberPermissions(deps.db.knex, actor.orgId, { id: userId });
  const [snapshot] = await loadMembers(deps.db.knex, actor.orgId, [userId]);
  if (found === null || snapshot === undefined) refuse("member_not_found", `No member with id ${userId}`);
  let explanation: Explanation | null = null;
  if (actor.may.read_roles) {
    const { mapping } = await deps.sync.mappingFor(deps.db.knex, actor.orgId);
    explanation = explainMember(snapshot, mapping, await deps.sync.platformFor(deps.db.knex, actor.orgId));
  }
  return {
    member: { id: found.id, userName: found.userName, active: found.active },
    permissions: found.permissions === null ? NO_ACCESS : permissionsFromJSON(found.permissions),
    groups: snapshot.groups.map((g) => ({ id: g.id, displayName: g.displayName, source: g.source })),
    explanation,
  };
}
