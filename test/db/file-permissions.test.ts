import { chmod, mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openDatabase } from "../../db/connection";
import { migrateToLatest } from "../../db/migrate";
import { ensureOrg } from "../../db/orgs";
import { createToken } from "../../db/tokens";
import { type TempSqlite, tempSqlite } from "../support/temp-sqlite";

/**
 * The SQLite database holds token hashes, webhook secrets and the directory's personal data: its
 * files are the owner's alone, whatever the process umask, and so is a directory the server makes.
 * (A file-system property of the embedded database, so these run on SQLite whatever TEST_DATABASE_URL says.)
 */
describe("the SQLite database's files", () => {
  let tmp: TempSqlite;
  beforeEach(async () => {
    tmp = await tempSqlite();
  });
  afterEach(async () => tmp.remove());

  const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

  async function writeSomething(url: string): Promise<object[]> {
    const log = { warnings: [] as object[], warn: (obj: object) => void log.warnings.push(obj), error: () => undefined };
    const db = openDatabase(url, { log });
    try {
      await migrateToLatest(db.knex);
      const org = await ensureOrg(db.knex, "default");
      await createToken(db.knex, { orgId: org.id, kind: "scim" });
      // While the connection is open the -wal and -shm files exist.
      const file = url.slice("sqlite:".length);
      expect(await modeOf(file)).toBe(0o600);
      expect(await modeOf(`${file}-wal`)).toBe(0o600);
      expect(await modeOf(`${file}-shm`)).toBe(0o600);
      return log.warnings;
    } finally {
      await db.close();
    }
  }

  it("creates the directory 0700 and the database, -wal and -shm files 0600 although the umask would allow more", async () => {
    const previous = process.umask(0o002);
    try {
      await writeSomething(`sqlite:${join(tmp.dir, "data", "nested", "scim.sqlite")}`);
    } finally {
      process.umask(previous);
    }
    expect(await modeOf(join(tmp.dir, "data"))).toBe(0o700);
    expect(await modeOf(join(tmp.dir, "data", "nested"))).toBe(0o700);
  });

  it("makes a database file an older version left readable by others private, and keeps a directory it was given as it is", async () => {
    const shared = join(tmp.dir, "shared");
    await mkdir(shared, { mode: 0o755 });
    await chmod(shared, 0o755);
    const file = join(shared, "scim.sqlite");
    await writeFile(file, "");
    await chmod(file, 0o644);
    const warnings = await writeSomething(`sqlite:${file}`);
    expect(warnings).toEqual([expect.objectContaining({ file, mode: "644", now: "600" })]);
    expect(await modeOf(shared)).toBe(0o755);
  });
});
