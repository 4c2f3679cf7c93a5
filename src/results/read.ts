/**
 * Parsing of the result files: a `runs.csv`, `history.csv` or `summary.csv` record (all cells
 * strings) into typed rows. Missing or empty cells become `NaN` (numbers) or `""` (strings);
 * unknown columns are ignored, so readers keep working while the schema (`src/results/schema.ts`)
 * grows.
 *
 * @module
 */

import { parse } from "../deps/csv.ts";

/** A parsed row of `runs.csv`: one run at one operating point. */
export interface Run {
  /** Suite name. */
  suite: string;
  /** Run id (hash of the resolved run spec). */
  runId: string;
  /** Operating point, e.g. `final` or a target sparsity for one-shot methods. */
  point: string;
  /** Method id, e.g. `l0-hc`. */
  method: string;
  /** Architecture id. */
  arch: string;
  /** Dataset id. */
  dataset: string;
  /** Seed. */
  seed: number;
  /** Initial width of the net (the suite's width knob). */
  initWidth: number;
  /** Penalty strength λ; `NaN` when the method has none. */
  lambda: number;
  /** Fully resolved hyperparameters as written (JSON text; `""` when absent). */
  hparams: string;
  /** `true` unless the harness marked the run as failed. */
  ok: boolean;
  /** Status as written by the harness (`ok`, `failed`, …). */
  status: string;
  /** Why a run failed (empty for successful runs). */
  reason: string;
  /** Total units before pruning. */
  unitsInit: number;
  /** Total units kept. */
  unitsKept: number;
  /** Fraction of units kept. */
  keptFraction: number;
  /** Units per layer before pruning. */
  perLayerInit: number[];
  /** Units kept per layer. */
  perLayerKept: number[];
  /** Fraction of weights kept. */
  weightsKeptFraction: number;
  /** Dense / masked parameter count (`compression_ratio`). */
  compressionRatio: number;
  /** Parameters of the dense net. */
  paramsDense: number;
  /** Parameters of the compact (physically shrunk) net. */
  paramsCompact: number;
  /** Forward MACs per example of the dense net. */
  macsDense: number;
  /** Forward MACs per example of the compact net. */
  macsCompact: number;
  /** Dense / masked forward MACs (`theoretical_speedup`). */
  theoreticalSpeedup: number;
  /** Dense / compact measured latency (`measured_speedup`). */
  measuredSpeedup: number;
  /** 25th percentile of the per-repeat speedups (NaN when not recorded). */
  measuredSpeedupLo: number;
  /** 75th percentile of the per-repeat speedups (NaN when not recorded). */
  measuredSpeedupHi: number;
  /** Timed latency repeats (NaN when not recorded). */
  latencyRepeats: number;
  /** Test accuracy in [0, 1]. */
  acc: number;
  /** Test loss. */
  loss: number;
  /** Accuracy of the dense baseline of the same arch × dataset × width. */
  accDenseBaseline: number;
  /** Epochs trained. */
  epochs: number;
  /** Kept units settled over the last 20 % of epochs; `null` when unknown. */
  structureConverged: boolean | null;
  /** Training MACs spent. */
  trainMacs: number;
  /** Training MACs the dense net would have spent. */
  trainMacsDense: number;
  /** Wall-clock seconds. */
  wallS: number;
  /** Backend used. */
  backend: string;
}

/** One point of `history.csv` (long format); the run's identity fields as in {@linkcode Run}. */
export interface HistoryPoint
  extends Pick<Run, "runId" | "method" | "arch" | "dataset" | "seed" | "initWidth" | "lambda"> {
  /** Epoch (0-based or 1-based, as written). */
  epoch: number;
  /** Metric name, e.g. `kept_fraction`. */
  metric: string;
  /** Metric value. */
  value: number;
}

/** A parsed row of `summary.csv`: numbers are `NaN` when missing, strings are kept as-is. */
export type Summary = Record<string, string | number>;

