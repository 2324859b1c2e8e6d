/** `explain <userName>`: why a member has what they have, rule by rule. */
import type { Command } from "commander";
import { findUserIdByUserName } from "../../db/users";
import { AREAS, type Explanation, type GrantChain, type RuleMatch } from "../../mapping";
import { explainUser } from "../../roles";
import { type CliContext, CliError, withJsonOption, withOrgOption, withRoles } from "./context";
import { out, printJson, table } from "./output";

function matchLine(match: RuleMatch): string {
  if (match.kind === "appRole") return `app role ${match.appRole}`;
  return `group "${match.group.displayName}"${match.group.externalId === null ? "" : ` (externalId ${match.group.externalId})`}, by ${match.matchedBy} "${match.matcherValue}"`;
}

function grantRows(kind: string, chains: readonly GrantChain[]): string[][] {
  return chains.map((chain) => [kind, chain.name, chain.granted ? "yes" : "no", chain.reason]);
}

/** The explanation for people: who, the org role and why, each area, each capability and connector, the rules that matched. */
function printExplanation(explanation: Explanation): void {
  const { member } = explanation;
  out(`${member.userName} (${member.id}): ${member.active ? "active" : `inactive: ${explanation.inactiveReason ?? ""}`}`);
  out(`org role: ${explanation.orgRole}: ${explanation.orgRoleReason}`);
  if (explanation.roles.length > 0) out(`custom roles: ${explanation.roles.join(", ")}`);
  if (explanation.customRolesNotApplied !== null) out(`not applied: ${explanation.customRolesNotApplied.roles.join(", ")}: ${explanation.customRolesNotApplied.reason}`);
  out("");
  const rows = [
    ...AREAS.map((area) => ["area", area, explanation.chains.admin[area].level, explanation.chains.admin[area].reason]),
    ...grantRows("capability", explanation.chains.capabilities),
    ...grantRows("connector", explanation.chains.connectors),
  ];
  table(["KIND", "NAME", "HOLDS", "WHY"], rows).forEach(out);
  out("");
  if (explanation.matches.length === 0) out("no rule matches any of the member's groups or app roles");
  else explanation.matches.forEach((match) => out(`matched: ${matchLine(match)}`));
}

export function explainCommand(program: Command, ctx: CliContext): void {
  withJsonOption(withOrgOption(program.command("explain <userName>").description("why a member has what they have: org role, areas, capabilities, connectors, and the rules that matched"), ctx)).action(
    async (userName: string, opts: { org: string; json?: boolean }) =>
      withRoles(ctx, opts.org, async ({ db, sync, org }) => {
        const id = await findUserIdByUserName(db.knex, org.id, userName);
        if (!id) throw new CliError(`No member ${userName} in "${org.name}"`);
        const explanation = await explainUser(db, sync, org.id, id);
        if (explanation === null) throw new CliError(`No member ${userName} in "${org.name}"`);
        if (opts.json === true) printJson(explanation);
        else printExplanation(explanation);
      }),
  );
}
