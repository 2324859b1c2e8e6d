/**
 * `npm run cli -- <command>`: operator commands against the same DATABASE_URL as the server
 * (safe while it runs: SQLite is in WAL mode with a busy timeout). Machine-readable values
 * (a new token) are printed as the last line of stdout.
 *
 * Exit codes: 0 done; 1 invalid input (a file that does not validate, an unknown organisation,
 * member or webhook) or, for `verify`, drift found and not repaired; 2 usage (unknown command or
 * option, an option value outside its choices); 3 refused by a rule (a file manages the mapping,
 * the change would lock everyone out, no confirmation).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { Command, CommanderError } from "commander";
import { type Database, openDatabase } from "../db/connection";
import { DbConflictError } from "../db/errors";
import { currentMapping } from "../db/mappings";
import { type Org, createOrg, findOrgByName, listOrgs, setOrgEntra } from "../db/orgs";
import { type TokenKind, createToken, listTokens, revokeToken, tokenInForce } from "../db/tokens";
import { findUserIdByUserName } from "../db/users";
import { type DeliveryStatus, deleteWebhook, findWebhook, insertWebhook, listDeliveries, listWebhooks } from "../db/webhooks";
import { type MappingIssue, type MappingPlan, PLAN_LIMITS, diffPermissions, mappingFromJSON, mappingToDocument, mappingToYaml, parseMapping } from "../mapping";
import { type MappingPermissionSync, applyMappingText, explainUser, planMappingText, verifyPermissions } from "../roles";
import { AdminError, reactivateAsOperator, suspendAsOperator } from "../roles/admin";
import { createSync, prepareDatabase } from "./bootstrap";
import { issuerProblem, parseConfig } from "./config";
import { issuerClientTakenBy } from "./oidc/member-tokens";
import { setMemberSignIn } from "./oidc/org-sign-in";
import { WebhookTargets } from "./webhook-targets";
import { WEBHOOK_EVENT_TYPES, newWebhookSecret, sendWebhook, webhookUrlProblem } from "./webhooks";

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** The documented exit codes. */
const EXIT = { done: 0, invalid: 1, usage: 2, refused: 3 } as const;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.invalid,
  ) {
    super(message);
  }
}

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

/** `--org` names an existing organisation; a typo is an error, never a new organisation. */
async function orgNamed(db: Database, name: string): Promise<Org> {
  const org = await findOrgByName(db.knex, name);
  if (!org) {
    const known = (await listOrgs(db.knex)).map((o) => o.name);
    throw new CliError(`No organisation named "${name}"${known.length > 0 ? ` (there are: ${known.join(", ")})` : ""}; create one with \`orgs create ${name}\``);
  }
  return org;
}

/** The role-mapping service for one organisation; platform overrides come from the database, as for the server. */
async function withRoles<T>(orgName: string, work: (roles: { db: Database; sync: MappingPermissionSync; org: Org }) => Promise<T>): Promise<T> {
  return withDb(async (db) => work({ db, sync: createSync().sync, org: await orgNamed(db, orgName) }));
}

