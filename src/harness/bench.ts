/**
 * `bench`: validates a suite, expands it, skips finished runs, runs the rest in parallel worker
 * processes, and keeps `runs.csv`, `history.csv`, `summary.csv` and `manifest.json` up to date
 * after every finished run.
 *
 * @module
 */
import { expandSuite, type RunConfig, type SuiteSpec } from "./suite.ts";
import { runId } from "./run_id.ts";
import { ResultStore, type RunResult } from "./store.ts";
import { validateSuite } from "./validate.ts";
import { writeAggregates } from "./aggregate.ts";
import { type PoolOptions, runPool } from "./pool.ts";
import { lockFolder } from "./lock.ts";
import { Progress } from "./progress.ts";
import { inShard, parseShard } from "./shard.ts";
import {
  collectProvenance,
  type Invocation,
  loadedData,
  plannedData,
  previousInvocations,
  workerProvenance,
  writeManifest,
} from "./manifest.ts";
import { withMemoryHint } from "../runtime/failure.ts";
import { BACKENDS } from "../runtime/backend.ts";
import { ConfigError } from "../util/errors.ts";
import { removeStaleTemporaries, writeFileAtomic } from "../util/fs.ts";
import { findMethod, loadMethodModules } from "./user_methods.ts";
import type { MethodSpec } from "../methods/types.ts";
import { type ResolvedRunConfig, resolveRun } from "./identity.ts";
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
    return await sweep();
  } finally {
    await lock.release();
  }

  // whether any planned run would execute (a lock-free look: the sweep decides under the lock)
  async function anyToRun(): Promise<boolean> {
    if (options.force || options.retryFailed) return planned.length > 0;
    for (const r of planned) if (!(await store.isDone(r.id))) return true;
    return false;
  }

  // the sweep proper, while this process holds the folder's lock
  async function sweep(): Promise<BenchSummary> {
    const summary: BenchSummary = {
      total: planned.length,
      skipped: 0,
      ok: 0,
      failed: 0,
      failures: [],
      wallSeconds: 0,
    };
    const pending: PlannedRun[] = [];
    for (const r of planned) {
      if (!options.force && await store.isDone(r.id)) {
        const status = (await Deno.readTextFile(`${store.runDir(r.id)}/done`)).trim();
        if (!(options.retryFailed && status === "failed")) {
          summary.skipped++;
          if (status === "failed") {
            summary.failures.push(
              `${r.config.method} ${r.config.arch}@${r.config.width} seed ${r.config.seed} (${r.id}): failed in an earlier invocation; --retry-failed runs it again`,
            );
          }
          continue;
        }
      }
      pending.push(r);
    }
    // (the folder exists: made before the lock)
    const provenance = await collectProvenance(options.backend ?? "wasm");
    const data = plannedData(suite.datasets, options.dataDir);
    for (const [id, d] of Object.entries(data)) {
      if (!d.fallback) continue;
      console.error(
        `prunebench: dataset "${id}" is not in the data directory ${d.dataDir} (--data-dir or ` +
          `$PRUNEBENCH_DATA_DIR): it is loaded from ${d.plannedSource} instead (recorded in ` +
          `manifest.json)`,
      );
    }
    const earlier = await previousInvocations(root);
    const current: Invocation = {
      startedAt,
      finishedAt: null,
      wallSeconds: null,
      ran: pending.length,
      skipped: summary.skipped,
      jobs: options.jobs,
      shard: options.shard ?? null,
      interrupted: false,
    };
    const manifest = {
      suite: suite.id,
      description: suite.description,
      // the whole sweep: first start, last end, wall time summed over its invocations
      startedAt: earlier[0]?.startedAt ?? startedAt,
      finishedAt: null as string | null,
      wallSeconds: null as number | null,
      ...provenance,
      shard: options.shard ?? null,
      jobs: options.jobs,
      data,
      invocations: [...earlier, current],
    };
    await writeManifest(root, manifest);
    await writeFileAtomic(`${root}/suite.json`, JSON.stringify(suite, null, 2) + "\n");

    const progress = new Progress(planned.length, summary.skipped);
    let chain = Promise.resolve();
    const reaggregate = () => {
      chain = chain.then(() => aggregateStore(store, suiteIds)).then(() => {}).catch((e) =>
        console.error(`prunebench: aggregation failed: ${e}`)
      );
      return chain;
    };
    const controller = new AbortController();
    const onSignal = () => {
      progress.note("Interrupted: finished runs are saved; run the same command again to resume.");
      controller.abort();
    };
    Deno.addSignalListener("SIGINT", onSignal);
    Deno.addSignalListener("SIGTERM", onSignal);
    try {
      const jobs = [];
      for (const r of pending) {
        const dir = await store.begin(r.id, {
          runId: r.id,
          suite: suite.id,
          ...r.config,
          dataDir: options.dataDir ?? null,
          gitSha: provenance.gitSha,
          identity: r.identity,
        });
        jobs.push({
          id: r.id,
          configPath: `${dir}/config.json`,
          label: `${r.config.method} ${r.config.arch}@${r.config.width} seed ${r.config.seed}`,
        });
      }
      await runPool(jobs, {
        jobs: options.jobs ?? navigator.hardwareConcurrency ?? 2,
        command: workerCommandOf(command),
        env: options.workerEnv,
        signal: controller.signal,
        onStart: (job) => progress.start(job.id, job.label),
        onProgress: (job, p) => progress.update(job.id, p.epoch, p.epochs),
        onExit: async (job, code, tail) => {
          let result: RunResult | null = null;
          if (await store.isDone(job.id)) {
            result = JSON.parse(await Deno.readTextFile(`${store.runDir(job.id)}/result.json`));
          } else {
            const r = pending.find((p) => p.id === job.id)!;
            const reason = withMemoryHint(`worker exited with code ${code}: ${lastLines(tail, 6)}`);
            result = failedResult(job.id, suite.id, r.config, reason, provenance);
            await store.finish(result);
          }
          if (result!.status === "ok") summary.ok++;
          else {
            summary.failed++;
            summary.failures.push(`${job.label} (${job.id}): ${result!.reason.split("\n")[0]}`);
          }
          progress.finish(
            job.id,
            job.label,
            result!.status,
            result!.status === "ok" ? describe(result!) : result!.reason.split("\n")[0],
          );
          await reaggregate();
        },
      });
    } finally {
      Deno.removeSignalListener("SIGINT", onSignal);
      Deno.removeSignalListener("SIGTERM", onSignal);
      progress.done();
    }
    await chain; // aggregations queued by finished runs, then the final one
    const { results: suiteResults, excluded } = await aggregateStore(store, suiteIds);
    summary.wallSeconds = (performance.now() - t0) / 1000;
    if (excluded > 0) {
      console.error(
        `prunebench: ${excluded} finished run(s) in ${root}/runs are not part of suite ` +
          `"${suite.id}" as it is now (an earlier version of it?): kept on disk, left out of ` +
          `runs.csv and summary.csv`,
      );
    }
    const ran = workerProvenance(suiteResults.map((r) => r.provenance));
    const finishedAt = new Date().toISOString();
    Object.assign(current, {
      finishedAt,
      wallSeconds: summary.wallSeconds,
      interrupted: controller.signal.aborted,
    });
    await writeManifest(root, {
      ...manifest,
      requestedBackend: manifest.backend,
      backend: ran.backend ?? manifest.backend,
      blas: ran.blas,
      data: loadedData(data, suiteResults),
      finishedAt,
      wallSeconds: manifest.invocations.reduce((t, i) => t + (i.wallSeconds ?? 0), 0),
      interrupted: controller.signal.aborted,
    });
    if (controller.signal.aborted) summary.failures.push("interrupted");
    return summary;
  }
}

