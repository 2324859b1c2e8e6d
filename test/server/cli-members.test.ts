import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Harness, createGroup, createUser, startHarness } from "../support/harness";
import { CLI_ACTOR, runCli } from "../support/cli";

/**
 * The operator's break-glass: `members suspend|reactivate` in its own process against the database a
 * server uses, with no grant check but audited as `cli:<os user>` with the reason; the Primary Owner
 * is suspended by nobody, and leaving no member able to edit roles needs --allow-lockout. SQLite
 * only (the CLI cannot confine itself to a throw-away PostgreSQL schema).
 */
const MAPPING = `version: 1
primaryOwner: po@example.com
mappings:
  - { group: { externalId: g-owners }, orgRole: owner }
`;


// Each test runs the CLI several times, each a process of its own that loads TypeScript.
jest.setTimeout(300_000);
describe("members suspend and reactivate from the CLI", () => {
  let dir: string;
  let url: string;
  let h: Harness;
  const cli = (...args: string[]) => runCli(url, args);
  const allowed = async (member: string): Promise<boolean> => {
    const res = await h.api("post", "/authorize").send({ member, area: "billing", level: "manage" });
    return (res.body as { allowed: boolean }).allowed;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "scim-cli-members-"));
    url = `sqlite:${join(dir, "scim.sqlite")}`;
    h = await startHarness({ databaseUrl: url });
    await createUser(h, "po@example.com");
    const ada = await createUser(h, "ada@example.com");
    await createUser(h, "bob@example.com");
    await createGroup(h, "Owners", [ada], { externalId: "g-owners" });
  });
  afterEach(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("suspends a member at once, audited as the operator with the reason, and reactivates them", async () => {
    await h.applyMapping(MAPPING);
    expect(await allowed("ada@example.com")).toBe(true);
    const run = await cli("members", "suspend", "ada@example.com", "--reason", "Phished");
    expect(run).toMatchObject({ code: 0, lines: ["suspended ada@example.com"] });
    expect(await allowed("ada@example.com")).toBe(false);
    const action: { actor: string; action: string; detail: string } = await h.db.knex("admin_actions").where({ org_id: h.orgId }).orderBy("seq", "desc").first();
    expect(action).toMatchObject({ actor: CLI_ACTOR, action: "member.suspend" });
    expect(JSON.parse(action.detail)).toMatchObject({ member: "ada@example.com", reason: "Phished" });
    const audit: { actor: string; cause: string } = await h.db.knex("audit_log").where({ org_id: h.orgId }).orderBy("seq", "desc").first();
    expect(audit.actor).toBe(CLI_ACTOR);
    expect(JSON.parse(audit.cause)).toMatchObject({ kind: "cli", command: "members suspend", reason: "Phished" });

    expect((await cli("members", "suspend", "ada@example.com", "--reason", "again")).lines[0]).toContain(`already suspended (by ${CLI_ACTOR}`);
    expect(await cli("members", "reactivate", "ada@example.com")).toMatchObject({ code: 0, lines: ["reactivated ada@example.com"] });
    expect(await allowed("ada@example.com")).toBe(true);
    expect((await cli("members", "reactivate", "ada@example.com")).lines).toEqual(["ada@example.com was not suspended"]);
  });

  it("refuses the Primary Owner (exit 3), an unknown member (exit 1), and a suspension without a reason (exit 2)", async () => {
    await h.applyMapping(MAPPING);
    const po = await cli("members", "suspend", "po@example.com", "--reason", "x");
    expect(po.code).toBe(3);
    expect(po.stderr).toMatch(/Primary Owner/);
    expect((await cli("members", "suspend", "nobody@example.com", "--reason", "x")).code).toBe(1);
    expect((await cli("members", "suspend", "bob@example.com")).code).toBe(2);
    expect((await cli("members", "suspend", "bob@example.com", "--reason", "x", "--org", "nope")).code).toBe(1);
  });

  it("refuses to suspend the last member able to edit roles unless told --allow-lockout", async () => {
    await h.applyMapping(MAPPING.replace("po@example.com", "ceo@example.com"));
    const refused = await cli("members", "suspend", "ada@example.com", "--reason", "x");
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/refused: .*edit roles/);
    expect(await allowed("ada@example.com")).toBe(true);
    expect((await cli("members", "suspend", "ada@example.com", "--reason", "x", "--allow-lockout")).code).toBe(0);
    expect(await allowed("ada@example.com")).toBe(false);
  });
});
