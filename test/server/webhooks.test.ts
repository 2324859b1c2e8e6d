import { claimDeliveries, enqueueDeliveries, insertWebhook, listDeliveries, listWebhooks } from "../../db/webhooks";
import { withAfterCommit } from "../../db/transaction";
import { silentLogger } from "../../server/logger";
import { type Resolve, WebhookTargets } from "../../server/webhook-targets";
import { type DispatcherOptions, WebhookDispatcher, circuitPausedUntil, newWebhookSecret, nextAttemptAt, retryDelayMs, webhookUrlProblem } from "../../server/webhooks";
import { type Harness, createGroup, createUser, patchBody, startHarness } from "../support/harness";
import { eventually, until } from "../support/eventually";
import { type Receiver, startReceiver } from "../support/receiver";
import { MAPPING } from "../roles/support";

/**
 * Webhooks: every outbox event reaches each subscribed receiver signed per Standard Webhooks, at
 * least once and in order per member, with retries and a final "failed" that says why.
 */
describe("webhook delivery", () => {
  let h: Harness;
  let receiver: Receiver;
  let dispatcher: WebhookDispatcher | null = null;

  // The receivers listen on loopback, which webhooks reach only when WEBHOOK_ALLOW_PRIVATE says so.
  const options: DispatcherOptions = { timeoutMs: 2_000, concurrency: 4, retryForMs: 60_000, firstRetryMs: 100, pollMs: 50, allowPrivate: ["127.0.0.0/8"] };

  async function subscribeReceiver(events: string[] = [], to: Receiver = receiver, url = to.url): Promise<string> {
    const secret = newWebhookSecret();
    to.setSecret(secret);
    return (await insertWebhook(h.db.knex, { orgId: h.orgId, url, secret, events })).id;
  }

  function startDispatcher(overrides: Partial<DispatcherOptions> = {}): WebhookDispatcher {
    dispatcher = new WebhookDispatcher(h.db, h.signal, silentLogger(), { ...options, ...overrides });
    dispatcher.start();
    return dispatcher;
  }

  async function financeDirectory(count: number): Promise<{ group: string; users: string[] }> {
    const users: string[] = [];
    for (let i = 0; i < count; i++) users.push(await createUser(h, `user${i}@example.com`));
    return { group: await createGroup(h, "Finance", [], { externalId: "00g1finance" }), users };
  }

  /** The deliveries, once `count` of them are no longer pending (the receiver answers before the outcome is recorded). */
  async function settled(count: number): Promise<Awaited<ReturnType<typeof listDeliveries>>> {
    return eventually(async () => {
      const rows = await listDeliveries(h.db.knex, h.orgId, { limit: 100 });
      expect(rows.filter((d) => d.status !== "pending").length).toBeGreaterThanOrEqual(count);
      return rows;
    });
  }

  /** One member joins while the receiver answers `status` to every attempt: the deliveries once one has failed. */
  async function failedAnswering(status: number, overrides: Partial<DispatcherOptions>): Promise<Awaited<ReturnType<typeof listDeliveries>>> {
    const { group, users } = await financeDirectory(1);
    await subscribeReceiver();
    receiver.respond = () => status;
    startDispatcher(overrides);
    await join(group, users[0] ?? "");
    return until(() => listDeliveries(h.db.knex, h.orgId, { status: "failed", limit: 10 }), (rows) => rows.length > 0, "the delivery failed", { timeoutMs: 10_000 });
  }

  async function join(group: string, id: string): Promise<void> {
    expect((await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: id }] }))).status).toBe(204);
  }

  beforeEach(async () => {
    h = await startHarness();
    await h.applyMapping(MAPPING);
    receiver = await startReceiver();
  });
  async function stopDispatcher(): Promise<void> {
    await dispatcher?.stop(0);
    dispatcher = null;
  }
  afterEach(async () => {
    await stopDispatcher();
    await receiver.close();
    await h.close();
  });

  it("delivers each permission change once, signed, with the outbox id, from the moment the webhook was added", async () => {
    const { group, users } = await financeDirectory(2);
    const [ada, bob] = users;
    await subscribeReceiver();
    startDispatcher();
    for (const id of users) await join(group, id);
    const got = await receiver.waitFor(2);
    expect(got.map((m) => ({ type: m.type, member: (m.data.member as { id: string }).id }))).toEqual(users.map((id) => ({ type: "permissions.changed", member: id })));
    expect(got.every((m) => /^msg_/.test(m.id) && typeof m.data.eventId === "number")).toBe(true);
    expect(got[0]?.data).toMatchObject({ after: { roles: ["finance"] }, cause: { kind: "scim", method: "PATCH" } });
    // Nothing from before the webhook existed (the users' creation), nothing twice: a later change
    // of Bob's is delivered after his earlier events, and by then only the three changes were sent.
    expect((await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "remove", path: `members[value eq "${bob}"]` }))).status).toBe(204);
    const all = await receiver.waitFor(3);
    expect(all.map((m) => (m.data.member as { id: string }).id).sort()).toEqual([ada, bob, bob].sort());
    expect((await settled(3)).map((d) => d.status)).toEqual(["delivered", "delivered", "delivered"]);
  });

  it("retries a failed delivery with the same webhook-id until the receiver accepts it, keeping a member's events in order", async () => {
    const { group, users } = await financeDirectory(1);
    const [ada] = users;
    await subscribeReceiver();
    const order: string[] = [];
    receiver.respond = (message, attempt) => {
      order.push(`${message.id}#${attempt}`);
      return attempt < 3 && order.length <= 2 ? 503 : 200;
    };
    startDispatcher();
    await join(group, ada ?? "");
    expect((await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "remove", path: `members[value eq "${ada}"]` }))).status).toBe(204);
    const got = await receiver.waitFor(2);
    // The first event was refused twice, then accepted; the second waited for it.
    expect(got.map((m) => (m.data.after as { roles: string[] }).roles)).toEqual([["finance"], []]);
    expect(order.slice(0, 3).map((o) => o.split("#")[1])).toEqual(["1", "2", "3"]);
    expect(new Set(order.slice(0, 3).map((o) => o.split("#")[0])).size).toBe(1);
    const deliveries = await settled(2);
    expect(deliveries.map((d) => [d.status, d.attempts])).toEqual([["delivered", 1], ["delivered", 3]]);
  });

  it("marks a delivery failed with the last error once its retry window is over", async () => {
    const failed = await failedAnswering(500, { retryForMs: 400, firstRetryMs: 100 });
    expect(failed).toEqual([expect.objectContaining({ status: "failed", lastStatus: 500, lastError: "HTTP 500 Internal Server Error" })]);
    expect(failed[0]?.attempts).toBeGreaterThan(1);
  });

  it("gives up on a receiver that does not answer within the timeout, without holding up other deliveries", async () => {
    const { group, users } = await financeDirectory(2);
    await subscribeReceiver();
    const [slow, fast] = users;
    receiver.respond = (message, attempt) => ((message.data.member as { id: string }).id === slow && attempt === 1 ? { delayMs: 5_000, status: 200 } : 200);
    startDispatcher({ timeoutMs: 300, firstRetryMs: 100 });
    await join(group, slow ?? "");
    await join(group, fast ?? "");
    const got = await receiver.waitFor(2, 8_000);
    expect(got.map((m) => (m.data.member as { id: string }).id)).toEqual([fast, slow]);
    expect((await settled(2)).find((d) => d.memberId === slow)).toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("sends only the event types a webhook asked for", async () => {
    const { group, users } = await financeDirectory(1);
    const everything = await startReceiver();
    try {
      await subscribeReceiver(["some.other.type"]);
      await subscribeReceiver([], everything);
      startDispatcher();
      await join(group, users[0] ?? "");
      // The same event reaches a webhook that asked for every type: by then the other had its chance.
      await everything.waitFor(1);
      expect(receiver.received).toEqual([]);
      expect((await listDeliveries(h.db.knex, h.orgId, { limit: 10 })).map((d) => d.url)).toEqual([everything.url]);
    } finally {
      await everything.close();
    }
  });

  it("takes over a delivery whose claimer died mid-send once its lease runs out", async () => {
    const { group, users } = await financeDirectory(1);
    await subscribeReceiver();
    // Claim the delivery as a replica that then vanishes without a word.
    await join(group, users[0] ?? "");
    await withAfterCommit(h.db, (tx) => enqueueDeliveries(tx, Date.now()));
    const claimedAt = Date.now();
    const taken = await withAfterCommit(h.db, (tx) => claimDeliveries(tx, { nowMs: claimedAt, leaseMs: 600, limit: 10, owner: "replica-dead" }));
    expect(taken.length).toBe(1);
    const arrivals: number[] = [];
    receiver.respond = () => {
      arrivals.push(Date.now());
      return 200;
    };
    startDispatcher();
    const got = await receiver.waitFor(1, 5_000);
    expect(got[0]?.id).toBe(taken[0]?.id);
    // Sent once, and not before the dead claimer's lease ran out.
    expect(arrivals).toEqual([expect.any(Number)]);
    expect(arrivals[0]).toBeGreaterThanOrEqual(claimedAt + 600);
  });

  it("hands back leases it could not finish when it stops, so the delivery is sent again at once", async () => {
    const { group, users } = await financeDirectory(1);
    await subscribeReceiver();
    receiver.respond = (_m, attempt) => (attempt === 1 ? { delayMs: 5_000, status: 200 } : 200);
    const first = startDispatcher({ timeoutMs: 10_000 });
    await join(group, users[0] ?? "");
    await eventually(() => expect(first.sending).toBeGreaterThan(0));
    await first.stop(100);
    dispatcher = null;
    const [row] = await listDeliveries(h.db.knex, h.orgId, { limit: 10 });
    expect(row).toMatchObject({ status: "pending" });
    startDispatcher();
    const got = await receiver.waitFor(1, 5_000);
    expect(got[0]?.id).toBe(row?.id);
  });

  it("keeps delivering all 200 events to a healthy receiver while one receiver hangs and another answers 500", async () => {
    const hanging = await startReceiver();
    const failing = await startReceiver();
    try {
      hanging.respond = () => "hang";
      failing.respond = () => 500;
      const { group, users } = await financeDirectory(200);
      await subscribeReceiver([], hanging);
      const failingHook = await subscribeReceiver([], failing);
      await subscribeReceiver();
      // As in production: 8 slots, attempts aborted after the timeout, retries from 5 s on.
      startDispatcher({ concurrency: 8, timeoutMs: 3_000, firstRetryMs: 5_000, retryForMs: 86_400_000 });
      expect((await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: users.map((value) => ({ value })) }))).status).toBe(204);

      // Generous for a loaded machine; without isolation the two bad receivers hold every slot and this takes minutes.
      const got = await receiver.waitFor(200, 30_000);
      expect(new Set(got.map((m) => (m.data.member as { id: string }).id))).toEqual(new Set(users));
      // Neither bad receiver ever held more than its share of the slots.
      expect(hanging.mostAtOnce).toBeLessThanOrEqual(2);
      expect(failing.mostAtOnce).toBeLessThanOrEqual(2);
      // The failing one was tried until its circuit opened, then left alone on the retry schedule, not sent all 200.
      expect(failing.requests).toBeGreaterThanOrEqual(5);
      expect(failing.requests).toBeLessThan(20);
      const hook = (await listWebhooks(h.db.knex, h.orgId)).find((w) => w.id === failingHook);
      expect(hook?.failures).toBeGreaterThanOrEqual(5);
      expect(hook?.pausedUntil).not.toBeNull();
      // The healthy receiver answers before its outcome is recorded: wait for the last one to be.
      const pending = await eventually(async () => {
        const rows = await listDeliveries(h.db.knex, h.orgId, { status: "pending", limit: 1000 });
        expect(rows.length).toBe(400);
        return rows;
      });
      expect(pending.every((d) => d.url !== receiver.url)).toBe(true);
    } finally {
      await stopDispatcher();
      await hanging.close();
      await failing.close();
    }
  });

  it("closes a webhook's circuit at the first delivery it accepts, and then sends its waiting queue", async () => {
    const { group, users } = await financeDirectory(8);
    const hook = await subscribeReceiver();
    let healthy = false;
    receiver.respond = () => (healthy ? 200 : 503);
    startDispatcher({ circuitFailures: 3, firstRetryMs: 100 });
    expect((await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: users.map((value) => ({ value })) }))).status).toBe(204);
    const opened = await eventually(async () => {
      const webhook = (await listWebhooks(h.db.knex, h.orgId)).find((w) => w.id === hook);
      expect(webhook?.failures).toBeGreaterThanOrEqual(3);
      return webhook;
    });
    expect(opened?.pausedUntil).not.toBeNull();
    healthy = true;
    await receiver.waitFor(8, 15_000);
    const closed = (await listWebhooks(h.db.knex, h.orgId)).find((w) => w.id === hook);
    expect([closed?.failures, closed?.pausedUntil]).toEqual([0, null]);
  });

  it("lets no claimer try a webhook whose circuit is open before its pause is over, then exactly one claimer probe it", async () => {
    const { group, users } = await financeDirectory(3);
    const hook = await subscribeReceiver();
    for (const id of users) await join(group, id);
    await withAfterCommit(h.db, (tx) => enqueueDeliveries(tx, Date.now()));
    const claim = (owner: string, nowMs: number) => withAfterCommit(h.db, (tx) => claimDeliveries(tx, { nowMs, leaseMs: 10_000, limit: 8, owner, perEndpoint: 2, circuitFailures: 5 }));
    const now = Date.now() + 1_000;
    await h.db.knex("webhooks").where({ id: hook }).update({ failures: 5, paused_until_ms: now + 1_000 });
    expect(await claim("replica-a", now)).toEqual([]);
    const [a, b] = await Promise.all([claim("replica-a", now + 1_000), claim("replica-b", now + 1_000)]);
    expect(a.length + b.length).toBe(1);
    // The probe holds the circuit for its lease: a prober that dies lets it lapse.
    expect((await listWebhooks(h.db.knex, h.orgId))[0]?.pausedUntil).toBe(new Date(now + 11_000).toISOString());
    await h.db.knex("webhooks").where({ id: hook }).update({ failures: 0, paused_until_ms: null });
    expect((await claim("replica-c", now + 1_000)).length).toBe(2);
  });

  it("fails the deliveries an open circuit held back once they are past the retry window, with the webhook's last error", async () => {
    const { group, users } = await financeDirectory(3);
    await subscribeReceiver();
    receiver.respond = () => 500;
    let clock = Date.now();
    startDispatcher({ endpointConcurrency: 1, circuitFailures: 1, firstRetryMs: 5_000, retryForMs: 86_400_000, now: () => clock });
    expect((await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: users.map((value) => ({ value })) }))).status).toBe(204);
    // The first delivery fails and opens the circuit; the other two wait, untried.
    const waiting = await until(() => listDeliveries(h.db.knex, h.orgId, { limit: 10 }), (d) => d.length === 3 && d.some((x) => x.attempts === 1 && x.lastError !== null), "the first attempt recorded", { timeoutMs: 10_000 });
    expect(waiting.map((d) => d.attempts).sort()).toEqual([0, 0, 1]);
    clock += 25 * 3_600_000;
    const rows = await until(() => listDeliveries(h.db.knex, h.orgId, { limit: 10 }), (d) => d.every((x) => x.status === "failed"), "all three failed", { timeoutMs: 10_000 });
    expect(rows.map((d) => [d.attempts, d.lastError]).sort()).toEqual([
      [0, "not sent within the retry window: the webhook's circuit stayed open; its last error: HTTP 500 Internal Server Error"],
      [0, "not sent within the retry window: the webhook's circuit stayed open; its last error: HTTP 500 Internal Server Error"],
      [2, "HTTP 500 Internal Server Error"],
    ]);
    expect(receiver.requests).toBe(2);
  });

  it("retries on the documented schedule, 5 s doubling up to an hour, and fails with the last error 24 h after the event", async () => {
    const { group, users } = await financeDirectory(1);
    await subscribeReceiver();
    receiver.respond = () => 500;
    // The dispatcher reads this clock; the test moves it to each stored retry time instead of waiting.
    let clock = Date.now();
    startDispatcher({ firstRetryMs: 5_000, retryForMs: 86_400_000, now: () => clock });
    await join(group, users[0] ?? "");
    const created = clock;
    const expected: number[] = [];
    for (let at = 0, n = 1; at + Math.min(5_000 * 2 ** (n - 1), 3_600_000) <= 86_400_000; n++) {
      at += Math.min(5_000 * 2 ** (n - 1), 3_600_000);
      expected.push(at);
    }
    expect(expected.slice(0, 5)).toEqual([5_000, 15_000, 35_000, 75_000, 155_000]);
    const seen: number[] = [];
    for (let attempt = 1; attempt <= expected.length; attempt++) {
      const [row] = await until(
        () => listDeliveries(h.db.knex, h.orgId, { limit: 1 }),
        ([d]) => d !== undefined && d.attempts === attempt && d.nextAttemptAt !== null && Date.parse(d.nextAttemptAt) > clock,
        `attempt ${attempt} recorded`,
        { timeoutMs: 10_000 },
      );
      seen.push(Date.parse(row?.nextAttemptAt ?? "") - created);
      clock = Date.parse(row?.nextAttemptAt ?? "");
    }
    expect(seen).toEqual(expected);
    const [last] = await until(() => listDeliveries(h.db.knex, h.orgId, { limit: 1 }), ([d]) => d?.status === "failed", "the delivery failed", { timeoutMs: 10_000 });
    expect(last).toMatchObject({ status: "failed", attempts: expected.length + 1, lastStatus: 500, lastError: "HTTP 500 Internal Server Error" });
  });

  describe("reaching only public addresses", () => {
    it("records a delivery to a name that resolves to loopback as failed, naming the address, and sends nothing", async () => {
      const { group, users } = await financeDirectory(1);
      // Registered while loopback was allowed; delivered now that it is not.
      await subscribeReceiver([], receiver, receiver.url.replace("127.0.0.1", "localhost"));
      startDispatcher({ allowPrivate: [], resolve: async () => [{ address: "127.0.0.1", family: 4 }] });
      await join(group, users[0] ?? "");
      const [row] = await until(() => listDeliveries(h.db.knex, h.orgId, { limit: 1 }), ([d]) => d?.status === "failed", "the delivery failed", { timeoutMs: 10_000 });
      expect(row?.lastError).toMatch(/^refused localhost:\d+: localhost resolves to 127\.0\.0\.1, loopback \(127\.0\.0\.0\/8\); webhooks go only to public addresses unless WEBHOOK_ALLOW_PRIVATE lists it$/);
      expect(row?.attempts).toBe(1);
      expect(receiver.requests).toBe(0);
    });

    it("refuses a name any of whose addresses is the metadata service or private, and an IPv4-mapped private literal", async () => {
      const { group, users } = await financeDirectory(1);
      const names: Record<string, string[]> = { "hooks.example.test": ["203.0.113.10", "169.254.169.254"], "internal.example.test": ["fd00:ec2::254"] };
      const resolve: Resolve = async (host) => (names[host] ?? []).map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
      await subscribeReceiver([], receiver, "https://hooks.example.test/x");
      await subscribeReceiver([], receiver, "https://internal.example.test/x");
      await subscribeReceiver([], receiver, "https://[::ffff:10.1.2.3]/x");
      startDispatcher({ allowPrivate: [], resolve });
      await join(group, users[0] ?? "");
      const rows = await until(() => listDeliveries(h.db.knex, h.orgId, { limit: 10 }), (d) => d.length === 3 && d.every((x) => x.status === "failed"), "three deliveries failed", { timeoutMs: 10_000 });
      expect(rows.map((d) => d.lastError).sort()).toEqual([
        expect.stringMatching(/^refused \[::ffff:a01:203\]: ::ffff:a01:203 is private \(10\.0\.0\.0\/8\)/),
        expect.stringMatching(/^refused hooks\.example\.test: hooks\.example\.test resolves to 169\.254\.169\.254, link-local/),
        expect.stringMatching(/^refused internal\.example\.test: internal\.example\.test resolves to fd00:ec2::254, unique local/),
      ]);
    });

    it("connects to the address it checked, once resolved per attempt, keeping the host name in Host", async () => {
      // The receiver listens on 127.0.0.2, where the system's "localhost" does not lead: only the
      // checked address does, so a second resolution (a rebinding window) would miss it.
      const pinned = await startReceiver({ host: "127.0.0.2" });
      try {
        const { group, users } = await financeDirectory(1);
        const port = new URL(pinned.url).port;
        await subscribeReceiver([], pinned, `http://localhost:${port}/hooks`);
        let lookups = 0;
        startDispatcher({ resolve: async () => (++lookups === 1 ? [{ address: "127.0.0.2", family: 4 }] : [{ address: "10.0.0.1", family: 4 }]) });
        await join(group, users[0] ?? "");
        const [got] = await pinned.waitFor(1, 10_000);
        expect(got?.host).toBe(`localhost:${port}`);
        expect(lookups).toBe(1);
      } finally {
        await stopDispatcher();
        await pinned.close();
      }
    });

    it("does not follow a redirect, even to an address it may reach", async () => {
      const [row] = await failedAnswering(307, { retryForMs: 150, firstRetryMs: 100 });
      expect(row).toMatchObject({ lastStatus: 307, lastError: "HTTP 307 Temporary Redirect" });
    });
  });
});

