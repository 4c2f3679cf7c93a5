/**
 * Training configuration: the typed options of {@linkcode train}, their defaults, validation and
 * the step plan derived from a dataset.
 *
 * Weight-decay groups: the network's weights (role `weight`) get `optimizer.weightDecay`; biases
 * and BN scale/shift get it only with `decayBiasAndBn`; method variables use their
 * `VariableGroup.optimizer`, or, when that is null, the weights' optimizer without weight decay.
 *
 * @module
 */
import type { OptimizerConfig } from "../methods/types.ts";
import type { BatchOptions, Dataset } from "../data/mod.ts";
import type { ArchSpec } from "../models/spec.ts";
import { ConfigError } from "../util/errors.ts";
import { type ResolvedOptimizerConfig, resolveOptimizer } from "./optimizers.ts";
import type { ScheduleConfig } from "./schedules.ts";

/** Options of a training run. Only `epochs`, `batchSize` and `optimizer` are required. */
export interface TrainConfig {
  /** Training epochs. */
  epochs: number;
  /** Minibatch size. */
  batchSize: number;
  /** Optimizer of the network weights (its `weightDecay` applies to weights). */
  optimizer: OptimizerConfig;
  /** Apply the weights' weight decay to biases and BN scale/shift too. @default false */
  decayBiasAndBn?: boolean;
  /** Learning-rate schedule (a factor on every group that follows it). @default {kind: "constant"} */
  schedule?: ScheduleConfig;
  /** EMA decay for evaluation (all parameters and method variables, bias-corrected), or null. @default null */
  ema?: number | null;
  /** Evaluate on the test split every this many epochs (and always after the last). @default 1 */
  evalEvery?: number;
  /** Batch size of evaluation passes. @default 1000 */
  evalBatchSize?: number;
  /** Seed of shuffling and augmentation. @default 0 */
  seed?: number;
  /** Shuffle the training set every epoch. @default true */
  shuffle?: boolean;
  /** Data augmentation of training batches. @default "none" */
  augment?: "none" | "crop-flip";
  /** Normalise inputs with the dataset's per-channel mean/std. @default false */
  normalize?: boolean;
  /** Final incomplete training batch: keep it (PyTorch default) or drop it. @default "keep" */
  lastBatch?: "keep" | "drop";
  /** Cap on steps per epoch (smoke runs). @default unlimited */
  maxStepsPerEpoch?: number | null;
  /**
   * Fine-tuning of operating points with `fineTuneEpochs > 0`: optimizer and schedule.
   * @default {optimizer: the training optimizer, schedule: {kind: "constant"}}
   */
  fineTune?: { optimizer?: OptimizerConfig; schedule?: ScheduleConfig };
}

/** A {@linkcode TrainConfig} with every default filled in. */
export interface ResolvedTrainConfig {
  /** See {@linkcode TrainConfig}. */
  epochs: number;
  /** See {@linkcode TrainConfig}. */
  batchSize: number;
  /** See {@linkcode TrainConfig}. */
  optimizer: ResolvedOptimizerConfig;
  /** See {@linkcode TrainConfig}. */
  decayBiasAndBn: boolean;
  /** See {@linkcode TrainConfig}. */
  schedule: ScheduleConfig;
  /** See {@linkcode TrainConfig}. */
  ema: number | null;
  /** See {@linkcode TrainConfig}. */
  evalEvery: number;
  /** See {@linkcode TrainConfig}. */
  evalBatchSize: number;
  /** See {@linkcode TrainConfig}. */
  seed: number;
  /** See {@linkcode TrainConfig}. */
  shuffle: boolean;
  /** See {@linkcode TrainConfig}. */
  augment: "none" | "crop-flip";
  /** See {@linkcode TrainConfig}. */
  normalize: boolean;
  /** See {@linkcode TrainConfig}. */
  lastBatch: "keep" | "drop";
  /** See {@linkcode TrainConfig}; null = unlimited. */
  maxStepsPerEpoch: number | null;
  /** See {@linkcode TrainConfig}. */
  fineTune: { optimizer: ResolvedOptimizerConfig; schedule: ScheduleConfig };
}

const posInt = (x: unknown) => typeof x === "number" && Number.isInteger(x) && x > 0;

/**
 * Fills in defaults and validates, throwing one {@linkcode ConfigError} with every problem. A
 * resolved config resolves to an equal one (the harness resolves a run's config once, when it
 * plans the run, and hands that object to `train`, which only checks it again).
 *
 * @example
 * ```ts
 * import { resolveTrainConfig } from "./config.ts";
 * const c = resolveTrainConfig({ epochs: 2, batchSize: 100, optimizer: { kind: "adam", lr: 1e-3 } });
 * if (c.evalEvery !== 1 || c.ema !== null || c.lastBatch !== "keep") throw new Error();
 * ```
 */
