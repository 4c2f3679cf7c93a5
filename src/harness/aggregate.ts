/**
 * Aggregation: turns the finished runs of one or more result folders (e.g. shard outputs) into
 * `runs.csv`, `history.csv` and `summary.csv`, each rewritten atomically. The columns are
 * `src/results/schema.ts`'s and the summary is `src/results/summary.ts`'s; this module maps the
 * harness's stored {@linkcode RunResult}s onto them.
 *
 * @module
 */
import { parse } from "../deps/csv.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { HISTORY_COLUMNS, RUN_COLUMNS, type RunRow, SUMMARY_COLUMNS } from "../results/schema.ts";
import { csvText } from "../results/write.ts";
import { round } from "../results/stats.ts";
import { summaryRows } from "../results/summary.ts";
import type { ResultStore, RunResult } from "./store.ts";

/** Lambda value of a run for tables (`lambda` hyperparameter or empty). */
export function lambdaOf(r: RunResult): string | number {
  const v = r.hparams.lambda ?? r.config.hparams.lambda;
  return typeof v === "number" ? v : "";
}

/** Rows of `runs.csv` for a set of results (failed runs give one row with status `failed`). */
export function runRows(results: RunResult[]): RunRow[] {
  const rows: RunRow[] = [];
  for (const r of results) {
    const base = {
      suite: r.suite,
      run_id: r.runId,
      method: r.config.method,
      arch: r.config.arch,
      dataset: r.config.dataset,
      seed: r.config.seed,
      init_width: r.config.width,
      lambda: lambdaOf(r),
      hparams: JSON.stringify(r.hparams),
      status: r.status,
      reason: r.reason,
      epochs: r.epochs,
      structure_converged: typeof r.structureConverged === "boolean"
        ? String(r.structureConverged)
        : "",
      train_macs: r.trainMacs,
      train_macs_dense: r.trainMacsDense,
      wall_s: round(r.wallSeconds, 2),
      backend: r.provenance.backend,
      tfjs_version: r.provenance.tfjsVersion,
      deno_version: r.provenance.denoVersion,
      git_sha: r.provenance.gitSha,
    };
    const empty = Object.fromEntries(RUN_COLUMNS.map((c) => [c, ""])) as RunRow;
    if (r.points.length === 0) {
      rows.push({ ...empty, ...base, point: "" });
      continue;
    }
    for (const p of r.points) {
      rows.push({
        ...empty,
        ...base,
        point: p.point,
        reason: r.reason || (p.extra?.collapsed ? `layer collapse: ${p.extra.collapsed}` : ""),
        units_init: p.unitsInit,
        units_kept: p.unitsKept,
        kept_fraction: round(p.unitsKept / Math.max(1, p.unitsInit), 6),
        per_layer_init: p.perLayerInit,
        per_layer_kept: p.perLayerKept,
        params_dense: p.paramsDense,
        params_masked: p.paramsMasked,
        params_compact: p.paramsCompact,
        weights_kept_fraction: round(p.paramsMasked / p.paramsDense, 6),
        compression_ratio: round(p.paramsDense / Math.max(1, p.paramsMasked), 4),
        macs_dense: p.macsDense,
        macs_masked: p.macsMasked,
        macs_compact: p.macsCompact,
        theoretical_speedup: round(p.macsDense / Math.max(1, p.macsMasked), 4),
        latency_dense_ms: round(p.latencyDenseMs, 4),
        latency_compact_ms: round(p.latencyCompactMs, 4),
        measured_speedup: p.latencyCompactMs > 0
          ? round(p.latencyDenseMs / p.latencyCompactMs, 4)
          : "",
        measured_speedup_lo: p.speedupInterval ? round(p.speedupInterval[0], 4) : "",
        measured_speedup_hi: p.speedupInterval ? round(p.speedupInterval[1], 4) : "",
        latency_repeats: p.latencyRepeats ?? "",
        acc: round(p.acc, 6),
        loss: round(p.loss, 6),
        model_bytes: p.modelBytes,
      });
    }
  }
  // dense baseline: accuracy of the `dense` run with the same dataset, arch, width and seed
  const dense = new Map<string, number>();
  for (const row of rows) {
    if (row.method === "dense" && row.status === "ok") dense.set(key(row, "seed"), Number(row.acc));
  }
  for (const row of rows) row.acc_dense_baseline = dense.get(key(row, "seed")) ?? "";
  return rows;
}

function key(row: Record<string, unknown>, ...extra: string[]): string {
  return [row.dataset, row.arch, row.init_width, ...extra.map((e) => row[e])].join("|");
}

/** Long-format history rows of one run (`epoch,metric,value` in its history.csv). */
export async function historyRows(dir: string, r: RunResult): Promise<Record<string, unknown>[]> {
  let text = "";
  try {
    text = await Deno.readTextFile(`${dir}/history.csv`);
  } catch {
    return [];
  }
  const recs = parse(text, { columns: true, cast: true }) as {
    epoch: number;
    metric: string;
    value: number;
  }[];
  return recs.map((h) => ({
    suite: r.suite,
    run_id: r.runId,
    method: r.config.method,
    arch: r.config.arch,
    dataset: r.config.dataset,
    seed: r.config.seed,
    init_width: r.config.width,
    lambda: lambdaOf(r),
    epoch: h.epoch,
    metric: h.metric,
    value: h.value,
  }));
}

/** Writes runs.csv, history.csv and summary.csv for `results` into `outDir` (atomically). */
export async function writeAggregates(
  outDir: string,
  results: { dir: string; result: RunResult }[],
): Promise<{ runs: number; rows: number }> {
  await Deno.mkdir(outDir, { recursive: true });
  const rows = runRows(results.map((x) => x.result));
  await writeFileAtomic(
    `${outDir}/runs.csv`,
    csvText(rows, RUN_COLUMNS),
  );
  const hist: Record<string, unknown>[] = [];
  for (const x of results) hist.push(...await historyRows(x.dir, x.result));
  await writeFileAtomic(
    `${outDir}/history.csv`,
    csvText(hist, HISTORY_COLUMNS),
  );
  await writeFileAtomic(
    `${outDir}/summary.csv`,
    csvText(summaryRows(rows), SUMMARY_COLUMNS),
  );
  return { runs: results.length, rows: rows.length };
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
