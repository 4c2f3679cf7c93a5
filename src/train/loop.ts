/**
 * Training a method: {@linkcode train} runs the training loop ({@linkcode fit}, fit.ts: epochs of
 * seeded batches, one explicit step each, per-epoch evaluation and history, EMA loaded at the end),
 * then evaluates (and fine-tunes, where the method asks) the operating points. Given a method's
 * spec and hyperparameters it creates the method itself; a method created by the caller comes
 * with its context. Either way the context's removal slot is filled by this run only.
 *
 * @example Train LeNet-300-100 (width 0.1) on a tiny random task
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { train } from "./loop.ts";
 * import { denseMethod } from "../methods/dense.ts";
 * import { Network } from "../models/network.ts";
 * import { getArch } from "../models/registry.ts";
 * await tf.setBackend("cpu");
 * const n = 20, split = { x: new Uint8Array(n * 784).fill(9), y: new Uint8Array(n), n };
 * const ds = { id: "tiny", label: "tiny", inputShape: [28, 28, 1], numClasses: 10, source: "", train: split, test: split };
 * const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
 * const r = await train(net, denseMethod(), ds, { epochs: 1, batchSize: 10, optimizer: { kind: "adam", lr: 1e-3 } });
 * if (r.history.length !== 1 || r.steps !== 2 || r.points[0].label !== "final") throw new Error();
 * net.dispose();
 * ```
 *
 * @module
 */
import type { Network } from "../models/network.ts";
import type { PruningMethod } from "../methods/types.ts";
import type { Dataset } from "../data/mod.ts";
import { type ResolvedTrainConfig, resolveTrainConfig, type TrainConfig } from "./config.ts";
import { contextOf, type CreatedMethod, type MethodRecipe, type RemovalSlot } from "./context.ts";
import { fit } from "./fit.ts";
import { evaluatePoints } from "./points.ts";
import type { TrainHooks, TrainResult } from "./types.ts";

export { fit };

/**
 * Trains `net` in place with `method` on `dataset`, then evaluates the method's operating
 * points. Throws `DivergenceError` on a non-finite loss (before updating anything with it) and
 * `ConfigError` on an invalid config. With `ema`, `net` and the method's variables hold the
 * EMA values afterwards (the evaluated model). A method given alone cannot remove units
 * (`ctx.removeUnits` refuses): give it with its context, or let `train` create it.
 *
 * @example Train LeNet-300-100 (width 0.1) on a tiny random task
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { train } from "./loop.ts";
 * import { denseMethod } from "../methods/dense.ts";
 * import { Network } from "../models/network.ts";
 * import { getArch } from "../models/registry.ts";
 * await tf.setBackend("cpu");
 * const n = 20, split = { x: new Uint8Array(n * 784).fill(9), y: new Uint8Array(n), n };
 * const ds = { id: "tiny", label: "tiny", inputShape: [28, 28, 1], numClasses: 10, source: "", train: split, test: split };
 * const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
 * const r = await train(net, denseMethod(), ds, { epochs: 1, batchSize: 10, optimizer: { kind: "adam", lr: 1e-3 } });
 * if (r.history.length !== 1 || r.steps !== 2 || r.points[0].label !== "final") throw new Error();
 * net.dispose();
 * ```
 */
export async function train(
  net: Network,
  method: PruningMethod,
  dataset: Dataset,
  config: TrainConfig,
  hooks?: TrainHooks,
): Promise<TrainResult>;
/**
 * Trains a method the caller created with {@linkcode createMethodContext}`(net, …)`, given with
 * that context: its `removeUnits` reaches this run's state while `train` runs.
 *
 * @example One epoch of L0 gates created by the caller
 * ```ts
 * import { train } from "./loop.ts";
 * import { createMethodContext } from "./context.ts";
 * import { loadDataset } from "../data/mod.ts";
 * import { getMethod, resolveConfig } from "../methods/registry.ts";
 * import { Network } from "../models/network.ts";
 * import { getArch } from "../models/registry.ts";
 * import { initBackend } from "../runtime/backend.ts";
 * import { Rng } from "../util/rng.ts";
 * await initBackend("cpu");
 * const data = await loadDataset("synthetic:teacher", { trainLimit: 200, testLimit: 100 });
 * const io = { inputShape: data.inputShape, outputs: data.numClasses };
 * const net = new Network(getArch("lenet-300-100", 0.1, io), { seed: 1 });
 * const config = { epochs: 1, batchSize: 50, optimizer: { kind: "adam" as const, lr: 1e-3 } };
 * const spec = getMethod("l0-hc");
 * const context = createMethodContext(net, data, config, new Rng(1));
 * const method = spec.create(context, resolveConfig(spec, {}).config);
 * const { history, points } = await train(net, { method, context }, data, config);
 * if (history.length !== 1 || !(points[0].acc! > 0)) throw new Error("expected one epoch");
 * method.dispose();
 * net.dispose();
 * ```
 */
