/**
 * PostgreSQL: the organisation key of the three tables a mapping change writes tens of thousands of
 * rows into at once (audit_log, event_outbox, member_roles) is checked once per statement instead of
 * once per row. A foreign key is a per-row trigger: applying a mapping that changed 50,000 members
 * ran 150,000 key checks, each a query of its own (≈ 0.6 s per table under EXPLAIN ANALYZE at
 * 50k rows, a third to a half of each insert). The same two guarantees are kept by statement-level
 * triggers over transition tables:
 * - an insert names only organisations that exist, and holds them (`FOR KEY SHARE`, as the key's own
 *   check does) so that an organisation cannot be deleted under a transaction writing its rows;
 * - deleting an organisation deletes these rows, in the deleting statement, as ON DELETE CASCADE did.
 * The tables' `org_id` is never updated, so no update check is needed. SQLite keeps its foreign
 * keys: its check is a lookup in the organisations' primary key, without a query per row.
 *
 * Also on PostgreSQL, member_permissions pages are filled to 70 % (pages written from now on): a recompute rewrites many
 * members' rows with their org role and role-editor flag unchanged, and an update that finds room
 * on its page is a heap-only tuple update, which leaves the table's three indexes untouched.
 */
import type { Knex } from "knex";
import { isPostgres } from "../dialect";

const TABLES = ["audit_log", "event_outbox", "member_roles"] as const;

export async function up(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  await knex.raw(`CREATE FUNCTION org_key_checked() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    DECLARE
      missing text;
    BEGIN
      PERFORM 1 FROM orgs WHERE id IN (SELECT DISTINCT org_id FROM added) FOR KEY SHARE;
      SELECT d.org_id INTO missing FROM (SELECT DISTINCT org_id FROM added) d WHERE NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = d.org_id) LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%_org_id_foreign"', TG_TABLE_NAME, TG_TABLE_NAME
          USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (org_id)=(%s) is not present in table "orgs".', missing), TABLE = TG_TABLE_NAME;
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE FUNCTION org_rows_removed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
      ${TABLES.map((table) => `DELETE FROM ${table} WHERE org_id IN (SELECT id FROM gone);`).join("\n      ")}
      RETURN NULL;
    END $$`);
  for (const table of TABLES) {
    await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_org_id_foreign`);
    await knex.raw(`CREATE TRIGGER ${table}_org_key AFTER INSERT ON ${table} REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION org_key_checked()`);
  }
  await knex.raw("CREATE TRIGGER orgs_rows_removed AFTER DELETE ON orgs REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION org_rows_removed()");
  await knex.raw("ALTER TABLE member_permissions SET (fillfactor = 70)");
}

export async function down(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return;
  await knex.raw("ALTER TABLE member_permissions RESET (fillfactor)");
  await knex.raw("DROP TRIGGER IF EXISTS orgs_rows_removed ON orgs");
  for (const table of TABLES) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${table}_org_key ON ${table}`);
    await knex.raw(`DELETE FROM ${table} WHERE NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = ${table}.org_id)`);
    await knex.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_org_id_foreign FOREIGN KEY (org_id) REFERENCES orgs(id) ON DELETE CASCADE`);
  }
  await knex.raw("DROP FUNCTION IF EXISTS org_rows_removed()");
  await knex.raw("DROP FUNCTION IF EXISTS org_key_checked()");
}
