/**
 * `report [DIR]`: tables, charts and findings of a results folder (`src/report/`), with write
 * access to that folder only.
 *
 * @module
 */
import { joinNegativeValues, UsageError } from "../util/usage.ts";
import { COMMANDS } from "./commands.ts";
import { parse } from "./parse.ts";
import { commandScopes } from "./permissions.ts";
import { ensureScopes } from "./rerun.ts";

/** `cli.ts report …` (`argv` includes the command name); returns the exit code. */
export async function reportMain(argv: string[]): Promise<number> {
  const rest = argv.slice(1);
  const p = parse("report", rest);
  if (p === null) return 0;
  if (p.positionals.length > 1) {
    throw new UsageError(
      `Expected at most one results directory, got ${p.positionals.length}`,
      COMMANDS.report,
    );
  }
  const dir = String(p.positionals[0] ?? "results/default");
  const code = await ensureScopes(commandScopes({ writes: [dir] }), argv);
  if (code !== null) return code;
  const { reportCommand } = await import("../report/mod.ts");
  return await reportCommand(joinNegativeValues(rest, COMMANDS.report));
}
