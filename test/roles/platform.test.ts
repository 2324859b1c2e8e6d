import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { platformVersions } from "../../db/platform";
import { applyMappingText, applyPlatformText, explainUser } from "../../roles";
import { createSync } from "../../server/bootstrap";
import { PlatformFileWatcher } from "../../server/platform-watcher";
import { eventually } from "../support/eventually";
import { createGroup, createUser, harnessPerTest } from "../support/harness";
import { allowed, auditOf, permissionsOf } from "./support";
import { tempSqlitePerTest } from "../support/temp-sqlite";

const MAPPING = `version: 1
primaryOwner: ceo@example.com
org:
  features: { web_search: on, file_uploads: off }
roles:
  researcher: { capabilities: [web_search] }
  uploader: { capabilities: [file_uploads] }
mappings:
  - { group: { externalId: g-research }, roles: [researcher] }
  - { group: { externalId: g-upload }, roles: [uploader] }
`;

/**
 * The operator's platform overrides live in the database: every process — the server, the CLI, any
 * replica — computes with the same ones, and the platform sits above the org's toggles.
 */
describe("platform overrides in the database", () => {
  const h = harnessPerTest();
  const tmp = tempSqlitePerTest();
  let researcher: string;
  let uploader: string;
  let plain: string;
  beforeEach(async () => {
    await h.applyMapping(MAPPING);
    researcher = await createUser(h, "r@example.com");
    uploader = await createUser(h, "u@example.com");
    plain = await createUser(h, "p@example.com");
    await createGroup(h, "Research", [researcher], { externalId: "g-research" });
    await createGroup(h, "Uploads", [uploader], { externalId: "g-upload" });
  });

  const platform = (text: string) => applyPlatformText(h.db, h.sync, { text, sourceName: "/etc/platform.yaml", actor: "file:/etc/platform.yaml" });

  it("keeps the overrides when another process without the file applies a mapping, so authorize and explain agree", async () => {
    await platform("version: 1\nall: { features: { web_search: off } }\n");
    expect(await allowed(h, { member: "r@example.com", capability: "web_search" })).toBe(false);
    // The CLI: its own role-mapping service, no PLATFORM_FILE in its environment.
    const { sync: cli } = createSync();
    const applied = await applyMappingText(h.db, cli, { orgId: h.orgId, text: MAPPING.replace("researcher: { capabilities: [web_search] }", "researcher: { capabilities: [web_search], admin: { analytics: view } }"), sourceName: "cli.yaml", actor: "cli:ops" });
    expect(applied.ok).toBe(true);
    expect(await allowed(h, { member: "r@example.com", area: "analytics" })).toBe(true);
    expect(await allowed(h, { member: "r@example.com", capability: "web_search" })).toBe(false);
    const explanation = await explainUser(h.db, cli, h.orgId, researcher);
    expect(explanation?.chains.capabilities.find((c) => c.name === "web_search")).toMatchObject({ granted: false, layers: [{ layer: "platform", setting: "off" }] });
  });

  it("recomputes every member when the overrides change, audited with the platform version as cause; the same file again stores nothing", async () => {
    const first = await platform("version: 1\nall: { features: { file_uploads: on } }\n");
    expect(first).toMatchObject({ ok: true, version: 1, unchanged: false });
    expect((await auditOf(h, plain))[0]).toMatchObject({ cause: { kind: "platform", version: 1, source: "/etc/platform.yaml", actor: "file:/etc/platform.yaml" } });
    expect(await platform("# same overrides, other layout\nversion: 1\nall:\n  features:\n    file_uploads: on\n")).toMatchObject({ ok: true, version: 1, unchanged: true });
    expect((await platformVersions(h.db.knex)).map((v) => [v.version, v.appliedBy])).toEqual([[1, "file:/etc/platform.yaml"]]);
  });

  it("keeps a feature on for standard roles although the org switched it off, and gives it to custom members only through their roles", async () => {
    await platform("version: 1\nall: { features: { file_uploads: on } }\n");
    expect((await permissionsOf(h, plain)).capabilities).toContain("file_uploads");
    expect((await permissionsOf(h, uploader)).capabilities).toContain("file_uploads");
    expect((await permissionsOf(h, researcher)).capabilities).not.toContain("file_uploads");
  });

  it("removes a feature the platform forces off from everyone, custom roles and org toggles notwithstanding", async () => {
    await platform("version: 1\norgs: { default: { features: { web_search: off } } }\n");
    for (const id of [researcher, plain]) expect((await permissionsOf(h, id)).capabilities).not.toContain("web_search");
  });

  it("reloads the file within 2 s of an edit, and keeps the overrides in force when an edit is invalid", async () => {
    const file = join(tmp.dir, "platform.yaml");
    await writeFile(file, "version: 1\nall: { features: { web_search: off } }\n");
    const errors: object[] = [];
    const watcher = new PlatformFileWatcher({ db: h.db, sync: h.sync, file, intervalMs: 50, maxBytes: 1_048_576, logger: { info: () => undefined, warn: () => undefined, error: (obj: object) => errors.push(obj) } });
    await watcher.start();
    try {
      expect(await allowed(h, { member: "p@example.com", capability: "web_search" })).toBe(false);
      await writeFile(file, "version: 1\nall: { features: { web_search: on } }\n# edited\n");
      await eventually(async () => expect(await allowed(h, { member: "p@example.com", capability: "web_search" })).toBe(true), { timeoutMs: 2000, intervalMs: 20 });
      await writeFile(file, "version: 1\nall: { feature: { web_search: off } }\n");
      await eventually(() => expect(errors).not.toEqual([]));
      expect(await allowed(h, { member: "p@example.com", capability: "web_search" })).toBe(true);
      expect((await platformVersions(h.db.knex)).length).toBe(2);
    } finally {
      await watcher.stop();
    }
  });

  it("stores a file that two replicas apply at once as one version, the second finding it already in force", async () => {
    const text = "version: 1\nall: { features: { file_uploads: on } }\n";
    const replicas = [createSync().sync, createSync().sync];
    const results = await Promise.all(replicas.map((sync) => applyPlatformText(h.db, sync, { text, sourceName: "/etc/platform.yaml", actor: "file:/etc/platform.yaml" })));
    expect(results.map((r) => r.ok && r.unchanged).sort()).toEqual([false, true]);
    expect((await platformVersions(h.db.knex)).map((v) => v.version)).toEqual([1]);
  });
});
