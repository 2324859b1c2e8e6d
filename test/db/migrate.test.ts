import { randomBytes } from "node:crypto";
import knexFactory from "knex";
import { type Database, openDatabase } from "../../db/connection";
import { migrateToLatest } from "../../db/migrate";
import * as resourceCounters from "../../db/migrations/20261130140000_resource_counters";
import { ensureOrg } from "../../db/orgs";
import { seedUsers } from "../../db/seed";
import { ON_POSTGRES, TEST_DATABASE_URL, startHarness } from "../support/harness";
import { tempSqlite } from "../support/temp-sqlite";

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
      const tmp = await tempSqlite();
      databases = [0, 1, 2].map(() => openDatabase(tmp.url));
      cleanup = () => tmp.remove();
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

/**
 * Counting users for `totalResults` moved into the database: an existing directory is counted once
 * when the counters are added, and the triggers keep every organisation's count from then on.
 */
describe("the users counters", () => {
  it("count the users that existed before them, and follow creates and deletes per organisation", async () => {
    const h = await startHarness();
    try {
      const other = await ensureOrg(h.db.knex, "other");
      await resourceCounters.down(h.db.knex);
      await seedUsers(h.db.knex, h.orgId, ["a1", "a2", "a3"], "before-");
      await seedUsers(h.db.knex, other.id, ["b1"], "before-");
      await resourceCounters.up(h.db.knex);
      const counts = async () => new Map((await h.db.knex("resource_counters").select("org_id", "users")).map((r: { org_id: string; users: number | string }) => [r.org_id, Number(r.users)]));
      expect(await counts()).toEqual(new Map([[h.orgId, 3], [other.id, 1]]));
      await seedUsers(h.db.knex, h.orgId, ["a4", "a5"], "after-");
      await h.db.knex("users").where({ org_id: h.orgId, id: "a1" }).delete();
      const third = await ensureOrg(h.db.knex, "third");
      expect(await counts()).toEqual(new Map([[h.orgId, 4], [other.id, 1], [third.id, 0]]));
      const page = await h.scim("get", "/Users").query({ count: 1 });
      expect(page.body).toMatchObject({ totalResults: 4, itemsPerPage: 1 });
    } finally {
      await h.close();
    }
  });
});
