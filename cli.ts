/**
 * prunebench command line.
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
import { COMMANDS } from "./src/harness/commands_help.ts";
import { formatHelp, joinNegativeValues, parseCommand, UsageError } from "./src/util/usage.ts";
import { closestName, ConfigError, fileSystemFault } from "./src/util/errors.ts";
import { loadSuite, SUITES } from "./benchmarks/suites/mod.ts";
import { bench } from "./src/harness/bench.ts";
import { aggregateCommand } from "./src/harness/aggregate_command.ts";
import { listCommand } from "./src/harness/list.ts";
import { runWorker } from "./src/harness/worker.ts";
import { singleRun, type SingleRunFlags } from "./src/harness/single.ts";
import { moduleUrl } from "./src/harness/user_methods.ts";
import {
  blasLibraries,
  commandScopes,
  denoCommand,
  missing,
  permissionFlags,
  type Scopes,
  workerScopes,
} from "./src/harness/permissions.ts";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath as fromFileUrl } from "node:url";
import { PRUNE_HELP, pruneCommand } from "./src/prune/command.ts";

const HELP = `prunebench — learned neural-network pruning benchmarks

Usage:
${
  Object.values(COMMANDS).map((c) =>
    `  ${c.usage[0]}\n      ${c.options.map((o) => `--${o.name}`).join(" ")}`
  ).join("\n")
}
${PRUNE_HELP}
  deno task perf | validate:l0 | validate:methods | validate:reference [--help]

Each command answers --help (e.g. deno task bench --help) with its options, defaults and examples.
Suites: ${Object.keys(SUITES).join(", ")} (or a path to a .ts module exporting \`suite\`).

Exit codes: 0 all runs ok; 1 some run failed, a filesystem fault, or a bug (with its stack);
2 invalid configuration or command line (every problem listed, nothing run).`;

const CLI = fromFileUrl(new URL("./cli.ts", import.meta.url));
/** Set in the environment of a re-run with computed permissions (never re-run twice). */
const SCOPED_ENV = "PRUNEBENCH_SCOPED";

/** Folders of `imagefolder:<path>` datasets (read by the workers). */
function datasetReads(datasets: readonly string[]): string[] {
  return datasets.filter((d) => d.startsWith("imagefolder:")).map((d) => d.slice(12));
}

/**
 * Continues (null) when this process has every permission of `scopes`; otherwise re-runs
 * `cli.ts argv` with exactly those permissions and returns its exit code. Signals reach the
 * re-run process, which stops its sweep cleanly.
 */
