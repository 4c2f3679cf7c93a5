/**
 * `magnitude`: one-shot magnitude pruning of a dense-trained network (methods.md §7 (a), (b), (d)).
 *
 * - Unstructured (`granularity: "weight"`, Han et al. 2015): prune the smallest |θ| among the
 *   prunable weights — every dense/conv weight tensor, the classifier's included by default
 *   (`includeClassifier`); never biases or BN parameters.
 * - Structured (`granularity: "unit"`, L1-norm ranking after Li et al. 2017): prune the units with
 *   the smallest L1 norm of their incoming weights. Layer-wise scope ranks raw L1 norms within each
 *   group; global scope ranks the mean |θ| (L1 / fan-in) so layers of different fan-in compare.
 *   Default groups: every hidden unit/filter group (not `input` groups); one unit per group is
 *   always kept.
 * - `scope: "global"` (HALO's "Rethinking" protocol, default) or `"layer"` (each tensor/group to
 *   the same sparsity). Exactly round(target·n) entries are pruned (ties broken by position).
 *
 * Training is plain dense training (no gates, no penalty). At the end, `operatingPoints()` returns
 * one point per target sparsity; with `fineTuneEpochs > 0` the engine fine-tunes each point on a
 * clone with its masks fixed (Han et al.'s prune + retrain). `keepMasks`/`weightMasks` return the
 * masks of the last target.
 *
 * @module
 */
import type {
  Granularity,
  MethodContext,
  MethodSpec,
  OperatingPoint,
  PruningMethod,
} from "./types.ts";
import type { Network } from "../models/network.ts";
import { ConfigError } from "../util/errors.ts";
import { absValues, prunableWeights, pruneLowest, type Scope, unitL1 } from "./_masks.ts";

/** Hyperparameters of `magnitude`. */
export interface MagnitudeConfig {
  /** Target sparsities (fractions of prunable weights or units removed), one operating point each. */
  targets: number[];
  /** `weight` (unstructured) or `unit` (structured, L1 norm of incoming weights). */
  granularity: Granularity;
  /** `global` ranking across layers or `layer`-wise. */
  scope: Scope;
  /** Fine-tuning epochs per operating point (0 = none, HALO's protocol). */
  fineTuneEpochs: number;
  /** Unstructured: prune the classifier's weights too. */
  includeClassifier: boolean;
  /** Structured: groups to prune ([] = every non-input group). */
  groups: string[];
}

/** Masks of one target: structured keep masks by group, unstructured masks by parameter. */
export interface MagnitudeMasks {
  /** Keep masks by group id (structured). */
  keep: Map<string, Uint8Array>;
  /** Keep masks by parameter name (unstructured). */
  weights: Map<string, Uint8Array>;
  /** Largest pruned score per tensor or group (−Infinity where nothing was pruned). */
  thresholds: Map<string, number>;
}

/** Scores ranked by {@linkcode magnitudeMasks}: |θ| per weight, or unit L1 scores per group. */
export function magnitudeScores(net: Network, c: MagnitudeConfig): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  if (c.granularity === "weight") {
    for (const name of prunableWeights(net, c.includeClassifier)) {
      out.set(name, absValues(net, name));
    }
  } else {
    const groups = c.groups.length
      ? net.groups.filter((g) => c.groups.includes(g.id))
      : net.groups.filter((g) => g.kind !== "input");
    for (const g of groups) out.set(g.id, unitL1(net, g, c.scope === "global"));
  }
  return out;
}

/**
 * The magnitude-pruning masks of `net` at sparsity `target` (scores from the current weights
 * unless given).
 *
 * @example 90% global unstructured sparsity
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { Network } from "../models/network.ts";
 * import { getArch } from "../models/registry.ts";
 * import { magnitude, magnitudeMasks } from "./magnitude.ts";
 * await tf.setBackend("cpu");
 * const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
 * const m = magnitudeMasks(net, { ...magnitude.defaults, targets: [0.9] }, 0.9);
 * let n = 0, kept = 0;
 * for (const mask of m.weights.values()) for (const b of mask) (n++, kept += b);
 * if (n - kept !== Math.round(0.9 * n)) throw new Error();
 * net.dispose();
 * ```
 */
