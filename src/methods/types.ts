/**
 * The `PruningMethod` contract. A method is created per run from a {@linkcode MethodSpec} and a
 * resolved config; the training engine calls it at fixed points:
 *
 * 1. `variableGroups()` once: method-owned trainable variables and their optimizer settings.
 * 2. Every step, inside one `tf.tidy` of the loss: `forwardOptions("train")` (activation gates
 *    and/or parameter transforms given to `Network.forward`), then `penalty()` (added to the
 *    mean per-example task loss). Gradients of the total loss flow to network and method variables.
 * 3. After each optimizer step: `afterStep()` (clamping, temperatures, projections, schedules).
 * 4. After each epoch: `onEpochEnd()` (prior re-estimation, permanent removal of units through
 *    `ctx.removeUnits`), then `logs()` for the epoch history.
 * 5. At the end: `keepMasks()` / `weightMasks()` (final binary masks) and optionally
 *    `operatingPoints()` (several masks from one run, e.g. magnitude targets), evaluated with
 *    `forwardOptions("eval")` (deterministic gates).
 *
 * @module
 */
import type * as tf from "../deps/tfjs.ts";
import type { ForwardOptions, Network } from "../models/network.ts";
import type { RemovalPlan } from "../models/groups.ts";
import type { Rng } from "../util/rng.ts";

/** What a method prunes. */
export type Granularity = "unit" | "weight";

/** Optimizer settings for a group of variables. */
export interface OptimizerConfig {
  /** Algorithm. */
  kind: "adam" | "sgd";
  /** Learning rate (multiplied by the run's schedule factor unless `schedule` is false). */
  lr: number;
  /** SGD momentum. @default 0 */
  momentum?: number;
  /** Nesterov momentum (SGD). @default false */
  nesterov?: boolean;
  /** Adam β1. @default 0.9 */
  beta1?: number;
  /** Adam β2. @default 0.999 */
  beta2?: number;
  /** Adam ε. @default 1e-8 */
  epsilon?: number;
  /** Weight decay coefficient. @default 0 */
  weightDecay?: number;
  /** `l2`: added to the gradient (PyTorch `weight_decay`); `decoupled`: AdamW-style. @default "l2" */
  weightDecayMode?: "l2" | "decoupled";
  /** Follow the run's learning-rate schedule. @default true */
  schedule?: boolean;
  /**
   * Power of the schedule factor for this group: lr = `lr`·factor^`schedulePower` (2 replicates
   * HALO's λ optimiser, whose shared lr is decayed twice at each milestone). @default 1
   */
  schedulePower?: number;
}

/**
 * How a method variable follows units removed during training, so the engine can shrink its
 * optimizer state and EMA shadow the same way the method shrinks the variable in
 * `onUnitsRemoved`:
 *
 * - `{ group, axis }`: axis `axis` (default 0) indexes the units of gate group `group`; the
 *   engine gathers the state along it with `plan.kept.get(group)` (per-unit variables, e.g. L0's
 *   log α of `fc1`).
 * - `{ param }`: the variable has the shape of network parameter `param` and shrinks with every
 *   gather of the plan on that parameter (per-weight variables, e.g. HALO's λ).
 *
 * Variables without a layout must keep their shape across removals (the engine throws if not).
 */
export type VariableLayout = { group: string; axis?: number } | { param: string };

/** Method-owned variables trained with the network. */
export interface VariableGroup {
  /** Name for logs, e.g. `log_alpha`. */
  name: string;
  /** The variables (keys are stable names for optimizer state). */
  variables: Map<string, tf.Variable>;
  /**
   * Optimizer for this group; `null` = the network weights' optimizer settings *without* weight
   * decay (give an explicit config to decay method variables, e.g. DAM's β or HALO's λ).
   * Optimizer state is keyed `<name>/<key>`, so the engine follows variables the method replaces.
   */
  optimizer: OptimizerConfig | null;
  /**
   * Weight decay of this group, overriding its optimizer settings' decay (with `optimizer: null`:
   * the weights' settings with this decay instead of none, e.g. DAM's optional decay on β, which
   * must follow whatever optimizer the weights use). Absent = no override.
   */
  weightDecay?: number;
  /** Variables receive no gradient step while this returns false (e.g. DAM's cold start). */
  trainable?: (step: StepInfo) => boolean;
  /** Per variable key: how it shrinks when units are removed during training. @default none */
  layout?: ReadonlyMap<string, VariableLayout>;
}

/** Position in training. */
export interface StepInfo {
  /** Global step, 0-based (the step just taken for `afterStep`). */
  step: number;
  /** Epoch, 0-based. */
  epoch: number;
  /** Steps per epoch. */
  stepsPerEpoch: number;
  /** Total planned steps. */
  totalSteps: number;
  /** Total planned epochs. */
  epochs: number;
}

