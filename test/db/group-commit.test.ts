import { stageOutboxEvents, readOutbox } from "../../db/outbox";
import { withAfterCommit } from "../../db/transaction";
import { ON_POSTGRES, createUser, harnessPerTest, userBody } from "../support/harness";

/**
 * Writes that wait for SQLite's single writer commit together, each in its own savepoint: every
 * write keeps its own outcome, and none is answered before the commit that holds it.
 */
describe("concurrent writes", () => {
  const h = harnessPerTest();

  const writeOrg = (name: string, fail = false) => {
    const announced: string[] = [];
    const done = withAfterCommit(h.db, async (tx, after) => {
      await tx("orgs").insert({ id: `id-${name}`, name, created_at: new Date().toISOString() });
      stageOutboxEvents(tx, [{ orgId: h.orgId, type: "test.write", memberId: null, payload: { name } }]);
      after(() => announced.push(name));
      if (fail) throw new Error(`${name} refused`);
      return name;
    });
    return { done, announced };
  };

  it("each keep their own outcome: one failing write fails alone, the others commit and announce", async () => {
    const writes = ["w1", "w2", "w3", "w4", "w5"].map((name) => writeOrg(name, name === "w3"));
    const outcomes = await Promise.allSettled(writes.map((w) => w.done));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(outcomes[2]).toMatchObject({ reason: new Error("w3 refused") });
    const names = (await h.db.knex("orgs").whereIn("name", ["w1", "w2", "w3", "w4", "w5"]).select("name")).map((r: { name: string }) => r.name).sort();
    expect(names).toEqual(["w1", "w2", "w4", "w5"]);
    expect(writes.map((w) => w.announced)).toEqual([["w1"], ["w2"], [], ["w4"], ["w5"]]);
    // The failed write's event is gone with it; the others' ids follow each other without a gap
    // (in arrival order on SQLite; PostgreSQL commits them in parallel, in any order).
    const events = await readOutbox(h.db.knex, h.orgId, 0, 10);
    expect(events).toHaveLength(4);
    expect(events.map((e) => e.payload)).toEqual(expect.arrayContaining([{ name: "w1" }, { name: "w2" }, { name: "w4" }, { name: "w5" }]));
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4]);
  });

  it("share one transaction on SQLite when they wait for the writer together (PostgreSQL: one each, in parallel)", async () => {
    const begins: string[] = [];
    h.db.knex.on("query", (q: { sql: string }) => {
      if (/^BEGIN/i.test(q.sql)) begins.push(q.sql);
    });
    await Promise.all(["g1", "g2", "g3", "g4", "g5"].map((name) => writeOrg(name).done));
    // SQLite: the first runs at once, alone; the four that arrived meanwhile commit together.
    expect(begins).toHaveLength(ON_POSTGRES ? 5 : 2);
  });

  it("answer SCIM writers sent at once each with their own status", async () => {
    await createUser(h, "taken@example.com");
    const names = ["a@example.com", "b@example.com", "taken@example.com", "c@example.com", "d@example.com"];
    const replies = await Promise.all(names.map((n) => h.scim("post", "/Users").send(userBody(n))));
    expect(replies.map((r) => r.status)).toEqual([201, 201, 409, 201, 201]);
    const listed = await h.scim("get", "/Users?count=10");
    expect((listed.body as { totalResults: number }).totalResults).toBe(5);
  });
});
