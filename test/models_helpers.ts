/**
 * Shared helpers of the models, metrics and training tests: a tiny gated MLP, a real MNIST
 * batch, random masks and gates, random BN statistics and the gated eval forward that compaction
 * must reproduce.
 *
 * @module
 */
import * as tf from "../src/deps/tfjs.ts";
import { gunzipSync } from "node:zlib";
import type { Network } from "../src/models/network.ts";
import { Rng } from "../src/util/rng.ts";
import type { ArchSpec } from "../src/models/spec.ts";

/** A tiny MLP (6 inputs, gated hidden layers of 8 and 5 units, 3 classes) for training tests. */
export const GATED_MLP: ArchSpec = {
  id: "mlp",
  inputShape: [6],
  numClasses: 3,
  layers: [
    { type: "dense", name: "fc1", units: 8, activation: "relu", gated: true },
    { type: "dense", name: "fc2", units: 5, activation: "relu", gated: true },
    { type: "dense", name: "fc3", units: 3, activation: "none" },
  ],
};

/** The first `n` MNIST test images (from test/data) as [n, 28, 28, 1] in [0, 1]. */
export function mnistBatch(n: number): tf.Tensor {
  const url = new URL("./data/mnist-t10k-first100-images-idx3-ubyte.gz", import.meta.url);
  const raw = gunzipSync(Deno.readFileSync(url));
  const px = Float32Array.from(raw.subarray(16, 16 + n * 784), (v) => v / 255);
  return tf.tensor4d(px, [n, 28, 28, 1]);
}

/** An input batch for `net`: MNIST for 28×28×1 nets, uniform [0, 1) otherwise. */
export function inputBatch(net: Network, n: number, seed = 3): tf.Tensor {
  const s = net.arch.inputShape;
  if (s.join() === "28,28,1") return mnistBatch(n);
  return tf.randomUniform([n, ...s], 0, 1, "float32", seed);
}

/** Random masks (about `p` kept, at least one per group), gates in (0, 1] and weight masks. */
export interface RandomPrune {
  /** Keep masks. */
  keep: Map<string, Uint8Array>;
  /** Eval gates (0 for pruned units). */
  gates: Map<string, Float32Array>;
  /** Unstructured masks of every layer weight. */
  weights: Map<string, Uint8Array>;
}

/** Draws random masks and gates for every group and weight of `net`. */
export function randomPrune(net: Network, seed: number, p = 0.5, pw = 0.8): RandomPrune {
  const rng = new Rng(seed, 11);
  const keep = new Map<string, Uint8Array>(), gates = new Map<string, Float32Array>();
  for (const g of net.groups) {
    const m = Uint8Array.from({ length: g.size }, () => (rng.next() < p ? 1 : 0));
    m[Math.floor(rng.next() * g.size)] = 1;
    keep.set(g.id, m);
    gates.set(g.id, Float32Array.from(m, (k) => (k ? 0.05 + 0.95 * rng.next() : 0)));
  }
  const weights = new Map<string, Uint8Array>();
  for (const l of net.layers) {
    const n = net.params.get(l.weight)!.size;
    weights.set(l.weight, Uint8Array.from({ length: n }, () => (rng.next() < pw ? 1 : 0)));
  }
  return { keep, gates, weights };
}

/** Sets biases, BN running statistics and BN γ, β to random non-trivial values. */
export function randomizeStats(net: Network, seed: number): void {
  const rng = new Rng(seed, 13);
  const set = (v: tf.Variable, lo: number, hi: number) =>
    tf.tidy(() =>
      v.assign(
        tf.tensor(
          Float32Array.from({ length: v.size }, () => lo + (hi - lo) * rng.next()),
          v.shape,
        ),
      )
    );
  for (const l of net.layers) {
    if (l.bias) set(net.params.get(l.bias)!, -0.1, 0.1);
    if (!l.bn) continue;
    set(net.buffers.get(l.bn.mean)!, -0.2, 0.2);
    set(net.buffers.get(l.bn.variance)!, 0.5, 1.5);
    set(net.params.get(l.bn.gamma)!, 0.5, 1.5);
    set(net.params.get(l.bn.beta)!, -0.2, 0.2);
  }
}

/** Eval logits of `net` with the gates and weight masks of `pr` applied (call inside a tidy). */
export function gatedForward(net: Network, x: tf.Tensor, pr: RandomPrune): tf.Tensor {
  return net.forward(x, {
    gate: (id) => tf.tensor1d(pr.gates.get(id)!),
    param: (name, v) => {
      const m = pr.weights.get(name);
      return m ? tf.mul(v, tf.tensor(Float32Array.from(m), v.shape)) : v;
    },
  });
}

/** Max |a − b| of two tensors of the same shape (disposes nothing it was given). */
export async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0];
  d.dispose();
  return v;
}
