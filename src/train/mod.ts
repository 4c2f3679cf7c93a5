/**
 * The training engine: own optimizers with shrinkable state, learning-rate schedules, the
 * training loop with EMA evaluation, divergence detection and conditional computation, and
 * evaluation of operating points.
 *
 * @module
 */
export {
  disposePoints,
  type EpochRecord,
  type PointResult,
  type TrainHooks,
  type TrainResult,
} from "./types.ts";
export { fit, train } from "./loop.ts";
export {
  type ResolvedTrainConfig,
  resolveTrainConfig,
  stepPlan,
  stepsPerEpoch,
  type TrainConfig,
} from "./config.ts";
export { Optimizer, type ResolvedOptimizerConfig, resolveOptimizer } from "./optimizers.ts";
export { makeSchedule, type ScheduleConfig, type SchedulePlan } from "./schedules.ts";
export { Ema } from "./ema.ts";
export {
  type CreatedMethod,
  createMethodContext,
  type MethodRecipe,
  type RemovalSlot,
  type TrainingContext,
} from "./context.ts";
export { correctCount, type EvalResult, evaluate, type StepValues, taskLoss } from "./step.ts";
export { TRAIN_MAC_FACTOR } from "../metrics/counts.ts";
export { parameterMasks } from "./points.ts";
export { type Phase, PHASES, PhaseTimer } from "./phases.ts";
