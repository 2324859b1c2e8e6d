/**
 * knex's better-sqlite3 dialect, which db/sqlite-worker-client.ts extends: knex ships no types for
 * its dialect modules, so only the members the subclass overrides or calls are declared.
 */
declare module "knex/lib/dialects/better-sqlite3" {
  import type { Knex } from "knex";

  /** The query knex hands a dialect: SQL with `?` placeholders, then what the dialect answered. */
  interface DialectQuery {
    sql?: string;
    bindings?: readonly unknown[];
    response?: unknown;
    context?: { lastID: number | bigint; changes: number };
  }

  class Client_BetterSQLite3 extends Knex.Client {
    _driver(): unknown;
    _query(connection: unknown, obj: DialectQuery): Promise<DialectQuery>;
    _formatBindings(bindings: readonly unknown[] | undefined): unknown[];
  }

  export = Client_BetterSQLite3;
}
