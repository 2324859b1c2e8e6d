import { createGroup, createUser, harnessPerTest, patchBody, userBody } from "../support/harness";
import { MAPPING, permissionsOf } from "../roles/support";

/**
 * `active` changes only when a request gives it a value (docs/conformance.md, "The active flag"):
 * a PUT that leaves it out keeps it as stored (RFC 7644 §3.5.1: an omitted attribute is "not
 * asserted"), and a PATCH that removes it, or sets it to null, leaves it unassigned, which this
 * server reads as not active (RFC 7643 §4.1.1 leaves the meaning to the service provider;
 * §2.5 makes null and unassigned the same). So nothing but `active: true` restores access.
 */
describe("the active flag", () => {
  const h = harnessPerTest();
  let ada = "";
  beforeEach(async () => {
    await h.applyMapping(MAPPING);
    ada = await createUser(h, "ada@example.com");
    await createGroup(h, "IT Admins", [ada]);
  });

  const deactivate = async (): Promise<void> => {
    const res = await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", value: { active: false } }));
    expect(res.body).toMatchObject({ active: false });
  };
  const stored = async (): Promise<unknown> => (await h.scim("get", `/Users/${ada}`)).body;

  it.each([
    ["a PATCH remove of active", { op: "remove", path: "active" }],
    ["a PATCH replace of active with null", { op: "replace", path: "active", value: null }],
    ["a path-less PATCH replace with active null", { op: "replace", value: { active: null } }],
    ["an Entra-style Remove of active", { op: "Remove", path: "active" }],
  ])("keeps a deactivated user deactivated after %s", async (_name, operation) => {
    await deactivate();
    const res = await h.scim("patch", `/Users/${ada}`).send(patchBody(operation));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: false });
    expect(await stored()).toMatchObject({ active: false });
    expect(await permissionsOf(h, ada)).toMatchObject({ member: { active: false }, orgRole: "user", roles: [] });
  });

  it("deactivates an active user whose active flag a PATCH removes: an unassigned flag grants no access", async () => {
    expect((await permissionsOf(h, ada)).orgRole).toBe("admin");
    const res = await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "remove", path: "active" }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: false });
    expect(await permissionsOf(h, ada)).toMatchObject({ member: { active: false }, orgRole: "user" });
  });

  it("keeps a deactivated user deactivated when a PUT leaves active out, or sends it as null", async () => {
    await deactivate();
    for (const body of [userBody("ada@example.com", { active: undefined, displayName: "Ada" }), userBody("ada@example.com", { active: null })]) {
      const res = await h.scim("put", `/Users/${ada}`).send(body);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ active: false });
    }
    expect(await permissionsOf(h, ada)).toMatchObject({ member: { active: false }, orgRole: "user" });
  });

  it("keeps an active user active when a PUT leaves active out", async () => {
    const res = await h.scim("put", `/Users/${ada}`).send(userBody("ada@example.com", { active: undefined, displayName: "Ada Lovelace" }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: true, displayName: "Ada Lovelace" });
    expect((await permissionsOf(h, ada)).orgRole).toBe("admin");
  });

  it("reactivates only on an explicit true, by PUT as Okta's App Integration Wizard sends it or by PATCH", async () => {
    await deactivate();
    const put = await h.scim("put", `/Users/${ada}`).send(userBody("ada@example.com", { active: true }));
    expect(put.body).toMatchObject({ active: true });
    expect((await permissionsOf(h, ada)).orgRole).toBe("admin");
    await deactivate();
    const patch = await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "Replace", path: "active", value: "True" }));
    expect(patch.body).toMatchObject({ active: true });
  });

  it("creates a user active when the POST does not say otherwise", async () => {
    const res = await h.scim("post", "/Users").send(userBody("bob@example.com", { active: undefined }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ active: true });
  });
});
