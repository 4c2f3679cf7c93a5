/**
 * The {@linkcode MethodContext} given to a method at creation, and conditional computation
 * during training: `ctx.removeUnits` shrinks the network, the optimizer state and the EMA
 * shadows, then lets the method shrink its own per-unit variables.
 *
 * Every context made here owns its {@linkcode RemovalSlot}: the training run given the context
 * puts its removal there while it runs, and `removeUnits` refuses outside such a run. Given a
 * method's spec and hyperparameters ({@linkcode MethodRecipe}), {@linkcode train} creates the
 * method and its context itself; a method created by the caller with
 * {@linkcode createMethodContext} is trained with its context, `train(net, { method, context })`
 * ({@linkcode CreatedMethod}). There is no registry: a run reaches only the slot it is given.
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

/** Where a training run puts its removal while it runs (`null` outside training). */
export interface RemovalSlot {
  /** The running training's removal ({@linkcode removeUnitsInTraining}), or `null`. */
  remove: ((groupId: string, keep: ArrayLike<number>) => void) | null;
}

/** Removes units of a group during a run (see {@linkcode removeUnitsInTraining}). */
export type Remover = NonNullable<RemovalSlot["remove"]>;

/** A method's context that owns the slot its training run fills ({@linkcode createMethodContext}). */
export interface TrainingContext extends MethodContext {
  /** Set by the training run given this context while it runs; `removeUnits` calls it. */
  readonly removal: RemovalSlot;
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

/** A method created by the caller, with the context it was created with (for {@linkcode train}). */
export interface CreatedMethod {
  /** The method. */
  method: PruningMethod;
  /** Its context, made by {@linkcode createMethodContext} for the trained network. */
  context: TrainingContext;
}

/**
 * Creates the context of a method for training `net` on `dataset` with `config`. Its
 * `removeUnits` works while `train(net, { method, context }, dataset, config)` runs.
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
): TrainingContext {
  return contextOf(net, dataset, resolveTrainConfig(config), rng);
}

/** The context of a method training `net` with a resolved config, with an empty removal slot. */
export function contextOf(
  net: Network,
  dataset: Dataset,
  cfg: ResolvedTrainConfig,
  rng: Rng,
): TrainingContext {
  const plan = stepPlan(dataset, cfg);
  const removal: RemovalSlot = { remove: null };
  return {
    net,
    rng,
    trainSize: dataset.train.n,
    epochs: cfg.epochs,
    stepsPerEpoch: plan.stepsPerEpoch,
    removal,
    removeUnits(groupId: string, keep: ArrayLike<number>): void {
      if (!removal.remove) {
        throw new Error(
          `Cannot remove units of group "${groupId}": units can be removed only while train() runs ` +
            `with this context; train a method you created as train(net, { method, context }, ` +
            `dataset, config), or let train create it: train(net, { spec, config, rng }, dataset, config)`,
        );
      }
      removal.remove(groupId, keep);
    },
  };
}

/**
 * Puts a training run's removal into `slot` (used by `fit`); returns the function that empties it.
 * Throws if another run holds the slot.
 */
export function bindRemoval(slot: RemovalSlot, remove: Remover): () => void {
  if (slot.remove) {
    throw new Error(
      "Cannot train with a method context that another training run is using: create a method " +
        "(and context) per run",
    );
  }
  slot.remove = remove;
  return () => void (slot.remove = null);
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
