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
import { type DeliveryStatus, deleteWebhook, findWebhook, insertWebhook, listDeliveries, listWebhooks } from "../db/webhooks";
import { type MappingPermissionSync, applyMappingText, explainUser, planMappingText, verifyPermissions } from "../roles";
import { createSync, loadPlatformFile, prepareDatabase } from "./bootstrap";
import { parseConfig } from "./config";
import { WEBHOOK_EVENT_TYPES, newWebhookSecret, sendWebhook, webhookUrlProblem } from "./webhooks";

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

/** `webhooks add | list | remove | test | deliveries`: event delivery to the organisation's own services. */
function webhookCommands(program: Command): void {
  const webhooks = program.command("webhooks").description("deliver permissions.changed events to HTTPS endpoints (Standard Webhooks)");
  webhooks
    .command("add")
    .requiredOption("--org <name>", "organisation")
    .requiredOption("--url <url>", "https URL (http only to a loopback address)")
    .option("--events <types...>", `event types to send (default: all; known: ${WEBHOOK_EVENT_TYPES.join(", ")})`)
    .action(async (opts: { org: string; url: string; events?: string[] }) =>
      withDb(async (db) => {
        const problem = webhookUrlProblem(opts.url);
        if (problem) throw new CliError(problem);
        const events = (opts.events ?? []).flatMap((e) => e.split(",")).map((e) => e.trim()).filter((e) => e !== "");
        const unknown = events.filter((e) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e));
        if (unknown.length > 0) throw new CliError(`unknown event type(s) ${unknown.join(", ")}; known: ${WEBHOOK_EVENT_TYPES.join(", ")}`);
        const orgId = await orgIdNamed(db, opts.org, false);
        const secret = newWebhookSecret();
        const hook = await insertWebhook(db.knex, { orgId, url: opts.url, secret, events });
        err(`webhook ${hook.id} for organisation "${opts.org}" receives ${events.length === 0 ? "every event" : events.join(", ")} from now on`);
        err("its signing secret (shown once; verify webhook-signature with any Standard Webhooks library):");
        out(hook.id);
        out(secret);
      }),
    );
  webhooks
    .command("list")
    .requiredOption("--org <name>", "organisation")
    .action(async (opts: { org: string }) =>
      withDb(async (db) => {
        for (const hook of await listWebhooks(db.knex, await orgIdNamed(db, opts.org, false))) {
          out(`${hook.id}\t${hook.url}\t${hook.events.length === 0 ? "*" : hook.events.join(",")}\t${hook.createdAt}`);
        }
      }),
    );
  webhooks
    .command("remove <id>")
    .requiredOption("--org <name>", "organisation")
    .action(async (id: string, opts: { org: string }) =>
      withDb(async (db) => {
        if (!(await deleteWebhook(db.knex, await orgIdNamed(db, opts.org, false), id))) throw new CliError(`No webhook ${id} in "${opts.org}"`);
        out(`removed ${id}`);
      }),
    );
  webhooks
    .command("test <id>")
    .requiredOption("--org <name>", "organisation")
    .description("send a signed webhook.test message now and print the answer")
    .action(async (id: string, opts: { org: string }) =>
      withDb(async (db) => {
        const hook = await findWebhook(db.knex, await orgIdNamed(db, opts.org, false), id);
        if (!hook) throw new CliError(`No webhook ${id} in "${opts.org}"`);
        const body = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: { webhookId: hook.id, organisation: opts.org } });
        const result = await sendWebhook({ url: hook.url, secret: hook.secret, messageId: `msg_test_${Date.now()}`, body, timeoutMs: parseConfig(process.env).operations.webhooks.timeoutMs });
        if (!result.ok) throw new CliError(`${hook.url}: ${result.error ?? "failed"}`);
        out(`${hook.url}: ${result.status ?? ""} ok`);
      }),
    );
  webhooks
    .command("deliveries")
    .requiredOption("--org <name>", "organisation")
    .option("--status <status>", "failed, pending, delivered or all", "failed")
    .option("--limit <n>", "at most this many, newest first", "50")
    .action(async (opts: { org: string; status: string; limit: string }) =>
      withDb(async (db) => {
        const statuses = ["failed", "pending", "delivered", "all"];
        if (!statuses.includes(opts.status)) throw new CliError(`--status must be one of ${statuses.join(", ")}`);
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new CliError("--limit must be an integer between 1 and 10000");
        const status = opts.status === "all" ? undefined : (opts.status as DeliveryStatus);
        const rows = await listDeliveries(db.knex, await orgIdNamed(db, opts.org, false), { limit, ...(status ? { status } : {}) });
        for (const d of rows) {
          out(`${d.id}\t${d.status}\tevent ${d.eventId}\tattempts ${d.attempts}\t${d.url}\t${d.lastError ?? (d.lastStatus === null ? "" : `HTTP ${d.lastStatus}`)}`);
        }
        err(`${rows.length} ${opts.status === "all" ? "" : `${opts.status} `}deliveries`);
      }),
    );
}

/** `verify`: recompute every member and compare with what is stored; `--repair` rewrites what drifted. */
function verifyCommand(program: Command): void {
  program
    .command("verify")
    .description("recompute every member's permissions and compare with what is stored (exit 1 on drift)")
    .requiredOption("--org <name>", "organisation")
    .option("--repair", "write the recomputed permissions (audited and announced like any change)")
    .action(async (opts: { org: string; repair?: boolean }) =>
      withRoles(opts.org, false, async ({ db, sync, orgId }) => {
        const result = await verifyPermissions(db, sync, { orgId, repair: opts.repair === true, actor: `cli:${process.env.USER ?? "unknown"}` });
        for (const d of result.drift) {
          const change = d.stored === null ? "nothing stored" : JSON.stringify(diffPermissions(d.stored, d.computed));
          out(`drift ${d.member.userName} (${d.member.id}): ${change}`);
        }
        out(`${result.checked} member(s) checked, ${result.drift.length} drifted${result.repaired > 0 ? `, ${result.repaired} repaired` : ""}`);
        if (result.drift.length > 0 && result.repaired === 0) throw new CliError(`${result.drift.length} member(s) drifted; run with --repair to rewrite them`);
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
  webhookCommands(program);
  verifyCommand(program);

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
