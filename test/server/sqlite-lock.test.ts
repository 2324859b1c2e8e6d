import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Express } from "express";
import request from "supertest";
import { type Database, openDatabase } from "../../db/connection";
import { migrateToLatest } from "../../db/migrate";
import { ensureOrg } from "../../db/orgs";
import { createToken } from "../../db/tokens";
import { createApp } from "../../server/app";
import { createSync } from "../../server/bootstrap";
import { DEFAULT_LIMITS } from "../../server/config";
import { EventHub } from "../../server/events";
import { silentLogger } from "../../server/logger";
import { CORE_GROUP, ON_POSTGRES, expectScimError, patchBody, userBody } from "../support/harness";

interface Served {
  readonly app: Express;
  readonly db: Database;
  readonly token: string;
  close(): Promise<void>;
}

async function serve(file: string, timeoutMs: number): Promise<Served> {
  const db = openDatabase(`sqlite:${file}`, { timeoutMs, log: silentLogger() });
  await migrateToLatest(db.knex);
  const org = await ensureOrg(db.knex, "default");
  const token = (await createToken(db.knex, { orgId: org.id, kind: "scim" })).token;
  const { sync, signal } = createSync();
  const events = new EventHub(db, signal, silentLogger());
  const limits = DEFAULT_LIMITS;
  const app = createApp({ db, config: { limits }, logger: silentLogger(), sync, events });
  return {
    app,
    db,
    token,
    close: async () => {
      events.close();
      await db.close();
    },
  };
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
  let dir: string;
  let s: Served;
  let holder: ChildProcess | null = null;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "scim-lock-"));
  });
  afterEach(async () => {
    holder?.kill();
    await s.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  async function directory(timeoutMs: number): Promise<{ file: string; group: string; users: string[] }> {
    const file = join(dir, "scim.sqlite");
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
