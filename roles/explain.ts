/** Explaining a member's access: which rules, roles, toggles and overrides give them what they have. */
import type { Database } from "../db/connection";
import { loadMembers } from "../db/member-snapshots";
import { type Explanation, explainMember } from "../mapping";
import type { MappingPermissionSync } from "./sync";

/** null when the organisation has no such user. */
export async function explainUser(db: Database, sync: MappingPermissionSync, orgId: string, userId: string): Promise<Explanation | null> {
  const [member] = await loadMembers(db.knex, orgId, [userId]);
  if (!member) return null;
  const { mapping } = await sync.inForce.mapping(db.knex, orgId);
  return explainMember(member, mapping, await sync.inForce.platform(db.knex, orgId));
}
