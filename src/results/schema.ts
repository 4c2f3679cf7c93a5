/**
 * Column schemas of the harness's tidy CSV outputs. The report reads only these files.
 *
 * - `runs.csv`: one row per run and operating point (a run of `magnitude` or `halo` yields one
 *   point per target sparsity; most methods yield one point, `final`).
 * - `history.csv`: long format, one row per run × epoch × metric.
 * - `summary.csv`: per method × architecture × dataset × width × every varying hyperparameter
 *   (λ included) × backend × point, mean ± sample sd over seeds, plus robustness figures.
 *
 * Units: MACs are multiply-accumulates of one forward pass for one example; params count
 * weights, biases and BN scale/shift; latencies are milliseconds per batch (median, warm). The
 * counting conventions are `src/metrics/counts.ts`'s.
 *
 * Sizes: `*_dense` is the network as built (initial width), `*_masked` excludes every entry a
 * mask removes (structured units and unstructured weights) and `*_compact` is the physically
 * shrunk network (kept units only, zeros inside them still stored). `compression_ratio` and
 * `theoretical_speedup` are dense / masked; `measured_speedup` is dense / compact latency.
 *
 * Readers parse these files with `src/results/read.ts`; the harness writes them with
 * `src/results/write.ts` and `src/results/summary.ts`.
 *
 * @module
 */

/** Columns of `runs.csv`, in order. */
export const RUN_COLUMNS = [
  // identity
  "suite",
  "run_id",
  "point",
  "method",
  "arch",
  "dataset",
  "seed",
  "init_width",
  // hyperparameters
  "lambda",
  "hparams",
  // outcome
  "status",
  "reason",
  // widths: per-layer strings are "-"-joined, e.g. "219-214-100"
  "units_init",
  "units_kept",
  "kept_fraction",
  "per_layer_init",
  "per_layer_kept",
  // size
  "params_dense",
  "params_masked",
  "params_compact",
  "weights_kept_fraction",
  "compression_ratio",
  // compute
  "macs_dense",
  "macs_masked",
  "macs_compact",
  "theoretical_speedup",
  // latency
  "latency_dense_ms",
  "latency_compact_ms",
  "measured_speedup",
  "measured_speedup_lo",
  "measured_speedup_hi",
  "latency_repeats",
  // quality
  "acc",
  "loss",
  "acc_dense_baseline",
  // cost and provenance
  "epochs",
  // kept units changed by < 2 % over the last 20 % of epochs (harness/convergence.ts); "" when
  // the run is too short to tell
  "structure_converged",
  "train_macs",
  "train_macs_dense",
  "wall_s",
  "model_bytes",
  "backend",
  "tfjs_version",
  "deno_version",
  "git_sha",
] as const;

/** Columns of `history.csv` (long format), in order. */
export const HISTORY_COLUMNS = [
  "suite",
  "run_id",
  "method",
  "arch",
  "dataset",
  "seed",
  "init_width",
  "lambda",
  "epoch",
  "metric",
  "value",
] as const;

/**
 * Metric names that appear in `history.csv`. Methods may log more (e.g. `expected_l0`,
 * `tau`, `beta.<layer>`, `polarised_fraction`); per-layer kept units are `kept.<group>`.
 */
export const HISTORY_METRICS = [
  "train_loss",
  "train_acc",
  "test_loss",
  "test_acc",
  "kept_fraction",
  "units_kept",
  "lr",
  "train_macs",
] as const;

/** Columns of `summary.csv`, in order. `*_sd` is the sample standard deviation over seeds. */
export const SUMMARY_COLUMNS = [
  "method",
  "arch",
  "dataset",
  "init_width",
  "lambda",
  // every resolved hyperparameter whose value differs between runs of the method (JSON), and the
  // backend family (wasm, cpu, …): rows differ in these, never averaged over them
  "hparams_varying",
  "backend",
  "point",
  "n_seeds",
  "n_failed",
  "acc_mean",
  "acc_sd",
  "kept_fraction_mean",
  "kept_fraction_sd",
  "units_kept_mean",
  "units_kept_sd",
  "weights_kept_fraction_mean",
  "weights_kept_fraction_sd",
  "theoretical_speedup_mean",
  "measured_speedup_mean",
  "train_macs_fraction_mean",
  // robustness: coefficient of variation, across initial widths, of the final kept units of the
  // layers that scale with the width (input pixels excluded; all units when no layer scales);
  // the same value on every width row of a method × arch × dataset × λ × point
  "width_cv_units_kept",
  "acc_dense_baseline",
] as const;

/** A row of `runs.csv`. */
export type RunRow = Record<typeof RUN_COLUMNS[number], string | number>;
/** A row of `history.csv`. */
export type HistoryRow = Record<typeof HISTORY_COLUMNS[number], string | number>;
/** A row of `summary.csv`. */
export type SummaryRow = Record<typeof SUMMARY_COLUMNS[number], string | number>;
