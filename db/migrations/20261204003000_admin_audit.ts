/**
 * Who did it: every admin write is recorded in `admin_actions` (even one that changes no one's
 * permissions, like creating an empty group), and every permission change in `audit_log` names its
 * actor (`member:<userName>`, `cli:<os user>`, `file:<path>`, `scim`, …) in an indexed column so the
 * log can be filtered by actor. Existing audit rows get the actor their cause names.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === "pg";
  await knex.schema.createTable("admin_actions", (t) => {
    t.bigIncrements("seq").primary();
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.string("actor", 400).notNullable();
    t.string("action", 64).notNullable();
    t.string("target", 400).nullable();
    t.jsonb("detail").notNullable();
    t.string("at", 32).notNullable();
    t.index(["org_id", "seq"]);
    t.index(["org_id", "actor", "seq"]);
  });
  await knex.schema.alterTable("audit_log", (t) => {
    t.string("actor", 400).nullable();
    t.index(["org_id", "actor", "seq"]);
  });
  const field = (name: string) => (pg ? `cause ->> '${name}'` : `json_extract(cause, '$.${name}')`);
  await knex.raw(`UPDATE audit_log SET actor = CASE ${field("kind")}
      WHEN 'scim' THEN 'scim'
      WHEN 'cli' THEN ${field("actor")}
      WHEN 'mapping' THEN (SELECT m.applied_by FROM mappings m WHERE m.org_id = audit_log.org_id AND m.version = CAST(${field("version")} AS INTEGER))
    END`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("audit_log", (t) => {
    t.dropIndex(["org_id", "actor", "seq"]);
    t.dropColumn("actor");
  });
  await knex.schema.dropTableIfExists("admin_actions");
}
