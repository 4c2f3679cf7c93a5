/**
 * The training loop proper, {@linkcode fit}: epochs of seeded batches, one explicit step each
 * (gradients of task loss + penalty over the network and the method's currently trainable
 * variables, optimizer update per group, BN running statistics, EMA, `afterStep`), then per epoch
 * `onEpochEnd`, evaluation and a history record; at the end the EMA values are loaded. `train`
 * (loop.ts) calls it for training and for fine-tuning operating points.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { Network } from "../models/network.ts";
import type { PruningMethod, StepInfo } from "../methods/types.ts";
import { batches, type Dataset } from "../data/mod.ts";
import {
  checkCompatible,
  type ResolvedTrainConfig,
  stepPlan,
  trainBatchOptions,
} from "./config.ts";
import { effectiveLr, Optimizer } from "./optimizers.ts";
import { makeSchedule } from "./schedules.ts";
import { Ema } from "./ema.ts";
import { allVariables, collectVariables, trainStep } from "./step.ts";
import { epochEval } from "./epoch.ts";
import { countMacs, TRAIN_MAC_FACTOR } from "../metrics/counts.ts";
import { bindRemoval, type RemovalSlot, removeUnitsInTraining } from "./context.ts";
import { tidyCall } from "./points.ts";
import type { EpochRecord, TrainHooks, TrainResult } from "./types.ts";

/**
 * The training loop proper (also used for fine-tuning). While it runs, units removed through the
 * method's context shrink this run's optimizer and EMA state: `slot` is that context's
 * `removal` (see {@linkcode train}); without it the context's `removeUnits` refuses.
 */
export async function fit(
  net: Network,
  method: PruningMethod,
  dataset: Dataset,
  cfg: ResolvedTrainConfig,
  hooks: TrainHooks,
  slot?: RemovalSlot,
): Promise<Omit<TrainResult, "points">> {
  const t0 = performance.now();
  checkCompatible(net.arch, dataset);
  const { stepsPerEpoch, totalSteps } = stepPlan(dataset, cfg);
  const factorAt = makeSchedule(cfg.schedule, {
    stepsPerEpoch,
    totalSteps,
    baseLr: cfg.optimizer.lr,
  });
  const opt = new Optimizer();
  const ema = cfg.ema === null ? null : new Ema(cfg.ema);
  let unbind = () => {};
  const run: FitRun = {
    net,
    method,
    dataset,
    cfg,
    hooks,
    opt,
    ema,
    factorAt,
    stepsPerEpoch,
    totalSteps,
    denseMacs: countMacs(net.arch) * TRAIN_MAC_FACTOR,
    t0,
    step: 0,
    macs: 0,
    macsDense: 0,
  };
  const history: EpochRecord[] = [];
  try {
    if (slot) {
      unbind = bindRemoval(
        slot,
        (g, keep) => removeUnitsInTraining(net, method, g, keep, opt, ema),
      );
    }
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const sums = await trainEpoch(run, epoch);
      const record = await endEpoch(run, epoch, sums);
      history.push(record);
      await hooks.onEpoch?.(record);
    }
    ema?.load(allVariables(net, method.variableGroups()));
  } finally {
    unbind();
    opt.dispose();
    ema?.dispose();
  }
  const wallS = (performance.now() - t0) / 1000;
  return {
    history,
    steps: run.step,
    trainMacs: run.macs,
    trainMacsDense: run.macsDense,
    wallS,
    emaLoaded: ema !== null,
  };
}

/** A {@linkcode fit} in progress: what it trains with, and its step and MAC counters. */
interface FitRun {
  net: Network;
  method: PruningMethod;
  dataset: Dataset;
  cfg: ResolvedTrainConfig;
  hooks: TrainHooks;
  opt: Optimizer;
  ema: Ema | null;
  /** Learning-rate factor of a step. */
  factorAt: (step: number) => number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** Dense training MACs per example of one step. */
  denseMacs: number;
  /** `performance.now()` at the start. */
  t0: number;
  /** Steps taken so far. */
  step: number;
  /** Training MACs spent so far. */
  macs: number;
  /** Dense-equivalent training MACs so far. */
  macsDense: number;
}

/** Sums of one epoch's steps. */
interface EpochSums {
  loss: number;
  penalty: number;
  correct: number;
  n: number;
  steps: number;
}

/** The {@linkcode StepInfo} of `step` in `epoch`. */
function stepInfo(run: FitRun, epoch: number, step: number): StepInfo {
  return {
    step,
    epoch,
    stepsPerEpoch: run.stepsPerEpoch,
    totalSteps: run.totalSteps,
    epochs: run.cfg.epochs,
  };
}

/** The steps of one epoch (seeded batches, one `trainStep` each, EMA, `afterStep`, hooks). */
async function trainEpoch(run: FitRun, epoch: number): Promise<EpochSums> {
  const { net, method, dataset, cfg, hooks, opt, ema } = run;
  const sums = { loss: 0, penalty: 0, correct: 0, n: 0, steps: 0 };
  const flatten = net.arch.inputShape.length === 1;
  const it = batches(dataset.train, dataset, { ...trainBatchOptions(cfg), epoch, flatten });
  const timer = hooks.phases;
  for (let k = 0; k < run.stepsPerEpoch; k++, run.step++) {
    timer?.start();
    const next = it.next();
    if (next.done) break;
    const batch = next.value, info = stepInfo(run, epoch, run.step);
    const { all, entries } = collectVariables(
      net,
      method.variableGroups(),
      cfg.optimizer,
      cfg.decayBiasAndBn,
      info,
    );
    const stepMacs = countMacs(net) * TRAIN_MAC_FACTOR * batch.size;
    timer?.lap("batch");
    const values = await trainStep(
      net,
      method,
      batch,
      dataset.numClasses,
      entries,
      opt,
      run.factorAt(run.step),
      info,
      timer,
    )
      .finally(() => tf.dispose([batch.x, batch.y]));
    run.macs += stepMacs;
    run.macsDense += run.denseMacs * batch.size;
    ema?.update(all);
    timer?.lap("ema");
    method.afterStep?.(info);
    sums.loss += values.loss * batch.size;
    sums.penalty += values.penalty;
    sums.correct += values.correct;
    sums.n += batch.size;
    sums.steps++;
    await hooks.onStep?.(info, values);
    timer?.lap("hooks");
    timer?.endStep();
  }
  it.return(undefined);
  return sums;
}

/** The end of an epoch: `onEpochEnd`, the method's logs, evaluation, and the epoch's record. */
async function endEpoch(run: FitRun, epoch: number, sums: EpochSums): Promise<EpochRecord> {
  const { net, method, dataset, cfg, ema, step } = run;
  method.onEpochEnd?.(stepInfo(run, epoch, step - 1));
  const logs = tidyCall(() => method.logs());
  const evaluateNow = (epoch + 1) % cfg.evalEvery === 0 || epoch === cfg.epochs - 1;
  const { test, units } = await epochEval(net, method, dataset, cfg, ema, evaluateNow);
  return {
    epoch: epoch + 1,
    steps: step,
    trainLoss: sums.loss / Math.max(1, sums.n),
    trainAcc: dataset.numClasses ? sums.correct / Math.max(1, sums.n) : null,
    penalty: sums.penalty / Math.max(1, sums.steps),
    testLoss: test?.loss ?? null,
    testAcc: test?.acc ?? null,
    ...units,
    lr: effectiveLr(cfg.optimizer, run.factorAt(Math.max(0, step - 1))),
    trainMacs: run.macs,
    trainMacsDense: run.macsDense,
    wallS: (performance.now() - run.t0) / 1000,
    logs,
  };
}
