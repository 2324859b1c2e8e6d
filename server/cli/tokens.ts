/**
 * `tokens` (the IdP's SCIM bearer tokens) and `api-tokens` (product services' permissions API
 * tokens): created and revoked through the same use cases as the console's, so every change is in
 * the organisation's admin log under the operator's name. Each command sees only its own kind: a
 * token of the other kind is not found.
 */
import type { Command } from "commander";
import { findOrgByName } from "../../db/orgs";
import { type TokenInfo, type TokenKind, listTokens, tokenInForce } from "../../db/tokens";
import { AdminError, createTokenAsOperator, revokeTokenAsOperator } from "../../roles/admin";
import { createSync } from "../bootstrap";
import { type CliContext, CliError, EXIT, actorOf, orgNamed, withDb, withJsonOption, withOrg, withOrgOption } from "./context";
import { createNamedOrg } from "./orgs";
import { err, out, printJson, printTable } from "./output";

const NOUN: Readonly<Record<TokenKind, string>> = { scim: "SCIM bearer", api: "permissions API" };

function stateOf(token: TokenInfo, now: number): string {
  if (token.revokedAt !== null) return "revoked";
  if (!tokenInForce(token, now)) return "expired";
  return "active";
}

/** AdminError → a CLI error: not found is invalid input, anything else a refusal. */
function adminRefusal(e: unknown): never {
  if (e instanceof AdminError) throw new CliError(e.message, e.code === "token_not_found" || e.code === "invalid_request" ? EXIT.invalid : EXIT.refused);
  throw e;
}

export function tokenCommands(program: Command, ctx: CliContext, name: "tokens" | "api-tokens", kind: TokenKind): void {
  const tokens = program.command(name).description(`create, list and revoke ${NOUN[kind]} tokens`);
  withOrgOption(tokens.command("create").description(`create a ${NOUN[kind]} token (printed once, as the last line of stdout; stored only as a SHA-256 hash)`), ctx)
    .option("--create-org", "create the organisation first if it does not exist (said on stderr)")
    .option("--label <label>", "a note to recognise the token by")
    .option("--expires <when>", "an ISO-8601 instant after which the token stops working (default: until revoked)")
    .action(async (opts: { org: string; label?: string; createOrg?: boolean; expires?: string }, command: Command) =>
      withDb(ctx, async (db) => {
        const operator = actorOf(command, ctx);
        let org = await findOrgByName(db.knex, opts.org);
        if (!org && opts.createOrg === true) {
          org = await createNamedOrg(db.knex, opts.org);
          err(`created organisation "${org.name}"`);
        }
        const orgId = (org ?? (await orgNamed(db, opts.org))).id;
        const { token, info } = await createTokenAsOperator({ db, sync: createSync().sync }, { orgId, name: operator }, { kind, label: opts.label ?? null, expiresAt: opts.expires ?? null }).catch(adminRefusal);
        err(`created ${NOUN[kind]} token ${info.id} for organisation "${opts.org}" (shown once; stored only as a SHA-256 hash)`);
        out(token);
      }),
    );
  withJsonOption(withOrgOption(tokens.command("list").description(`list the organisation's ${NOUN[kind]} tokens, revoked and expired ones too`), ctx)).action(
    async (opts: { org: string; json?: boolean }) =>
      withOrg(ctx, opts.org, async ({ db, org }) => {
        const now = Date.now();
        const listed = (await listTokens(db.knex, org.id)).filter((t) => t.kind === kind);
        if (opts.json === true) {
          printJson(listed.map((t) => ({ id: t.id, state: stateOf(t, now), label: t.label, createdAt: t.createdAt, createdBy: t.createdBy, expiresAt: t.expiresAt, revokedAt: t.revokedAt })));
          return;
        }
        printTable(
          ["ID", "STATE", "CREATED", "BY", "UNTIL", "LABEL"],
          listed.map((t) => [t.id, stateOf(t, now), t.createdAt, t.createdBy ?? "", t.revokedAt ?? t.expiresAt ?? "", t.label ?? ""]),
          `"${org.name}" has no ${NOUN[kind]} tokens`,
        );
      }),
  );
  withOrgOption(tokens.command("revoke <id>").description(`revoke one of the organisation's ${NOUN[kind]} tokens at once`), ctx).action(async (id: string, opts: { org: string }, command: Command) =>
    withOrg(ctx, opts.org, async ({ db, org }) => {
      await revokeTokenAsOperator({ db, sync: createSync().sync }, { orgId: org.id, name: actorOf(command, ctx) }, kind, id).catch(adminRefusal);
      out(`revoked ${id}`);
    }),
  );
}
