/**
 * One run, in-process: build the network at its initial width, create the method, train, then for
 * every operating point measure sizes (dense / masked / compact), latency (dense vs compact),
 * accuracy of the compact network, export it, and write `history.csv`, `masks.json` and
 * `result.json`. A diverging or throwing run becomes a `failed` result with its reason.
 *
 * @module
 */
import { bakeEvalTransform } from "../train/bake.ts";
import { evaluate } from "../train/step.ts";
import { stringify } from "../deps/csv.ts";
import { getArch } from "../models/registry.ts";
import { withModelOptions } from "../models/options.ts";
import type { ArchSpec } from "../models/spec.ts";
import { Network } from "../models/network.ts";
import { compact, type CompactOptions } from "../models/compact.ts";
import { exportModel } from "../models/export.ts";
import { countMacs, countParams } from "../metrics/counts.ts";
import { archString } from "../metrics/arch_string.ts";
import { latencyReport } from "../metrics/size_latency.ts";
import { findMethod, loadMethodModules } from "./user_methods.ts";
import type { PruningMethod } from "../methods/types.ts";
import type { Dataset } from "../data/mod.ts";
import { train } from "../train/loop.ts";
import type { EpochRecord, PointResult as TrainPoint } from "../train/types.ts";
import { DEFAULT_LATENCY, type ResolvedRunConfig } from "./identity.ts";
import { DivergenceError } from "../util/errors.ts";
import { finiteDivergence } from "./divergence.ts";
import { Rng } from "../util/rng.ts";
import { writeFileAtomic } from "../util/fs.ts";
import type { RunConfig } from "./suite.ts";
import type { PointResult, Provenance, RunResult } from "./store.ts";
import { failureReason } from "../runtime/failure.ts";
import { structureConverged } from "./convergence.ts";

/** Everything a worker needs besides the dataset. */
export interface RunInput {
  /** Run id. */
  runId: string;
  /** Suite id. */
  suite: string;
  /**
   * The fully resolved config (hyperparameters, recipe and training config, see `identity.ts`):
   * used as it is, never resolved again.
   */
  config: Omit<ResolvedRunConfig, "backend">;
  /** Output folder of the run. */
  dir: string;
  /** Provenance of the worker process. */
  provenance: Provenance;
  /** Called after every epoch. */
  onEpoch?: (epoch: number, epochs: number) => void;
}

/** The run's architecture adapted to the dataset's input shape and outputs. */
export function archFor(c: RunConfig, dataset: Dataset): ReturnType<typeof getArch> {
  const outputs = dataset.numClasses ||
    (dataset.targetDim ?? dataset.inputShape.reduce((a, b) => a * b, 1));
  const spec = getArch(c.arch, c.width, { inputShape: dataset.inputShape, outputs });
  return c.recipe.model ? withModelOptions(spec, c.recipe.model) : spec;
}

/** Executes a run on an already loaded dataset. Never throws for training failures. */
export async function executeRun(input: RunInput, dataset: Dataset): Promise<RunResult> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  // the stored config leaves out the resolved training config (the run id's identity has it)
  const { train: trainConfig, ...config } = input.config;
  const spec = findMethod(config.method, await loadMethodModules(config.methodModules));
  const base: RunResult = {
    runId: input.runId,
    suite: input.suite,
    config,
    hparams: config.hparams,
    status: "ok",
    reason: "",
    points: [],
    epochs: 0,
    trainMacs: 0,
    trainMacsDense: 0,
    wallSeconds: 0,
    provenance: input.provenance,
    startedAt,
    finishedAt: "",
  };
  const arch = archFor(config, dataset);
  const net = new Network(arch, { seed: config.seed });
  const history: EpochRecord[] = [];
  let method: PruningMethod | null = null;
  try {
    const recipe = { spec, config: config.hparams, rng: new Rng(config.seed, 11) };
    const result = await train(net, recipe, dataset, trainConfig, {
      onEpoch: (rec) => {
        history.push(rec);
        const diverged = finiteDivergence(rec, history[0], dataset.numClasses);
        if (diverged) throw new DivergenceError(diverged, rec.epoch - 1, rec.steps - 1);
        input.onEpoch?.(rec.epoch, config.recipe.epochs);
      },
    });
    method = result.method;
    Object.assign(base, {
      epochs: history.length,
      trainMacs: result.trainMacs,
      trainMacsDense: result.trainMacsDense,
    });
    for (const p of result.points) {
      base.points.push(await evaluatePoint(input, dataset, net, result.method, p));
      if (p.network !== net) p.network.dispose();
    }
  } catch (e) {
    base.status = "failed";
    base.reason = failureReason(e);
    base.epochs = history.length;
  } finally {
    method?.dispose();
    net.dispose();
  }
  base.structureConverged = structureConverged(history.map((h) => h.unitsKeptTotal));
  await writeHistory(input.dir, history);
  base.wallSeconds = (performance.now() - t0) / 1000;
  base.finishedAt = new Date().toISOString();
  return base;
}

