/**
 * Two standings of a member that the directory (SCIM) does not own, each its own table so that an
 * IdP's writes to the user row never touch them:
 * - a suspension (who, when, why): while it stands the member resolves as inactive, whatever
 *   `active` the IdP sends, and SCIM keeps showing that `active` as sent;
 * - where the member came from: added in the console by e-mail (`console`), or pushed by an IdP
 *   (`okta`, `entra`, `scim` when not recognised). Members created before this table have no row:
 *   they came by SCIM.
 * Both go with the user (ON DELETE CASCADE).
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("member_suspensions", (t) => {
    t.string("user_id", 36).primary().references("id").inTable("users").onDelete("CASCADE");
    t.string("org_id", 36).notNullable().references("id").inTable("orgs").onDelete("CASCADE");
    t.string("reason", 1000).notNullable();
    t.string("suspended_by", 600).notNullable();
    t.string("suspended_at", 32).notNullable();
  });
  await knex.schema.createTable("member_origins", (t) => {
    t.string("user_id", 36).primary().references("id").inTable("users").onDelete("CASCADE");
    t.string("org_id", 36).notNullable().references("id").inTable("orgs").onDelete("CASCADE");
    t.string("origin", 8).notNullable();
    t.string("added_by", 600).nullable();
    t.string("added_at", 32).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("member_origins");
  await knex.schema.dropTable("member_suspensions");
}
