import { randomUUID } from "node:crypto";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { addDecisionCounts, pruneAnalyticsBatch, readDecisionSeries, readMemberSeries, readProvisioningSeries, storeAnalyticsSettings } from "../../db/analytics";
import { createToken } from "../../db/tokens";
import { Analytics, provisioningOutcomes } from "../../server/analytics";
import { silentLogger } from "../../server/logger";
import { type Harness, PATCH_OP, createGroup, createUser, startHarness, userBody } from "../support/harness";

const MAPPING = `version: 1
primaryOwner: po@example.com
org:
  features: { web_search: on }
  connectors: { slack: on }
roles:
  finance: { admin: { billing: manage }, capabilities: [web_search] }
mappings:
  - { id: owners, group: { externalId: g-owners }, orgRole: owner }
  - { id: finance, group: { externalId: g-finance }, roles: [finance] }
`;

const DAY_MS = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);

describe("usage counting", () => {
  let h: Harness;
  afterEach(async () => h?.close());

  async function world(): Promise<{ fin: string; plain: string }> {
    h = await startHarness({ analytics: {} });
    const fin = await createUser(h, "fin@example.com");
    const plain = await createUser(h, "plain@example.com");
    await createGroup(h, "Finance", [fin], { externalId: "g-finance" });
    await h.applyMapping(MAPPING);
    return { fin, plain };
  }

  const counter = (): Analytics => {
    if (h.analytics === null) throw new Error("the harness counts nothing");
    return h.analytics;
  };

  it("counts authorize's single and batch decisions per capability, connector and area, allowed and denied, once flushed", async () => {
    await world();
    const ask = async (body: object) => expect((await h.api("post", "/authorize").send(body)).status).toBe(200);
    await ask({ member: "fin@example.com", capability: "web_search" });
    await ask({ member: "fin@example.com", connector: "slack" });
    await ask({
      checks: [
        { member: "plain@example.com", capability: "web_search" },
        { member: "plain@example.com", connector: "slack" },
        { member: "plain@example.com", area: "billing" },
        { member: "fin@example.com", area: "billing", level: "manage" },
      ],
    });
    expect(await readDecisionSeries(h.db.knex, h.orgId, today(), today(), 100)).toEqual([]);
    await counter().flush();
    expect(await readDecisionSeries(h.db.knex, h.orgId, today(), today(), 100)).toEqual([
      { day: today(), kind: "area", name: "billing", allowed: 1, denied: 1 },
      { day: today(), kind: "capability", name: "web_search", allowed: 2, denied: 0 },
      { day: today(), kind: "connector", name: "slack", allowed: 1, denied: 1 },
    ]);
  });

  it("does not count a question answered with an error (an unknown capability, an unknown member)", async () => {
    await world();
    expect((await h.api("post", "/authorize").send({ member: "fin@example.com", capability: "web_serch" })).status).toBe(400);
    expect((await h.api("post", "/authorize").send({ member: "nobody@example.com", capability: "web_search" })).status).toBe(404);
    await h.api("post", "/authorize").send({ member: "fin@example.com", capability: "web_search" });
    await counter().flush();
    expect(await readDecisionSeries(h.db.knex, h.orgId, today(), today(), 100)).toEqual([{ day: today(), kind: "capability", name: "web_search", allowed: 1, denied: 0 }]);
  });

  it("adds up what two replicas' counters flush into one database, and what one counter flushes twice", async () => {
    await world();
    const a = new Analytics(h.db, silentLogger());
    const b = new Analytics(h.db, silentLogger());
    for (let i = 0; i < 3; i++) a.decided(h.orgId, "capability", "web_search", true);
    b.decided(h.orgId, "capability", "web_search", true);
    b.decided(h.orgId, "capability", "web_search", false);
    await Promise.all([a.flush(), b.flush()]);
    a.decided(h.orgId, "capability", "web_search", false);
    await a.flush();
    await a.flush();
    expect(await readDecisionSeries(h.db.knex, h.orgId, today(), today(), 100)).toEqual([{ day: today(), kind: "capability", name: "web_search", allowed: 4, denied: 2 }]);
  });

  it("counts SCIM writes per IdP connection: creates, updates, deactivations (DELETE, active false by PATCH or PUT) and errors", async () => {
    await world();
    const okta = await createToken(h.db.knex, { orgId: h.orgId, kind: "scim", label: "Okta" });
    const asOkta = (method: "post" | "put" | "patch" | "delete" | "get", path: string) => h.scim(method, path).set("Authorization", `Bearer ${okta.token}`);
    await counter().flush(); // the world's own set-up writes
    const before = await readProvisioningSeries(h.db.knex, h.orgId, today(), today(), 100);

    const created = await asOkta("post", "/Users").send(userBody("new@example.com"));
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect((await asOkta("patch", `/Users/${id}`).send({ schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "New" }] })).status).toBe(200);
    expect((await asOkta("patch", `/Users/${id}`).send({ schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: false } }] })).status).toBe(200);
    expect((await asOkta("put", `/Users/${id}`).send(userBody("new@example.com", { active: false }))).status).toBe(200);
    expect((await asOkta("delete", `/Users/${id}`)).status).toBe(204);
    expect((await asOkta("get", `/Users/${id}`)).status).toBe(404);
    expect((await asOkta("post", "/Users").send({ schemas: [], userName: "" })).status).toBe(400);
    expect((await asOkta("get", "/Users")).status).toBe(200);
    await counter().flush();

    const after = await readProvisioningSeries(h.db.knex, h.orgId, today(), today(), 100);
    expect(after.find((row) => row.idp.id === okta.info.id)).toEqual({ day: today(), idp: { id: okta.info.id, label: "Okta" }, creates: 1, updates: 1, deactivations: 3, errors: 2 });
    // The other connection's counts are its own.
    expect(after.filter((row) => row.idp.id !== okta.info.id)).toEqual(before);
  });

  it("counts requests authenticated by an Entra-issued token under the connection `entra`", async () => {
    const tenantId = randomUUID();
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", use: "sig", alg: "RS256" };
    h = await startHarness({ analytics: {}, entra: { tenantId, jwks: { keys: [jwk] } } });
    const iat = Math.floor(Date.now() / 1000) - 60;
    const token = await new SignJWT({ tid: tenantId, appid: "00000014-0000-0000-c000-000000000000", appidacr: "2", idp: `https://sts.windows.net/${tenantId}/`, oid: randomUUID() })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "k1" })
      .setIssuer(`https://sts.windows.net/${tenantId}/`)
      .setAudience("8adf8e6e-67b2-4cf2-a259-e3dc5476c621")
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + 3600)
      .sign(privateKey);
    const created = await h.scim("post", "/Users").set("Authorization", `Bearer ${token}`).send(userBody("entra-user@example.com"));
    expect(created.status).toBe(201);
    await counter().flush();
    expect((await readProvisioningSeries(h.db.knex, h.orgId, today(), today(), 10)).find((row) => row.idp.id === "entra")).toMatchObject({ idp: { id: "entra", label: null }, creates: 1 });
  });

  it("writes what it holds when closed (at shutdown), and keeps the counts of a failed flush for the next one", async () => {
    h = await startHarness();
    const a = new Analytics(h.db, silentLogger());
    a.decided(h.orgId, "connector", "slack", true);
    await h.db.knex.schema.renameTable("analytics_decisions", "analytics_decisions_away");
    await a.flush();
    await h.db.knex.schema.renameTable("analytics_decisions_away", "analytics_decisions");
    a.decided(h.orgId, "connector", "slack", false);
    await a.close();
    expect(await readDecisionSeries(h.db.knex, h.orgId, today(), today(), 10)).toEqual([{ day: today(), kind: "connector", name: "slack", allowed: 1, denied: 1 }]);
  });

  it("holds at most the configured number of distinct counters between flushes, dropping the rest", async () => {
    h = await startHarness();
    const a = new Analytics(h.db, silentLogger(), { maxHeldKeys: 2 });
    for (const name of ["a", "b", "c"]) a.decided(h.orgId, "capability", name, true);
    a.decided(h.orgId, "capability", "a", true);
    await a.flush();
    expect((await readDecisionSeries(h.db.knex, h.orgId, today(), today(), 10)).map((r) => [r.name, r.allowed])).toEqual([["a", 2], ["b", 1]]);
  });

  it("drops, at the flush, the counts of an organisation that switched collection off, and keeps the other kind", async () => {
    await world();
    await storeAnalyticsSettings(h.db.knex, h.orgId, { collectAuthorize: false, collectProvisioning: true }, "member:po@example.com");
    await h.api("post", "/authorize").send({ member: "fin@example.com", capability: "web_search" });
    await createUser(h, "later@example.com");
    await counter().flush();
    expect(await readDecisionSeries(h.db.knex, h.orgId, today(), today(), 100)).toEqual([]);
    expect((await readProvisioningSeries(h.db.knex, h.orgId, today(), today(), 100)).map((row) => row.creates).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
  });

  it("takes each organisation's member snapshot once a day, by org role and by custom role", async () => {
    let now = Date.parse("2026-03-01T10:00:00Z");
    h = await startHarness({ analytics: { now: () => now } });
    const fin = await createUser(h, "fin@example.com");
    await createUser(h, "plain@example.com");
    await createGroup(h, "Finance", [fin], { externalId: "g-finance" });
    await h.applyMapping(MAPPING);
    await counter().flush();
    const march = (day: string, kind: "org_role" | "custom_role") => readMemberSeries(h.db.knex, h.orgId, kind, day, day, 100);
    expect(await march("2026-03-01", "org_role")).toEqual([{ day: "2026-03-01", key: "custom", members: 1 }, { day: "2026-03-01", key: "user", members: 1 }]);
    expect(await march("2026-03-01", "custom_role")).toEqual([{ day: "2026-03-01", key: "finance", members: 1 }]);

    await createUser(h, "third@example.com");
    await counter().flush();
    expect(await march("2026-03-01", "org_role")).toEqual([{ day: "2026-03-01", key: "custom", members: 1 }, { day: "2026-03-01", key: "user", members: 1 }]);

    now += DAY_MS;
    await counter().flush();
    expect(await march("2026-03-02", "org_role")).toEqual([{ day: "2026-03-02", key: "custom", members: 1 }, { day: "2026-03-02", key: "user", members: 2 }]);
  });

  it("leaves a suspended member out of the members counted, whatever active the IdP sent", async () => {
    const { plain } = await world();
    await h.db.knex("member_suspensions").insert({ user_id: plain, org_id: h.orgId, reason: "Left the company", suspended_by: "cli:ops", suspended_at: new Date().toISOString() });
    await counter().flush();
    expect(await readMemberSeries(h.db.knex, h.orgId, "org_role", today(), today(), 10)).toEqual([{ day: today(), key: "custom", members: 1 }]);
  });

  it("leaves out of the snapshot a member whose stored permissions predate the org-role index, rather than failing it", async () => {
    const { plain } = await world();
    await h.db.knex("member_permissions").where({ user_id: plain }).update({ org_role: null });
    await counter().flush();
    expect(await readMemberSeries(h.db.knex, h.orgId, "org_role", today(), today(), 10)).toEqual([{ day: today(), key: "custom", members: 1 }]);
  });

  it("prunes the counts of one organisation's days before the given one, up to a limit at a time", async () => {
    h = await startHarness();
    const other = await h.addOrg("other");
    const row = (orgId: string, day: string) => ({ orgId, day, kind: "capability" as const, name: "web_search", allowed: 1, denied: 0 });
    await addDecisionCounts(h.db.knex, [row(h.orgId, "2026-01-01"), row(h.orgId, "2026-02-01"), row(other.orgId, "2026-01-01")]);
    await addDecisionCounts(h.db.knex, [{ ...row(h.orgId, "2026-01-01"), name: "file_uploads" }]);
    expect(await pruneAnalyticsBatch(h.db.knex, h.orgId, "2026-02-01", 1)).toBe(1);
    expect(await pruneAnalyticsBatch(h.db.knex, h.orgId, "2026-02-01", 5)).toBe(1);
    expect(await pruneAnalyticsBatch(h.db.knex, h.orgId, "2026-02-01", 5)).toBe(0);
    expect((await readDecisionSeries(h.db.knex, h.orgId, "2026-01-01", "2026-12-31", 10)).map((r) => r.day)).toEqual(["2026-02-01"]);
    expect((await readDecisionSeries(h.db.knex, other.orgId, "2026-01-01", "2026-12-31", 10)).map((r) => r.day)).toEqual(["2026-01-01"]);
    expect(await pruneAnalyticsBatch(h.db.knex, other.orgId, "2026-03-01", 5)).toBe(1);
  });
});

describe("what a SCIM request counts as", () => {
  it("reads Entra's string booleans and Bulk operations when telling a deactivation", () => {
    expect(provisioningOutcomes("PATCH", "/Users/1", 200, { Operations: [{ op: "Replace", path: "active", value: "False" }] })).toEqual(["deactivations"]);
    expect(provisioningOutcomes("PATCH", "/Groups/1", 200, { Operations: [{ op: "replace", path: "active", value: false }] })).toEqual(["updates"]);
    expect(provisioningOutcomes("POST", "/Bulk", 200, { Operations: [{ method: "POST", path: "/Users", data: {} }, { method: "DELETE", path: "/Users/1" }, { method: "PATCH", path: "/Groups/2", data: {} }] })).toEqual(["creates", "deactivations", "updates"]);
    expect(provisioningOutcomes("POST", "/Users/.search", 200, {})).toEqual([]);
    expect(provisioningOutcomes("GET", "/Users", 503, undefined)).toEqual(["errors"]);
  });
});
