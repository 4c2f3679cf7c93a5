/**
 * A tiny forward-MAC counter for the training-cost bookkeeping (the full metrics live in
 * `src/metrics/`): conv MACs = outH·outW·kh·kw·cin·cout, dense MACs = in·out, from the
 * network's layer table and the *current* parameter shapes (so removed units cost nothing).
 *
 * @module
 */
import type { Network } from "../models/network.ts";

/** Backward ≈ 2× forward, so one training step costs ≈ 3 forward passes. */
export const TRAIN_MAC_FACTOR = 3;

/**
 * Forward MACs per example. With `initial`, uses the shapes the network was built with (the
 * dense equivalent of a network whose units were removed).
 */
export function forwardMacs(net: Network, initial = false): number {
  let macs = 0;
  for (const l of net.layers) {
    const shape = initial ? net.paramDescs.get(l.weight)!.shape : net.params.get(l.weight)!.shape;
    const weights = shape.reduce((a, b) => a * b, 1);
    macs += l.type === "conv2d" ? l.outHW[0] * l.outHW[1] * weights : weights;
  }
  return macs;
}
