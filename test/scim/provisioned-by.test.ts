import { allGroups } from "../../db/groups";
import { CORE_GROUP, type Harness, createGroup, patchBody, startHarness } from "../support/harness";
import { type ReplayContext, fixtureNamed, replay, startForFixture } from "../support/replay";

/**
 * Each group records the IdP whose request created it, for the advice on stable matchers: Okta
 * names itself in the User-Agent (fixtures/okta/*.json: "Okta SCIM Client 1.0.0"); Entra sends no
 * fixed User-Agent, but its group POST carries the ADSCIM schema URN (fixtures/entra/create-group.json),
 * and its requests may carry ?aadOptscim062020 or an Entra-issued token.
 */
describe("which IdP provisioned a group", () => {
  let ctx: ReplayContext | null = null;
  afterEach(async () => ctx?.h.close());

  async function provisionedBy(h: Harness): Promise<Record<string, string | null>> {
    return Object.fromEntries((await allGroups(h.db.knex, h.orgId)).map((g) => [g.displayName, g.provisionedBy]));
  }

  it.each([
    ["okta", "push-group.json", { Sales: "okta" }],
    ["entra", "create-group.json", { Marketing: "entra" }],
    ["entra", "create-group-flag.json", { Marketing: "entra" }],
  ])("records it from the creating request in fixtures/%s/%s", async (idp, file, expected) => {
    const fixture = fixtureNamed(idp, file);
    ctx = await startForFixture(fixture.fixture);
    await replay(ctx, fixture);
    expect(await provisionedBy(ctx.h)).toEqual(expected);
  });

  it("records Entra for a group created with an Entra-issued token or the aadOptscim062020 flag alone", async () => {
    ctx = await startForFixture({ description: "", source: "", entraJwt: true, steps: [] });
    const h = ctx.h;
    const post = (path: string, displayName: string, token: string) => h.scim("post", path).set("Authorization", `Bearer ${token}`).send({ schemas: [CORE_GROUP], displayName });
    expect((await post("/Groups", "By token", ctx.vars.get("entraJwt") ?? "")).status).toBe(201);
    expect((await post("/Groups?aadOptscim062020", "By flag", h.token)).status).toBe(201);
    expect(await provisionedBy(h)).toEqual({ "By token": "entra", "By flag": "entra" });
  });

  it("records nothing for a client it does not recognise, and keeps the first answer when another IdP later writes the group", async () => {
    ctx = { h: await startHarness(), vars: new Map() };
    const h = ctx.h;
    const plain = await createGroup(h, "Plain");
    const okta = await h.scim("post", "/Groups").set("User-Agent", "Okta SCIM Client 1.0.0").send({ schemas: [CORE_GROUP], displayName: "Pushed" });
    await h.scim("patch", `/Groups/${plain}?aadOptscim062020`).send(patchBody({ op: "replace", path: "displayName", value: "Plain renamed" }));
    await h.scim("patch", `/Groups/${(okta.body as { id: string }).id}?aadOptscim062020`).send(patchBody({ op: "replace", path: "externalId", value: "x" }));
    expect(await provisionedBy(h)).toEqual({ "Plain renamed": null, Pushed: "okta" });
  });
});
