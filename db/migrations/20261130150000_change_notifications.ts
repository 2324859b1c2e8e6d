/**
 * PostgreSQL: every statement that writes tokens, organisations, users or materialised permissions
 * announces the table on the `scim_changed` channel, delivered at commit (never for a rollback)
 * and folded into one notification per table and transaction. Replicas that answer authentication and authorize from memory
 * (db/change-feed.ts) forget what they hold when they hear it, whichever process or tool wrote.
 * SQLite needs nothing: `PRAGMA data_version` tells a connection that another one committed.
 */
import type { Knex } from "knex";
import { isPostgres } from "../dialect";

const TABLES = ["tokens", "orgs", "users", "member_permissions"] as const;

export async function up(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  await knex.raw(`
    CREATE OR REPLACE FUNCTION scim_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('scim_changed', TG_TABLE_NAME);
      RETURN NULL;
    END
    $$`);
  for (const table of TABLES) {
    await knex.raw(`CREATE TRIGGER ${table}_announce_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION scim_announce_change()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  for (const table of TABLES) await knex.raw(`DROP TRIGGER IF EXISTS ${table}_announce_change ON ${table}`);
  await knex.raw("DROP FUNCTION IF EXISTS scim_announce_change()");
}
