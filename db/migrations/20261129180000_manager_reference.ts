/**
 * A user's manager is stored as the IdP sent it, which need not be one of our 36-character ids
 * (an IdP's attribute mapping may fill it with its own identifier). SQLite does not enforce the
 * declared length; PostgreSQL does, so the column widens there.
 */
import type { Knex } from "knex";
import { isPostgres } from "../dialect";

export async function up(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  await knex.schema.alterTable("users", (t) => {
    t.string("manager_id", 255).nullable().alter();
  });
}

export async function down(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  await knex.schema.alterTable("users", (t) => {
    t.string("manager_id", 36).nullable().alter();
  });
}
