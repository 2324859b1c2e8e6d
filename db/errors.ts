/**
 * What the database layer throws. Driver errors never leave db/: unique violations become
 * DbConflictError, lost connections DbUnavailableError; anything else is re-thrown unchanged
 * for the protocol layer to log and answer with a generic 500.
 */
export class DbConflictError extends Error {
  override readonly name = "DbConflictError";
  readonly code = "conflict";
  constructor(readonly what: string, options?: { cause?: unknown }) {
    super(`${what} already exists`, options);
  }
}

export class DbUnavailableError extends Error {
  override readonly name = "DbUnavailableError";
  readonly code = "unavailable";
  constructor(options?: { cause?: unknown }) {
    super("the database is unavailable", options);
  }
}

/** A row changed under us (optimistic concurrency on `version`). */
export class DbVersionMismatchError extends Error {
  override readonly name = "DbVersionMismatchError";
  readonly code = "version_mismatch";
  constructor(readonly current: number) {
    super(`resource is at version ${current}`);
  }
}

/** Members or managers named in a write that are not in the organisation. */
export class DbUnknownReferenceError extends Error {
  override readonly name = "DbUnknownReferenceError";
  readonly code = "unknown_reference";
  constructor(readonly attribute: string, readonly ids: readonly string[]) {
    super(`${attribute} refers to ${ids.length === 1 ? "an id" : "ids"} not found in this organisation: ${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""}`);
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "57P01", "57P02", "57P03", "08000", "08003", "08006",
  "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL",
]);

export function isUniqueViolation(err: unknown): boolean {
  const code = errorCode(err);
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** Re-throws `err` as one of ours where we know what it means. */
export function translateDbError(err: unknown, what = "resource"): never {
  if (err instanceof DbConflictError || err instanceof DbUnavailableError || err instanceof DbVersionMismatchError || err instanceof DbUnknownReferenceError) throw err;
  if (isUniqueViolation(err)) throw new DbConflictError(what, { cause: err });
  const code = errorCode(err);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) throw new DbUnavailableError({ cause: err });
  if (err instanceof Error && /Knex: Timeout acquiring a connection|Connection terminated|connect ECONNREFUSED/.test(err.message)) {
    throw new DbUnavailableError({ cause: err });
  }
  throw err;
}
