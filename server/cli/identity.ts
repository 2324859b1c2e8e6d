/**
 * `entra` and `oidc`: who an organisation trusts, for organisations other than DEFAULT_ORG (which
 * takes ENTRA_* and OIDC_* from the server's environment at each start).
 */
import type { Command } from "commander";
import { setOrgEntra } from "../../db/orgs";
import { issuerProblem } from "../config";
import { issuerClientTakenBy } from "../oidc/member-tokens";
import { setMemberSignIn } from "../oidc/org-sign-in";
import { type CliContext, CliError, EXIT, defaultOrgOf, withOrg, withOrgOption } from "./context";
import { err, out, readJson } from "./output";

function noteEnvironmentDecides(ctx: CliContext, orgName: string, prefix: string): void {
  if (orgName === defaultOrgOf(ctx)) err(`note: the server sets or removes this from ${prefix}_* at its next start (the environment decides for "${orgName}")`);
}

export function entraCommand(program: Command, ctx: CliContext): void {
  withOrgOption(
    program.command("entra").description("accept Entra ID-issued JWTs for an organisation (or --remove); DEFAULT_ORG takes ENTRA_* from the server's environment at each start"),
    ctx,
  )
    .option("--tenant <id>", "Entra tenant id (GUID)")
    .option("--jwks-url <url>", "JWKS URL (the tenant's jwks_uri)")
    .option("--jwks-file <file>", "a JWKS file")
    .option("--remove", "stop accepting Entra-issued JWTs for the organisation")
    .action(async (opts: { org: string; tenant?: string; jwksUrl?: string; jwksFile?: string; remove?: boolean }) =>
      withOrg(ctx, opts.org, async ({ db, org }) => {
        noteEnvironmentDecides(ctx, org.name, "ENTRA");
        if (opts.remove === true) {
          await setOrgEntra(db.knex, org.id, null);
          out(`organisation "${org.name}" no longer accepts Entra-issued tokens`);
          return;
        }
        if (opts.tenant === undefined || (!opts.jwksUrl && !opts.jwksFile)) throw new CliError("give --tenant with --jwks-url or --jwks-file, or --remove", EXIT.usage);
        const jwks = opts.jwksFile ? readJson("--jwks-file", opts.jwksFile) : null;
        await setOrgEntra(db.knex, org.id, { tenantId: opts.tenant, jwksUrl: opts.jwksUrl ?? null, jwks });
        out(`organisation "${org.name}" accepts Entra tokens of tenant ${opts.tenant}`);
      }),
    );
}

/** Members' sign-in: removing or replacing the issuer ends the organisation's console sessions at once. */
export function oidcCommand(program: Command, ctx: CliContext): void {
  withOrgOption(
    program
      .command("oidc")
      .description("set (or --remove) the OIDC issuer an organisation's members sign in with; removing or replacing it ends the organisation's console sessions at once; DEFAULT_ORG takes OIDC_* from the server's environment at each start"),
    ctx,
  )
    .option("--issuer <url>", "the issuer URL (https; http only on loopback)")
    .option("--client-id <id>", "the client registered at the issuer (the audience of members' tokens)")
    .option("--client-secret <secret>", "its secret (for the console's sign-in)")
    .option("--jwks-file <file>", "verify with this key set instead of the issuer's discovered one")
    .option("--username-claim <claim>", "the claim holding the member's userName (Entra: preferred_username)", "email")
    .option("--remove", "stop accepting members' sign-in for the organisation")
    .action(async (opts: { org: string; issuer?: string; clientId?: string; clientSecret?: string; jwksFile?: string; usernameClaim: string; remove?: boolean }) =>
      withOrg(ctx, opts.org, async ({ db, org }) => {
        noteEnvironmentDecides(ctx, org.name, "OIDC");
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
        const jwks = opts.jwksFile === undefined ? null : readJson("--jwks-file", opts.jwksFile);
        const { sessionsEnded } = await setMemberSignIn(db, org.id, { issuer: opts.issuer, clientId: opts.clientId, clientSecret: opts.clientSecret ?? null, jwks, usernameClaim: opts.usernameClaim });
        out(`members of "${org.name}" sign in with ${opts.issuer} (client ${opts.clientId}, userName from '${opts.usernameClaim}')`);
        if (sessionsEnded > 0) out(`${sessionsEnded} console session(s) opened with the previous sign-in ended`);
      }),
    );
}
