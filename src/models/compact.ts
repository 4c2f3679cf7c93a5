/**
 * Compaction: the physically smaller network that computes what the gated, masked network
 * computes in evaluation mode, and needs no gates.
 *
 * {@linkcode compact} clones the network and then, in this order:
 * 1. **Folds the deterministic eval gates** `z` of kept units into parameters. A unit/filter gate
 *    multiplies the layer's output after the activation; for `z ≥ 0`, `z·relu(a) = relu(z·a)`,
 *    so it is folded into the producer: the weight columns and bias of a dense layer or a conv
 *    without BN, or BN's γ and β (`z·(γ·x̂ + β) = (zγ)·x̂ + zβ`) when the conv has BN. An `input`
 *    gate multiplies the layer's input, so it scales the consumer rows (`(x ⊙ z)W = x(diag(z)W)`).
 * 2. **Applies the unstructured weight masks** by zeroing the masked entries.
 * 3. **Removes pruned units** with {@linkcode Network.removeUnits}, group by group in forward order,
 *    using the effective keep masks ({@linkcode effectiveKeep}). A removal can shrink a later
 *    group too (conv2's filters remove their flattened positions from `fc1.in`); later masks are
 *    translated to the current indices through each plan's `kept` lists.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { Network } from "./network.ts";
import type { GateGroup, ParamSlice } from "./groups.ts";
import { effectiveKeep, type PruneMasks, validateMasks } from "./masks.ts";

/** Options of {@linkcode compact}: final masks plus the eval gates to fold. */
export interface CompactOptions extends PruneMasks {
  /**
   * Deterministic eval-gate values per group id (current group size). Values of kept units must
   * be finite and, for unit/filter groups, ≥ 0; values of pruned units are ignored.
   */
  gates?: ReadonlyMap<string, Float32Array>;
}

/** Result of {@linkcode compactWithIndices}. */
export interface CompactResult {
  /** The compact network (new variables; dispose it). */
  net: Network;
  /** For every group: the indices (in the input network's numbering) of the surviving units. */
  kept: Map<string, Int32Array>;
}

/**
 * The compact network of `net` under `options` (see the module docs).
 *
 * @example Remove half of LeNet-300-100's hidden units
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { Network } from "./network.ts";
 * import { getArch } from "./registry.ts";
 * import { compact } from "./compact.ts";
 * await tf.setBackend("cpu");
 * const net = new Network(getArch("lenet-300-100"), { seed: 1 });
 * const half = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 2);
 * const small = compact(net, { keep: new Map([["fc1", half(300)], ["fc2", half(100)]]) });
 * if (small.widths().join() !== "784,150,50") throw new Error(small.widths().join());
 * small.dispose(); net.dispose();
 * ```
 *
 * @param net The trained (gated, masked) network; left unchanged.
 * @param options Keep masks, weight masks and eval gates.
 * @returns The compact network.
 */
export function compact(net: Network, options: CompactOptions = {}): Network {
  return compactWithIndices(net, options).net;
}

/**
 * Like {@linkcode compact}, also returning the surviving units' original indices per group.
 *
 * @param net The trained network; left unchanged.
 * @param options Keep masks, weight masks and eval gates.
 * @returns The compact network and the kept indices.
 * @throws {RangeError} On invalid masks or gates, or when every unit of a group is pruned.
 */
export function compactWithIndices(net: Network, options: CompactOptions = {}): CompactResult {
  validateMasks(net, options);
  const keep = effectiveKeep(net, options.keep);
  for (const [id, z] of options.gates ?? []) validateGate(net.group(id), z, keep.get(id)!);
  for (const g of net.groups) {
    if (!keep.get(g.id)!.includes(1)) {
      throw new RangeError(
        `Cannot compact network "${net.arch.id}": every unit of group "${g.id}" is pruned (layer collapse)`,
      );
    }
  }
  const c = net.clone();
  try {
    tf.tidy(() => {
      for (const [id, z] of options.gates ?? []) foldGate(c, c.group(id), z);
      for (const [name, m] of options.weights ?? []) {
        const v = c.params.get(name)!;
        v.assign(tf.mul(v, tf.tensor(Float32Array.from(m), v.shape)));
      }
    });
    const orig = new Map(
      c.groups.map((g) => [g.id, Int32Array.from({ length: g.size }, (_, i) => i)]),
    );
    for (const g of c.groups) {
      const want = keep.get(g.id)!, at = orig.get(g.id)!;
      const idx: number[] = [];
      for (let j = 0; j < g.size; j++) if (want[at[j]]) idx.push(j);
      if (idx.length === g.size) continue;
      const plan = c.removeUnits(g.id, idx);
      for (const [id, kept] of plan.kept) orig.set(id, kept.map((j) => orig.get(id)![j]));
    }
    return { net: c, kept: orig };
  } catch (e) {
    c.dispose();
    throw e;
  }
}

function validateGate(g: GateGroup, z: Float32Array, keep: Uint8Array): void {
  if (z.length !== g.size) {
    throw new RangeError(
      `Invalid eval gate for group "${g.id}": expected length ${g.size}, got ${z.length}`,
    );
  }
  for (let u = 0; u < z.length; u++) {
    if (!keep[u]) continue;
    if (!Number.isFinite(z[u]) || (g.kind !== "input" && z[u] < 0)) {
      throw new RangeError(
        `Cannot fold the eval gate of group "${g.id}": unit ${u} has value ${z[u]}; ` +
          `kept units need finite gates${
            g.kind === "input" ? "" : " ≥ 0 (a gate after ReLU folds only when non-negative)"
          }`,
      );
    }
  }
}

/** Multiplies the slices of `g` that carry its gate by `z` (inside a tidy). */
function foldGate(net: Network, g: GateGroup, z: Float32Array): void {
  let slices: readonly ParamSlice[];
  if (g.kind === "input") slices = g.consumers;
  else {
    const bn = g.producers.some((s) => net.role(s.param) === "bn-gamma");
    slices = g.producers.filter((s) => {
      const r = net.role(s.param);
      return bn ? r === "bn-gamma" || r === "bn-beta" : r === "weight" || r === "bias";
    });
  }
  for (const s of slices) {
    const v = net.params.get(s.param)!;
    const shape = v.shape.map((d, a) => (a === s.axis ? d : 1));
    const f = Float32Array.from(s.labels, (u) => z[u]);
    v.assign(tf.mul(v, tf.tensor(f, shape)));
  }
}
