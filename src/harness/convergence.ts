/**
 * `structure_converged`: whether a run's architecture had settled by the end of training.
 *
 * A run is converged when its total kept units changed by less than 2 % over the last 20 % of
 * its epochs: with `n` epochs and `k = ceil(0.2·n)`, the window holds the kept units after epoch
 * `n − k` (the state when the last 20 % began) through after epoch `n`, and the run is converged
 * when `(max − min) / max < 0.02` over that window. Runs with fewer than 2 epochs cannot be
 * judged (`null`). Total kept units, not per layer: one filter of a 20-filter layer is 5 %, which
 * would call every small conv layer unsettled.
 *
 * @module
 */

/** Relative change allowed over the window (2 %). */
export const CONVERGED_TOLERANCE = 0.02;
/** Fraction of the epochs, at the end, over which the change is measured (20 %). */
export const CONVERGED_WINDOW = 0.2;

/**
 * Whether kept units changed by less than {@linkcode CONVERGED_TOLERANCE} over the last
 * {@linkcode CONVERGED_WINDOW} of epochs.
 *
 * @param keptPerEpoch Total kept units after each epoch, in epoch order.
 * @returns `true`/`false`, or `null` with fewer than 2 epochs or a non-finite value in the window.
 *
 * @example
 * ```ts
 * import { structureConverged } from "./convergence.ts";
 * // 10 epochs: the window is after epoch 8 through after epoch 10
 * const settled = [500, 400, 300, 250, 240, 236, 235, 234, 233, 233];
 * if (structureConverged(settled) !== true) throw new Error();
 * if (structureConverged([500, 400, 300, 250, 240, 236, 235, 234, 233, 200]) !== false) {
 *   throw new Error();
 * }
 * ```
 */
export function structureConverged(keptPerEpoch: readonly number[]): boolean | null {
  const n = keptPerEpoch.length;
  if (n < 2) return null;
  const k = Math.min(n - 1, Math.ceil(CONVERGED_WINDOW * n - 1e-9));
  const window = keptPerEpoch.slice(n - k - 1);
  if (!window.every(Number.isFinite)) return null;
  const max = Math.max(...window), min = Math.min(...window);
  if (max <= 0) return true;
  return (max - min) / max < CONVERGED_TOLERANCE;
}