export function resolveTrainConfig(config: TrainConfig): ResolvedTrainConfig {
  const problems: string[] = [];
  const opt = (o: OptimizerConfig, what: string) => {
    try {
      return resolveOptimizer(o, what);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems.map((p) => `${what}: ${p}`));
      return null;
    }
  };
  const optimizer = opt(config.optimizer, "optimizer");
  const fineOpt = config.fineTune?.optimizer
    ? opt(config.fineTune.optimizer, "fineTune.optimizer")
    : optimizer;
  const c = {
    epochs: config.epochs,
    batchSize: config.batchSize,
    decayBiasAndBn: config.decayBiasAndBn ?? false,
    schedule: config.schedule ?? { kind: "constant" },
    ema: config.ema ?? null,
    evalEvery: config.evalEvery ?? 1,
    evalBatchSize: config.evalBatchSize ?? 1000,
    seed: config.seed ?? 0,
    shuffle: config.shuffle ?? true,
    augment: config.augment ?? "none",
    normalize: config.normalize ?? false,
    lastBatch: config.lastBatch ?? "keep",
    maxStepsPerEpoch: config.maxStepsPerEpoch ?? null,
  } satisfies Omit<ResolvedTrainConfig, "optimizer" | "fineTune">;
  if (!(Number.isInteger(c.epochs) && c.epochs >= 0)) {
    problems.push(`epochs must be a whole number ≥ 0: got ${c.epochs}`);
  }
  if (!posInt(c.batchSize)) {
    problems.push(`batchSize must be a positive whole number: got ${c.batchSize}`);
  }
  if (c.ema !== null && !(c.ema > 0 && c.ema < 1)) {
    problems.push(`ema must be in (0, 1) or null: got ${c.ema}`);
  }
  if (!posInt(c.evalEvery)) {
    problems.push(`evalEvery must be a positive whole number: got ${c.evalEvery}`);
  }
  if (!posInt(c.evalBatchSize)) {
    problems.push(`evalBatchSize must be a positive whole number: got ${c.evalBatchSize}`);
  }
  if (!Number.isInteger(c.seed)) problems.push(`seed must be a whole number: got ${c.seed}`);
  if (c.augment !== "none" && c.augment !== "crop-flip") {
    problems.push(`augment must be "none" or "crop-flip": got "${c.augment}"`);
  }
  if (c.lastBatch !== "keep" && c.lastBatch !== "drop") {
    problems.push(`lastBatch must be "keep" or "drop": got "${c.lastBatch}"`);
  }
  if (c.maxStepsPerEpoch !== null && !posInt(c.maxStepsPerEpoch)) {
    problems.push(`maxStepsPerEpoch must be a positive whole number: got ${c.maxStepsPerEpoch}`);
  }
  if (problems.length || !optimizer || !fineOpt) {
    throw new ConfigError(problems, "training configuration");
  }
  return {
    ...c,
    optimizer,
    fineTune: { optimizer: fineOpt, schedule: config.fineTune?.schedule ?? { kind: "constant" } },
  };
}

/** The batch-pipeline options of training batches (without `epoch` and `flatten`). */
export function trainBatchOptions(c: ResolvedTrainConfig): Omit<BatchOptions, "epoch" | "flatten"> {
  const { batchSize, shuffle, seed, lastBatch, normalize, augment } = c;
  return { batchSize, shuffle, seed, lastBatch, normalize, augment };
}

/** Steps per epoch for `n` training examples (last-batch policy and step cap applied). */
export function stepsPerEpoch(n: number, config: ResolvedTrainConfig): number {
  const full = config.lastBatch === "drop"
    ? Math.floor(n / config.batchSize)
    : Math.ceil(n / config.batchSize);
  return config.maxStepsPerEpoch === null ? full : Math.min(full, config.maxStepsPerEpoch);
}

/**
 * Checks that a network can train on a dataset: same input shape (or a flat network input of the
 * same size, fed flattened batches) and the same number of classes (regression: any width).
 */
export function checkCompatible(arch: ArchSpec, dataset: Dataset): void {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const flat = arch.inputShape.length === 1 && size(arch.inputShape) === size(dataset.inputShape);
  if (!flat && arch.inputShape.join() !== dataset.inputShape.join()) {
    throw new RangeError(
      `Cannot train "${arch.id}" on ${dataset.id}: the network takes inputs of shape ` +
        `[${arch.inputShape}] but the dataset has [${dataset.inputShape}]`,
    );
  }
  if (dataset.numClasses > 0 && arch.numClasses !== dataset.numClasses) {
    throw new RangeError(
      `Cannot train "${arch.id}" on ${dataset.id}: the network has ${arch.numClasses} outputs but ` +
        `the dataset has ${dataset.numClasses} classes`,
    );
  }
}

/** The step plan of a run: steps per epoch and total steps. */
export function stepPlan(
  dataset: Dataset,
  config: ResolvedTrainConfig,
): { stepsPerEpoch: number; totalSteps: number } {
  const spe = stepsPerEpoch(dataset.train.n, config);
  if (spe === 0 && config.epochs > 0) {
    throw new RangeError(
      `Cannot train on ${dataset.id}: ${dataset.train.n} training examples make no batch of ` +
        `${config.batchSize} with lastBatch "drop"; lower batchSize or use lastBatch "keep"`,
    );
  }
  return { stepsPerEpoch: spe, totalSteps: spe * config.epochs };
}
