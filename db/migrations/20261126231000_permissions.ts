/**
 * Role mapping state: mapping versions per organisation, the materialised effective
 * permissions of every member (read by the authorize API without recomputation), and the
 * append-only audit log of every change to them.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("mappings", (t) => {
    t.bigIncrements("seq").primary();
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.integer("version").notNullable();
    t.string("hash", 64).notNullable();
    t.text("source_text").notNullable();
    t.string("source_name", 400).notNullable();
    t.jsonb("mapping").notNullable();
    t.string("applied_by", 200).notNullable();
    t.string("applied_at", 32).notNullable();
    t.unique(["org_id", "version"]);
  });

  await knex.schema.createTable("mapping_refusals", (t) => {
    t.bigIncrements("seq").primary();
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.string("source_name", 400).notNullable();
    t.string("hash", 64).notNullable();
    t.jsonb("errors").notNullable();
    t.string("refused_at", 32).notNullable();
    t.index(["org_id", "seq"]);
  });

  await knex.schema.createTable("member_permissions", (t) => {
    t.string("user_id", 36).primary();
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.jsonb("permissions").notNullable();
    t.string("updated_at", 32).notNullable();
  });

  await knex.schema.createTable("audit_log", (t) => {
    t.bigIncrements("seq").primary();
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.string("user_id", 36).notNullable();
    t.string("user_name", 400).notNullable();
    t.jsonb("before").notNullable();
    t.jsonb("after").notNullable();
    t.jsonb("cause").notNullable();
    t.string("at", 32).notNullable();
    t.index(["org_id", "user_id", "seq"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ["audit_log", "member_permissions", "mapping_refusals", "mappings"]) {
    await knex.schema.dropTableIfExists(table);
  }
}
