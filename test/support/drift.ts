import type { Database } from "../../db/connection";
import { findOrgByName } from "../../db/orgs";
import { findUserIdByUserName } from "../../db/users";

/**
 * Damage done on purpose, as a bad restore or a hand edit would: for tests of `verify` and of the
 * failed-deliveries listing. Returns the member's id.
 */
export async function updateStoredPermissionsForTest(db: Database, orgName: string, userName: string): Promise<string> {
  const org = await findOrgByName(db.knex, orgName);
  const id = org ? await findUserIdByUserName(db.knex, org.id, userName) : null;
  if (!id) throw new Error(`no member ${userName} in ${orgName}`);
  const row: { permissions: unknown } | undefined = await db.knex("member_permissions").where({ user_id: id }).first("permissions");
  const stored = typeof row?.permissions === "string" ? (JSON.parse(row.permissions) as Record<string, unknown>) : (row?.permissions as Record<string, unknown>);
  await db.knex("member_permissions").where({ user_id: id }).update({ permissions: JSON.stringify({ ...stored, roles: [], orgRole: "user" }) });
  return id;
}

/** Marks every delivery failed, as after a receiver that refused for the whole retry window. */
export async function failDeliveriesForTest(db: Database): Promise<void> {
  await db.knex("webhook_deliveries").update({ status: "failed", last_status: null, last_error: "gone for the test", finished_ms: Date.now() });
}
