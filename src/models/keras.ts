/**
 * A TensorFlow.js Layers (Keras-style) model equivalent to a {@linkcode Network} in evaluation
 * mode, for export. Gates are not represented: export a compacted network (gates folded in).
 *
 * Mapping: conv2d → `Conv2D` (+ `BatchNormalization` with ε = 1e-5 and the running statistics)
 * (+ `ReLU`); dense → `Dense` (ReLU or linear); pools → `MaxPooling2D` / `AveragePooling2D`
 * ("valid"); globalavgpool → `GlobalAveragePooling2D`; flatten → `Flatten` (channels-last, the
 * same order as `Network`'s reshape); residual → body and shortcut branches joined by `Add`
 * (+ `ReLU`). A dense layer with an input selection (input units removed from an `input` group)
 * gets its weight expanded back to the full incoming width with zero rows, since Keras has no
 * gather layer; the zero rows cost storage but keep the model a plain Keras graph.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { Network } from "./network.ts";
import type { LayerSpec } from "./spec.ts";

/** A Keras-safe layer name. */
function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, "_");
}

/** Layers whose weights are set once the model is built, with the functions giving them. */
type Pending = [tf.layers.Layer, () => tf.Tensor[]][];

/**
 * Builds a `tf.LayersModel` computing `net`'s eval-mode logits (no gates), with copies of its
 * current weights. Dispose the model when done.
 *
 * @param net The network (usually compacted).
 * @returns The functional model: input `[null, ...inputShape]`, output `[null, classes]`.
 */
export function toLayersModel(net: Network): tf.LayersModel {
  const pending: Pending = [];
  const input = tf.input({ shape: net.arch.inputShape, name: "input" });
  const output = build(net, pending, net.arch.layers, input);
  const model = tf.model({ inputs: input, outputs: output, name: safe(net.arch.id) });
  for (const [layer, values] of pending) {
    const ws = values();
    layer.setWeights(ws);
    tf.dispose(ws);
  }
  return model;
}

/** Applies the Keras layers of `layers` to `x`; their weights are queued on `pending`. */
function build(
  net: Network,
  pending: Pending,
  layers: LayerSpec[],
  x: tf.SymbolicTensor,
): tf.SymbolicTensor {
  for (const l of layers) {
    switch (l.type) {
      case "flatten":
        // Keras' Flatten needs rank ≥ 3; flat (MLP) inputs are already [batch, features]
        if (x.shape.length > 2) x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
        break;
      case "maxpool":
      case "avgpool": {
        const cfg = { poolSize: l.size, strides: l.stride ?? l.size, padding: "valid" as const };
        const layer = l.type === "maxpool"
          ? tf.layers.maxPooling2d(cfg)
          : tf.layers.averagePooling2d(cfg);
        x = layer.apply(x) as tf.SymbolicTensor;
        break;
      }
      case "globalavgpool":
        x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
        break;
      case "dense":
        x = buildDense(net, pending, l, x);
        break;
      case "conv2d":
        x = buildConv(net, pending, l, x);
        break;
      case "residual": {
        const body = build(net, pending, l.body, x);
        const sc = l.shortcut.length ? build(net, pending, l.shortcut, x) : x;
        x = tf.layers.add({ name: safe(`${l.name}_add`) }).apply([body, sc]) as tf.SymbolicTensor;
        if (l.activation === "relu") {
          x = tf.layers.reLU({ name: safe(`${l.name}_relu`) }).apply(x) as tf.SymbolicTensor;
        }
        break;
      }
    }
  }
  return x;
}

function buildDense(
  net: Network,
  pending: Pending,
  l: Extract<LayerSpec, { type: "dense" }>,
  x: tf.SymbolicTensor,
): tf.SymbolicTensor {
  const p = (n: string) => net.params.get(n)!;
  const w = p(`${l.name}.w`);
  const hasBias = net.params.has(`${l.name}.b`);
  const layer = tf.layers.dense({
    units: w.shape[1]!,
    activation: l.activation === "relu" ? "relu" : "linear",
    useBias: hasBias,
    name: safe(l.name),
  });
  const incoming = x.shape[1]!;
  const sel = net.inputSelection.get(l.name);
  x = layer.apply(x) as tf.SymbolicTensor;
  pending.push([layer, () => {
    const kernel = sel ? expandRows(w, sel, incoming) : w.clone();
    return hasBias ? [kernel, p(`${l.name}.b`).clone()] : [kernel];
  }]);
  return x;
}

function buildConv(
  net: Network,
  pending: Pending,
  l: Extract<LayerSpec, { type: "conv2d" }>,
  x: tf.SymbolicTensor,
): tf.SymbolicTensor {
  const p = (n: string) => net.params.get(n)!;
  const b = (n: string) => net.buffers.get(n)!;
  const w = p(`${l.name}.w`);
  const hasBias = l.bias ?? true;
  const conv = tf.layers.conv2d({
    filters: w.shape[3]!,
    kernelSize: w.shape[0]!,
    strides: l.stride ?? 1,
    padding: l.padding,
    useBias: hasBias,
    name: safe(l.name),
  });
  x = conv.apply(x) as tf.SymbolicTensor;
  pending.push([
    conv,
    () => (hasBias ? [w.clone(), p(`${l.name}.b`).clone()] : [w.clone()]),
  ]);
  if (l.batchNorm) {
    const bn = tf.layers.batchNormalization({
      axis: -1,
      epsilon: 1e-5,
      name: safe(`${l.name}_bn`),
    });
    x = bn.apply(x) as tf.SymbolicTensor;
    pending.push([bn, () =>
      [`gamma`, `beta`].map((s) => p(`${l.name}.${s}`).clone())
        .concat([b(`${l.name}.mean`).clone(), b(`${l.name}.var`).clone()])]);
  }
  if (l.activation === "relu") {
    x = tf.layers.reLU({ name: safe(`${l.name}_relu`) }).apply(x) as tf.SymbolicTensor;
  }
  return x;
}

/** `w` [rows, units] expanded to [incoming, units]: row `sel[r]` = `w[r]`, other rows zero. */
function expandRows(w: tf.Tensor, sel: Int32Array, incoming: number): tf.Tensor {
  const idx = new Int32Array(incoming).fill(w.shape[0]!);
  sel.forEach((pos, r) => (idx[pos] = r));
  return tf.tidy(() => {
    const ext = tf.concat([w, tf.zeros([1, w.shape[1]!])], 0);
    return tf.gather(ext, tf.tensor1d(idx, "int32"), 0);
  });
}
