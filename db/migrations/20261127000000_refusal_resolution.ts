/**
 * A refused mapping edit stays visible until a valid file is seen again, even when that file is
 * identical to the mapping in force (restoring the old text creates no new version).
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("mapping_refusals", (t) => {
    t.string("resolved_at", 32).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("mapping_refusals", (t) => {
    t.dropColumn("resolved_at");
  });
}
