/**
 * How many users each organisation holds, kept by the database itself, so that an unfiltered
 * `GET /Users` answers `totalResults` (RFC 7644 §3.4.2.4) without counting 100k index entries on
 * every page of an IdP's import. `users_changes` grows with every user created or deleted: a
 * remembered page position (db/list.ts) is valid only while it has not moved.
 *
 * Triggers rather than the application's writes keep the counts, so that every path that adds or
 * removes users (SCIM, bulk loads, a replica of the previous version during a rolling upgrade,
 * an organisation's cascade delete) keeps them exact. On PostgreSQL the counter is updated by a
 * trigger deferred to the commit: its row is then locked only for the commit itself, as the outbox's
 * event counter is (db/outbox.ts), and concurrent creators do not queue behind each other's whole
 * transaction.
 * Creating the triggers before counting makes the backfill exact while writers run: on PostgreSQL
 * CREATE TRIGGER waits for the writes in flight and holds new ones until this migration commits.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === "pg";
  await knex.schema.createTable("resource_counters", (t) => {
    t.string("org_id", 36).primary().references("orgs.id").onDelete("CASCADE");
    t.bigInteger("users").notNullable().defaultTo(0);
    t.bigInteger("users_changes").notNullable().defaultTo(0);
  });
  if (pg) {
    await knex.raw(`CREATE FUNCTION resource_counters_org() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        INSERT INTO resource_counters (org_id) VALUES (NEW.id) ON CONFLICT (org_id) DO NOTHING;
        RETURN NULL;
      END $$`);
    await knex.raw("CREATE TRIGGER orgs_counted AFTER INSERT ON orgs FOR EACH ROW EXECUTE FUNCTION resource_counters_org()");
    // Each statement that adds or removes users leaves one pending row per organisation, and a
    // trigger deferred to the commit folds it into the counter: one counter update per statement
    // (a bulk load of 100k users is one), where a deferred per-row trigger would update the same row
    // 100k times in one transaction, each update walking the versions the previous ones left.
    await knex.schema.createTable("resource_counter_pending", (t) => {
      t.bigIncrements("id").primary();
      t.string("org_id", 36).notNullable();
      t.bigInteger("users").notNullable();
      t.bigInteger("changes").notNullable();
    });
    await knex.raw(`CREATE FUNCTION resource_counters_added() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        INSERT INTO resource_counter_pending (org_id, users, changes) SELECT org_id, COUNT(*), COUNT(*) FROM added GROUP BY org_id;
        RETURN NULL;
      END $$`);
    await knex.raw(`CREATE FUNCTION resource_counters_removed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        INSERT INTO resource_counter_pending (org_id, users, changes) SELECT org_id, -COUNT(*), COUNT(*) FROM removed GROUP BY org_id;
        RETURN NULL;
      END $$`);
    await knex.raw(`CREATE FUNCTION resource_counters_apply() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        UPDATE resource_counters SET users = users + NEW.users, users_changes = users_changes + NEW.changes WHERE org_id = NEW.org_id;
        DELETE FROM resource_counter_pending WHERE id = NEW.id;
        RETURN NULL;
      END $$`);
    await knex.raw("CREATE TRIGGER users_counted_insert AFTER INSERT ON users REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION resource_counters_added()");
    await knex.raw("CREATE TRIGGER users_counted_delete AFTER DELETE ON users REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION resource_counters_removed()");
    await knex.raw("CREATE CONSTRAINT TRIGGER resource_counter_pending_applied AFTER INSERT ON resource_counter_pending DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION resource_counters_apply()");
  } else {
    await knex.raw("CREATE TRIGGER orgs_counted AFTER INSERT ON orgs BEGIN INSERT OR IGNORE INTO resource_counters (org_id) VALUES (NEW.id); END");
    await knex.raw("CREATE TRIGGER users_counted_insert AFTER INSERT ON users BEGIN UPDATE resource_counters SET users = users + 1, users_changes = users_changes + 1 WHERE org_id = NEW.org_id; END");
    await knex.raw("CREATE TRIGGER users_counted_delete AFTER DELETE ON users BEGIN UPDATE resource_counters SET users = users - 1, users_changes = users_changes + 1 WHERE org_id = OLD.org_id; END");
  }
  // One aggregate over the (org_id, seq) index: a 100k-user organisation is counted in well under a second.
  await knex.raw(`INSERT INTO resource_counters (org_id, users, users_changes)
    SELECT o.id, COALESCE(c.n, 0), 0 FROM orgs o LEFT JOIN (SELECT org_id, COUNT(*) AS n FROM users GROUP BY org_id) c ON c.org_id = o.id`);
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === "pg") {
    await knex.raw("DROP TRIGGER IF EXISTS users_counted_insert ON users");
    await knex.raw("DROP TRIGGER IF EXISTS users_counted_delete ON users");
    await knex.raw("DROP TRIGGER IF EXISTS orgs_counted ON orgs");
    await knex.schema.dropTableIfExists("resource_counter_pending");
    for (const fn of ["resource_counters_added", "resource_counters_removed", "resource_counters_apply", "resource_counters_org"]) await knex.raw(`DROP FUNCTION IF EXISTS ${fn}()`);
  } else {
    await knex.raw("DROP TRIGGER IF EXISTS users_counted_insert");
    await knex.raw("DROP TRIGGER IF EXISTS users_counted_delete");
    await knex.raw("DROP TRIGGER IF EXISTS orgs_counted");
  }
  await knex.schema.dropTableIfExists("resource_counters");
}
