/**
 * Plain-number helpers of the `vbp` method (docs/methods/vbp.md): the Bernoulli and Gaussian
 * KLs, the closed-form argmins of the objective over the prior parameters ρ_l and σ_P², the
 * hyper-priors' negative log densities and the consecutive-checks removal rule.
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

/** ∂KL(Bern(π) ‖ Bern(ρ))/∂π = logit(π) − logit(ρ). */
export function bernoulliKlGrad(pi: number, rho: number): number {
  return logit(pi) - logit(rho);
}

/** Hyper-prior constants: ρ_l ~ Beta(a, b), σ_P² ~ InvGamma(α, β). */
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

/**
 * KL(N(μ, s²) ‖ N(0, σ²)) of one weight, in nats: ½[(μ² + s²)/σ² − 1 + ln(σ²/s²)].
 *
 * @example A weight whose posterior equals the prior costs nothing
 * ```ts
 * import { gaussianKl } from "./_vbp_math.ts";
 * if (gaussianKl(0, 0.5, 0.5) !== 0) throw new Error();
 * ```
 */
export function gaussianKl(mu: number, s2: number, sigma2: number): number {
  return 0.5 * ((mu * mu + s2) / sigma2 - 1 + Math.log(sigma2 / s2));
}

/**
 * Argmin over ρ of Σ_i KL(Bern(π_i) ‖ Bern(ρ)) − (a − 1)·ln ρ − (b − 1)·ln(1 − ρ) over the
 * layer's n units as built (removed units count with π = 0): ρ = (Σπ + a − 1)/(n + a + b − 2),
 * clipped to [1e-6, 1 − 1e-6].
 *
 * @example With a flat hyper-prior ρ is the mean π over the width as built
 * ```ts
 * import { rhoUpdate } from "./_vbp_math.ts";
 * if (Math.abs(rhoUpdate(30, 300, { a: 1, b: 1, alpha: 1, beta: 1 }) - 0.1) > 1e-12) throw new Error();
 * ```
 */
export function rhoUpdate(sumPi: number, width: number, h: HyperPrior): number {
  return clipProb((sumPi + h.a - 1) / (width + h.a + h.b - 2));
}

/**
 * Argmin over σ² of Σ_w g_w·KL(N(μ_w, s²) ‖ N(0, σ²)) + (α + 1)·ln σ² + β/σ², with g_w the
 * probability that weight w is on: σ² = (½Σg(μ² + s²) + β)/(½Σg + α + 1).
 *
 * @example Many weights: σ² is the g-weighted mean of μ² + s²
 * ```ts
 * import { sigma2Update } from "./_vbp_math.ts";
 * const s = sigma2Update(1e6, 1e6 * 0.01, 1e-4, { a: 1, b: 1, alpha: 1e-3, beta: 1e-3 });
 * if (Math.abs(s - 0.0101) > 1e-6) throw new Error(String(s));
 * ```
 */
export function sigma2Update(sumG: number, sumGmu2: number, s2: number, h: HyperPrior): number {
  return (0.5 * (sumGmu2 + sumG * s2) + h.beta) / (0.5 * sumG + h.alpha + 1);
}

/** −ln Beta(ρ; a, b) up to a constant: −(a − 1)·ln ρ − (b − 1)·ln(1 − ρ). */
export function negLogBeta(rho: number, h: HyperPrior): number {
  const r = clipProb(rho);
  return -(h.a - 1) * Math.log(r) - (h.b - 1) * Math.log(1 - r);
}

/** −ln InvGamma(σ²; α, β) up to a constant: (α + 1)·ln σ² + β/σ². */
export function negLogInvGamma(sigma2: number, h: HyperPrior): number {
  return (h.alpha + 1) * Math.log(sigma2) + h.beta / sigma2;
}

/**
 * Updates the consecutive-checks-below-threshold counters in place and returns the indices of
 * the units to keep: a unit goes once its π has been below `threshold` at `patience`
 * consecutive checks. At least `minUnits` units (the largest π) are always kept.
 *
 * @example
 * ```ts
 * import { removalDecision } from "./_vbp_math.ts";
 * const below = new Int32Array(3);
 * removalDecision([0.001, 0.5, 0.9], below, 0.01, 2, 1); // first check below: kept
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
