/** `mapping validate | plan | apply | export`: role mapping files against an organisation. */
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { currentMapping } from "../../db/mappings";
import { type MappingIssue, type MappingPlan, PLAN_LIMITS, mappingFromJSON, mappingToDocument, mappingToYaml, parseMapping } from "../../mapping";
import { applyMappingText, planMappingText } from "../../roles";
import { type CliContext, CliError, EXIT, actorOf, configOf, withJsonOption, withOrg, withOrgOption, withRoles } from "./context";
import { distinct, err, formatIssue, out, printJson, readText, table } from "./output";

/** Prints each located issue, then fails with `summary`. */
function refuseIssues(issues: readonly MappingIssue[], summary: string, json: boolean): never {
  if (json) printJson({ ok: false, errors: issues });
  else issues.forEach((issue) => out(formatIssue(issue)));
  throw new CliError(summary);
}

/** Every warning of the plan, the file's and the plan's own, each once. */
function planWarnings(plan: MappingPlan, fileWarnings: readonly MappingIssue[]): string[] {
  return distinct([...fileWarnings.map(formatIssue), ...plan.warnings.map((warning) => warning.message)]);
}

/** The plan for people: the summary, what changes for how many, each member's change, then every warning once. */
function printPlan(plan: MappingPlan, fileWarnings: readonly MappingIssue[]): void {
  out(`${plan.changedCount} member(s) would change`);
  if (plan.effects.length > 0) {
    table(
      ["KIND", "NAME", "GAIN", "LOSE"],
      plan.effects.map((effect) => [effect.kind, effect.name, String(effect.gained), String(effect.lost)]),
    ).forEach((line) => out(`  ${line}`));
  }
  for (const change of plan.changes) out(`- ${change.member.userName}: ${change.change.summary.join("; ")}`);
  if (plan.changedCount > plan.changes.length) out(`… and ${plan.changedCount - plan.changes.length} more member(s)`);
  for (const warning of planWarnings(plan, fileWarnings)) out(`warning: ${warning}`);
  if (plan.lockout !== null) out(`refused: ${plan.lockout.message}`);
}

