import { type Harness, createUser, startHarness } from "../support/harness";
import type { ListBody } from "./support";

/**
 * RFC 7644 §3.4.2.4: a page asked for directly by `startIndex` (no page before it) is read by an
 * index-only walk, or from anchors once the same directory was asked twice (db/list.ts); either way
 * it is exactly the page OFFSET gives, also when users come and go between the requests.
 */
describe("deep pages reached directly", () => {
  let h: Harness;
  afterEach(async () => h.close());

  async function names(startIndex: number, count: number): Promise<{ total: number; names: string[] }> {
    const res = await h.scim("get", "/Users").query({ startIndex, count });
    expect(res.status).toBe(200);
    const body = res.body as ListBody;
    return { total: body.totalResults, names: body.Resources.map((r) => String(r.userName)) };
  }

  const user = (i: number) => `user${i}@example.com`;

  it("answers the same page again and again, and follows users deleted and created between the requests", async () => {
    h = await startHarness();
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push(await createUser(h, user(i)));
    // First walked, then walked again (anchors read), then read from the anchors.
    for (let round = 0; round < 3; round++) expect(await names(6, 3)).toEqual({ total: 9, names: [user(5), user(6), user(7)] });
    expect(await names(2, 2)).toEqual({ total: 9, names: [user(1), user(2)] });

    expect((await h.scim("delete", `/Users/${ids[1]}`)).status).toBe(204);
    for (let round = 0; round < 3; round++) expect(await names(6, 3)).toEqual({ total: 8, names: [user(6), user(7), user(8)] });

    await createUser(h, "late@example.com");
    expect(await names(8, 5)).toEqual({ total: 9, names: [user(8), "late@example.com"] });
    expect(await names(9, 5)).toEqual({ total: 9, names: ["late@example.com"] });
  });

  it("answers a page past the end with the total and no resources", async () => {
    h = await startHarness();
    for (let i = 0; i < 3; i++) await createUser(h, user(i));
    for (let round = 0; round < 3; round++) expect(await names(10, 5)).toEqual({ total: 3, names: [] });
    expect(await names(3, 5)).toEqual({ total: 3, names: [user(2)] });
  });
});
