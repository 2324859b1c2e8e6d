/** `verify`: recompute every member and compare with what is stored; `--repair` rewrites what drifted. */
import type { Command } from "commander";
import { diffPermissions } from "../../mapping";
import { verifyPermissions } from "../../roles";
import { type CliContext, CliError, actorOf, withOrgOption, withRoles } from "./context";
import { out } from "./output";

export function verifyCommand(program: Command, ctx: CliContext): void {
  withOrgOption(program.command("verify").description("recompute every member's permissions and compare with what is stored (exit 1 on drift)"), ctx)
    .option("--repair", "write the recomputed permissions (audited and announced like any change)")
    .action(async (opts: { org: string; repair?: boolean }, command: Command) =>
      withRoles(ctx, opts.org, async ({ db, sync, org }) => {
        const result = await verifyPermissions(db, sync, { orgId: org.id, repair: opts.repair === true, actor: actorOf(command, ctx) });
        for (const d of result.drift) {
          const change = d.stored === null ? "nothing stored" : diffPermissions(d.stored, d.computed).summary.join("; ");
          out(`drift ${d.member.userName} (${d.member.id}): ${change}`);
        }
        out(`${result.checked} member(s) checked, ${result.drift.length} drifted${result.repaired > 0 ? `, ${result.repaired} repaired` : ""}`);
        if (result.drift.length > 0 && result.repaired === 0) throw new CliError(`${result.drift.length} member(s) drifted; run with --repair to rewrite them`);
      }),
    );
}
