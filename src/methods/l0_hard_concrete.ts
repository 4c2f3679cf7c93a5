/**
 * `l0-hc`: L0 regularisation with hard-concrete gates.
 *
 * Paper: C. Louizos, M. Welling, D. P. Kingma, "Learning Sparse Neural Networks through L0
 * Regularization", ICLR 2018, arXiv:1712.01312.
 * Reference code: AMLab-Amsterdam/L0_regularization @39a5fe6 (`l0_layers.py`, `models.py`).
 * Spec: methods.md §1 (constants, init, penalty, sanity values 0.416 / 0.597).
 *
 * Porting notes:
 * - Gates: β = 2/3, (γ, ζ) = (−0.1, 1.1), u ~ U(1e-6, 1 − 1e-6); one sample per minibatch shared
 *   by the batch (the reference's default), or one per example (`perExample`, the reference's
 *   `local_rep`; activation gates of shape [B, units]). Evaluation uses ẑ (Eq. 13); a unit is
 *   kept iff ẑ > 0.
 * - Unit gates multiply activations (a group's outputs, or a dense layer's inputs); this equals
 *   the reference's multiplication of weight rows (dense) or output maps (conv, bias included).
 * - Penalty per example: (1/N)·Σ_g P(z_g≠0)·(|g|·λ_g + (λ₂/2)·Σ_{j∈g}θ_j²) with λ in units of
 *   1/N (`lambda: 0.1` is the paper's 0.1/N), |g| = fan-in for conv filters, fan-out for input
 *   groups and dense units (the reference gates the consuming layer's rows).
 * - Expected L2: λ₂ = N·`weightDecay` for every architecture, as the reference's MLP and WRN do;
 *   its LeNet-5 omits the ×N (effective L2 5e-4/N): the `paper` suite passes 5e-4/N there.
 *   Ungated weights and biases get plain (`weightDecay`/2)·θ². Default `weightDecay: 0` (suites set
 *   the reference's value; don't also set optimizer weight decay).
 * - The reference MLP evaluates an EMA (0.999) of all parameters, log α included; the engine's
 *   `TrainConfig.ema` does the same (the `paper` suite's MLP recipe), its LeNet-5 none.
 * - NOT copied: `L0Conv2d`'s bias enters the L0 cost with −λ per filter (we count |g| weights);
 *   tracking the best test error over epochs (report the final epoch).
 * - log α is clamped to [ln 0.01, ln 100] after every optimizer step.
 * - NOT in the reference (on by default, `removeDuringTraining`): a unit whose P(z≠0) <
 *   `removalEpsilon` (0.05) and ẑ = 0 at `removalPatience` (2) consecutive epoch ends is removed
 *   for good (conditional computation; docs/methods/l0-hc.md states its measured effect).
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { Granularity, MethodContext, MethodSpec, PruningMethod } from "./types.ts";
import {
  BETA,
  EPS,
  hardConcreteProbNonzero,
  hardConcreteTestGate,
  LOG_ALPHA_MAX,
  LOG_ALPHA_MIN,
} from "./_concrete.ts";
import { gateMethodBase, type GateMethodCommon } from "./_gate_method.ts";
import { hardConcreteSampleFused } from "./_concrete_fused.ts";

/** Hyperparameters of `l0-hc`. */
export interface L0HardConcreteConfig extends GateMethodCommon {
  /** Dropout-rate init p of hidden/conv gates: log α ~ N(ln(1−p) − ln p, initStd²). */
  droprateInit: number;
  /** Dropout-rate init p of gates on the network input (the MLP's pixel gates). */
  droprateInitInput: number;
  /** Standard deviation of the log α init (0 = exactly at the mean). */
  initStd: number;
  /** Temperature β of the hard-concrete distribution. */
  beta: number;
  /** Expected-L2 coefficient: λ₂ = N·weightDecay (0 = off). */
  weightDecay: number;
  /** Independent gate sample per example (activation gates [B, units]); unit granularity only. */
  perExample: boolean;
  /** Removal during training: P(z≠0) below this (and ẑ = 0) for `removalPatience` epoch ends. */
  removalEpsilon: number;
  /** Consecutive epoch ends a unit must meet the removal rule before it is removed. */
  removalPatience: number;
}

