import { claimDeliveries, enqueueDeliveries, insertWebhook, listDeliveries } from "../../db/webhooks";
import { withAfterCommit } from "../../db/transaction";
import { silentLogger } from "../../server/logger";
import { WebhookDispatcher, newWebhookSecret, nextAttemptAt, webhookUrlProblem } from "../../server/webhooks";
import { type Harness, createGroup, createUser, patchBody, startHarness } from "../support/harness";
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

  const options = { timeoutMs: 2_000, concurrency: 4, retryForMs: 60_000, firstRetryMs: 100, pollMs: 50 };

  async function subscribeReceiver(events: string[] = []): Promise<string> {
    const secret = newWebhookSecret();
    receiver.setSecret(secret);
    return (await insertWebhook(h.db.knex, { orgId: h.orgId, url: receiver.url, secret, events })).id;
  }

  function startDispatcher(overrides: Partial<typeof options> = {}): WebhookDispatcher {
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
    const deadline = Date.now() + 5_000;
    for (;;) {
      const rows = await listDeliveries(h.db.knex, h.orgId, { limit: 100 });
      if (rows.filter((d) => d.status !== "pending").length >= count || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function join(group: string, id: string): Promise<void> {
    expect((await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: id }] }))).status).toBe(204);
  }

  beforeEach(async () => {
    h = await startHarness();
    await h.applyMapping(MAPPING);
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await dispatcher?.stop(0);
    dispatcher = null;
    await receiver.close();
    await h.close();
  });

  it("delivers each permission change once, signed, with the outbox id, from the moment the webhook was added", async () => {
    const { group, users } = await financeDirectory(2);
    await subscribeReceiver();
    startDispatcher();
    for (const id of users) await join(group, id);
    const got = await receiver.waitFor(2);
    expect(got.map((m) => ({ type: m.type, member: (m.data.member as { id: string }).id }))).toEqual(users.map((id) => ({ type: "permissions.changed", member: id })));
    expect(got.every((m) => /^msg_/.test(m.id) && typeof m.data.eventId === "number")).toBe(true);
    expect(got[0]?.data).toMatchObject({ after: { roles: ["finance"] }, cause: { kind: "scim", method: "PATCH" } });
    // Nothing from before the webhook existed (the users' creation), nothing twice.
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.length).toBe(2);
    expect((await settled(2)).map((d) => d.status)).toEqual(["delivered", "delivered"]);
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
    const { group, users } = await financeDirectory(1);
    await subscribeReceiver();
    receiver.respond = () => 500;
    startDispatcher({ retryForMs: 400, firstRetryMs: 100 });
    await join(group, users[0] ?? "");
    const deadline = Date.now() + 10_000;
    let failed: Awaited<ReturnType<typeof listDeliveries>> = [];
    while (failed.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      failed = await listDeliveries(h.db.knex, h.orgId, { status: "failed", limit: 10 });
    }
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
    await subscribeReceiver(["some.other.type"]);
    startDispatcher();
    await join(group, users[0] ?? "");
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received).toEqual([]);
    expect(await listDeliveries(h.db.knex, h.orgId, { limit: 10 })).toEqual([]);
  });

  it("takes over a delivery whose claimer died mid-send once its lease runs out", async () => {
    const { group, users } = await financeDirectory(1);
    await subscribeReceiver();
    // Claim the delivery as a replica that then vanishes without a word.
    await join(group, users[0] ?? "");
    await withAfterCommit(h.db, (tx) => enqueueDeliveries(tx, Date.now()));
    const taken = await withAfterCommit(h.db, (tx) => claimDeliveries(tx, { nowMs: Date.now(), leaseMs: 600, limit: 10, owner: "replica-dead" }));
    expect(taken.length).toBe(1);
    startDispatcher();
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toEqual([]);
    const got = await receiver.waitFor(1, 5_000);
    expect(got[0]?.id).toBe(taken[0]?.id);
  });

  it("hands back leases it could not finish when it stops, so the delivery is sent again at once", async () => {
    const { group, users } = await financeDirectory(1);
    await subscribeReceiver();
    receiver.respond = (_m, attempt) => (attempt === 1 ? { delayMs: 5_000, status: 200 } : 200);
    const first = startDispatcher({ timeoutMs: 10_000 });
    await join(group, users[0] ?? "");
    const deadline = Date.now() + 5_000;
    while (first.sending === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await first.stop(100);
    dispatcher = null;
    const [row] = await listDeliveries(h.db.knex, h.orgId, { limit: 10 });
    expect(row).toMatchObject({ status: "pending" });
    startDispatcher();
    const got = await receiver.waitFor(1, 5_000);
    expect(got[0]?.id).toBe(row?.id);
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
  ])("accepts only https or loopback http: %s", (url, problem) => {
    expect(webhookUrlProblem(url)).toEqual(problem);
  });

  it("backs off exponentially from the first retry delay, up to an hour", () => {
    const noJitter = () => 0.5;
    expect([1, 2, 3, 4].map((n) => nextAttemptAt(0, n, 5_000, noJitter))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(nextAttemptAt(0, 30, 5_000, noJitter)).toBe(3_600_000);
  });
});
