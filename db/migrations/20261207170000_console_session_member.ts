/**
 * A console session names the SCIM user it signed in as by id, so that every use of it can read
 * that user's standing (active, deleted) by primary key in the same statement as the session.
 * Sessions opened before are matched by their userName; one that matches no user ends at its next
 * use, as it would have at the admin API.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("console_sessions", (t) => {
    t.string("user_id", 36).nullable();
  });
  await knex.raw(
    "UPDATE console_sessions SET user_id = (SELECT u.id FROM users u WHERE u.org_id = console_sessions.org_id AND u.user_name_ci = lower(console_sessions.user_name))",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("console_sessions", (t) => {
    t.dropColumn("user_id");
  });
}
