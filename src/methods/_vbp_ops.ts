/**
 * The two custom-gradient ops of the `vbp` method: the straight-through Bernoulli gate and the
 * Bernoulli KL with its exact gradient.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import { logit, PI_CLIP } from "./_vbp_math.ts";

/**
 * Straight-through Bernoulli sample: value 1[u < π], gradient ∂L/∂ξ passed to π. (Backward
 * closures only read shapes: intermediates of the forward are disposed before the backward.)
 */
export const straightThrough = tf.customGrad((pi, u) => {
  const piShape = (pi as tf.Tensor).shape,
    uShape = (u as tf.Tensor).shape,
    n = (pi as tf.Tensor).size;
  return {
    value: tf.cast(tf.less(u as tf.Tensor, pi as tf.Tensor), "float32"),
    gradFunc: (
      dy: tf.Tensor,
    ) => [tf.reshape(tf.sum(tf.reshape(dy, [-1, n]), 0), piShape), tf.zeros(uShape)],
  };
});

/** Σ_i KL(Bern(π_i) ‖ Bern(ρ)) with the exact gradient logit(π_c) − logit(ρ) (π_c clipped). */
export function klSum(pi: tf.Tensor, rho: number): tf.Scalar {
  const lr = logit(rho);
  const clip = (x: tf.Tensor) => tf.clipByValue(x, PI_CLIP, 1 - PI_CLIP);
  const f = tf.customGrad((x, save) => {
    (save as tf.GradSaveFunc)([x as tf.Tensor]);
    const p = clip(x as tf.Tensor), q = clip(tf.sub(1, x as tf.Tensor));
    const kl = tf.add(tf.mul(p, tf.log(tf.div(p, rho))), tf.mul(q, tf.log(tf.div(q, 1 - rho))));
    return {
      value: tf.sum(kl),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const pc = clip(saved[0]), qc = clip(tf.sub(1, saved[0]));
        return tf.mul(dy, tf.sub(tf.sub(tf.log(pc), tf.log(qc)), lr));
      },
    };
  });
  return f(pi) as tf.Scalar;
}
