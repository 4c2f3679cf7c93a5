/**
 * `diffprune`: deterministic approximate binary gates with an L0 surrogate — **a formulation
 * after Shulman (2020)**, not the paper's own method (its text and code were not available).
 *
 * Paper: Y. Shulman, "DiffPrune: Neural Network Pruning with Deterministic Approximate Binary
 * Gates and L0 Regularization", arXiv:2012.03653 (2020). No public code could be located.
 * Spec: methods.md §2.1 `[proposal]`; rationale in docs/methods/diffprune.md.
 *
 * Formulation (every constant is a hyperparameter):
 * - gate z_g = T_τ(φ_g) = min(1, max(0, (ζ−γ)·σ(φ_g/τ) + γ)), γ = −0.1, ζ = 1.1 (deterministic,
 *   default), or T_τ(φ_g + s·ε_g) with ε ~ Logistic(0, 1), one sample per minibatch (stochastic);
 *   evaluation always uses the deterministic gate;
 * - L0 surrogate P(z_g≠0) = σ((φ_g + τ·ln 11)/s) (deterministic mode: s := τ); penalty
 *   λ/N·Σ_g |g|·P(z_g≠0) with |g| as in `l0-hc` (fan-in for conv filters, fan-out otherwise);
 * - φ_g = 1 at init; τ annealed geometrically τ_0 = 1 → τ_min = 0.05 over the first 75% of steps,
 *   then held; a group is pruned iff its deterministic gate is exactly 0.
 * - Conditional computation (`removeDuringTraining`, deterministic mode): a unit whose gate is
 *   exactly 0 at `removalPatience` (2) consecutive epoch ends is removed for good. Its activation
 *   was exactly 0 and, through the clamp, so was its task gradient; only Adam momentum or a later
 *   τ could have reopened it.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { Granularity, MethodContext, MethodSpec, PruningMethod } from "./types.ts";
import { diffpruneProbNonzero, EPS, logisticFromUniform, temperedGate } from "./_concrete.ts";
import { gateMethodBase, type GateMethodCommon } from "./_gate_method.ts";

/** Hyperparameters of `diffprune`. */
export interface DiffPruneConfig extends GateMethodCommon {
  /** `deterministic` gates z = T_τ(φ), or `stochastic` z = T_τ(φ + s·ε). */
  mode: "deterministic" | "stochastic";
  /** Logistic noise scale s (stochastic mode). */
  noiseScale: number;
  /** Initial gate parameter φ. */
  phiInit: number;
  /** Initial temperature τ_0. */
  tau0: number;
  /** Final temperature τ_min. */
  tauMin: number;
  /** Fraction of the training steps over which τ is annealed. */
  annealFraction: number;
  /** Consecutive epoch ends a gate must be exactly 0 before its unit is removed. */
  removalPatience: number;
}

/**
 * Temperature after `step` steps of `totalSteps`: τ_0·(τ_min/τ_0)^(t/t_end), t_end =
 * annealFraction·totalSteps, held at τ_min afterwards.
 *
 * @example τ = 0.224 at 37.5% of the steps
 * ```ts
 * import { diffpruneTemperature } from "./diffprune.ts";
 * const tau = diffpruneTemperature(375, 1000, { tau0: 1, tauMin: 0.05, annealFraction: 0.75 });
 * if (Math.abs(tau - Math.sqrt(0.05)) > 1e-12) throw new Error(String(tau));
 * ```
 */
export function diffpruneTemperature(
  step: number,
  totalSteps: number,
  c: Pick<DiffPruneConfig, "tau0" | "tauMin" | "annealFraction">,
): number {
  const end = c.annealFraction * totalSteps;
  const f = end > 0 ? Math.min(1, Math.max(0, step / end)) : 1;
  return c.tau0 * Math.pow(c.tauMin / c.tau0, f);
}