describe("webhook settings", () => {
  it.each([
    ["https://hooks.example.com/x", null],
    ["http://127.0.0.1:9000/hook", null],
    ["http://[::1]:9000/hook", null],
    ["http://localhost/hook", null],
    ["http://hooks.example.com/x", expect.stringMatching(/https/)],
    ["http://10.0.0.5/hook", expect.stringMatching(/https/)],
    ["ftp://example.com/x", expect.stringMatching(/https/)],
    ["https://user:pw@example.com/x", expect.stringMatching(/credentials/)],
    ["not a url", expect.stringMatching(/not a URL/)],
  ])("accepts only https or loopback http in form: %s", (url, problem) => {
    expect(webhookUrlProblem(url)).toEqual(problem);
  });

  it("retries 5 s after the first failure, doubling, at most an hour apart, without jitter", () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, 5_000))).toEqual([5_000, 10_000, 20_000, 40_000, 80_000]);
    expect([11, 12, 30, 1_000].map((n) => retryDelayMs(n, 5_000))).toEqual([3_600_000, 3_600_000, 3_600_000, 3_600_000]);
    expect(nextAttemptAt(1_000, 3, 5_000)).toBe(21_000);
  });

  it("opens a circuit after the set number of failures in a row, pausing on the same schedule", () => {
    expect(circuitPausedUntil(1_000, 4, 5, 5_000)).toBeNull();
    expect([5, 6, 7, 100].map((n) => circuitPausedUntil(1_000, n, 5, 5_000))).toEqual([6_000, 11_000, 21_000, 3_601_000]);
  });

  const resolveTo = (addresses: string[]): Resolve => async () => addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

  it.each([
    ["https://169.254.169.254/latest/meta-data/", /169\.254\.169\.254 is link-local \(169\.254\.0\.0\/16\), where cloud metadata services answer/],
    ["https://metadata.google.internal/computeMetadata/v1/", /metadata\.google\.internal is the cloud metadata service/],
    ["https://[fd00:ec2::254]/latest/", /fd00:ec2::254 is unique local \(fc00::\/7\)/],
    ["https://10.1.2.3/", /private \(10\.0\.0\.0\/8\)/],
    ["https://172.20.0.1/", /private \(172\.16\.0\.0\/12\)/],
    ["https://192.168.1.1/", /private \(192\.168\.0\.0\/16\)/],
    ["https://100.100.100.200/", /shared address space \(100\.64\.0\.0\/10\)/],
    ["http://127.0.0.1:8080/", /loopback \(127\.0\.0\.0\/8\)/],
    ["http://[::1]:8080/", /loopback \(::1\)/],
    ["https://0.0.0.0/", /'this network'/],
    ["https://[::]/", /unspecified/],
    ["https://[fe80::1]/", /link-local \(fe80::\/10\)/],
    ["https://[::ffff:127.0.0.1]/", /loopback \(127\.0\.0\.0\/8\)/],
    ["https://[::ffff:169.254.169.254]/", /link-local/],
    ["https://[64:ff9b::a9fe:a9fe]/", /link-local/],
    ["https://[64:ff9b:1::a00:1]/", /local-use NAT64/],
    ["https://[2002:a00:1::1]/", /6to4/],
    ["http://localhost:8080/", /localhost resolves to 127\.0\.0\.1, loopback/],
  ])("refuses %s, saying why", async (url, why) => {
    const check = await new WebhookTargets([], resolveTo(["127.0.0.1"])).check(new URL(url));
    expect(check).toEqual({ kind: "refused", reason: expect.stringMatching(why) });
    if (check.kind === "refused") expect(check.reason).toMatch(/WEBHOOK_ALLOW_PRIVATE/);
  });

  it("accepts public addresses and names that resolve only to them, connecting to the first", async () => {
    const targets = new WebhookTargets([], resolveTo(["203.0.113.7", "2001:db8::7"]));
    expect(await targets.check(new URL("https://hooks.example.com/x"))).toEqual({ kind: "allowed", pinned: { address: "203.0.113.7", family: 4 } });
    expect(await targets.check(new URL("https://8.8.8.8/x"))).toEqual({ kind: "allowed", pinned: null });
    expect(await new WebhookTargets([], resolveTo(["203.0.113.7", "10.0.0.9"])).check(new URL("https://hooks.example.com/x"))).toMatchObject({ kind: "refused" });
  });

  it("lets WEBHOOK_ALLOW_PRIVATE's ranges and host names through, and nothing else", async () => {
    const targets = new WebhookTargets(["10.0.0.0/8", "::1", "hooks.corp.internal"], resolveTo(["192.168.7.7"]));
    expect(await targets.check(new URL("https://10.9.9.9/x"))).toMatchObject({ kind: "allowed" });
    expect(await targets.check(new URL("https://[::ffff:10.9.9.9]/x"))).toMatchObject({ kind: "allowed" });
    expect(await targets.check(new URL("http://[::1]:9/x"))).toMatchObject({ kind: "allowed" });
    expect(await targets.check(new URL("https://hooks.corp.internal/x"))).toEqual({ kind: "allowed", pinned: { address: "192.168.7.7", family: 4 } });
    expect(await targets.check(new URL("https://other.corp.internal/x"))).toMatchObject({ kind: "refused" });
    expect(await targets.check(new URL("https://169.254.169.254/x"))).toMatchObject({ kind: "refused" });
  });

  it("reports a name that does not resolve as unresolved, not refused", async () => {
    const targets = new WebhookTargets([], async () => {
      throw new Error("getaddrinfo ENOTFOUND hooks.example.test");
    });
    expect(await targets.check(new URL("https://hooks.example.test/x"))).toEqual({ kind: "unresolved", error: expect.stringMatching(/could not be resolved: getaddrinfo ENOTFOUND/) });
  });
});
