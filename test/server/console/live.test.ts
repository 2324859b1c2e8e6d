import { outboxPosition } from "../../../db/outbox";
import { setMemberSignIn } from "../../../server/oidc/org-sign-in";
import { patchBody } from "../../support/harness";
import { type Stream, openStream } from "../../support/sse";
import { MEMBERS, expectError } from "../admin/support";
import { consoleWorldPerTest, signedInBrowser } from "./support";

/** GET /api/v1/admin/events: the organisation's permission changes for the console's open pages, as GET /api/v1/events streams them. */
describe("the console's live updates", () => {
  const world = consoleWorldPerTest();
  const streams: Stream[] = [];
  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });

  const open = async (auth: { cookie: string } | { token: string }, lastEventId?: string): Promise<Stream> => {
    const base = await world.h.serve();
    const stream = "token" in auth
      ? await openStream(base, auth.token, { path: "/api/v1/admin/events", ...(lastEventId === undefined ? {} : { lastEventId }) })
      : await openStream(base, null, { path: "/api/v1/admin/events", headers: { Cookie: auth.cookie }, ...(lastEventId === undefined ? {} : { lastEventId }) });
    streams.push(stream);
    return stream;
  };
  const joinFinance = async (userId: string) => {
    await world.h.scim("patch", `/Groups/${world.groups.finance}`).send(patchBody({ op: "add", path: "members", value: [{ value: userId }] })).expect(204);
  };

  it("delivers a change an IdP makes over SCIM to a signed-in role reader's stream", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.roleReader);
    const stream = await open({ cookie: browser.cookieHeader() });
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    await joinFinance(world.ids.plain);
    const event = await stream.next(5000);
    expect(event).toMatchObject({ event: "permissions.changed", data: { member: { id: world.ids.plain, userName: MEMBERS.plain }, after: { roles: ["finance"] } } });
  });

  it("accepts a member's bearer token too, and resumes after Last-Event-ID exactly", async () => {
    const token = await world.op.signIn(MEMBERS.owner);
    const start = (await outboxPosition(world.h.db.knex, world.h.orgId)).lastId;
    await joinFinance(world.ids.plain);
    await joinFinance(world.ids.peopleManager);
    const resumed = await open({ token }, String(start + 1));
    const event = await resumed.next(5000);
    expect([event.id, (event.data as { member: { id: string } }).member.id]).toEqual([String(start + 2), world.ids.peopleManager]);
  });

  it("ends a session's stream once its member is deactivated, and the reconnection is refused", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.roleReader);
    const stream = await open({ cookie: browser.cookieHeader() });
    expect(stream.status).toBe(200);
    await world.h.scim("patch", `/Users/${world.ids.roleReader}`).send(patchBody({ op: "replace", path: "active", value: false })).expect(200);
    await stream.drainToEnd(10_000);
    expect((await open({ cookie: browser.cookieHeader() })).status).toBe(401);
  });

  it("ends a bearer token's stream once the organisation's sign-in is removed", async () => {
    const stream = await open({ token: await world.op.signIn(MEMBERS.owner) });
    expect(stream.status).toBe(200);
    await setMemberSignIn(world.h.db, world.h.orgId, null);
    await stream.drainToEnd(10_000);
  });

  it("ends a session's stream with the session's idle timeout", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.roleReader);
    const stream = await open({ cookie: browser.cookieHeader() });
    // Within the idle timeout the stream goes on: a change made now still reaches it.
    world.clock.advance(20);
    await joinFinance(world.ids.plain);
    expect(await stream.next(5000)).toMatchObject({ event: "permissions.changed" });
    world.clock.advance(20);
    await stream.drainToEnd(10_000);
  });

  it("ends a stream once its member may no longer read roles", async () => {
    const stream = await open({ token: await world.op.signIn(MEMBERS.roleReader) });
    expect(stream.status).toBe(200);
    await world.h.scim("patch", `/Groups/${world.groups.iamView}`).send(patchBody({ op: "remove", path: `members[value eq "${world.ids.roleReader}"]` })).expect(204);
    await stream.drainToEnd(10_000);
  });

  it("ends the stream of a member suspended while it is open, whatever the IdP says of them", async () => {
    const stream = await open({ token: await world.op.signIn(MEMBERS.roleReader) });
    expect(stream.status).toBe(200);
    expect((await world.as("owner").post(`/members/${world.ids.roleReader}/suspend`, { reason: "Investigation" })).status).toBe(200);
    await stream.drainToEnd(10_000);
  });

  it("is refused to members who may not read roles, and to anyone not signed in", async () => {
    for (const member of ["plain", "peopleManager", "finance"] as const) {
      expectError(await world.as(member).get("/events"), 403, "identity_access_view_required");
    }
    const anonymous = await open({ cookie: "console_session=nothing.here" });
    expect(anonymous.status).toBe(401);
  });
});
