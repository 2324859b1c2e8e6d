import { DEFAULT_INPUT_LIMITS, MAX_FILTER_DEPTH, MAX_FILTER_TERMS } from "../../scim/limits";
import { type Harness, createGroup, createUser, expectScimError, patchBody, startHarness } from "../support/harness";

const joined = (terms: readonly string[], keyword: "or" | "and"): string => terms.join(` ${keyword} `);
const times = (n: number, term: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => term(i));

/** The shapes that cost the most per term: each one compiles to a deeper SQL expression than a plain comparison. */
const SHAPES: ReadonlyArray<{ name: string; terms: (n: number) => string }> = [
  { name: "an indexed column", terms: (n) => joined(times(n, (i) => `userName eq "user${i}@example.com"`), "or") },
  { name: "a JSON attribute with co", terms: (n) => joined(times(n, (i) => `emails.value co "user${i}@"`), "or") },
  { name: "ne, which also matches absent values", terms: (n) => joined(times(n, (i) => `title ne "t${i}"`), "and") },
  // A value filter counts itself and each term inside it.
  { name: "value filters", terms: (n) => joined(times(n / 2, (i) => `emails[value eq "user${i}@example.com"]`), "or") },
  { name: "not (…) around every term", terms: (n) => joined(times(n, (i) => `not (userName eq "nobody${i}")`), "and") },
];

/**
 * SCIM_MAX_FILTER_TERMS and SCIM_MAX_FILTER_DEPTH: at the cap a filter works on SQLite and
 * PostgreSQL (SQLite refuses an expression tree deeper than 1000, which a left-deep chain of about
 * 1000 `or` terms reached before the cap); one term or level more is 400 invalidFilter, in lists,
 * .search, the root .search and PATCH paths.
 */
describe.each([
  ["the default", DEFAULT_INPUT_LIMITS.maxFilterTerms],
  ["the largest allowed", MAX_FILTER_TERMS],
])("filters at %s term cap (%i)", (_label, cap) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ limits: { maxFilterTerms: cap } });
    await createUser(h, "user0@example.com");
    await createUser(h, "user1@example.com", { title: "t1" });
  });
  afterAll(async () => h.close());

  it.each(SHAPES)("answers a filter on $name at the cap, and refuses one more term", async ({ terms }) => {
    const atCap = await h.scim("post", "/Users/.search").send({ filter: terms(cap), count: 10 });
    expect(atCap.status).toBe(200);
    const past = await h.scim("post", "/Users/.search").send({ filter: `${terms(cap)} or userName eq "one.more"` });
    expectScimError(past, 400, "invalidFilter", new RegExp(`more than ${cap} attribute expressions`));
  });

  it("finds exactly the users named by a filter at the cap", async () => {
    const res = await h.scim("post", "/Users/.search").send({ filter: SHAPES[0]?.terms(cap) });
    expect(res.status).toBe(200);
    expect((res.body as { totalResults: number }).totalResults).toBe(2);
  });

  it("nests parentheses to SCIM_MAX_FILTER_DEPTH around a filter at the cap", async () => {
    const filter = `${"(".repeat(MAX_FILTER_DEPTH)}${SHAPES[0]?.terms(cap) ?? ""}${")".repeat(MAX_FILTER_DEPTH)}`;
    const res = await h.scim("post", "/.search").send({ filter });
    expect(res.status).toBe(200);
    expect((res.body as { totalResults: number }).totalResults).toBe(2);
    expectScimError(await h.scim("post", "/.search").send({ filter: `(${filter})` }), 400, "invalidFilter", /nest more than/);
  });

  it("applies the cap to a members[…] filter in a PATCH path", async () => {
    const member = await createUser(h, `member-${cap}@example.com`);
    const group = await createGroup(h, `group-${cap}`, [member]);
    const values = (n: number) => joined(times(n - 1, (i) => `value eq "nobody${i}"`).concat(`value eq "${member}"`), "or");
    const removed = await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "remove", path: `members[${values(cap)}]` }));
    expect(removed.status).toBe(204);
    expect(((await h.scim("get", `/Groups/${group}`)).body as { members?: unknown[] }).members ?? []).toEqual([]);
    const past = await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "remove", path: `members[${values(cap + 1)}]` }));
    expectScimError(past, 400, "invalidFilter", new RegExp(`more than ${cap} attribute expressions`));
  });

  it("refuses a 20,000-term filter at once in a Group search", async () => {
    const huge = joined(times(20000, (i) => `displayName eq "g${i}"`), "or");
    expectScimError(await h.scim("post", "/Groups/.search").send({ filter: huge }), 400, "invalidFilter");
  });
});

describe("filters in the query string", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ limits: { maxFilterTerms: 3, maxFilterDepth: 2 } });
  });
  afterAll(async () => h.close());

  it("obey SCIM_MAX_FILTER_TERMS and SCIM_MAX_FILTER_DEPTH as set", async () => {
    const list = (filter: string) => h.scim("get", `/Users?filter=${encodeURIComponent(filter)}`);
    expect((await list('((userName eq "a" or userName eq "b") or userName eq "c")')).status).toBe(200);
    expectScimError(await list('userName eq "a" or userName eq "b" or userName eq "c" or userName eq "d"'), 400, "invalidFilter", /more than 3 attribute expressions/);
    expectScimError(await list('(((userName eq "a")))'), 400, "invalidFilter", /nest more than 2 levels/);
  });
});
