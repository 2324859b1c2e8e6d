/**
 * The operator's platform overrides, kept in the database like mappings: every version is kept
 * with its text, hash, who applied it and when; the highest is in force for every process (the
 * server, the CLI, every replica) so they all compute with the same overrides.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("platform_versions", (t) => {
    t.bigIncrements("seq").primary();
    t.integer("version").notNullable().unique();
    t.string("hash", 64).notNullable();
    t.text("source_text").notNullable();
    t.string("source_name", 400).notNullable();
    t.jsonb("platform").notNullable();
    t.string("applied_by", 200).notNullable();
    t.string("applied_at", 32).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("platform_versions");
}
