/**
 * `bench`: validates a suite, expands it, skips finished runs, runs the rest in parallel worker
 * processes, and keeps `runs.csv`, `history.csv`, `summary.csv` and `manifest.json` up to date
 * after every finished run.
 *
 * @module
 */
import { expandSuite, type RunConfig, type SuiteSpec } from "./suite.ts";
import { runId } from "./run_id.ts";
import { ResultStore } from "./store.ts";
import { validateSuite } from "./validate.ts";
import { lockFolder } from "./lock.ts";
import { inShard, parseShard } from "./shard.ts";
import { sweep } from "./sweep.ts";
import { BACKENDS } from "../runtime/backend.ts";
import { ConfigError } from "../util/errors.ts";
import { removeStaleTemporaries } from "../util/fs.ts";
import { findMethod, loadMethodModules } from "./user_methods.ts";
import type { MethodSpec } from "../methods/types.ts";
import { resolveRun } from "./identity.ts";
import type { TrainConfig } from "../train/config.ts";
import { assertCanSpawn, defaultWorkerCommand } from "./worker_command.ts";

/** Options of {@linkcode bench}. */
export interface BenchOptions {
  /** Results root. @default "results" */
  out?: string;
  /** Parallel worker processes. @default number of cores */
  jobs?: number;
  /** `i/N`: run only the i-th of N deterministic shards. */
  shard?: string;
  /** Re-run finished runs. @default false */
  force?: boolean;
  /** Re-run runs that finished as failed. @default false */
  retryFailed?: boolean;
  /** Backend of the workers. @default "wasm" */
  backend?: string;
  /** Data directory passed to the workers. */
  dataDir?: string;
  /**
   * Worker command prefix, or a function of the run's folder giving it (per-run permissions); the
   * path of each run's `config.json` is appended.
   * @default `deno run` of `worker.ts` with the caller's config file ({@linkcode defaultWorkerCommand})
   */
  workerCommand?: string[] | ((runDir: string) => string[]);
  /** Environment variables added for the workers (e.g. the BLAS library's absolute path). */
  workerEnv?: Record<string, string>;
  /** URL of the suite's module: its `methodModules` paths are relative to it. @default cwd */
  suiteUrl?: string;
  /** Problems already found in the command line, reported with the suite's in one error. */
  flagProblems?: readonly string[];
  /**
   * Aggregate every finished run of the folder, not only those of the suite as it is now (the
   * `run` command: each invocation adds a run). @default false
   */
  accumulate?: boolean;
}

/** A run planned by the harness. */
export interface PlannedRun {
  /** Run id: the hash of `identity`. */
  id: string;
  /** Its fully resolved config (see `identity.ts`): what the worker receives. */
  config: RunConfig & { backend: string; train: TrainConfig; suite?: never };
  /** What the id hashes (see `identity.ts`): the config with the modules as the suite writes them. */
  identity: RunConfig & { backend: string; train: TrainConfig };
}

/**
 * Expands a valid suite into planned runs with ids: the hash of each run's fully resolved config
 * (see `identity.ts`; the backend is part of it). `userMethods` are the specs of the suite's
 * `methodModules`, and `base` the URL those module paths are relative to (the suite module's).
 * What {@linkcode bench} would run, without running anything.
 *
 * @example Two λ values × two seeds
 * ```ts
 * import { planRuns } from "./bench.ts";
 * const runs = planRuns({
 *   id: "plan",
 *   description: "a dry run",
 *   datasets: ["mnist"],
 *   archs: [{ id: "lenet-300-100", widths: [1] }],
 *   methods: [{ id: "l0-hc", grid: { lambda: [0.1, 1] } }],
 *   seeds: [1, 2],
 *   recipe: { epochs: 10, batchSize: 100, optimizer: { kind: "adam", lr: 1e-3 } },
 * });
 * if (runs.length !== 4 || new Set(runs.map((r) => r.id)).size !== 4) throw new Error();
 * ```
 */
export function planRuns(
  suite: SuiteSpec,
  backend = "wasm",
  userMethods: Record<string, MethodSpec<object>> = {},
  base?: string,
): PlannedRun[] {
  return expandSuite(suite, base).map((c) => {
    const { config, identity } = resolveRun(
      c,
      findMethod(c.method, userMethods),
      backend,
      suite.methodModules,
    );
    return { id: runId(identity), config, identity };
  });
}

