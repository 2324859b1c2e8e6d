import * as memberEmail from "../../db/migrations/20261130130100_member_email";
import { createUser, harnessPerTest } from "../support/harness";

/** The email the members search finds a user by: the primary one, else the first, for users stored before the column existed too. */
describe("members' search email", () => {
  const h = harnessPerTest();

  const emailsOf = async (): Promise<Record<string, string | null>> => {
    const rows: Array<{ user_name: string; email_ci: string | null }> = await h.db.knex("users").where({ org_id: h.orgId }).select("user_name", "email_ci");
    return Object.fromEntries(rows.map((r) => [r.user_name, r.email_ci]));
  };

  it("is kept on every write and filled in once for the users already stored", async () => {
    await createUser(h, "ada.l@contoso.onmicrosoft.com", { emails: [{ value: "work@contoso.com", type: "work" }, { value: "Ada@Contoso.com", type: "other", primary: true }] });
    await createUser(h, "bob@example.com", { emails: [{ value: "Bob.Work@Example.com", type: "work" }, { value: "bob@home.example", type: "home" }] });
    await createUser(h, "carol@example.com", { emails: [] });
    const expected = { "ada.l@contoso.onmicrosoft.com": "ada@contoso.com", "bob@example.com": "bob.work@example.com", "carol@example.com": null };
    expect(await emailsOf()).toEqual(expected);

    await memberEmail.down(h.db.knex);
    await memberEmail.up(h.db.knex);
    expect(await emailsOf()).toEqual(expected);
  });
});
