/**
 * Aggregation: turns the finished runs of one or more result folders (e.g. shard outputs) into
 * `runs.csv`, `history.csv` and `summary.csv`, each rewritten atomically.
 *
 * Summary statistics: mean and *sample* standard deviation (n − 1) over seeds; width invariance
 * is the coefficient of variation (sd / mean) of the mean final kept units across the initial
 * widths of a method × architecture × dataset × λ × point.
 *
 * @module
 */
import { stringify } from "../deps/csv.ts";
import { parse } from "../deps/csv.ts";
import { writeFileAtomic } from "../util/fs.ts";
import {
  HISTORY_COLUMNS,
  RUN_COLUMNS,
  type RunRow,
  SUMMARY_COLUMNS,
  type SummaryRow,
} from "./schema.ts";
import type { RunResult } from "./store.ts";
import { keptOver, widthScaledLayers } from "../metrics/width_scaled.ts";
import { canonicalJson } from "./run_id.ts";

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

/** Rounds to `d` decimals; non-finite values (no data, one seed's sd) become empty cells. */
function round(x: number, d: number): number | "" {
  if (!Number.isFinite(x)) return "";
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** Mean and sample sd of finite values. */
export function meanSd(xs: number[]): { mean: number; sd: number } {
  const v = xs.filter(Number.isFinite);
  if (v.length === 0) return { mean: NaN, sd: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return { mean, sd: NaN };
  const ss = v.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (v.length - 1)) };
}

/**
 * Per row, the canonical JSON of the resolved hyperparameters whose value differs between the
 * rows of its method (`{}` when none does): the part of a run's configuration that summary rows
 * are grouped by, besides method, architecture, dataset, width and backend.
 */
export function varyingHparams(rows: readonly RunRow[]): Map<RunRow, string> {
  const parsed = new Map<RunRow, Record<string, unknown>>();
  for (const r of rows) {
    try {
      parsed.set(r, JSON.parse(String(r.hparams || "{}")));
    } catch {
      parsed.set(r, {});
    }
  }
  const byMethod = new Map<string, Set<string>>();
  const values = new Map<string, Map<string, string>>();
  for (const [r, h] of parsed) {
    const m = String(r.method);
    if (!values.has(m)) values.set(m, new Map());
    if (!byMethod.has(m)) byMethod.set(m, new Set());
    const seen = values.get(m)!;
    for (const k of new Set([...Object.keys(h), ...seen.keys()])) {
      const v = canonicalJson(h[k] ?? null);
      if (!seen.has(k)) seen.set(k, v);
      else if (seen.get(k) !== v) byMethod.get(m)!.add(k);
    }
  }
  const out = new Map<RunRow, string>();
  for (const [r, h] of parsed) {
    const keys = [...byMethod.get(String(r.method))!].sort();
    out.set(r, canonicalJson(Object.fromEntries(keys.map((k) => [k, h[k] ?? null]))));
  }
  return out;
}

/**
 * Rows of `summary.csv`. A failed run has no operating point (one row with an empty `point`), so
 * it counts in `n_failed` of every point of its configuration; a configuration whose runs all
 * failed gets one row with an empty `point`.
 */
