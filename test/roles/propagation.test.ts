import request from "supertest";
import { outboxPosition } from "../../db/outbox";
import * as transactions from "../../db/transaction";
import { eventually } from "../support/eventually";
import { type Harness, CORE_GROUP, ON_POSTGRES, createGroup, createUser, patchBody, startHarness } from "../support/harness";
import {
  AREAS,
  FINANCE_ADMIN,
  MANAGE_ALL,
  MAPPING,
  NONE,
  allowed,
  auditCount,
  auditOf,
  permissionsOf,
} from "./support";

/**
 * Every SCIM write that can change someone's access commits
 * their new permissions in the same transaction, so the very next API call sees them.
 */
/**
 * Whether a write transaction waits for the one a SCIM write holds open: on PostgreSQL, for the
 * organisation's permission lock (an advisory lock, db/locks.ts); on SQLite, whose one writer takes
 * write transactions in turn (db/transaction.ts), once one has been asked for since `begun` spied.
 */
async function waitsForTheWrite(h: Harness, begun: jest.SpiedFunction<typeof transactions.withAfterCommit>): Promise<boolean> {
  if (!ON_POSTGRES) return begun.mock.calls.length > 0;
  const { rows } = await h.db.knex.raw<{ rows: { n: number }[] }>("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted");
  return (rows[0]?.n ?? 0) > 0;
}

