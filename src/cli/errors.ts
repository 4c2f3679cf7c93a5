/**
 * How the command line reports an error, and its exit code.
 *
 * @module
 */
import { ConfigError, fileSystemFault } from "../util/errors.ts";

/**
 * Prints an error the way the CLI reports it and returns the exit code: 2 with one message for a
 * configuration or permission problem (the user's to fix), 1 with the stack for anything else (a
 * bug in prunebench or in a user's method: the stack is what a report needs). `usage` follows a
 * command-line parse error.
 */
export function reportError(e: unknown, usage: string): number {
  if (e instanceof ConfigError) {
    console.error(`error: ${e.message}`);
    return 2;
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    // node:util parseArgs: an unknown flag, a missing value
    console.error(`error: Invalid command line: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  const fault = fileSystemFault(e);
  if (fault) {
    console.error(`error: ${fault}`);
    return 1;
  }
  if (e instanceof Deno.errors.NotCapable) {
    console.error(
      `error: ${
        (e as Error).message
      }\nprunebench computes the permissions of each command from the paths it is given ` +
        `(src/cli/permissions.ts); a path it did not foresee is a bug: please report it.`,
    );
    return 2;
  }
  console.error(
    `prunebench: internal error (please report it with this output):\n${
      e instanceof Error ? e.stack ?? String(e) : String(e)
    }`,
  );
  return 1;
}
