import { organisationRevision } from "../../db/outbox";
import { SharedRevisionReads } from "../../roles";
import { type Harness, startHarness } from "../support/harness";

/**
 * Authorize's `full` consistency reads the organisation's revision after each request arrived;
 * requests that ask in the same turn of the event loop share that read, and one asking after a
 * read began never reuses it.
 */
describe("shared revision reads", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  /** Reads of the revision counter (other statements, a change feed's included, are not counted). */
  const countStatements = () => {
    const seen = { count: 0 };
    h.db.knex.on("query", (query: { sql?: unknown }) => {
      if (typeof query.sql === "string" && query.sql.includes("event_counters") && /^\s*select/i.test(query.sql)) seen.count += 1;
    });
    return seen;
  };
  const createUser = async (userName: string): Promise<number> => {
    const res = await h.scim("post", "/Users").send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, active: true });
    expect(res.status).toBe(201);
    return Number(res.headers["x-revision"]);
  };

  it("answers every request that asked in one turn with one statement, at the revision in force", async () => {
    await createUser("ada@example.com");
    const reads = new SharedRevisionReads(h.db);
    const statements = countStatements();
    const answers = await Promise.all(Array.from({ length: 8 }, () => reads.read(h.orgId)));
    expect(statements.count).toBe(1);
    expect(new Set(answers)).toEqual(new Set([await organisationRevision(h.db.knex, h.orgId)]));
  });

  it("reads again for a request that asks after the previous read began, and so sees a write acknowledged in between", async () => {
    const reads = new SharedRevisionReads(h.db);
    const first = reads.read(h.orgId);
    const before = await first;
    const written = await createUser("bo@example.com");
    expect(written).toBeGreaterThan(before);
    const statements = countStatements();
    expect(await reads.read(h.orgId)).toBe(written);
    expect(statements.count).toBe(1);
  });

  it("keeps each organisation's reads apart", async () => {
    const reads = new SharedRevisionReads(h.db);
    const [mine, unknown] = await Promise.all([reads.read(h.orgId), reads.read("no-such-organisation")]);
    expect(mine).toBe(await organisationRevision(h.db.knex, h.orgId));
    expect(unknown).toBe(0);
  });
});
