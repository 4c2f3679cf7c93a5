/**
 * Shared gate math of the L0 family (methods.md §1.1 and §2.1): the hard-concrete distribution of
 * Louizos et al. (2018) and the tempered stretched sigmoid of the `diffprune` formulation.
 *
 * Tensor functions build graph ops (call them inside `tf.tidy`); the `*Scalar` twins compute the
 * same closed forms in plain numbers for tests, docs and logging.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";

/** Hard-concrete temperature β of the reference code (fixed, no annealing). */
export const BETA: number = 2 / 3;
/** Lower end γ of the stretch interval. */
export const GAMMA: number = -0.1;
/** Upper end ζ of the stretch interval. */
export const ZETA = 1.1;
/** Clipping of the uniform noise: u ~ U(ε, 1 − ε). */
export const EPS = 1e-6;
/** Lower clamp of log α after every step: ln 0.01. */
export const LOG_ALPHA_MIN: number = Math.log(0.01);
/** Upper clamp of log α after every step: ln 100. */
export const LOG_ALPHA_MAX: number = Math.log(100);
/**
 * ln 11 = 2.398: the stretched sigmoid `(ζ−γ)σ(x)+γ` is ≤ 0 iff x ≤ −ln 11 and ≥ 1 iff x ≥ ln 11
 * (with γ = −0.1, ζ = 1.1).
 */
export const LN11: number = Math.log(11);

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const clip01 = (x: number): number => Math.min(1, Math.max(0, x));

/** Logistic noise `log u − log(1 − u)` from uniforms `u` (tensor op). */
export function logisticFromUniform(u: tf.Tensor): tf.Tensor {
  return tf.sub(tf.log(u), tf.log1p(tf.neg(u)));
}

/**
 * A hard-concrete sample z = min(1, max(0, σ((log u − log(1−u) + log α)/β)·(ζ−γ) + γ)) for
 * uniforms `u` in (ε, 1−ε) (broadcast against `logAlpha`).
 *
 * @example
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { hardConcreteSample } from "./_concrete.ts";
 * const z = tf.tidy(() => hardConcreteSample(tf.zeros([3]), tf.tensor1d([1e-6, 0.5, 1 - 1e-6])));
 * if (z.dataSync().join() !== "0,0.5,1") throw new Error(String(z.dataSync()));
 * z.dispose();
 * ```
 */
export function hardConcreteSample(logAlpha: tf.Tensor, u: tf.Tensor, beta = BETA): tf.Tensor {
  const s = tf.sigmoid(tf.div(tf.add(logisticFromUniform(u), logAlpha), beta));
  return tf.clipByValue(tf.add(tf.mul(s, ZETA - GAMMA), GAMMA), 0, 1);
}

/** Closed-form P(z ≠ 0) = σ(log α − β·ln(−γ/ζ)) of a hard-concrete gate (tensor op). */
export function hardConcreteProbNonzero(logAlpha: tf.Tensor, beta = BETA): tf.Tensor {
  return tf.sigmoid(tf.sub(logAlpha, beta * Math.log(-GAMMA / ZETA)));
}

/**
 * Closed-form P(z ≠ 0) of a hard-concrete gate: 0.832 at log α = 0, 0.952 at ln 4.
 *
 * @example
 * ```ts
 * import { hardConcreteProbNonzeroScalar } from "./_concrete.ts";
 * if (Math.abs(hardConcreteProbNonzeroScalar(0) - 0.832) > 5e-4) throw new Error();
 * ```
 */
export function hardConcreteProbNonzeroScalar(logAlpha: number, beta = BETA): number {
  return sigmoid(logAlpha - beta * Math.log(-GAMMA / ZETA));
}

/** Test-time gate ẑ = min(1, max(0, σ(log α)(ζ−γ) + γ)) (paper Eq. 13; tensor op). */
export function hardConcreteTestGate(logAlpha: tf.Tensor): tf.Tensor {
  return tf.clipByValue(tf.add(tf.mul(tf.sigmoid(logAlpha), ZETA - GAMMA), GAMMA), 0, 1);
}

/**
 * Test-time gate ẑ: exactly 0 iff log α ≤ −2.398, exactly 1 iff log α ≥ 2.398.
 *
 * @example
 * ```ts
 * import { hardConcreteTestGateScalar } from "./_concrete.ts";
 * if (Math.abs(hardConcreteTestGateScalar(0) - 0.5) > 1e-12) throw new Error();
 * if (hardConcreteTestGateScalar(-2.4) !== 0 || hardConcreteTestGateScalar(2.4) !== 1) throw new Error();
 * ```
 */
export function hardConcreteTestGateScalar(logAlpha: number): number {
  return clip01(sigmoid(logAlpha) * (ZETA - GAMMA) + GAMMA);
}

/** T_τ(x) = min(1, max(0, (ζ−γ)σ(x/τ) + γ)), the `diffprune` gate (tensor op). */
export function temperedGate(x: tf.Tensor, tau: number): tf.Tensor {
  return tf.clipByValue(tf.add(tf.mul(tf.sigmoid(tf.div(x, tau)), ZETA - GAMMA), GAMMA), 0, 1);
}

/**
 * T_τ(x): exactly 0 for x ≤ −2.398τ, exactly 1 for x ≥ 2.398τ; T_1(0) = 0.5, T_1(1) = 0.777.
 *
 * @example
 * ```ts
 * import { temperedGateScalar } from "./_concrete.ts";
 * if (temperedGateScalar(0.12, 0.05) !== 1) throw new Error();
 * ```
 */
export function temperedGateScalar(x: number, tau: number): number {
  return clip01((ZETA - GAMMA) * sigmoid(x / tau) + GAMMA);
}

/**
 * The `diffprune` L0 surrogate σ((φ + τ·ln 11)/s) = P(T_τ(φ + s·ε) ≠ 0) for logistic ε
 * (deterministic mode: s = τ). Tensor op.
 */
export function diffpruneProbNonzero(phi: tf.Tensor, tau: number, scale: number): tf.Tensor {
  return tf.sigmoid(tf.div(tf.add(phi, tau * LN11), scale));
}

/**
 * The `diffprune` surrogate in numbers: 0.968 at φ = 1, τ = s = 1 (the init value).
 *
 * @example
 * ```ts
 * import { diffpruneProbNonzeroScalar } from "./_concrete.ts";
 * if (Math.abs(diffpruneProbNonzeroScalar(0, 1, 1) - 11 / 12) > 1e-12) throw new Error();
 * ```
 */
export function diffpruneProbNonzeroScalar(phi: number, tau: number, scale: number): number {
  return sigmoid((phi + tau * LN11) / scale);
}