describe("role mapping propagation through SCIM", () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
    await h.applyMapping(MAPPING);
  });
  afterEach(async () => {
    await h.close();
  });

  const financeGroup = (members: string[] = []) => createGroup(h, "Finance", members, { externalId: "00g1finance" });

  describe("membership", () => {
    it("grants a role on an Okta add PATCH and takes it away on Okta's members[value eq] remove, each visible in the very next call", async () => {
      const ada = await createUser(h, "ada@example.com");
      const group = await financeGroup();

      const add = await h.scim("patch", `/Groups/${group}`).send(
        patchBody({ op: "add", path: "members", value: [{ value: ada, display: "ada@example.com" }] }),
      );
      expect(add.status).toBe(204);
      expect(await permissionsOf(h, ada)).toMatchObject({ orgRole: "custom", admin: FINANCE_ADMIN, roles: ["finance"] });
      expect(await allowed(h, { member: ada, area: "billing", level: "manage" })).toBe(true);

      const remove = await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "remove", path: `members[value eq "${ada}"]` }));
      expect(remove.status).toBe(204);
      expect(await allowed(h, { member: ada, area: "billing", level: "view" })).toBe(false);
      expect(await permissionsOf(h, ada)).toMatchObject({ orgRole: "user", admin: NONE, roles: [] });
    });

    it("grants on an Entra Add with $ref null and removes only the listed member on Entra's Remove value array", async () => {
      const ada = await createUser(h, "ada@example.com");
      const bob = await createUser(h, "bob@example.com");
      const group = await createGroup(h, "Security Team");

      const add = await h.scim("patch", `/Groups/${group}`).send(
        patchBody({ op: "Add", path: "members", value: [{ $ref: null, value: ada }, { $ref: null, value: bob }] }),
      );
      expect(add.status).toBe(204);
      expect(await allowed(h, { member: ada, area: "identity_access", level: "view" })).toBe(true);
      expect(await allowed(h, { member: bob, area: "identity_access", level: "view" })).toBe(true);

      const remove = await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "Remove", path: "members", value: [{ $ref: null, value: ada }] }));
      expect(remove.status).toBe(204);
      expect(await allowed(h, { member: ada, area: "identity_access", level: "view" })).toBe(false);
      expect(await permissionsOf(h, bob)).toMatchObject({ orgRole: "custom", roles: ["security-auditor"], admin: { ...NONE, identity_access: "view" } });
    });

    it("applies an Okta AIW PUT of the group with the full member list: those left out lose, those added gain", async () => {
      const ada = await createUser(h, "ada@example.com");
      const bob = await createUser(h, "bob@example.com");
      const cy = await createUser(h, "cy@example.com");
      const group = await financeGroup([ada, bob]);
      expect((await permissionsOf(h, ada)).roles).toEqual(["finance"]);

      const put = await h.scim("put", `/Groups/${group}`).send({
        schemas: [CORE_GROUP],
        displayName: "Finance",
        externalId: "00g1finance",
        members: [{ value: bob, display: "bob@example.com" }, { value: cy, display: "cy@example.com" }],
      });
      expect(put.status).toBe(200);
      expect(await permissionsOf(h, ada)).toMatchObject({ orgRole: "user", roles: [] });
      expect(await permissionsOf(h, bob)).toMatchObject({ orgRole: "custom", roles: ["finance"] });
      expect(await permissionsOf(h, cy)).toMatchObject({ orgRole: "custom", roles: ["finance"] });
    });

    it("records nothing when a member is re-added, as Entra does every cycle", async () => {
      const ada = await createUser(h, "ada@example.com");
      const group = await financeGroup([ada]);
      const before = await auditCount(h);
      const eventsBefore = (await outboxPosition(h.db.knex, h.orgId)).lastId;

      for (const body of [
        patchBody({ op: "Add", path: "members", value: [{ $ref: null, value: ada }] }),
        patchBody({ op: "add", path: "members", value: [{ value: ada, display: "ada@example.com" }] }),
      ]) {
        const res = await h.scim("patch", `/Groups/${group}`).send(body);
        expect(res.status).toBe(204);
      }
      const reassert = await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "Replace", path: "active", value: "True" }));
      expect(reassert.status).toBe(200);

      expect(await auditCount(h)).toBe(before);
      expect((await outboxPosition(h.db.knex, h.orgId)).lastId).toBe(eventsBefore);
      expect((await permissionsOf(h, ada)).roles).toEqual(["finance"]);
    });
  });

  describe("user lifecycle", () => {
    it("drops all access on Entra's string \"False\" deactivation and restores it on \"True\"", async () => {
      const ada = await createUser(h, "ada@example.com");
      await financeGroup([ada]);

      const off = await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "Replace", path: "active", value: "False" }));
      expect(off.status).toBe(200);
      expect(await permissionsOf(h, ada)).toEqual({
        member: { id: ada, userName: "ada@example.com", active: false },
        orgRole: "user",
        admin: NONE,
        capabilities: [],
        connectors: [],
        roles: [],
      });
      expect(await allowed(h, { member: ada, capability: "web_search" })).toBe(false);

      const on = await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "Replace", path: "active", value: "True" }));
      expect(on.status).toBe(200);
      expect(await permissionsOf(h, ada)).toMatchObject({ member: { active: true }, orgRole: "custom", admin: FINANCE_ADMIN, roles: ["finance"] });
    });

    it("drops all access on Okta's path-less {active:false} replace and restores it on {active:true}", async () => {
      const ada = await createUser(h, "ada@example.com");
      await createGroup(h, "IT Admins", [ada]);
      expect((await permissionsOf(h, ada)).orgRole).toBe("admin");

      const off = await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", value: { active: false } }));
      expect(off.status).toBe(200);
      expect(await permissionsOf(h, ada)).toMatchObject({ member: { active: false }, orgRole: "user", admin: NONE, capabilities: [], connectors: [] });
      expect(await allowed(h, { member: ada, area: "user_management", level: "view" })).toBe(false);

      const on = await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", value: { active: true } }));
      expect(on.status).toBe(200);
      expect(await allowed(h, { member: ada, area: "user_management", level: "manage" })).toBe(true);
    });

    it("removes a deleted user's access: the API answers 404 and the audit shows the loss", async () => {
      const ada = await createUser(h, "ada@example.com");
      await financeGroup([ada]);

      const del = await h.scim("delete", `/Users/${ada}`).set("X-Request-Id", "req-delete-ada");
      expect(del.status).toBe(204);

      expect((await h.api("get", `/members/${ada}/permissions`)).status).toBe(404);
      expect((await h.api("post", "/authorize").send({ member: "ada@example.com", area: "billing", level: "view" })).status).toBe(404);
      const [loss] = await auditOf(h, ada);
      expect(loss).toMatchObject({
        member: { id: ada, userName: "ada@example.com" },
        before: { orgRole: "custom", roles: ["finance"] },
        after: { orgRole: "user", admin: NONE, roles: [], capabilities: [], connectors: [] },
        cause: { kind: "scim", method: "DELETE", path: `/scim/v2/Users/${ada}`, requestId: "req-delete-ada" },
      });
    });
  });

  describe("groups", () => {
    it("drops what a deleted group granted, and only that", async () => {
      const ada = await createUser(h, "ada@example.com");
      const finance = await financeGroup([ada]);
      await createGroup(h, "Security Team", [ada]);
      expect((await permissionsOf(h, ada)).roles).toEqual(["finance", "security-auditor"]);

      expect((await h.scim("delete", `/Groups/${finance}`)).status).toBe(204);
      expect(await permissionsOf(h, ada)).toMatchObject({ orgRole: "custom", roles: ["security-auditor"], admin: { ...NONE, identity_access: "view" }, capabilities: [], connectors: [] });
      const [latest] = await auditOf(h, ada);
      expect(latest?.cause).toMatchObject({ kind: "scim", method: "DELETE", path: `/scim/v2/Groups/${finance}` });
    });

    it("changes nothing and audits nothing when a group matched by externalId is renamed", async () => {
      const ada = await createUser(h, "ada@example.com");
      const group = await financeGroup([ada]);
      const before = await permissionsOf(h, ada);
      const entries = await auditOf(h, ada);

      // Okta repeats the rename op, read-only id included, on every membership change.
      const res = await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "replace", value: { id: group, displayName: "Finance EMEA" } }));
      expect(res.status).toBe(204);
      expect((await h.scim("get", `/Groups/${group}`)).body).toMatchObject({ displayName: "Finance EMEA" });

      expect(await permissionsOf(h, ada)).toEqual(before);
      expect(await auditOf(h, ada)).toEqual(entries);
    });

    it("changes access when a group matched by displayName is renamed, audited with the SCIM request as cause", async () => {
      const ada = await createUser(h, "ada@example.com");
      const group = await createGroup(h, "Security Team", [ada]);
      expect((await permissionsOf(h, ada)).roles).toEqual(["security-auditor"]);

      const res = await h.scim("patch", `/Groups/${group}`)
        .set("X-Request-Id", "req-rename-1")
        .send(patchBody({ op: "Replace", path: "displayName", value: "Security Guild" }));
      expect(res.status).toBe(204);

      expect(await permissionsOf(h, ada)).toMatchObject({ orgRole: "user", roles: [], admin: NONE });
      const [latest] = await auditOf(h, ada);
      expect(latest).toMatchObject({
        before: { roles: ["security-auditor"] },
        after: { roles: [] },
        cause: { kind: "scim", method: "PATCH", path: `/scim/v2/Groups/${group}`, requestId: "req-rename-1" },
      });

      // Renaming back restores it: the rule matches again.
      await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "Replace", path: "displayName", value: "security team" }));
      expect((await permissionsOf(h, ada)).roles).toEqual(["security-auditor"]);
    });
  });

  describe("mapping changes", () => {
    it("recomputes every member on a mapping change, each audited with the mapping version as cause", async () => {
      const ada = await createUser(h, "ada@example.com");
      const bob = await createUser(h, "bob@example.com");
      const cy = await createUser(h, "cy@example.com");
      await financeGroup([ada, bob]);
      await createGroup(h, "IT Admins", [cy]);
      const { body: mapping } = await h.api("get", "/mapping");
      const version = (mapping as { mapping: { version: number } }).mapping.version;

      await h.applyMapping(MAPPING.replace("billing: manage, analytics: view", "billing: view").replace("orgRole: admin", "orgRole: owner"));

      expect((await permissionsOf(h, ada)).admin).toEqual({ ...NONE, billing: "view" });
      expect((await permissionsOf(h, bob)).admin).toEqual({ ...NONE, billing: "view" });
      expect(await permissionsOf(h, cy)).toMatchObject({ orgRole: "owner", admin: MANAGE_ALL });
      const causes = await Promise.all([ada, bob, cy].map(async (id) => (await auditOf(h, id))[0]?.cause));
      for (const cause of causes) expect(cause).toEqual({ kind: "mapping", version: version + 1, source: "test-mapping.yaml", actor: "test" });
    });

    it("changes no one when the recomputation fails part-way: the mapping and every member's permissions roll back together", async () => {
      const ada = await createUser(h, "ada@example.com");
      await financeGroup([ada]);
      const before = await permissionsOf(h, ada);
      const mappingBefore = (await h.api("get", "/mapping")).body as { mapping: { version: number; hash: string } };
      const auditBefore = await auditCount(h);

      const original = h.sync.recomputeAll.bind(h.sync);
      const spy = jest.spyOn(h.sync, "recomputeAll").mockImplementation(async (...args) => {
        await original(...args);
        throw new Error("disk full");
      });
      await expect(h.applyMapping(MAPPING.replace("billing: manage", "billing: none"))).rejects.toThrow("disk full");
      spy.mockRestore();

      expect(await permissionsOf(h, ada)).toEqual(before);
      expect(await auditCount(h)).toBe(auditBefore);
      const mappingAfter = (await h.api("get", "/mapping")).body as { mapping: { version: number; hash: string } };
      expect(mappingAfter.mapping).toMatchObject({ version: mappingBefore.mapping.version, hash: mappingBefore.mapping.hash });
    });

    it("serialises a mapping change with a concurrent SCIM membership write, so the member ends up under the new mapping", async () => {
      const ada = await createUser(h, "ada@example.com");
      const group = await financeGroup();
      // Hold the SCIM transaction open right after it recomputed ada under the old mapping.
      let entered!: () => void;
      let release!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const gate = new Promise<void>((r) => (release = r));
      const original = h.sync.membersChanged.bind(h.sync);
      jest.spyOn(h.sync, "membersChanged").mockImplementationOnce(async (...args) => {
        const after = await original(...args);
        entered();
        await gate;
        return after;
      });
      const patch = h.scim("patch", `/Groups/${group}`)
        .send(patchBody({ op: "add", path: "members", value: [{ value: ada }] }))
        .then((res) => res);
      await inside;

      const begun = jest.spyOn(transactions, "withAfterCommit");
      const applying = h.applyMapping(MAPPING.replace("billing: manage, analytics: view", "billing: view"));
      try {
        await eventually(async () => expect(await waitsForTheWrite(h, begun)).toBe(true));
      } finally {
        release();
        begun.mockRestore();
      }
      expect((await patch).status).toBe(204);
      await applying;

      expect(await permissionsOf(h, ada)).toMatchObject({ roles: ["finance"], admin: { ...NONE, billing: "view" } });
    });

    it("records nothing when a re-applied mapping changes no one", async () => {
      const ada = await createUser(h, "ada@example.com");
      await financeGroup([ada]);
      const before = await auditCount(h);
      // A cosmetic edit (a description) is a new version but changes no member's permissions.
      await h.applyMapping(MAPPING.replace("Invoices and spend", "Invoices, spend and budgets"));
      expect(await auditCount(h)).toBe(before);
    });
  });

  describe("the permission model", () => {
    it("gives owners their access from their role, not from custom roles, and explain says why", async () => {
      const olga = await createUser(h, "olga@example.com");
      await createGroup(h, "Owners", [olga]);
      await financeGroup([olga]);

      const p = await permissionsOf(h, olga);
      expect(p).toMatchObject({ orgRole: "owner", admin: MANAGE_ALL, roles: [] });
      // Standard roles get what the organisation switched on, not the finance role's narrower list.
      expect(p.capabilities).toEqual(["claude_code", "web_search"]);
      expect(p.connectors).toEqual(["google_drive", "jira"]);

      const explain = await h.api("get", `/members/${olga}/permissions/explain`);
      expect(explain.status).toBe(200);
      expect(explain.body).toMatchObject({
        member: { id: olga, userName: "olga@example.com", active: true },
        orgRole: "owner",
        customRolesNotApplied: { roles: ["finance"], reason: expect.stringMatching(/custom roles apply only to custom members/) },
      });
    });

    it("makes the primaryOwner named in the file primary_owner, with no group at all", async () => {
      const ceo = await createUser(h, "CEO@example.com");
      expect(await permissionsOf(h, ceo)).toMatchObject({ orgRole: "primary_owner", admin: MANAGE_ALL, roles: [] });
      expect(await allowed(h, { member: "ceo@example.com", area: "identity_access", level: "manage" })).toBe(true);
    });

    it("lets a platform override beat the organisation's toggles", async () => {
      await h.close();
      h = await startHarness({
        platform: { all: { features: { file_uploads: true }, connectors: {} }, orgs: { default: { features: {}, connectors: { jira: false } } } },
      });
      await h.applyMapping(MAPPING);
      const ada = await createUser(h, "ada@example.com");
      await createGroup(h, "IT Admins", [ada]);

      // The org has file_uploads off and jira on; the platform forces the opposite.
      expect(await allowed(h, { member: ada, capability: "file_uploads" })).toBe(true);
      expect(await allowed(h, { member: ada, connector: "jira" })).toBe(false);
      expect(await allowed(h, { member: ada, connector: "google_drive" })).toBe(true);
      const explain = (await h.api("get", `/members/${ada}/permissions/explain`)).body as { chains: { connectors: { name: string; reason: string }[] } };
      expect(explain.chains.connectors.find((c) => c.name === "jira")?.reason).toMatch(/forced off by the platform/);
    });
  });

  describe("the API contract", () => {
    it("answers permissions with exactly the contract's shape, by id and by userName", async () => {
      const ada = await createUser(h, "ada@example.com");
      await financeGroup([ada]);

      const byId = await h.api("get", `/members/${ada}/permissions`);
      expect(byId.status).toBe(200);
      expect(byId.headers["content-type"]).toMatch(/^application\/json/);
      expect(byId.body).toEqual({
        member: { id: ada, userName: "ada@example.com", active: true },
        orgRole: "custom",
        admin: { identity_access: "none", billing: "manage", analytics: "view", privacy: "none", user_management: "none", libraries: "none" },
        capabilities: ["web_search"],
        connectors: ["google_drive"],
        roles: ["finance"],
      });
      expect(Object.keys((byId.body as { admin: object }).admin).sort()).toEqual([...AREAS].sort());

      const byName = await h.api("get", "/members/permissions?userName=ADA%40example.com");
      expect(byName.status).toBe(200);
      expect(byName.body).toEqual(byId.body);
    });

    it("gives a member who matches no rule the user role: no admin area, the org's switched-on features, not a 404", async () => {
      const zed = await createUser(h, "zed@example.com");
      // `user` is a standard role: it gets every feature and connector the organisation switched on.
      expect(await permissionsOf(h, zed)).toEqual({
        member: { id: zed, userName: "zed@example.com", active: true },
        orgRole: "user",
        admin: NONE,
        capabilities: ["claude_code", "web_search"],
        connectors: ["google_drive", "jira"],
        roles: [],
      });
    });

    it("authorizes by id and by userName, for an area and level, a capability and a connector", async () => {
      const ada = await createUser(h, "ada@example.com");
      await financeGroup([ada]);

      const res = await h.api("post", "/authorize").send({ member: ada, area: "billing", level: "view" });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ allowed: true, member: { id: ada, userName: "ada@example.com", active: true }, orgRole: "custom" });

      expect(await allowed(h, { member: "ada@example.com", area: "billing", level: "manage" })).toBe(true);
      expect(await allowed(h, { member: "ada@example.com", area: "analytics", level: "manage" })).toBe(false);
      expect(await allowed(h, { member: ada, area: "privacy", level: "view" })).toBe(false);
      expect(await allowed(h, { member: ada, capability: "web_search" })).toBe(true);
      expect(await allowed(h, { member: "ada@example.com", capability: "claude_code" })).toBe(false);
      expect(await allowed(h, { member: ada, connector: "google_drive" })).toBe(true);
      expect(await allowed(h, { member: "ada@example.com", connector: "jira" })).toBe(false);
    });

    it.each([
      ["no member", { area: "billing", level: "view" }],
      ["a member that is not a string", { member: 42, area: "billing", level: "view" }],
      ["an unknown area", { member: "ada@example.com", area: "payroll", level: "view" }],
      ["an unknown level", { member: "ada@example.com", area: "billing", level: "admin" }],
      ["no question", { member: "ada@example.com" }],
    ])("answers 400 with a JSON error to an authorize request with %s", async (_what, body) => {
      await createUser(h, "ada@example.com");
      const res = await h.api("post", "/authorize").send(body);
      expect(res.status).toBe(400);
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    });

    it("answers 400 with a JSON error to an authorize body that is not JSON", async () => {
      const res = await h.api("post", "/authorize").set("Content-Type", "application/json").send("{not json");
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: "invalid_json" } });
    });

    it("answers 404 for an unknown member on every member endpoint", async () => {
      for (const res of [
        await h.api("get", "/members/00000000-0000-0000-0000-000000000000/permissions"),
        await h.api("get", "/members/00000000-0000-0000-0000-000000000000/permissions/explain"),
        await h.api("get", "/members/permissions?userName=nobody%40example.com"),
        await h.api("post", "/authorize").send({ member: "nobody@example.com", capability: "web_search" }),
      ]) {
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ error: { code: "member_not_found" } });
      }
    });

    it("answers 401 to the API with a SCIM token, a wrong token or no token", async () => {
      const ada = await createUser(h, "ada@example.com");
      const agent = request(h.app);
      for (const auth of [`Bearer ${h.token}`, "Bearer not-a-token", null]) {
        const req = agent.get(`/api/v1/members/${ada}/permissions`);
        const res = await (auth === null ? req : req.set("Authorization", auth));
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ error: { code: "unauthorized" } });
      }
      // …and the SCIM endpoints refuse the API token.
      expect((await agent.get("/scim/v2/Users").set("Authorization", `Bearer ${h.apiToken}`)).status).toBe(401);
    });

    it("shows one organisation's API token nothing of another organisation", async () => {
      const ada = await createUser(h, "ada@example.com");
      await financeGroup([ada]);
      const other = await h.addOrg("globex");
      const api = (method: "get" | "post", path: string) => request(h.app)[method](`/api/v1${path}`).set("Authorization", `Bearer ${other.apiToken}`);

      expect((await api("get", `/members/${ada}/permissions`)).status).toBe(404);
      expect((await api("get", `/members/${ada}/permissions/explain`)).status).toBe(404);
      expect((await api("get", "/members/permissions?userName=ada%40example.com")).status).toBe(404);
      expect((await api("post", "/authorize").send({ member: ada, area: "billing", level: "view" })).status).toBe(404);
      expect((await api("post", "/authorize").send({ member: "ada@example.com", capability: "web_search" })).status).toBe(404);
      expect((await api("get", `/audit?member=${ada}`)).body).toEqual({ entries: [] });
      expect((await api("get", "/audit")).body).toEqual({ entries: [] });
      expect((await api("get", "/mapping")).body).toMatchObject({ version: null, hash: null, mapping: null });
    });
  });
});
