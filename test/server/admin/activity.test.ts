import { insertWebhook, listDeliveries } from "../../../db/webhooks";
import { silentLogger } from "../../../server/logger";
import { WebhookDispatcher, newWebhookSecret } from "../../../server/webhooks";
import { eventually } from "../../support/eventually";
import { type Receiver, startReceiver } from "../../support/receiver";
import { type Stream, openStream } from "../../support/sse";
import { MEMBERS, adminWorldPerTest, expectError } from "./support";

/**
 * Admin activity: every admin write is in the admin log and, written in the same transaction, an
 * `admin.action` event on the event streams and to webhooks, for a SIEM.
 */
describe("admin activity", () => {
  const w = adminWorldPerTest();
  const streams: Stream[] = [];
  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });

  it("sends a token's creation and revocation as admin.action events on the console's stream and the product's, with the admin log's sequence numbers", async () => {
    const base = await w.h.serve();
    const admin = await openStream(base, await w.op.signIn(MEMBERS.owner), { path: "/api/v1/admin/events" });
    const product = await openStream(base, w.h.apiToken);
    streams.push(admin, product);
    expect([admin.status, product.status]).toEqual([200, 200]);

    const created = await w.as("owner").post("/scim-tokens", { label: "Okta" });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect((await w.as("owner").delete(`/scim-tokens/${id}`)).status).toBe(204);

    const log = (await w.as("owner").get("/actions")).body as { entries: Array<{ seq: number; action: string }> };
    const [revoked, made] = log.entries;
    for (const stream of [admin, product]) {
      const first = await stream.next(5_000);
      const second = await stream.next(5_000);
      expect(first).toMatchObject({ event: "admin.action", data: { seq: made?.seq, actor: `member:${MEMBERS.owner}`, action: "scim_token.create", target: id, detail: { label: "Okta" } } });
      expect(second).toMatchObject({ event: "admin.action", data: { seq: revoked?.seq, action: "scim_token.revoke", target: id } });
      // The plain token never leaves the answer that created it.
      expect(JSON.stringify(first.data)).not.toContain((created.body as { token: string }).token);
    }
  });

  it("sends nothing for a refused write", async () => {
    const base = await w.h.serve();
    const stream = await openStream(base, w.h.apiToken);
    streams.push(stream);
    expectError(await w.as("roleReader").post("/groups", { displayName: "Vault" }), 403, "identity_access_manage_required");
    expect((await w.as("owner").post("/groups", { displayName: "Contractors" })).status).toBe(201);
    // The first event is the owner's: the refused write before it left nothing to send.
    const event = await stream.next(5_000);
    expect(event).toMatchObject({ event: "admin.action", data: { action: "group.create", actor: `member:${MEMBERS.owner}`, detail: { displayName: "Contractors" } } });
    expect(stream.queued()).toEqual([]);
  });

  describe("to webhooks", () => {
    let receiver: Receiver;
    let dispatcher: WebhookDispatcher | null = null;
    beforeEach(async () => {
      receiver = await startReceiver();
    });
    afterEach(async () => {
      await dispatcher?.stop(0);
      dispatcher = null;
      await receiver.close();
    });

    const subscribe = async (events: string[]) => {
      const secret = newWebhookSecret();
      receiver.setSecret(secret);
      await insertWebhook(w.h.db.knex, { orgId: w.h.orgId, url: receiver.url, secret, events });
      dispatcher = new WebhookDispatcher(w.h.db, w.h.signal, silentLogger(), { timeoutMs: 2_000, concurrency: 2, retryForMs: 60_000, firstRetryMs: 100, pollMs: 50, allowPrivate: ["127.0.0.0/8"] });
      dispatcher.start();
    };

    it("delivers a manual group's creation, signed, to a webhook subscribed to admin.action only", async () => {
      await subscribe(["admin.action"]);
      const group = await w.as("roleEditor").post("/groups", { displayName: "Contractors" });
      expect(group.status).toBe(201);
      // A membership change is an admin action and a permission change: only the former is sent.
      expect((await w.as("roleEditor").put(`/groups/${(group.body as { id: string }).id}/members/${w.ids.plain}`, {})).status).toBe(200);
      const got = await receiver.waitFor(2);
      expect(got.map((m) => [m.type, m.data.action])).toEqual([["admin.action", "group.create"], ["admin.action", "group.member.add"]]);
      expect(got[0]).toMatchObject({ verified: true, data: { actor: `member:${MEMBERS.roleEditor}`, target: (group.body as { id: string }).id, eventId: expect.any(Number) } });
      const deliveries = await eventually(async () => {
        const rows = await listDeliveries(w.h.db.knex, w.h.orgId, { limit: 10 });
        expect(rows.map((d) => d.status)).toEqual(rows.map(() => "delivered"));
        return rows;
      });
      expect(deliveries).toHaveLength(2);
    });
  });
});
