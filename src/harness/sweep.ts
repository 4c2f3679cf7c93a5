/**
 * The sweep of `bench`, while its process holds the results folder's lock: skips finished runs,
 * writes `manifest.json` and `suite.json`, runs the pending runs in worker processes (a crashed
 * worker becomes a failed run), re-aggregates after every finished run and completes the
 * manifest at the end.
 *
 * @module
 */
import type { SuiteSpec } from "./suite.ts";
import { failedResult, type ResultStore, type RunResult } from "./store.ts";
import { type PoolOptions, runPool } from "./pool.ts";
import { Progress } from "./progress.ts";
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
import { writeFileAtomic } from "../util/fs.ts";
import type { BenchOptions, BenchSummary, PlannedRun } from "./bench.ts";
import { aggregateStore } from "./aggregate.ts";

/** What a sweep works on (prepared by `bench` before it takes the lock). */
export interface SweepInput {
  /** The suite. */
  suite: SuiteSpec;
  /** The options of the `bench` call. */
  options: BenchOptions;
  /** The suite's results folder (`<out>/<suite id>`). */
  root: string;
  /** The store of `root`. */
  store: ResultStore;
  /** The runs of this invocation (after sharding). */
  planned: PlannedRun[];
  /** Ids the aggregates keep (the suite as it is now); every finished run when absent. */
  suiteIds?: ReadonlySet<string>;
  /** Worker command prefix (or per-run function). */
  command: NonNullable<BenchOptions["workerCommand"]>;
  /** `performance.now()` at the start of the `bench` call. */
  t0: number;
  /** ISO time of the start of the `bench` call. */
  startedAt: string;
}

/** The manifest of a sweep in progress and its current invocation. */
interface SweepManifest {
  /** Provenance of the parent process. */
  provenance: Awaited<ReturnType<typeof collectProvenance>>;
  /** The manifest as written at the start. */
  manifest: Parameters<typeof writeManifest>[1] & {
    backend: string;
    data: ReturnType<typeof plannedData>;
    invocations: Invocation[];
  };
  /** This invocation's entry of `manifest.invocations`. */
  current: Invocation;
}

/** Runs the sweep (the caller holds the folder's lock). */
export async function sweep(input: SweepInput): Promise<BenchSummary> {
  const summary: BenchSummary = {
    total: input.planned.length,
    skipped: 0,
    ok: 0,
    failed: 0,
    failures: [],
    wallSeconds: 0,
  };
  const pending = await pendingRuns(input, summary);
  const started = await startManifest(input, pending.length, summary.skipped);
  const interrupted = await runPending(input, pending, started.provenance, summary);
  const { results, excluded } = await aggregateStore(input.store, input.suiteIds);
  summary.wallSeconds = (performance.now() - input.t0) / 1000;
  if (excluded > 0) {
    console.error(
      `prunebench: ${excluded} finished run(s) in ${input.root}/runs are not part of suite ` +
        `"${input.suite.id}" as it is now (an earlier version of it?): kept on disk, left out of ` +
        `runs.csv and summary.csv`,
    );
  }
  await finishManifest(input.root, started, results, summary.wallSeconds, interrupted);
  if (interrupted) summary.failures.push("interrupted");
  return summary;
}

/** The planned runs to execute; counts (and lists failed ones of) the runs it skips. */
async function pendingRuns(input: SweepInput, summary: BenchSummary): Promise<PlannedRun[]> {
  const { options, store } = input;
  const pending: PlannedRun[] = [];
  for (const r of input.planned) {
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
  return pending;
}

/** Writes the manifest (with this invocation, unfinished) and `suite.json`. */
async function startManifest(
  input: SweepInput,
  ran: number,
  skipped: number,
): Promise<SweepManifest> {
  const { options, root, suite, startedAt } = input;
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
    ran,
    skipped,
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
  return { provenance, manifest, current };
}

/**
 * Runs the pending runs in the worker pool until done or interrupted (SIGINT/SIGTERM), then waits
 * for the aggregations queued by finished runs. Returns whether it was interrupted.
 */
async function runPending(
  input: SweepInput,
  pending: PlannedRun[],
  provenance: SweepManifest["provenance"],
  summary: BenchSummary,
): Promise<boolean> {
  const { options, store, suite } = input;
  const progress = new Progress(input.planned.length, summary.skipped);
  let chain = Promise.resolve();
  const reaggregate = () => {
    chain = chain.then(() => aggregateStore(store, input.suiteIds)).then(() => {}).catch((e) =>
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
      command: workerCommandOf(input.command),
      env: options.workerEnv,
      signal: controller.signal,
      onStart: (job) => progress.start(job.id, job.label),
      onProgress: (job, p) => progress.update(job.id, p.epoch, p.epochs),
      onExit: async (job, code, tail) => {
        const r = pending.find((p) => p.id === job.id)!;
        const result = await finishedResult(input, r, code, tail, provenance);
        if (result.status === "ok") summary.ok++;
        else {
          summary.failed++;
          summary.failures.push(`${job.label} (${job.id}): ${result.reason.split("\n")[0]}`);
        }
        progress.finish(
          job.id,
          job.label,
          result.status,
          result.status === "ok" ? describe(result) : result.reason.split("\n")[0],
        );
        await reaggregate();
      },
    });
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    progress.done();
  }
  await chain; // aggregations queued by finished runs
  return controller.signal.aborted;
}

/** The result of a run whose worker exited: its own, or a failed one when it left none. */
async function finishedResult(
  input: SweepInput,
  r: PlannedRun,
  code: number,
  tail: string,
  provenance: SweepManifest["provenance"],
): Promise<RunResult> {
  const { store } = input;
  if (await store.isDone(r.id)) {
    return JSON.parse(await Deno.readTextFile(`${store.runDir(r.id)}/result.json`));
  }
  const reason = withMemoryHint(`worker exited with code ${code}: ${lastLines(tail, 6)}`);
  const result = failedResult(r.id, input.suite.id, r.config, reason, provenance);
  await store.finish(result);
  return result;
}

/** Completes the manifest: this invocation's end, the workers' backend and data, the sweep's time. */
async function finishManifest(
  root: string,
  { manifest, current }: SweepManifest,
  results: RunResult[],
  wallSeconds: number,
  interrupted: boolean,
): Promise<void> {
  const ran = workerProvenance(results.map((r) => r.provenance));
  const finishedAt = new Date().toISOString();
  Object.assign(current, { finishedAt, wallSeconds, interrupted });
  await writeManifest(root, {
    ...manifest,
    requestedBackend: manifest.backend,
    backend: ran.backend ?? manifest.backend,
    blas: ran.blas,
    data: loadedData(manifest.data, results),
    finishedAt,
    wallSeconds: manifest.invocations.reduce((t, i) => t + (i.wallSeconds ?? 0), 0),
    interrupted,
  });
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
