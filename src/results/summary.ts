/**
 * The `summary.csv` builder, used by the harness (`aggregate`) and by the report when a results
 * folder has no `summary.csv`: per method × architecture × dataset × width × varying
 * hyperparameters × backend family × point, mean and sample sd over seeds ({@linkcode meanSd});
 * width invariance is the coefficient of variation (sd / mean) of the mean final kept units across
 * the initial widths of a method × architecture × dataset × hyperparameters × point.
 *
 * @module
 */
import { keptOver, widthScaledLayers } from "../metrics/width_scaled.ts";
import { canonicalJson } from "../util/canonical_json.ts";
import type { RunRow, SummaryRow } from "./schema.ts";
import { meanSd, round } from "./stats.ts";

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
