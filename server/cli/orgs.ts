/** `orgs create | list`: organisations, which no other command creates (but `tokens create --create-org`). */
import type { Command } from "commander";
import type { Executor } from "../../db/connection";
import { DbConflictError } from "../../db/errors";
import { type Org, createOrg, listOrgs } from "../../db/orgs";
import { type CliContext, CliError, EXIT, withDb, withJsonOption } from "./context";
import { out, printJson, printTable } from "./output";

/**
 * An organisation's name is typed in commands, URLs and `DEFAULT_ORG`: lower-case letters, digits
 * and hyphens, starting with a letter or digit, at most 63 characters (a DNS label's rule, so it
 * also fits a host name).
 */
export const ORG_NAME_RULE = "lower-case letters a-z, digits and hyphens, starting with a letter or digit, at most 63 characters";
const ORG_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function orgNameProblem(name: string): string | null {
  return ORG_NAME.test(name) ? null : `"${name}" is not a valid organisation name: use ${ORG_NAME_RULE}`;
}

/** Creates the organisation, its name checked first; an existing one is an error. */
export async function createNamedOrg(tx: Executor, name: string): Promise<Org> {
  const problem = orgNameProblem(name);
  if (problem !== null) throw new CliError(problem, EXIT.usage);
  try {
    return await createOrg(tx, name);
  } catch (e) {
    if (e instanceof DbConflictError) throw new CliError(`An organisation named "${name}" already exists`);
    throw e;
  }
}

export function orgCommands(program: Command, ctx: CliContext): void {
  const orgs = program.command("orgs").description("create and list organisations");
  orgs
    .command("create <name>")
    .description(`create an organisation (no other command creates one); a name is ${ORG_NAME_RULE}`)
    .action(async (name: string) =>
      withDb(ctx, async (db) => {
        const org = await createNamedOrg(db.knex, name);
        out(`created organisation "${org.name}" (${org.id})`);
      }),
    );
  withJsonOption(orgs.command("list").description("list every organisation and where its mapping comes from")).action(async (opts: { json?: boolean }) =>
    withDb(ctx, async (db) => {
      const all = await listOrgs(db.knex);
      if (opts.json === true) {
        printJson(all.map((org) => ({ name: org.name, id: org.id, mappingFile: org.mappingFile })));
        return;
      }
      printTable(
        ["NAME", "ID", "MAPPING"],
        all.map((org) => [org.name, org.id, org.mappingFile === null ? "in the database" : `managed by ${org.mappingFile}`]),
        "no organisations yet: create one with `orgs create <name>`",
      );
    }),
  );
}
