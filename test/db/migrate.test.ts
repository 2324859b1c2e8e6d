import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import knexFactory from "knex";
import { type Database, openDatabase } from "../../db/connection";
import { migrateToLatest } from "../../db/migrate";
import { ON_POSTGRES, TEST_DATABASE_URL } from "../support/harness";

/**
 * Replicas starting together migrate at the same moment: every migration must run exactly once,
 * nobody may fail with "Migration table is already locked", and knex's lock table keeps one row.
 */
describe("migrations started by several processes at once", () => {
  it("run once, and every starter succeeds", async () => {
    let databases: Database[] = [];
    let cleanup: () => Promise<void>;
    if (ON_POSTGRES) {
      const schema = `m_${randomBytes(6).toString("hex")}`;
      const admin = knexFactory({ client: "pg", connection: TEST_DATABASE_URL, pool: { min: 0, max: 1 } });
      await admin.raw(`CREATE SCHEMA ${schema}`);
      databases = [0, 1, 2].map(() => openDatabase(TEST_DATABASE_URL, { pgSchema: schema }));
      cleanup = async () => {
        await admin.raw(`DROP SCHEMA ${schema} CASCADE`);
        await admin.destroy();
      };
    } else {
      const dir = await mkdtemp(join(tmpdir(), "scim-migrate-"));
      databases = [0, 1, 2].map(() => openDatabase(`sqlite:${join(dir, "scim.sqlite")}`));
      cleanup = () => rm(dir, { recursive: true, force: true });
    }
    try {
      await Promise.all(databases.map((db) => migrateToLatest(db.knex)));
      const first = databases[0]!;
      const runs: { name: string; n: number | string }[] = await first.knex("knex_migrations").select("name").count({ n: "*" }).groupBy("name");
      expect(runs.length).toBeGreaterThanOrEqual(4);
      expect(runs.filter((r) => Number(r.n) !== 1)).toEqual([]);
      expect(Number((await first.knex("knex_migrations_lock").count({ n: "*" }).first())?.n)).toBe(1);
      // And a later start finds nothing to do.
      await migrateToLatest(first.knex);
    } finally {
      await Promise.all(databases.map((db) => db.close()));
      await cleanup();
    }
  });
});