/** Strings that mark a run as successful in the `status` column (case-insensitive). */
const OK_STATUS = new Set(["", "ok", "done", "success", "succeeded", "completed"]);

/** Parses a number cell: empty, missing or non-numeric cells give `NaN`. */
export function num(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value !== "string" || value.trim() === "") return NaN;
  const n = Number(value);
  return Number.isNaN(n) ? NaN : n;
}

/** Parses a `-`- or `;`-joined per-layer list such as `"219-214-100"`. */
export function parseLayers(value: unknown): number[] {
  if (typeof value !== "string" || value.trim() === "") return [];
  return value.split(/[-;,| ]+/).filter((s) => s !== "").map(Number);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : value === undefined ? "" : String(value);
}

/** Converts one raw `runs.csv` record into a {@linkcode Run}. */
export function toRun(r: Record<string, string>): Run {
  const status = str(r.status).trim();
  const acc = num(r.acc);
  return {
    suite: str(r.suite),
    runId: str(r.run_id),
    point: str(r.point) || "final",
    method: str(r.method),
    arch: str(r.arch),
    dataset: str(r.dataset),
    seed: num(r.seed),
    initWidth: num(r.init_width),
    lambda: num(r.lambda),
    hparams: str(r.hparams),
    ok: OK_STATUS.has(status.toLowerCase()) && (status !== "" || Number.isFinite(acc)),
    status,
    reason: str(r.reason),
    unitsInit: num(r.units_init),
    unitsKept: num(r.units_kept),
    keptFraction: num(r.kept_fraction),
    perLayerInit: parseLayers(r.per_layer_init),
    perLayerKept: parseLayers(r.per_layer_kept),
    weightsKeptFraction: num(r.weights_kept_fraction),
    compressionRatio: num(r.compression_ratio),
    paramsDense: num(r.params_dense),
    paramsCompact: num(r.params_compact),
    macsDense: num(r.macs_dense),
    macsCompact: num(r.macs_compact),
    theoreticalSpeedup: num(r.theoretical_speedup),
    measuredSpeedup: num(r.measured_speedup),
    measuredSpeedupLo: num(r.measured_speedup_lo),
    measuredSpeedupHi: num(r.measured_speedup_hi),
    latencyRepeats: num(r.latency_repeats),
    acc,
    loss: num(r.loss),
    accDenseBaseline: num(r.acc_dense_baseline),
    epochs: num(r.epochs),
    structureConverged: r.structure_converged === "true"
      ? true
      : r.structure_converged === "false"
      ? false
      : null,
    trainMacs: num(r.train_macs),
    trainMacsDense: num(r.train_macs_dense),
    wallS: num(r.wall_s),
    backend: str(r.backend),
  };
}

/** Converts one raw `history.csv` record into a {@linkcode HistoryPoint}. */
export function toHistory(r: Record<string, string>): HistoryPoint {
  return {
    runId: str(r.run_id),
    method: str(r.method),
    arch: str(r.arch),
    dataset: str(r.dataset),
    seed: num(r.seed),
    initWidth: num(r.init_width),
    lambda: num(r.lambda),
    epoch: num(r.epoch),
    metric: str(r.metric),
    value: num(r.value),
  };
}

const SUMMARY_STRINGS = new Set(["method", "arch", "dataset", "point"]);

/** Converts one raw `summary.csv` record into a {@linkcode Summary} (numbers except the label columns). */
export function toSummary(r: Record<string, string>): Summary {
  const out: Summary = {};
  for (const [k, v] of Object.entries(r)) out[k] = SUMMARY_STRINGS.has(k) ? str(v) : num(v);
  return out;
}

/** Parses CSV text with a header row into records (all values strings). */
export function parseCsv(text: string): Record<string, string>[] {
  if (text.trim() === "") return [];
  return parse(text, {
    columns: true,
    skip_empty_lines: true,
    relax_column_count: true,
    bom: true,
  }) as Record<string, string>[];
}
