/**
 * What differs between the two databases we run on, asked of the executor in hand (a transaction
 * knows its client): the one place that tells SQLite from PostgreSQL below `Database.dialect`.
 */
import type { Executor } from "./connection";

export function isPostgres(tx: Executor): boolean {
  return tx.client.config.client === "pg";
}

/**
 * A JSON array of ids bound as ONE parameter and read as rows `j(value)`: cost and parameter count
 * stay the same whether it holds one id or 100k (see db/memberships.ts).
 */
export function jsonIdRows(tx: Executor, alias = "j"): string {
  return isPostgres(tx) ? `jsonb_array_elements_text(CAST(? AS jsonb)) AS ${alias}(value)` : `json_each(?) AS ${alias}`;
}
