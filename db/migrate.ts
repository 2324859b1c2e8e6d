/**
 * Migrations to the latest schema. They are listed here rather than discovered on disk so that
 * the same list runs under tsx, ts-jest and compiled JavaScript. Append only; names are timestamps.
 */
import type { Knex } from "knex";
import * as directory from "./migrations/20261126230000_directory";
import * as permissions from "./migrations/20261126231000_permissions";
import * as refusalResolution from "./migrations/20261127000000_refusal_resolution";
import * as managerReference from "./migrations/20261129180000_manager_reference";
import * as groupProvisionedBy from "./migrations/20261202000000_group_provisioned_by";
import * as outbox from "./migrations/20261203000000_outbox";
import * as manualGroups from "./migrations/20261204000000_manual_groups";
import * as memberIndex from "./migrations/20261204001000_member_index";
import * as platformVersions from "./migrations/20261204002000_platform_versions";
import * as adminAudit from "./migrations/20261204003000_admin_audit";
import * as oidc from "./migrations/20261204004000_oidc";
import * as mappingFile from "./migrations/20261204005000_mapping_file";
import * as consoleSessions from "./migrations/20261130130000_console_sessions";
import * as memberEmail from "./migrations/20261130130100_member_email";
import * as resourceCounters from "./migrations/20261130140000_resource_counters";
import * as changeNotifications from "./migrations/20261130150000_change_notifications";
import * as consoleSessionMember from "./migrations/20261207170000_console_session_member";
import * as tokenExpiry from "./migrations/20261207170100_token_expiry";
import * as webhookCircuit from "./migrations/20261207170200_webhook_circuit";
import * as memberStanding from "./migrations/20261207200000_member_standing";
import * as analytics from "./migrations/20261207200100_analytics";
import * as privacy from "./migrations/20261207200200_privacy";
import * as identityAccess from "./migrations/20261207200300_identity_access";
import * as statementLevelOrgKeys from "./migrations/20261208000000_statement_level_org_keys";

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ["20261126230000_directory", directory],
  ["20261126231000_permissions", permissions],
  ["20261127000000_refusal_resolution", refusalResolution],
  ["20261129180000_manager_reference", managerReference],
  ["20261202000000_group_provisioned_by", groupProvisionedBy],
  ["20261203000000_outbox", outbox],
  ["20261204000000_manual_groups", manualGroups],
  ["20261204001000_member_index", memberIndex],
  ["20261204002000_platform_versions", platformVersions],
  ["20261204003000_admin_audit", adminAudit],
  ["20261204004000_oidc", oidc],
  ["20261204005000_mapping_file", mappingFile],
  ["20261130130000_console_sessions", consoleSessions],
  ["20261130130100_member_email", memberEmail],
  ["20261130140000_resource_counters", resourceCounters],
  ["20261130150000_change_notifications", changeNotifications],
  ["20261207170000_console_session_member", consoleSessionMember],
  ["20261207170100_token_expiry", tokenExpiry],
  ["20261207170200_webhook_circuit", webhookCircuit],
  ["20261207200000_member_standing", memberStanding],
  ["20261207200100_analytics", analytics],
  ["20261207200200_privacy", privacy],
  ["20261207200300_identity_access", identityAccess],
  ["20261208000000_statement_level_org_keys", statementLevelOrgKeys],
];

const source: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

/**
 * Migrates to the latest schema, once, even when several replicas start together. knex's own
 * lock row refuses a second migrator ("Migration table is already locked") rather than waiting,
 * and two first starts race to create knex's bookkeeping tables (on PostgreSQL the loser of that
 * race can even leave two lock rows, after which every later migration is refused). So on
 * PostgreSQL the migrators take turns on an advisory lock held by a transaction of their own
 * (keyed by the schema, so tests in separate schemas do not wait for each other); whoever comes
 * second finds nothing left to do. SQLite serialises writers itself; a start that loses the
 * bookkeeping race, or finds another start's migration under way, retries until that one is done
 * (MIGRATION_WAIT_MS: a first start runs every migration, which on a busy machine takes seconds).
 */
/** How long a SQLite start waits for another start's migration before it gives up. */
const MIGRATION_WAIT_MS = 120_000;

export async function migrateToLatest(knex: Knex): Promise<void> {
  if (knex.client.config.client === "pg") {
    const turn = await knex.transaction();
    try {
      await turn.raw("select pg_advisory_xact_lock(hashtext('knex_migrations:' || current_schema()))");
      await knex.migrate.latest({ migrationSource: source });
    } finally {
      await turn.commit();
    }
    return;
  }
  const deadline = Date.now() + MIGRATION_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await knex.migrate.latest({ migrationSource: source });
      return;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (Date.now() > deadline || !/already locked|already exists|SQLITE_BUSY|database is locked/i.test(message)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1_000)));
    }
  }
}