export function magnitudeMasks(
  net: Network,
  c: MagnitudeConfig,
  target: number,
  scores: Map<string, Float32Array> = magnitudeScores(net, c),
): MagnitudeMasks {
  const names = [...scores.keys()];
  const sel = pruneLowest(
    names.map((k) => scores.get(k)!),
    target,
    c.scope,
    c.granularity === "unit",
  );
  const masks = new Map(names.map((k, i) => [k, sel.masks[i]]));
  return {
    keep: c.granularity === "unit" ? masks : new Map(),
    weights: c.granularity === "weight" ? masks : new Map(),
    thresholds: new Map(names.map((k, i) => [k, sel.thresholds[i]])),
  };
}

/** Problems of a magnitude-style config (empty when valid). */
export function magnitudeProblems(net: Network, c: MagnitudeConfig): string[] {
  const p: string[] = [];
  if (!c.targets.length) p.push("targets must not be empty");
  for (const t of c.targets) {
    if (!(t >= 0 && t < 1)) p.push(`target sparsity must be in [0, 1): got ${t}`);
  }
  if (!["weight", "unit"].includes(c.granularity)) {
    p.push(`granularity must be "weight" or "unit": got "${c.granularity}"`);
  }
  if (!["global", "layer"].includes(c.scope)) {
    p.push(`scope must be "global" or "layer": got "${c.scope}"`);
  }
  if (!(Number.isInteger(c.fineTuneEpochs) && c.fineTuneEpochs >= 0)) {
    p.push(`fineTuneEpochs must be an integer ≥ 0: got ${c.fineTuneEpochs}`);
  }
  const ids = net.groups.map((g) => g.id);
  for (const g of c.groups) {
    if (!ids.includes(g)) {
      p.push(`Unknown gate group "${g}": expected one of ${ids.map((x) => `"${x}"`).join(", ")}`);
    }
  }
  return p;
}

/** The `magnitude` method spec. */
export const magnitude: MethodSpec<MagnitudeConfig> = {
  id: "magnitude",
  summary:
    "One-shot magnitude pruning after dense training, optional fine-tuning (Han et al. 2015)",
  citation: "Han, Pool, Tran, Dally. Learning both Weights and Connections for Efficient Neural " +
    "Networks. NeurIPS 2015. arXiv:1506.02626",
  granularities: ["weight", "unit"] as const satisfies readonly Granularity[],
  defaults: {
    targets: [0.5, 0.75, 0.9, 0.95, 0.98],
    granularity: "weight",
    scope: "global",
    fineTuneEpochs: 0,
    includeClassifier: true,
    groups: [],
  },
  docs: {
    targets:
      "target sparsities, one operating point each (fraction of prunable weights/units removed)",
    granularity: '"weight" (unstructured |θ|) or "unit" (structured, L1 norm of incoming weights)',
    scope: '"global" (one ranking over all layers) or "layer" (same sparsity in every layer)',
    fineTuneEpochs: "fine-tuning epochs per operating point with the masks fixed (0 = none)",
    includeClassifier: "unstructured: prune the final classifier's weights too",
    groups: "structured: groups to prune; [] = every non-input group",
  },
  ranges: {
    targets: { min: 0, below: 1 },
    granularity: { oneOf: ["weight", "unit"] },
    scope: { oneOf: ["global", "layer"] },
    fineTuneEpochs: { integer: true, min: 0 },
  },
  create(ctx: MethodContext, c: MagnitudeConfig): PruningMethod {
    return oneShotMethod("magnitude", ctx, c, () => magnitudeScores(ctx.net, c));
  },
};

/**
 * A one-shot pruning method that ranks by `scores()` (computed at the end of dense training):
 * `magnitude` ranks by |θ| or unit L1 norm, `random-unit` by seeded random scores.
 */
export function oneShotMethod(
  id: string,
  ctx: MethodContext,
  c: MagnitudeConfig,
  scores: () => Map<string, Float32Array>,
): PruningMethod {
  const problems = magnitudeProblems(ctx.net, c);
  if (problems.length) throw new ConfigError(problems, `hyperparameters of method "${id}"`);
  const points = (): OperatingPoint[] => {
    const s = scores();
    return c.targets.map((target) => {
      const m = magnitudeMasks(ctx.net, c, target, s);
      return {
        label: `sparsity=${target}`,
        target,
        keep: m.keep,
        weights: m.weights,
        fineTuneEpochs: c.fineTuneEpochs,
      };
    });
  };
  const last = () => magnitudeMasks(ctx.net, c, c.targets[c.targets.length - 1], scores());
  return {
    id,
    variableGroups: () => [],
    forwardOptions: () => ({}),
    penalty: () => null,
    keepMasks: () => last().keep,
    weightMasks: () => last().weights,
    operatingPoints: points,
    logs: () => ({}),
    dispose: () => {},
  };
}
