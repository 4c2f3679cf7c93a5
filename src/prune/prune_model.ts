/**
 * Prune your own model in one call: import a `tf.LayersModel` ({@linkcode fromLayersModel}),
 * fine-tune it with gates of any registered method starting from its pretrained weights, compact
 * it (pruned units physically removed, eval gates folded in) and hand back the smaller
 * LayersModel with before/after accuracy, kept units per layer, params, MACs and latency.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import { bakeEvalTransform } from "../train/bake.ts";
import { evaluate } from "../train/step.ts";
import { join } from "node:path";
import type { Dataset } from "../data/types.ts";
import { fromLayersModel, loadLayersModelFrom } from "../models/from_layers.ts";
import { type CompactOptions, compactWithIndices } from "../models/compact.ts";
import { toLayersModel } from "../models/keras.ts";
import type { Network } from "../models/network.ts";
import type { MethodSpec, PruningMethod } from "../methods/types.ts";
import { getMethod, resolveConfig } from "../methods/registry.ts";
import { train } from "../train/loop.ts";
import { createMethodContext } from "../train/context.ts";
import type { TrainConfig } from "../train/config.ts";
import { disposePoints, type EpochRecord } from "../train/types.ts";
import { countMacs, countParams } from "../metrics/counts.ts";
import { measureLatencies } from "../metrics/latency.ts";
import { ConfigError } from "../util/errors.ts";
import { Rng } from "../util/rng.ts";

/** Options of {@linkcode pruneModel}. */
export interface PruneModelOptions {
  /** A registered method id (`"l0-hc"`, `"dam"`, …) or a method of your own. @default "l0-hc" */
  // deno-lint-ignore no-explicit-any
  method?: string | MethodSpec<any>;
  /** Overrides of the method's defaults (e.g. `{ lambda: 0.5 }`). */
  config?: Record<string, unknown>;
  /** Training epochs. @default 3 */
  epochs?: number;
  /** Minibatch size. @default 64 */
  batchSize?: number;
  /** Any other training option (optimizer: Adam, lr 1e-3 by default). */
  train?: Partial<TrainConfig>;
  /**
   * Learning rate of the method's own variables (gates, DAM's β, …) that would otherwise follow
   * the weights' optimizer. Fine-tuning a pretrained model is short (a few epochs, not the
   * hundreds of the papers' from-scratch runs), so gates move this much faster than the weights.
   * `null` keeps the method's own setting. @default 10 × the weights' learning rate
   */
  gateLr?: number | null;
  /** Operating point to compact, by label. @default the method's first (`final`) */
  point?: string;
  /** Seed of the method's randomness and the data order. @default 0 */
  seed?: number;
  /** Write the pruned model here (`model.json` + `weights.bin`), readable by `tf.loadLayersModel`. */
  outDir?: string;
  /** Latency measurement: batch and timed repeats. @default {batch: 100, repeats: 10} */
  latency?: { batch?: number; repeats?: number };
}

/** Before/after of one gated layer. */
export interface LayerKept {
  /** The Keras layer name. */
  layer: string;
  /** Units (or filters) before. */
  before: number;
  /** Units kept. */
  after: number;
}

/** What {@linkcode pruneModel} returns. */
export interface PruneModelResult {
  /** Method id and operating point. */
  method: string;
  /** Operating point label. */
  point: string;
  /** Test-split accuracy of the imported model, before training. */
  accuracyBefore: number;
  /** Test-split accuracy of the compact model. */
  accuracyAfter: number;
  /** Kept units per gated layer. */
  kept: LayerKept[];
  /** Parameters before/after. */
  params: { before: number; after: number };
  /** Multiply-accumulates per example before/after. */
  macs: { before: number; after: number };
  /** Median eval latency (ms per batch, measured side by side, same random input). */
  latencyMs: { before: number; after: number; batch: number; backend: string };
  /** Per-epoch training history. */
  history: EpochRecord[];
  /** The pruned model, ending with softmax when the input model did (dispose it). */
  model: tf.LayersModel;
  /** The compact network (eval output = `model`'s logits; dispose it). */
  network: Network;
  /** Where the pruned model was written, when `outDir` was given. */
  modelJson?: string;
}

/**
 * Imports `model`, trains it with gates on `data`, compacts and exports it.
 *
 * @param model A `tf.LayersModel` (left unchanged) or the path/URL of its `model.json`.
 * @param data The dataset (e.g. {@linkcode datasetFromArrays}); accuracy is on its test split.
 * @param options Method, its config, training options, export directory.
 * @returns Before/after numbers and the pruned model.
 *
 * @example Prune a small MLP on a synthetic task with L0 gates
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { pruneModel } from "./prune_model.ts";
 * import { teacherTask } from "../data/synthetic.ts";
 * await tf.setBackend("cpu");
 * const data = teacherTask(0);
 * const model = tf.sequential({ layers: [
 *   tf.layers.dense({ inputShape: data.inputShape, units: 32, activation: "relu" }),
 *   tf.layers.dense({ units: data.numClasses }),
 * ] });
 * const r = await pruneModel(model, data, { method: "l0-hc", epochs: 1, latency: { repeats: 2 } });
 * if (!(r.params.after <= r.params.before) || r.kept[0].before !== 32) throw new Error();
 * r.model.dispose(); r.network.dispose(); model.dispose();
 * ```
 */
