import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CORE_GROUP, ON_POSTGRES, PATCH_OP, userBody } from "../support/harness";
import { type ServerProcess, startServerProcess } from "../support/server-process";
import { MAPPING } from "../roles/support";
import { type ServerDatabase, serverDatabase } from "../support/server-database";
import { type TempSqlite, tempSqlite } from "../support/temp-sqlite";

/**
 * Two server processes on one database (a fresh PostgreSQL database, or one SQLite file) never
 * answer authorize from before a write the other acknowledged: a membership PATCH answered by one,
 * then at once the same question to the other, 100 times over, with the default consistency. The
 * revision one answers a write with is honoured by the other, and minimize_latency is accepted.
 */
const SCIM_TOKEN = "replica-consistency-scim-token-0123456789";
const API_TOKEN = "replica-consistency-api-token-0123456789";
const ROUNDS = 100;

describe(`two server processes on one ${ON_POSTGRES ? "PostgreSQL database" : "SQLite file"}`, () => {
  let tmp: TempSqlite;
  let database: ServerDatabase;
  let replicas: ServerProcess[] = [];
  let ada = "";
  let group = "";

  beforeAll(async () => {
    tmp = await tempSqlite();
    database = await serverDatabase(tmp);
    const { url } = database;
    await writeFile(join(tmp.dir, "roles.yaml"), MAPPING);
    const env = { DATABASE_URL: url, SCIM_TOKEN, API_TOKEN, MAPPING_FILE: join(tmp.dir, "roles.yaml") };
    // One after the other: on SQLite the first creates the file and migrates it.
    replicas.push(await startServerProcess(env, { timeoutMs: 60_000 }));
    replicas.push(await startServerProcess(env, { timeoutMs: 60_000 }));
  }, 150_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    replicas = [];
    await database.drop();
    await tmp.remove();
  });

  const call = (replica: ServerProcess, method: string, path: string, body: unknown, token = SCIM_TOKEN) =>
    fetch(`${replica.base}${path}`, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" }, body: JSON.stringify(body) });
  const authorize = async (replica: ServerProcess, extra: Record<string, unknown> = {}) => {
    const res = await call(replica, "POST", "/api/v1/authorize", { member: "ada@example.com", area: "billing", level: "manage", ...extra }, API_TOKEN);
    expect(res.status).toBe(200);
    return (await res.json()) as { allowed: boolean; revision: string; consistency: string };
  };

  it(`answers on one what a PATCH acknowledged by the other wrote, at once, ${ROUNDS} rounds out of ${ROUNDS}`, async () => {
    const [a, b] = replicas as [ServerProcess, ServerProcess];
    const created = await call(a, "POST", "/scim/v2/Users", userBody("ada@example.com"));
    expect(created.status).toBe(201);
    ada = ((await created.json()) as { id: string }).id;
    group = ((await (await call(a, "POST", "/scim/v2/Groups", { schemas: [CORE_GROUP], displayName: "Finance", externalId: "00g1finance" })).json()) as { id: string }).id;
    // Asked once first, so that the other holds the answer in memory when the writes come.
    expect((await authorize(b)).allowed).toBe(false);
    const stale: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const member = round % 2 === 0;
      const written = await call(a, "PATCH", `/scim/v2/Groups/${group}`, { schemas: [PATCH_OP], Operations: [{ op: member ? "add" : "remove", path: "members", value: [{ value: ada }] }] });
      expect(written.status).toBe(204);
      if ((await authorize(b)).allowed !== member) stale.push(round);
    }
    expect(stale).toEqual([]);
  });

  it("answers at least the revision the other's write response gave, and accepts minimize_latency", async () => {
    const [a, b] = replicas as [ServerProcess, ServerProcess];
    const before = await authorize(b, { consistency: "minimize_latency" });
    expect(before).toMatchObject({ allowed: false, consistency: "minimize_latency" });
    const written = await call(a, "PATCH", `/scim/v2/Groups/${group}`, { schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: ada }] }] });
    expect(written.status).toBe(204);
    const at = written.headers.get("x-revision");
    expect(Number(at)).toBeGreaterThan(Number(before.revision));
    const answer = await authorize(b, { consistency: { atLeast: at } });
    expect(answer).toMatchObject({ allowed: true, consistency: "at_least" });
    expect(Number(answer.revision)).toBeGreaterThanOrEqual(Number(at));
  });
});
