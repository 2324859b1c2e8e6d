/**
 * Durable events and their delivery: the per-organisation event counter, the outbox every
 * permission change is written to in its own transaction, webhook subscriptions and their
 * deliveries (leased, retried), and the request id on audit rows.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  // One row per organisation: the last event id handed out (allocated under this row's lock, so
  // ids commit in order) and the highest id pruned (a resume from below it cannot be served).
  await knex.schema.createTable("event_counters", (t) => {
    t.string("org_id", 36).primary().references("orgs.id").onDelete("CASCADE");
    t.bigInteger("last_id").notNullable().defaultTo(0);
    t.bigInteger("pruned_through").notNullable().defaultTo(0);
  });

  await knex.schema.createTable("event_outbox", (t) => {
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.bigInteger("id").notNullable();
    t.string("type", 64).notNullable();
    t.string("member_id", 36).nullable();
    t.jsonb("payload").notNullable();
    t.bigInteger("created_ms").notNullable();
    t.primary(["org_id", "id"]);
    t.index(["created_ms"]);
  });

  await knex.schema.createTable("webhooks", (t) => {
    t.string("id", 36).primary();
    t.string("org_id", 36).notNullable().references("orgs.id").onDelete("CASCADE");
    t.text("url").notNullable();
    t.string("secret", 128).notNullable();
    t.jsonb("events").notNullable();
    // The last outbox id turned into deliveries for this webhook.
    t.bigInteger("cursor").notNullable().defaultTo(0);
    t.string("created_at", 32).notNullable();
    t.index(["org_id"]);
  });

  await knex.schema.createTable("webhook_deliveries", (t) => {
    t.string("id", 40).primary();
    t.string("webhook_id", 36).notNullable().references("webhooks.id").onDelete("CASCADE");
    t.string("org_id", 36).notNullable();
    t.bigInteger("event_id").notNullable();
    t.string("member_id", 36).nullable();
    t.string("status", 16).notNullable(); // pending | delivered | failed
    t.integer("attempts").notNullable().defaultTo(0);
    t.bigInteger("created_ms").notNullable();
    t.bigInteger("next_attempt_ms").notNullable();
    t.bigInteger("lease_until_ms").nullable();
    t.string("leased_by", 64).nullable();
    t.integer("last_status").nullable();
    t.text("last_error").nullable();
    t.bigInteger("finished_ms").nullable();
    t.unique(["webhook_id", "event_id"]);
    t.index(["status", "next_attempt_ms"]);
    t.index(["webhook_id", "member_id", "status", "event_id"]);
  });

  await knex.schema.alterTable("audit_log", (t) => {
    t.string("request_id", 100).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("audit_log", (t) => {
    t.dropColumn("request_id");
  });
  for (const table of ["webhook_deliveries", "webhooks", "event_outbox", "event_counters"]) {
    await knex.schema.dropTableIfExists(table);
  }
}
