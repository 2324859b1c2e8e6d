import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { perTest } from "./per-test";

/**
 * A directory of the test's own holding a SQLite database file (and whatever the test writes
 * beside it: a mapping file, certificates), removed with everything in it by `remove`.
 */
export interface TempSqlite {
  readonly dir: string;
  /** The database file in `dir`; created by whatever opens it first. */
  readonly file: string;
  /** `sqlite:<file>`, as DATABASE_URL and `startHarness({ databaseUrl })` take it. */
  readonly url: string;
  remove(): Promise<void>;
}

export async function tempSqlite(): Promise<TempSqlite> {
  const dir = await mkdtemp(join(tmpdir(), "scim-test-"));
  const file = join(dir, "scim.sqlite");
  return { dir, file, url: `sqlite:${file}`, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A fresh `tempSqlite()` for every test of the enclosing `describe` (`perTest`); after each test,
 * `release` (stopping whatever still uses the file) runs, then the directory goes.
 */
export function tempSqlitePerTest(release: () => Promise<void> | void = () => undefined): TempSqlite {
  return perTest("the temporary database", tempSqlite, async (tmp) => {
    try {
      await release();
    } finally {
      await tmp.remove();
    }
  });
}
