/**
 * Privacy: each organisation's retention settings (null: the default, docs/privacy.md), and a record
 * of every member deleted from the directory — who they were when deleted, so their personal data
 * can still be exported, pseudonymised on request and pruned once the organisation's retention for
 * deleted members' records has passed. `erased_at` says it was pseudonymised (the row then holds
 * only the pseudonym).
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("privacy_settings", (t) => {
    t.string("org_id", 36).primary().references("orgs.id").onDelete("CASCADE");
    t.integer("audit_log_days").nullable();
    t.integer("event_days").nullable();
    t.integer("analytics_days").nullable();
    t.integer("deleted_member_days").nullable();
    t.string("updated_at", 32).notNullable();
    t.string("updated_by", 400).notNullable();
  });
  await knex.schema.createTable("deleted_members", (t) => {
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.string("user_id", 36).notNullable();
    t.string("user_name", 400).notNullable();
    t.string("display_name", 400).nullable();
    t.jsonb("emails").notNullable();
    t.string("deleted_at", 32).notNullable();
    t.string("erased_at", 32).nullable();
    t.primary(["org_id", "user_id"]);
    t.index(["org_id", "deleted_at"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("deleted_members");
  await knex.schema.dropTableIfExists("privacy_settings");
}
