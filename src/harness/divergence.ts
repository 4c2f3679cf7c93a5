/**
 * Divergence that stays finite. The training engine fails a run whose loss turns NaN or ±∞; a run
 * whose loss explodes to a large *finite* value (e.g. Adam with lr 1e6) would otherwise be recorded
 * as a result. The harness applies this rule after every epoch and fails the run with the reason:
 *
 * - classification with C classes: the epoch's mean training task loss exceeds
 *   {@linkcode CLASSIFICATION_LOSS_FACTOR} × ln C. A freshly initialised network predicts about
 *   uniformly (cross-entropy ≈ ln C, 2.30 for 10 classes); ten times that is worse than
 *   confidently wrong on average, which no converging run reaches.
 * - regression: the epoch's mean training loss exceeds {@linkcode REGRESSION_LOSS_FACTOR} × the
 *   first epoch's.
 *
 * Accuracy at chance is *not* a failure: a pruning method that removes every unit of a layer at a
 * strong penalty ("layer collapse") legitimately ends at chance, and that operating point is a
 * result.
 *
 * @module
 */

/** Multiple of ln C (chance-level cross-entropy) above which a classification run diverged. */
export const CLASSIFICATION_LOSS_FACTOR = 10;
/** Multiple of the first epoch's loss above which a regression run diverged. */
export const REGRESSION_LOSS_FACTOR = 100;

/** What the rule needs of an epoch record. */
export interface EpochLoss {
  /** 1-based epoch. */
  epoch: number;
  /** Mean training task loss of the epoch. */
  trainLoss: number;
}

/**
 * The reason a run diverged after `current` (1-based epoch), or null when it did not. `first` is
 * the first epoch's record (the reference of regression runs).
 *
 * @example
 * ```ts
 * import { finiteDivergence } from "./divergence.ts";
 * const ok = { epoch: 1, trainLoss: 0.3 };
 * if (finiteDivergence(ok, ok, 10) !== null) throw new Error("healthy run flagged");
 * const bad = { epoch: 2, trainLoss: 4e9 };
 * if (!finiteDivergence(bad, ok, 10)?.includes("epoch 2")) throw new Error();
 * ```
 */
export function finiteDivergence(
  current: EpochLoss,
  first: EpochLoss,
  numClasses: number,
): string | null {
  const loss = current.trainLoss;
  if (!Number.isFinite(loss)) {
    return `Training diverged at epoch ${current.epoch}: training loss is ${loss}`;
  }
  if (numClasses >= 2) {
    const bound = CLASSIFICATION_LOSS_FACTOR * Math.log(numClasses);
    if (loss > bound) {
      return `Training diverged at epoch ${current.epoch}: mean training loss ${fmt(loss)} is ` +
        `above ${CLASSIFICATION_LOSS_FACTOR} × ln ${numClasses} = ${fmt(bound)} (a fresh network ` +
        `scores about ln ${numClasses}); lower the learning rate`;
    }
    return null;
  }
  const bound = REGRESSION_LOSS_FACTOR * first.trainLoss;
  if (current.epoch > first.epoch && loss > bound) {
    return `Training diverged at epoch ${current.epoch}: mean training loss ${fmt(loss)} is ` +
      `above ${REGRESSION_LOSS_FACTOR} × the first epoch's (${fmt(first.trainLoss)}); lower ` +
      `the learning rate`;
  }
  return null;
}

const fmt = (x: number) => (Math.abs(x) >= 1e4 ? x.toExponential(3) : x.toPrecision(4));