export function summaryRows(rows: RunRow[]): SummaryRow[] {
  const varying = varyingHparams(rows);
  const family = (r: RunRow) => String(r.backend).split("+")[0];
  const configKey = (r: RunRow) =>
    [r.method, r.arch, r.dataset, r.init_width, varying.get(r)!, family(r)].join("|");
  const groups = new Map<string, RunRow[]>();
  const failedRuns = new Map<string, number>();
  const withOk = new Set(rows.filter((r) => r.status === "ok").map(configKey));
  for (const r of rows) {
    if (r.status !== "ok") {
      failedRuns.set(configKey(r), (failedRuns.get(configKey(r)) ?? 0) + 1);
      // only configurations without any ok run keep a row of their own for their failures
      if (withOk.has(configKey(r))) continue;
    }
    const k = [configKey(r), r.point].join("|");
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  const out: SummaryRow[] = [];
  const members = new Map<SummaryRow, RunRow[]>();
  for (const g of groups.values()) {
    const ok = g.filter((r) => r.status === "ok");
    const f = (c: keyof RunRow) => meanSd(ok.map((r) => Number(r[c] === "" ? NaN : r[c])));
    const acc = f("acc"),
      kept = f("kept_fraction"),
      units = f("units_kept"),
      w = f("weights_kept_fraction");
    const tm = meanSd(ok.map((r) => Number(r.train_macs) / Number(r.train_macs_dense)));
    const r0 = g[0];
    out.push({
      method: r0.method,
      arch: r0.arch,
      dataset: r0.dataset,
      init_width: r0.init_width,
      lambda: r0.lambda,
      hparams_varying: varying.get(r0)!,
      backend: family(r0),
      point: r0.point,
      n_seeds: ok.length,
      n_failed: failedRuns.get(configKey(r0)) ?? 0,
      acc_mean: round(acc.mean, 6),
      acc_sd: round(acc.sd, 6),
      kept_fraction_mean: round(kept.mean, 6),
      kept_fraction_sd: round(kept.sd, 6),
      units_kept_mean: round(units.mean, 3),
      units_kept_sd: round(units.sd, 3),
      weights_kept_fraction_mean: round(w.mean, 6),
      weights_kept_fraction_sd: round(w.sd, 6),
      theoretical_speedup_mean: round(f("theoretical_speedup").mean, 4),
      measured_speedup_mean: round(f("measured_speedup").mean, 4),
      train_macs_fraction_mean: round(tm.mean, 4),
      width_cv_units_kept: "",
      acc_dense_baseline: round(f("acc_dense_baseline").mean, 6),
    });
    members.set(out.at(-1)!, ok);
  }
  // width invariance across initial widths
  const byWidth = new Map<string, SummaryRow[]>();
  for (const s of out) {
    const k = [s.method, s.arch, s.dataset, s.hparams_varying, s.backend, s.point].join("|");
    if (!byWidth.has(k)) byWidth.set(k, []);
    byWidth.get(k)!.push(s);
  }
  for (const g of byWidth.values()) {
    if (g.length < 2) continue;
    const kept = widthScaledKept(g.map((s) => members.get(s) ?? []));
    const { mean, sd } = meanSd(kept);
    for (const s of g) s.width_cv_units_kept = mean > 0 ? round(sd / mean, 4) : "";
  }
  return out;
}

/**
 * Mean (over seeds) kept units of each width's runs, counting only the layers that scale with the
 * width ({@linkcode widthScaledLayers}; all units when none does).
 */
function widthScaledKept(byWidth: RunRow[][]): number[] {
  const parse = (v: unknown) => String(v ?? "").split("-").filter((x) => x !== "").map(Number);
  const positions = widthScaledLayers(
    byWidth.flatMap((rows) => rows.map((r) => parse(r.per_layer_init))),
  );
  return byWidth.map((rows) =>
    meanSd(rows.map((r) => keptOver(parse(r.per_layer_kept), positions, Number(r.units_kept)))).mean
  );
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
    stringify(rows, { header: true, columns: [...RUN_COLUMNS] }),
  );
  const hist: Record<string, unknown>[] = [];
  for (const x of results) hist.push(...await historyRows(x.dir, x.result));
  await writeFileAtomic(
    `${outDir}/history.csv`,
    stringify(hist, { header: true, columns: [...HISTORY_COLUMNS] }),
  );
  await writeFileAtomic(
    `${outDir}/summary.csv`,
    stringify(summaryRows(rows), { header: true, columns: [...SUMMARY_COLUMNS] }),
  );
  return { runs: results.length, rows: rows.length };
}
