/**
 * Import of a user's `tf.LayersModel` (built with tfjs layers, or a Keras model converted with
 * `tensorflowjs_converter`) as a gated {@linkcode Network}: the inverse of `keras.ts`' export.
 *
 * Mapping (a chain of layers; Sequential or functional): `Conv2D` (square kernel and stride,
 * `same`/`valid`, no dilation, channels-last) → conv2d; a `BatchNormalization` right after it →
 * the conv's batch norm (Keras' ε is folded into the running variance: ours is 1e-5); `Dense` on
 * a flat input → dense; a `BatchNormalization` right after a Dense is folded into its weights
 * (eval-exact; it is then fine-tuned as part of the layer); `ReLU`/`Activation("relu")`/
 * `activation: "relu"` → the preceding compute layer's activation (moved back over MaxPooling2D,
 * Flatten and Dropout, with which ReLU commutes); `MaxPooling2D`/`AveragePooling2D` (square,
 * `valid`); `GlobalAveragePooling2D`; `Flatten`; `Dropout`/`SpatialDropout2D` → identity (eval
 * mode); a final `softmax` (activation of the last Dense or a last `Activation`/`Softmax` layer)
 * → logits plus `outputActivation: "softmax"`; residual blocks (a fork whose two paths meet in
 * an `Add`, optionally followed by ReLU; identity or projection shortcut) → residual specs. Every
 * hidden Dense/Conv2D gets a gate group, except those whose channels flow into a residual addition
 * (the engine would need tied masks): the layer feeding a block and the last Dense/Conv2D of each
 * of its paths. Anything else is refused before any weight is read, naming the layer, its class
 * and the supported kinds (see `layers_graph.ts`).
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ArchSpec, ConvSpec, DenseSpec, LayerSpec } from "./spec.ts";
import { parseGraph, SUPPORTED_LAYERS } from "./layers_graph.ts";
import { Converter } from "./from_layers_convert.ts";

export { SUPPORTED_LAYERS };
import { Network } from "./network.ts";

/** Options of {@linkcode fromLayersModel}. */
export interface FromLayersOptions {
  /** Architecture id of the imported network. @default the model's name */
  id?: string;
  /** Put a gate group on every hidden Dense/Conv2D layer. @default true */
  gated?: boolean;
}

/** What {@linkcode fromLayersModel} returns. */
export interface ImportedModel {
  /** The architecture (initial widths = the model's). */
  arch: ArchSpec;
  /** The network holding the model's weights (dispose it). */
  net: Network;
  /** `softmax` when the model ends with a softmax: `net` gives its logits. */
  outputActivation: "softmax" | "linear";
  /** Our layer name → the Keras layer names it came from (BN and activations included). */
  sources: Record<string, string[]>;
}

/**
 * Converts `model` into a gated {@linkcode Network} with its weights; the network's eval-mode
 * output equals the model's (its logits when the model ends with softmax).
 *
 * @param model A chain of supported layers (see the module docs); left unchanged.
 * @param options Id and gating.
 * @returns The architecture, the network and the output activation.
 * @throws {TypeError} Naming the first unsupported layer, its class and the supported kinds.
 *
 * @example Import a small CNN and check its outputs
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { fromLayersModel } from "./from_layers.ts";
 * await tf.setBackend("cpu");
 * const model = tf.sequential({ layers: [
 *   tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: "relu" }),
 *   tf.layers.maxPooling2d({ poolSize: 2 }),
 *   tf.layers.flatten(),
 *   tf.layers.dense({ units: 3, activation: "softmax" }),
 * ] });
 * const { net, outputActivation } = fromLayersModel(model);
 * const x = tf.randomNormal([2, 8, 8, 1]);
 * const diff = tf.tidy(() => tf.sub(tf.softmax(net.forward(x)), model.predict(x) as tf.Tensor).abs().max());
 * if (outputActivation !== "softmax" || diff.dataSync()[0] > 1e-5) throw new Error("mismatch");
 * tf.dispose([x, diff]); net.dispose(); model.dispose();
 * ```
 */
