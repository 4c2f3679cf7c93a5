/**
 * Gate groups: the units (hidden neurons, conv filters, or a layer's input units) that a pruning
 * method can gate or remove, and exactly which slices of which parameters belong to each unit.
 *
 * Every slice `{param, axis, labels}` says, for each position along `axis` of that tensor, which
 * unit of the group it belongs to (`labels[p]`). Producer slices (the unit's incoming weights, its
 * bias, BN scale/shift) and buffer slices (BN running statistics) are the identity; a consumer
 * slice of a conv group read by a dense layer after a flatten has `labels[(h·W + w)·C + c] = c`.
 *
 * Groups may overlap: LeNet-5-Caffe gates both conv2's filters and fc1's 800 inputs, which index
 * the same axis of `fc1.w`. Removing filters of conv2 then also removes the matching inputs of
 * `fc1.in`; {@linkcode removalPlan} works out every affected group.
 *
 * @module
 */

/** A slice of a parameter (or buffer) along one axis that belongs to a group's units. */
export interface ParamSlice {
  /** Parameter or buffer name, e.g. `fc1.w`. */
  param: string;
  /** Axis of that tensor indexed by the unit. */
  axis: number;
  /** Unit of the group at each position along the axis (length = the axis' size). */
  labels: Int32Array;
}

/** Kind of gate group. */
export type GroupKind = "input" | "unit" | "filter";

/** A gateable group of units. */
export interface GateGroup {
  /** Group id: the layer name for its output units, `<layer>.in` for input units. */
  readonly id: string;
  /** Layer that produces (or, for `input`, consumes) the units. */
  readonly layer: string;
  /** `input`: a dense layer's inputs; `unit`: dense outputs; `filter`: conv output channels. */
  readonly kind: GroupKind;
  /** Units at construction (the initial width). */
  readonly initialSize: number;
  /** Units now (shrinks when units are removed). */
  size: number;
  /** Slices owned by each unit in the producing layer. */
  readonly producers: readonly ParamSlice[];
  /** Slices of downstream parameters that read each unit. */
  readonly consumers: readonly ParamSlice[];
  /** Non-trainable buffers owned by each unit (BN running statistics). */
  readonly buffers: readonly ParamSlice[];
}

/** One gather to apply to a tensor when units are removed. */
export interface GatherOp {
  /** Parameter or buffer name. */
  param: string;
  /** Axis along which to gather. */
  axis: number;
  /** Indices to keep along that axis, in order. */
  indices: Int32Array;
}

/** What removing units of one group does to the network. */
export interface RemovalPlan {
  /** Gathers to apply to parameters and buffers (and to optimizer slots of the same shape). */
  ops: GatherOp[];
  /** For every group that loses units (the target and overlapping groups): kept old unit indices. */
  kept: Map<string, Int32Array>;
}

/** Identity labels 0..n-1. */
export function identityLabels(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/**
 * Plans removal of all units of `target` not in `keep`, and updates the labels and sizes of the
 * affected groups in place. Apply the returned gathers to the tensors.
 *
 * @example Flattened 2×2 feature map of 3 channels, keep channels 0 and 2
 * ```ts
 * import { removalPlan } from "./groups.ts";
 * const labels = Int32Array.from({ length: 12 }, (_, p) => p % 3);
 * const g = { id: "c", layer: "c", kind: "filter" as const, initialSize: 3, size: 3,
 *   producers: [], buffers: [], consumers: [{ param: "fc.w", axis: 0, labels }] };
 * const plan = removalPlan([g], "c", [0, 2]);
 * if (plan.ops[0].indices.join() !== "0,2,3,5,6,8,9,11") throw new Error();
 * ```
 */
export function removalPlan(
  groups: GateGroup[],
  targetId: string,
  keep: ArrayLike<number>,
): RemovalPlan {
  const target = groups.find((g) => g.id === targetId);
  if (!target) throw new RangeError(`Cannot remove units of group "${targetId}": no such group`);
  const newIndex = new Int32Array(target.size).fill(-1);
  for (let j = 0; j < keep.length; j++) {
    if (!(keep[j] >= 0 && keep[j] < target.size) || (j > 0 && keep[j] <= keep[j - 1])) {
      throw new RangeError(
        `Cannot remove units of group "${targetId}": kept indices must be sorted, unique and < ${target.size}`,
      );
    }
    newIndex[keep[j]] = j;
  }
  const plan: RemovalPlan = { ops: [], kept: new Map([[targetId, Int32Array.from(keep)]]) };
  for (const s of slicesOf(target)) {
    const idx: number[] = [];
    for (let p = 0; p < s.labels.length; p++) if (newIndex[s.labels[p]] >= 0) idx.push(p);
    const indices = Int32Array.from(idx);
    plan.ops.push({ param: s.param, axis: s.axis, indices });
    // Re-label the other groups indexing the same axis of the same tensor.
    for (const h of groups) {
      if (h === target) continue;
      for (const t of slicesOf(h)) {
        if (t.param !== s.param || t.axis !== s.axis) continue;
        const gathered = indices.map((p) => t.labels[p]);
        const present = new Int32Array(h.size).fill(-1);
        for (const u of gathered) present[u] = 1;
        const keptH: number[] = [];
        for (let u = 0; u < h.size; u++) {
          if (present[u] === 1) {
            present[u] = keptH.length;
            keptH.push(u);
          }
        }
        if (keptH.length !== h.size) {
          if (slicesOf(h).length !== 1) {
            throw new RangeError(
              `Cannot remove units of group "${targetId}": it would remove units of group "${h.id}", ` +
                `which owns other tensors too`,
            );
          }
          plan.kept.set(h.id, Int32Array.from(keptH));
          h.size = keptH.length;
        }
        t.labels = gathered.map((u) => present[u]);
      }
    }
    s.labels = indices.map((p) => newIndex[s.labels[p]]);
  }
  target.size = keep.length;
  return plan;
}

/** All slices of a group. */
export function slicesOf(g: GateGroup): ParamSlice[] {
  return [...g.producers, ...g.consumers, ...g.buffers];
}

/** Indices of the non-zero entries of a 0/1 mask. */
export function keptIndices(mask: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) out.push(i);
  return out;
}
