/**
 * Command-line help and parsing shared by every command (`cli.ts` and the `benchmarks/` scripts):
 * one declaration per command gives its `--help` text (usage, options with defaults, two examples)
 * and its `node:util` `parseArgs` options, so the help cannot drift from what is parsed.
 *
 * @example
 * ```ts
 * import { formatHelp, parseCommand } from "./usage.ts";
 * const help = {
 *   command: "deno task demo", summary: "Demo.", usage: ["deno task demo [--width W]"],
 *   options: [{ name: "width", type: "string" as const, value: "W", default: "1", doc: "width" }],
 *   examples: ["deno task demo", "deno task demo --width 0.5"] as [string, string],
 * };
 * const parsed = parseCommand(help, ["--width", "-1"]);
 * if (parsed.help || parsed.values.width !== "-1") throw new Error("negative number not parsed");
 * if (!formatHelp(help).includes("default: 1")) throw new Error("default not shown");
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError } from "./errors.ts";

/** One option of a command. */
export interface OptionHelp {
  /** Long name without dashes, e.g. `width`. */
  name: string;
  /** `string` takes a value; `boolean` is a switch. */
  type: "string" | "boolean";
  /** One-letter alias. */
  short?: string;
  /** Placeholder of the value in the help, e.g. `N`. */
  value?: string;
  /** Default shown in the help (and passed to parseArgs for string options). */
  default?: string;
  /** Whether it may be repeated. */
  multiple?: boolean;
  /** What it does. */
  doc: string;
}

/** The help of one command. */
export interface CommandHelp {
  /** How it is invoked, e.g. `deno task bench`. */
  command: string;
  /** One paragraph: what it does. */
  summary: string;
  /** Usage lines. */
  usage: readonly string[];
  /** Options, in display order (`--help` is added). */
  options: readonly OptionHelp[];
  /** Two examples (or more). */
  examples: readonly string[];
  /** Extra lines after the examples (exit codes, files written…). */
  notes?: string;
  /** Whether positional arguments are accepted. */
  positionals?: boolean;
}

/** Raised for a bad command line; its message ends with the command's usage. */
export class UsageError extends ConfigError {
  /** Creates a usage error with the command's help appended. */
  constructor(problem: string, help: CommandHelp) {
    super([`${problem}\n\n${formatHelp(help)}`], "command line");
    this.name = "UsageError";
  }
}

/** Renders the `--help` text of a command. */
export function formatHelp(h: CommandHelp): string {
  const help: OptionHelp = { name: "help", short: "h", type: "boolean", doc: "show this help" };
  const opts = [...h.options, help]
    .map((o) => {
      const flag = `${o.short ? `-${o.short}, ` : "    "}--${o.name}` +
        (o.type === "string" ? ` ${o.value ?? "VALUE"}` : "");
      const def = o.default !== undefined ? ` (default: ${o.default})` : "";
      const rep = o.multiple ? " (repeatable)" : "";
      return { flag, doc: `${o.doc}${def}${rep}` };
    });
  const w = Math.max(...opts.map((o) => o.flag.length)) + 2;
  return [
    h.summary,
    "",
    "Usage:",
    ...h.usage.map((u) => `  ${u}`),
    "",
    "Options:",
    ...opts.map((o) => `  ${o.flag.padEnd(w)}${o.doc}`),
    "",
    "Examples:",
    ...h.examples.map((e) => `  ${e}`),
    ...(h.notes ? ["", h.notes] : []),
  ].join("\n");
}

/**
 * Joins `--flag -1` into `--flag=-1` for string options so negative numbers parse (node's
 * parseArgs would read `-1` as an option and call the value ambiguous).
 */
export function joinNegativeValues(args: readonly string[], h: CommandHelp): string[] {
  const strings = new Set(h.options.filter((o) => o.type === "string").map((o) => `--${o.name}`));
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (strings.has(args[i]) && /^-(\d|\.\d|Infinity)/.test(args[i + 1] ?? "")) {
      out.push(`${args[i]}=${args[i + 1]}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/** Parsed command line, or a request for help (`--help`/`-h` anywhere). */
export type Parsed =
  | { help: true }
  | {
    help: false;
    values: Record<string, string | boolean | string[] | undefined>;
    positionals: string[];
  };

/**
 * Parses `args` against the command's options. `--help` wins over anything else; an unknown flag,
 * a missing value or an unexpected positional throws a {@linkcode UsageError} carrying the usage.
 */
export function parseCommand(h: CommandHelp, args: readonly string[]): Parsed {
  if (args.includes("--help") || args.includes("-h")) return { help: true };
  const options: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean; default?: string }
  > = {};
  for (const o of h.options) {
    options[o.name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
      ...(o.type === "string" && o.default !== undefined && !o.multiple
        ? { default: o.default }
        : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(args, h),
      options,
      allowPositionals: h.positionals ?? false,
      // deno-lint-ignore no-explicit-any
    } as any);
    return {
      help: false,
      values: values as Record<string, string | boolean | string[] | undefined>,
      positionals,
    };
  } catch (e) {
    throw new UsageError((e as Error).message, h);
  }
}

/**
 * For scripts: parses the command line, prints the help and exits 0 on `--help`, prints the
 * problem and the usage and exits 2 on a bad command line.
 */
export function parseOrExit(h: CommandHelp, args: readonly string[] = Deno.args): {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
} {
  let parsed: Parsed;
  try {
    parsed = parseCommand(h, args);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(2);
  }
  if (parsed.help) {
    console.log(formatHelp(h));
    Deno.exit(0);
  }
  return parsed;
}
