/**
 * Migrations to the latest schema. They are listed here rather than discovered on disk so that
 * the same list runs under tsx, ts-jest and compiled JavaScript. Append only; names are timestamps.
 */
import type { Knex } from "knex";
import * as directory from "./migrations/20261126230000_directory";
import * as permissions from "./migrations/20261126231000_permissions";
import * as refusalResolution from "./migrations/20261127000000_refusal_resolution";
import * as manualGroups from "./migrations/20261204000000_manual_groups";
import * as memberIndex from "./migrations/20261204001000_member_index";
import * as platformVersions from "./migrations/20261204002000_platform_versions";
import * as adminAudit from "./migrations/20261204003000_admin_audit";
import * as oidc from "./migrations/20261204004000_oidc";
import * as mappingFile from "./migrations/20261204005000_mapping_file";

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ["20261126230000_directory", directory],
  ["20261126231000_permissions", permissions],
  ["20261127000000_refusal_resolution", refusalResolution],
  ["20261204000000_manual_groups", manualGroups],
  ["20261204001000_member_index", memberIndex],
  ["20261204002000_platform_versions", platformVersions],
  ["20261204003000_admin_audit", adminAudit],
  ["20261204004000_oidc", oidc],
  ["20261204005000_mapping_file", mappingFile],
];

const source: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

export async function migrateToLatest(knex: Knex): Promise<void> {
  await knex.migrate.latest({ migrationSource: source });
}
