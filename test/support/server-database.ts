import { randomBytes } from "node:crypto";
import knexFactory from "knex";
import { ON_POSTGRES, TEST_DATABASE_URL } from "./harness";
import type { TempSqlite } from "./temp-sqlite";

/** A database for server processes of the test's own, and how to drop it. */
export interface ServerDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/**
 * The file of `sqlite`, or on PostgreSQL a throw-away database (not a schema: the server process
 * and the CLI take a DATABASE_URL, which names no schema) dropped, connections and all, by `drop`.
 */
export async function serverDatabase(sqlite: TempSqlite): Promise<ServerDatabase> {
  if (!ON_POSTGRES) return { url: sqlite.url, drop: async () => undefined };
  const name = `scim_test_${randomBytes(6).toString("hex")}`;
  const admin = knexFactory({ client: "pg", connection: TEST_DATABASE_URL, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}
