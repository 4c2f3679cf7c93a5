/**
 * Parsing a command's flags against its declaration in `commands.ts`, with `--help` answered and
 * unknown flags collected as problems for the commands that validate a suite.
 *
 * @module
 */
import { formatHelp, parseCommand, type Parsed, UsageError } from "../util/usage.ts";
import { closestName, ConfigError } from "../util/errors.ts";
import { COMMANDS } from "./commands.ts";

/** A parsed command line that is not a request for help. */
export type Args = Extract<Parsed, { help: false }>;

/** Parses a command's arguments; `null` when `--help` was answered. */
export function parse(cmd: string, args: string[]): Args | null {
  const parsed = parseCommand(COMMANDS[cmd], args);
  if (parsed.help) {
    console.log(formatHelp(COMMANDS[cmd]));
    return null;
  }
  return parsed;
}

/** Unknown flags of `args` (and the value after each) set aside as problems. */
function setAsideUnknown(cmd: string, args: string[]): { kept: string[]; problems: string[] } {
  const known = COMMANDS[cmd].options.map((o) => o.name);
  const kept: string[] = [], problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i], flag = a.split("=")[0];
    if (!a.startsWith("--") || known.includes(flag.slice(2))) {
      kept.push(a);
      continue;
    }
    const near = closestName(flag.slice(2), known);
    problems.push(`Unknown option "${flag}"${near ? `: did you mean "--${near}"?` : ""}`);
    if (!a.includes("=") && args[i + 1] !== undefined && !args[i + 1].startsWith("-")) i++;
  }
  return { kept, problems };
}

/**
 * {@linkcode parse} for the commands that validate a suite (`bench`, `run`): an unknown flag (and
 * the value after it) is set aside as a problem, to be listed with the suite's problems in one
 * error followed by the usage (see {@linkcode withUsage}).
 */
export function parseCollecting(
  cmd: string,
  args: string[],
): (Args & { flagProblems: string[] }) | null {
  try {
    const p = parse(cmd, args);
    return p && { ...p, flagProblems: [] as string[] };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const { kept, problems } = setAsideUnknown(cmd, args);
    if (!problems.length) throw e;
    const p = parse(cmd, kept); // any other problem (a missing value) throws as usual
    return p && { ...p, flagProblems: problems };
  }
}

/** Runs `f`; a configuration error is printed with the command's usage when a flag was wrong. */
export async function withUsage(
  cmd: string,
  flagProblems: string[],
  f: () => Promise<number>,
): Promise<number> {
  try {
    return await f();
  } catch (e) {
    if (!flagProblems.length || !(e instanceof ConfigError)) throw e;
    console.error(`error: ${e.message}\n\n${formatHelp(COMMANDS[cmd])}`);
    return 2;
  }
}
