/**
 * The SCIM connection's bearer tokens, for the console's Organisation page: listed, created (the
 * token shown once, stored only as a SHA-256) and revoked, by those who may edit roles (Identity &
 * Access covers SCIM). Every create and revoke is in the admin log.
 */
import { appendAdminAction } from "../../db/admin-actions";
import { type TokenInfo, createToken, listTokens, revokeOrgToken } from "../../db/tokens";
import { withAfterCommit } from "../../db/transaction";
import { type Actor, actorName, loadActor, requireAction } from "./actor";
import { refuse } from "./errors";
import type { AdminDeps } from "./mapping";

export async function listScimTokens(deps: AdminDeps, actor: Actor): Promise<TokenInfo[]> {
  requireAction(actor, "read_roles");
  return (await listTokens(deps.db.knex, actor.orgId)).filter((token) => token.kind === "scim");
}

export async function createScimToken(deps: AdminDeps, signedIn: Actor, label: string | null): Promise<{ token: string; info: TokenInfo }> {
  if (label !== null && label.length > 200) refuse("invalid_request", "label must be at most 200 characters");
  return withAfterCommit(deps.db, async (tx) => {
    const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
    requireAction(actor, "manage_scim_tokens");
    const created = await createToken(tx, { orgId: actor.orgId, kind: "scim", label: label ?? `created by ${actorName(actor)}` });
    await appendAdminAction(tx, actor.orgId, { actor: actorName(actor), action: "scim_token.create", target: created.info.id, detail: { label: created.info.label } });
    return created;
  });
}

export async function revokeScimToken(deps: AdminDeps, signedIn: Actor, id: string): Promise<void> {
  await withAfterCommit(deps.db, async (tx) => {
    const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
    requireAction(actor, "manage_scim_tokens");
    if (!(await revokeOrgToken(tx, actor.orgId, "scim", id))) refuse("token_not_found", `No SCIM token with id ${id}`);
    await appendAdminAction(tx, actor.orgId, { actor: actorName(actor), action: "scim_token.revoke", target: id, detail: {} });
  });
}
