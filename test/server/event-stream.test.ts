import { outboxPosition, pruneOutbox, readOutbox } from "../../db/outbox";
import { eventually } from "../support/eventually";
import { type Harness, createGroup, createUser, patchBody, startHarness } from "../support/harness";
import { type Stream, openStream, take } from "../support/sse";
import { MAPPING } from "../roles/support";

/**
 * GET /api/v1/events reads the outbox: ids are per organisation and consecutive in commit order,
 * Last-Event-ID resumes exactly after the last event seen, an id that can no longer be served is
 * an explicit `reset`, and no subscriber can make the server hold unbounded memory.
 */
describe("the event stream, from the outbox", () => {
  let h: Harness;
  let base: string;
  const streams: Stream[] = [];

  async function subscribe(options: { lastEventId?: string; query?: string; token?: string } = {}): Promise<Stream> {
    const stream = await openStream(base, options.token ?? h.apiToken, options);
    streams.push(stream);
    return stream;
  }

  /** Adds users to the Finance group (which the mapping turns into the finance role): one event each. */
  async function joinFinance(group: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const res = await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: id }] }));
      expect(res.status).toBe(204);
    }
  }

  /** Users and the Finance group, created before the events a test looks at; returns the last event id so far. */
  async function directory(userNames: readonly string[]): Promise<{ group: string; users: string[]; start: number }> {
    const users: string[] = [];
    for (const userName of userNames) users.push(await createUser(h, userName));
    const group = await createGroup(h, "Finance", [], { externalId: "00g1finance" });
    return { group, users, start: (await outboxPosition(h.db.knex, h.orgId)).lastId };
  }

  const ids = (start: number, count: number): string[] => Array.from({ length: count }, (_, i) => String(start + i + 1));
  const memberOf = (e: { data: unknown }): string => (e.data as { member: { id: string } }).member.id;

  beforeEach(async () => {
    h = await startHarness({ streams: { maxSubscribersPerOrg: 3 } });
    await h.applyMapping(MAPPING);
    base = await h.serve();
  });
  afterEach(async () => {
    streams.splice(0).forEach((s) => s.close());
    await h.close();
  });

  it("resumes after Last-Event-ID with exactly the events that followed it, in order", async () => {
    const { group, users, start } = await directory(["ada@example.com", "bob@example.com", "cy@example.com", "dee@example.com"]);
    const [ada, bob, cy, dee] = users;
    const first = await subscribe({ lastEventId: String(start) });
    await joinFinance(group, [ada ?? "", bob ?? ""]);
    const seen = await take(first, 2);
    expect(seen.map((e) => [e.id, memberOf(e)])).toEqual([[ids(start, 1)[0], ada], [ids(start, 2)[1], bob]]);
    first.close();

    // Changes made while nobody listens are waiting in the outbox.
    await joinFinance(group, [cy ?? "", dee ?? ""]);
    const resumed = await subscribe({ lastEventId: String(start + 2) });
    const rest = await take(resumed, 2);
    expect(rest.map((e) => [e.id, e.event, memberOf(e)])).toEqual([[String(start + 3), "permissions.changed", cy], [String(start + 4), "permissions.changed", dee]]);
    await expect(resumed.next(300)).rejects.toThrow(/no event/);

    // EventSource cannot send headers on a first connection: the query parameter does the same.
    const byQuery = await subscribe({ query: `?lastEventId=${start + 3}` });
    expect((await take(byQuery, 1)).map((e) => e.id)).toEqual([String(start + 4)]);
  });

  it("starts a subscriber without Last-Event-ID at the present, and suggests a reconnection delay", async () => {
    const { group, users, start } = await directory(["ada@example.com", "bob@example.com"]);
    await joinFinance(group, users.slice(0, 1));
    const live = await subscribe();
    expect(live.status).toBe(200);
    await joinFinance(group, users.slice(1));
    const event = await live.next();
    expect({ id: event.id, member: memberOf(event) }).toEqual({ id: String(start + 2), member: users[1] });
    expect(live.retry).toBeGreaterThan(0);
  });

  it("numbers events 1, 2, 3… in commit order when twenty writers change members at once", async () => {
    const { group, users, start } = await directory(Array.from({ length: 20 }, (_, i) => `user${i}@example.com`));
    const results = await Promise.all(users.map((id) => h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: id }] }))));
    expect(results.map((r) => r.status)).toEqual(users.map(() => 204));

    const events = await readOutbox(h.db.knex, h.orgId, start, 100);
    expect(events.map((e) => String(e.id))).toEqual(ids(start, 20));
    expect(new Set(events.map((e) => e.memberId))).toEqual(new Set(users));
    const stream = await subscribe({ lastEventId: String(start) });
    expect((await take(stream, 20)).map((e) => Number(e.id))).toEqual(events.map((e) => e.id));
  });

  it("leaves no gap in the ids when a write rolls back", async () => {
    const { group, users, start } = await directory(["ada@example.com", "bob@example.com", "cy@example.com"]);
    const [ada, bob, cy] = users;
    await joinFinance(group, [ada ?? ""]);
    const bad = await h.scim("patch", `/Groups/${group}`).send(
      patchBody({ op: "add", path: "members", value: [{ value: bob }] }, { op: "add", path: "members", value: [{ value: "00000000-0000-0000-0000-000000000000" }] }),
    );
    expect(bad.status).toBe(400);
    await joinFinance(group, [cy ?? ""]);
    const events = await readOutbox(h.db.knex, h.orgId, start, 10);
    expect(events.map((e) => [String(e.id), e.memberId])).toEqual([[String(start + 1), ada], [String(start + 2), cy]]);
  });

  it("sends a reset event for an id older than the retention, then carries on from the present", async () => {
    const { group, users, start } = await directory(["ada@example.com", "bob@example.com", "cy@example.com", "dee@example.com"]);
    // Creating a member with no access moves the revision without an event: ids may skip.
    const held = (await readOutbox(h.db.knex, h.orgId, 0, 100)).length;
    await joinFinance(group, users.slice(0, 3));
    const last = start + 3;
    expect(await pruneOutbox(h.db.knex, Date.now() + 1)).toBe(held + 3);
    expect(await outboxPosition(h.db.knex, h.orgId)).toEqual({ lastId: last, prunedThrough: last });

    const stale = await subscribe({ lastEventId: "1" });
    const reset = await stale.next();
    expect(reset).toEqual({ id: String(last), event: "reset", data: { reason: "older than the retention", lastEventId: "1", resumeFrom: last } });
    await joinFinance(group, users.slice(3));
    const next = await stale.next();
    expect({ id: next.id, member: memberOf(next) }).toEqual({ id: String(last + 1), member: users[3] });

    // An id the server never issued (another database, a restored backup) is a reset too.
    const unknown = await subscribe({ lastEventId: "999" });
    expect(await unknown.next()).toMatchObject({ id: String(last + 1), event: "reset", data: { reason: "unknown id", resumeFrom: last + 1 } });
    // The last id itself is still resumable after pruning: nothing was missed.
    const current = await subscribe({ lastEventId: String(last + 1) });
    await expect(current.next(300)).rejects.toThrow(/no event/);
  });

  it("keeps events newer than the retention, and those a webhook has not yet picked up", async () => {
    const { group, users } = await directory(["ada@example.com", "bob@example.com"]);
    const held = (await readOutbox(h.db.knex, h.orgId, 0, 100)).length;
    await joinFinance(group, users);
    expect(await pruneOutbox(h.db.knex, Date.now() - 60_000)).toBe(0);
    expect((await readOutbox(h.db.knex, h.orgId, 0, 10)).length).toBe(held + 2);
  });

  it("refuses a stream past the organisation's limit with 429, and accepts one again when a stream closes", async () => {
    const open = [await subscribe(), await subscribe(), await subscribe()];
    expect(open.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await subscribe();
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body) as unknown).toEqual({ error: { code: "too_many_requests", message: expect.stringMatching(/3 event streams/) as unknown } });
    open[0]?.close();
    await eventually(() => expect(h.events.subscriberCount(h.orgId)).toBe(2));
    expect((await subscribe()).status).toBe(200);
    // Another organisation has its own allowance.
    const other = await h.addOrg("globex");
    expect((await subscribe({ token: other.apiToken })).status).toBe(200);
  });

  it("ends every stream with a reconnection hint when the server shuts down", async () => {
    const stream = await subscribe();
    h.events.close();
    await eventually(() => expect(stream.ended).toBe(true));
    expect(stream.retry).toBeGreaterThan(0);
  });
});

