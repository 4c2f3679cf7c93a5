/**
 * Learning-rate schedules as a factor per step (the optimizer multiplies each group's lr by it).
 *
 * - `constant`: 1.
 * - `multistep`: γ^k, k = number of milestones (in epochs, may be fractional) already reached:
 *   epoch index e (0-based) uses γ^#{m ≤ e}, as PyTorch's `MultiStepLR` stepped once per epoch.
 * - `cosine`: from 1 down to `minLr / baseLr` over the steps after warm-up, per step, as
 *   PyTorch's `CosineAnnealingLR` with `T_max` = those steps (`minLr` is absolute, default 0).
 * - `warmupEpochs` (any kind): the factor is further multiplied by (s + 1)/W for steps s < W,
 *   W = warm-up epochs × steps per epoch (linear warm-up reaching 1 at step W − 1).
 *
 * @module
 */
import { ConfigError } from "../util/errors.ts";

/** Kinds of schedule (the same shapes as the harness's `ScheduleSpec`, plus warm-up). */
export type ScheduleConfig =
  & (
    | { kind: "constant" }
    | { kind: "multistep"; milestones: number[]; gamma: number }
    | { kind: "cosine"; minLr?: number }
  )
  & {
    /** Linear warm-up length in epochs (fractions allowed). @default 0 */
    warmupEpochs?: number;
  };

/** What a schedule needs to know about the run. */
export interface SchedulePlan {
  /** Steps per epoch. */
  stepsPerEpoch: number;
  /** Total planned steps. */
  totalSteps: number;
  /** Base learning rate of the network weights (scales cosine's `minLr` to a factor). */
  baseLr: number;
}

/**
 * Returns the factor of step `s` (0-based) for a schedule, validating it first.
 *
 * @example Multistep ×0.1 at epochs 2 and 3, 10 steps per epoch
 * ```ts
 * import { makeSchedule } from "./schedules.ts";
 * const f = makeSchedule({ kind: "multistep", milestones: [2, 3], gamma: 0.1 },
 *   { stepsPerEpoch: 10, totalSteps: 40, baseLr: 0.1 });
 * if (f(19) !== 1 || Math.abs(f(20) - 0.1) > 1e-12 || Math.abs(f(35) - 0.01) > 1e-12) throw new Error();
 * ```
 */
export function makeSchedule(
  schedule: ScheduleConfig,
  plan: SchedulePlan,
): (step: number) => number {
  const problems: string[] = [];
  const warmup = Math.round((schedule.warmupEpochs ?? 0) * plan.stepsPerEpoch);
  if (!(warmup >= 0)) problems.push(`warmupEpochs must be ≥ 0: got ${schedule.warmupEpochs}`);
  let base: (step: number) => number;
  switch (schedule.kind) {
    case "constant":
      base = () => 1;
      break;
    case "multistep": {
      const { milestones, gamma } = schedule;
      if (!Array.isArray(milestones) || !milestones.every((m) => m >= 0)) {
        problems.push(`milestones must be a list of epochs ≥ 0: got ${JSON.stringify(milestones)}`);
      }
      if (!(gamma > 0)) problems.push(`gamma must be > 0: got ${gamma}`);
      const at = (milestones ?? []).map((m) => Math.round(m * plan.stepsPerEpoch));
      base = (s) => gamma ** at.filter((m) => m <= s).length;
      break;
    }
    case "cosine": {
      const minLr = schedule.minLr ?? 0;
      if (!(minLr >= 0)) problems.push(`minLr must be ≥ 0: got ${minLr}`);
      const floor = plan.baseLr > 0 ? minLr / plan.baseLr : 0;
      const span = Math.max(1, plan.totalSteps - warmup);
      base = (s) => {
        const t = Math.min(Math.max(s - warmup, 0), span);
        return floor + (1 - floor) * (1 + Math.cos(Math.PI * t / span)) / 2;
      };
      break;
    }
    default:
      problems.push(
        `kind must be "constant", "multistep" or "cosine": got "${
          (schedule as { kind: string }).kind
        }"`,
      );
      base = () => 1;
  }
  if (problems.length) throw new ConfigError(problems, "schedule");
  return (s) => base(s) * (s < warmup ? (s + 1) / warmup : 1);
}
