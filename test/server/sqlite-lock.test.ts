import { type ChildProcess, spawn } from "node:child_process";
import request from "supertest";
import { CORE_GROUP, type Harness, ON_POSTGRES, expectScimError, patchBody, startHarness, userBody } from "../support/harness";
import { tempSqlitePerTest } from "../support/temp-sqlite";

/** A server of its own on the file, every request asking the database, waiting up to `timeoutMs` for it. */
function serve(file: string, timeoutMs: number): Promise<Harness> {
  return startHarness({ databaseUrl: `sqlite:${file}`, dbTimeoutMs: timeoutMs, noReadCache: true });
}

/**
 * Another process (as the CLI applying a mapping is) that takes the file's write lock with a
 * write transaction and commits it after `holdMs`. Resolves once the lock is held.
 */
async function holdWriteLock(file: string, holdMs: number): Promise<{ child: ChildProcess; released: Promise<void> }> {
  const script = `
    const Database = require("better-sqlite3");
    const db = new Database(process.argv[1]);
    db.pragma("busy_timeout = 5000");
    db.exec("BEGIN IMMEDIATE");
    db.exec("CREATE TABLE IF NOT EXISTS lock_holder (x integer)");
    db.exec("INSERT INTO lock_holder VALUES (1)");
    process.stdout.write("locked\\n");
    setTimeout(() => { db.exec("COMMIT"); db.close(); process.stdout.write("released\\n"); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ["-e", script, file, String(holdMs)], { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  const seen = (word: string) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output.includes(word)) resolve();
    };
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      check();
    });
    child.on("exit", () => (output.includes(word) ? resolve() : reject(new Error(`lock holder exited before "${word}"`))));
  });
  const locked = seen("locked");
  const released = seen("released");
  await locked;
  return { child, released };
}

const describeOnSqlite = ON_POSTGRES ? describe.skip : describe;

/**
 * SQLite while another process writes (the CLI applying a mapping, a backup): SCIM writers wait
 * for the file's write lock up to DB_TIMEOUT_MS, without holding up the rest of the server, and
 * past it answer 503 with Retry-After. Write transactions start with BEGIN IMMEDIATE, so a writer
 * never finds its read snapshot stale halfway through (SQLITE_BUSY_SNAPSHOT, which no busy timeout
 * waits out).
 */
describeOnSqlite("SQLite writers while another process holds the write lock", () => {
  let s: Harness;
  let holder: ChildProcess | null = null;
  const tmp = tempSqlitePerTest(async () => {
    holder?.kill();
    await s.close().catch(() => undefined);
  });

  async function directory(timeoutMs: number): Promise<{ file: string; group: string; users: string[] }> {
    const file = tmp.file;
    s = await serve(file, timeoutMs);
    const users: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await request(s.app).post("/scim/v2/Users").set("Authorization", `Bearer ${s.token}`).send(userBody(`user${i}@example.com`));
      users.push((res.body as { id: string }).id);
    }
    const group = await request(s.app).post("/scim/v2/Groups").set("Authorization", `Bearer ${s.token}`).send({ schemas: [CORE_GROUP], displayName: "Finance" });
    return { file, group: (group.body as { id: string }).id, users };
  }

  const scim = (method: "get" | "patch" | "delete", path: string) => request(s.app)[method](`/scim/v2${path}`).set("Authorization", `Bearer ${s.token}`);

  it("makes PATCH /Groups and DELETE /Users wait for a lock released within DB_TIMEOUT_MS, then succeed, while reads carry on", async () => {
    const { file, group, users } = await directory(5_000);
    const lock = await holdWriteLock(file, 700);
    holder = lock.child;
    const writes = [
      ...users.slice(0, 3).map((id) => scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: id }] }))),
      ...users.slice(3).map((id) => scim("delete", `/Users/${id}`)),
    ].map((req) => req.then((res) => res));
    // Reads need no write lock: they are answered while the writers wait.
    const read = await scim("get", "/Users");
    expect(read.status).toBe(200);
    const answers = await Promise.all(writes);
    await lock.released;
    expect(answers.map((res) => res.status)).toEqual([204, 204, 204, 204, 204, 204]);
    const members = ((await scim("get", `/Groups/${group}`)).body as { members: Array<{ value: string }> }).members.map((m) => m.value).sort();
    expect(members).toEqual(users.slice(0, 3).sort());
    expect(((await scim("get", "/Users")).body as { totalResults: number }).totalResults).toBe(3);
  });

  it("answers 503 with Retry-After when the lock is held past DB_TIMEOUT_MS, and writes nothing", async () => {
    const { file, group, users } = await directory(500);
    const lock = await holdWriteLock(file, 4_000);
    holder = lock.child;
    const started = Date.now();
    const patch = await scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: users[0] }] }));
    const removal = await scim("delete", `/Users/${users[1] ?? ""}`);
    for (const res of [patch, removal]) {
      expectScimError(res, 503);
      expect(res.headers["retry-after"]).toMatch(/^\d+$/);
    }
    expect(Date.now() - started).toBeLessThan(3_000);
    await lock.released;
    expect((await scim("get", `/Groups/${group}`)).body).not.toHaveProperty("members.0");
    expect((await scim("get", `/Users/${users[1] ?? ""}`)).status).toBe(200);
  });
});
