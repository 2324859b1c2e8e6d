import { type Database, openDatabase } from "../../db/connection";
import { DbConflictError, classifyDbError } from "../../db/errors";
import { SqliteWorkerConnection } from "../../db/sqlite-worker-client";

/**
 * SQLite's connection lives in a worker thread (db/sqlite-worker-client.ts): statements run while
 * the event loop keeps turning, driver errors come back with their SQLite code, and a connection
 * whose worker stopped is replaced. Always SQLite, whichever database the suite runs on.
 */
describe("the SQLite connection in a worker thread", () => {
  let db: Database;
  beforeEach(() => {
    db = openDatabase("sqlite::memory:");
  });
  afterEach(async () => db.close());

  it("keeps the event loop turning while a long statement runs", async () => {
    let turns = 0;
    let counting = true;
    const count = (): void => {
      turns += 1;
      if (counting) setImmediate(count);
    };
    await db.knex.raw("select 1");
    setImmediate(count);
    const rows: unknown = await db.knex.raw("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) AS n FROM c");
    counting = false;
    expect(rows).toEqual([{ n: 3_000_000 }]);
    // The synchronous driver ran the statement inside one turn.
    expect(turns).toBeGreaterThan(10);
  });

  it("answers a unique violation with the driver's code, which db/errors.ts reads as a conflict", async () => {
    await db.knex.raw("CREATE TABLE t (id text PRIMARY KEY)");
    await db.knex.raw("INSERT INTO t (id) VALUES ('a')");
    const err: unknown = await db.knex.raw("INSERT INTO t (id) VALUES ('a')").then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" });
    expect(classifyDbError(err, "t")).toBeInstanceOf(DbConflictError);
  });

  it("reports inserted rows and changes as knex's SQLite dialect does", async () => {
    await db.knex.schema.createTable("t", (t) => {
      t.increments("id");
      t.string("name");
    });
    expect(await db.knex("t").insert({ name: "a" })).toEqual([1]);
    expect(await db.knex("t").insert({ name: "b" })).toEqual([2]);
    expect(await db.knex("t").update({ name: "c" })).toBe(2);
    expect(await db.knex("t").where({ id: 1 }).del()).toBe(1);
    expect(await db.knex("t").select("id", "name")).toEqual([{ id: 2, name: "c" }]);
  });

  it("opens a new connection when its worker has stopped", async () => {
    const client: { acquireConnection(): Promise<unknown>; releaseConnection(conn: unknown): Promise<void> } = db.knex.client;
    const conn = await client.acquireConnection();
    expect(conn).toBeInstanceOf(SqliteWorkerConnection);
    if (conn instanceof SqliteWorkerConnection) await conn.close();
    await client.releaseConnection(conn);
    expect(await db.knex.raw("select 2 AS two")).toEqual([{ two: 2 }]);
  });
});