/** Prints each located issue, then fails with `summary`. */
function refuse(issues: readonly MappingIssue[], summary: string): never {
  issues.forEach((issue) => out(formatIssue(issue)));
  throw new CliError(summary);
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function osUser(): string {
  return process.env.USER ?? process.env.USERNAME ?? "unknown";
}

function orgCommands(program: Command): void {
  const orgs = program.command("orgs").description("organisations");
  orgs
    .command("create <name>")
    .description("create an organisation (no other command creates one)")
    .action(async (name: string) =>
      withDb(async (db) => {
        try {
          const org = await createOrg(db.knex, name);
          out(`created organisation "${org.name}" (${org.id})`);
        } catch (e) {
          if (e instanceof DbConflictError) throw new CliError(`An organisation named "${name}" already exists`);
          throw e;
        }
      }),
    );
  orgs
    .command("list")
    .action(async () =>
      withDb(async (db) => {
        for (const org of await listOrgs(db.knex)) out(`${org.name}\t${org.id}\t${org.mappingFile === null ? "mapping in the database" : `mapping managed by ${org.mappingFile}`}`);
      }),
    );
}

function tokenCommands(program: Command, name: string, kind: TokenKind): void {
  const tokens = program.command(name).description(`manage ${kind === "scim" ? "SCIM bearer" : "permissions API"} tokens`);
  tokens
    .command("create")
    .requiredOption("--org <name>", "an existing organisation")
    .option("--create-org", "create the organisation first if it does not exist (said on stderr)")
    .option("--label <label>", "a note to recognise the token by")
    .action(async (opts: { org: string; label?: string; createOrg?: boolean }) =>
      withDb(async (db) => {
        let org = await findOrgByName(db.knex, opts.org);
        if (!org && opts.createOrg === true) {
          org = await createOrg(db.knex, opts.org);
          err(`created organisation "${org.name}"`);
        }
        const orgId = (org ?? (await orgNamed(db, opts.org))).id;
        const { token, info } = await createToken(db.knex, { orgId, kind, createdBy: `cli:${osUser()}`, ...(opts.label ? { label: opts.label } : {}) });
        err(`created ${kind} token ${info.id} for organisation "${opts.org}" (shown once; stored only as a SHA-256 hash)`);
        out(token);
      }),
    );
  tokens
    .command("list")
    .option("--org <name>", "only this organisation")
    .action(async (opts: { org?: string }) =>
      withDb(async (db) => {
        const orgId = opts.org ? (await orgNamed(db, opts.org)).id : undefined;
        for (const t of (await listTokens(db.knex, orgId)).filter((t) => t.kind === kind)) {
          const state = t.revokedAt ? `revoked ${t.revokedAt}` : !tokenInForce(t, Date.now()) ? `expired ${t.expiresAt ?? ""}` : t.expiresAt ? `active until ${t.expiresAt}` : "active";
          out(`${t.id}\t${t.orgId}\t${state}\t${t.createdAt}\t${t.label ?? ""}`);
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

function entraCommand(program: Command): void {
  program
    .command("entra")
    .description("accept Entra ID-issued JWTs for an organisation (or --remove); `default` takes ENTRA_* from the server's environment at each start")
    .requiredOption("--org <name>", "organisation")
    .option("--tenant <id>", "Entra tenant id (GUID)")
    .option("--jwks-url <url>", "JWKS URL (the tenant's jwks_uri)")
    .option("--jwks-file <file>", "a JWKS file")
    .option("--remove", "stop accepting Entra-issued JWTs for the organisation")
    .action(async (opts: { org: string; tenant?: string; jwksUrl?: string; jwksFile?: string; remove?: boolean }) =>
      withDb(async (db) => {
        const org = await orgNamed(db, opts.org);
        if (org.name === parseConfig(process.env).defaultOrg) err(`note: the server sets or removes this from ENTRA_* at its next start (the environment decides for "${org.name}")`);
        if (opts.remove === true) {
          await setOrgEntra(db.knex, org.id, null);
          out(`organisation "${org.name}" no longer accepts Entra-issued tokens`);
          return;
        }
        if (opts.tenant === undefined || (!opts.jwksUrl && !opts.jwksFile)) throw new CliError("give --tenant with --jwks-url or --jwks-file, or --remove", EXIT.usage);
        const jwks: unknown = opts.jwksFile ? JSON.parse(readText(opts.jwksFile)) : null;
        await setOrgEntra(db.knex, org.id, { tenantId: opts.tenant, jwksUrl: opts.jwksUrl ?? null, jwks });
        out(`organisation "${opts.org}" accepts Entra tokens of tenant ${opts.tenant}`);
      }),
    );
}

/** Members' sign-in, for organisations other than `default` (which takes OIDC_* from the environment at each start). */
function oidcCommand(program: Command): void {
  program
    .command("oidc")
    .description("set (or --remove) the OIDC issuer an organisation's members sign in with; removing or replacing it ends the organisation's console sessions at once; `default` takes OIDC_* from the server's environment at each start")
    .requiredOption("--org <name>", "organisation")
    .option("--issuer <url>", "the issuer URL (https; http only on loopback)")
    .option("--client-id <id>", "the client registered at the issuer (the audience of members' tokens)")
    .option("--client-secret <secret>", "its secret (for the console's sign-in)")
    .option("--jwks-file <file>", "verify with this key set instead of the issuer's discovered one")
    .option("--username-claim <claim>", "the claim holding the member's userName (Entra: preferred_username)", "email")
    .option("--remove", "stop accepting members' sign-in for the organisation")
    .action(async (opts: { org: string; issuer?: string; clientId?: string; clientSecret?: string; jwksFile?: string; usernameClaim: string; remove?: boolean }) =>
      withDb(async (db) => {
        const org = await orgNamed(db, opts.org);
        if (org.name === parseConfig(process.env).defaultOrg) err(`note: the server sets or removes this from OIDC_* at its next start (the environment decides for "${org.name}")`);
        if (opts.remove === true) {
          const { sessionsEnded } = await setMemberSignIn(db, org.id, null);
          out(`organisation "${org.name}" no longer accepts members' OIDC sign-in (${sessionsEnded} console session(s) ended)`);
          return;
        }
        if (opts.issuer === undefined || opts.clientId === undefined) throw new CliError("give --issuer and --client-id, or --remove", EXIT.usage);
        const problem = issuerProblem(opts.issuer);
        if (problem !== null) throw new CliError(`--issuer ${problem}`);
        const taken = await issuerClientTakenBy(db.knex, org.id, opts.issuer, opts.clientId);
        if (taken !== null) throw new CliError(`organisation "${taken}" already trusts ${opts.issuer} with client ${opts.clientId}; register a client per organisation`);
        const jwks: unknown = opts.jwksFile === undefined ? null : JSON.parse(readText(opts.jwksFile));
        const { sessionsEnded } = await setMemberSignIn(db, org.id, { issuer: opts.issuer, clientId: opts.clientId, clientSecret: opts.clientSecret ?? null, jwks, usernameClaim: opts.usernameClaim });
        out(`members of "${org.name}" sign in with ${opts.issuer} (client ${opts.clientId}, userName from '${opts.usernameClaim}')`);
        if (sessionsEnded > 0) out(`${sessionsEnded} console session(s) opened with the previous sign-in ended`);
      }),
    );
}

/** The plan's summary, each member's change, then every warning: the file's own and the plan's. */
function printPlan(plan: MappingPlan, fileWarnings: readonly MappingIssue[]): void {
  out(`${plan.changedCount} member(s) would change`);
  for (const effect of plan.effects) out(`  ${effect.kind} ${effect.name}: ${effect.gained} gain, ${effect.lost} lose`);
  for (const change of plan.changes) out(`- ${change.member.userName}: ${JSON.stringify(change.change)}`);
  if (plan.changedCount > plan.changes.length) out(`… and ${plan.changedCount - plan.changes.length} more member(s)`);
  for (const warning of fileWarnings) out(`warning: ${formatIssue(warning)}`);
  for (const warning of plan.warnings) out(`warning: ${warning.message}`);
  if (plan.lockout !== null) out(`refused: ${plan.lockout.message}`);
}

/** Asks on the terminal; without one, confirming is impossible and the apply is refused. */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new CliError("no terminal to confirm on: review the plan above and run again with --yes", EXIT.refused);
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

function mappingCommands(program: Command): void {
  const mapping = program.command("mapping").description("role mapping files");
  mapping
    .command("validate <file>")
    .action(async (file: string) => {
      const parsed = parseMapping(readText(file), file, parseConfig(process.env).mappingLimits);
      if (!parsed.ok) refuse(parsed.errors, `${file}: ${parsed.errors.length} error(s)`);
      parsed.warnings.forEach((w) => out(`warning: ${formatIssue(w)}`));
      out(`${file}: valid (hash ${parsed.hash})`);
    });
  mapping
    .command("plan <file>")
    .option("--org <name>", "organisation", "default")
    .action(async (file: string, opts: { org: string }) =>
      withRoles(opts.org, async ({ db, sync, org }) => {
        const result = await planMappingText(db, sync, { orgId: org.id, text: readText(file), sourceName: file, limits: parseConfig(process.env).mappingLimits, page: { limit: PLAN_LIMITS.maxMembers } });
        if (!result.ok) refuse(result.errors, `${file}: ${result.errors.length} error(s); nothing planned`);
        printPlan(result.plan, result.warnings);
      }),
    );
  mapping
    .command("apply <file>")
    .description("show the plan and every warning, confirm, then apply")
    .option("--org <name>", "organisation", "default")
    .option("--yes", "apply without asking (for scripts: review `mapping plan` first)")
    .option("--force", "apply although a mapping file manages the organisation (the file wins again on its next change)")
    .option("--allow-lockout", "apply even if no active member could edit roles afterwards")
    .action(async (file: string, opts: { org: string; yes?: boolean; force?: boolean; allowLockout?: boolean }) =>
      withRoles(opts.org, async ({ db, sync, org }) => {
        if (org.mappingFile !== null) {
          if (opts.force !== true) throw new CliError(`the mapping of "${org.name}" is managed by ${org.mappingFile}: edit that file, or pass --force (the file wins again on its next change)`, EXIT.refused);
          err(`warning: ${org.mappingFile} manages this mapping; it will win again on its next change`);
        }
        const text = readText(file);
        const limits = parseConfig(process.env).mappingLimits;
        const planned = await planMappingText(db, sync, { orgId: org.id, text, sourceName: file, limits, page: { limit: PLAN_LIMITS.maxMembers } });
        if (!planned.ok) refuse(planned.errors, `${file}: refused, ${planned.errors.length} error(s); the mapping in force is unchanged`);
        printPlan(planned.plan, planned.warnings);
        if (planned.plan.lockout !== null && opts.allowLockout !== true) throw new CliError("refused: it would lock the organisation out (--allow-lockout to apply anyway)", EXIT.refused);
        if (opts.yes !== true && !(await confirm(`Apply ${file} to "${org.name}"?`))) throw new CliError("not applied", EXIT.refused);
        const result = await applyMappingText(db, sync, { orgId: org.id, text, sourceName: file, actor: `cli:${osUser()}`, refuseLockout: opts.allowLockout !== true, limits });
        if (!result.ok) {
          if (result.reason === "invalid") refuse(result.errors, `${file}: refused, ${result.errors.length} error(s); the mapping in force is unchanged`);
          throw new CliError(`refused: ${result.lockout.message}`, EXIT.refused);
        }
        out(result.unchanged ? `unchanged: version ${result.version} is already this mapping` : `applied version ${result.version}: ${result.changed} member(s) changed`);
      }),
    );
  mapping
    .command("export")
    .description("write the mapping in force as a mapping file (it validates and hashes the same)")
    .option("--org <name>", "organisation", "default")
    .option("--output <file>", "write here instead of stdout")
    .option("--format <format>", "yaml or json", "yaml")
    .action(async (opts: { org: string; output?: string; format: string }) =>
      withDb(async (db) => {
        if (opts.format !== "yaml" && opts.format !== "json") throw new CliError("--format must be yaml or json", EXIT.usage);
        const org = await orgNamed(db, opts.org);
        const current = await currentMapping(db.knex, org.id);
        if (current === null) throw new CliError(`"${org.name}" has no mapping yet`);
        const stored = mappingFromJSON(current.mapping);
        const text = opts.format === "json"
          ? `${JSON.stringify(mappingToDocument(stored), null, 2)}\n`
          : `# Mapping of "${org.name}", version ${current.version} (hash ${current.hash}), applied by ${current.appliedBy} at ${current.appliedAt}.\n${mappingToYaml(stored)}`;
        if (opts.output === undefined) process.stdout.write(text);
        else {
          writeFileSync(opts.output, text);
          err(`wrote version ${current.version} of "${org.name}" to ${opts.output} (hash ${current.hash})`);
        }
      }),
    );
}

/** Where webhooks may go, as the server sees it (WEBHOOK_ALLOW_PRIVATE). */
function webhookTargets(): WebhookTargets {
  return new WebhookTargets(parseConfig(process.env).operations.webhooks.allowPrivate);
}

/** `webhooks add | list | remove | test | deliveries`: event delivery to the organisation's own services. */
function webhookCommands(program: Command): void {
  const webhooks = program.command("webhooks").description("deliver permissions.changed and admin.action events to HTTPS endpoints (Standard Webhooks)");
  webhooks
    .command("add")
    .requiredOption("--org <name>", "organisation")
    .requiredOption("--url <url>", "https URL to a public address (http only to a loopback address WEBHOOK_ALLOW_PRIVATE lets through)")
    .option("--events <types...>", `event types to send (default: all; known: ${WEBHOOK_EVENT_TYPES.join(", ")})`)
    .action(async (opts: { org: string; url: string; events?: string[] }) =>
      withDb(async (db) => {
        const problem = webhookUrlProblem(opts.url);
        if (problem) throw new CliError(problem);
        const events = (opts.events ?? []).flatMap((e) => e.split(",")).map((e) => e.trim()).filter((e) => e !== "");
        const unknown = events.filter((e) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e));
        if (unknown.length > 0) throw new CliError(`unknown event type(s) ${unknown.join(", ")}; known: ${WEBHOOK_EVENT_TYPES.join(", ")}`, EXIT.usage);
        const orgId = (await orgNamed(db, opts.org)).id;
        const target = await webhookTargets().check(new URL(opts.url));
        if (target.kind === "refused") throw new CliError(target.reason);
        // The server may resolve names the CLI's machine cannot; it checks every delivery again anyway.
        if (target.kind === "unresolved") err(`warning: ${target.error}; the server checks the address at every delivery`);
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
        for (const hook of await listWebhooks(db.knex, (await orgNamed(db, opts.org)).id)) {
          const circuit = hook.pausedUntil === null ? "" : `\tpaused until ${hook.pausedUntil} after ${hook.failures} failures in a row`;
          out(`${hook.id}\t${hook.url}\t${hook.events.length === 0 ? "*" : hook.events.join(",")}\t${hook.createdAt}${circuit}`);
        }
      }),
    );
  webhooks
    .command("remove <id>")
    .requiredOption("--org <name>", "organisation")
    .action(async (id: string, opts: { org: string }) =>
      withDb(async (db) => {
        if (!(await deleteWebhook(db.knex, (await orgNamed(db, opts.org)).id, id))) throw new CliError(`No webhook ${id} in "${opts.org}"`);
        out(`removed ${id}`);
      }),
    );
  webhooks
    .command("test <id>")
    .requiredOption("--org <name>", "organisation")
    .description("send a signed webhook.test message now and print the answer")
    .action(async (id: string, opts: { org: string }) =>
      withDb(async (db) => {
        const hook = await findWebhook(db.knex, (await orgNamed(db, opts.org)).id, id);
        if (!hook) throw new CliError(`No webhook ${id} in "${opts.org}"`);
        const body = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: { webhookId: hook.id, organisation: opts.org } });
        const result = await sendWebhook({
          url: hook.url,
          secret: hook.secret,
          messageId: `msg_test_${Date.now()}`,
          body,
          timeoutMs: parseConfig(process.env).operations.webhooks.timeoutMs,
          targets: webhookTargets(),
        });
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
        if (!statuses.includes(opts.status)) throw new CliError(`--status must be one of ${statuses.join(", ")}`, EXIT.usage);
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new CliError("--limit must be an integer between 1 and 10000", EXIT.usage);
        const status = opts.status === "all" ? undefined : (opts.status as DeliveryStatus);
        const rows = await listDeliveries(db.knex, (await orgNamed(db, opts.org)).id, { limit, ...(status ? { status } : {}) });
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
      withRoles(opts.org, async ({ db, sync, org }) => {
        const result = await verifyPermissions(db, sync, { orgId: org.id, repair: opts.repair === true, actor: `cli:${osUser()}` });
        for (const d of result.drift) {
          const change = d.stored === null ? "nothing stored" : JSON.stringify(diffPermissions(d.stored, d.computed));
          out(`drift ${d.member.userName} (${d.member.id}): ${change}`);
        }
        out(`${result.checked} member(s) checked, ${result.drift.length} drifted${result.repaired > 0 ? `, ${result.repaired} repaired` : ""}`);
        if (result.drift.length > 0 && result.repaired === 0) throw new CliError(`${result.drift.length} member(s) drifted; run with --repair to rewrite them`);
      }),
    );
}

function explainCommand(program: Command): void {
  program
    .command("explain <userName>")
    .option("--org <name>", "organisation", "default")
    .action(async (userName: string, opts: { org: string }) =>
      withRoles(opts.org, async ({ db, sync, org }) => {
        const id = await findUserIdByUserName(db.knex, org.id, userName);
        if (!id) throw new CliError(`No member ${userName} in "${opts.org}"`);
        const explanation = await explainUser(db, sync, org.id, id);
        out(JSON.stringify(explanation, null, 2));
      }),
    );
}

/**
 * Break-glass for operators: suspend or reactivate a member without the grant check a member's
 * request gets, audited as `cli:<os user>` with the reason. The Primary Owner is suspended by
 * nobody (transfer primary ownership with the mapping first); leaving no member able to edit roles
 * needs --allow-lockout.
 */
function memberCommands(program: Command): void {
  const members = program.command("members").description("suspend and reactivate members (break-glass)");
  const refusal = (e: unknown): never => {
    if (e instanceof AdminError) {
      const code = e.code === "member_not_found" || e.code === "invalid_request" ? EXIT.invalid : EXIT.refused;
      throw new CliError(`${code === EXIT.refused ? "refused: " : ""}${e.message}`, code);
    }
    throw e;
  };
  members
    .command("suspend <userName>")
    .description("take every right away at once; the IdP cannot lift it")
    .requiredOption("--reason <text>", "why (kept in the admin log and the audit log)")
    .option("--org <name>", "organisation", "default")
    .option("--allow-lockout", "suspend even if no member could edit roles afterwards")
    .action(async (userName: string, opts: { reason: string; org: string; allowLockout?: boolean }) =>
      withRoles(opts.org, async ({ db, sync, org }) => {
        const outcome = await suspendAsOperator({ db, sync }, { orgId: org.id, userName, reason: opts.reason, operator: `cli:${osUser()}`, allowLockout: opts.allowLockout === true }).catch(refusal);
        out(outcome.changed ? `suspended ${userName}` : `${userName} was already suspended (by ${outcome.suspension?.by ?? "?"} at ${outcome.suspension?.at ?? "?"})`);
      }),
    );
  members
    .command("reactivate <userName>")
    .description("lift a suspension")
    .option("--org <name>", "organisation", "default")
    .action(async (userName: string, opts: { org: string }) =>
      withRoles(opts.org, async ({ db, sync, org }) => {
        const outcome = await reactivateAsOperator({ db, sync }, { orgId: org.id, userName, operator: `cli:${osUser()}` }).catch(refusal);
        out(outcome.changed ? `reactivated ${userName}` : `${userName} was not suspended`);
      }),
    );
}

function buildProgram(): Command {
  const program = new Command("cli").description("SCIM role-mapping server administration").exitOverride();
  orgCommands(program);
  tokenCommands(program, "tokens", "scim");
  tokenCommands(program, "api-tokens", "api");
  entraCommand(program);
  oidcCommand(program);
  mappingCommands(program);
  explainCommand(program);
  webhookCommands(program);
  verifyCommand(program);
  memberCommands(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    if (e instanceof CommanderError) {
      // Help and version are not failures; any other commander error is a usage error.
      process.exit(e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0 ? EXIT.done : EXIT.usage);
    }
    err(e instanceof CliError ? `error: ${e.message}` : `error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(e instanceof CliError ? e.exitCode : EXIT.invalid);
  });
