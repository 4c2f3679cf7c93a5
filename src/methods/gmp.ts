/**
 * `gmp`: gradual magnitude pruning (M. Zhu, S. Gupta, "To prune, or not to prune: exploring the
 * efficacy of pruning for model compression", arXiv:1710.01878, 2017; the strong baseline of Gale
 * et al. 2019). Unstructured, on every dense/conv weight tensor (classifier included by default,
 * `includeClassifier`; never biases or BN).
 *
 * Schedule: at the update steps t ∈ {t0, t0+Δt, …} ∪ {t_end}, t0 ≤ t ≤ t_end, the masks are set to
 * the sparsity s_t = s_f + (s_i − s_f)(1 − (t − t0)/(t_end − t0))³ (t counts steps taken; t0 and
 * t_end are `begin`/`end` fractions of the planned steps, Δt = `frequency`). Each update prunes the
 * lowest scores (|θ| here) per tensor (`scope: "layer"`, Zhu & Gupta) or globally; pruned weights
 * stay pruned. Masks are applied through the `param` transform (θ ⊙ m) and the masked weights are
 * re-zeroed after every optimizer step (momentum would otherwise move them).
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { Granularity, MethodContext, MethodSpec, PruningMethod, StepInfo } from "./types.ts";
import type { RemovalPlan } from "../models/groups.ts";
import { ConfigError } from "../util/errors.ts";
import { absValues, maskSparsity, prunableWeights, pruneLowest, type Scope } from "./_masks.ts";

/** Hyperparameters of `gmp` and `random`. */
export interface GmpConfig {
  /** Sparsity s_i at the first update. */
  initialSparsity: number;
  /** Final sparsity s_f. */
  finalSparsity: number;
  /** First update step t0 as a fraction of the planned steps. */
  begin: number;
  /** Last update step t_end as a fraction of the planned steps. */
  end: number;
  /** Steps Δt between mask updates. */
  frequency: number;
  /** `layer`: every tensor to s_t (Zhu & Gupta); `global`: one ranking over all tensors. */
  scope: Scope;
  /** Prune the classifier's weights too. */
  includeClassifier: boolean;
}

const DEFAULTS: GmpConfig = {
  initialSparsity: 0,
  finalSparsity: 0.9,
  begin: 0.1,
  end: 0.75,
  frequency: 100,
  scope: "layer",
  includeClassifier: true,
};

const DOCS: Record<keyof GmpConfig, string> = {
  initialSparsity: "sparsity s_i at the first mask update",
  finalSparsity: "final sparsity s_f of the prunable weights",
  begin: "first update step t0, fraction of the planned steps",
  end: "last update step t_end, fraction of the planned steps (s_f from then on)",
  frequency: "steps Δt between mask updates",
  scope: '"layer" (each tensor to s_t, Zhu & Gupta) or "global"',
  includeClassifier: "prune the final classifier's weights too",
};

/** First and last update step of the schedule. */
function window(totalSteps: number, c: GmpConfig): [number, number] {
  const t0 = Math.round(c.begin * totalSteps);
  return [t0, Math.max(t0, Math.round(c.end * totalSteps))];
}

/** True when masks are updated once `t` steps have been taken. */
export function isGmpUpdate(t: number, totalSteps: number, c: GmpConfig): boolean {
  const [t0, t1] = window(totalSteps, c);
  return t >= t0 && t <= t1 && ((t - t0) % c.frequency === 0 || t === t1);
}

/**
 * Mask sparsity after `t` steps: the cubic s_t at the last update step ≤ t (0 before t0).
 *
 * @example Halfway through the pruning window
 * ```ts
 * import { gmp, gmpSparsity } from "./gmp.ts";
 * const c = { ...gmp.defaults, begin: 0, end: 1, frequency: 10 };
 * if (Math.abs(gmpSparsity(50, 100, c) - (0.9 - 0.9 / 8)) > 1e-12) throw new Error();
 * ```
 */
export function gmpSparsity(t: number, totalSteps: number, c: GmpConfig): number {
  const [t0, t1] = window(totalSteps, c);
  if (t < t0) return 0;
  let u = t >= t1 ? t1 : t0 + Math.floor((t - t0) / c.frequency) * c.frequency;
  u = Math.min(u, t1);
  const f = t1 > t0 ? (u - t0) / (t1 - t0) : 1;
  return c.finalSparsity + (c.initialSparsity - c.finalSparsity) * Math.pow(1 - f, 3);
}

