/**
 * The operator's commands, one file per group, against the same DATABASE_URL as the server (safe
 * while it runs: SQLite is in WAL mode with a busy timeout). Machine-readable values (a new token)
 * are printed as the last line of stdout; `--json` prints one document for scripts.
 *
 * Exit codes: 0 done; 1 invalid input (a file that does not validate, an unknown organisation,
 * member, token or webhook) or, for `verify`, drift found and not repaired; 2 usage (unknown
 * command or option, an option value outside its choices, an invalid organisation name); 3 refused
 * by a rule (a file manages the mapping, the change would lock everyone out, no confirmation).
 */
import { Command } from "commander";
import type { CliContext } from "./context";
import { explainCommand } from "./explain";
import { entraCommand, oidcCommand } from "./identity";
import { mappingCommands } from "./mapping";
import { memberCommands } from "./members";
import { orgCommands } from "./orgs";
import { tokenCommands } from "./tokens";
import { verifyCommand } from "./verify";
import { webhookCommands } from "./webhooks";

export function buildProgram(ctx: CliContext): Command {
  const program = new Command("scim-role-mapping")
    .description("SCIM role-mapping server administration, against the database DATABASE_URL names")
    .version(ctx.version, "-V, --version", "print the version")
    .option("--actor <name>", "the name the admin and audit logs record for this command (default: the OS user)")
    // Settings given before the commands are added are inherited by every subcommand.
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureHelp({ showGlobalOptions: true });
  orgCommands(program, ctx);
  tokenCommands(program, ctx, "tokens", "scim");
  tokenCommands(program, ctx, "api-tokens", "api");
  entraCommand(program, ctx);
  oidcCommand(program, ctx);
  mappingCommands(program, ctx);
  explainCommand(program, ctx);
  webhookCommands(program, ctx);
  verifyCommand(program, ctx);
  memberCommands(program, ctx);
  return program;
}
