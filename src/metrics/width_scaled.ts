/**
 * Which layers scale with the initial width, for width-invariance figures. A layer whose initial
 * size is the same at every width of a comparison (the 784 input pixels of LeNet-300-100's first
 * layer) cannot say anything about width invariance and only damps it, so the figures count the
 * kept units of the other layers.
 *
 * @module
 */

/**
 * Positions of the layers whose initial size differs between the given per-layer initial sizes
 * (one array per run, all widths of one configuration). Empty when the arrays do not line up or
 * no layer differs; callers then fall back to all units.
 *
 * @example
 * ```ts
 * import { widthScaledLayers } from "./width_scaled.ts";
 * const p = widthScaledLayers([[784, 300, 100], [784, 600, 200]]);
 * if (p.join() !== "1,2") throw new Error(p.join());
 * ```
 */
export function widthScaledLayers(inits: readonly (readonly number[])[]): number[] {
  const n = inits[0]?.length ?? 0;
  if (n === 0 || !inits.every((a) => a.length === n && a.every(Number.isFinite))) return [];
  return [...Array(n).keys()].filter((i) => inits.some((a) => a[i] !== inits[0][i]));
}

/**
 * Kept units over the `positions` of `perLayerKept`, or `total` when there are no positions or
 * the per-layer counts do not line up with them.
 */
export function keptOver(
  perLayerKept: readonly number[],
  positions: readonly number[],
  total: number,
): number {
  if (positions.length === 0 || positions.some((i) => !Number.isFinite(perLayerKept[i]))) {
    return total;
  }
  return positions.reduce((sum, i) => sum + perLayerKept[i], 0);
}
