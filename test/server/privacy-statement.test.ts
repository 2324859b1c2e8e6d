import { readFileSync } from "node:fs";
import { join } from "node:path";
import { privacyStatement, statementMarkdown } from "../../roles/admin";

/** docs/privacy.md and the console's Privacy page say the same, from one table in code. */
describe("the statement of what the server stores", () => {
  it("is in docs/privacy.md exactly as the console renders it with the defaults", () => {
    const doc = readFileSync(join(__dirname, "../../docs/privacy.md"), "utf8");
    expect(doc).toContain(statementMarkdown(privacyStatement({ auditLogDays: null, eventDays: 7, analyticsDays: null, deletedMemberDays: null })));
  });

  it("fills in an organisation's retention", () => {
    const rows = privacyStatement({ auditLogDays: 1, eventDays: 3, analyticsDays: 400, deletedMemberDays: 30 });
    expect(rows.filter((r) => r.setting !== null).map((r) => [r.what, r.kept.split(",")[0]])).toEqual([
      ["Audit log", "1 day"],
      ["Admin log", "1 day"],
      ["Events", "3 days"],
      ["Analytics counts", "400 days"],
      ["Deleted members' records", "30 days"],
    ]);
  });
});
