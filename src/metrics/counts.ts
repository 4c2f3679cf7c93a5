/**
 * Parameter and MAC counts of a network: dense (initial architecture), masked (pruned entries
 * excluded) and compact (the physically shrunk network; count a compacted {@linkcode Network}).
 *
 * Conventions (per compute layer; pooling, ReLU, flatten, gathers and residual additions cost
 * nothing):
 * - **Parameters**: every entry of the weight, the bias and BN's γ and β (2 per channel). BN's
 *   running mean and variance are buffers, not parameters.
 * - **MACs** (multiply-accumulates, not FLOPs; 1 MAC ≈ 2 FLOPs) for one example:
 *   dense layer `#weights`; convolution `#weights · H_out · W_out`; batch normalisation
 *   `C · H_out · W_out` (one multiply-add per output element once folded into scale and shift).
 *   Biases count as parameters but not as MACs.
 * - **Masked** counts use the *effective* structured keep masks ({@linkcode effectiveKeep}: units
 *   made dead by an overlapping group count as pruned) and the unstructured weight masks: a weight
 *   entry counts iff every mask keeps it (it is a non-zero entry of the effective weight
 *   `w ⊙ m`); a bias or BN entry counts iff its unit is kept. So masked MACs =
 *   non-zero weights × output positions (+ BN MACs of kept channels). Entries whose stored value
 *   happens to be 0 but that no mask removes still count; to exclude them too, pass
 *   {@linkcode nonZeroWeightMasks} as the weight masks.
 * - **Compact** counts are the dense-style counts of the compacted network: every stored entry,
 *   including zeros left inside kept units by unstructured masks (tfjs has no sparse kernels).
 * - **Training cost** (`train_macs` of `runs.csv`, the `macs_fwd` log of `vbp`): the forward MACs
 *   of the network's *current* shapes ({@linkcode countMacs} of the network, so removed units cost
 *   nothing) × {@linkcode TRAIN_MAC_FACTOR} per example; its dense reference is
 *   {@linkcode countMacs} of the architecture (the shapes the network was built with). This is
 *   the one MAC convention of the project: there is no second counter.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import { inferShapes, type LayerInfo } from "../models/build.ts";
import type { ArchSpec } from "../models/spec.ts";
import { Network } from "../models/network.ts";
import {
  axisKeep,
  effectiveKeep,
  keptCount,
  type PruneMasks,
  validateMasks,
} from "../models/masks.ts";

/** Backward ≈ 2× forward, so one training step costs ≈ 3 forward passes (per example). */
export const TRAIN_MAC_FACTOR = 3;

/** Cost of one compute layer. */
export interface LayerCost {
  /** Layer name. */
  layer: string;
  /** Parameters (weight + bias + BN γ, β). */
  params: number;
  /** MACs per example (weights × output positions + BN output elements). */
  macs: number;
}

/**
 * Per-layer parameters and MACs of a network (current shapes) or of an architecture (initial
 * shapes), optionally under masks (networks only).
 *
 * @param model A network or an architecture spec.
 * @param masks Structured and unstructured keep masks (see the module docs).
 * @returns One entry per compute layer, in forward order.
 */
export function layerCosts(model: Network | ArchSpec, masks?: PruneMasks): LayerCost[] {
  if (!(model instanceof Network)) {
    if (masks) {
      throw new TypeError("Cannot count masked sizes of an architecture spec: pass a Network");
    }
    const s = inferShapes(model);
    const shapes = new Map(s.params.map((p) => [p.name, p.shape]));
    return s.layers.map((l) => costOf(l, (n) => size(shapes.get(n)!)));
  }
  const net = model;
  if (masks) validateMasks(net, masks);
  const keep = masks ? effectiveKeep(net, masks.keep) : null;
  const count = (name: string) => {
    const v = net.params.get(name)!;
    if (!keep) return v.size;
    return keptCount(v.shape, axisKeep(net, name, keep), masks?.weights?.get(name));
  };
  return net.layers.map((l) => costOf(l, count));
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function costOf(l: LayerInfo, shapeCount: (n: string) => number): LayerCost {
  const hw = l.outHW[0] * l.outHW[1];
  const w = shapeCount(l.weight);
  let params = w, macs = w * hw;
  if (l.bias) params += shapeCount(l.bias);
  if (l.bn) {
    const c = shapeCount(l.bn.gamma);
    params += c + shapeCount(l.bn.beta);
    macs += c * hw;
  }
  return { layer: l.name, params, macs };
}

/**
 * Total parameters (see the module docs for what counts).
 *
 * @example Dense LeNet-300-100
 * ```ts
 * import { countParams } from "./counts.ts";
 * import { getArch } from "../models/registry.ts";
 * if (countParams(getArch("lenet-300-100")) !== 266_610) throw new Error();
 * ```
 *
 * @param model A network (current shapes) or an architecture (initial shapes).
 * @param masks Optional keep masks (networks only).
 * @returns The parameter count.
 */
export function countParams(model: Network | ArchSpec, masks?: PruneMasks): number {
  return layerCosts(model, masks).reduce((a, c) => a + c.params, 0);
}

/**
 * Total MACs per example (see the module docs for what counts).
 *
 * @example Dense LeNet-300-100: 784·300 + 300·100 + 100·10
 * ```ts
 * import { countMacs } from "./counts.ts";
 * import { getArch } from "../models/registry.ts";
 * if (countMacs(getArch("lenet-300-100")) !== 266_200) throw new Error();
 * ```
 *
 * @param model A network (current shapes) or an architecture (initial shapes).
 * @param masks Optional keep masks (networks only).
 * @returns The MAC count.
 */
export function countMacs(model: Network | ArchSpec, masks?: PruneMasks): number {
  return layerCosts(model, masks).reduce((a, c) => a + c.macs, 0);
}

/**
 * Unstructured masks marking the non-zero entries of every weight tensor (reads the values
 * asynchronously, so it works on every backend). Use as `weights` to exclude stored zeros.
 *
 * @param net The network.
 * @returns A mask per layer weight.
 */
export async function nonZeroWeightMasks(net: Network): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const l of net.layers) {
    const t = tf.tidy(() => tf.cast(tf.notEqual(net.params.get(l.weight)!, 0), "int32"));
    const d = await t.data();
    t.dispose();
    out.set(l.weight, Uint8Array.from(d));
  }
  return out;
}
