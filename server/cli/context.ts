/**
 * What every command is given, and the steps they share: the configuration the entry parsed once,
 * who is acting, the database opened for one command, and the one `--org` rule.
 */
import type { Command } from "commander";
import { type Database, openDatabase } from "../../db/connection";
import { type Org, findOrgByName } from "../../db/orgs";
import type { MappingPermissionSync } from "../../roles";
import { createSync, prepareDatabase } from "../bootstrap";
import { type Config, ConfigError } from "../config";

/** The documented exit codes. */
export const EXIT = { done: 0, invalid: 1, usage: 2, refused: 3 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.invalid,
  ) {
    super(message);
  }
}

export interface CliContext {
  /** Parsed once by the entry; a problem in it fails only the commands that need the configuration. */
  readonly config: Config | ConfigError;
  /** The OS user running the CLI (`os.userInfo()`), or null when the system names none. */
  readonly osUser: string | null;
  /** package.json's version. */
  readonly version: string;
}

export function configOf(ctx: CliContext): Config {
  if (ctx.config instanceof ConfigError) throw new CliError(ctx.config.message, EXIT.usage);
  return ctx.config;
}

/** The organisation a command acts on when `--org` is not given: DEFAULT_ORG, as the server provisions it. */
export function defaultOrgOf(ctx: CliContext): string {
  return ctx.config instanceof ConfigError ? "default" : ctx.config.defaultOrg;
}

/** The one `--org` rule: every command that acts on an organisation takes it, defaulting to DEFAULT_ORG. */
export function withOrgOption(command: Command, ctx: CliContext): Command {
  return command.option("--org <name>", "the organisation (an existing one; DEFAULT_ORG unless given)", defaultOrgOf(ctx));
}

/** `--json` on the commands scripts read. */
export function withJsonOption(command: Command): Command {
  return command.option("--json", "print one JSON document on stdout instead of text");
}

const ACTOR_MAX = 100;

/**
 * `cli:<name>`, how the admin log, versions and the audit log name the operator: `--actor`, else the
 * OS user. A system that names no user (a container run with an unknown uid) needs `--actor`.
 */
export function actorOf(command: Command, ctx: CliContext): string {
  const { actor } = command.optsWithGlobals<{ actor?: string }>();
  const name = actor ?? ctx.osUser;
  if (name === null || name.trim() === "") {
    throw new CliError("cannot tell who is running this command (the system names no user): pass --actor <name>", EXIT.usage);
  }
  if (name.length > ACTOR_MAX || /[\u0000-\u001f\u007f]/.test(name)) throw new CliError(`--actor must be at most ${ACTOR_MAX} printable characters`, EXIT.usage);
  return `cli:${name.trim()}`;
}

/** Opens the configured database for one command (migrated, as the server would), and closes it after. */
export async function withDb<T>(ctx: CliContext, work: (db: Database) => Promise<T>): Promise<T> {
  const config = configOf(ctx);
  const db = openDatabase(config.databaseUrl, { timeoutMs: config.operations.dbTimeoutMs, statementTimeoutMs: config.operations.dbStatementTimeoutMs });
  try {
    await prepareDatabase(db);
    return await work(db);
  } finally {
    await db.close();
  }
}

/**
 * `--org` names an existing organisation; a typo is an error, never a new organisation. The error
 * names no other organisation: whoever mistyped one name is not told the others.
 */
export async function orgNamed(db: Database, name: string): Promise<Org> {
  const org = await findOrgByName(db.knex, name);
  if (!org) throw new CliError(`No organisation named "${name}"; see \`orgs list\`, or create it with \`orgs create ${name}\``);
  return org;
}

/** The database and the organisation `--org` names. */
export async function withOrg<T>(ctx: CliContext, orgName: string, work: (scope: { db: Database; org: Org }) => Promise<T>): Promise<T> {
  return withDb(ctx, async (db) => work({ db, org: await orgNamed(db, orgName) }));
}

/** The role-mapping service for one organisation; platform overrides come from the database, as for the server. */
export async function withRoles<T>(ctx: CliContext, orgName: string, work: (scope: { db: Database; sync: MappingPermissionSync; org: Org }) => Promise<T>): Promise<T> {
  return withOrg(ctx, orgName, async ({ db, org }) => work({ db, sync: createSync().sync, org }));
}
