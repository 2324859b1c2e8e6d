/**
 * My access: every signed-in member may read why they hold what they hold — the same explanation a
 * role reader sees for anyone (mapping/explain.ts), of themselves only, with no admin right needed.
 */
import { loadMembers } from "../../db/member-snapshots";
import { type EffectivePermissions, type Explanation, explainMember } from "../../mapping";
import type { Actor } from "./actor";
import { refuse } from "./errors";
import type { AdminDeps } from "./mapping";

export interface MyAccess {
  readonly member: { readonly id: string; readonly userName: string };
  /** What is in force (as stored): what `authorize` answers for this member. */
  readonly permissions: EffectivePermissions;
  /** The member's groups, as their identity provider or a manual group gives them. */
  readonly groups: ReadonlyArray<{ readonly id: string; readonly displayName: string; readonly source: "scim" | "manual" }>;
  /** The app roles their identity provider assigned (Entra app roles), as sent. */
  readonly appRoles: readonly string[];
  readonly explanation: Explanation;
}

/** The actor's own explanation, computed from the mapping and overrides in force. */
export async function explainMyAccess(deps: AdminDeps, actor: Actor): Promise<MyAccess> {
  const [snapshot] = await loadMembers(deps.db.knex, actor.orgId, [actor.id]);
  if (snapshot === undefined) refuse("not_a_member", `${actor.userName} is no longer a member of this organisation`);
  const { mapping } = await deps.sync.inForce.mapping(deps.db.knex, actor.orgId);
  const explanation = explainMember(snapshot, mapping, await deps.sync.inForce.platform(deps.db.knex, actor.orgId));
  return {
    member: { id: actor.id, userName: actor.userName },
    permissions: actor.permissions,
    groups: snapshot.groups.map((g) => ({ id: g.id, displayName: g.displayName, source: g.source ?? "scim" })),
    appRoles: [...snapshot.appRoles],
    explanation,
  };
}
