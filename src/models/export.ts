/**
 * Export of a pruned network as a TensorFlow.js LayersModel that `tf.loadLayersModel` reads:
 * `model.json` (Keras-style `modelTopology` + `weightsManifest`), `group1-shard1of1.bin` (float32
 * weights), plus `masks.json` (which units survived). The exported model is the *compact*
 * network ({@linkcode compactWithIndices}): gates folded, pruned units physically removed, so the
 * topology carries the new layer widths and reloads without shape mismatches. See
 * {@linkcode toLayersModel} for the layer mapping (input selections become zero rows).
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import { join } from "node:path";
import type { Network } from "./network.ts";
import { type CompactOptions, compactWithIndices } from "./compact.ts";
import { toLayersModel } from "./keras.ts";

/** File name of the weights shard. */
export const WEIGHTS_FILE = "group1-shard1of1.bin";

/** What {@linkcode exportModel} wrote. */
export interface ExportResult {
  /** Path of `model.json`. */
  modelJson: string;
  /** Path of `masks.json`. */
  masksJson: string;
  /** Bytes of the weights shard. */
  weightsBytes: number;
  /** Bytes of `model.json`. */
  modelJsonBytes: number;
  /** Bytes of model.json + weights (what a consumer downloads; masks.json excluded). */
  totalBytes: number;
  /** Group widths of the exported (compact) network, in group order. */
  widths: number[];
}

/** Content of `masks.json`. */
export interface MasksJson {
  /** Architecture id. */
  arch: string;
  /** Per group: size before compaction and the surviving units' indices (before compaction). */
  groups: Record<string, { size: number; kept: number[] }>;
  /** Per parameter with an unstructured mask: its size and number of kept entries. */
  weights: Record<string, { size: number; kept: number }>;
}

/**
 * Compacts `net` under `options` and writes the result to `dir` (created if needed).
 *
 * @param net The trained network (unchanged).
 * @param dir Output directory.
 * @param options Keep masks, weight masks and eval gates (as for {@linkcode compactWithIndices}).
 * @returns Paths and sizes of what was written.
 *
 * @example Export LeNet-300-100 with half of its first hidden layer's units removed
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { exportModel } from "./export.ts";
 * import { Network } from "./network.ts";
 * import { getArch } from "./registry.ts";
 * await tf.setBackend("cpu");
 * const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
 * const first = net.groups[0];
 * const keep = new Map([[first.id, Uint8Array.from({ length: first.size }, (_, i) => i % 2)]]);
 * const dir = await Deno.makeTempDir();
 * const { widths, totalBytes } = await exportModel(net, dir, { keep });
 * if (widths[0] !== first.size / 2 || !(totalBytes > 0)) throw new Error(`${widths}`);
 * net.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function exportModel(
  net: Network,
  dir: string,
  options: CompactOptions = {},
): Promise<ExportResult> {
  const { net: small, kept } = compactWithIndices(net, options);
  try {
    const model = toLayersModel(small);
    let artifacts: tf.io.ModelArtifacts | null = null;
    try {
      await model.save(tf.io.withSaveHandler((a) => {
        artifacts = a;
        return Promise.resolve({ modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) });
      }));
    } finally {
      model.dispose();
    }
    const a = artifacts as tf.io.ModelArtifacts | null;
    if (!a?.weightData || !a.weightSpecs) {
      throw new Error(`Cannot export "${net.arch.id}": the model produced no weights`);
    }
    const weights = new Uint8Array(new tf.io.CompositeArrayBuffer(a.weightData).slice());
    const modelJson: tf.io.ModelJSON = {
      modelTopology: a.modelTopology as object,
      format: "layers-model",
      generatedBy: a.generatedBy,
      convertedBy: "prunebench",
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: a.weightSpecs }],
    };
    const masks: MasksJson = { arch: net.arch.id, groups: {}, weights: {} };
    for (const g of net.groups) masks.groups[g.id] = { size: g.size, kept: [...kept.get(g.id)!] };
    for (const [name, m] of options.weights ?? []) {
      masks.weights[name] = { size: m.length, kept: m.reduce((s, v) => s + (v ? 1 : 0), 0) };
    }
    const enc = new TextEncoder();
    const jsonBytes = enc.encode(JSON.stringify(modelJson));
    await Deno.mkdir(dir, { recursive: true });
    const paths = { model: join(dir, "model.json"), masks: join(dir, "masks.json") };
    await Deno.writeFile(paths.model, jsonBytes);
    await Deno.writeFile(join(dir, WEIGHTS_FILE), weights);
    await Deno.writeFile(paths.masks, enc.encode(JSON.stringify(masks, null, 1)));
    return {
      modelJson: paths.model,
      masksJson: paths.masks,
      weightsBytes: weights.length,
      modelJsonBytes: jsonBytes.length,
      totalBytes: weights.length + jsonBytes.length,
      widths: small.widths(),
    };
  } finally {
    small.dispose();
  }
}

/**
 * Loads a model written by {@linkcode exportModel} from `dir` with `tf.loadLayersModel` (through
 * `tf.io.fromMemory`, so no `file://` handler is needed). The model's output layer gives
 * **logits** (no softmax): apply `tf.softmax` for class probabilities. Node.js without prunebench:
 * see the README's recipe.
 *
 * @param dir The export directory (holding `model.json` and its weights shard).
 * @returns The loaded model (dispose it).
 *
 * @example Reload an exported network and classify a batch
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { exportModel, loadExportedModel } from "./export.ts";
 * import { Network } from "./network.ts";
 * import { getArch } from "./registry.ts";
 * await tf.setBackend("cpu");
 * const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
 * const dir = await Deno.makeTempDir();
 * await exportModel(net, dir);
 * const model = await loadExportedModel(dir);
 * const logits = model.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
 * if (logits.shape.join() !== "2,10") throw new Error(`${logits.shape}`);
 * const probabilities = tf.softmax(logits);
 * tf.dispose([logits, probabilities]);
 * model.dispose();
 * net.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadExportedModel(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await Deno.readTextFile(join(dir, "model.json"))) as tf.io.ModelJSON;
  const manifest = json.weightsManifest;
  if (manifest.length !== 1 || manifest[0].paths.length !== 1) {
    throw new RangeError(
      `Cannot load the model in "${dir}": expected one weights group with one shard`,
    );
  }
  const bytes = await Deno.readFile(join(dir, manifest[0].paths[0]));
  return await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: manifest[0].weights,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  }));
}
