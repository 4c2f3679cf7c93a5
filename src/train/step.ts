/**
 * One training step and one evaluation pass: losses, the variables a step trains and their
 * optimizer settings, gradient computation, divergence detection and the optimizer update.
 *
 * @module
 */
import { fastCrossEntropyAvailable, softmaxCrossEntropy } from "./cross_entropy.ts";
import { synchronousReads } from "../runtime/backend.ts";
import * as tf from "../deps/tfjs.ts";
import type { BatchNormUpdate, ForwardOptions, Network } from "../models/network.ts";
import type { OptimizerConfig, PruningMethod, StepInfo, VariableGroup } from "../methods/types.ts";
import type { Dataset, DataSplit } from "../data/mod.ts";
import { batches } from "../data/mod.ts";
import { DivergenceError } from "../util/errors.ts";
import { type Optimizer, type ResolvedOptimizerConfig, resolveOptimizer } from "./optimizers.ts";
import type { TrainHooks } from "./types.ts";

/**
 * Mean task loss of a batch: softmax cross-entropy (mean over the batch) for classification,
 * mean squared error over all elements (PyTorch `MSELoss`) for regression (`numClasses` 0).
 */
export function taskLoss(output: tf.Tensor, y: tf.Tensor, numClasses: number): tf.Scalar {
  return tf.tidy(() => {
    if (numClasses === 0) return tf.mean(tf.squaredDifference(output, y)) as tf.Scalar;
    if (fastCrossEntropyAvailable(output)) return softmaxCrossEntropy(output, y);
    const logp = tf.logSoftmax(output);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(y, numClasses), logp), -1))) as tf.Scalar;
  });
}

/** Number of correct predictions (argmax) in a batch, as a float32 scalar. */
export function correctCount(output: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(() =>
    tf.sum(tf.cast(tf.equal(tf.argMax(output, -1), tf.cast(y, "int32")), "float32"))
  );
}

/** A variable a step trains, with its stable key and resolved optimizer settings. */
export interface TrainEntry {
  /** Stable key: parameter name, or `<group>/<key>` for method variables. */
  key: string;
  /** The variable (current object; may be replaced between steps). */
  variable: tf.Variable;
  /** Optimizer settings. */
  config: ResolvedOptimizerConfig;
}

const resolved = new WeakMap<OptimizerConfig, ResolvedOptimizerConfig>();
function resolveCached(c: OptimizerConfig, what: string): ResolvedOptimizerConfig {
  let r = resolved.get(c);
  if (!r) resolved.set(c, r = resolveOptimizer(c, what));
  return r;
}

/**
 * Resolved optimizer settings of a method variable group: its own `optimizer`, or the weights'
 * settings without decay when null; `weightDecay`, when present, overrides the decay of either.
 */
export function groupConfig(
  g: VariableGroup,
  weightsNoDecay: ResolvedOptimizerConfig,
): ResolvedOptimizerConfig {
  const base = g.optimizer
    ? resolveCached(g.optimizer, `optimizer of variable group "${g.name}"`)
    : weightsNoDecay;
  if (g.weightDecay === undefined || g.weightDecay === base.weightDecay) return base;
  if (!(g.weightDecay >= 0)) {
    throw new RangeError(
      `Cannot train variable group "${g.name}": weightDecay must be ≥ 0, got ${g.weightDecay}`,
    );
  }
  return { ...base, weightDecay: g.weightDecay };
}

/** Stable optimizer/EMA key of a method variable. */
export function methodKey(group: VariableGroup, key: string): string {
  return `${group.name}/${key}`;
}

/** Every network parameter and method variable by stable key (what the EMA averages). */
export function allVariables(
  net: Network,
  groups: readonly VariableGroup[],
): Map<string, tf.Variable> {
  const all = new Map(net.params);
  for (const g of groups) {
    for (const [k, v] of g.variables) {
      const key = methodKey(g, k);
      if (all.has(key)) {
        throw new RangeError(`Cannot train variable "${key}": the key is used twice`);
      }
      all.set(key, v);
    }
  }
  return all;
}

/**
 * Every network parameter and method variable by stable key (what the EMA averages), and the
 * entries trained at `info` (network parameters always; method groups whose `trainable(info)` is
 * not false; tfjs variables created non-trainable never).
 */
export function collectVariables(
  net: Network,
  groups: readonly VariableGroup[],
  weights: ResolvedOptimizerConfig,
  decayBiasAndBn: boolean,
  info: StepInfo,
): { all: Map<string, tf.Variable>; entries: TrainEntry[] } {
  const all = new Map<string, tf.Variable>();
  const entries: TrainEntry[] = [];
  const noDecay = { ...weights, weightDecay: 0 };
  for (const [name, v] of net.params) {
    all.set(name, v);
    const decays = decayBiasAndBn || net.role(name) === "weight";
    entries.push({ key: name, variable: v, config: decays ? weights : noDecay });
  }
  for (const g of groups) {
    const on = g.trainable?.(info) ?? true;
    const config = groupConfig(g, noDecay);
    for (const [k, v] of g.variables) {
      const key = methodKey(g, k);
      if (all.has(key)) {
        throw new RangeError(`Cannot train variable "${key}": the key is used twice`);
      }
      all.set(key, v);
      if (on && v.trainable) entries.push({ key, variable: v, config });
    }
  }
  return { all, entries };
}

