import { type Harness, createUser, startHarness } from "../support/harness";

/** authorize refuses to answer about a capability or connector no one could ever have: 400, not a silent no. */
describe("authorize and the capability vocabulary", () => {
  let h: Harness;
  let ada: string;
  beforeEach(async () => {
    h = await startHarness({ platform: { all: { features: { contract_feature: true }, connectors: {} }, orgs: {} } });
    await h.applyMapping("version: 1\nprimaryOwner: ceo@x\norg:\n  features: { beta_tool: off }\n  connectors: { intranet: on }\n");
    ada = await createUser(h, "ada@example.com");
  });
  afterEach(async () => h.close());

  const ask = (body: Record<string, unknown>) => h.api("post", "/authorize").send({ member: ada, ...body });

  it("answers for built-in names, names the organisation declares, and names the platform forces", async () => {
    expect((await ask({ capability: "web_search" })).body).toMatchObject({ allowed: false });
    expect((await ask({ capability: "beta_tool" })).body).toMatchObject({ allowed: false });
    expect((await ask({ capability: "contract_feature" })).body).toMatchObject({ allowed: true });
    expect((await ask({ connector: "intranet" })).body).toMatchObject({ allowed: true });
    expect((await ask({ connector: "slack" })).body).toMatchObject({ allowed: false });
  });

  it("is 400 unknown_capability / unknown_connector for anything else, with a suggestion", async () => {
    const capability = await ask({ capability: "web_serch" });
    expect(capability.status).toBe(400);
    expect(capability.body).toEqual({ error: { code: "unknown_capability", message: expect.stringMatching(/"web_serch".*did you mean "web_search"\?/) } });
    const connector = await ask({ connector: "sharepoynt" });
    expect(connector.status).toBe(400);
    expect(connector.body).toMatchObject({ error: { code: "unknown_connector", message: expect.stringMatching(/did you mean "sharepoint"\?/) } });
  });
});
