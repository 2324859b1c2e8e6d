import type { Response } from "supertest";
import { type Harness, createGroup, createUser, patchBody, startHarness } from "../support/harness";
import { expectDocumented } from "../support/openapi";
import { MAPPING } from "../roles/support";

/**
 * A batch of authorize questions is answered as if each were asked alone — the same answer, or the
 * same error in its place — under one revision and one consistency; an envelope that is not a batch
 * is refused whole, with a message that names what to fix.
 */
describe("authorize in batches", () => {
  let h: Harness;
  let ada: string;
  beforeEach(async () => {
    h = await startHarness();
    await h.applyMapping(MAPPING);
    ada = await createUser(h, "ada@example.com");
    const finance = await createGroup(h, "Finance", [], { externalId: "00g1finance" });
    await h.scim("patch", `/Groups/${finance}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] }));
    await createUser(h, "bo@example.com");
  });
  afterEach(async () => h.close());

  const authorize = async (body: unknown): Promise<Response> => {
    const res = await h.api("post", "/authorize").send(body as object);
    expectDocumented(res);
    return res;
  };
  const message = (res: Response) => (res.body as { error: { message: string } }).error.message;

  const QUESTIONS: readonly unknown[] = [
    { member: "ada@example.com", area: "billing", level: "manage" },
    { member: "bo@example.com", area: "billing" },
    { member: "ADA@example.com", capability: "web_search" },
    { member: "bo@example.com", connector: "slack" },
    { member: "nobody@example.com", area: "billing" },
    { member: "ada@example.com", area: "treasure" },
    { member: "ada@example.com", area: "billing", level: "owner" },
    { member: "bo@example.com", capability: "web_serch" },
    { member: "bo@example.com", connector: "sharepoynt" },
    { member: "ada@example.com", area: "billing", capability: "web_search" },
    { member: "", capability: "web_search" },
    { area: "billing" },
    { member: "ada@example.com" },
    [],
  ];

  it("answers every question of a batch exactly as it is answered alone, a refused one with the same status and error body in its place", async () => {
    const alone = await Promise.all(QUESTIONS.map((q) => authorize(q)));
    const batch = await authorize({ checks: QUESTIONS });
    expect(batch.status).toBe(200);
    const { results } = batch.body as { results: unknown[] };
    const expected = alone.map((res) => (res.status === 200 ? res.body as unknown : { status: res.status, error: (res.body as { error: unknown }).error }));
    expect(results).toEqual(expected);
    expect(alone.map((res) => res.status)).toEqual([200, 200, 200, 200, 404, 400, 400, 400, 400, 400, 400, 400, 400, 400]);
  });

  it("answers the whole batch at one revision and one consistency, each answer saying the same", async () => {
    const consistencies = [undefined, "minimize_latency", { atLeast: "0" }] as const;
    for (const consistency of consistencies) {
      const res = await authorize({ checks: QUESTIONS.slice(0, 5), ...(consistency === undefined ? {} : { consistency }) });
      const body = res.body as { results: { revision?: string; consistency?: string }[]; revision: string; consistency: string };
      const mode = consistency === undefined ? "full" : typeof consistency === "string" ? consistency : "at_least";
      expect({ consistency, mode: body.consistency }).toEqual({ consistency, mode });
      const answered = body.results.filter((r) => r.revision !== undefined);
      expect(answered).toHaveLength(4);
      for (const r of answered) expect(r).toMatchObject({ revision: body.revision, consistency: mode });
    }
  });

  it("refuses an envelope that is not a batch with 400 and says what to fix", async () => {
    const question = { member: "ada@example.com", area: "billing" };
    const cases: [unknown, RegExp][] = [
      [{ checks: "ada@example.com" }, /checks must be an array/],
      [{ checks: {} }, /checks must be an array/],
      [{ checks: null }, /checks must be an array/],
      [{ checks: [] }, /checks holds no question; a batch asks 1 to 100/],
      [{ checks: Array.from({ length: 101 }, () => question) }, /checks holds 101 questions; a batch asks at most 100/],
      [{ checks: [question], member: "ada@example.com", area: "billing" }, /either one question .* or a batch .*not both: "member", "area"/],
      [{ checks: [question], capability: "web_search" }, /not both: "capability"/],
      [{ checks: [question], limit: 3 }, /"limit" is not part of it/],
      [{ checks: [question], consistency: "eventual" }, /consistency must be/],
      [[question], /A question is an object .* and a batch \{ checks/],
    ];
    for (const [body, expected] of cases) {
      const res = await authorize(body);
      expect({ body, status: res.status, code: (res.body as { error: { code: string } }).error.code }).toEqual({ body, status: 400, code: "invalid_request" });
      expect({ body, message: message(res) }).toEqual({ body, message: expect.stringMatching(expected) as unknown });
    }
  });

  it("answers a question that brings its own consistency, or names two things, in its place and the rest as usual", async () => {
    const res = await authorize({
      checks: [
        { member: "ada@example.com", area: "billing", consistency: "minimize_latency" },
        { member: "ada@example.com", capability: "web_search", connector: "slack" },
        { member: "ada@example.com", area: "billing", level: "manage" },
      ],
    });
    const { results } = res.body as { results: Record<string, unknown>[] };
    expect(results[0]).toEqual({ status: 400, error: { code: "invalid_request", message: expect.stringMatching(/consistency applies to the whole batch/) as unknown } });
    expect(results[1]).toEqual({ status: 400, error: { code: "invalid_request", message: expect.stringMatching(/one per question, not capability and connector/) as unknown } });
    expect(results[2]).toMatchObject({ allowed: true, area: "billing", level: "manage", granted: "manage" });
    const notObjects = await authorize({ checks: ["ada@example.com", null, 7, { member: "ada@example.com", area: "billing" }] });
    expect((notObjects.body as { results: Record<string, unknown>[] }).results.map((r) => r.status ?? r.allowed)).toEqual([400, 400, 400, true]);
  });

  it("answers a batch of 100 questions about two members with every answer in order", async () => {
    const checks = Array.from({ length: 100 }, (_, i) => ({ member: i % 2 === 0 ? "ada@example.com" : "bo@example.com", area: "billing", level: "manage" }));
    const res = await authorize({ checks });
    expect((res.body as { results: { allowed: boolean }[] }).results.map((r) => r.allowed)).toEqual(checks.map((_, i) => i % 2 === 0));
  });
});
