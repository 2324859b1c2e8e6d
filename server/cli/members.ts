/**
 * Break-glass for operators: suspend or reactivate a member without the grant check a member's
 * request gets, audited under the operator's name with the reason. The Primary Owner is suspended
 * by nobody (transfer primary ownership with the mapping first); leaving no member able to edit
 * roles needs --allow-lockout.
 */
import type { Command } from "commander";
import { AdminError, reactivateAsOperator, suspendAsOperator } from "../../roles/admin";
import { type CliContext, CliError, EXIT, actorOf, withOrgOption, withRoles } from "./context";
import { out } from "./output";

const refusal = (e: unknown): never => {
  if (e instanceof AdminError) {
    const code = e.code === "member_not_found" || e.code === "invalid_request" ? EXIT.invalid : EXIT.refused;
    throw new CliError(`${code === EXIT.refused ? "refused: " : ""}${e.message}`, code);
  }
  throw e;
};

export function memberCommands(program: Command, ctx: CliContext): void {
  const members = program.command("members").description("suspend and reactivate members (break-glass)");
  withOrgOption(members.command("suspend <userName>").description("take every right away at once; the IdP cannot lift it"), ctx)
    .requiredOption("--reason <text>", "why (kept in the admin log and the audit log)")
    .option("--allow-lockout", "suspend even if no member could edit roles afterwards")
    .action(async (userName: string, opts: { reason: string; org: string; allowLockout?: boolean }, command: Command) =>
      withRoles(ctx, opts.org, async ({ db, sync, org }) => {
        const operator = actorOf(command, ctx);
        const outcome = await suspendAsOperator({ db, sync }, { orgId: org.id, userName, reason: opts.reason, operator, allowLockout: opts.allowLockout === true }).catch(refusal);
        out(outcome.changed ? `suspended ${userName}` : `${userName} was already suspended (by ${outcome.suspension?.by ?? "?"} at ${outcome.suspension?.at ?? "?"})`);
      }),
    );
  withOrgOption(members.command("reactivate <userName>").description("lift a suspension"), ctx).action(async (userName: string, opts: { org: string }, command: Command) =>
    withRoles(ctx, opts.org, async ({ db, sync, org }) => {
      const outcome = await reactivateAsOperator({ db, sync }, { orgId: org.id, userName, operator: actorOf(command, ctx) }).catch(refusal);
      out(outcome.changed ? `reactivated ${userName}` : `${userName} was not suspended`);
    }),
  );
}
