/**
 * One-shot global magnitude pruning (the HALO reference's `cifar_prune_iterative.py`, run once
 * per target) and the least-squares log-log slope used to check λ against |θ|.
 *
 * @module
 */

/** Flat view of several tensors' values, with their names and offsets. */
export interface FlatValues {
  /** Parameter names in order. */
  names: string[];
  /** Value arrays (one per name). */
  values: Float32Array[];
}

/** Masks and counts of one magnitude-pruning target. */
export interface MagnitudeResult {
  /** Keep masks per parameter (1 = kept). */
  masks: Map<string, Uint8Array>;
  /** Weights zero after pruning (already-zero ones included). */
  zeros: number;
  /** Weights in the pruned set. */
  total: number;
}

/**
 * Zeroes `round(target·nnz)` of the currently non-zero values with the smallest magnitude, one
 * global ranking over all tensors (ties by position). Already-zero values stay zero.
 *
 * @example Prune half of four weights
 * ```ts
 * import { globalMagnitudePrune } from "./_halo_prune.ts";
 * const r = globalMagnitudePrune({ names: ["w"], values: [Float32Array.of(0.3, -0.1, 2, 0.2)] }, [0.5]);
 * if (r[0].masks.get("w")!.join() !== "1,0,1,0") throw new Error();
 * ```
 */
export function globalMagnitudePrune(
  flat: FlatValues,
  targets: readonly number[],
): MagnitudeResult[] {
  const total = flat.values.reduce((a, v) => a + v.length, 0);
  const abs = new Float32Array(total);
  let o = 0;
  for (const v of flat.values) for (let i = 0; i < v.length; i++) abs[o++] = Math.abs(v[i]);
  const nz: number[] = [];
  for (let i = 0; i < total; i++) if (abs[i] !== 0) nz.push(i);
  const order = Int32Array.from(nz).sort((a, b) => abs[a] - abs[b] || a - b);
  const z0 = total - order.length;
  return targets.map((t) => {
    const k = Math.round(t * order.length);
    const flatMask = new Uint8Array(total);
    for (let i = 0; i < total; i++) flatMask[i] = abs[i] !== 0 ? 1 : 0;
    for (let j = 0; j < k; j++) flatMask[order[j]] = 0;
    const masks = new Map<string, Uint8Array>();
    let off = 0;
    flat.names.forEach((name, i) => {
      const n = flat.values[i].length;
      masks.set(name, flatMask.slice(off, off + n));
      off += n;
    });
    return { masks, zeros: z0 + k, total };
  });
}

/**
 * Least-squares slope of ln y on ln x over the pairs with x, y > 0 (NaN if fewer than 2).
 *
 * @example
 * ```ts
 * import { logLogSlope } from "./_halo_prune.ts";
 * const s = logLogSlope([1, 16, 81], [1, 2, 3]);
 * if (Math.abs(s - 0.25) > 1e-9) throw new Error(String(s));
 * ```
 */
export function logLogSlope(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]), b = Math.abs(y[i]);
    if (!(a > 0 && b > 0)) continue;
    const lx = Math.log(a), ly = Math.log(b);
    n++;
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
  }
  if (n < 2) return NaN;
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}
