/**
 * Softmax cross-entropy for backends whose tensor reads are synchronous heap or array reads (wasm,
 * cpu): the loss and its gradient (softmax − one-hot)/B in one JS pass over the logits, in float64
 * and rounded to float32 once, instead of tfjs' ≈ 10 forward and ≈ 10 backward kernels
 * (`logSoftmax`, `oneHot`, `mul`, `sum`, `mean` and their gradients). The values differ from the
 * float32 composite by its rounding (the composite rounds every intermediate; ≤ 1e-6 relative in
 * the test). Other backends use the composite.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import { synchronousReads } from "../runtime/backend.ts";

/** Mean −log softmax(logits)[y] over the batch; `labels` are class indices. Call inside tidy. */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const f = tf.customGrad(
    ((x: tf.Tensor, save: tf.GradSaveFunc) => {
      const [b, k] = x.shape as [number, number];
      const { loss, grad } = lossAndGradient(x.dataSync() as Float32Array, labels.dataSync(), b, k);
      const g = tf.tensor2d(grad, [b, k]);
      save([g]);
      return {
        value: tf.scalar(loss),
        gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.mul(saved, dy),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  return f(logits) as tf.Scalar;
}

/** True when {@linkcode softmaxCrossEntropy} applies: wasm or cpu, logits [B, K]. */
export function fastCrossEntropyAvailable(logits: tf.Tensor): boolean {
  return logits.rank === 2 && logits.dtype === "float32" && synchronousReads();
}

/** The mean loss and ∂loss/∂logits of a [b, k] batch (labels out of range throw). */
export function lossAndGradient(
  x: Float32Array,
  y: ArrayLike<number>,
  b: number,
  k: number,
): { loss: number; grad: Float32Array } {
  const grad = new Float32Array(b * k);
  let total = 0;
  for (let r = 0; r < b; r++) {
    const off = r * k, label = Number(y[r]);
    if (!(label >= 0 && label < k && Number.isInteger(label))) {
      throw new RangeError(`Cannot compute the cross-entropy: label ${label} is not in [0, ${k})`);
    }
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, x[off + c]);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(x[off + c] - max);
    const lse = max + Math.log(sum);
    total += lse - x[off + label];
    for (let c = 0; c < k; c++) {
      grad[off + c] = (Math.exp(x[off + c] - lse) - (c === label ? 1 : 0)) / b;
    }
  }
  return { loss: total / b, grad };
}
