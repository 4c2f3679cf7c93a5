/**
 * Results and hooks of {@linkcode train}.
 *
 * @module
 */
import type { Network } from "../models/network.ts";
import type { StepInfo } from "../methods/types.ts";
import type { StepValues } from "./step.ts";

/** One epoch of training history. */
export interface EpochRecord {
  /** Epochs completed (1-based: the record after the first epoch has `epoch` 1). */
  epoch: number;
  /** Global steps taken so far. */
  steps: number;
  /** Mean task loss over the epoch's training batches (example-weighted, training mode). */
  trainLoss: number;
  /** Training accuracy over the epoch, or null for regression. */
  trainAcc: number | null;
  /** Mean method penalty over the epoch's steps (0 without one). */
  penalty: number;
  /** Test loss in eval mode (EMA values when `ema` is set), or null when not evaluated. */
  testLoss: number | null;
  /** Test accuracy, or null when not evaluated or for regression. */
  testAcc: number | null;
  /** Kept units per gate group (from `method.keepMasks()`, EMA values; absent mask = all). */
  unitsKept: Record<string, number>;
  /** Total kept units over every gate group. */
  unitsKeptTotal: number;
  /** Kept units / initial units over every gate group. */
  keptFraction: number;
  /** Current width of every gate group (smaller than the initial width after removals). */
  widths: Record<string, number>;
  /** Learning rate of the network weights at the epoch's last step. */
  lr: number;
  /** Training MACs spent so far (3 × forward MACs of the current network × examples). */
  trainMacs: number;
  /** Training MACs the initial (dense) network would have spent so far. */
  trainMacsDense: number;
  /** Wall-clock seconds since training started. */
  wallS: number;
  /** The method's `logs()` for the epoch. */
  logs: Record<string, number>;
}

/** An evaluated operating point. */
export interface PointResult {
  /** Label, e.g. `final` or `sparsity=0.9`. */
  label: string;
  /** Target value, if any. */
  target?: number;
  /** Test accuracy (null for regression). */
  acc: number | null;
  /** Test loss. */
  loss: number;
  /** Structured keep masks per group id (absent = all kept). */
  keep: Map<string, Uint8Array>;
  /** Unstructured masks per parameter name (absent = all kept). */
  weights: Map<string, Uint8Array>;
  /** Epochs of fine-tuning with the masks fixed (0 = evaluated as trained). */
  fineTuneEpochs: number;
  /**
   * The evaluated network: the trained network itself when `fineTuneEpochs` is 0 (masks are
   * applied as a transform, not written), else a fine-tuned clone with masked weights zeroed,
   * which the caller owns (see {@linkcode disposePoints}).
   */
  network: Network;
}

/** What {@linkcode train} returns. */
export interface TrainResult {
  /** One record per epoch. */
  history: EpochRecord[];
  /** Operating points, evaluated on the test split. */
  points: PointResult[];
  /** Steps taken (training only, not fine-tuning). */
  steps: number;
  /** Training MACs spent (training only; see {@linkcode EpochRecord.trainMacs}). */
  trainMacs: number;
  /** Dense-equivalent training MACs. */
  trainMacsDense: number;
  /** Wall-clock seconds of training (without operating points). */
  wallS: number;
  /** True when the EMA values were loaded into the network and method variables at the end. */
  emaLoaded: boolean;
}

/** Optional observers of a run. */
export interface TrainHooks {
  /** After every step (after `afterStep`), with the step's values. */
  onStep?(info: StepInfo, values: StepValues): void | Promise<void>;
  /** After every epoch's record is complete. */
  onEpoch?(record: EpochRecord): void | Promise<void>;
  /**
   * Records the wall time of each phase of every step (for `deno task perf`; a `PhaseTimer` of
   * src/train/phases.ts): `start()` at the start of a step, `lap(phase)` at the end of each phase,
   * `endStep()` after the step.
   */
  phases?: {
    start(): void;
    lap(phase: "batch" | "forward" | "backward" | "sync" | "optimizer" | "ema" | "hooks"): void;
    endStep(): void;
  };
}

/** Disposes the fine-tuned clones of a result's points (never the trained network). */
export function disposePoints(result: TrainResult, trained: Network): void {
  for (const p of result.points) if (p.network !== trained) p.network.dispose();
}
