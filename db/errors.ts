/**
 * What the database layer throws, and the one place a driver error is given a meaning.
 * `classifyDbError` turns unique violations into DbConflictError and every way of not reaching the
 * database (refused or lost connections, a destroyed or exhausted pool, a busy SQLite file) into
 * DbUnavailableError; the SCIM and /api error renderers both ask it, so every read, write and
 * transaction start is covered without a try/catch at each call. Anything else stays unknown, for
 * the renderer to log and answer with a generic 500.
 */
export type DbErrorCode = "conflict" | "unavailable" | "version_mismatch" | "unknown_reference";

export class DbConflictError extends Error {
  override readonly name = "DbConflictError";
  readonly code = "conflict" satisfies DbErrorCode;
  constructor(readonly what: string, options?: { cause?: unknown }) {
    super(`${what} already exists`, options);
  }
}

export class DbUnavailableError extends Error {
  override readonly name = "DbUnavailableError";
  readonly code = "unavailable" satisfies DbErrorCode;
  constructor(options?: { cause?: unknown }) {
    super("the database is unavailable", options);
  }
}

/** A row changed under us (optimistic concurrency on `version`). */
export class DbVersionMismatchError extends Error {
  override readonly name = "DbVersionMismatchError";
  readonly code = "version_mismatch" satisfies DbErrorCode;
  constructor(readonly current: number) {
    super(`resource is at version ${current}`);
  }
}

/** Members or managers named in a write that are not in the organisation. */
export class DbUnknownReferenceError extends Error {
  override readonly name = "DbUnknownReferenceError";
  readonly code = "unknown_reference" satisfies DbErrorCode;
  constructor(readonly attribute: string, readonly ids: readonly string[]) {
    super(`${attribute} refers to ${ids.length === 1 ? "an id" : "ids"} not found in this organisation: ${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""}`);
  }
}

export type DbError = DbConflictError | DbUnavailableError | DbVersionMismatchError | DbUnknownReferenceError;

export function isDbError(err: unknown): err is DbError {
  return err instanceof DbConflictError || err instanceof DbUnavailableError || err instanceof DbVersionMismatchError || err instanceof DbUnknownReferenceError;
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code: unknown = err.code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/** SQLite's extended codes refine these (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, …). */
const UNAVAILABLE_SQLITE = ["SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL"];

/**
 * Socket errors; PostgreSQL class 08 (connection exception), 53300 (too many connections),
 * 57014 (a statement cancelled by statement_timeout: the database did not answer in time),
 * 57P01–57P03 (the server is shutting down or starting), and a database that is gone: 3D000
 * (it does not exist, as a new connection finds after `DROP DATABASE`) and 57P04 (dropped under
 * an open session). Like any outage, what the operator restores makes the server serve again.
 */
function unavailableCode(code: string): boolean {
  if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"].includes(code)) return true;
  if (code.startsWith("08") && code.length === 5) return true;
  if (["3D000", "53300", "57014", "57P01", "57P02", "57P03", "57P04"].includes(code)) return true;
  return UNAVAILABLE_SQLITE.some((prefix) => code === prefix || code.startsWith(`${prefix}_`));
}

/**
 * knex's pool and the drivers say it in words only: a destroyed pool ("Unable to acquire a
 * connection"), an exhausted or unreachable one ("Knex: Timeout acquiring a connection"), a
 * connection lost mid-session or silent past `query_timeout`, a connection attempt past
 * `connectionTimeoutMillis` ("timeout expired") (pg), a closed SQLite handle (better-sqlite3).
 */
const UNAVAILABLE_MESSAGE =
  /Unable to acquire a connection|Timeout acquiring a connection|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error|Connection is closed|The database connection is not open|Query read timeout|timeout exceeded when trying to connect|^timeout expired$/;

function isUnavailable(err: unknown, depth = 0): boolean {
  if (depth > 3 || typeof err !== "object" || err === null) return false;
  const code = errorCode(err);
  if (code !== undefined && unavailableCode(code)) return true;
  if (err instanceof Error) {
    if (err.name === "KnexTimeoutError" || UNAVAILABLE_MESSAGE.test(err.message)) return true;
    if (err instanceof AggregateError && err.errors.some((inner: unknown) => isUnavailable(inner, depth + 1))) return true;
    return isUnavailable(err.cause, depth + 1);
  }
  return false;
}

export function isUniqueViolation(err: unknown): boolean {
  const code = errorCode(err);
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/**
 * What a thrown value means to us: ours as it is, a driver error we recognise as one of ours
 * (`what` names the thing a unique violation collides with), otherwise null.
 */
export function classifyDbError(err: unknown, what = "resource"): DbError | null {
  if (isDbError(err)) return err;
  if (isUniqueViolation(err)) return new DbConflictError(what, { cause: err });
  if (isUnavailable(err)) return new DbUnavailableError({ cause: err });
  return null;
}

/** Re-throws `err` as one of ours where we know what it means, unchanged otherwise. */
export function translateDbError(err: unknown, what = "resource"): never {
  throw classifyDbError(err, what) ?? err;
}
