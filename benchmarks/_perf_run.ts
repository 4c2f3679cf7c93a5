/**
 * The measurements of `deno task perf`, all through the real engine: a `Network`, a registered
 * method created from its spec, and `fit()`/`train()` (penalty, optimizer, EMA, hooks).
 *
 * - {@linkcode measureStep}: seconds per training step (median of the timed steps after warm-up),
 *   the end-of-epoch time (method hooks, logs, evaluation of the test split), an estimated (or,
 *   with `fullEpoch`, measured) epoch, evaluation throughput, the per-phase wall time of a step,
 *   and the kernel time and kernel count of a step from `tf.profile` (the rest of the wall time is
 *   JS and dispatch overhead).
 * - {@linkcode trainingRun}: one full training run for the removal on/off evidence.
 *
 * @module
 */
import * as tf from "../src/deps/tfjs.ts";
import type { Dataset } from "../src/data/mod.ts";
import { getMethod, resolveConfig } from "../src/methods/registry.ts";
import type { PruningMethod } from "../src/methods/types.ts";
import { Network } from "../src/models/network.ts";
import { getArch } from "../src/models/registry.ts";
import {
  createMethodContext,
  disposePoints,
  evaluate,
  fit,
  type Phase,
  PhaseTimer,
  resolveTrainConfig,
  stepPlan,
  train,
  type TrainConfig,
  type TrainingContext,
} from "../src/train/mod.ts";
import { Rng } from "../src/util/rng.ts";
import { type KernelTime, mark, profileBetweenMarkers } from "./_profile.ts";

/** Method hyperparameters used by perf (the reference recipe's expected L2 for l0-hc). */
export const PERF_HPARAMS: Record<string, Record<string, unknown>> = {
  "l0-hc": { weightDecay: 5e-4 },
};

/** The training settings of every perf measurement: batch 100, Adam 1e-3, EMA 0.999. */
export function perfTrainConfig(extra: Partial<TrainConfig> = {}): TrainConfig {
  return {
    epochs: 1,
    batchSize: 100,
    optimizer: { kind: "adam", lr: 1e-3 },
    ema: 0.999,
    seed: 1,
    ...extra,
  };
}

/** Builds the network and the method (with its context) of one configuration. */
export function build(
  arch: string,
  methodId: string,
  dataset: Dataset,
  cfg: TrainConfig,
  hparams: Record<string, unknown> = {},
): { net: Network; method: PruningMethod; context: TrainingContext } {
  const net = new Network(getArch(arch), { seed: 1 });
  const spec = getMethod(methodId);
  const { config, problems } = resolveConfig(spec, { ...PERF_HPARAMS[methodId], ...hparams });
  if (problems.length) throw new RangeError(`${methodId}: ${problems.join("; ")}`);
  const context = createMethodContext(net, dataset, cfg, new Rng(1));
  return { net, method: spec.create(context, config), context };
}

