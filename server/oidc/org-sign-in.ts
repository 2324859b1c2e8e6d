/**
 * Setting or removing the OIDC issuer an organisation's members sign in with: the one write the CLI
 * (`oidc`) and the start (OIDC_* for the default organisation) both make. In the same transaction,
 * removing the issuer, or replacing who vouches for members (issuer, client, username claim), ends
 * the organisation's console sessions; members' bearer tokens are checked against the stored issuer
 * on every request (member-tokens.ts keeps nothing in memory), so they are refused from the commit on,
 * on every replica.
 */
import type { Database } from "../../db/connection";
import { type OrgOidc, setOrgOidc } from "../../db/orgs";
import { withAfterCommit } from "../../db/transaction";

/** Stores the organisation's sign-in (null removes it); says how many console sessions it ended. */
export async function setMemberSignIn(db: Database, orgId: string, settings: OrgOidc | null): Promise<{ sessionsEnded: number }> {
  const sessionsEnded = await withAfterCommit(db, (tx) => setOrgOidc(tx, orgId, settings));
  return { sessionsEnded };
}
