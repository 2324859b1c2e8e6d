/**
 * Each webhook's circuit, shared by every replica: how many attempts in a row failed, and until when
 * the endpoint is left alone after too many (its deliveries wait; other webhooks' go on). The index
 * finds a webhook's due deliveries without scanning another webhook's backlog.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("webhooks", (t) => {
    t.integer("failures").notNullable().defaultTo(0);
    t.bigInteger("paused_until_ms").nullable();
  });
  await knex.schema.alterTable("webhook_deliveries", (t) => {
    t.index(["webhook_id", "status", "next_attempt_ms"], "webhook_deliveries_due");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("webhook_deliveries", (t) => {
    t.dropIndex(["webhook_id", "status", "next_attempt_ms"], "webhook_deliveries_due");
  });
  await knex.schema.alterTable("webhooks", (t) => {
    t.dropColumn("paused_until_ms");
    t.dropColumn("failures");
  });
}
