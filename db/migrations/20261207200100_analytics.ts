/**
 * Usage analytics: daily counters, added to by every replica (a flush adds its counts to the day's
 * row, never overwrites it), a daily snapshot of how many members hold each org role and custom
 * role, and per-organisation settings saying what is collected. Days are UTC, as `YYYY-MM-DD` text.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("analytics_decisions", (t) => {
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.string("day", 10).notNullable();
    t.string("kind", 16).notNullable();
    t.string("name", 200).notNullable();
    t.bigInteger("allowed").notNullable().defaultTo(0);
    t.bigInteger("denied").notNullable().defaultTo(0);
    t.primary(["org_id", "day", "kind", "name"]);
  });
  await knex.schema.createTable("analytics_provisioning", (t) => {
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.string("day", 10).notNullable();
    t.string("idp", 64).notNullable();
    t.bigInteger("creates").notNullable().defaultTo(0);
    t.bigInteger("updates").notNullable().defaultTo(0);
    t.bigInteger("deactivations").notNullable().defaultTo(0);
    t.bigInteger("errors").notNullable().defaultTo(0);
    t.primary(["org_id", "day", "idp"]);
  });
  await knex.schema.createTable("analytics_members", (t) => {
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.string("day", 10).notNullable();
    t.string("kind", 16).notNullable();
    t.string("key", 200).notNullable();
    t.integer("members").notNullable();
    t.primary(["org_id", "day", "kind", "key"]);
  });
  await knex.schema.createTable("analytics_settings", (t) => {
    t.string("org_id", 36).primary().references("orgs.id").onDelete("CASCADE");
    t.boolean("collect_authorize").notNullable();
    t.boolean("collect_provisioning").notNullable();
    t.string("updated_at", 32).notNullable();
    t.string("updated_by", 400).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("analytics_settings");
  await knex.schema.dropTableIfExists("analytics_members");
  await knex.schema.dropTableIfExists("analytics_provisioning");
  await knex.schema.dropTableIfExists("analytics_decisions");
}
