/**
 * Migrations to the latest schema. They are listed here rather than discovered on disk so that
 * the same list runs under tsx, ts-jest and compiled JavaScript. Append only; names are timestamps.
 */
import type { Knex } from "knex";
import * as directory from "./migrations/20261126230000_directory";
import * as permissions from "./migrations/20261126231000_permissions";
import * as refusalResolution from "./migrations/20261127000000_refusal_resolution";
import * as groupProvisionedBy from "./migrations/20261202000000_group_provisioned_by";

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ["20261126230000_directory", directory],
  ["20261126231000_permissions", permissions],
  ["20261127000000_refusal_resolution", refusalResolution],
  ["20261202000000_group_provisioned_by", groupProvisionedBy],
];

const source: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

export async function migrateToLatest(knex: Knex): Promise<void> {
  await knex.migrate.latest({ migrationSource: source });
}
