/**
 * Pruning masks on a {@linkcode Network}: structured keep masks per gate group and unstructured
 * keep masks per parameter, their validation, and the *effective* keep masks that also drop units
 * made dead by an overlapping group.
 *
 * Dead units arise where two groups index the same axis of a tensor: in LeNet-5-Caffe, conv2's
 * filters and fc1's 800 inputs both index the rows of `fc1.w`. A conv2 filter whose every
 * flattened position is pruned in `fc1.in` is never read, and an `fc1.in` position whose conv2
 * filter is pruned always reads zero. Both count as pruned in masked sizes and are removed by
 * compaction, so the masked and compact counts agree for purely structured masks.
 *
 * @module
 */
import type { Network } from "./network.ts";

/** Final masks of a pruning run (the shape of `OperatingPoint` minus its labels). */
export interface PruneMasks {
  /** Structured keep masks per group id, sized to the group's current size (1 = kept; absent = all). */
  keep?: ReadonlyMap<string, Uint8Array>;
  /** Unstructured keep masks per parameter name, sized to the parameter (1 = kept; absent = all). */
  weights?: ReadonlyMap<string, Uint8Array>;
}

/**
 * Checks that every mask names an existing group or parameter and has the right length.
 *
 * @param net The network the masks refer to.
 * @param masks The masks.
 * @throws {RangeError} On an unknown name or a wrong length.
 */
export function validateMasks(net: Network, masks: PruneMasks): void {
  for (const [id, m] of masks.keep ?? []) {
    const g = net.group(id);
    if (m.length !== g.size) {
      throw new RangeError(
        `Invalid keep mask for group "${id}": expected length ${g.size}, got ${m.length}`,
      );
    }
  }
  for (const [name, m] of masks.weights ?? []) {
    const v = net.params.get(name);
    if (!v) throw new RangeError(`Invalid weight mask: the network has no parameter "${name}"`);
    if (m.length !== v.size) {
      throw new RangeError(
        `Invalid weight mask for "${name}": expected length ${v.size}, got ${m.length}`,
      );
    }
  }
}

/**
 * Effective structured keep masks: every group's mask (all ones where absent) with units made dead
 * by overlapping groups cleared. A unit is dead when every position it owns in every consumer
 * slice is also owned by a pruned unit of another group sharing that slice. Iterates to a
 * fixpoint.
 *
 * @param net The network.
 * @param keep Structured keep masks (sized to current group sizes).
 * @returns A mask for every group, in `net.groups` order.
 */
export function effectiveKeep(
  net: Network,
  keep: ReadonlyMap<string, Uint8Array> = new Map(),
): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const g of net.groups) {
    const m = keep.get(g.id);
    out.set(g.id, m ? Uint8Array.from(m, (v) => (v ? 1 : 0)) : new Uint8Array(g.size).fill(1));
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const g of net.groups) {
      if (g.consumers.length === 0) continue;
      const mine = out.get(g.id)!;
      const alive = new Uint8Array(g.size);
      for (const s of g.consumers) {
        const others = net.groups.flatMap((h) =>
          h === g ? [] : [...h.producers, ...h.consumers, ...h.buffers]
            .filter((t) => t.param === s.param && t.axis === s.axis)
            .map((t) => ({ labels: t.labels, mask: out.get(h.id)! }))
        );
        for (let p = 0; p < s.labels.length; p++) {
          if (others.every((o) => o.mask[o.labels[p]] !== 0)) alive[s.labels[p]] = 1;
        }
      }
      for (let u = 0; u < g.size; u++) {
        if (mine[u] && !alive[u]) {
          mine[u] = 0;
          changed = true;
        }
      }
    }
  }
  return out;
}

/**
 * Per-axis keep vectors of a parameter or buffer under structured masks: position `p` of axis
 * `a` is kept iff every group slice on that axis maps it to a kept unit.
 *
 * @param net The network.
 * @param name Parameter or buffer name.
 * @param keep Effective keep masks (see {@linkcode effectiveKeep}).
 * @returns One vector per axis, or null for an axis no group touches.
 */
export function axisKeep(
  net: Network,
  name: string,
  keep: ReadonlyMap<string, Uint8Array>,
): (Uint8Array | null)[] {
  const v = net.params.get(name) ?? net.buffers.get(name);
  if (!v) throw new RangeError(`Cannot find parameter "${name}" in network "${net.arch.id}"`);
  const axes: (Uint8Array | null)[] = v.shape.map(() => null);
  for (const g of net.groups) {
    const m = keep.get(g.id);
    if (!m) continue;
    for (const s of [...g.producers, ...g.consumers, ...g.buffers]) {
      if (s.param !== name) continue;
      const a = axes[s.axis] ??= new Uint8Array(v.shape[s.axis]).fill(1);
      for (let p = 0; p < a.length; p++) if (!m[s.labels[p]]) a[p] = 0;
    }
  }
  return axes;
}

/**
 * Number of entries of a tensor of `shape` kept by per-axis vectors and an optional flat
 * unstructured mask (row-major, same size).
 *
 * @param shape Tensor shape.
 * @param axes Per-axis keep vectors (null = all kept).
 * @param mask Optional unstructured keep mask.
 * @returns The kept count.
 */
export function keptCount(
  shape: readonly number[],
  axes: readonly (Uint8Array | null)[],
  mask?: Uint8Array,
): number {
  if (!mask) {
    return shape.reduce((n, d, a) => n * (axes[a] ? axes[a]!.reduce((s, x) => s + x, 0) : d), 1);
  }
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
  let n = 0;
  outer: for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    for (let a = 0; a < shape.length; a++) {
      const ax = axes[a];
      if (ax && !ax[Math.floor(i / strides[a]) % shape[a]]) continue outer;
    }
    n++;
  }
  return n;
}
