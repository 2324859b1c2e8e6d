import { randomBytes } from "node:crypto";
import type { Express } from "express";
import knexFactory, { type Knex } from "knex";
import request from "supertest";
import { type ChangeFeed, watchChanges } from "../../db/change-feed";
import { type Database, openDatabase } from "../../db/connection";
import { migrateToLatest } from "../../db/migrate";
import { ensureOrg } from "../../db/orgs";
import { createToken, revokeToken } from "../../db/tokens";
import { applyMappingText, refusalLines } from "../../roles";
import { createSync } from "../../server/bootstrap";
import { ReadCache } from "../../server/read-cache";
import { eventually } from "../support/eventually";
import { CORE_GROUP, ON_POSTGRES, TEST_DATABASE_URL, createUser, harnessPerTest, patchBody, serverOn, userBody } from "../support/harness";
import { MAPPING } from "../roles/support";
import { type TempSqlite, tempSqlite } from "../support/temp-sqlite";

/**
 * Verified tokens and authorize's permission reads are kept in memory, and must never answer from
 * before a change: at once for a change made through the same server, within the feed's delay for
 * a change made by another process (SQLite: another connection to the file; PostgreSQL: another
 * pool, as another replica has), and a revoked token is refused at once where it was revoked.
 */
describe("answers kept in memory, on the server that wrote", () => {
  const h = harnessPerTest();
  beforeEach(async () => {
    await h.applyMapping(MAPPING);
  });

  const billing = async (member: string) => {
    const res = await h.api("post", "/authorize").send({ member, area: "billing", level: "manage" });
    expect(res.status).toBe(200);
    return (res.body as { allowed: boolean }).allowed;
  };

  it("authorizes from the membership a PATCH just added, and from its removal right after", async () => {
    const ada = await createUser(h, "ada@example.com");
    const finance = (await h.scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "Finance", externalId: "00g1finance" })).body as { id: string };
    // Asked twice first, so that the answer is in memory when the change comes.
    expect(await billing(ada)).toBe(false);
    expect(await billing("ada@example.com")).toBe(false);
    expect((await h.scim("patch", `/Groups/${finance.id}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] }))).status).toBe(204);
    expect(await billing(ada)).toBe(true);
    expect(await billing("ada@example.com")).toBe(true);
    expect((await h.scim("patch", `/Groups/${finance.id}`).send(patchBody({ op: "remove", path: `members[value eq "${ada}"]` }))).status).toBe(204);
    expect(await billing(ada)).toBe(false);
  });

  it("forgets a member the moment it is deleted or renamed", async () => {
    const ada = await createUser(h, "ada@example.com");
    expect(await billing("ada@example.com")).toBe(false);
    expect((await h.scim("put", `/Users/${ada}`).send(userBody("ada.l@example.com"))).status).toBe(200);
    expect((await h.api("post", "/authorize").send({ member: "ada@example.com", area: "billing" })).status).toBe(404);
    expect(await billing("ada.l@example.com")).toBe(false);
    expect((await h.scim("delete", `/Users/${ada}`)).status).toBe(204);
    expect((await h.api("post", "/authorize").send({ member: ada, area: "billing" })).status).toBe(404);
  });

  it("refuses a token at once once it is revoked, whatever wrote the revocation in this process", async () => {
    const other = await h.addOrg("globex");
    const scim = (token: string) => request(h.app).get("/scim/v2/Users").set("Authorization", `Bearer ${token}`);
    expect((await scim(other.token)).status).toBe(200);
    expect((await scim(other.token)).status).toBe(200);
    const [row] = await h.db.knex("tokens").where({ org_id: other.orgId, kind: "scim" }).select("id");
    expect(await revokeToken(h.db.knex, (row as { id: string }).id)).toBe(true);
    expect((await scim(other.token)).status).toBe(401);
    // The organisation's other tokens, and the other organisation's, still work.
    expect((await request(h.app).get("/api/v1/mapping").set("Authorization", `Bearer ${other.apiToken}`)).status).toBe(200);
    expect((await h.scim("get", "/Users")).status).toBe(200);
  });
});

describe("a read cache fill that raced a write", () => {
  let db: Database;
  let feed: ChangeFeed;
  beforeEach(() => {
    db = openDatabase("sqlite::memory:");
    feed = watchChanges(db);
  });
  afterEach(async () => {
    await feed.close();
    await db.close();
  });

  it("is not kept, so the next read asks again and sees the write", async () => {
    await migrateToLatest(db.knex);
    const cache = new ReadCache<string>(feed, ["orgs"]);
    let loads = 0;
    const raced = await cache.get("k", async () => {
      loads += 1;
      const value = "before";
      await ensureOrg(db.knex, "written-meanwhile");
      return value;
    });
    expect(raced).toBe("before");
    expect(await cache.get("k", async () => (loads += 1, "after"))).toBe("after");
    expect(await cache.get("k", async () => (loads += 1, "again"))).toBe("after");
    expect(loads).toBe(2);
  });

  it("keeps at most its bound of entries, forgetting the oldest", async () => {
    const cache = new ReadCache<number>(feed, ["orgs"], { maxEntries: 3 });
    for (let i = 0; i < 5; i++) await cache.get(`k${i}`, async () => i);
    expect(cache.size).toBe(3);
    expect(await cache.get("k0", async () => -1)).toBe(-1);
    expect(await cache.get("k4", async () => -1)).toBe(4);
  });
});

/**
 * Two handles on one database: the server's (with its change feed) and a writer's, which stands
 * for the CLI or another replica. SQLite on a file; PostgreSQL in a throw-away schema.
 */
describe("answers kept in memory, when another process writes", () => {
  let tmp: TempSqlite | null = null;
  let admin: Knex | null = null;
  let schema = "";
  let server: Database;
  let writer: Database;
  let feed: ChangeFeed;
  let closeServer: () => Promise<void>;
  let app: Express;
  let orgId: string;
  let apiToken: string;
  let apiTokenId: string;

  beforeEach(async () => {
    let url: string;
    let options = {};
    if (ON_POSTGRES) {
      schema = `rc_${randomBytes(6).toString("hex")}`;
      admin = knexFactory({ client: "pg", connection: TEST_DATABASE_URL, pool: { min: 0, max: 1 } });
      await admin.raw(`CREATE SCHEMA ${schema}`);
      url = TEST_DATABASE_URL;
      options = { pgSchema: schema };
    } else {
      tmp = await tempSqlite();
      url = tmp.url;
    }
    writer = openDatabase(url, options);
    await migrateToLatest(writer.knex);
    orgId = (await ensureOrg(writer.knex, "default")).id;
    const created = await createToken(writer.knex, { orgId, kind: "api" });
    apiToken = created.token;
    apiTokenId = created.info.id;
    server = openDatabase(url, options);
    const served = serverOn(server, { readCache: true });
    app = served.app;
    feed = served.changes!;
    closeServer = served.close;
    await eventually(() => expect(feed.live).toBe(true));
  });

  afterEach(async () => {
    await closeServer();
    await server.close();
    await writer.close();
    if (admin) {
      await admin.raw(`DROP SCHEMA ${schema} CASCADE`);
      await admin.destroy();
      admin = null;
    }
    await tmp?.remove();
    tmp = null;
  });

  it("sees a permission change written by the other well within a second", async () => {
    const { sync } = createSync();
    const owner = (userName: string) => `version: 1\nprimaryOwner: ${userName}\n`;
    const apply = async (text: string) => {
      const applied = await applyMappingText(writer, sync, { orgId, text, sourceName: "m.yaml", actor: "test" });
      if (!applied.ok) throw new Error(refusalLines(applied).join("; "));
    };
    await apply(owner("owner@example.com"));
    const ask = () => request(app).post("/api/v1/authorize").set("Authorization", `Bearer ${apiToken}`).send({ member: "owner@example.com", area: "billing", level: "manage" });
    expect((await ask()).status).toBe(404);
    await createUserThroughWriter("owner@example.com");
    await eventually(async () => expect((await ask()).status).toBe(200), { timeoutMs: 1000, intervalMs: 5 });
    // Asked again, so that the answer is in memory when the change comes.
    expect((await ask()).body).toMatchObject({ allowed: true, orgRole: "primary_owner" });
    expect((await ask()).body).toMatchObject({ allowed: true, orgRole: "primary_owner" });
    await apply(owner("someone@example.com"));
    // Seen at the other's commit notice (≈ 20 ms on SQLite, NOTIFY on PostgreSQL), not after the 1 s
    // an entry may live at most: 500 ms is ten times the 50 ms the service promises across replicas.
    await eventually(async () => expect((await ask()).body).toMatchObject({ allowed: false }), { timeoutMs: 500, intervalMs: 5 });
  });

  it("refuses a token revoked by the other within a second", async () => {
    const mappingRead = () => request(app).get("/api/v1/mapping").set("Authorization", `Bearer ${apiToken}`);
    expect((await mappingRead()).status).toBe(200);
    expect((await mappingRead()).status).toBe(200);
    expect(await revokeToken(writer.knex, apiTokenId)).toBe(true);
    await eventually(async () => expect((await mappingRead()).status).toBe(401), { timeoutMs: 1000, intervalMs: 5 });
  });

  it("answers authorize after every write the other acknowledged, at once, by default: 40 rounds, none stale", async () => {
    const { token } = await createToken(writer.knex, { orgId, kind: "scim" });
    const { app: writerApp, sync, close } = serverOn(writer);
    try {
      const applied = await applyMappingText(writer, sync, { orgId, text: MAPPING, sourceName: "m.yaml", actor: "test" });
      expect(applied.ok).toBe(true);
      const scim = (method: "post" | "patch", path: string) => request(writerApp)[method](`/scim/v2${path}`).set("Authorization", `Bearer ${token}`);
      const ada = ((await scim("post", "/Users").send(userBody("ada@example.com"))).body as { id: string }).id;
      const group = ((await scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "Finance", externalId: "00g1finance" })).body as { id: string }).id;
      const ask = async (consistency?: unknown) => {
        const res = await request(app).post("/api/v1/authorize").set("Authorization", `Bearer ${apiToken}`).send({ member: "ada@example.com", area: "billing", level: "manage", ...(consistency === undefined ? {} : { consistency }) });
        expect(res.status).toBe(200);
        return res.body as { allowed: boolean; revision: string; consistency: string };
      };
      expect((await ask()).allowed).toBe(false);
      const stale: number[] = [];
      for (let round = 0; round < 40; round++) {
        const member = round % 2 === 0;
        const written = await scim("patch", `/Groups/${group}`).send(patchBody({ op: member ? "add" : "remove", path: "members", value: [{ value: ada }] }));
        expect(written.status).toBe(204);
        // Asked at once, before the other's commit can have been heard: the answer must already show it.
        if ((await ask()).allowed !== member) stale.push(round);
      }
      expect(stale).toEqual([]);

      const written = await scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] }));
      const at = String(written.headers["x-revision"]);
      expect(await ask({ atLeast: at })).toMatchObject({ allowed: true, revision: at, consistency: "at_least" });
      expect(await ask("minimize_latency")).toMatchObject({ consistency: "minimize_latency" });
    } finally {
      await close();
    }
  });

  /** A SCIM POST through an app on the writer's handle (its own process, in production). */
  async function createUserThroughWriter(userName: string): Promise<void> {
    const { token } = await createToken(writer.knex, { orgId, kind: "scim" });
    const writerServer = serverOn(writer);
    const res = await request(writerServer.app).post("/scim/v2/Users").set("Authorization", `Bearer ${token}`).send(userBody(userName));
    await writerServer.close();
    expect(res.status).toBe(201);
  }
});
