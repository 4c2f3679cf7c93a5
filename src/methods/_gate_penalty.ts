/**
 * The L0 penalty of the gate-based methods (`_gate_method.ts`), over every gate target at once.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { MethodContext } from "./types.ts";
import { type GateParams, type GateTarget, squaredNormPerGate, ungatedParams } from "./_gates.ts";
import type { GateHooks, GateMethodCommon } from "./_gate_method.ts";

/**
 * λ/N·Σ_g |g|·P(z_g≠0) (+ (λ₂/2)·Σ_g P(z_g≠0)·‖θ_g‖² + (λ₂/2)·‖θ_ungated‖²) over every target at
 * once: one probability op and one weighted sum over the concatenated gates, so the penalty
 * costs a fixed handful of kernels instead of about ten per target.
 */
export function gatePenalty(
  ctx: MethodContext,
  c: GateMethodCommon,
  params: GateParams,
  h: GateHooks,
): () => tf.Scalar {
  const net = ctx.net;
  const n = ctx.trainSize;
  const lambdaOf = (t: GateTarget) => c.lambdaPerGroup[t.key] ?? c.lambda;
  const coef = new CostVector();
  return () =>
    tf.tidy(() => {
      const ts = params.targets;
      const vec = (x: tf.Tensor) => (x.rank === 1 ? x : tf.reshape(x, [-1]));
      const flat = (xs: tf.Tensor[]) => (xs.length === 1 ? vec(xs[0]) : tf.concat(xs.map(vec)));
      const p = h.prob(flat(ts.map((t) => params.vars.get(t.key)!)));
      let w = coef.get(ts, (t) => (t.cost * lambdaOf(t)) / n);
      if (h.weightDecay > 0) {
        w = tf.add(w, tf.mul(flat(ts.map((t) => squaredNormPerGate(net, t))), h.weightDecay / 2));
      }
      let total = tf.sum(tf.mul(p, w));
      const ungated = h.weightDecay > 0 ? ungatedParams(net, ts) : [];
      if (ungated.length) {
        const sq = tf.sum(tf.square(flat(ungated.map((name) => net.params.get(name)!))));
        total = tf.add(total, tf.mul(sq, h.weightDecay / 2));
      }
      return total as tf.Scalar;
    });
}

/** The per-gate L0 coefficients of every target, concatenated; rebuilt when a target changes. */
class CostVector {
  #key = "";
  #values = new Float32Array(0);

  /** A new tensor (call inside `tf.tidy`) of `coef(t)` repeated over each target's gates. */
  get(targets: readonly GateTarget[], coef: (t: GateTarget) => number): tf.Tensor {
    const key = targets.map((t) => `${t.shape.join("x")}:${coef(t)}`).join();
    if (key !== this.#key) {
      const sizes = targets.map((t) => t.shape.reduce((a, b) => a * b, 1));
      this.#values = new Float32Array(sizes.reduce((a, b) => a + b, 0));
      let at = 0;
      targets.forEach((t, i) => (this.#values.fill(coef(t), at, at + sizes[i]), at += sizes[i]));
      this.#key = key;
    }
    return tf.tensor1d(this.#values);
  }
}