export async function pruneModel(
  model: tf.LayersModel | string,
  data: Dataset,
  options: PruneModelOptions = {},
): Promise<PruneModelResult> {
  const source = typeof model === "string" ? await loadLayersModelFrom(model) : model;
  const imported = fromLayersModel(source);
  if (source !== model) source.dispose();
  const net = imported.net;
  const spec = typeof options.method === "object"
    ? options.method
    : getMethod(options.method ?? "l0-hc");
  const resolved = resolveConfig(spec, options.config ?? {});
  if (resolved.problems.length) {
    throw new ConfigError(resolved.problems, `config of method "${spec.id}"`);
  }
  const config: TrainConfig = {
    optimizer: { kind: "adam", lr: 1e-3 },
    ...options.train,
    epochs: options.epochs ?? options.train?.epochs ?? 3,
    batchSize: options.batchSize ?? options.train?.batchSize ?? 64,
    seed: options.seed ?? options.train?.seed ?? 0,
  };
  let method: PruningMethod | null = null;
  const reference = net.clone(); // the pretrained, unpruned network
  try {
    const accuracyBefore = await accuracy(net, data, config.normalize);
    const context = createMethodContext(net, data, config, new Rng(config.seed!));
    method = spec.create(context, resolved.config);
    const gateLr = options.gateLr === undefined ? 10 * config.optimizer.lr : options.gateLr;
    if (gateLr !== null) fasterGates(method, config, gateLr);
    const result = await train(net, { method, context }, data, config);
    try {
      const p = options.point === undefined
        ? result.points[0]
        : result.points.find((q) => q.label === options.point);
      if (!p) {
        throw new RangeError(
          `Cannot find operating point "${options.point}": expected one of ${
            result.points.map((q) => `"${q.label}"`).join(", ")
          }`,
        );
      }
      const { baked, gates } = bakeEvalTransform(p.network, p.network === net ? method : null);
      const masks: CompactOptions = { keep: p.keep, weights: p.weights, gates };
      let small: Network;
      try {
        small = compactWithIndices(baked, masks).net;
      } catch (e) {
        if (!(e instanceof RangeError && /layer collapse/.test(e.message))) throw e;
        throw new RangeError(
          `${e.message}: the method removed a whole layer; lower its lambda ` +
            `(config.lambda), gateLr or the epochs`,
        );
      } finally {
        if (baked !== p.network) baked.dispose();
      }
      try {
        return await summarise(imported.outputActivation, imported.sources, reference, small, {
          method: spec.id,
          point: p.label,
          accuracyBefore,
          history: result.history,
          data,
          options,
        });
      } catch (e) {
        small.dispose();
        throw e;
      }
    } finally {
      disposePoints(result, net);
    }
  } finally {
    method?.dispose();
    reference.dispose();
    net.dispose();
  }
}

interface SummaryInput {
  method: string;
  point: string;
  accuracyBefore: number;
  history: EpochRecord[];
  data: Dataset;
  options: PruneModelOptions;
}

async function summarise(
  outputActivation: "softmax" | "linear",
  sources: Record<string, string[]>,
  dense: Network,
  small: Network,
  s: SummaryInput,
): Promise<PruneModelResult> {
  const [before, after] = await measureLatencies([dense, small], {
    batch: s.options.latency?.batch ?? 100,
    repeats: s.options.latency?.repeats ?? 10,
  });
  let out = toLayersModel(small);
  if (outputActivation === "softmax") {
    const soft = tf.layers.activation({ activation: "softmax", name: "softmax" });
    out = tf.model({
      inputs: out.inputs,
      outputs: soft.apply(out.outputs[0]) as tf.SymbolicTensor,
    });
  }
  const result: PruneModelResult = {
    method: s.method,
    point: s.point,
    accuracyBefore: s.accuracyBefore,
    accuracyAfter: await accuracy(small, s.data, s.options.train?.normalize),
    kept: small.groups.map((g) => ({
      layer: sources[g.layer]?.[0] ?? g.layer,
      before: g.initialSize,
      after: g.size,
    })),
    params: { before: countParams(dense), after: countParams(small) },
    macs: { before: countMacs(dense), after: countMacs(small) },
    latencyMs: {
      before: before.medianMs,
      after: after.medianMs,
      batch: before.batch,
      backend: before.backend,
    },
    history: s.history,
    model: out,
    network: small,
  };
  if (s.options.outDir) result.modelJson = await saveLayersModel(out, s.options.outDir);
  return result;
}

/** Gives the method's variable groups that follow the weights' optimizer their own `lr`. */
function fasterGates(method: PruningMethod, config: TrainConfig, lr: number): void {
  const groups = method.variableGroups.bind(method);
  method.variableGroups = () =>
    groups().map((g) =>
      g.optimizer === null
        ? { ...g, optimizer: { ...config.optimizer, lr, weightDecay: g.weightDecay ?? 0 } }
        : g
    );
}

/** Test-split accuracy of a network (eval mode, no gates; `normalize` as in training). */
export async function accuracy(net: Network, data: Dataset, normalize = false): Promise<number> {
  const r = await evaluate(net, () => ({}), data.test, data, { batchSize: 500, normalize });
  return r.acc ?? NaN;
}

/** Writes `model` as `model.json` + `weights.bin` in `dir`; returns the model.json path. */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, "model.json");
  await model.save(tf.io.withSaveHandler(async (a) => {
    const weights = new Uint8Array(new tf.io.CompositeArrayBuffer(a.weightData!).slice());
    const json: tf.io.ModelJSON = {
      modelTopology: a.modelTopology as object,
      format: "layers-model",
      generatedBy: a.generatedBy,
      convertedBy: "prunebench",
      weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs! }],
    };
    await Deno.writeTextFile(path, JSON.stringify(json));
    await Deno.writeFile(join(dir, "weights.bin"), weights);
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
  }));
  return path;
}
