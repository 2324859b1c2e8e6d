import { DbConflictError, DbUnavailableError, DbVersionMismatchError, classifyDbError, translateDbError } from "../../db/errors";

/** Driver errors as pg, better-sqlite3 and knex's pool throw them. */
function driverError(message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), fields);
}

describe("the meaning of a database error", () => {
  it.each([
    ["a PostgreSQL unique violation", driverError('duplicate key value violates unique constraint "users_org_id_user_name_ci_unique"', { code: "23505" })],
    ["a SQLite unique violation", driverError("UNIQUE constraint failed: users.org_id, users.user_name_ci", { code: "SQLITE_CONSTRAINT_UNIQUE" })],
    ["a SQLite primary-key violation", driverError("UNIQUE constraint failed: groups.id", { code: "SQLITE_CONSTRAINT_PRIMARYKEY" })],
  ])("is a conflict naming what collided for %s", (_name, err) => {
    const classified = classifyDbError(err, 'a User with userName "ada"');
    expect(classified).toBeInstanceOf(DbConflictError);
    expect(classified?.message).toBe('a User with userName "ada" already exists');
    expect(classified?.cause).toBe(err);
  });

  it.each([
    ["a refused connection", driverError("connect ECONNREFUSED 127.0.0.1:5432", { code: "ECONNREFUSED" })],
    ["every address refusing", new AggregateError([driverError("connect ECONNREFUSED ::1:5432", { code: "ECONNREFUSED" }), driverError("connect ECONNREFUSED 127.0.0.1:5432", { code: "ECONNREFUSED" })])],
    ["a server shutting down", driverError("terminating connection due to administrator command", { code: "57P01" })],
    ["a database that no longer exists (DROP DATABASE)", driverError('database "scim" does not exist', { code: "3D000" })],
    ["a database dropped under an open session", driverError("terminating connection because of database removal", { code: "57P04" })],
    ["a connection the server refused to establish", driverError("the database system is not accepting connections", { code: "08004" })],
    ["a broken connection", driverError("connection failure", { code: "08006" })],
    ["too many connections", driverError("sorry, too many clients already", { code: "53300" })],
    ["a connection lost mid-session", driverError("Connection terminated unexpectedly")],
    ["a destroyed pool", driverError("Unable to acquire a connection")],
    ["an exhausted pool", Object.assign(driverError("Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?"), { name: "KnexTimeoutError" })],
    ["a busy SQLite file", driverError("database is locked", { code: "SQLITE_BUSY" })],
    ["a SQLite snapshot conflict", driverError("database is locked", { code: "SQLITE_BUSY_SNAPSHOT" })],
    ["a SQLite write failure", driverError("disk I/O error", { code: "SQLITE_IOERR_WRITE" })],
    ["a closed SQLite handle", new TypeError("The database connection is not open")],
    ["an outage given as the cause", new Error("query failed", { cause: driverError("read ECONNRESET", { code: "ECONNRESET" }) })],
  ])("is unavailable for %s", (_name, err) => {
    const classified = classifyDbError(err);
    expect(classified).toBeInstanceOf(DbUnavailableError);
    expect(classified?.cause).toBe(err);
  });

  it.each([
    ["a missing table", driverError("no such table: groups", { code: "SQLITE_ERROR" })],
    ["a syntax error", driverError('syntax error at or near "SELEC"', { code: "42601" })],
    ["a foreign-key violation", driverError("FOREIGN KEY constraint failed", { code: "SQLITE_CONSTRAINT_FOREIGNKEY" })],
    ["something that is not an error", "boom"],
  ])("is nothing we know for %s, so that it is answered as a server fault", (_name, err) => {
    expect(classifyDbError(err)).toBeNull();
    expect(() => translateDbError(err)).toThrow();
    try {
      translateDbError(err);
    } catch (thrown) {
      expect(thrown).toBe(err);
    }
  });

  it("keeps our own errors as they are", () => {
    const mismatch = new DbVersionMismatchError(3);
    expect(classifyDbError(mismatch)).toBe(mismatch);
  });
});
