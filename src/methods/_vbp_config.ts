/**
 * Hyperparameters, defaults, their documentation and validation of the `vbp` method
 * (docs/methods/vbp.md).
 *
 * @module
 */
import { ConfigError } from "../util/errors.ts";

/** Hyperparameters of `vbp`. */
export interface VbpConfig {
  /** Initial π of every gated unit. */
  piInit: number;
  /** Optimizer of π (its own, not scheduled). */
  piOptimizer: "adam" | "sgd";
  /** Learning rate η_π of π's optimizer. */
  piLr: number;
  /** One ξ sample per example instead of one per minibatch (needs `batchSize`). */
  perExample: boolean;
  /** Fixed batch size for per-example sampling (every batch must have this size). */
  batchSize: number;
  /** Beta(a, b) hyper-prior on ρ_l: a. */
  a: number;
  /** Beta(a, b) hyper-prior on ρ_l: b. */
  b: number;
  /** InvGamma(α, β) hyper-prior on σ_P²: α. */
  alpha: number;
  /** InvGamma(α, β) hyper-prior on σ_P²: β. */
  beta: number;
  /**
   * r: the posterior q(v_w | on) = N(μ_w, s_P²) of a weight of layer P has s_P² = r/D_P, D_P the
   * expected number of active inputs of P's units (noise of r × the input power per unit).
   */
  weightNoise: number;
  /** Prior updates and removal checks per epoch (each check also runs at the epoch's end). */
  checksPerEpoch: number;
  /** π below which a check counts towards removal. */
  pruneThreshold: number;
  /** Consecutive checks below the threshold before removal. */
  prunePatience: number;
  /** Test-time gate 1[π > testThreshold]. */
  testThreshold: number;
  /** Also gate the `input` groups (e.g. the 784 pixels of LeNet-300-100). */
  gateInputs: boolean;
  /** Physically remove units (true) or only clamp their gate to 0 (false). */
  removeDuringTraining: boolean;
  /** Units every gated layer keeps at least (the largest π). */
  minUnits: number;
}

/** Documented defaults of `vbp` (docs/methods/vbp.md). */
export const VBP_DEFAULTS: Readonly<VbpConfig> = {
  piInit: 0.9,
  piOptimizer: "adam",
  piLr: 0.02,
  perExample: false,
  batchSize: 0,
  a: 1,
  b: 1,
  alpha: 1e-3,
  beta: 1e-3,
  weightNoise: 2,
  checksPerEpoch: 4,
  pruneThreshold: 0.01,
  prunePatience: 2,
  testThreshold: 0.5,
  gateInputs: false,
  removeDuringTraining: true,
  minUnits: 1,
};

/** Documentation of every `vbp` hyperparameter. */
export const VBP_DOCS: Readonly<Record<keyof VbpConfig, string>> = {
  piInit: "Initial π of every gate (0.9).",
  piOptimizer: "Optimizer of π, its own and not scheduled: adam or sgd (adam).",
  piLr: "Learning rate η_π of π's optimizer (0.02).",
  perExample: "Sample ξ per example instead of once per minibatch (false; needs batchSize).",
  batchSize: "Fixed batch size for per-example sampling (0 = unused).",
  a: "Beta(a, b) hyper-prior on ρ_l: a (1, flat).",
  b: "Beta(a, b) hyper-prior on ρ_l: b (1, flat).",
  alpha: "InvGamma(α, β) hyper-prior on each layer's slab variance σ²: α (1e-3).",
  beta: "InvGamma(α, β) hyper-prior on each layer's slab variance σ²: β (1e-3).",
  weightNoise:
    "r: each weight's posterior variance is s² = r/D (D = active fan-in of its unit), the " +
    "precision a weight is paid for at ½·ln(σ²/s²) nats (2).",
  checksPerEpoch: "Closed-form prior updates and removal checks per epoch (4).",
  pruneThreshold: "π below which a check counts towards removal (0.01).",
  prunePatience: "Consecutive checks below the threshold before removal (2).",
  testThreshold: "Test-time gate 1[π > threshold] (0.5).",
  gateInputs: "Also gate dense layers' input groups (false).",
  removeDuringTraining:
    "Physically remove pruned units during training (true) or clamp their gate to 0.",
  minUnits: "Units each gated layer always keeps (1).",
};

/** Throws a `ConfigError` listing every invalid value of `c`. */
export function validate(c: VbpConfig): void {
  const p: string[] = [];
  if (!(c.piInit >= 0 && c.piInit <= 1)) p.push(`piInit ${c.piInit} must be in [0, 1]`);
  if (!(c.piLr > 0)) p.push(`piLr ${c.piLr} must be > 0`);
  if (c.piOptimizer !== "adam" && c.piOptimizer !== "sgd") {
    p.push(`piOptimizer "${c.piOptimizer}" must be "adam" or "sgd"`);
  }
  if (!(c.a > 0 && c.b > 0 && c.alpha > 0 && c.beta > 0)) {
    p.push("a, b, alpha and beta must be > 0");
  }
  if (!(c.weightNoise > 0)) p.push(`weightNoise ${c.weightNoise} must be > 0`);
  if (!(Number.isInteger(c.checksPerEpoch) && c.checksPerEpoch >= 1)) {
    p.push(`checksPerEpoch ${c.checksPerEpoch} must be an integer ≥ 1`);
  }
  if (!(c.pruneThreshold >= 0 && c.pruneThreshold < 1)) {
    p.push(`pruneThreshold ${c.pruneThreshold} must be in [0, 1)`);
  }
  if (!(Number.isInteger(c.prunePatience) && c.prunePatience >= 1)) {
    p.push(`prunePatience ${c.prunePatience} must be an integer ≥ 1`);
  }
  if (!(Number.isInteger(c.minUnits) && c.minUnits >= 1)) {
    p.push(`minUnits ${c.minUnits} must be an integer ≥ 1`);
  }
  if (c.perExample && !(Number.isInteger(c.batchSize) && c.batchSize > 0)) {
    p.push(`perExample sampling needs batchSize > 0: got ${c.batchSize}`);
  }
  if (p.length) throw new ConfigError(p, "vbp configuration");
}
