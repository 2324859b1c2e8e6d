import { type Fixture, type FixtureFile, loadFixtures, mismatches, replay, startForFixture } from "../support/replay";

/**
 * Replays real Okta and Entra traffic (fixtures/, format in fixtures/README.md) against a fresh
 * server per fixture. The server bends to the fixtures, never the other way round.
 */
const MIN_FIXTURES = { okta: 24, entra: 52 } as const;

const suites: Array<{ idp: keyof typeof MIN_FIXTURES; name: string }> = [
  { idp: "okta", name: "Okta SCIM Client" },
  { idp: "entra", name: "Microsoft Entra provisioning service" },
];

async function run(file: FixtureFile): Promise<void> {
  const ctx = await startForFixture(file.fixture);
  try {
    await replay(ctx, file);
  } finally {
    await ctx.h.close();
  }
}

for (const { idp, name } of suites) {
  const fixtures: FixtureFile[] = loadFixtures(idp);

  describe(`replaying ${name} traffic`, () => {
    it(`finds at least ${MIN_FIXTURES[idp]} ${idp} fixtures to replay`, () => {
      expect(fixtures.length).toBeGreaterThanOrEqual(MIN_FIXTURES[idp]);
    });

    it.each(fixtures.map((f) => [`${f.fixture.description} (fixtures/${f.idp}/${f.file})`, f] as const))("%s", async (_title, file) => {
      await run(file);
    });
  });
}

describe("the replayer itself", () => {
  const adHoc = (fixture: Fixture): FixtureFile => ({ idp: "self-test", file: "inline.json", fixture });
  const okta = { Authorization: "Bearer {{token}}", "Content-Type": "application/scim+json; charset=utf-8" };

  it("fails a fixture whose expected status the server does not answer", async () => {
    const fixture: Fixture = {
      description: "expects the impossible",
      source: "self-test",
      headers: okta,
      steps: [{ request: { method: "GET", path: "/Users?startIndex=1&count=2" }, expect: { status: 404 } }],
    };
    await expect(run(adHoc(fixture))).rejects.toThrow(/status: expected 404, got 200/);
  });

  it("fails a fixture whose stored effect differs from what a later GET expects", async () => {
    const fixture: Fixture = {
      description: "expects a member that was never added",
      source: "self-test",
      headers: okta,
      steps: [
        { request: { method: "POST", path: "/Groups", body: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Sales" } }, expect: { status: 201 }, capture: { g: "body.id" } },
        { request: { method: "GET", path: "/Groups/{{g}}" }, expect: { status: 200, body: { members: [{ value: "nobody" }] } } },
      ],
    };
    await expect(run(adHoc(fixture))).rejects.toThrow(/body\.members: expected 1 element\(s\), got 0/);
  });

  it("fails a fixture when an attribute that must be absent is present", async () => {
    const fixture: Fixture = {
      description: "expects no schemas",
      source: "self-test",
      headers: okta,
      steps: [{ request: { method: "GET", path: "/Users" }, expect: { status: 200, absent: ["schemas"] } }],
    };
    await expect(run(adHoc(fixture))).rejects.toThrow(/body\.schemas: must be absent/);
  });

  it("refuses a placeholder that no earlier step captured", async () => {
    const fixture: Fixture = {
      description: "uses an unknown variable",
      source: "self-test",
      headers: okta,
      steps: [{ request: { method: "GET", path: "/Users/{{nobody}}" }, expect: { status: 404 } }],
    };
    await expect(run(adHoc(fixture))).rejects.toThrow(/\{\{nobody\}\} is not defined/);
  });

  it("matches objects by subset, arrays by length, and the $ operators as documented", () => {
    expect(mismatches({ a: 1, b: [1, 2] }, { a: 1 })).toEqual([]);
    expect(mismatches({ a: [1, 2] }, { a: [1] })).toHaveLength(1);
    expect(mismatches({ a: [{ v: 1 }, { v: 2 }] }, { a: { $contains: [{ v: 2 }] } })).toEqual([]);
    expect(mismatches({ a: [{ v: 1 }] }, { a: { $contains: [{ v: 2 }] } })).toHaveLength(1);
    expect(mismatches({ n: 2 }, { n: { $type: "integer" } })).toEqual([]);
    expect(mismatches({ n: "2" }, { n: { $type: "integer" } })).toHaveLength(1);
    expect(mismatches("abc", { $regex: "^a" })).toEqual([]);
    expect(mismatches("abc", { $not: "abc" })).toHaveLength(1);
    expect(mismatches([1, 2, 3], { $length: 3 })).toEqual([]);
    expect(mismatches({}, { a: null })).toEqual(["body.a: missing"]);
  });

  it("finds absent-checked paths through schema URN keys that contain dots", async () => {
    const fixture: Fixture = {
      description: "expects no enterprise extension on a user that has one",
      source: "self-test",
      headers: okta,
      steps: [
        {
          request: {
            method: "POST",
            path: "/Users",
            body: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "x@example.com", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { employeeNumber: "7" } },
          },
          expect: { status: 201, absent: ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.employeeNumber"] },
        },
      ],
    };
    await expect(run(adHoc(fixture))).rejects.toThrow(/User\.employeeNumber: must be absent, found "7"/);
  });
});