/** Summary of a bench invocation. */
export interface BenchSummary {
  /** Runs in the suite (after sharding). */
  total: number;
  /** Skipped because already finished. */
  skipped: number;
  /** Finished ok in this invocation. */
  ok: number;
  /** Failed in this invocation. */
  failed: number;
  /** Failure lines. */
  failures: string[];
  /** Wall seconds. */
  wallSeconds: number;
}

/**
 * Runs a suite: validates it, skips runs already finished under `out`, runs the rest in
 * `jobs` parallel worker processes (each run is a `deno run` of `src/harness/worker.ts`, so the
 * caller needs `--allow-run` for Deno itself) and writes `<out>/<suite id>/` (`runs.csv`,
 * `summary.csv`, `history.csv`, `manifest.json`, one folder per run with its exported model).
 * Resolves with the summary; never throws for a failed run. Methods of your own take part
 * through `suite.methodModules`.
 *
 * @param suite What to run.
 * @param options Where to write, parallelism, sharding, backend.
 * @returns Counts of runs, failures and the wall time.
 *
 * @example One tiny run on a synthetic task
 * ```ts
 * import { bench } from "./bench.ts";
 * const out = await Deno.makeTempDir();
 * const summary = await bench({
 *   id: "tiny",
 *   description: "one magnitude-pruning run",
 *   datasets: ["synthetic:teacher"],
 *   archs: [{ id: "lenet-300-100", widths: [0.1] }],
 *   methods: [{ id: "magnitude" }],
 *   seeds: [1],
 *   recipe: {
 *     epochs: 1,
 *     batchSize: 50,
 *     optimizer: { kind: "adam", lr: 1e-3 },
 *     trainLimit: 200,
 *     testLimit: 100,
 *     latency: { batch: 10, repeats: 1 },
 *   },
 * }, { out, jobs: 1 });
 * if (summary.ok !== 1) throw new Error(summary.failures.join("\n"));
 * if (!(await Deno.readTextFile(`${out}/tiny/runs.csv`)).includes("magnitude")) throw new Error();
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function bench(suite: SuiteSpec, options: BenchOptions = {}): Promise<BenchSummary> {
  let userMethods: Record<string, MethodSpec<object>> = {};
  const moduleProblems: string[] = [];
  try {
    userMethods = await loadMethodModules(suite.methodModules, options.suiteUrl);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    moduleProblems.push(...e.problems);
  }
  validateSuite(suite, userMethods, {
    backend: options.backend,
    jobs: options.jobs,
    shard: options.shard,
  }, [...(options.flagProblems ?? []), ...moduleProblems]);
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const root = `${options.out ?? "results"}/${suite.id}`;
  const store = new ResultStore(root);
  const shard = options.shard ? parseShard(options.shard) : null;
  const all = planRuns(suite, options.backend ?? "wasm", userMethods, options.suiteUrl);
  const planned = all.filter((r) => !shard || inShard(r.id, shard));
  // aggregates cover the suite as it is now (every shard of it, on every backend it ran on), not
  // runs of an earlier version; `accumulate` (the `run` command) keeps every finished run
  const suiteIds = options.accumulate ? undefined : new Set(
    BACKENDS.flatMap((b) => planRuns(suite, b, userMethods, options.suiteUrl).map((r) => r.id)),
  );
  const command = options.workerCommand ??
    defaultWorkerCommand({ out: options.out ?? "results", modules: suite.methodModules });
  // fail before touching the folder when there is work and no worker could be started
  if (Array.isArray(command) && await anyToRun()) assertCanSpawn(command[0]);
  await Deno.mkdir(root, { recursive: true });
  const lock = await lockFolder(root);
  try {
    // temporaries of a process killed mid-write (no other process writes here: we hold the lock)
    const stale = await removeStaleTemporaries(root);
    if (stale) {
      console.error(`prunebench: removed ${stale} temporary file(s) of an interrupted sweep`);
    }
    return await sweep({
      suite,
      options,
      root,
      store,
      planned,
      suiteIds,
      command,
      t0,
      startedAt,
    });
  } finally {
    await lock.release();
  }

  // whether any planned run would execute (a lock-free look: the sweep decides under the lock)
  async function anyToRun(): Promise<boolean> {
    if (options.force || options.retryFailed) return planned.length > 0;
    for (const r of planned) if (!(await store.isDone(r.id))) return true;
    return false;
  }
}

// (re-exported: the `aggregate` command and the worker import them from here)
export { aggregateStore } from "./aggregate.ts";
export { failedResult } from "./store.ts";
