/**
 * Architecture strings: the kept units of every gate group in forward order joined by `-`, the
 * way the L0 paper writes pruned architectures (e.g. `219-214-100` for LeNet-300-100: kept inputs
 * of fc1, units of fc1, units of fc2; the dense LeNet-5-Caffe is `20-50-800-500`).
 *
 * @module
 */
import type { Network } from "../models/network.ts";
import { effectiveKeep } from "../models/masks.ts";

/** Options of {@linkcode archString}. */
export interface ArchStringOptions {
  /**
   * Count units made dead by overlapping groups as pruned (e.g. fc1 inputs whose conv2 filter is
   * pruned), i.e. the widths compaction produces. `false` counts the masks as given (what a method
   * reports). @default false
   */
  effective?: boolean;
}

/**
 * Kept units per group as a string.
 *
 * @example
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { Network } from "../models/network.ts";
 * import { getArch } from "../models/registry.ts";
 * import { archString } from "./arch_string.ts";
 * await tf.setBackend("cpu");
 * const net = new Network(getArch("lenet-5-caffe"));
 * if (archString(net) !== "20-50-800-500") throw new Error(archString(net));
 * net.dispose();
 * ```
 *
 * @param net The network (group sizes are its current sizes).
 * @param keep Keep masks per group (absent = all kept).
 * @param options See {@linkcode ArchStringOptions}.
 * @returns E.g. `219-214-100`.
 */
export function archString(
  net: Network,
  keep: ReadonlyMap<string, Uint8Array> = new Map(),
  options: ArchStringOptions = {},
): string {
  const masks = options.effective ? effectiveKeep(net, keep) : keep;
  return net.groups.map((g) => {
    const m = masks.get(g.id);
    return m ? m.reduce((s, v) => s + (v ? 1 : 0), 0) : g.size;
  }).join("-");
}
