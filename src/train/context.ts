/**
 * The {@linkcode MethodContext} given to a method at creation, and conditional computation
 * during training: `ctx.removeUnits` shrinks the network, the optimizer state and the EMA
 * shadows, then lets the method shrink its own per-unit variables.
 *
 * Given a method's spec and hyperparameters ({@linkcode MethodRecipe}), {@linkcode train} creates
 * the method and its context itself, and the context's `removeUnits` reaches the run's optimizer
 * and EMA directly (a {@linkcode RemovalSlot} owned by that run). A context made beforehand with
 * {@linkcode createMethodContext} (methods created by the caller) finds the run through the
 * network instead: its `removeUnits` works while {@linkcode train} runs on that network.
 *
 * @module
 */
import type { MethodContext, MethodSpec, PruningMethod } from "../methods/types.ts";
import type { Network } from "../models/network.ts";
import type { RemovalPlan } from "../models/groups.ts";
import type { Dataset } from "../data/mod.ts";
import type { Rng } from "../util/rng.ts";
import {
  type ResolvedTrainConfig,
  resolveTrainConfig,
  stepPlan,
  type TrainConfig,
} from "./config.ts";
import type { Optimizer } from "./optimizers.ts";
import type { Ema } from "./ema.ts";
import { methodKey } from "./step.ts";

/** Removes units of a group during a run (see {@linkcode removeUnitsInTraining}). */
export type Remover = (groupId: string, keep: ArrayLike<number>) => void;

/** Where a run puts its removal while it trains (`null` outside training). */
export interface RemovalSlot {
  /** The running training's removal, or `null`. */
  remove: Remover | null;
}

/** A method for {@linkcode train} to create: its spec, resolved hyperparameters and random stream. */
export interface MethodRecipe<C extends object = Record<string, unknown>> {
  /** The method's spec (its `create` is called with the run's context). */
  spec: MethodSpec<C>;
  /** Resolved hyperparameters. */
  config: C;
  /** The method's random stream (the context's `rng`). */
  rng: Rng;
}

/** Removal of the runs started on a network whose method was created by the caller. */
const bound = new WeakMap<Network, Remover>();

/**
 * Creates the context of a method for training `net` on `dataset` with `config`.
 *
 * @example
 * ```ts
 * import { createMethodContext } from "./context.ts";
 * import { Network } from "../models/network.ts";
 * import { getArch } from "../models/registry.ts";
 * import { Rng } from "../util/rng.ts";
 * import * as tf from "../deps/tfjs.ts";
 * await tf.setBackend("cpu");
 * const net = new Network(getArch("lenet-300-100", 0.1));
 * const ds = { id: "x", label: "x", inputShape: [784], numClasses: 10, source: "",
 *   train: { x: new Float32Array(0), y: new Uint8Array(0), n: 250 }, test: { x: new Float32Array(0), y: new Uint8Array(0), n: 0 } };
 * const ctx = createMethodContext(net, ds, { epochs: 2, batchSize: 100, optimizer: { kind: "adam", lr: 1e-3 } }, new Rng(1));
 * if (ctx.stepsPerEpoch !== 3 || ctx.trainSize !== 250) throw new Error();
 * net.dispose();
 * ```
 */
export function createMethodContext(
  net: Network,
  dataset: Dataset,
  config: TrainConfig,
  rng: Rng,
): MethodContext {
  return contextOf(net, dataset, resolveTrainConfig(config), rng, () => bound.get(net) ?? null);
}

/**
 * The context of a run whose removal is `removal()` (used by {@linkcode train} with a
 * {@linkcode RemovalSlot} of its own).
 */
export function contextOf(
  net: Network,
  dataset: Dataset,
  cfg: ResolvedTrainConfig,
  rng: Rng,
  removal: () => Remover | null,
): MethodContext {
  const plan = stepPlan(dataset, cfg);
  return {
    net,
    rng,
    trainSize: dataset.train.n,
    epochs: cfg.epochs,
    stepsPerEpoch: plan.stepsPerEpoch,
    removeUnits(groupId: string, keep: ArrayLike<number>): void {
      const remove = removal();
      if (!remove) {
        throw new Error(
          `Cannot remove units of group "${groupId}": units can be removed only while train() runs on this network`,
        );
      }
      remove(groupId, keep);
    },
  };
}

/**
 * Binds a training run's removal to `net` (used by `train`) and, when given, to the run's own
 * `slot`; returns the unbinding function.
 */
export function bindRemoval(net: Network, remove: Remover, slot?: RemovalSlot): () => void {
  if (bound.has(net)) throw new Error("Cannot train a network that is already being trained");
  bound.set(net, remove);
  if (slot) slot.remove = remove;
  return () => {
    bound.delete(net);
    if (slot) slot.remove = null;
  };
}

/**
 * Removes units during training: shrinks the network (`net.removeUnits`), gathers the optimizer
 * state and EMA shadow of every affected parameter with the plan's ops, calls
 * `method.onUnitsRemoved(plan)`, then gathers the state of the method's variables according to
 * their `VariableGroup.layout` and checks that every state shape matches its variable.
 */
export function removeUnitsInTraining(
  net: Network,
  method: PruningMethod,
  groupId: string,
  keep: ArrayLike<number>,
  opt: Optimizer,
  ema: Ema | null,
): RemovalPlan {
  const plan = net.removeUnits(groupId, keep);
  for (const op of plan.ops) {
    opt.shrink(op.param, op);
    ema?.shrink(op.param, op);
  }
  method.onUnitsRemoved?.(plan);
  for (const g of method.variableGroups()) {
    for (const [k, v] of g.variables) {
      const key = methodKey(g, k);
      const layout = g.layout?.get(k);
      const ops = !layout
        ? []
        : "group" in layout
        ? (plan.kept.has(layout.group)
          ? [{ axis: layout.axis ?? 0, indices: plan.kept.get(layout.group)! }]
          : [])
        : plan.ops.filter((op) => op.param === layout.param);
      for (const op of ops) {
        opt.shrink(key, op);
        ema?.shrink(key, op);
      }
      for (const shape of [opt.stateShape(key), ema?.shape(key) ?? null]) {
        if (shape && shape.join() !== v.shape.join()) {
          throw new RangeError(
            `Cannot keep the training state of method variable "${key}" after removing units of ` +
              `"${groupId}": its state has shape [${shape}] but the variable now has [${v.shape}]; ` +
              `declare how it shrinks in VariableGroup.layout`,
          );
        }
      }
    }
  }
  return plan;
}
