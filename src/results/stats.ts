/**
 * The statistics of the results, shared by the harness (`summary.csv`) and the report: mean and
 * *sample* standard deviation (n − 1) of the finite values, and the rounding of CSV cells.
 *
 * Convention: an sd needs two values; with one, {@linkcode sd} gives `NaN` (an empty cell in
 * `summary.csv`) unless the caller names another value (the report draws a zero-width error bar).
 *
 * @module
 */

/**
 * Mean of the finite values; `NaN` when there are none.
 *
 * @example
 * ```ts
 * import { mean } from "./stats.ts";
 * if (mean([1, NaN, 3]) !== 2) throw new Error();
 * ```
 */
export function mean(values: readonly number[]): number {
  const v = values.filter(Number.isFinite);
  return v.length === 0 ? NaN : v.reduce((a, b) => a + b, 0) / v.length;
}

/**
 * Sample standard deviation (n − 1) of the finite values.
 *
 * @param values The values; non-finite ones are ignored.
 * @param single The result for exactly one finite value (default `NaN`: unknown).
 * @returns The sd; `NaN` for no finite value.
 */
export function sd(values: readonly number[], single = NaN): number {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return NaN;
  if (v.length === 1) return single;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}

/** Mean and sample sd of the finite values (sd `NaN` below two values). */
export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  return { mean: mean(xs), sd: sd(xs) };
}

/**
 * Rounds to `d` decimals for a CSV cell; non-finite values (no data, one seed's sd) become empty
 * cells.
 */
export function round(x: number, d: number): number | "" {
  if (!Number.isFinite(x)) return "";
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
