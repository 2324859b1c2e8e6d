/**
 * Identity & Access: who created each token (`created_by`, null for tokens made before it was
 * recorded); how each SCIM token was last used, in a table of its own so that the throttled usage
 * writes do not touch `tokens`, whose every write empties the cached token lookups
 * (db/change-feed.ts); the recent SCIM errors per token, a bounded log; and an organisation's own
 * console session limits (no row: the operator's defaults).
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("tokens", (t) => {
    t.string("created_by", 300).nullable();
  });
  await knex.schema.createTable("token_usage", (t) => {
    t.string("token_id", 36).primary().references("id").inTable("tokens").onDelete("CASCADE");
    t.string("org_id", 36).notNullable();
    t.string("last_used_at", 32).notNullable();
    t.string("last_method", 10).notNullable();
    t.string("last_path", 300).notNullable();
    t.integer("last_status").notNullable();
  });
  await knex.schema.createTable("scim_errors", (t) => {
    t.bigIncrements("seq").primary();
    t.string("token_id", 36).notNullable().references("id").inTable("tokens").onDelete("CASCADE");
    t.string("org_id", 36).notNullable();
    t.integer("status").notNullable();
    t.string("scim_type", 40).nullable();
    t.string("method", 10).notNullable();
    t.string("path", 300).notNullable();
    t.string("detail", 500).nullable();
    t.string("at", 32).notNullable();
    t.index(["token_id", "seq"], "scim_errors_by_token");
  });
  await knex.schema.createTable("org_session_limits", (t) => {
    t.string("org_id", 36).primary().references("id").inTable("orgs").onDelete("CASCADE");
    t.integer("idle_minutes").notNullable();
    t.integer("session_hours").notNullable();
    t.string("updated_by", 300).notNullable();
    t.string("updated_at", 32).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("org_session_limits");
  await knex.schema.dropTable("scim_errors");
  await knex.schema.dropTable("token_usage");
  await knex.schema.alterTable("tokens", (t) => {
    t.dropColumn("created_by");
  });
}