export async function train(
  net: Network,
  created: CreatedMethod,
  dataset: Dataset,
  config: TrainConfig,
  hooks?: TrainHooks,
): Promise<TrainResult>;
/**
 * Creates the method from its spec and resolved hyperparameters (`recipe`) with a context whose
 * `removeUnits` reaches this run's state, trains it like the other overloads, and returns it with
 * the result: the caller disposes it (it is disposed here when training throws).
 *
 * @example One epoch of L0 gates created by `train`
 * ```ts
 * import { train } from "./loop.ts";
 * import { loadDataset } from "../data/mod.ts";
 * import { getMethod, resolveConfig } from "../methods/registry.ts";
 * import { Network } from "../models/network.ts";
 * import { getArch } from "../models/registry.ts";
 * import { initBackend } from "../runtime/backend.ts";
 * import { Rng } from "../util/rng.ts";
 * await initBackend("cpu");
 * const data = await loadDataset("synthetic:teacher", { trainLimit: 200, testLimit: 100 });
 * const io = { inputShape: data.inputShape, outputs: data.numClasses };
 * const net = new Network(getArch("lenet-300-100", 0.1, io), { seed: 1 });
 * const config = { epochs: 1, batchSize: 50, optimizer: { kind: "adam" as const, lr: 1e-3 } };
 * const spec = getMethod("l0-hc");
 * const recipe = { spec, config: resolveConfig(spec, {}).config, rng: new Rng(1) };
 * const { history, method } = await train(net, recipe, data, config);
 * if (history.length !== 1) throw new Error("expected one epoch");
 * method.dispose();
 * net.dispose();
 * ```
 */
export async function train<C extends object>(
  net: Network,
  recipe: MethodRecipe<C>,
  dataset: Dataset,
  config: TrainConfig,
  hooks?: TrainHooks,
): Promise<TrainResult & { method: PruningMethod }>;
export async function train<C extends object>(
  net: Network,
  given: PruningMethod | CreatedMethod | MethodRecipe<C>,
  dataset: Dataset,
  config: TrainConfig,
  hooks: TrainHooks = {},
): Promise<TrainResult & { method?: PruningMethod }> {
  const cfg = resolveTrainConfig(config);
  if ("context" in given) {
    if (given.context.net !== net) {
      throw new RangeError(
        "Cannot train a method whose context was made for another network: create the context " +
          "with createMethodContext(net, …) of the network given to train()",
      );
    }
    return await trainCreated(net, given.method, dataset, cfg, hooks, given.context.removal);
  }
  if (!("spec" in given)) return await trainCreated(net, given, dataset, cfg, hooks);
  const ctx = contextOf(net, dataset, cfg, given.rng);
  const method = given.spec.create(ctx, given.config);
  try {
    return { ...await trainCreated(net, method, dataset, cfg, hooks, ctx.removal), method };
  } catch (e) {
    method.dispose();
    throw e;
  }
}

/** {@linkcode train} of a created method with a resolved config. */
async function trainCreated(
  net: Network,
  method: PruningMethod,
  dataset: Dataset,
  cfg: ResolvedTrainConfig,
  hooks: TrainHooks,
  slot?: RemovalSlot,
): Promise<TrainResult> {
  const run = await fit(net, method, dataset, cfg, hooks, slot);
  const fineTuneCfg = {
    ...cfg,
    optimizer: cfg.fineTune.optimizer,
    schedule: cfg.fineTune.schedule,
    ema: null,
  };
  const points = await evaluatePoints(net, method, dataset, cfg, async (clone, masked, epochs) => {
    await fit(clone, masked, dataset, { ...fineTuneCfg, epochs, evalEvery: epochs }, {}); // history not reported
  });
  return { ...run, points };
}
