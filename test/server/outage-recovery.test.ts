import { rename } from "node:fs/promises";
import request from "supertest";
import { silentLogger } from "../../server/logger";
import { eventually } from "../support/eventually";
import { openDatabase } from "../../db/connection";
import { type Harness, ON_POSTGRES, expectScimError, startHarness, userBody } from "../support/harness";
import { type PgCluster, startPgCluster } from "../support/pg-cluster";
import { tempSqlitePerTest } from "../support/temp-sqlite";

/**
 * A database that goes away and comes back: while it is gone every SCIM and /api route answers
 * 503 with Retry-After within DB_TIMEOUT_MS (or the statement timeout, for a connection that
 * stalls) and /healthz is 503; when it returns the same process serves again, and every write it
 * acknowledged is still there. PostgreSQL: a cluster the test owns, stopped and frozen for real.
 * SQLite: the file removed (and put back), or locked by another process.
 */
/** A server of its own on `url`, every request asking the database (nothing answered from memory). */
function serve(url: string, timeouts: { timeoutMs: number; statementTimeoutMs?: number }): Promise<Harness> {
  return startHarness({ databaseUrl: url, dbTimeoutMs: timeouts.timeoutMs, ...(timeouts.statementTimeoutMs === undefined ? {} : { dbStatementTimeoutMs: timeouts.statementTimeoutMs }), noReadCache: true });
}

async function createUser(s: Harness, userName: string): Promise<request.Response> {
  return request(s.app).post("/scim/v2/Users").set("Authorization", `Bearer ${s.token}`).send(userBody(userName));
}

/** Every kind of route, each answered 503 with Retry-After within `withinMs`. */
async function expectUnavailable(s: Harness, userId: string, withinMs: number): Promise<void> {
  const scim = (method: "get" | "post", path: string) => request(s.app)[method](`/scim/v2${path}`).set("Authorization", `Bearer ${s.token}`);
  const api = (method: "get" | "post", path: string) => request(s.app)[method](`/api/v1${path}`).set("Authorization", `Bearer ${s.apiToken}`);
  const checks: [string, () => request.Test][] = [
    ["SCIM read", () => scim("get", `/Users/${userId}`)],
    ["SCIM list", () => scim("get", "/Users")],
    ["SCIM write", () => scim("post", "/Users").send(userBody(`during-${Date.now()}@example.com`))],
    ["api read", () => api("get", `/members/${userId}/permissions`)],
    ["api events", () => api("get", "/events")],
  ];
  await Promise.all(
    checks.map(async ([name, send]) => {
      const started = Date.now();
      const res = await send();
      const elapsed = Date.now() - started;
      expect({ name, status: res.status, retryAfter: res.headers["retry-after"] }).toEqual({ name, status: 503, retryAfter: expect.stringMatching(/^\d+$/) as unknown });
      if (name.startsWith("SCIM")) expectScimError(res, 503);
      expect(elapsed).toBeLessThan(withinMs);
    }),
  );
  expect((await request(s.app).get("/healthz")).status).toBe(503);
}

/** Waits until a SCIM read answers 503: the server has noticed that the file is gone. */
async function noticed(s: Harness, userId: string, withinMs: number): Promise<void> {
  await eventually(async () => {
    expect((await request(s.app).get(`/scim/v2/Users/${userId}`).set("Authorization", `Bearer ${s.token}`)).status).toBe(503);
  }, { timeoutMs: withinMs, intervalMs: 50 });
}

async function expectServing(s: Harness, ids: readonly string[]): Promise<void> {
  await eventually(async () => {
    expect((await request(s.app).get("/healthz")).status).toBe(200);
    for (const id of ids) expect((await request(s.app).get(`/scim/v2/Users/${id}`).set("Authorization", `Bearer ${s.token}`)).status).toBe(200);
  }, { timeoutMs: 15_000, intervalMs: 100 });
  expect((await createUser(s, `after-${Date.now()}@example.com`)).status).toBe(201);
}

const describeOnPostgres = ON_POSTGRES ? describe : describe.skip;
const describeOnSqlite = ON_POSTGRES ? describe.skip : describe;

describeOnPostgres("PostgreSQL going away and coming back", () => {
  let cluster: PgCluster;
  let s: Harness;
  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 60_000);
  afterAll(() => cluster.destroy());
  afterEach(async () => s.close().catch(() => undefined));

  it("answers 503 on every route while the database is stopped, and serves every acknowledged write once it is back", async () => {
    s = await serve(cluster.url, { timeoutMs: 1_000 });
    const acknowledged = ((await createUser(s, "ada@example.com")).body as { id: string }).id;
    cluster.stop();
    await expectUnavailable(s, acknowledged, 5_000);
    cluster.start();
    await expectServing(s, [acknowledged]);
  }, 60_000);

  it("answers 503 within the statement timeout when the database stops answering on open connections", async () => {
    s = await serve(cluster.url, { timeoutMs: 1_000, statementTimeoutMs: 1_500 });
    const acknowledged = ((await createUser(s, "bob@example.com")).body as { id: string }).id;
    cluster.freeze();
    try {
      await expectUnavailable(s, acknowledged, 6_000);
    } finally {
      cluster.thaw();
    }
    await expectServing(s, [acknowledged]);
  }, 60_000);
});

describeOnSqlite("a SQLite file going away and coming back", () => {
  let s: Harness;
  const tmp = tempSqlitePerTest(async () => {
    await s.close().catch(() => undefined);
  });

  it("answers 503 while the database file is moved away, creates no empty database in its place, and serves again once it is back", async () => {
    const file = tmp.file;
    s = await serve(`sqlite:${file}`, { timeoutMs: 500 });
    const acknowledged = ((await createUser(s, "ada@example.com")).body as { id: string }).id;
    for (const suffix of ["", "-wal", "-shm"]) await rename(`${file}${suffix}`, `${file}${suffix}.away`).catch(() => undefined);
    // The server looks at the path on a timer, not per request: a read may still come from the
    // open file until it has looked (no write can: every commit looks first).
    await noticed(s, acknowledged, 3_000);
    await expectUnavailable(s, acknowledged, 3_000);
    for (const suffix of ["", "-wal", "-shm"]) await rename(`${file}${suffix}.away`, `${file}${suffix}`).catch(() => undefined);
    await expectServing(s, [acknowledged]);
  });

  it("answers writes 503 within the timeout while another process holds the file's lock, then carries on", async () => {
    const file = tmp.file;
    s = await serve(`sqlite:${file}`, { timeoutMs: 500 });
    const acknowledged = ((await createUser(s, "ada@example.com")).body as { id: string }).id;
    // Another process's connection takes the write lock and keeps it (a long write, a backup tool).
    const other = openDatabase(`sqlite:${file}`, { log: silentLogger() });
    const holding = await other.knex.transaction();
    await holding.raw("CREATE TABLE lock_holder (x integer)");
    try {
      const started = Date.now();
      const res = await createUser(s, "grace@example.com");
      expectScimError(res, 503);
      expect(res.headers["retry-after"]).toMatch(/^\d+$/);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await holding.rollback();
      await other.close();
    }
    await expectServing(s, [acknowledged]);
  });
});
