#!/usr/bin/env node
/**
 * The CLI's process (`scim-role-mapping`, `npm run cli --`): like server/main.ts, the only place
 * that reads the environment and the OS user, once, before any command runs.
 */
import { userInfo } from "node:os";
import { CommanderError } from "commander";
import { type Config, ConfigError, parseConfig } from "../config";
import { VERSION } from "../version";
import { CliError, EXIT } from "./context";
import { buildProgram } from "./program";

function configFromEnvironment(): Config | ConfigError {
  try {
    return parseConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
}

/** The account running the CLI; a container with an unknown uid has none (then `--actor` is needed). */
function osUser(): string | null {
  try {
    const { username } = userInfo();
    return username === "" ? null : username;
  } catch {
    return null;
  }
}

buildProgram({ config: configFromEnvironment(), osUser: osUser(), version: VERSION })
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    if (e instanceof CommanderError) {
      // Help and version are not failures; any other commander error is a usage error.
      process.exit(e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0 ? EXIT.done : EXIT.usage);
    }
    process.stderr.write(e instanceof CliError ? `error: ${e.message}\n` : `error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(e instanceof CliError ? e.exitCode : EXIT.invalid);
  });
