/**
 * Groups created in the admin API ("manual" groups) live beside the groups the IdP pushes, marked
 * by `source`. A name is unique per organisation and source: the IdP cannot see manual groups, so
 * it must never be refused a name because a manual group already has it (rules tell the two kinds
 * apart: `manual:` matches only manual groups, `displayName:` only the IdP's).
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("groups", (t) => {
    t.string("source", 8).notNullable().defaultTo("scim");
  });
  await knex.schema.alterTable("groups", (t) => {
    t.dropUnique(["org_id", "display_name_ci"]);
    t.unique(["org_id", "source", "display_name_ci"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex("groups").where({ source: "manual" }).delete();
  await knex.schema.alterTable("groups", (t) => {
    t.dropUnique(["org_id", "source", "display_name_ci"]);
    t.unique(["org_id", "display_name_ci"]);
  });
  await knex.schema.alterTable("groups", (t) => {
    t.dropColumn("source");
  });
}
