/**
 * The hot read statements (a user by id, a page of users, a filtered list) compiled once per
 * connection. On PostgreSQL a named statement is parsed and planned once per connection, which the
 * `pg` driver does when a query carries a `name` (knex passes its `options` through): at 100k users
 * planning the by-id join costs more server CPU than running it. SQLite's statements are prepared
 * once per connection already (db/connection.ts), so the name changes nothing there.
 *
 * A name must always stand for the same text on a connection (the driver refuses otherwise), so it
 * is derived from what decides the text. The statements list their columns rather than `*`: a plan
 * PostgreSQL cached must not change its result type when a migration adds a column while a replica
 * of the previous version runs. Shapes are few (a filter's values are parameters), but a client
 * inventing filters could make many, so only the first `NAMED_SHAPES` shapes are named; the rest
 * run as before.
 */
import { createHash } from "node:crypto";
import type { Knex } from "knex";
import { isPostgres } from "./dialect";
import type { Executor } from "./connection";

const NAMED_SHAPES = 200;
const names = new Map<string, string | null>();

function nameOf(shape: string): string | null {
  let name = names.get(shape);
  if (name === undefined) {
    name = names.size >= NAMED_SHAPES ? null : `scim_${createHash("sha1").update(shape).digest("hex").slice(0, 20)}`;
    if (name !== null) names.set(shape, name);
  }
  return name;
}

/**
 * The builder, named on PostgreSQL. `shape` must determine the statement's text (a fixed name for a
 * fixed statement, or the SQL fragments that vary), so that naming costs a map lookup rather than a
 * second compilation of the query.
 */
export function prepared<T extends Knex.QueryBuilder>(tx: Executor, shape: string, builder: T): T {
  if (!isPostgres(tx)) return builder;
  const name = nameOf(shape);
  return name === null ? builder : builder.options({ name });
}
