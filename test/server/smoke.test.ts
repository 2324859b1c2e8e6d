import { createGroup, createUser, harnessPerTest, patchBody } from "../support/harness";

describe("SCIM directory", () => {
  const h = harnessPerTest();

  it("adds a member with an Okta-style PATCH and shows it on GET", async () => {
    const ada = await createUser(h, "ada@example.com");
    const group = await createGroup(h, "Sales");
    const patch = await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada, display: "ada@example.com" }] }));
    expect(patch.status).toBe(204);
    const res = await h.scim("get", `/Groups/${group}`);
    expect(res.status).toBe(200);
    expect(res.body.members).toEqual([expect.objectContaining({ value: ada })]);
  });
});
