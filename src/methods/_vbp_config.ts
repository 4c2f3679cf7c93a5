/**
 * Hyperparameters, defaults, their documentation and validation of the `vbp` method
 * (docs/methods.md §3.1, docs/methods/vbp.md).
 *
 * @module
 */
import { ConfigError } from "../util/errors.ts";

/** Hyperparameters of `vbp`. */
export interface VbpConfig {
  /** Initial π of every gated unit. */
  piInit: number;
  /** Learning rate η_π of π's own SGD (not scheduled). */
  piLr: number;
  /** One ξ sample per example instead of one per minibatch (needs `batchSize`). */
  perExample: boolean;
  /** Fixed batch size for per-example sampling (every batch must have this size). */
  batchSize: number;
  /** Beta(a, b) hyper-prior on ρ_l: a. */
  a: number;
  /** Beta(a, b) hyper-prior on ρ_l: b. */
  b: number;
  /** InvGamma(α, β) hyper-prior on σ_l²: α. */
  alpha: number;
  /** InvGamma(α, β) hyper-prior on σ_l²: β. */
  beta: number;
  /** π below which an epoch end counts towards removal. */
  pruneThreshold: number;
  /** Consecutive epoch ends below the threshold before removal. */
  prunePatience: number;
  /** Test-time gate 1[π > testThreshold]. */
  testThreshold: number;
  /** Also gate the `input` groups (e.g. the 784 pixels of LeNet-300-100). */
  gateInputs: boolean;
  /** Physically remove units (true) or only clamp their gate to 0 (false). */
  removeDuringTraining: boolean;
  /** Units every gated layer keeps at least (the largest π). */
  minUnits: number;
  /**
   * Let the prior's Gaussian term π_i‖v_i‖²/(2σ_l²) act on the weights too (§3.1 as written).
   * Default false: the term only enters π's gradient (see docs/methods/vbp.md).
   */
  priorOnWeights: boolean;
}

/** Documented defaults of `vbp` (docs/methods.md §3.1). */
export const VBP_DEFAULTS: Readonly<VbpConfig> = {
  piInit: 0.9,
  piLr: 0.01,
  perExample: false,
  batchSize: 0,
  a: 1,
  b: 1,
  alpha: 1e-3,
  beta: 1e-3,
  pruneThreshold: 0.01,
  prunePatience: 2,
  testThreshold: 0.5,
  gateInputs: false,
  removeDuringTraining: true,
  minUnits: 1,
  priorOnWeights: false,
};

/** Documentation of every `vbp` hyperparameter. */
export const VBP_DOCS: Readonly<Record<keyof VbpConfig, string>> = {
  piInit: "Initial π of every gate (0.9).",
  priorOnWeights:
    "Let the Gaussian prior term also decay the weights (false: it only enters π's gradient, " +
    "because with point-estimate weights the σ² re-estimation and that decay drive σ² → 0).",
  piLr: "Learning rate η_π of π's own SGD, not scheduled (0.01).",
  perExample: "Sample ξ per example instead of once per minibatch (false; needs batchSize).",
  batchSize: "Fixed batch size for per-example sampling (0 = unused).",
  a: "Beta(a, b) hyper-prior on ρ_l: a (1, flat).",
  b: "Beta(a, b) hyper-prior on ρ_l: b (1, flat).",
  alpha: "InvGamma(α, β) hyper-prior on σ_l²: α (1e-3).",
  beta: "InvGamma(α, β) hyper-prior on σ_l²: β (1e-3).",
  pruneThreshold: "π below which an epoch end counts towards removal (0.01).",
  prunePatience: "Consecutive epoch ends below the threshold before removal (2).",
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
  if (!(c.a > 0 && c.b > 0 && c.alpha > 0 && c.beta > 0)) {
    p.push("a, b, alpha and beta must be > 0");
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
