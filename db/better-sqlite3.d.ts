/**
 * The part of better-sqlite3 that db/hot-reads.ts uses on the event loop's thread (the package
 * ships no types; the worker, db/sqlite-worker.cjs, is plain JavaScript).
 */
declare module "better-sqlite3" {
  namespace Database {
    interface Statement {
      /** Every row, as plain objects keyed by column name. */
      all(...params: unknown[]): unknown[];
    }

    interface Options {
      readonly readonly?: boolean;
      readonly fileMustExist?: boolean;
      /** The busy timeout in ms: how long a statement waits synchronously for a lock. */
      readonly timeout?: number;
    }
  }

  class Database {
    constructor(filename: string, options?: Database.Options);
    readonly open: boolean;
    prepare(sql: string): Database.Statement;
    pragma(source: string): unknown;
    close(): this;
  }

  export = Database;
}