function problemsOf(c: GmpConfig): string[] {
  const p: string[] = [];
  for (const k of ["initialSparsity", "finalSparsity"] as const) {
    if (!(c[k] >= 0 && c[k] < 1)) p.push(`${k} must be in [0, 1): got ${c[k]}`);
  }
  if (!(c.initialSparsity <= c.finalSparsity)) p.push("initialSparsity must be ≤ finalSparsity");
  if (!(c.begin >= 0 && c.begin <= c.end && c.end <= 1)) {
    p.push(`need 0 ≤ begin ≤ end ≤ 1: got ${c.begin}, ${c.end}`);
  }
  if (!(Number.isInteger(c.frequency) && c.frequency >= 1)) {
    p.push(`frequency must be an integer ≥ 1: got ${c.frequency}`);
  }
  if (!["global", "layer"].includes(c.scope)) {
    p.push(`scope must be "global" or "layer": got "${c.scope}"`);
  }
  return p;
}

/**
 * A scheduled-pruning method: gmp with `scores = |θ|`, `random` with fixed random scores.
 * `scoresOf` returns the current score of every weight of a parameter.
 */
export function scheduledPruning(
  id: string,
  ctx: MethodContext,
  c: GmpConfig,
  scoresOf: (name: string) => Float32Array,
  onRemove: (plan: RemovalPlan) => void = () => {},
): PruningMethod {
  const problems = problemsOf(c);
  if (problems.length) throw new ConfigError(problems, `hyperparameters of method "${id}"`);
  const net = ctx.net;
  const names = prunableWeights(net, c.includeClassifier);
  const bits = new Map(names.map((n) => [n, new Uint8Array(net.params.get(n)!.size).fill(1)]));
  const shapes = new Map(names.map((n) => [n, net.params.get(n)!.shape.slice()]));
  const tensors = new Map<string, tf.Tensor>();
  let target = 0;
  const setTensors = () => {
    for (const n of names) {
      tensors.get(n)?.dispose();
      tensors.set(n, tf.tensor(Float32Array.from(bits.get(n)!), shapes.get(n)!));
    }
  };
  const rezero = () => {
    for (const [n, m] of tensors) {
      tf.tidy(() => net.params.get(n)!.assign(tf.mul(net.params.get(n)!, m)));
    }
  };
  return {
    id,
    variableGroups: () => [],
    forwardOptions: () =>
      tensors.size
        ? { param: (name, v) => (tensors.has(name) ? tf.mul(v, tensors.get(name)!) : v) }
        : {},
    penalty: () => null,
    afterStep(info: StepInfo) {
      const t = info.step + 1;
      if (isGmpUpdate(t, info.totalSteps, c)) {
        target = gmpSparsity(t, info.totalSteps, c);
        const sel = pruneLowest(names.map((n) => scoresOf(n)), target, c.scope);
        names.forEach((n, i) => {
          const b = bits.get(n)!, m = sel.masks[i];
          for (let j = 0; j < b.length; j++) b[j] &= m[j];
        });
        setTensors();
      }
      rezero();
    },
    onUnitsRemoved(plan: RemovalPlan) {
      for (const n of names) {
        const ops = plan.ops.filter((o) => o.param === n);
        if (!ops.length) continue;
        const g = tf.tidy(() =>
          ops.reduce(
            (acc: tf.Tensor, o) => tf.gather(acc, tf.tensor1d(o.indices, "int32"), o.axis),
            tf.tensor(Float32Array.from(bits.get(n)!), shapes.get(n)!),
          )
        );
        bits.set(n, Uint8Array.from(g.dataSync()));
        shapes.set(n, g.shape.slice());
        g.dispose();
      }
      onRemove(plan);
      if (tensors.size) setTensors();
    },
    keepMasks: () => new Map(),
    weightMasks: () => new Map([...bits].map(([n, b]) => [n, b.slice()])),
    logs: () => ({ sparsity: maskSparsity([...bits.values()]), target_sparsity: target }),
    dispose() {
      for (const t of tensors.values()) t.dispose();
      tensors.clear();
    },
  };
}

/** The `gmp` method spec. */
export const gmp: MethodSpec<GmpConfig> = {
  id: "gmp",
  summary: "Gradual magnitude pruning with a cubic sparsity schedule (Zhu & Gupta 2017)",
  citation: "Zhu, Gupta. To prune, or not to prune: exploring the efficacy of pruning for model " +
    "compression. arXiv:1710.01878, 2017",
  granularities: ["weight"] as const satisfies readonly Granularity[],
  defaults: DEFAULTS,
  docs: DOCS,
  ranges: {
    initialSparsity: { min: 0, below: 1 },
    finalSparsity: { min: 0, below: 1 },
    begin: { min: 0, max: 1 },
    end: { min: 0, max: 1 },
    frequency: { integer: true, min: 1 },
    scope: { oneOf: ["global", "layer"] },
  },
  create: (ctx, c) => scheduledPruning("gmp", ctx, c, (n) => absValues(ctx.net, n)),
};
