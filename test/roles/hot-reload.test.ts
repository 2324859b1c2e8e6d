import { rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_SOURCE_LIMITS } from "../../mapping";
import { MappingFileWatcher } from "../../server/mapping-watcher";
import { until } from "../support/eventually";
import { type Harness, createGroup, createUser, startHarness } from "../support/harness";
import { MAPPING, permissionsOf } from "./support";
import { type TempSqlite, tempSqlite } from "../support/temp-sqlite";

/**
 * MAPPING_FILE hot reload with a real file on disk. A valid
 * edit is applied within 2 s; an invalid one is refused, the last good mapping stays in force,
 * and the refusal is logged and visible through GET /api/v1/mapping.
 */
interface MappingBody {
  mapping: { version: number; hash: string; appliedAt: string; appliedBy: string; source: string } | null;
  lastRefused: { sourceName: string; errors: { file: string; line: number; column: number; message: string }[]; refusedAt: string } | null;
}

const BILLING_VIEW = MAPPING.replace("billing: manage, analytics: view", "billing: view");
// An "unknown area" and an "unknown level" error, both on line 11 (`admin:` of role finance).
const INVALID = MAPPING.replace("billing: manage, analytics: view", "biling: manage, analytics: veiw");
const BILLING_NONE_BUT_ANALYTICS = MAPPING.replace("billing: manage, analytics: view", "analytics: manage");

function logCapture() {
  const errors: { obj: object; msg?: string }[] = [];
  return {
    errors,
    logger: { info: () => undefined, warn: () => undefined, error: (obj: object, msg?: string) => errors.push({ obj, ...(msg === undefined ? {} : { msg }) }) },
  };
}

/** `until`, with how long the condition took to hold. */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<{ value: T; elapsedMs: number }> {
  const start = performance.now();
  const value = await until(read, done, "the watched file's effect", { timeoutMs, intervalMs: 20 });
  return { value, elapsedMs: performance.now() - start };
}

describe("MAPPING_FILE hot reload", () => {
  let h: Harness;
  let tmp: TempSqlite;
  let file: string;
  let watcher: MappingFileWatcher | null = null;
  let edits = 0;
  const log = logCapture();

  beforeEach(async () => {
    h = await startHarness();
    tmp = await tempSqlite();
    file = join(tmp.dir, "mapping.yaml");
    log.errors.length = 0;
  });
  afterEach(async () => {
    await watcher?.stop();
    watcher = null;
    await h.close();
    await tmp.remove();
  });

  /**
   * Writes the file and moves its mtime forward, so the poller sees a new signature even on a
   * filesystem with coarse mtime granularity and an edit of the same size.
   */
  async function edit(text: string): Promise<void> {
    await writeFile(file, text);
    edits += 1;
    const t = new Date(Date.now() + edits * 2000);
    await utimes(file, t, t);
  }

  async function start(): Promise<void> {
    watcher = new MappingFileWatcher({ db: h.db, sync: h.sync, orgId: h.orgId, file, logger: log.logger, limits: DEFAULT_SOURCE_LIMITS, intervalMs: 50 });
    await watcher.start();
  }

  const mapping = async () => (await h.api("get", "/mapping")).body as MappingBody;

  async function financeMember(): Promise<string> {
    const ada = await createUser(h, "ada@example.com");
    await createGroup(h, "Finance", [ada], { externalId: "00g1finance" });
    return ada;
  }

  it("applies the file at start, and a valid edit within 2 seconds", async () => {
    await edit(MAPPING);
    await start();
    const ada = await financeMember();
    expect((await permissionsOf(h, ada)).admin.billing).toBe("manage");
    const first = await mapping();
    expect(first.mapping).toMatchObject({ version: 1, source: file, appliedBy: `file:${file}` });

    await edit(BILLING_VIEW);
    const { elapsedMs } = await waitFor(() => permissionsOf(h, ada), (p) => p.admin.billing === "view");
    expect(elapsedMs).toBeLessThan(2000);
    expect((await mapping()).mapping).toMatchObject({ version: 2 });
  });

  it("refuses an invalid edit: the old mapping stays in force and the API shows the located errors; fixing the file applies again", async () => {
    await edit(MAPPING);
    await start();
    const ada = await financeMember();
    const before = await permissionsOf(h, ada);
    const good = await mapping();

    await edit(INVALID);
    const { value: refused } = await waitFor(mapping, (m) => m.lastRefused !== null);
    expect(refused.mapping).toEqual(good.mapping);
    expect(refused.lastRefused?.sourceName).toBe(file);
    const errors = refused.lastRefused?.errors ?? [];
    expect(errors).toEqual([
      expect.objectContaining({ file, line: 11, column: 14, message: expect.stringMatching(/'biling'.*Did you mean 'billing'/) }),
      expect.objectContaining({ file, line: 11, column: 41, message: expect.stringMatching(/'veiw'.*Did you mean 'view'/) }),
    ]);
    expect(await permissionsOf(h, ada)).toEqual(before);
    expect(log.errors.some((e) => /refused/.test(e.msg ?? ""))).toBe(true);

    await edit(BILLING_NONE_BUT_ANALYTICS);
    const { value: fixed, elapsedMs } = await waitFor(mapping, (m) => m.mapping?.version === good.mapping!.version + 1);
    expect(elapsedMs).toBeLessThan(2000);
    expect(fixed.lastRefused).toBeNull();
    expect(await permissionsOf(h, ada)).toMatchObject({ admin: { billing: "none", analytics: "manage" } });
  });

  it("stops showing a refused edit once the file is put back to the mapping in force", async () => {
    await edit(MAPPING);
    await start();
    await edit(INVALID);
    await waitFor(mapping, (m) => m.lastRefused !== null);

    await edit(MAPPING);
    const { value: restored } = await waitFor(mapping, (m) => m.lastRefused === null);
    expect(restored.mapping).toMatchObject({ version: 1 });
  });

  it("retries an edit whose apply failed for a transient reason instead of skipping it until the next edit", async () => {
    await edit(MAPPING);
    await start();
    const ada = await financeMember();

    const original = h.sync.recomputeAll.bind(h.sync);
    jest.spyOn(h.sync, "recomputeAll").mockImplementationOnce(async () => {
      throw new Error("SQLITE_BUSY: database is locked");
    }).mockImplementation(original);
    await edit(BILLING_VIEW);

    const { elapsedMs } = await waitFor(() => permissionsOf(h, ada), (p) => p.admin.billing === "view", 3000);
    expect(elapsedMs).toBeLessThan(2000);
    expect(log.errors.some((e) => /SQLITE_BUSY/.test(String((e.obj as { err?: unknown }).err)))).toBe(true);
  });

  it("keeps the last good mapping when the file disappears, and applies it again when it returns", async () => {
    await edit(MAPPING);
    await start();
    const ada = await financeMember();
    await rm(file);
    await until(() => log.errors, (errors) => errors.some((e) => /cannot be read/.test(e.msg ?? "")), "the missing file noticed");
    expect((await permissionsOf(h, ada)).admin.billing).toBe("manage");
    expect((await mapping()).mapping).toMatchObject({ version: 1 });

    await edit(BILLING_VIEW);
    await waitFor(() => permissionsOf(h, ada), (p) => p.admin.billing === "view", 2000);
    // The next version is the returning file's: the disappearance stored none.
    expect((await mapping()).mapping).toMatchObject({ version: 2 });
  });
});
