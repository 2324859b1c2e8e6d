/**
 * Privacy: each organisation's retention settings (null: the default, docs/privacy.md), and a record
 * of every member deleted from the directory — who they were when deleted, so their personal data
 * can still be exported, pseudonymised on request and pruned once the organisation's retention for
 * deleted members' records has passed. `erased_at` says it was pseudonymised (the row then holds
 * only the pseudonym). The logs get an index by time per organisation, so the retention job finds
 * what is past an organisation's retention as a range, whatever the log's size.
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
  await knex.schema.alterTable("audit_log", (t) => {
    t.index(["org_id", "at"], "audit_log_org_at");
  });
  await knex.schema.alterTable("admin_actions", (t) => {
    t.index(["org_id", "at"], "admin_actions_org_at");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("admin_actions", (t) => {
    t.dropIndex(["org_id", "at"], "admin_actions_org_at");
  });
  await knex.schema.alterTable("audit_log", (t) => {
    t.dropIndex(["org_id", "at"], "audit_log_org_at");
  });
  await knex.schema.dropTableIfExists("deleted_members");
  await knex.schema.dropTableIfExists("privacy_settings");
}
