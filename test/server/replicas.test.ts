import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openDatabase } from "../../db/connection";
import { ensureOrg } from "../../db/orgs";
import { insertWebhook } from "../../db/webhooks";
import { newWebhookSecret } from "../../server/webhooks";
import { CORE_GROUP, ON_POSTGRES, PATCH_OP, userBody } from "../support/harness";
import { eventually } from "../support/eventually";
import { type Receiver, startReceiver } from "../support/receiver";
import { type ServerProcess, startServerProcess } from "../support/server-process";
import { type Stream, openStream, take } from "../support/sse";
import { MAPPING } from "../roles/support";
import { type ServerDatabase, serverDatabase } from "../support/server-database";
import { type TempSqlite, tempSqlite } from "../support/temp-sqlite";

/**
 * Two server processes on one fresh PostgreSQL database behave as one service: they start
 * together (migrations run once), the mapping file applies once, 40 membership PATCHes split
 * across both lose nothing, an SSE subscriber on each sees every change made through the other,
 * and a webhook receiver gets each event exactly once per delivery id.
 */
const describeOnPostgres = ON_POSTGRES ? describe : describe.skip;

const SCIM_TOKEN = "replica-test-scim-token-0123456789";
const API_TOKEN = "replica-test-api-token-0123456789";

describeOnPostgres("two replicas on one PostgreSQL database", () => {
  let database: ServerDatabase;
  let url: string;
  let tmp: TempSqlite;
  let replicas: ServerProcess[] = [];
  let receiver: Receiver;
  const streams: Stream[] = [];

  beforeAll(async () => {
    tmp = await tempSqlite();
    database = await serverDatabase(tmp);
    url = database.url;
    await writeFile(join(tmp.dir, "roles.yaml"), MAPPING);
    receiver = await startReceiver();
    // The webhook receiver is on loopback, which webhooks reach only when WEBHOOK_ALLOW_PRIVATE lets them.
    const env = { DATABASE_URL: url, SCIM_TOKEN, API_TOKEN, MAPPING_FILE: join(tmp.dir, "roles.yaml"), WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8" };
    // Started together: both migrate, provision the default organisation and apply the file at once.
    replicas = await Promise.all([startServerProcess(env, { timeoutMs: 60_000 }), startServerProcess(env, { timeoutMs: 60_000 })]);
  }, 90_000);

  afterAll(async () => {
    streams.forEach((s) => s.close());
    await Promise.all(replicas.map((r) => r.stop()));
    await receiver.close();
    await tmp.remove();
    await database.drop();
  });

  const call = (replica: ServerProcess, method: string, path: string, body?: unknown, token = SCIM_TOKEN) =>
    fetch(`${replica.base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it("ran each migration once and applied the mapping file once", async () => {
    const db = openDatabase(url);
    try {
      const migrations: { name: string; n: string }[] = await db.knex("knex_migrations").select("name").count({ n: "*" }).groupBy("name");
      expect(migrations.length).toBeGreaterThan(0);
      expect(migrations.every((m) => Number(m.n) === 1)).toBe(true);
      expect(Number((await db.knex("knex_migrations_lock").count({ n: "*" }).first())?.n)).toBe(1);
      expect(Number((await db.knex("mappings").count({ n: "*" }).first())?.n)).toBe(1);
    } finally {
      await db.close();
    }
    for (const replica of replicas) {
      const mapping = (await (await call(replica, "GET", "/api/v1/mapping", undefined, API_TOKEN)).json()) as { version: number };
      expect(mapping.version).toBe(1);
    }
  });

  it("loses none of 40 parallel membership PATCHes split across both; each side's subscriber and the webhook see every change once", async () => {
    const [a, b] = replicas as [ServerProcess, ServerProcess];
    const users: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await call(i % 2 === 0 ? a : b, "POST", "/scim/v2/Users", userBody(`member${i}@example.com`));
      expect(res.status).toBe(201);
      users.push(((await res.json()) as { id: string }).id);
    }
    const created = await call(a, "POST", "/scim/v2/Groups", { schemas: [CORE_GROUP], displayName: "Finance", externalId: "00g1finance" });
    const group = ((await created.json()) as { id: string }).id;
    // A write through one is seen by the other's next read.
    expect((await call(b, "GET", `/scim/v2/Groups/${group}`)).status).toBe(200);

    const db = openDatabase(url);
    try {
      const org = await ensureOrg(db.knex, "default");
      const secret = newWebhookSecret();
      receiver.setSecret(secret);
      await insertWebhook(db.knex, { orgId: org.id, url: receiver.url, secret, events: [] });
    } finally {
      await db.close();
    }
    const onA = await openStream(a.base, API_TOKEN);
    const onB = await openStream(b.base, API_TOKEN);
    streams.push(onA, onB);

    const results = await Promise.all(
      users.map((id, i) => call(i % 2 === 0 ? b : a, "PATCH", `/scim/v2/Groups/${group}`, { schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: id }] }] })),
    );
    expect(results.map((r) => r.status)).toEqual(users.map(() => 204));

    const members = (await (await call(a, "GET", `/scim/v2/Groups/${group}`)).json()) as { members?: { value: string }[] };
    expect(new Set((members.members ?? []).map((m) => m.value))).toEqual(new Set(users));

    const lastIds: number[] = [];
    for (const stream of [onA, onB]) {
      const events = await take(stream, 40, 20_000);
      expect(new Set(events.map((e) => (e.data as { member: { id: string } }).member.id))).toEqual(new Set(users));
      const ids = events.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(ids[ids.length - 1]! - ids[0]!).toBe(39);
      lastIds.push(ids[ids.length - 1]!);
    }
    await receiver.waitFor(40, 20_000);

    // Nothing more and nothing twice: one later change is the very next event on each stream, and
    // the receiver's 41st delivery.
    // (The last member leaves: member0 stays in Finance for the next test.)
    const last = users[users.length - 1];
    const removed = await call(a, "PATCH", `/scim/v2/Groups/${group}`, { schemas: [PATCH_OP], Operations: [{ op: "remove", path: `members[value eq "${last}"]` }] });
    expect(removed.status).toBe(204);
    for (const [i, stream] of [onA, onB].entries()) {
      expect(await take(stream, 1, 20_000)).toEqual([expect.objectContaining({ id: String(lastIds[i]! + 1), data: expect.objectContaining({ member: expect.objectContaining({ id: last }) }) })]);
    }
    const hooks = await receiver.waitFor(41, 20_000);
    expect(receiver.received.length).toBe(41);
    expect(new Set(hooks.map((m) => m.id)).size).toBe(41);
    expect(new Set(hooks.map((m) => m.data.eventId)).size).toBe(41);
    expect(new Set(hooks.map((m) => (m.data.member as { id: string }).id))).toEqual(new Set(users));
  });

  it("uses a mapping applied through one replica's file on the other's next request", async () => {
    const [a, b] = replicas as [ServerProcess, ServerProcess];
    await writeFile(join(tmp.dir, "roles.yaml"), MAPPING.replace("billing: manage, analytics: view", "billing: view, analytics: view"));
    await eventually(async () => {
      const versions = await Promise.all([a, b].map(async (r) => ((await (await call(r, "GET", "/api/v1/mapping", undefined, API_TOKEN)).json()) as { version: number }).version));
      expect(versions).toEqual([2, 2]);
    }, { intervalMs: 100 });
    const answer = (await (await call(b, "POST", "/api/v1/authorize", { member: "member0@example.com", area: "billing", level: "manage" }, API_TOKEN)).json()) as { allowed: boolean; granted: string };
    expect(answer).toMatchObject({ allowed: false, granted: "view" });
  });
});
