/**
 * The console's people picker searches members by email as well as by userName and displayName
 * (with Entra the userName is the UPN, which need not be the address people know). A user's email
 * for search is the `primary` one of SCIM's multi-valued `emails` (RFC 7643 §4.1.2), else the first,
 * lower-cased in an indexed column beside `display_name_ci`. Existing users are filled in once, here.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === "pg";
  await knex.schema.alterTable("users", (t) => {
    t.string("email_ci", 400).nullable();
    t.index(["org_id", "email_ci"]);
  });
  await knex.raw(
    pg
      ? `UPDATE users SET email_ci = lower((
           SELECT x.e ->> 'value' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(data -> 'emails') = 'array' THEN data -> 'emails' ELSE '[]'::jsonb END) WITH ORDINALITY AS x(e, n)
           WHERE jsonb_typeof(x.e -> 'value') = 'string'
           ORDER BY CASE WHEN x.e ->> 'primary' = 'true' THEN 0 ELSE 1 END, x.n LIMIT 1))`
      : `UPDATE users SET email_ci = lower((
           SELECT json_extract(e.value, '$.value') FROM json_each(users.data, '$.emails') AS e
           WHERE json_type(users.data, '$.emails') = 'array' AND json_type(e.value, '$.value') = 'text'
           ORDER BY CASE WHEN json_extract(e.value, '$.primary') IN (1, 'true') THEN 0 ELSE 1 END, e.key LIMIT 1))`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("users", (t) => {
    t.dropIndex(["org_id", "email_ci"]);
    t.dropColumn("email_ci");
  });
}
