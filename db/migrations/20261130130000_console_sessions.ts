/**
 * The console's sign-in sessions, kept on the server: the browser holds only a signed opaque id,
 * and only the id's SHA-256 is stored here (a read of this table cannot be replayed as a cookie).
 * Each session knows its organisation, the member's userName, its CSRF token and its three times
 * (ISO-8601, so that text comparison orders them): idle expiry is `last_seen_at` plus the idle
 * timeout, absolute expiry `expires_at`. `console_secrets` holds the cookie-signing key generated
 * when SESSION_SECRET is not set, so every replica signs and checks with the same one.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("console_sessions", (t) => {
    t.string("id_hash", 64).primary();
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.string("user_name", 400).notNullable();
    t.string("csrf_token", 64).notNullable();
    t.string("created_at", 32).notNullable();
    t.string("last_seen_at", 32).notNullable();
    t.string("expires_at", 32).notNullable();
    t.index(["expires_at"]);
  });
  await knex.schema.createTable("console_secrets", (t) => {
    t.string("name", 64).primary();
    t.string("value", 200).notNullable();
    t.string("created_at", 32).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("console_secrets");
  await knex.schema.dropTableIfExists("console_sessions");
}