export function fromLayersModel(
  model: tf.LayersModel,
  options: FromLayersOptions = {},
): ImportedModel {
  const items = parseGraph(model);
  const inputShape = model.inputs[0].shape.slice(1) as number[];
  if (inputShape.some((d) => d == null)) {
    throw new TypeError(
      `Cannot import model "${model.name}": its input shape [${inputShape}] has unknown sizes`,
    );
  }
  const c = new Converter(options);
  const specs: LayerSpec[] = [];
  c.convert(items, specs);
  const { pending, sources, softmax } = c;
  const output = c.final;
  if (!output) {
    throw new TypeError(`Cannot import model "${model.name}": it has no Dense or Conv2D layer`);
  }
  delete output.spec.gated; // the output layer's units are the classes
  ungateStreams(specs, null);
  const outShape = model.outputs[0].shape;
  if (outShape.length !== 2) {
    throw new TypeError(
      `Cannot import model "${model.name}": its output shape [${outShape}] is not [batch, classes]`,
    );
  }
  const arch: ArchSpec = {
    id: options.id ?? model.name,
    inputShape,
    numClasses: outShape[1] as number,
    layers: specs,
  };
  const net = new Network(arch);
  for (const p of pending) {
    for (const [k, v] of p.values) {
      const store = net.params.get(k) ?? net.buffers.get(k)!;
      store.assign(v);
      v.dispose();
    }
  }
  return { arch, net, outputActivation: softmax ? "softmax" : "linear", sources };
}

/**
 * Removes the gates the engine cannot apply: channels that flow into a residual addition (the
 * producer of a block's input and the last Dense/Conv2D of each of its paths) need tied masks.
 */
function ungateStreams(layers: LayerSpec[], producer: DenseSpec | ConvSpec | null) {
  for (const l of layers) {
    if (l.type === "dense" || l.type === "conv2d") producer = l;
    if (l.type !== "residual") continue;
    if (producer) delete producer.gated;
    for (const path of [l.body, l.shortcut]) {
      const end = ungateStreams(path, producer);
      if (end) delete end.gated;
    }
    producer = null;
  }
  return producer;
}

/**
 * Loads a LayersModel from a `model.json` path, a `file://` URL or an `http(s)://` URL. Local
 * files are read with Deno (every weights group and shard of the manifest) and handed to
 * `tf.loadLayersModel` through `tf.io.fromMemory`, since tfjs has no file handler in Deno.
 *
 * @param source Path or URL of `model.json` (or of its directory).
 * @returns The model (dispose it).
 *
 * @example Save a model with tfjs and load it back from its path
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { loadLayersModelFrom } from "./from_layers.ts";
 * await tf.setBackend("cpu");
 * const dir = await Deno.makeTempDir();
 * const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2 })] });
 * await model.save(tf.io.withSaveHandler(async (a) => {
 *   const weights = [{ paths: ["w.bin"], weights: a.weightSpecs! }];
 *   await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: weights }));
 *   await Deno.writeFile(`${dir}/w.bin`, new Uint8Array(a.weightData as ArrayBuffer));
 *   return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
 * }));
 * const loaded = await loadLayersModelFrom(`${dir}/model.json`);
 * if (loaded.layers.length !== 1) throw new Error();
 * loaded.dispose(); model.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadLayersModelFrom(source: string): Promise<tf.LayersModel> {
  if (/^https?:\/\//.test(source)) return await tf.loadLayersModel(source);
  let path = source.startsWith("file://") ? fileURLToPath(source) : source;
  const info = await Deno.stat(path).catch((e) => {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new TypeError(`Cannot read model "${source}": run Deno with --allow-read=${path}`);
    }
    return null;
  });
  if (!info) {
    throw new TypeError(`Cannot load model "${source}": no such file; give the path of model.json`);
  }
  if (info.isDirectory) path = join(path, "model.json");
  const dir = path.slice(0, Math.max(path.lastIndexOf("/"), 0)) || ".";
  const json = JSON.parse(await Deno.readTextFile(path)) as tf.io.ModelJSON;
  if (!json.modelTopology || !json.weightsManifest) {
    throw new TypeError(
      `Cannot load model "${source}": it is not a LayersModel model.json (no modelTopology/weightsManifest); ` +
        `graph models (tf.loadGraphModel) cannot be pruned`,
    );
  }
  const parts: Uint8Array[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) parts.push(await Deno.readFile(join(dir, p)));
    specs.push(...group.weights);
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const data = new Uint8Array(total);
  let o = 0;
  for (const p of parts) (data.set(p, o), o += p.length);
  return await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: data.buffer,
  }));
}
