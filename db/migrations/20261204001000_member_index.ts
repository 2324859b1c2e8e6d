/**
 * What the admin API filters and counts members by, in indexed columns beside the materialised
 * permissions (which stay opaque JSON): the org role, whether the member may edit roles (the
 * lock-out check asks "is anyone left?"), and one row per custom role held (members per role, the
 * `role=` filter). Members are searched by userName or displayName prefix, case-insensitively.
 * Existing rows are filled from the stored JSON once, here.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === "pg";
  await knex.schema.alterTable("member_permissions", (t) => {
    t.string("org_role", 16).nullable();
    t.boolean("role_editor").notNullable().defaultTo(false);
    t.index(["org_id", "org_role"]);
    t.index(["org_id", "role_editor"]);
  });
  await knex.schema.createTable("member_roles", (t) => {
    t.string("user_id", 36).notNullable();
    t.string("role", 100).notNullable();
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.primary(["user_id", "role"]);
    t.index(["org_id", "role", "user_id"]);
  });
  await knex.schema.alterTable("users", (t) => {
    t.string("display_name_ci", 400).nullable();
    t.index(["org_id", "display_name_ci"]);
  });

  // The role-editor predicate as it stood when this ran (mapping/'s canEditRoles decides from now on).
  const field = (path: string) => (pg ? `permissions #>> '{${path.split(".").join(",")}}'` : `json_extract(permissions, '$.${path}')`);
  await knex.raw(`UPDATE member_permissions SET org_role = ${field("orgRole")},
    role_editor = (${field("orgRole")} IN ('owner', 'primary_owner') OR (${field("orgRole")} = 'custom' AND ${field("admin.identity_access")} = 'manage'))`);
  await knex.raw(
    pg
      ? `INSERT INTO member_roles (user_id, role, org_id) SELECT DISTINCT p.user_id, r.value, p.org_id FROM member_permissions p, jsonb_array_elements_text(p.permissions -> 'roles') AS r(value)`
      : `INSERT OR IGNORE INTO member_roles (user_id, role, org_id) SELECT p.user_id, r.value, p.org_id FROM member_permissions p, json_each(p.permissions, '$.roles') AS r`,
  );
  await knex.raw("UPDATE users SET display_name_ci = lower(display_name)");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("users", (t) => {
    t.dropIndex(["org_id", "display_name_ci"]);
    t.dropColumn("display_name_ci");
  });
  await knex.schema.dropTableIfExists("member_roles");
  await knex.schema.alterTable("member_permissions", (t) => {
    t.dropIndex(["org_id", "org_role"]);
    t.dropIndex(["org_id", "role_editor"]);
    t.dropColumn("org_role");
    t.dropColumn("role_editor");
  });
}
