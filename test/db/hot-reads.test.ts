import { execFileSync } from "node:child_process";
import fs from "node:fs";
import type { Knex } from "knex";
import { type Database, type Executor, openDatabase } from "../../db/connection";
import { compileFilter } from "../../db/filter-sql";
import { USERS_WHERE_USER_NAME } from "../../db/hot-reads";
import { listUsers } from "../../db/list";
import { organisationRevision } from "../../db/outbox";
import { findMemberPermissions, findMemberPermissionsAt } from "../../db/permissions";
import { authenticateToken, hashToken } from "../../db/tokens";
import { findUser, findUserByUserName, findUserIdByUserName, findUserWithGroups } from "../../db/users";
import { silentLogger } from "../../server/logger";
import { type Harness, createGroup, createUser, startHarness } from "../support/harness";
import { type TempSqlite, tempSqlite } from "../support/temp-sqlite";

/**
 * The hot reads on SQLite run on the event loop's thread, on a read-only connection of their own
 * (db/hot-reads.ts): they answer exactly what the database thread answers, never read what a write
 * transaction has not committed, and see every committed write at once, whichever process or
 * connection wrote it. Always a SQLite file, whichever database the suite runs on.
 */
describe("the hot reads on a SQLite file", () => {
  let tmp: TempSqlite;
  let h: Harness;
  let ada: string;
  let bob: string;
  beforeEach(async () => {
    tmp = await tempSqlite();
    h = await startHarness({ databaseUrl: tmp.url, noReadCache: true });
    ada = await createUser(h, "Ada@example.com");
    bob = await createUser(h, "bob@example.com");
    await createGroup(h, "Sales", [ada]);
    await createGroup(h, "Ops", [ada, bob]);
  });
  afterEach(async () => {
    await h.close();
    await tmp.remove();
  });

  /** Every hot read of the directory, through `tx`. */
  async function everyRead(tx: Executor): Promise<unknown[]> {
    const page = { orgId: h.orgId, where: null, sort: null, offset: 0, limit: 10 };
    const named = (userName: string) => ({ ...page, where: compileFilter("sqlite", "users", { kind: "compare", target: { kind: "column", column: "user_name_ci", type: "string", lowered: true }, op: "eq", value: userName, caseExact: false }) });
    return [
      await authenticateToken(tx, "scim", h.token),
      await authenticateToken(tx, "api", h.token),
      await findUser(tx, h.orgId, ada),
      await findUser(tx, h.orgId, "no-such-id"),
      await findUserByUserName(tx, h.orgId, "ADA@example.com"),
      await findUserIdByUserName(tx, h.orgId, "bob@EXAMPLE.com"),
      await findUserWithGroups(tx, h.orgId, ada),
      await findUserWithGroups(tx, h.orgId, bob),
      await findUserWithGroups(tx, h.orgId, "no-such-id"),
      await listUsers(tx, page),
      await listUsers(tx, { ...page, limit: 1 }),
      await listUsers(tx, named("ada@example.com")),
      await listUsers(tx, named("nobody@example.com")),
      await findMemberPermissions(tx, h.orgId, { id: ada }),
      await findMemberPermissions(tx, h.orgId, { userName: "BOB@example.com" }),
      await findMemberPermissions(tx, h.orgId, { idOrUserName: bob }),
      await findMemberPermissions(tx, h.orgId, { idOrUserName: "nobody" }),
      await findMemberPermissionsAt(tx, h.orgId, { id: ada }),
      await findMemberPermissionsAt(tx, h.orgId, { userName: "bob@example.com" }),
      await findMemberPermissionsAt(tx, h.orgId, { idOrUserName: "ada@example.com" }),
      await findMemberPermissionsAt(tx, h.orgId, { id: "nobody" }),
      await organisationRevision(tx, h.orgId),
    ];
  }

  it("answers every hot read exactly as the database thread answers it", async () => {
    // A transaction's reads always take the database thread.
    const onTheDatabaseThread = await h.db.knex.transaction((trx) => everyRead(trx));
    expect(await everyRead(h.db.knex)).toEqual(onTheDatabaseThread);
  });

  it("answers every hot read while a write transaction holds the database thread's one connection", async () => {
    const committed = await everyRead(h.db.knex);
    const trx = await h.db.knex.transaction();
    try {
      // Through the pool, each of these would wait for the transaction (DB_TIMEOUT_MS) and fail.
      expect(await everyRead(h.db.knex)).toEqual(committed);
    } finally {
      await trx.rollback();
    }
  });

  it("finds `userName eq` filters in the form the filter compiler writes them", () => {
    const compiled = compileFilter("sqlite", "users", { kind: "compare", target: { kind: "column", column: "user_name_ci", type: "string", lowered: true }, op: "eq", value: "x", caseExact: false });
    expect(compiled.sql).toBe(USERS_WHERE_USER_NAME);
  });

  it("answers while a write transaction holds the database thread, with what was committed, and sees the commit at once", async () => {
    const trx = await h.db.knex.transaction();
    try {
      await trx("users").where({ id: ada }).update({ user_name: "ada.renamed@example.com", user_name_ci: "ada.renamed@example.com" });
      expect((await findUser(trx, h.orgId, ada))?.userName).toBe("ada.renamed@example.com");
      // The pool's one connection is the transaction's: only a read on another connection answers now.
      expect((await findUser(h.db.knex, h.orgId, ada))?.userName).toBe("Ada@example.com");
      expect(await findUserIdByUserName(h.db.knex, h.orgId, "ada.renamed@example.com")).toBeNull();
      await trx.commit();
    } finally {
      if (!trx.isCompleted()) await trx.rollback();
    }
    expect((await findUser(h.db.knex, h.orgId, ada))?.userName).toBe("ada.renamed@example.com");
    expect(await findUserIdByUserName(h.db.knex, h.orgId, "ada.renamed@example.com")).toBe(ada);
  });

  it("sees at once what another connection to the file committed", async () => {
    const other: Database = openDatabase(tmp.url, { log: silentLogger() });
    try {
      await other.knex("users").where({ id: bob }).update({ user_name: "robert@example.com", user_name_ci: "robert@example.com" });
      expect(await findUserIdByUserName(h.db.knex, h.orgId, "robert@example.com")).toBe(bob);
      await other.knex("tokens").where({ token_hash: hashToken(h.token) }).update({ revoked_at: new Date().toISOString() });
      expect(await authenticateToken(h.db.knex, "scim", h.token)).toBeNull();
    } finally {
      await other.close();
    }
  });

  it("sees at once what another process committed", async () => {
    const before = await organisationRevision(h.db.knex, h.orgId);
    const script = `
      const Database = require("better-sqlite3");
      const db = new Database(process.argv[1]);
      db.prepare("UPDATE users SET active = 0 WHERE id = ?").run(process.argv[2]);
      db.prepare("UPDATE event_counters SET last_id = last_id + 1 WHERE org_id = ?").run(process.argv[3]);
      db.close();`;
    execFileSync(process.execPath, ["-e", script, tmp.file, ada, h.orgId], { cwd: process.cwd() });
    expect((await findMemberPermissions(h.db.knex, h.orgId, { id: ada }))?.active).toBe(false);
    expect(await findMemberPermissionsAt(h.db.knex, h.orgId, { id: ada })).toMatchObject({ revision: before + 1, member: { active: false } });
    expect(await organisationRevision(h.db.knex, h.orgId)).toBe(before + 1);
  });

  it("reads without looking at the file system on every request", async () => {
    await findUser(h.db.knex, h.orgId, ada);
    const stat = jest.spyOn(fs, "statSync");
    try {
      const started = Date.now();
      for (let i = 0; i < 200; i++) {
        await findUserWithGroups(h.db.knex, h.orgId, ada);
        // A read that is not hot takes the pool, whose acquire no longer looks either.
        await h.db.knex("orgs").count({ n: "*" });
      }
      // The file guard's timer looks twice a second.
      expect(stat.mock.calls.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 500) + 1);
    } finally {
      stat.mockRestore();
    }
  });

  it("reads a user in more groups than a hot read returns on the database thread, all of them", async () => {
    const knex: Knex = h.db.knex;
    const groups = Array.from({ length: 1001 }, (_, i) => ({ id: `g-${i}`, org_id: h.orgId, display_name: `G${i}`, display_name_ci: `g${i}`, source: "scim", data: "{}", version: 1, created_at: "2026-01-01T00:00:00.000Z", updated_at: "2026-01-01T00:00:00.000Z" }));
    for (let i = 0; i < groups.length; i += 100) await knex("groups").insert(groups.slice(i, i + 100));
    const members = groups.map((g) => ({ group_id: g.id, member_id: bob, member_type: "User", org_id: h.orgId }));
    for (let i = 0; i < members.length; i += 100) await knex("group_members").insert(members.slice(i, i + 100));
    expect((await findUserWithGroups(knex, h.orgId, bob))?.groups).toHaveLength(1002);
  });
});
