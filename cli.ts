/**
 * prunebench command line.
 *
 * ```
 * deno task bench [--suite default|smoke|paper|<file.ts>] [--jobs N] [--shard i/N] [--force]
 * deno task run --method l0-hc --arch lenet-300-100 [--width 1] [--seed 1] [--epochs 5] [--set lambda=1]
 * deno task list [suites|methods|archs|datasets]
 * deno task aggregate <results/dir> [more dirs…] --out <dir>
 * deno task report [results/<suite>]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError, fileSystemFault } from "./src/util/errors.ts";
import { loadSuite, SUITES } from "./benchmarks/suites/mod.ts";
import { bench } from "./src/harness/bench.ts";
import { aggregateCommand } from "./src/harness/aggregate_command.ts";
import { listCommand } from "./src/harness/list.ts";
import { runWorker } from "./src/harness/worker.ts";
import { singleRun } from "./src/harness/single.ts";
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
import { dirname } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

const HELP = `prunebench — learned neural-network pruning benchmarks

Usage:
  cli.ts bench [--suite ID|FILE] [--jobs N] [--shard i/N] [--force] [--retry-failed]
               [--out DIR] [--backend wasm|cpu|webgpu|tensorflow] [--data-dir DIR] [--no-report]
  cli.ts run --method ID --arch ID [--dataset mnist] [--width 1] [--seed 1] [--epochs N]
             [--batch-size 100] [--lr 1e-3] [--train-limit N] [--set key=value ...]
  cli.ts list [suites|methods|archs|datasets] [--data-dir DIR]
  cli.ts aggregate DIR [DIR ...] --out DIR
  cli.ts report [DIR]

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

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "bench": {
      const { values } = parseArgs({
        args: rest,
        options: {
          suite: { type: "string", default: "default" },
          jobs: { type: "string" },
          shard: { type: "string" },
          force: { type: "boolean" },
          "retry-failed": { type: "boolean" },
          out: { type: "string", default: "results" },
          backend: { type: "string", default: "wasm" },
          "data-dir": { type: "string" },
          "no-report": { type: "boolean" },
        },
      });
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
      return await runBench(suite, { ...values, suiteUrl }, [], modules);
    }
    case "run": {
      const { values } = parseArgs({
        args: rest,
        options: {
          method: { type: "string" },
          arch: { type: "string" },
          dataset: { type: "string", default: "mnist" },
          width: { type: "string", default: "1" },
          seed: { type: "string", default: "1" },
          epochs: { type: "string" },
          "batch-size": { type: "string" },
          lr: { type: "string" },
          "train-limit": { type: "string" },
          set: { type: "string", multiple: true },
          out: { type: "string", default: "results" },
          backend: { type: "string", default: "wasm" },
          "data-dir": { type: "string" },
          force: { type: "boolean" },
          "no-report": { type: "boolean" },
        },
      });
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
      return await runBench(suite, { ...values, jobs: "1", accumulate: true }, problems);
    }
    case "worker":
      return await runWorker(rest[0]);
    case "list": {
      const { values } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { "data-dir": { type: "string" } },
      });
      const scopes = commandScopes({ dataDir: values["data-dir"] });
      return await ensureScopes(scopes, argv) ?? await listCommand(rest);
    }
    case "aggregate": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { out: { type: "string" } },
      });
      const scopes = commandScopes({ writes: values.out ? [values.out] : [], reads: positionals });
      return await ensureScopes(scopes, argv) ?? await aggregateCommand(rest);
    }
    case "report": {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, strict: false });
      const dir = String(positionals[0] ?? "results/default");
      const code = await ensureScopes(commandScopes({ writes: [dir] }), argv);
      if (code !== null) return code;
      const { reportCommand } = await import("./src/report/mod.ts");
      return await reportCommand(rest);
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return 0;
    default:
      console.error(
        `Unknown command "${cmd}": expected one of "bench", "run", "list", "aggregate", "report"\n\n${HELP}`,
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