/** What {@linkcode measureStep} reports. */
export interface StepMeasurement {
  /** Median wall milliseconds of a timed step. */
  msPerStep: number;
  /** Fastest timed step (less sensitive to other processes on a shared machine). */
  msPerStepMin: number;
  /** Seconds of the epoch end (method hooks, logs, test evaluation with the EMA swapped in). */
  epochEndS: number;
  /** Steps of a full epoch. */
  stepsPerEpoch: number;
  /** Seconds per epoch (train + eval): measured with `fullEpoch`, else estimated. */
  epochS: number;
  /** True when `epochS` was measured over a full epoch. */
  epochMeasured: boolean;
  /** Test examples evaluated per second (eval batch 1000). */
  evalPerS: number;
  /** Mean wall milliseconds per step of each phase. */
  phases: Record<Phase, number>;
  /** Kernel milliseconds of one step (tf.profile). */
  kernelMs: number;
  /** Kernel calls of one step. */
  kernelCalls: number;
  /** The step's kernels, largest first. */
  kernels: KernelTime[];
  /** Live tensors grew across the timed steps (0 = no leak). */
  tensorGrowth: number;
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Measures one configuration: `warmup` + `steps` training steps of one epoch (a full epoch with
 * `fullEpoch`), then `profileSteps` steps under `tf.profile` in a second short run.
 */
export async function measureStep(
  arch: string,
  methodId: string,
  dataset: Dataset,
  o: { warmup: number; steps: number; profileSteps: number; fullEpoch: boolean },
): Promise<StepMeasurement> {
  const cfg = perfTrainConfig(o.fullEpoch ? {} : { maxStepsPerEpoch: o.warmup + o.steps });
  const { stepsPerEpoch } = stepPlan(dataset, resolveTrainConfig(perfTrainConfig()));
  const { net, method, context } = build(arch, methodId, dataset, cfg);
  const timer = new PhaseTimer();
  const stepMs: number[] = [];
  let last = 0, endS = 0, tensorsAfterWarmup = 0, tensorsEnd = 0;
  const r = await fit(net, method, dataset, resolveTrainConfig(cfg), {
    phases: timer,
    onStep: (info) => {
      const now = performance.now();
      if (info.step === o.warmup - 1) {
        timer.reset();
        tensorsAfterWarmup = tf.memory().numTensors;
      } else if (info.step >= o.warmup) stepMs.push(now - last);
      tensorsEnd = tf.memory().numTensors;
      last = now;
    },
    onEpoch: () => void (endS = (performance.now() - last) / 1000),
  }, context.removal);
  const phases = timer.perStep();
  const ms = median(stepMs);
  const evalOpts = { batchSize: 1000, normalize: false };
  const t0 = performance.now();
  await evaluate(net, (b) => method.forwardOptions("eval", b), dataset.test, dataset, evalOpts);
  const evalPerS = dataset.test.n / ((performance.now() - t0) / 1000);
  method.dispose();
  net.dispose();
  const measured = o.fullEpoch;
  const epochS = measured ? r.wallS : (ms * stepsPerEpoch) / 1000 + endS;
  const prof = await profileKernels(arch, methodId, dataset, o.profileSteps);
  return {
    msPerStep: ms,
    msPerStepMin: Math.min(...stepMs),
    epochEndS: endS,
    stepsPerEpoch,
    epochS,
    epochMeasured: measured,
    evalPerS,
    phases,
    kernelMs: prof.reduce((s, k) => s + k.ms, 0),
    kernelCalls: prof.reduce((s, k) => s + k.calls, 0),
    kernels: prof,
    tensorGrowth: tensorsEnd - tensorsAfterWarmup,
  };
}

/** Kernels of `steps` steps after 5 warm-up steps of a fresh run, per step. */
async function profileKernels(
  arch: string,
  methodId: string,
  dataset: Dataset,
  steps: number,
): Promise<KernelTime[]> {
  const warm = 5;
  const cfg = perfTrainConfig({ maxStepsPerEpoch: warm + steps, evalEvery: 1 });
  const { net, method, context } = build(arch, methodId, dataset, cfg);
  try {
    return await profileBetweenMarkers(async () => {
      await fit(net, method, dataset, resolveTrainConfig(cfg), {
        onStep: (info) => {
          if (info.step === warm - 1 || info.step === warm + steps - 1) mark();
        },
      }, context.removal);
    }, steps);
  } finally {
    method.dispose();
    net.dispose();
  }
}

/** One row of the removal on/off evidence. */
export interface TrainingRow {
  /** Method id. */
  method: string;
  /** Architecture id. */
  arch: string;
  /** Removal during training on or off. */
  removal: boolean;
  /** Epochs trained. */
  epochs: number;
  /** Wall seconds of training (without operating points). */
  wallS: number;
  /** Training MACs spent / dense. */
  macsFraction: number;
  /** Final test error in percent (EMA model). */
  errorPct: number;
  /** Kept units (all gate groups). */
  keptUnits: number;
  /** Width of every group at the end. */
  widths: Record<string, number>;
}

/** A full training run with removal during training on or off. */
export async function trainingRun(
  arch: string,
  methodId: string,
  dataset: Dataset,
  epochs: number,
  removal: boolean,
  hparams: Record<string, unknown>,
): Promise<TrainingRow> {
  const cfg = perfTrainConfig({ epochs });
  const { net, method, context } = build(arch, methodId, dataset, cfg, {
    ...hparams,
    removeDuringTraining: removal,
  });
  try {
    const r = await train(net, { method, context }, dataset, cfg, {
      onEpoch: (h) =>
        console.error(
          `  ${methodId} removal=${removal} epoch ${h.epoch}: acc ${h.testAcc?.toFixed(4)}, ` +
            `kept ${h.unitsKeptTotal}, widths ${JSON.stringify(h.widths)}, ` +
            `MACs/dense ${(h.trainMacs / h.trainMacsDense).toFixed(3)}, ${h.wallS.toFixed(1)} s`,
        ),
    });
    disposePoints(r, net);
    const last = r.history[r.history.length - 1];
    return {
      method: methodId,
      arch,
      removal,
      epochs,
      wallS: r.wallS,
      macsFraction: r.trainMacs / r.trainMacsDense,
      errorPct: 100 * (1 - (r.points[0]?.acc ?? last.testAcc ?? NaN)),
      keptUnits: last.unitsKeptTotal,
      widths: last.widths,
    };
  } finally {
    method.dispose();
    net.dispose();
  }
}
