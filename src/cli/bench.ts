/**
 * `bench`: runs a suite (built-in or a `.ts` module) with one worker process per run, writes the
 * results and the report. Also the shared end of `run` ({@linkcode runSuite}).
 *
 * @module
 */
import { dirname } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { bench } from "../harness/bench.ts";
import type { SuiteSpec } from "../harness/suite.ts";
import { moduleUrl } from "../harness/user_methods.ts";
import { blasLibraries, commandScopes, denoCommand, workerScopes } from "./permissions.ts";
import { parseCollecting, withUsage } from "./parse.ts";
import { CLI, ensureScopes } from "./rerun.ts";

/** The built-in suites and how to load one by id or path (passed in by `cli.ts`). */
export interface SuiteRegistry {
  /** Built-in suites by id. */
  suites: Readonly<Record<string, SuiteSpec>>;
  /** A built-in suite by id, or the `suite` export of a module path. */
  load(idOrPath: string): Promise<SuiteSpec>;
}

/** Folders of `imagefolder:<path>` datasets (read by the workers). */
export function datasetReads(datasets: readonly string[]): string[] {
  return datasets.filter((d) => d.startsWith("imagefolder:")).map((d) => d.slice(12));
}

/** `cli.ts bench …` (`argv` includes the command name); returns the exit code. */
export async function benchMain(argv: string[], registry: SuiteRegistry): Promise<number> {
  const p = parseCollecting("bench", argv.slice(1));
  if (p === null) return 0;
  const values = p.values as Record<string, string | undefined>;
  const suite = await registry.load(values.suite!);
  const suiteUrl = Object.hasOwn(registry.suites, values.suite!)
    ? undefined
    : new URL(values.suite!, `file://${Deno.cwd()}/`).href;
  const modules = (suite.methodModules ?? []).map((m) => moduleUrl(m, suiteUrl));
  const scopes = commandScopes({
    writes: [values.out!],
    reads: [
      ...(suiteUrl ? [dirname(fromFileUrl(suiteUrl))] : []),
      ...datasetReads(suite.datasets ?? []),
    ],
    modules,
    dataDir: values["data-dir"],
    startsWorkers: true,
  });
  const code = await ensureScopes(scopes, argv);
  if (code !== null) return code;
  return await withUsage(
    "bench",
    p.flagProblems,
    () => runSuite(suite, { ...p.values, suiteUrl }, p.flagProblems, modules),
  );
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
 * Runs `suite` with the flags of `bench`/`run`, prints the outcome, writes the report (unless
 * `--no-report`); returns the exit code (1 when a run failed).
 */
export async function runSuite(
  suite: SuiteSpec,
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
  if (!values["no-report"]) await writeReportOf(dir);
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

/** Writes the report of a results folder; a failure is printed, not thrown (the runs are kept). */
async function writeReportOf(dir: string): Promise<void> {
  try {
    const { writeReport } = await import("../report/mod.ts");
    const rep = await writeReport(dir);
    console.log(`Report: ${rep.html}`);
  } catch (e) {
    console.error(`prunebench: the report could not be written: ${(e as Error).message}`);
  }
}