describe("a subscriber that stops reading", () => {
  let h: Harness;
  afterEach(async () => h.close());

  it("is disconnected once its unsent events pass the buffer bound, and resumes with Last-Event-ID; a reader that keeps up is unaffected", async () => {
    h = await startHarness({ streams: { maxBufferBytes: 16_384, stallMs: 200 } });
    const base = await h.serve();
    const users = [];
    for (let i = 0; i < 500; i++) users.push(await createUser(h, `user${i}@example.com`));
    await createGroup(h, "Finance", users, { externalId: "00g1finance" });
    const start = (await outboxPosition(h.db.knex, h.orgId)).lastId;

    const stalled = await openStream(base, h.apiToken, { lastEventId: String(start) });
    stalled.pause();
    const reader = await openStream(base, h.apiToken, { lastEventId: String(start) });
    // Each application of a mapping that grants or removes finance changes all 500 members
    // (about 400 kB of events), until the stalled socket's kernel buffers are full too.
    const withoutFinance = MAPPING.replace('  - group: { externalId: "00g1finance" }\n    roles: [finance]\n', "");
    let expected = start;
    for (let round = 0; round < 16 && h.events.subscriberCount(h.orgId) > 1; round++) {
      await h.applyMapping(round % 2 === 0 ? MAPPING : withoutFinance, `round-${round}.yaml`);
      expected += 500;
      const got = await take(reader, 500, 20_000);
      expect(got.at(-1)?.id).toBe(String(expected));
    }
    // Cut stallMs after its buffer stayed full: during a later round, or after the last one.
    await eventually(() => expect(h.events.subscriberCount(h.orgId)).toBe(1));
    await stalled.drainToEnd();

    // What it did take in is resumable from its last id: the rest arrives, none twice.
    const got = stalled.queued();
    const lastId = got.at(-1)?.id ?? String(start);
    const resumed = await openStream(base, h.apiToken, { lastEventId: lastId });
    const rest = await take(resumed, expected - Number(lastId), 20_000);
    expect(rest.map((e) => Number(e.id))).toEqual(Array.from({ length: expected - Number(lastId) }, (_, i) => Number(lastId) + i + 1));
    [stalled, reader, resumed].forEach((s) => s.close());
  }, 120_000);
});

