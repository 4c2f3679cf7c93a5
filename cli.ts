/**
 * prunebench command line: a thin dispatcher to the commands of `src/cli/`.
 *
 * ```
 * deno task bench [--suite default|smoke|paper|<file.ts>] [--jobs N] [--shard i/N] [--force]
 * deno task run --method l0-hc --arch lenet-300-100 [--width 1] [--seed 1] [--epochs 5] [--set lambda=1]
 * deno task list [suites|methods|archs|datasets|<id>]
 * deno task aggregate <results/dir> [more dirs…] --out <dir>
 * deno task report [results/<suite>]
 * deno task <command> --help
 * ```
 *
 * @module
 */
import { loadSuite, SUITES } from "./benchmarks/suites/mod.ts";
import { COMMANDS, overviewHelp } from "./src/cli/commands.ts";
import { formatHelp } from "./src/util/usage.ts";
import { benchMain, type SuiteRegistry } from "./src/cli/bench.ts";
import { runMain } from "./src/cli/run.ts";
import { listMain } from "./src/cli/list.ts";
import { aggregateMain } from "./src/cli/aggregate.ts";
import { reportMain } from "./src/cli/report.ts";
import { workerMain } from "./src/cli/worker.ts";
import { isScript, scriptMain } from "./src/cli/scripts.ts";
import { PRUNE_HELP } from "./src/cli/prune.ts";
import { reportError as report } from "./src/cli/errors.ts";

/** The built-in suites live in `benchmarks/suites/`; `src/` receives them from here. */
const REGISTRY: SuiteRegistry = { suites: SUITES, load: loadSuite };
const HELP = overviewHelp(Object.keys(SUITES), PRUNE_HELP);

function main(argv: string[]): Promise<number> {
  const cmd = argv[0];
  switch (cmd) {
    case "bench":
      return benchMain(argv, REGISTRY);
    case "run":
      return runMain(argv);
    case "list":
      return listMain(argv, SUITES);
    case "aggregate":
      return aggregateMain(argv);
    case "report":
      return reportMain(argv);
    case "worker":
      return workerMain(argv);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(
        cmd === "help" && argv[1] && Object.hasOwn(COMMANDS, argv[1])
          ? formatHelp(COMMANDS[argv[1]])
          : HELP,
      );
      return Promise.resolve(0);
  }
  if (isScript(cmd)) return scriptMain(argv);
  console.error(
    `error: Unknown command "${cmd}": expected one of ${
      Object.keys(COMMANDS).map((c) => `"${c}"`).join(", ")
    }\n\n${HELP}`,
  );
  return Promise.resolve(2);
}

/**
 * Prints an error the way the CLI reports it and returns the exit code: 2 for a configuration or
 * permission problem, 1 with the stack for anything else (see `src/cli/errors.ts`).
 */
export function reportError(e: unknown): number {
  return report(e, HELP);
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (e) {
    code = reportError(e);
  }
  Deno.exit(code);
}