/** Sizes, latency, compact accuracy and export of one operating point. */
async function evaluatePoint(
  input: RunInput,
  dataset: Dataset,
  trained: Network,
  method: PruningMethod,
  p: TrainPoint,
): Promise<PointResult> {
  const net = p.network;
  const { baked, gates } = bakeEvalTransform(net, net === trained ? method : null);
  const masks: CompactOptions = { keep: p.keep, weights: p.weights, gates };
  let small: Network;
  try {
    small = compact(baked, masks);
  } catch (e) {
    if (!(e instanceof RangeError && /layer collapse/.test(e.message))) throw e;
    if (baked !== net) baked.dispose();
    return collapsedPoint(input, dataset, net, p, masks, e.message);
  }
  const arch = archFor(input.config, dataset);
  const denseNet = new Network(arch, { seed: input.config.seed });
  try {
    const lat = input.config.recipe.latency ?? DEFAULT_LATENCY;
    const latency = await latencyReport(denseNet, small, {
      batch: lat.batch,
      repeats: lat.repeats,
    });
    const accCompact = (await evaluate(small, () => ({}), dataset.test, dataset, {
      batchSize: Math.max(input.config.recipe.batchSize, 500),
      normalize: input.config.recipe.normalize ?? false,
    })).acc ?? NaN;
    const safe = p.label.replace(/[^A-Za-z0-9._=-]/g, "_");
    const exported = await exportModel(baked, `${input.dir}/model/${safe}`, masks);
    return {
      ...pointSizes(arch, net, p, masks),
      paramsCompact: countParams(small),
      macsCompact: countMacs(small),
      latencyDenseMs: latency.latencyDenseMs,
      latencyCompactMs: latency.latencyCompactMs,
      speedupInterval: latency.speedupInterval,
      latencyRepeats: latency.repeats,
      modelBytes: exported.totalBytes,
      extra: {
        acc_compact: accCompact,
        fine_tune_epochs: p.fineTuneEpochs,
        ...(p.target !== undefined ? { target: p.target } : {}),
      },
    };
  } finally {
    small.dispose();
    denseNet.dispose();
    if (baked !== net) baked.dispose();
  }
}

/**
 * A point whose masks prune every unit of some group ("layer collapse"): the network is a
 * constant function and cannot be compacted. It is still an operating point (accuracy at
 * chance); compact sizes, latency and export are left empty and the reason is recorded.
 */
function collapsedPoint(
  input: RunInput,
  dataset: Dataset,
  net: Network,
  p: TrainPoint,
  masks: CompactOptions,
  reason: string,
): PointResult {
  return {
    ...pointSizes(archFor(input.config, dataset), net, p, masks),
    paramsCompact: NaN,
    macsCompact: NaN,
    latencyDenseMs: NaN,
    latencyCompactMs: NaN,
    modelBytes: 0,
    extra: { collapsed: reason, fine_tune_epochs: p.fineTuneEpochs },
  };
}

/**
 * The fields of a point that need no compaction: label, accuracy, kept units per layer (initial
 * widths from the groups' initial sizes), and dense and masked parameters and MACs.
 */
function pointSizes(arch: ArchSpec, net: Network, p: TrainPoint, masks: CompactOptions) {
  const initial = net.groups.map((g) => g.initialSize);
  const kept = archString(net, p.keep, { effective: true });
  return {
    point: p.label,
    acc: p.acc ?? NaN,
    loss: p.loss,
    unitsInit: initial.reduce((a, b) => a + b, 0),
    unitsKept: kept.split("-").map(Number).reduce((a, b) => a + b, 0),
    perLayerInit: initial.join("-"),
    perLayerKept: kept,
    paramsDense: countParams(arch),
    paramsMasked: countParams(net, masks),
    macsDense: countMacs(arch),
    macsMasked: countMacs(net, masks),
  };
}

async function writeHistory(dir: string, history: EpochRecord[]): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const h of history) {
    const add = (metric: string, value: number | null) => {
      if (value !== null && value !== undefined && Number.isFinite(value)) {
        rows.push([h.epoch, metric, value]);
      }
    };
    add("train_loss", h.trainLoss);
    add("train_acc", h.trainAcc);
    add("test_loss", h.testLoss);
    add("test_acc", h.testAcc);
    add("penalty", h.penalty);
    add("kept_fraction", h.keptFraction);
    add("units_kept", h.unitsKeptTotal);
    add("lr", h.lr);
    add("train_macs", h.trainMacs);
    add("train_macs_dense", h.trainMacsDense);
    add("wall_s", h.wallS);
    for (const [g, n] of Object.entries(h.unitsKept)) add(`kept.${g}`, n);
    for (const [k, v] of Object.entries(h.logs)) add(k, v);
  }
  await writeFileAtomic(
    `${dir}/history.csv`,
    stringify(rows, { header: true, columns: ["epoch", "metric", "value"] }),
  );
}
