/**
 * Plain-number helpers of the `vbp` method (docs/methods.md §3.1): the Bernoulli KL and its
 * gradient, the closed-form MAP updates of the per-layer prior parameters, the
 * two-consecutive-epochs removal rule.
 *
 * @module
 */
/** Lower/upper clip of π inside the KL's logarithms. */
export const PI_CLIP = 1e-6;

/** Clips a probability to [1e-6, 1 − 1e-6]. */
export function clipProb(p: number): number {
  return Math.min(1 - PI_CLIP, Math.max(PI_CLIP, p));
}

/** logit(p) = ln(p / (1 − p)) of the clipped probability. */
export function logit(p: number): number {
  const c = clipProb(p);
  return Math.log(c / (1 - c));
}

/**
 * KL(Bern(π) ‖ Bern(ρ)) in nats, both clipped to [1e-6, 1 − 1e-6].
 *
 * @example
 * ```ts
 * import { bernoulliKl } from "./_vbp_math.ts";
 * if (bernoulliKl(0.3, 0.3) !== 0) throw new Error("KL(p‖p) must be 0");
 * ```
 */
export function bernoulliKl(pi: number, rho: number): number {
  const p = clipProb(pi), r = clipProb(rho);
  return p * Math.log(p / r) + (1 - p) * Math.log((1 - p) / (1 - r));
}

/** ∂KL(Bern(π) ‖ Bern(ρ))/∂π = logit(π) − logit(ρ) (docs §8A.15). */
export function bernoulliKlGrad(pi: number, rho: number): number {
  return logit(pi) - logit(rho);
}

/** Hyper-prior constants: ρ ~ Beta(a, b), σ² ~ InvGamma(α, β). */
export interface HyperPrior {
  /** Beta a. */
  a: number;
  /** Beta b. */
  b: number;
  /** Inverse-gamma shape α. */
  alpha: number;
  /** Inverse-gamma scale β. */
  beta: number;
}

/** Sufficient statistics of one gated layer for the prior update. */
export interface LayerStats {
  /** π of the present units. */
  pi: ArrayLike<number>;
  /** ‖v_i‖² (squared norm of the incoming weights) of the present units. */
  sqNorm: ArrayLike<number>;
  /** Fan-in d_i of each present unit. */
  fanIn: number;
  /** Layer width n_l counted in the model: present units + removed ones (π = 0). */
  width: number;
}

/**
 * Closed-form MAP values of ρ_l and σ_l² given the current posterior (docs §3.1.5):
 * ρ = (Σπ + a − 1)/(n + a + b − 2), σ² = (½Σπ‖v‖² + β)/(½Σπ·d + α + 1).
 *
 * @example At init (all π = 0.9, a = b = 1) ρ is the mean of π
 * ```ts
 * import { priorUpdate } from "./_vbp_math.ts";
 * const u = priorUpdate({ pi: [0.9, 0.9], sqNorm: [2, 4], fanIn: 2, width: 2 },
 *   { a: 1, b: 1, alpha: 1e-3, beta: 1e-3 });
 * if (Math.abs(u.rho - 0.9) > 1e-12) throw new Error(String(u.rho));
 * ```
 */
export function priorUpdate(s: LayerStats, h: HyperPrior): { rho: number; sigma2: number } {
  let sp = 0, spv = 0;
  for (let i = 0; i < s.pi.length; i++) {
    sp += s.pi[i];
    spv += s.pi[i] * s.sqNorm[i];
  }
  const rho = clipProb((sp + h.a - 1) / (s.width + h.a + h.b - 2));
  const sigma2 = (0.5 * spv + h.beta) / (0.5 * sp * s.fanIn + h.alpha + 1);
  return { rho, sigma2 };
}

/**
 * Updates the consecutive-epochs-below-threshold counters in place and returns the indices of
 * the units to keep: a unit goes once its π has been below `threshold` at `patience`
 * consecutive epoch ends. At least `minUnits` units (the largest π) are always kept.
 *
 * @example
 * ```ts
 * import { removalDecision } from "./_vbp_math.ts";
 * const below = new Int32Array(3);
 * removalDecision([0.001, 0.5, 0.9], below, 0.01, 2, 1); // first epoch below: kept
 * const keep = removalDecision([0.001, 0.5, 0.9], below, 0.01, 2, 1);
 * if (keep.join() !== "1,2") throw new Error(keep.join());
 * ```
 */
export function removalDecision(
  pi: ArrayLike<number>,
  below: Int32Array,
  threshold: number,
  patience: number,
  minUnits: number,
): number[] {
  const keep: number[] = [];
  for (let i = 0; i < pi.length; i++) {
    below[i] = pi[i] < threshold ? below[i] + 1 : 0;
    if (below[i] < patience) keep.push(i);
  }
  if (keep.length < Math.min(minUnits, pi.length)) {
    const order = Array.from(pi, (_, i) => i).sort((x, y) => pi[y] - pi[x] || x - y);
    const set = new Set(keep);
    for (const i of order) {
      if (set.size >= minUnits) break;
      set.add(i);
    }
    return [...set].sort((x, y) => x - y);
  }
  return keep;
}
