/**
 * Mask helpers shared by the magnitude-style baselines (`magnitude`, `gmp`, `random`): which
 * parameters are prunable, exact-count selection of the lowest scores (global or per tensor),
 * and unit scores for structured pruning.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { Network } from "../models/network.ts";
import type { GateGroup } from "../models/groups.ts";

/** Where a pruning budget applies: across all tensors at once, or to each tensor separately. */
export type Scope = "global" | "layer";

/**
 * Names of the prunable weights: every dense/conv weight tensor (never biases or BN parameters),
 * the classifier's only if `includeClassifier`.
 *
 * @example
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { Network } from "../models/network.ts";
 * import { getArch } from "../models/registry.ts";
 * import { prunableWeights } from "./_masks.ts";
 * await tf.setBackend("cpu");
 * const net = new Network(getArch("lenet-300-100", 0.1));
 * if (prunableWeights(net, false).join() !== "fc1.w,fc2.w") throw new Error();
 * net.dispose();
 * ```
 */
export function prunableWeights(net: Network, includeClassifier: boolean): string[] {
  return net.layers.filter((l) => includeClassifier || !l.isOutput).map((l) => l.weight);
}

/** Result of {@linkcode pruneLowest}. */
export interface Selection {
  /** Binary masks (1 = kept), one per score array. */
  masks: Uint8Array[];
  /** The largest pruned score per score array (−Infinity when nothing was pruned there). */
  thresholds: number[];
  /** Number of pruned entries per score array. */
  pruned: number[];
}

function selectPool(
  scores: readonly ArrayLike<number>[],
  k: number,
  reserve: boolean,
): Uint8Array[] {
  const masks = scores.map((s) => new Uint8Array(s.length).fill(1));
  const total = scores.reduce((a, s) => a + s.length, 0);
  const reserved = scores.map((s) => (reserve && s.length ? argmax(s) : -1));
  k = Math.min(k, total - reserved.filter((r) => r >= 0).length);
  if (k <= 0) return masks;
  const all = new Float32Array(total);
  let o = 0;
  scores.forEach((s, i) => {
    for (let j = 0; j < s.length; j++) all[o + j] = j === reserved[i] ? Infinity : s[j];
    o += s.length;
  });
  all.sort();
  const thr = all[k - 1];
  let left = k;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    for (let j = 0; j < s.length; j++) {
      if (j !== reserved[i] && Math.fround(s[j]) < thr) (masks[i][j] = 0, left--);
    }
  }
  for (let i = 0; i < scores.length && left > 0; i++) {
    const s = scores[i];
    for (let j = 0; j < s.length && left > 0; j++) {
      if (j !== reserved[i] && Math.fround(s[j]) === thr && masks[i][j]) (masks[i][j] = 0, left--);
    }
  }
  return masks;
}

function argmax(s: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < s.length; j++) if (s[j] > s[best]) best = j;
  return best;
}

/**
 * Prunes exactly `round(fraction · n)` entries with the lowest scores (ties broken by position),
 * over all arrays together (`global`) or within each array (`layer`). With `keepOne`, the best
 * entry of every array is never pruned (no layer loses all its units).
 *
 * @example Global: the 3 smallest of 6
 * ```ts
 * import { pruneLowest } from "./_masks.ts";
 * const { masks } = pruneLowest([[0.1, 5, 0.3], [4, 0.2, 6]], 0.5, "global");
 * if (masks.map((m) => m.join("")).join("|") !== "010|101") throw new Error();
 * ```
 */
export function pruneLowest(
  scores: readonly ArrayLike<number>[],
  fraction: number,
  scope: Scope,
  keepOne = false,
): Selection {
  let masks: Uint8Array[];
  if (scope === "global") {
    const total = scores.reduce((a, s) => a + s.length, 0);
    masks = selectPool(scores, Math.round(fraction * total), keepOne);
  } else {
    masks = scores.map((s) => selectPool([s], Math.round(fraction * s.length), keepOne)[0]);
  }
  const thresholds = scores.map((s, i) => {
    let m = -Infinity;
    for (let j = 0; j < s.length; j++) if (!masks[i][j] && s[j] > m) m = s[j];
    return m;
  });
  const pruned = masks.map((m) => m.length - m.reduce((a, b) => a + b, 0));
  return { masks, thresholds, pruned };
}

/** |θ| of a parameter as numbers. */
export function absValues(net: Network, name: string): Float32Array {
  const t = tf.tidy(() => tf.abs(net.params.get(name)!));
  const out = Float32Array.from(t.dataSync());
  t.dispose();
  return out;
}

/**
 * Structured score of each unit of a group: the L1 norm of its incoming weights (outgoing for
 * `input` groups, which have none), divided by the number of those weights when `normalise`
 * (mean |θ|, comparable across layers of different fan-in).
 */
export function unitL1(net: Network, g: GateGroup, normalise: boolean): Float32Array {
  const isW = (p: string) => net.role(p) === "weight";
  const slices = g.kind === "input"
    ? g.consumers.filter((s) => isW(s.param))
    : g.producers.filter((s) => isW(s.param));
  const out = new Float32Array(g.size);
  const count = new Float32Array(g.size);
  for (const s of slices) {
    const v = net.params.get(s.param)!;
    const t = tf.tidy(() => {
      const axes = v.shape.map((_, i) => i).filter((i) => i !== s.axis);
      return axes.length ? tf.sum(tf.abs(v), axes) : tf.abs(v);
    });
    const rows = t.dataSync();
    t.dispose();
    const per = v.size / v.shape[s.axis];
    for (let p = 0; p < rows.length; p++) (out[s.labels[p]] += rows[p], count[s.labels[p]] += per);
  }
  if (normalise) { for (let u = 0; u < out.length; u++) out[u] /= Math.max(1, count[u]); }
  return out;
}

/** Fraction of zeros in a set of binary masks. */
export function maskSparsity(masks: readonly Uint8Array[]): number {
  let n = 0, z = 0;
  for (const m of masks) for (let i = 0; i < m.length; i++) (n++, z += m[i] ? 0 : 1);
  return n ? z / n : 0;
}
