/**
 * A token may carry an expiry: set when it is created with one, and on the old token when a SCIM
 * token is rotated (it stays valid for the stated overlap, then authenticates no more). Stored as
 * ISO-8601 UTC text, as `created_at` and `revoked_at` are.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("tokens", (t) => {
    t.string("expires_at", 32).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("tokens", (t) => {
    t.dropColumn("expires_at");
  });
}