/** The `diffprune` method spec. */
export const diffprune: MethodSpec<DiffPruneConfig> = {
  id: "diffprune",
  summary:
    "Deterministic approximate binary gates + L0 surrogate (formulation after Shulman 2020, see docs)",
  citation:
    "Shulman. DiffPrune: Neural Network Pruning with Deterministic Approximate Binary Gates and " +
    "L0 Regularization. arXiv:2012.03653, 2020 (suite formulation, docs/methods/diffprune.md)",
  granularities: ["unit", "weight"] as const satisfies readonly Granularity[],
  defaults: {
    lambda: 0.1,
    lambdaPerGroup: {},
    granularity: "unit",
    groups: [],
    includeClassifier: true,
    mode: "deterministic",
    noiseScale: 1,
    phiInit: 1,
    tau0: 1,
    tauMin: 0.05,
    annealFraction: 0.75,
    removeDuringTraining: true,
    removalPatience: 2,
  },
  docs: {
    lambda: "L0-surrogate strength in units of 1/N (as l0-hc)",
    lambdaPerGroup: "per-target λ (group id, or parameter name for weight gates)",
    granularity: '"unit" (units/filters/inputs) or "weight" (one gate per weight)',
    groups: "unit groups to gate; [] = all groups of the architecture",
    includeClassifier: "weight granularity: gate the classifier's weights too",
    mode: '"deterministic" (z = T_τ(φ)) or "stochastic" (z = T_τ(φ + s·ε), ε logistic)',
    noiseScale: "logistic noise scale s of the stochastic mode",
    phiInit: "initial gate parameter φ (1: gate open, surrogate 0.968 at τ = 1)",
    tau0: "initial temperature τ_0",
    tauMin: "final temperature τ_min (gates binary for |φ| > 2.398·τ_min)",
    annealFraction: "fraction of training steps over which τ decays geometrically",
    removeDuringTraining:
      "deterministic mode: remove a unit for good once its gate is exactly 0 at removalPatience " +
      "consecutive epoch ends (it then contributes nothing; Adam momentum could reopen it)",
    removalPatience:
      "consecutive epoch ends a gate must be exactly 0 before removal (2: an EMA catches up)",
  },
  ranges: {
    lambda: { min: 0 },
    lambdaPerGroup: { min: 0 },
    granularity: { oneOf: ["unit", "weight"] },
    mode: { oneOf: ["deterministic", "stochastic"] },
    noiseScale: { above: 0 },
    tau0: { above: 0 },
    tauMin: { above: 0 },
    annealFraction: { min: 0, max: 1 },
  },
  create(ctx: MethodContext, c: DiffPruneConfig): PruningMethod {
    const problems: string[] = [];
    if (!["deterministic", "stochastic"].includes(c.mode)) {
      problems.push(`mode must be "deterministic" or "stochastic": got "${c.mode}"`);
    }
    if (!(c.noiseScale > 0)) problems.push(`noiseScale must be > 0: got ${c.noiseScale}`);
    if (!(c.tau0 > 0 && c.tauMin > 0)) {
      problems.push(`tau0 and tauMin must be > 0: got ${c.tau0}, ${c.tauMin}`);
    }
    if (!(c.annealFraction >= 0 && c.annealFraction <= 1)) {
      problems.push(`annealFraction must be in [0, 1]: got ${c.annealFraction}`);
    }
    if (!(Number.isInteger(c.removalPatience) && c.removalPatience >= 1)) {
      problems.push(`removalPatience must be an integer ≥ 1: got ${c.removalPatience}`);
    }
    if (!Number.isFinite(c.phiInit)) {
      problems.push(`phiInit must be a finite number: got ${c.phiInit}`);
    }
    const total = ctx.epochs * ctx.stepsPerEpoch;
    let tau = c.tau0;
    const stochastic = c.mode === "stochastic";
    return gateMethodBase(ctx, c, problems, {
      id: "diffprune",
      varName: "phi",
      init: (t) => new Float32Array(t.shape.reduce((a, b) => a * b, 1)).fill(c.phiInit),
      prob: (v) => diffpruneProbNonzero(v, tau, stochastic ? c.noiseScale : tau),
      testGate: (v) => temperedGate(v, tau),
      trainGate: (v, shape) => {
        if (!stochastic) return temperedGate(v, tau);
        const u = tf.randomUniform(shape, EPS, 1 - EPS, "float32", ctx.rng.seed());
        return temperedGate(tf.add(v, tf.mul(logisticFromUniform(u), c.noiseScale)), tau);
      },
      perExample: false,
      weightDecay: 0,
      afterStep: (_params, info) => {
        tau = diffpruneTemperature(info.step + 1, info.totalSteps || total, c);
      },
      logs: () => ({ tau }),
      removalPatience: c.removalPatience,
      removable: stochastic
        ? undefined
        : (v) => tf.cast(tf.lessEqual(temperedGate(v, tau), 0), "float32"),
    });
  },
};