describe("what a paused subscriber costs the server", () => {
  let h: Harness;
  afterEach(async () => h.close());

  it("holds at most SSE_MAX_BUFFER_BYTES unsent for each paused socket, live or catching up, and misses nothing once it reads again", async () => {
    const bound = 65_536;
    h = await startHarness({ streams: { maxBufferBytes: bound, stallMs: 120_000 } });
    await h.applyMapping(MAPPING);
    const base = await h.serve();
    const users = [];
    for (let i = 0; i < 500; i++) users.push(await createUser(h, `user${i}@example.com`));
    await createGroup(h, "Finance", users, { externalId: "00g1finance" });
    const start = (await outboxPosition(h.db.knex, h.orgId)).lastId;
    const withoutFinance = MAPPING.replace('  - group: { externalId: "00g1finance" }\n    roles: [finance]\n', "");

    // One subscriber is live when it stops reading; the other resumes from far back, so it reads its own way from the outbox.
    const live = await openStream(base, h.apiToken, { lastEventId: String(start) });
    live.pause();
    let expected = start;
    await h.applyMapping(withoutFinance, "round-0.yaml");
    expected += 500;
    const catchingUp = await openStream(base, h.apiToken, { lastEventId: String(start) });
    catchingUp.pause();

    // Each round changes all 500 members (≈ 400 kB of events); the kernel's socket buffers take
    // megabytes first, then what is left waits in the server's.
    const samples: number[] = [];
    const sample = () => samples.push(...h.events.bufferedBytes(h.orgId));
    for (let round = 1; round < 40; round++) {
      await h.applyMapping(round % 2 === 0 ? withoutFinance : MAPPING, `round-${round}.yaml`);
      expected += 500;
      sample();
      const buffers = h.events.bufferedBytes(h.orgId);
      if (buffers.length === 2 && Math.min(...buffers) > bound / 2) break;
    }
    // The streams may still be writing what the rounds produced (they read the outbox a page at a
    // time): poll until both buffers are full, sampling all along.
    await eventually(() => {
      sample();
      expect(Math.min(...h.events.bufferedBytes(h.orgId))).toBeGreaterThan(bound / 2);
    }, { timeoutMs: 60_000, intervalMs: 20 });
    expect(h.events.subscriberCount(h.orgId)).toBe(2);
    // Both buffers filled up, and never past the bound.
    expect(Math.max(...samples)).toBeLessThanOrEqual(bound);

    for (const stream of [live, catchingUp]) {
      stream.resume();
      const got = await take(stream, expected - start, 60_000);
      expect(got.map((e) => Number(e.id))).toEqual(Array.from({ length: expected - start }, (_, i) => start + i + 1));
      stream.close();
    }
  }, 120_000);
});

