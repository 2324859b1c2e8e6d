import type { Knex } from "knex";
import type { Harness } from "../support/harness";

/** One SQL statement the server sent, with the number of rows the driver handed back. */
export interface IssuedQuery {
  readonly sql: string;
  readonly bindings: readonly unknown[];
  rows: number;
}

interface QueryEvent {
  readonly sql: string;
  readonly bindings?: readonly unknown[];
  readonly __knexQueryUid?: string;
}

function rowCount(response: unknown): number {
  if (Array.isArray(response)) return response.length;
  if (typeof response === "object" && response !== null && "rows" in response) {
    const rows = (response as { rows: unknown }).rows;
    if (Array.isArray(rows)) return rows.length;
  }
  // `.first()` resolves to one row object; writes resolve to a count.
  return typeof response === "object" && response !== null ? 1 : 0;
}

/** Runs one request and returns every statement it issued, once it answered with `status`. */
export async function queriesOf(h: Harness, run: () => PromiseLike<{ status: number }>, status: number): Promise<IssuedQuery[]> {
  const capture = captureQueries(h);
  const res = await run();
  capture.stop();
  expect(res.status).toBe(status);
  return capture.queries;
}

/**
 * Records every statement issued on the harness's knex (transactions included) and how many
 * rows each returned, so tests can prove work happens in SQL and costs what it should.
 */
export function captureQueries(h: Harness): { readonly queries: IssuedQuery[]; stop(): void } {
  const knex: Knex = h.db.knex;
  const queries: IssuedQuery[] = [];
  const byUid = new Map<string, IssuedQuery>();
  const onQuery = (q: QueryEvent): void => {
    const entry: IssuedQuery = { sql: q.sql, bindings: q.bindings ?? [], rows: 0 };
    queries.push(entry);
    if (q.__knexQueryUid !== undefined) byUid.set(q.__knexQueryUid, entry);
  };
  const onResponse = (response: unknown, q: QueryEvent): void => {
    const entry = q.__knexQueryUid !== undefined ? byUid.get(q.__knexQueryUid) : undefined;
    if (entry) entry.rows = rowCount(response);
  };
  knex.on("query", onQuery);
  knex.on("query-response", onResponse);
  return {
    queries,
    stop: () => {
      knex.removeListener("query", onQuery);
      knex.removeListener("query-response", onResponse);
    },
  };
}

export interface ListBody {
  readonly schemas: string[];
  readonly totalResults: number;
  readonly startIndex: number;
  readonly itemsPerPage: number;
  readonly Resources: Record<string, unknown>[];
}

/** Walks a JSON value and returns the paths of every null in it. */
export function nullPaths(value: unknown, path = "$"): string[] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nullPaths(v, `${path}[${i}]`));
  if (typeof value === "object") return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => nullPaths(v, `${path}.${k}`));
  return [];
}

/** supertest serves each request on a new port: compare resources without their absolute URLs. */
export function withoutHost<T>(body: T): T {
  return JSON.parse(JSON.stringify(body).replace(/https?:\/\/[^/"]+\/scim\/v2/g, "/scim/v2")) as T;
}

/**
 * How the database would reach the rows of each data statement, as lines naming a table read in
 * full or through an organisation-wide index — the accesses whose cost grows with the directory.
 * Plans are asked for, never executed (EXPLAIN without ANALYZE), so writes are not repeated.
 * The plans are those for the statistics the test left: none right after a bulk load (a directory
 * just seeded), or whatever an ANALYZE took (e.g. before any membership existed, as in a sync).
 */
export async function directoryWideAccesses(h: Harness, queries: readonly IssuedQuery[], tables: readonly string[]): Promise<string[]> {
  const knex: Knex = h.db.knex;
  // PostgreSQL plans by cost, and a sequential scan of a table of a few rows is its right choice:
  // only large tables count there. SQLite without statistics plans the same whatever the sizes, so
  // an organisation-wide walk in its plan is a defect even on a table that is small today.
  const large: string[] = [];
  for (const table of tables) {
    const row = (await knex(table).count({ n: "*" }).first()) as { n: number | string } | undefined;
    if (Number(row?.n ?? 0) >= 10_000) large.push(table);
  }
  const wide =
    h.db.dialect === "pg"
      ? new RegExp(`Seq Scan on (${large.length > 0 ? large.join("|") : "(?!)"})\\b`)
      : // SQLite names a table by its alias in a plan, but its indexes by the table's name.
        new RegExp(`^(SCAN (?!.*(VIRTUAL TABLE|CONSTANT ROW))|SEARCH \\S+ USING (COVERING )?INDEX (${tables.join("|")})_\\S+ \\(org_id=\\?\\)$)`);
  const found: string[] = [];
  for (const q of queries) {
    if (!/^\s*(select|insert|update|delete|with)\b/i.test(q.sql)) continue;
    // knex reports PostgreSQL statements with $n placeholders, in order; knex.raw wants `?`.
    const sql = h.db.dialect === "pg" ? `EXPLAIN ${q.sql.replace(/\$\d+/g, "?")}` : `EXPLAIN QUERY PLAN ${q.sql}`;
    const result: unknown = await knex.raw(sql, [...q.bindings] as Knex.RawBinding[]);
    const rows: Record<string, unknown>[] = Array.isArray(result) ? result : ((result as { rows: Record<string, unknown>[] }).rows ?? []);
    for (const row of rows) {
      const line = String(row.detail ?? row["QUERY PLAN"] ?? "").trim();
      if (wide.test(line)) found.push(`${line}  ←  ${q.sql.replace(/\s+/g, " ").slice(0, 160)}`);
    }
  }
  return found;
}
