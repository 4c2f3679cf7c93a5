/**
 * Table contents shared by the HTML report and the Markdown summary: the summary table
 * (mean ± sd over seeds), the runs table and the failed-runs table, as header + string cells.
 *
 * @module
 */

import type { Run, Summary } from "../results/read.ts";
import { lambdaLabel } from "./aggregate.ts";
import { MIN_LATENCY_REPEATS } from "./charts_common.ts";

/** A table as a header row and string cells. */
export interface Table {
  /** Column titles. */
  header: string[];
  /** Rows of formatted cells. */
  rows: string[][];
}

const DASH = "—";

/** Formats a number with `digits` decimals, `—` when not finite. */
export function fmt(x: number | string | undefined, digits = 2): string {
  const n = typeof x === "number" ? x : Number(x);
  return x === undefined || x === "" || !Number.isFinite(n) ? DASH : n.toFixed(digits);
}

/** Formats a width multiplier as written in the suite (0.5, 1, 2, 0.25), `—` when not finite. */
export function fmtWidth(x: number | string | undefined): string {
  const n = typeof x === "number" ? x : Number(x);
  return x === undefined || x === "" || !Number.isFinite(n) ? DASH : String(n);
}

/** Formats `mean ± sd` (sd omitted when missing), with an optional scale (e.g. 100 for %). */
export function fmtMeanSd(m: unknown, s: unknown, digits = 2, scale = 1): string {
  const mn = Number(m), sn = Number(s);
  if (!Number.isFinite(mn)) return DASH;
  const head = (mn * scale).toFixed(digits);
  return Number.isFinite(sn) ? `${head} ± ${(sn * scale).toFixed(digits)}` : head;
}

function cmp(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
    if (Number.isNaN(b)) return -1;
    return a - b;
  }
  return String(a).localeCompare(String(b));
}

/** Sorts summary rows by dataset, arch, width, method, λ, point. */
export function sortSummary(rows: readonly Summary[]): Summary[] {
  const keys = ["dataset", "arch", "init_width", "method", "lambda", "point"];
  return [...rows].sort((a, b) => {
    for (const k of keys) {
      const c = cmp(a[k] ?? "", b[k] ?? "");
      if (c !== 0) return c;
    }
    return 0;
  });
}

/**
 * The summary table: one row per configuration, accuracy in %, mean ± sample sd over seeds.
 *
 * @example
 * ```ts
 * import { summaryTable } from "./tables.ts";
 * const t = summaryTable([{ method: "l0-hc", acc_mean: 0.9, acc_sd: 0.01, n_seeds: 3 }]);
 * if (t.rows[0][7] !== "90.00 ± 1.00") throw new Error(t.rows[0][7]);
 * ```
 */
export function summaryTable(rows: readonly Summary[]): Table {
  const header = [
    "method",
    "arch",
    "dataset",
    "width",
    "λ",
    "point",
    "seeds",
    "accuracy (%)",
    "units kept (%)",
    "units kept",
    "weights kept (%)",
    "speedup (theor.)",
    "speedup (meas.)",
    "train MACs / dense",
    "width CV",
    "dense acc. (%)",
  ];
  const out = sortSummary(rows).map((r) => {
    const failed = Number(r.n_failed);
    const seeds = `${fmt(r.n_seeds, 0)}${failed > 0 ? ` (${failed} failed)` : ""}`;
    return [
      String(r.method ?? ""),
      String(r.arch ?? ""),
      String(r.dataset ?? ""),
      fmtWidth(r.init_width),
      lambdaLabel(Number(r.lambda === "" ? NaN : r.lambda)),
      String(r.point ?? ""),
      seeds,
      fmtMeanSd(r.acc_mean, r.acc_sd, 2, 100),
      fmtMeanSd(r.kept_fraction_mean, r.kept_fraction_sd, 1, 100),
      fmtMeanSd(r.units_kept_mean, r.units_kept_sd, 1),
      fmtMeanSd(r.weights_kept_fraction_mean, r.weights_kept_fraction_sd, 1, 100),
      fmt(r.theoretical_speedup_mean, 2),
      fmt(r.measured_speedup_mean, 2),
      fmt(r.train_macs_fraction_mean, 2),
      fmt(r.width_cv_units_kept, 3),
      fmt(Number(r.acc_dense_baseline) * 100, 2),
    ];
  });
  return { header, rows: out };
}

function runKey(r: Run): (string | number)[] {
  return [r.dataset, r.arch, r.initWidth, r.method, r.lambda, r.point, r.seed];
}

function sortRuns(runs: readonly Run[]): Run[] {
  return [...runs].sort((a, b) => {
    const ka = runKey(a), kb = runKey(b);
    for (let i = 0; i < ka.length; i++) {
      const c = cmp(ka[i], kb[i]);
      if (c !== 0) return c;
    }
    return 0;
  });
}

/**
 * Measured speedup with its 25th–75th percentile interval, e.g. `2.10 [1.95–2.31]`; marked
 * `(n=3: noise)` when fewer than {@linkcode MIN_LATENCY_REPEATS} latency repeats were timed.
 */
export function measuredCell(r: Run): string {
  const m = fmt(r.measuredSpeedup, 2);
  if (m === DASH) return m;
  if (r.latencyRepeats < MIN_LATENCY_REPEATS) return `${m} (n=${r.latencyRepeats}: noise)`;
  return Number.isFinite(r.measuredSpeedupLo)
    ? `${m} [${fmt(r.measuredSpeedupLo, 2)}–${fmt(r.measuredSpeedupHi, 2)}]`
    : m;
}

/** The runs table: one row per successful run and operating point. */
export function runsTable(runs: readonly Run[]): Table {
  const header = [
    "run",
    "method",
    "arch",
    "dataset",
    "width",
    "λ",
    "point",
    "seed",
    "accuracy (%)",
    "units kept",
    "per layer",
    "weights kept (%)",
    "speedup (theor.)",
    "speedup (meas. [IQR])",
    "epochs",
    "wall (s)",
  ];
  const rows = sortRuns(runs.filter((r) => r.ok)).map((r) => [
    r.runId.slice(0, 10),
    r.method,
    r.arch,
    r.dataset,
    fmtWidth(r.initWidth),
    lambdaLabel(r.lambda),
    r.point,
    fmt(r.seed, 0),
    fmt(r.acc * 100, 2),
    `${fmt(r.unitsKept, 0)} / ${fmt(r.unitsInit, 0)}`,
    r.perLayerKept.join("-") || DASH,
    fmt(r.weightsKeptFraction * 100, 1),
    fmt(r.theoreticalSpeedup, 2),
    measuredCell(r),
    fmt(r.epochs, 0),
    fmt(r.wallS, 1),
  ]);
  return { header, rows };
}

/** The failed-runs table: identity, status and reason. */
export function failedTable(runs: readonly Run[]): Table {
  const header = ["run", "method", "arch", "dataset", "width", "λ", "seed", "status", "reason"];
  const rows = sortRuns(runs.filter((r) => !r.ok)).map((r) => [
    r.runId.slice(0, 10),
    r.method,
    r.arch,
    r.dataset,
    fmtWidth(r.initWidth),
    lambdaLabel(r.lambda),
    fmt(r.seed, 0),
    r.status || "failed",
    r.reason || DASH,
  ]);
  return { header, rows };
}
