/**
 * Members as the admin API shows them: a page of the directory with each member's org role and
 * custom roles (searched and filtered on the server, keyset-paged), and one member with their
 * groups, permissions and — for role readers — the explanation behind every level.
 */
import { type MemberOrigin, type Suspension, findMemberOrigin, findSuspension, suspensionsOf } from "../../db/member-standing";
import { listMembers } from "../../db/members";
import { findUser } from "../../db/users";
import { loadMembers } from "../../db/member-snapshots";
import { findMemberPermissions } from "../../db/permissions";
import { type EffectivePermissions, type Explanation, NO_ACCESS, type OrgRole, explainMember, permissionsFromJSON } from "../../mapping";
import { type Actor, requireAction } from "./actor";
import { decodeCursor, encodeCursor } from "./cursor";
import { refuse } from "./errors";
import type { AdminDeps } from "./mapping";
import { idpName } from "./member-admin";

export interface MemberRow {
  readonly id: string;
  readonly userName: string;
  readonly displayName: string | null;
  readonly active: boolean;
  readonly orgRole: OrgRole;
  readonly roles: readonly string[];
  /** Suspended by the organisation (their `active` stays what the IdP sent). */
  readonly suspended: boolean;
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
  const suspended = await suspensionsOf(deps.db.knex, actor.orgId, rows.map((row) => row.id));
  return {
    members: rows.map((row) => {
      const p = row.permissions === null ? NO_ACCESS : permissionsFromJSON(row.permissions);
      return { id: row.id, userName: row.userName, displayName: row.displayName, active: row.active, orgRole: p.orgRole, roles: p.roles, suspended: suspended.has(row.id) };
    }),
    nextCursor: rows.length === query.limit && last !== undefined ? encodeCursor(last.cursor) : null,
  };
}

/** Who owns a member's attributes: the console (added by e-mail) or the IdP that provisioned them. */
export interface MemberProvenance {
  readonly origin: MemberOrigin;
  /** The IdP or the console, named for people. */
  readonly name: string;
  readonly addedBy: string | null;
  readonly addedAt: string | null;
}

export interface MemberDetail {
  readonly member: {
    readonly id: string;
    readonly userName: string;
    readonly displayName: string | null;
    readonly email: string | null;
    /** As the IdP sent it. */
    readonly active: boolean;
    readonly suspension: Suspension | null;
    readonly provenance: MemberProvenance;
  };
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
    const { mapping } = await deps.sync.inForce.mapping(deps.db.knex, actor.orgId);
    explanation = explainMember(snapshot, mapping, await deps.sync.inForce.platform(deps.db.knex, actor.orgId));
  }
  const user = await findUser(deps.db.knex, actor.orgId, found.id);
  const origin = await findMemberOrigin(deps.db.knex, actor.orgId, found.id);
  const kind = origin?.origin ?? "scim";
  return {
    member: {
      id: found.id,
      userName: found.userName,
      displayName: user?.displayName ?? null,
      email: primaryEmail(user?.data["emails"]),
      active: found.active,
      suspension: await findSuspension(deps.db.knex, actor.orgId, found.id),
      provenance: { origin: kind, name: idpName(kind), addedBy: origin?.addedBy ?? null, addedAt: origin?.addedAt ?? null },
    },
    permissions: found.permissions === null ? NO_ACCESS : permissionsFromJSON(found.permissions),
    groups: snapshot.groups.map((g) => ({ id: g.id, displayName: g.displayName, source: g.source })),
    explanation,
  };
}

/** The primary (else the first) of a SCIM user's emails. */
function primaryEmail(emails: unknown): string | null {
  if (!Array.isArray(emails)) return null;
  const values = emails.flatMap((e: unknown) => (typeof e === "object" && e !== null && "value" in e && typeof e.value === "string" ? [{ value: e.value, primary: "primary" in e && e.primary === true }] : []));
  return (values.find((e) => e.primary) ?? values[0])?.value ?? null;
}
