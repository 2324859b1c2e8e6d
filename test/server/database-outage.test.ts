import { randomBytes } from "node:crypto";
import knexFactory, { type Knex } from "knex";
import type request from "supertest";
import { type Harness, type HarnessOptions, ON_POSTGRES, TEST_DATABASE_URL, createGroup, createUser, expectScimError, patchBody, startHarness, userBody } from "../support/harness";

/**
 * A database that does not answer is a passing outage, not a server fault: every SCIM and /api
 * route answers 503 with Retry-After (IdPs retry; a 500 makes Entra quarantine the job, a 404 makes
 * it believe the user is gone), and no request waits longer than the pool's acquire timeout.
 */
function expectScimUnavailable(res: request.Response): void {
  expectScimError(res, 503);
  expect(res.headers["retry-after"]).toMatch(/^\d+$/);
}

function expectApiUnavailable(res: request.Response): void {
  expect({ status: res.status, body: res.body as unknown }).toEqual({ status: 503, body: { error: { code: "unavailable", message: expect.any(String) as unknown } } });
  expect(res.headers["retry-after"]).toMatch(/^\d+$/);
}

describe("a database that does not answer", () => {
  let h: Harness;
  afterEach(async () => h.close().catch(() => undefined));

  async function directory(options: HarnessOptions = {}): Promise<{ ada: string; group: string }> {
    h = await startHarness(options);
    const ada = await createUser(h, "ada@example.com");
    const group = await createGroup(h, "Sales");
    return { ada, group };
  }

  /** Every kind of request: a SCIM read, write and membership PATCH, an /api read and an authorize. */
  function requests(ada: string, group: string): Record<string, () => request.Test> {
    return {
      "SCIM read": () => h.scim("get", `/Users/${ada}`),
      "SCIM list": () => h.scim("get", "/Groups"),
      "SCIM write": () => h.scim("post", "/Users").send(userBody("grace@example.com")),
      "SCIM membership PATCH": () => h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] })),
      "api read": () => h.api("get", `/members/${ada}/permissions`),
      "api authorize": () => h.api("post", "/authorize").send({ member: ada, area: "billing" }),
    };
  }

  async function expectAllUnavailable(ada: string, group: string): Promise<void> {
    for (const [name, send] of Object.entries(requests(ada, group))) {
      const res = await send();
      if (name.startsWith("SCIM")) expectScimUnavailable(res);
      else expectApiUnavailable(res);
    }
  }

  it("answers 503 with Retry-After on every route once the database is closed", async () => {
    const { ada, group } = await directory();
    await h.db.knex.destroy();
    // Authentication is the first to reach the database here.
    await expectAllUnavailable(ada, group);
  });

  it("answers 503 with Retry-After when the database closes after the token was verified", async () => {
    // The harness keeps verified tokens in memory, so the token is not asked for again here.
    const { ada, group } = await directory();
    expect((await h.scim("get", `/Users/${ada}`)).status).toBe(200);
    expect((await h.api("get", `/members/${ada}/permissions`)).status).toBe(200);
    await h.db.knex.destroy();
    // Reads, transaction starts and membership writes fail in the handlers themselves.
    await expectAllUnavailable(ada, group);
  });

  it("answers 503 within the acquire timeout while every connection is taken, and serves again once one is free", async () => {
    const { ada, group } = await directory({ dbTimeoutMs: 250 });
    const poolSize = h.db.knex.client.config.pool?.max ?? 1;
    const held = await Promise.all(Array.from({ length: poolSize }, () => h.db.knex.transaction()));
    try {
      await expectAllUnavailable(ada, group);
    } finally {
      await Promise.all(held.map((tx) => tx.rollback()));
    }
    expect((await h.scim("get", `/Users/${ada}`)).status).toBe(200);
    expect((await h.api("post", "/authorize").send({ member: ada, area: "billing" })).status).toBe(200);
  }, 20_000);
});

const describeOnPostgres = ON_POSTGRES ? describe : describe.skip;

describeOnPostgres("a database that is dropped while the server serves from it", () => {
  let admin: Knex;
  let database: string;
  let h: Harness | null = null;

  beforeEach(async () => {
    admin = knexFactory({ client: "pg", connection: TEST_DATABASE_URL, pool: { min: 0, max: 1 } });
    database = `scim_dropped_${randomBytes(5).toString("hex")}`;
    await admin.raw(`CREATE DATABASE ${database}`);
  }, 120_000);
  // Creating and dropping a database waits for PostgreSQL's checkpoints, slow on a busy machine.
  afterEach(async () => {
    await h?.close().catch(() => undefined);
    await admin.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.destroy();
  }, 120_000);

  it("answers 503 with Retry-After on every route, both on the connections it held and on new ones", async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${database}`;
    h = await startHarness({ databaseUrl: url.toString(), dbTimeoutMs: 2000 });
    const ada = await createUser(h, "ada@example.com");
    const group = await createGroup(h, "Sales");
    expect((await h.api("post", "/authorize").send({ member: ada, area: "billing" })).status).toBe(200);
    // FORCE ends the server's open connections (57P01); the pool's next ones find no database (3D000).
    await admin.raw(`DROP DATABASE ${database} WITH (FORCE)`);
    const harness = h;
    const sends: Array<[string, () => request.Test]> = [
      ["SCIM read", () => harness.scim("get", `/Users/${ada}`)],
      ["SCIM write", () => harness.scim("post", "/Users").send(userBody("grace@example.com"))],
      ["SCIM membership PATCH", () => harness.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] }))],
      ["api read", () => harness.api("get", `/members/${ada}/permissions`)],
      ["api authorize", () => harness.api("post", "/authorize").send({ member: ada, area: "billing" })],
    ];
    // Twice: the first round meets the terminated connections, the second only new ones.
    for (let round = 0; round < 2; round++) {
      for (const [name, send] of sends) {
        const res = await send();
        if (name.startsWith("SCIM")) expectScimUnavailable(res);
        else expectApiUnavailable(res);
      }
    }
  }, 120_000);
});
