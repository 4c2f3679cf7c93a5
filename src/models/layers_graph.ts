/**
 * The layer graph of a user's `tf.LayersModel`, as {@linkcode fromLayersModel} reads it: a chain
 * of layers whose only branches are residual blocks (a fork whose two paths meet again in an
 * `Add`), with the supported-layer check and its refusal message.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";

/** Layer classes the importer accepts. */
export const SUPPORTED_LAYERS: readonly string[] = [
  "InputLayer",
  "Dense",
  "Conv2D",
  "BatchNormalization",
  "ReLU",
  "Activation",
  "Softmax",
  "MaxPooling2D",
  "AveragePooling2D",
  "GlobalAveragePooling2D",
  "Flatten",
  "Dropout",
  "SpatialDropout2D",
  "Add",
];

/** The refusal message for a layer the importer cannot map. */
export function refuse(layer: tf.layers.Layer, why: string): never {
  throw new TypeError(
    `Cannot import layer "${layer.name}" (${layer.getClassName()}): ${why}. Supported layers: ` +
      `${SUPPORTED_LAYERS.join(", ")} (ReLU/linear activations; softmax only at the output; Add ` +
      `only joining the two paths of a residual block)`,
  );
}

/** A residual block: `add(body(x), shortcut(x))`. */
export interface ResidualItem {
  /** The `Add` layer. */
  add: tf.layers.Layer;
  /** The longer path. */
  body: GraphItem[];
  /** The other path (empty = identity). */
  shortcut: GraphItem[];
}

/** A layer, or a residual block. */
export type GraphItem = tf.layers.Layer | ResidualItem;

/**
 * The model's layers as a chain of items (layers and residual blocks), after checking every
 * layer is supported. Throws naming the first unsupported layer.
 */
export function parseGraph(model: tf.LayersModel): GraphItem[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new TypeError(
      `Cannot import model "${model.name}": it has ${model.inputs.length} inputs and ` +
        `${model.outputs.length} outputs; only single-input, single-output models are supported`,
    );
  }
  const layers = model.layers.filter((l) => l.getClassName() !== "InputLayer");
  for (const l of layers) {
    const cls = l.getClassName();
    if (cls === "Sequential" || cls === "Model" || cls === "Functional") {
      refuse(l, "nested models are not supported; flatten them into one model");
    }
    if (!SUPPORTED_LAYERS.includes(cls)) refuse(l, "this layer kind is not supported");
    if (l.inboundNodes.length > 1) refuse(l, "shared layers (applied twice) are not supported");
  }
  if (model instanceof tf.Sequential) {
    const add = layers.find((l) => l.getClassName() === "Add");
    if (add) refuse(add, "an Add in a Sequential model has nothing to join");
    return layers;
  }
  const inModel = new Set(model.layers);
  const consumers = (l: tf.layers.Layer) =>
    l.outboundNodes.map((n) => n.outboundLayer).filter((c) => inModel.has(c));
  const input = model.layers.find((l) => l.getClassName() === "InputLayer")!;
  const { items, stop } = walk(input, consumers);
  if (stop) refuse(stop, "it joins paths that do not fork from one layer (not a residual block)");
  return items;
}

type Consumers = (l: tf.layers.Layer) => tf.layers.Layer[];

/** Items after `start` until the output, or until an `Add` (returned as `stop`, not consumed). */
function walk(
  start: tf.layers.Layer,
  consumers: Consumers,
): { items: GraphItem[]; stop: tf.layers.Layer | null } {
  const items: GraphItem[] = [];
  let cur = start;
  for (;;) {
    const outs = consumers(cur);
    if (outs.length === 0) return { items, stop: null };
    if (outs.length === 1) {
      if (outs[0].getClassName() === "Add") return { items, stop: outs[0] };
      items.push(outs[0]);
      cur = outs[0];
      continue;
    }
    if (outs.length > 2) {
      refuse(
        outs[2],
        `"${cur.name}" feeds ${outs.length} layers; only 2-way residual forks are supported`,
      );
    }
    const [a, b] = outs.map((o) => branch(o, consumers));
    if (!a.stop || a.stop !== b.stop) {
      refuse(
        outs[0],
        `the two paths leaving "${cur.name}" do not meet in one Add (not a residual block)`,
      );
    }
    const add = a.stop;
    if (add.inboundNodes[0].inboundLayers.length !== 2) {
      refuse(add, "only two-input Add is supported");
    }
    const [body, shortcut] = a.items.length >= b.items.length
      ? [a.items, b.items]
      : [b.items, a.items];
    items.push({ add, body, shortcut });
    cur = add;
  }
}

function branch(first: tf.layers.Layer, consumers: Consumers) {
  if (first.getClassName() === "Add") return { items: [] as GraphItem[], stop: first };
  const r = walk(first, consumers);
  return { items: [first, ...r.items], stop: r.stop };
}