/**
 * Rewrites the aggregate CSVs of a store from its finished runs: those whose id is in `ids` when
 * given (the others stay on disk). Returns the results aggregated and how many were left out.
 */
export async function aggregateStore(
  store: ResultStore,
  ids?: ReadonlySet<string>,
): Promise<{ results: RunResult[]; excluded: number }> {
  const all = await store.readResults();
  const results = ids ? all.filter((r) => ids.has(r.runId)) : all;
  await writeAggregates(
    store.root,
    results.map((result) => ({ dir: store.runDir(result.runId), result })),
  );
  return { results, excluded: all.length - results.length };
}

function describe(r: RunResult): string {
  const p = r.points[r.points.length - 1];
  if (!p) return "";
  return `acc ${(100 * p.acc).toFixed(2)}%, kept ${p.perLayerKept} of ${p.perLayerInit}, ${
    r.wallSeconds.toFixed(0)
  } s`;
}

/** The pool's command: a per-run command gets the run's folder (the config's). */
function workerCommandOf(
  wc: NonNullable<BenchOptions["workerCommand"]>,
): PoolOptions["command"] {
  return typeof wc === "function" ? (job) => wc(job.configPath.replace(/\/config\.json$/, "")) : wc;
}

function lastLines(s: string, n: number): string {
  return s.trim().split("\n").slice(-n).join(" | ");
}

/**
 * A failed result for a run that produced none (crashed worker, configuration or data error). Its
 * hyperparameters are the resolved config's (so that it lands in the same `lambda` group as its
 * ok siblings); the stored config leaves out the resolved training config, as a finished run's.
 */
export function failedResult(
  id: string,
  suite: string,
  config: ResolvedRunConfig | RunConfig,
  reason: string,
  provenance: RunResult["provenance"],
): RunResult {
  const now = new Date().toISOString();
  const { train: _train, ...stored } = config as ResolvedRunConfig;
  return {
    runId: id,
    suite,
    config: stored,
    hparams: config.hparams,
    status: "failed",
    reason,
    points: [],
    epochs: 0,
    trainMacs: 0,
    trainMacsDense: 0,
    wallSeconds: 0,
    provenance,
    startedAt: now,
    finishedAt: now,
  };
}
