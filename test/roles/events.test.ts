import type http from "node:http";
import type { AddressInfo } from "node:net";
import { type Harness, createGroup, createUser, patchBody, startHarness } from "../support/harness";
import { type Stream, openStream, untilSubscribed } from "../support/sse";
import { FINANCE_ADMIN, MAPPING, NONE, type PermissionsBody, permissionsOf } from "./support";

/**
 * `GET /api/v1/events`: a Server-Sent Events stream of `permissions.changed`
 * events, published only after the transaction that changed the permissions committed.
 */
describe("the permissions.changed event stream", () => {
  let h: Harness;
  let server: http.Server;
  let port: number;
  let stream: Stream | null = null;

  beforeEach(async () => {
    h = await startHarness();
    await h.applyMapping(MAPPING);
    server = await new Promise<http.Server>((resolve) => {
      const s = h.app.listen(0, "127.0.0.1", () => resolve(s));
    });
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    stream?.close();
    stream = null;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await h.close();
  });

  /** Subscribes, and waits until the server registered the subscriber (the `: connected` comment precedes it). */
  async function subscribe(token = h.apiToken, orgId = h.orgId): Promise<Stream> {
    stream = await openStream(`http://127.0.0.1:${port}`, token);
    await untilSubscribed(() => h.events.subscriberCount(orgId));
    return stream;
  }

  it("delivers permissions.changed with member, before, after and cause once a SCIM membership PATCH committed", async () => {
    const ada = await createUser(h, "ada@example.com");
    const group = await createGroup(h, "Finance", [], { externalId: "00g1finance" });
    const events = await subscribe();
    expect(events.status).toBe(200);
    expect(events.contentType).toMatch(/^text\/event-stream/);

    const res = await h.scim("patch", `/Groups/${group}`)
      .set("X-Request-Id", "req-sse-1")
      .send(patchBody({ op: "add", path: "members", value: [{ value: ada, display: "ada@example.com" }] }));
    expect(res.status).toBe(204);

    const event = await events.next();
    expect(event.event).toBe("permissions.changed");
    expect(event.id).not.toBeNull();
    expect(event.data).toEqual({
      member: { id: ada, userName: "ada@example.com" },
      before: expect.objectContaining({ orgRole: "user", admin: NONE, roles: [] }) as unknown,
      after: expect.objectContaining({ orgRole: "custom", admin: FINANCE_ADMIN, roles: ["finance"] }) as unknown,
      cause: { kind: "scim", method: "PATCH", path: `/scim/v2/Groups/${group}`, requestId: "req-sse-1" },
      at: expect.any(String) as unknown,
      // The revision the change made: authorize asked for at least it sees the change.
      revision: event.id,
    });
    // Delivered after commit: what the event announces is what the API already answers.
    const after = (event.data as { after: Omit<PermissionsBody, "member"> }).after;
    expect(await permissionsOf(h, ada)).toMatchObject(after);
  });

  it("publishes nothing for a rolled-back write, even when part of it had recomputed someone", async () => {
    const ada = await createUser(h, "ada@example.com");
    const bob = await createUser(h, "bob@example.com");
    const group = await createGroup(h, "Finance", [], { externalId: "00g1finance" });
    const events = await subscribe();

    // The first op adds ada (and recomputes her inside the transaction); the second names an unknown member.
    const bad = await h.scim("patch", `/Groups/${group}`).send(
      patchBody(
        { op: "add", path: "members", value: [{ value: ada }] },
        { op: "add", path: "members", value: [{ value: "00000000-0000-0000-0000-000000000000" }] },
      ),
    );
    expect(bad.status).toBe(400);
    expect((await permissionsOf(h, ada)).roles).toEqual([]);

    // The next committed write's event is the first one on the stream: nothing came before it.
    await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: bob }] }));
    const first = await events.next();
    expect(first.data).toMatchObject({ member: { id: bob } });
    await expect(events.next(300)).rejects.toThrow(/no event/);
  });

  it("delivers only the subscriber's own organisation's events", async () => {
    const other = await h.addOrg("globex");
    const events = await subscribe(other.apiToken, other.orgId);
    expect(events.status).toBe(200);

    const ada = await createUser(h, "ada@example.com");
    await createGroup(h, "Finance", [ada], { externalId: "00g1finance" });
    expect((await permissionsOf(h, ada)).roles).toEqual(["finance"]);
    await expect(events.next(300)).rejects.toThrow(/no event/);
  });
});
