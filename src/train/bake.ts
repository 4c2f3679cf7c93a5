/**
 * The evaluated network of a trained method, made explicit: the method's eval-mode parameter
 * transform written into a copy of the weights, and its eval-mode activation gates per group
 * (compaction folds them into the weights). Used by the harness and by `pruneModel`.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { Network } from "../models/network.ts";
import type { PruningMethod } from "../methods/types.ts";

/**
 * A copy of `net` with the method's eval-mode parameter transform baked in (`net` itself when the
 * method has none, or there is no method), and the eval-mode gate values per group. The caller
 * disposes `baked` when it is not `net`.
 *
 * @example No method: the network itself and no gates
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { Network } from "../models/network.ts";
 * import { getArch } from "../models/registry.ts";
 * import { bakeEvalTransform } from "./bake.ts";
 * await tf.setBackend("cpu");
 * const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
 * const { baked, gates } = bakeEvalTransform(net, null);
 * if (baked !== net || gates.size !== 0) throw new Error();
 * net.dispose();
 * ```
 */
export function bakeEvalTransform(
  net: Network,
  method: PruningMethod | null,
): { baked: Network; gates: Map<string, Float32Array> } {
  const gates = new Map<string, Float32Array>();
  if (!method) return { baked: net, gates };
  const fo = method.forwardOptions("eval");
  for (const g of net.groups) {
    const v = tf.tidy(() => fo.gate?.(g.id)?.clone() ?? tf.zeros([0]));
    if (v.size > 0) gates.set(g.id, v.dataSync() as Float32Array);
    v.dispose();
  }
  if (!fo.param) return { baked: net, gates };
  const baked = net.clone();
  for (const [name, v] of baked.params) {
    tf.tidy(() => v.assign(fo.param!(name, net.params.get(name)!)));
  }
  return { baked, gates };
}