async function ensureScopes(scopes: Scopes, argv: string[]): Promise<number | null> {
  const lacking = missing(scopes);
  if (!lacking.length) return null;
  const flags = permissionFlags(scopes).join(" ");
  const granted = (d: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(d).state === "granted";
  const canRerun = granted({ name: "env", variable: SCOPED_ENV }) && !Deno.env.get(SCOPED_ENV) &&
    granted({ name: "run", command: Deno.execPath() });
  if (!canRerun) {
    throw new ConfigError([
      `This command needs permissions this process lacks (${lacking.join("; ")}). Run it ` +
      `through its deno task (e.g. deno task ${argv[0]}), or as: deno run ${flags} cli.ts ` +
      argv.join(" "),
    ], "permissions");
  }
  const child = new Deno.Command(denoCommand(scopes, CLI, argv)[0], {
    args: denoCommand(scopes, CLI, argv).slice(1),
    env: { [SCOPED_ENV]: "1" },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const forward = (sig: Deno.Signal) => () => {
    try {
      child.kill(sig);
    } catch { /* exited */ }
  };
  const onInt = forward("SIGINT"), onTerm = forward("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  try {
    const status = await child.status;
    return status.signal ? 128 + (status.signal === "SIGINT" ? 2 : 15) : status.code;
  } finally {
    Deno.removeSignalListener("SIGINT", onInt);
    Deno.removeSignalListener("SIGTERM", onTerm);
  }
}

/** The worker command of one run: exactly the permissions of `workerScopes`. */
function workerCommandFor(modules: string[], dataDir: string | undefined) {
  const blas = blasLibraries();
  return {
    command: (runDir: string) =>
      denoCommand(workerScopes(runDir, { modules, dataDir, blas }), CLI, ["worker"]),
    // the workers open the library by the absolute path they are allowed to
    env: blas.length ? { PRUNEBENCH_BLAS: blas[0] } : undefined,
  };
}

/**
 * Scopes of `run --model` (prunes in this process): read the model and the data, write `--out`
 * (default under results/) and the dataset cache, FFI for BLAS, the dataset mirrors and the
 * model's host when it is a URL.
 */
function pruneScopes(args: string[]): Scopes {
  const str1 = { type: "string" } as const;
  const { values: v } = parseArgs({
    args,
    strict: false,
    options: { model: str1, data: str1, out: str1, "data-dir": str1 },
  });
  const str = (x: unknown) => (typeof x === "string" ? x : undefined);
  const model = str(v.model), data = str(v.data);
  const s = workerScopes(str(v.out) ?? "results", {
    dataDir: str(v["data-dir"]),
    blas: blasLibraries(),
  });
  const remote = model && /^https?:/.test(model) ? new URL(model) : null;
  if (remote) s.net.push(remote.host);
  else if (model) {
    // model.json and its weight files, which lie beside it (or the folder given)
    const path = resolve(model.startsWith("file:") ? fromFileUrl(model) : model);
    s.read.push(path.endsWith(".json") ? dirname(path) : path);
  }
  if (data && data.endsWith(".csv")) s.read.push(resolve(data));
  if (data?.startsWith("imagefolder:")) s.read.push(resolve(data.slice(12)));
  return s;
}

/** Parses a command's arguments; `null` when `--help` was answered. */
function parse(cmd: string, args: string[]) {
  const parsed = parseCommand(COMMANDS[cmd], args);
  if (parsed.help) {
    console.log(formatHelp(COMMANDS[cmd]));
    return null;
  }
  return parsed;
}

/**
 * {@linkcode parse} for the commands that validate a suite (`bench`, `run`): an unknown flag (and
 * the value after it) is set aside as a problem, to be listed with the suite's problems in one
 * error followed by the usage (see {@linkcode withUsage}).
 */
function parseCollecting(cmd: string, args: string[]) {
  try {
    const p = parse(cmd, args);
    return p && { ...p, flagProblems: [] as string[] };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
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
    if (!problems.length) throw e;
    const p = parse(cmd, kept); // any other problem (a missing value) throws as usual
    return p && { ...p, flagProblems: problems };
  }
}

/** Runs `f`; a configuration error is printed with the command's usage when a flag was wrong. */
async function withUsage(cmd: string, flagProblems: string[], f: () => Promise<number>) {
  try {
    return await f();
  } catch (e) {
    if (!flagProblems.length || !(e instanceof ConfigError)) throw e;
    console.error(`error: ${e.message}\n\n${formatHelp(COMMANDS[cmd])}`);
    return 2;
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "bench": {
      const p = parseCollecting(cmd, rest);
      if (p === null) return 0;
      const values = p.values as Record<string, string | undefined>;
      const suite = await loadSuite(values.suite!);
      const suiteUrl = Object.hasOwn(SUITES, values.suite!)
        ? undefined
        : new URL(values.suite!, `file://${Deno.cwd()}/`).href;
      const modules = (suite.methodModules ?? []).map((m) => moduleUrl(m, suiteUrl));
      const code = await ensureScopes(
        commandScopes({
          writes: [values.out!],
          reads: [
            ...(suiteUrl ? [dirname(fromFileUrl(suiteUrl))] : []),
            ...datasetReads(suite.datasets ?? []),
          ],
          modules,
          dataDir: values["data-dir"],
          startsWorkers: true,
        }),
        argv,
      );
      if (code !== null) return code;
      return await withUsage(
        cmd,
        p.flagProblems,
        () => runBench(suite, { ...p.values, suiteUrl }, p.flagProblems, modules),
      );
    }
    case "run": {
      if (rest.some((a) => a === "--model" || a.startsWith("--model="))) {
        const code = await ensureScopes(pruneScopes(rest), argv);
        return code ?? await pruneCommand(rest);
      }
      const p = parseCollecting(cmd, rest);
      if (p === null) return 0;
      const values = p.values as SingleRunFlags & Record<string, string | undefined>;
      const { suite, problems } = singleRun(values);
      const code = await ensureScopes(
        commandScopes({
          writes: [values.out!],
          reads: datasetReads(suite.datasets),
          dataDir: values["data-dir"],
          startsWorkers: true,
        }),
        argv,
      );
      if (code !== null) return code;
      return await withUsage(
        cmd,
        p.flagProblems,
        () =>
          runBench(suite, { ...p.values, jobs: "1", accumulate: true }, [
            ...p.flagProblems,
            ...problems,
          ]),
      );
    }
    case "worker":
      return await runWorker(rest[0]);
    case "list": {
      const p = parse(cmd, rest);
      if (p === null) return 0;
      const scopes = commandScopes({ dataDir: p.values["data-dir"] as string | undefined });
      return await ensureScopes(scopes, argv) ?? await listCommand(rest);
    }
    case "aggregate": {
      const p = parse(cmd, rest);
      if (p === null) return 0;
      const out = p.values.out as string | undefined;
      if (!p.positionals.length || !out) {
        throw new UsageError("aggregate needs at least one DIR and --out DIR", COMMANDS.aggregate);
      }
      const scopes = commandScopes({ writes: [out], reads: p.positionals });
      return await ensureScopes(scopes, argv) ?? await aggregateCommand(rest);
    }
    case "report": {
      const p = parse(cmd, rest);
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
      const { reportCommand } = await import("./src/report/mod.ts");
      return await reportCommand(joinNegativeValues(rest, COMMANDS.report));
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      if (cmd === "help" && rest[0] && Object.hasOwn(COMMANDS, rest[0])) {
        console.log(formatHelp(COMMANDS[rest[0]]));
      } else console.log(HELP);
      return 0;
    default:
      console.error(
        `error: Unknown command "${cmd}": expected one of ${
          Object.keys(COMMANDS).map((c) => `"${c}"`).join(", ")
        }\n\n${HELP}`,
      );
      return 2;
  }
}

async function runBench(
  suite: Parameters<typeof bench>[0],
  values: Record<string, string | boolean | string[] | undefined>,
  flagProblems: string[] = [],
  modules: string[] = [],
): Promise<number> {
  const worker = workerCommandFor(modules, values["data-dir"] as string | undefined);
  const jobs = values.jobs ? Number(values.jobs) : navigator.hardwareConcurrency ?? 2;
  const summary = await bench(suite, {
    out: values.out as string,
    jobs,
    shard: values.shard as string | undefined,
    force: !!values.force,
    retryFailed: !!values["retry-failed"],
    backend: values.backend as string,
    dataDir: values["data-dir"] as string | undefined,
    workerCommand: worker.command,
    workerEnv: worker.env,
    suiteUrl: values.suiteUrl as string | undefined,
    flagProblems,
    accumulate: !!values.accumulate,
  });
  const dir = `${values.out}/${suite.id}`;
  console.log(
    `\n${suite.id}: ${summary.total} runs, ${summary.skipped} skipped, ${summary.ok} ok, ${summary.failed} failed ` +
      `in ${summary.wallSeconds.toFixed(0)} s. Results: ${dir}/runs.csv, ${dir}/summary.csv`,
  );
  if (!values["no-report"]) {
    try {
      const { writeReport } = await import("./src/report/mod.ts");
      const rep = await writeReport(dir);
      console.log(`Report: ${rep.html}`);
    } catch (e) {
      console.error(`prunebench: the report could not be written: ${(e as Error).message}`);
    }
  }
  if (summary.failures.length) {
    console.error(
      `\n${summary.failures.length} problem(s):\n${
        summary.failures.map((f) => `  - ${f}`).join("\n")
      }`,
    );
    return 1;
  }
  return 0;
}

/**
 * Prints an error the way the CLI reports it and returns the exit code: 2 with one message for a
 * configuration or permission problem (the user's to fix), 1 with the stack for anything else (a
 * bug in prunebench or in a user's method: the stack is what a report needs).
 */
export function reportError(e: unknown): number {
  if (e instanceof ConfigError) {
    console.error(`error: ${e.message}`);
    return 2;
  }
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    // node:util parseArgs: an unknown flag, a missing value
    console.error(`error: Invalid command line: ${(e as Error).message}\n\n${HELP}`);
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
        `(src/harness/permissions.ts); a path it did not foresee is a bug: please report it.`,
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

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (e) {
    code = reportError(e);
  }
  Deno.exit(code);
}