/** Values read back from one step. */
export interface StepValues {
  /** Mean task loss of the batch. */
  loss: number;
  /** Method penalty (0 when null). */
  penalty: number;
  /** Correct predictions in the batch (0 for regression). */
  correct: number;
}

/**
 * One step: gradients of task loss + penalty over `entries`, divergence check (throws
 * {@linkcode DivergenceError} before any update), optimizer update per entry, BN running-stat
 * update. Leaves no tensors behind. `timer`, when given, records the step's phases.
 */
export async function trainStep(
  net: Network,
  method: PruningMethod,
  batch: { x: tf.Tensor; y: tf.Tensor },
  numClasses: number,
  entries: readonly TrainEntry[],
  opt: Optimizer,
  factor: number,
  info: StepInfo,
  timer?: TrainHooks["phases"],
): Promise<StepValues> {
  const bnUpdates: BatchNormUpdate[] = [];
  let read: tf.Scalar[] = [];
  const { value, grads } = tf.variableGrads(() =>
    tf.tidy(() => {
      const out = net.forward(batch.x, {
        ...method.forwardOptions("train"),
        training: true,
        bnUpdates,
      });
      const l = taskLoss(out, batch.y, numClasses);
      const p = method.penalty();
      const total = p ? tf.add(l, p) as tf.Scalar : l;
      // every value the step reports: [total, task loss, penalty, correct]
      read = [
        total,
        l,
        p ?? tf.scalar(0),
        numClasses > 0 ? correctCount(out, batch.y) : tf.scalar(0),
      ]
        .map((t) => tf.keep(t as tf.Scalar));
      timer?.lap("forward");
      return total;
    }), entries.map((e) => e.variable));
  timer?.lap("backward");
  const all = await readScalars(read);
  tf.dispose([value, ...read]);
  const [total, loss, penalty, right] = all;
  const values = { loss, penalty, correct: right };
  if (!Number.isFinite(total)) {
    tf.dispose(Object.values(grads));
    net.applyBatchNormUpdates(bnUpdates);
    const what = !Number.isFinite(loss) ? `task loss is ${loss}` : `penalty is ${values.penalty}`;
    throw new DivergenceError(
      `Training diverged at epoch ${info.epoch + 1}, step ${
        info.step + 1
      }: ${what} (total loss ${total})`,
      info.epoch,
      info.step,
    );
  }
  timer?.lap("sync");
  for (const e of entries) {
    const g = grads[e.variable.name];
    if (g) opt.step(e.key, e.variable, g, e.config, factor);
  }
  tf.dispose(Object.values(grads));
  timer?.lap("optimizer");
  net.applyBatchNormUpdates(bnUpdates);
  return values;
}

/**
 * Reads scalars back: one by one where reads are synchronous heap or array reads (wasm, cpu: a
 * `stack` would cost a kernel of ≈ 0.08 ms), else stacked into one asynchronous read (GPU
 * backends, where every read is a round trip).
 */
async function readScalars(ts: readonly tf.Scalar[]): Promise<number[]> {
  if (synchronousReads()) return ts.map((t) => t.dataSync()[0]);
  const stacked = tf.stack(ts as tf.Scalar[]);
  try {
    return Array.from(await stacked.data());
  } finally {
    stacked.dispose();
  }
}

/** Loss and accuracy (null for regression) of a split in eval mode. */
export interface EvalResult {
  /** Mean task loss. */
  loss: number;
  /** Accuracy in [0, 1], or null for regression. */
  acc: number | null;
}

/**
 * Evaluates `net` on `split` in eval mode (BN running statistics) with the gates/transforms that
 * `options(batchSize)` returns (called inside the `tf.tidy` of every batch).
 */
export async function evaluate(
  net: Network,
  options: (batchSize: number) => Pick<ForwardOptions, "gate" | "param">,
  split: DataSplit,
  dataset: Dataset,
  batch: { batchSize: number; normalize: boolean },
): Promise<EvalResult> {
  let loss = 0, correct = 0;
  const flatten = net.arch.inputShape.length === 1;
  for (const b of batches(split, dataset, { ...batch, shuffle: false, flatten })) {
    const [l, c] = tf.tidy(() => {
      const out = net.forward(b.x, { ...options(b.size), training: false });
      return [
        tf.mul(taskLoss(out, b.y, dataset.numClasses), b.size),
        dataset.numClasses ? correctCount(out, b.y) : tf.scalar(0),
      ];
    });
    tf.dispose([b.x, b.y]);
    const [lv, cv] = await Promise.all([l.data(), c.data()]);
    tf.dispose([l, c]);
    loss += lv[0];
    correct += cv[0];
  }
  const n = Math.max(1, split.n);
  return { loss: loss / n, acc: dataset.numClasses ? correct / n : null };
}
