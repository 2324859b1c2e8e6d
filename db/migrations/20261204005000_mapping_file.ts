/**
 * One source of truth at a time: an organisation whose mapping a file manages (MAPPING_FILE) says
 * so in the database, so the admin API on every replica and the CLI in any shell refuse to write a
 * mapping that the file would overwrite on its next change.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("orgs", (t) => {
    t.text("mapping_file").nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("orgs", (t) => {
    t.dropColumn("mapping_file");
  });
}
