/**
 * The identity provider whose request created a group ('okta' | 'entra', null when not known):
 * which matcher survives renames depends on it (Okta's Push Groups send no externalId; Entra's
 * externalId is the group's object id), and the mapping plan's advice uses it.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("groups", (t) => {
    t.string("provisioned_by", 8).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("groups", (t) => {
    t.dropColumn("provisioned_by");
  });
}
