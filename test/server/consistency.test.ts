import request from "supertest";
import { organisationRevision } from "../../db/outbox";
import { applyPlatformText } from "../../roles";
import { webhookBody } from "../../server/webhooks";
import { createGroup, createUser, harnessPerTest, patchBody } from "../support/harness";
import { expectDocumented } from "../support/openapi";
import { openStream, untilSubscribed } from "../support/sse";
import { MAPPING } from "../roles/support";

/** /metrics is served on the public port only with a token. */
const METRICS_TOKEN = "metrics-token-for-tests-0123456789";

/**
 * Every organisation has a revision that every write which can change an authorize answer moves,
 * and says so (X-Revision, events); authorize answers at the consistency it is asked for, says the
 * revision it read at, and answers a batch of questions in order, each member looked up once.
 */
describe("revisions and authorize's consistency", () => {
  const h = harnessPerTest({ app: { metricsToken: METRICS_TOKEN } });
  let ada: string;
  let finance: string;
  beforeEach(async () => {
    await h.applyMapping(MAPPING);
    ada = await createUser(h, "ada@example.com");
    finance = await createGroup(h, "Finance", [], { externalId: "00g1finance" });
  });

  const revision = () => organisationRevision(h.db.knex, h.orgId);
  const authorize = async (body: Record<string, unknown>) => {
    const res = await h.api("post", "/authorize").send(body);
    expectDocumented(res);
    return res;
  };
  const memberReads = async (): Promise<{ cache: number; database: number }> => {
    const text = (await request(h.app).get("/metrics").set("Authorization", `Bearer ${METRICS_TOKEN}`)).text;
    const count = (source: string) => Number(new RegExp(`^scim_authorize_member_reads_total\\{source="${source}"\\} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
    return { cache: count("cache"), database: count("database") };
  };

  it("advances with every write that can change an authorize answer, and says where each SCIM write left it", async () => {
    const steps: [string, () => Promise<string | null>][] = [
      ["a member created (with no access yet)", async () => (await h.scim("post", "/Users").send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "bo@example.com", active: true })).headers["x-revision"] ?? null],
      ["a member given a role through a group", async () => (await h.scim("patch", `/Groups/${finance}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] }))).headers["x-revision"] ?? null],
      ["a member renamed", async () => (await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "userName", value: "ada.l@example.com" }))).headers["x-revision"] ?? null],
      ["a member deactivated", async () => (await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "active", value: false }))).headers["x-revision"] ?? null],
      ["a member deleted", async () => (await h.scim("delete", `/Users/${ada}`)).headers["x-revision"] ?? null],
      ["a mapping applied by the CLI or the file watcher", async () => {
        await h.applyMapping(`${MAPPING}  - group: { displayName: "Auditors" }\n    roles: [security-auditor]\n`);
        return null;
      }],
      ["platform overrides stored", async () => {
        const stored = await applyPlatformText(h.db, h.sync, { text: "version: 1\nall: { features: { web_search: off } }\n", sourceName: "platform.yaml", actor: "test" });
        expect(stored.ok).toBe(true);
        return null;
      }],
    ];
    for (const [what, write] of steps) {
      const before = await revision();
      const header = await write();
      const after = await revision();
      expect({ what, advanced: after > before }).toEqual({ what, advanced: true });
      if (header !== null) expect({ what, header }).toEqual({ what, header: String(after) });
    }
  });

  it("does not advance when a write changes nothing authorize says, as Entra's reasserted active does every cycle; the answer still carries the revision", async () => {
    await h.scim("patch", `/Groups/${finance}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] }));
    const before = await revision();
    const reasserted = await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "active", value: "True" }));
    expect(reasserted.status).toBe(200);
    expect(reasserted.headers["x-revision"]).toBe(String(before));
    const readded = await h.scim("patch", `/Groups/${finance}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] }));
    expect(readded.headers["x-revision"]).toBe(String(before));
    expect(await revision()).toBe(before);
  });

  it("answers with the revision it read at and the consistency asked; full is the default", async () => {
    const written = await h.scim("patch", `/Groups/${finance}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] }));
    const at = String(written.headers["x-revision"]);
    const question = { member: "ada@example.com", area: "billing", level: "manage" };
    for (const [consistency, mode] of [[undefined, "full"], ["full", "full"], ["minimize_latency", "minimize_latency"], [{ atLeast: at }, "at_least"], [{ atLeast: Number(at) }, "at_least"]] as const) {
      const res = await authorize(consistency === undefined ? question : { ...question, consistency });
      expect({ consistency, status: res.status, body: res.body as unknown }).toEqual({
        consistency,
        status: 200,
        body: expect.objectContaining({ allowed: true, revision: at, consistency: mode }) as unknown,
      });
    }
  });

  it("refuses a consistency it does not know, and a revision the organisation has not reached, with 400", async () => {
    const question = { member: "ada@example.com", area: "billing" };
    for (const consistency of ["eventual", "FULL", 1, null, { atLeast: "soon" }, { atLeast: -1 }, { atLeast: "1", extra: true }, { at_least: "1" }]) {
      const res = await authorize({ ...question, consistency });
      expect({ consistency, status: res.status, code: (res.body as { error: { code: string } }).error.code }).toEqual({ consistency, status: 400, code: "invalid_request" });
      expect((res.body as { error: { message: string } }).error.message).toMatch(/consistency/);
    }
    const beyond = await authorize({ ...question, consistency: { atLeast: String((await revision()) + 1000) } });
    expect(beyond.status).toBe(400);
    expect((beyond.body as { error: { message: string } }).error.message).toMatch(/has not reached/);
  });

  it("answers a batch in order, each question as alone, a refused one in its place, under one revision", async () => {
    await h.scim("patch", `/Groups/${finance}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] }));
    await createUser(h, "bo@example.com");
    const res = await authorize({
      checks: [
        { member: "ada@example.com", area: "billing", level: "manage" },
        { member: "nobody@example.com", area: "billing" },
        { member: "bo@example.com", area: "billing", level: "manage" },
        { member: "ada@example.com", area: "treasure" },
        { member: ada, capability: "web_search" },
        { member: "bo@example.com", capability: "web_serch" },
        { area: "billing" },
        "ada@example.com",
        { member: "bo@example.com", connector: "slack" },
      ],
    });
    expect(res.status).toBe(200);
    const body = res.body as { results: Record<string, unknown>[]; revision: string; consistency: string };
    expect(body.consistency).toBe("full");
    expect(body.revision).toBe(String(await revision()));
    expect(body.results.map((r) => ("error" in r ? [r.status, (r.error as { code: string }).code] : [r.allowed]))).toEqual([
      [true], [404, "member_not_found"], [false], [400, "unknown_area"], [true], [400, "unknown_capability"], [400, "invalid_request"], [400, "invalid_request"], [false],
    ]);
    expect(body.results[0]).toMatchObject({ member: { id: ada, userName: "ada@example.com" }, area: "billing", level: "manage", granted: "manage", revision: body.revision, consistency: "full" });
    expect(body.results[1]).toEqual({ status: 404, error: { code: "member_not_found", message: "No member with id or userName nobody@example.com" } });
    expect((body.results[5]?.error as { message: string }).message).toMatch(/did you mean "web_search"/);
  });

  it("looks each member of a batch up once, however often it is named", async () => {
    const bo = await createUser(h, "bo@example.com");
    const before = await memberReads();
    const names = ["ada@example.com", "bo@example.com", "ada@example.com", "ada@example.com", "bo@example.com", "ada@example.com"];
    const res = await authorize({ checks: names.map((member) => ({ member, area: "billing" })), consistency: "minimize_latency" });
    expect(res.status).toBe(200);
    expect((res.body as { results: { member: { id: string } }[] }).results.map((r) => r.member.id)).toEqual([ada, bo, ada, ada, bo, ada]);
    const after = await memberReads();
    expect(after.cache + after.database - (before.cache + before.database)).toBe(2);
    // Asked again: both from memory, one read each.
    await authorize({ checks: names.map((member) => ({ member, area: "billing" })), consistency: "minimize_latency" });
    const again = await memberReads();
    expect({ cache: again.cache - after.cache, database: again.database - after.database }).toEqual({ cache: 2, database: 0 });
  });

  it("asks at most 100 questions in one batch", async () => {
    const question = { member: "ada@example.com", area: "billing" };
    const full = await authorize({ checks: Array.from({ length: 100 }, () => question) });
    expect(full.status).toBe(200);
    expect((full.body as { results: unknown[] }).results).toHaveLength(100);
    const over = await authorize({ checks: Array.from({ length: 101 }, () => question) });
    expect(over.status).toBe(400);
    expect((over.body as { error: { message: string } }).error.message).toMatch(/at most 100/);
    for (const checks of [{}, "ada@example.com", null]) expect((await authorize({ checks })).status).toBe(400);
    expect((await authorize({ checks: [question], member: "ada@example.com", area: "billing" })).status).toBe(400);
  });

  it("gives every event the revision it made, on the stream and in webhook payloads", async () => {
    const stream = await openStream(await h.serve(), h.apiToken);
    await untilSubscribed(() => h.events.subscriberCount(h.orgId));
    const written = await h.scim("patch", `/Groups/${finance}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] }));
    const event = await stream.next();
    stream.close();
    expect(event.id).toBe(written.headers["x-revision"]);
    expect(event.data).toMatchObject({ member: { id: ada }, revision: event.id });
    const body = JSON.parse(webhookBody({ type: "permissions.changed", payload: { member: { id: ada } }, createdMs: 0 }, 42)) as { data: unknown };
    expect(body.data).toEqual({ eventId: 42, member: { id: ada }, revision: "42" });
  });
});