/** The `l0-hc` method spec. */
export const l0HardConcrete: MethodSpec<L0HardConcreteConfig> = {
  id: "l0-hc",
  summary: "L0 regularisation with hard-concrete gates (Louizos et al. 2018)",
  citation:
    "Louizos, Welling, Kingma. Learning Sparse Neural Networks through L0 Regularization. " +
    "ICLR 2018. arXiv:1712.01312",
  granularities: ["unit", "weight"] as const satisfies readonly Granularity[],
  defaults: {
    lambda: 0.1,
    lambdaPerGroup: {},
    granularity: "unit",
    groups: [],
    includeClassifier: true,
    droprateInit: 0.5,
    droprateInitInput: 0.2,
    initStd: 0.01,
    beta: BETA,
    weightDecay: 0,
    perExample: false,
    removeDuringTraining: true,
    removalEpsilon: 0.05,
    removalPatience: 2,
  },
  docs: {
    lambda: "L0 strength in units of 1/N (0.1 = the paper's λ = 0.1/N)",
    lambdaPerGroup: "per-target λ (group id or, for weight gates, parameter name), e.g. " +
      '{"conv1":10,"conv2":0.5,"fc1.in":0.1,"fc1":10} for LeNet-5 "λ sep."',
    granularity: '"unit" (one gate per unit/filter/input) or "weight" (one gate per weight)',
    groups: "unit groups to gate; [] = all groups of the architecture",
    includeClassifier: "weight granularity: gate the classifier's weights too",
    droprateInit: "initial dropout rate p of hidden/conv gates (reference 0.5: log α = 0)",
    droprateInitInput:
      "initial dropout rate p of gates on the network input, e.g. the MLP's pixels " +
      "(reference 0.2: log α = ln 4); LeNet-5's fc1.in uses droprateInit",
    initStd: "std of the log α init (reference 0.01)",
    beta: "hard-concrete temperature β (reference 2/3, fixed)",
    weightDecay: "expected L2 under the gate, λ₂ = N·weightDecay (reference MLP/WRN: 5e-4)",
    perExample: "one gate sample per example on activations (reference local_rep=True)",
    removeDuringTraining:
      "remove a unit for good once P(z≠0) < removalEpsilon and ẑ = 0 at removalPatience " +
      "consecutive epoch ends (a deviation from the reference: docs/methods/l0-hc.md)",
    removalEpsilon:
      "P(z≠0) below which a unit may be removed (0.05; the log α clamp ln 0.01 gives P = 0.047)",
    removalPatience: "consecutive epoch ends the removal rule must hold (2)",
  },
  ranges: {
    lambda: { min: 0 },
    lambdaPerGroup: { min: 0 },
    granularity: { oneOf: ["unit", "weight"] },
    droprateInit: { above: 0, below: 1 },
    droprateInitInput: { above: 0, below: 1 },
    initStd: { min: 0 },
    beta: { above: 0 },
    weightDecay: { min: 0 },
  },
  create(ctx: MethodContext, c: L0HardConcreteConfig): PruningMethod {
    const problems: string[] = [];
    for (const k of ["droprateInit", "droprateInitInput"] as const) {
      if (!(c[k] > 0 && c[k] < 1)) problems.push(`${k} must be in (0, 1): got ${c[k]}`);
    }
    if (!(c.beta > 0)) problems.push(`beta must be > 0: got ${c.beta}`);
    if (!(c.initStd >= 0)) problems.push(`initStd must be ≥ 0: got ${c.initStd}`);
    if (!(c.weightDecay >= 0)) problems.push(`weightDecay must be ≥ 0: got ${c.weightDecay}`);
    if (!(c.removalEpsilon > 0 && c.removalEpsilon < 1)) {
      problems.push(`removalEpsilon must be in (0, 1): got ${c.removalEpsilon}`);
    }
    if (!(Number.isInteger(c.removalPatience) && c.removalPatience >= 1)) {
      problems.push(`removalPatience must be an integer ≥ 1: got ${c.removalPatience}`);
    }
    if (c.perExample && c.granularity === "weight") {
      problems.push('perExample needs granularity "unit"');
    }
    const wd = c.weightDecay;
    return gateMethodBase(ctx, c, problems, {
      id: "l0-hc",
      varName: "log_alpha",
      init: (t) => {
        const p = t.isInput ? c.droprateInitInput : c.droprateInit;
        const mean = Math.log(1 - p) - Math.log(p);
        const n = t.shape.reduce((a, b) => a * b, 1);
        const a = new Float32Array(n);
        for (let i = 0; i < n; i++) a[i] = mean + (c.initStd ? c.initStd * ctx.rng.normal() : 0);
        return a;
      },
      prob: (v) => hardConcreteProbNonzero(v, c.beta),
      testGate: hardConcreteTestGate,
      trainGate: (v, noiseShape) =>
        hardConcreteSampleFused(
          v,
          tf.randomUniform(noiseShape, EPS, 1 - EPS, "float32", ctx.rng.seed()),
          c.beta,
        ),
      perExample: c.perExample,
      weightDecay: wd,
      afterStep: (params) => params.update((v) => tf.clipByValue(v, LOG_ALPHA_MIN, LOG_ALPHA_MAX)),
      logs: () => ({}),
      removable: (v) =>
        tf.cast(
          tf.logicalAnd(
            tf.less(hardConcreteProbNonzero(v, c.beta), c.removalEpsilon),
            tf.lessEqual(hardConcreteTestGate(v), 0),
          ),
          "float32",
        ),
      removalPatience: c.removalPatience,
    });
  },
};