/** Context given to a method at creation. */
export interface MethodContext {
  /** The network being trained (read its params and groups; don't replace variables directly). */
  net: Network;
  /** Seeded generator for the method's randomness (derive tfjs seeds with `rng.seed()`). */
  rng: Rng;
  /** Training-set size N (penalties are per example: λ/N scaling). */
  trainSize: number;
  /** Planned epochs and steps. */
  epochs: number;
  /** Steps per epoch. */
  stepsPerEpoch: number;
  /**
   * Removes units of a group for good during training (conditional computation): the engine
   * shrinks the network's variables and the optimizer state, then calls the method's
   * `onUnitsRemoved` with the plan so it can shrink its own per-unit variables.
   */
  removeUnits(groupId: string, keep: ArrayLike<number>): void;
}

/** An operating point: one set of final masks from a run (e.g. one magnitude target). */
export interface OperatingPoint {
  /** Label, e.g. `sparsity=0.9`. */
  label: string;
  /** Target value, if any (e.g. 0.9). */
  target?: number;
  /** Structured keep masks per group id (1 = kept). */
  keep: Map<string, Uint8Array>;
  /** Unstructured masks per parameter name (1 = kept). */
  weights: Map<string, Uint8Array>;
  /** Epochs of fine-tuning with these masks fixed before evaluation. @default 0 */
  fineTuneEpochs?: number;
}

/** A per-run pruning method instance. */
export interface PruningMethod {
  /** Method id, e.g. `l0-hc`. */
  readonly id: string;
  /** Method-owned trainable variables. */
  variableGroups(): VariableGroup[];
  /**
   * Gates and parameter transforms for `Network.forward` (called inside `tf.tidy`). The engine
   * passes the batch's size as `batchSize` (per-example gates; the last batch may be smaller).
   */
  forwardOptions(
    mode: "train" | "eval",
    batchSize?: number,
  ): Pick<ForwardOptions, "gate" | "param">;
  /** Penalty added to the per-example task loss, or null (called inside `tf.tidy`). */
  penalty(): tf.Scalar | null;
  /** Called after each optimizer step. */
  afterStep?(info: StepInfo): void;
  /** Called after each epoch, before logging. */
  onEpochEnd?(info: StepInfo): void;
  /** Shrinks per-unit state after `ctx.removeUnits` (or compaction) removed units. */
  onUnitsRemoved?(plan: RemovalPlan): void;
  /** Final structured keep masks per group id (groups absent = all kept). */
  keepMasks(): Map<string, Uint8Array>;
  /** Final unstructured keep masks per parameter name (absent = all kept). */
  weightMasks?(): Map<string, Uint8Array>;
  /** Several operating points from one run; absent = one point `final` from the masks above. */
  operatingPoints?(): OperatingPoint[];
  /** Scalars to log for the epoch just ended (e.g. `expected_l0`, `tau`). */
  logs(): Record<string, number>;
  /** Releases tensors. */
  dispose(): void;
}

/** Documentation of one hyperparameter. */
export interface HyperparameterDoc {
  /** What it does, with units and the paper/reference value. */
  description: string;
}

/**
 * Declared domain of a hyperparameter, checked by `resolveConfig` before any training. Numeric
 * bounds apply to a number, to every element of a number array and to every value of a numeric
 * record (e.g. per-group λ); `oneOf` to a string or to every element of a string array. A `null`
 * value (an optional setting left unset) is not checked.
 */
export interface HyperparameterRange {
  /** Inclusive lower bound. */
  min?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** Exclusive upper bound. */
  below?: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** The allowed values. */
  oneOf?: readonly (string | number | boolean)[];
}

/** A registered method: data plus a factory (like OpenLTH's strategy + hparams pair). */
export interface MethodSpec<C extends object = Record<string, unknown>> {
  /** Kebab-case id used in CLI, CSV and charts. */
  readonly id: string;
  /** One-line summary. */
  readonly summary: string;
  /** Citation (paper, year, arXiv). */
  readonly citation: string;
  /** Granularities it supports. */
  readonly granularities: readonly Granularity[];
  /** Documented hyperparameter defaults. */
  readonly defaults: Readonly<C>;
  /** Per-hyperparameter documentation (same keys as `defaults`). */
  readonly docs: Readonly<Record<keyof C & string, string>>;
  /** Declared ranges and choices of hyperparameters, checked before any training. */
  readonly ranges?: Readonly<Partial<Record<keyof C & string, HyperparameterRange>>>;
  /** Creates a per-run instance. */
  create(ctx: MethodContext, config: C): PruningMethod;
}