/** The plan for scripts: the plan as the admin API answers it, and the warnings as printed. */
function planDocument(plan: MappingPlan, fileWarnings: readonly MappingIssue[]): Record<string, unknown> {
  return { ok: true, plan, fileWarnings, warnings: planWarnings(plan, fileWarnings) };
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

export function mappingCommands(program: Command, ctx: CliContext): void {
  const mapping = program.command("mapping").description("validate, plan, apply and export role mapping files");
  mapping
    .command("validate <file>")
    .description("check a mapping file without touching any organisation (exit 1 with each located error)")
    .action(async (file: string) => {
      const parsed = parseMapping(readText(file), file, configOf(ctx).mappingLimits);
      if (!parsed.ok) refuseIssues(parsed.errors, `${file}: ${parsed.errors.length} error(s)`, false);
      distinct(parsed.warnings.map(formatIssue)).forEach((w) => out(`warning: ${w}`));
      out(`${file}: valid (hash ${parsed.hash})`);
    });
  withJsonOption(withOrgOption(mapping.command("plan <file>").description("show who would gain and lose what if the file were applied, and every warning; changes nothing"), ctx)).action(
    async (file: string, opts: { org: string; json?: boolean }) =>
      withRoles(ctx, opts.org, async ({ db, sync, org }) => {
        const result = await planMappingText(db, sync, { orgId: org.id, text: readText(file), sourceName: file, limits: configOf(ctx).mappingLimits, page: { limit: PLAN_LIMITS.maxMembers } });
        if (!result.ok) refuseIssues(result.errors, `${file}: ${result.errors.length} error(s); nothing planned`, opts.json === true);
        if (opts.json === true) printJson(planDocument(result.plan, result.warnings));
        else printPlan(result.plan, result.warnings);
      }),
  );
  withJsonOption(withOrgOption(mapping.command("apply <file>").description("show the plan and every warning, confirm, then apply (--json needs --yes)"), ctx))
    .option("--yes", "apply without asking (for scripts: review `mapping plan` first)")
    .option("--force", "apply although a mapping file manages the organisation (the file wins again on its next change)")
    .option("--allow-lockout", "apply even if no active member could edit roles afterwards")
    .action(async (file: string, opts: { org: string; yes?: boolean; force?: boolean; allowLockout?: boolean; json?: boolean }, command: Command) =>
      withRoles(ctx, opts.org, async ({ db, sync, org }) => {
        const json = opts.json === true;
        const actor = actorOf(command, ctx);
        if (json && opts.yes !== true) throw new CliError("--json prints the plan and the outcome together: review `mapping plan --json` first and pass --yes", EXIT.usage);
        if (org.mappingFile !== null) {
          if (opts.force !== true) throw new CliError(`the mapping of "${org.name}" is managed by ${org.mappingFile}: edit that file, or pass --force (the file wins again on its next change)`, EXIT.refused);
          err(`warning: ${org.mappingFile} manages this mapping; it will win again on its next change`);
        }
        const text = readText(file);
        const limits = configOf(ctx).mappingLimits;
        const planned = await planMappingText(db, sync, { orgId: org.id, text, sourceName: file, limits, page: { limit: PLAN_LIMITS.maxMembers } });
        const invalid = `${file}: refused, the mapping in force is unchanged`;
        if (!planned.ok) refuseIssues(planned.errors, `${invalid} (${planned.errors.length} error(s))`, json);
        const document = planDocument(planned.plan, planned.warnings);
        const refused = (message: string): never => {
          if (json) printJson({ ...document, outcome: { status: "refused", message } });
          throw new CliError(message, EXIT.refused);
        };
        if (!json) printPlan(planned.plan, planned.warnings);
        if (planned.plan.lockout !== null && opts.allowLockout !== true) refused("refused: it would lock the organisation out (--allow-lockout to apply anyway)");
        if (opts.yes !== true && !(await confirm(`Apply ${file} to "${org.name}"?`))) throw new CliError("not applied", EXIT.refused);
        const result = await applyMappingText(db, sync, { orgId: org.id, text, sourceName: file, actor, refuseLockout: opts.allowLockout !== true, limits });
        if (!result.ok) {
          if (result.reason === "invalid") refuseIssues(result.errors, `${invalid} (${result.errors.length} error(s))`, json);
          return refused(`refused: ${result.lockout.message}`);
        }
        if (json) {
          printJson({ ...document, outcome: { status: result.unchanged ? "unchanged" : "applied", version: result.version, changed: result.changed } });
          return;
        }
        out(result.unchanged ? `unchanged: version ${result.version} is already this mapping` : `applied version ${result.version}: ${result.changed} member(s) changed`);
      }),
    );
  withOrgOption(mapping.command("export").description("write the mapping in force as a mapping file (it validates and hashes the same)"), ctx)
    .option("--output <file>", "write here instead of stdout")
    .option("--format <format>", "yaml or json", "yaml")
    .action(async (opts: { org: string; output?: string; format: string }) => {
      if (opts.format !== "yaml" && opts.format !== "json") throw new CliError("--format must be yaml or json", EXIT.usage);
      await withOrg(ctx, opts.org, async ({ db, org }) => {
        const current = await currentMapping(db.knex, org.id);
        if (current === null) throw new CliError(`"${org.name}" has no mapping yet`);
        const stored = mappingFromJSON(current.mapping);
        const text =
          opts.format === "json"
            ? `${JSON.stringify(mappingToDocument(stored), null, 2)}\n`
            : `# Mapping of "${org.name}", version ${current.version} (hash ${current.hash}), applied by ${current.appliedBy} at ${current.appliedAt}.\n${mappingToYaml(stored)}`;
        if (opts.output === undefined) process.stdout.write(text);
        else {
          writeFileSync(opts.output, text);
          err(`wrote version ${current.version} of "${org.name}" to ${opts.output} (hash ${current.hash})`);
        }
      });
    });
}
