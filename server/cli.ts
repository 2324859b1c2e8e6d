/**
 * `npm run cli -- <command>`: operator commands against the same DATABASE_URL as the server
 * (safe while it runs: SQLite is in WAL mode with a busy timeout). Machine-readable values
 * (a new token) are printed as the last line of stdout.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { type Database, openDatabase } from "../db/connection";
import { ensureOrg, findOrgByName, setOrgEntra } from "../db/orgs";
import { type TokenKind, createToken, listTokens, revokeToken } from "../db/tokens";
import { findUserIdByUserName } from "../db/users";
import { type MappingIssue, diffPermissions, parseMapping } from "../mapping";
import { type MappingPermissionSync, applyMappingText, explainUser, planMappingText } from "../roles";
import { createSync, loadPlatformFile, prepareDatabase } from "./bootstrap";
import { parseConfig } from "./config";

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function formatIssue(issue: MappingIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.code}: ${issue.message}`;
}

async function withDb<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const config = parseConfig(process.env);
  const db = openDatabase(config.databaseUrl, { timeoutMs: config.operations.dbTimeoutMs, statementTimeoutMs: config.operations.dbStatementTimeoutMs });
  try {
    await prepareDatabase(db);
    return await work(db);
  } finally {
    await db.close();
  }
}

async function orgIdNamed(db: Database, name: string, create: boolean): Promise<string> {
  const org = create ? await ensureOrg(db.knex, name) : await findOrgByName(db.knex, name);
  if (!org) throw new CliError(`No organisation named "${name}"`);
  return org.id;
}

/** The role-mapping service for one organisation, with the same platform overrides as the server. */
async function withRoles<T>(orgName: string, create: boolean, work: (roles: { db: Database; sync: MappingPermissionSync; orgId: string }) => Promise<T>): Promise<T> {
  return withDb(async (db) => {
    const { sync } = createSync(loadPlatformFile(parseConfig(process.env).platformFile));
    return work({ db, sync, orgId: await orgIdNamed(db, orgName, create) });
  });
}

class CliError extends Error {}

/** Prints each located issue, then fails with `summary`. */
function refuse(issues: readonly MappingIssue[], summary: string): never {
  issues.forEach((issue) => out(formatIssue(issue)));
  throw new CliError(summary);
}

function tokenCommands(program: Command, name: string, kind: TokenKind): void {
  const tokens = program.command(name).description(`manage ${kind === "scim" ? "SCIM bearer" : "permissions API"} tokens`);
  tokens
    .command("create")
    .requiredOption("--org <name>", "organisation (created if needed)")
    .option("--label <label>", "a note to recognise the token by")
    .action(async (opts: { org: string; label?: string }) =>
      withDb(async (db) => {
        const orgId = await orgIdNamed(db, opts.org, true);
        const { token, info } = await createToken(db.knex, { orgId, kind, ...(opts.label ? { label: opts.label } : {}) });
        err(`created ${kind} token ${info.id} for organisation "${opts.org}" (shown once; stored only as a SHA-256 hash)`);
        out(token);
      }),
    );
  tokens
    .command("list")
    .option("--org <name>", "only this organisation")
    .action(async (opts: { org?: string }) =>
      withDb(async (db) => {
        const orgId = opts.org ? await orgIdNamed(db, opts.org, false) : undefined;
        for (const t of (await listTokens(db.knex, orgId)).filter((t) => t.kind === kind)) {
          out(`${t.id}\t${t.orgId}\t${t.revokedAt ? `revoked ${t.revokedAt}` : "active"}\t${t.createdAt}\t${t.label ?? ""}`);
        }
      }),
    );
  tokens
    .command("revoke <id>")
    .action(async (id: string) =>
      withDb(async (db) => {
        if (!(await revokeToken(db.knex, id))) throw new CliError(`No token with id ${id}`);
        out(`revoked ${id}`);
      }),
    );
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function buildProgram(): Command {
  const program = new Command("cli").description("SCIM role-mapping server administration").exitOverride();
  tokenCommands(program, "tokens", "scim");
  tokenCommands(program, "api-tokens", "api");

  program
    .command("entra")
    .description("accept Entra ID-issued JWTs for an organisation")
    .requiredOption("--org <name>", "organisation")
    .requiredOption("--tenant <id>", "Entra tenant id (GUID)")
    .option("--jwks-url <url>", "JWKS URL (the tenant's jwks_uri)")
    .option("--jwks-file <file>", "a JWKS file")
    .action(async (opts: { org: string; tenant: string; jwksUrl?: string; jwksFile?: string }) =>
      withDb(async (db) => {
        if (!opts.jwksUrl && !opts.jwksFile) throw new CliError("give --jwks-url or --jwks-file");
        const orgId = await orgIdNamed(db, opts.org, true);
        const jwks: unknown = opts.jwksFile ? JSON.parse(readText(opts.jwksFile)) : null;
        await setOrgEntra(db.knex, orgId, { tenantId: opts.tenant, jwksUrl: opts.jwksUrl ?? null, jwks });
        out(`organisation "${opts.org}" accepts Entra tokens of tenant ${opts.tenant}`);
      }),
    );

  const mapping = program.command("mapping").description("role mapping files");
  mapping
    .command("validate <file>")
    .action(async (file: string) => {
      const parsed = parseMapping(readText(file), file);
      if (!parsed.ok) refuse(parsed.errors, `${file}: ${parsed.errors.length} error(s)`);
      parsed.warnings.forEach((w) => out(`warning: ${formatIssue(w)}`));
      out(`${file}: valid (hash ${parsed.hash})`);
    });
  mapping
    .command("plan <file>")
    .option("--org <name>", "organisation", "default")
    .action(async (file: string, opts: { org: string }) =>
      withRoles(opts.org, false, async ({ db, sync, orgId }) => {
        const result = await planMappingText(db, sync, { orgId, text: readText(file), sourceName: file });
        if (!result.ok) refuse(result.errors, `${file}: ${result.errors.length} error(s); nothing planned`);
        const { plan } = result;
        out(`${plan.changes.length} member(s) would change`);
        for (const change of plan.changes) {
          out(`- ${change.member.userName}: ${JSON.stringify(diffPermissions(change.before, change.after))}`);
        }
        for (const warning of plan.warnings) out(`warning: ${warning.message}`);
      }),
    );
  mapping
    .command("apply <file>")
    .option("--org <name>", "organisation", "default")
    .action(async (file: string, opts: { org: string }) =>
      withRoles(opts.org, true, async ({ db, sync, orgId }) => {
        const result = await applyMappingText(db, sync, { orgId, text: readText(file), sourceName: file, actor: `cli:${process.env.USER ?? "unknown"}` });
        if (!result.ok) refuse(result.errors, `${file}: refused, ${result.errors.length} error(s); the mapping in force is unchanged`);
        out(result.unchanged ? `unchanged: version ${result.version} is already this mapping` : `applied version ${result.version}: ${result.changed} member(s) changed`);
      }),
    );

  program
    .command("explain <userName>")
    .option("--org <name>", "organisation", "default")
    .action(async (userName: string, opts: { org: string }) =>
      withRoles(opts.org, false, async ({ db, sync, orgId }) => {
        const id = await findUserIdByUserName(db.knex, orgId, userName);
        if (!id) throw new CliError(`No member ${userName} in "${opts.org}"`);
        const explanation = await explainUser(db, sync, orgId, id);
        out(JSON.stringify(explanation, null, 2));
      }),
    );
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    err(e instanceof CliError ? `error: ${e.message}` : `error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  });
