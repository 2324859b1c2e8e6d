/**
 * The directory: organisations, their credentials, Users, Groups and memberships.
 * Every row carries `org_id`; uniqueness of userName/displayName is per organisation and
 * case-insensitive (RFC 7643 §4.1.1: userName caseExact=false), enforced on a lower-cased column.
 * `seq` gives every resource a stable, cheap default order for paging.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("orgs", (t) => {
    t.string("id", 36).primary();
    t.string("name", 200).notNullable().unique();
    t.string("created_at", 32).notNullable();
    t.string("entra_tenant_id", 64).nullable().unique();
    t.text("entra_jwks_url").nullable();
    t.text("entra_jwks_json").nullable();
  });

  await knex.schema.createTable("tokens", (t) => {
    t.string("id", 36).primary();
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.string("kind", 8).notNullable(); // scim | api
    t.string("token_hash", 64).notNullable().unique();
    t.string("label", 200).nullable();
    t.string("created_at", 32).notNullable();
    t.string("revoked_at", 32).nullable();
    t.index(["org_id", "kind"]);
  });

  await knex.schema.createTable("users", (t) => {
    t.bigIncrements("seq").primary();
    t.string("id", 36).notNullable().unique();
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.string("user_name", 400).notNullable();
    t.string("user_name_ci", 400).notNullable();
    t.string("external_id", 400).nullable();
    t.string("display_name", 400).nullable();
    t.boolean("active").notNullable().defaultTo(true);
    t.string("manager_id", 36).nullable();
    t.jsonb("data").notNullable();
    t.integer("version").notNullable().defaultTo(1);
    t.string("created_at", 32).notNullable();
    t.string("updated_at", 32).notNullable();
    t.unique(["org_id", "user_name_ci"]);
    t.index(["org_id", "seq"]);
    t.index(["org_id", "external_id"]);
    t.index(["org_id", "display_name"]);
    t.index(["org_id", "manager_id"]);
  });

  await knex.schema.createTable("groups", (t) => {
    t.bigIncrements("seq").primary();
    t.string("id", 36).notNullable().unique();
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.string("display_name", 400).notNullable();
    t.string("display_name_ci", 400).notNullable();
    t.string("external_id", 400).nullable();
    t.jsonb("data").notNullable();
    t.integer("version").notNullable().defaultTo(1);
    t.string("created_at", 32).notNullable();
    t.string("updated_at", 32).notNullable();
    t.unique(["org_id", "display_name_ci"]);
    t.index(["org_id", "seq"]);
    t.index(["org_id", "external_id"]);
  });

  // No foreign key on member_id: a member is a User or a Group. Existence in the same
  // organisation is checked by db/memberships.ts inside the writing transaction, and deletes
  // of users and groups remove their rows here.
  await knex.schema.createTable("group_members", (t) => {
    t.string("group_id", 36).notNullable().references("groups.id").onDelete("CASCADE");
    t.string("member_id", 36).notNullable();
    t.string("org_id", 36).notNullable();
    t.string("member_type", 8).notNullable(); // User | Group
    t.primary(["group_id", "member_id"]);
    t.index(["member_id"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ["group_members", "groups", "users", "tokens", "orgs"]) {
    await knex.schema.dropTableIfExists(table);
  }
}
