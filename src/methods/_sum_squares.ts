/**
 * Σ x² over some axes with a one-kernel gradient 2x·dy, for the expected-L2 term of the gate
 * methods. On wasm with SIMD, when the summed axes are the leading or the trailing ones (every
 * case of our layers: dense rows/columns, conv filters), the sum is one SIMD pass over x and the
 * gradient one more; elsewhere tfjs ops (`square`, `sum`; the gradient `mul` with broadcast). A
 * variable input is not saved for the gradient (tfjs would clone it) but read directly: its value
 * does not change before the backward pass. Other inputs are saved, because the forward pass'
 * intermediates are disposed before the backward pass runs.
 *
 * Rounding: the gradient is `x·(2·dy)` in both paths (bit-identical); the SIMD sum adds in four
 * lanes, a different order from tfjs' reduction (float32 rounding, ≤ 1e-6 relative).
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import { E, type KernelSpec, simdOp, simdOpAvailable } from "../runtime/simd/mod.ts";

const SQUARE = E.mul(E.in("x"), E.in("x"));
const SUM_ROWS: KernelSpec = {
  name: "sumsq_rows",
  inputs: [["x", "full"]],
  params: [],
  lets: [],
  outputs: [["s", "rowSum", SQUARE]],
};
const SUM_COLS: KernelSpec = {
  ...SUM_ROWS,
  name: "sumsq_cols",
  outputs: [["s", "colSum", SQUARE]],
};
const grad = (kind: "row" | "col"): KernelSpec => ({
  name: `sumsq_grad_${kind}`,
  inputs: [["x", "full"], ["dy", kind]],
  params: ["two"],
  lets: [],
  outputs: [["dx", "full", E.mul(E.in("x"), E.mul(E.in("dy"), E.param("two")))]],
});
const GRAD_ROWS = grad("row"), GRAD_COLS = grad("col");

/**
 * Σ x² over `axes` (the other dimensions kept, in order), differentiable in x. Call inside
 * `tf.tidy`.
 */
export function sumOfSquares(x: tf.Tensor, axes: number[]): tf.Tensor {
  const r = x.rank, sorted = [...axes].sort((a, b) => a - b);
  const leading = sorted.every((a, i) => a === i);
  const trailing = sorted.every((a, i) => a === r - sorted.length + i);
  if (axes.length > 0 && axes.length < r && (leading || trailing) && simdOpAvailable()) {
    return simdSumOfSquares(x, sorted.length, leading);
  }
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const f = tf.customGrad(
    ((v: tf.Tensor) => ({
      value: tf.sum(tf.square(v), axes),
      gradFunc: (dy: tf.Tensor) => tf.mul(x, tf.reshape(tf.mul(dy, 2), kept)),
    })) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  return f(x);
}

/** The SIMD path: x as a [rows, cols] grid summed over columns (trailing) or rows (leading). */
function simdSumOfSquares(x: tf.Tensor, nAxes: number, leading: boolean): tf.Tensor {
  const split = leading ? nAxes : x.rank - nAxes;
  const rows = x.shape.slice(0, split).reduce((a, b) => a * b, 1);
  const cols = x.size / Math.max(rows, 1);
  const outShape = leading ? x.shape.slice(split) : x.shape.slice(0, split);
  const f = tf.customGrad(
    ((v: tf.Tensor) => {
      const [s] = simdOp(leading ? SUM_COLS : SUM_ROWS, [v], {
        rows,
        cols,
        outShapes: [outShape],
      });
      return {
        value: s,
        gradFunc: (dy: tf.Tensor) =>
          simdOp(leading ? GRAD_COLS : GRAD_ROWS, [x, dy], {
            rows,
            cols,
            params: [2],
            outShapes: [x.shape],
          })[0],
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  return f(x);
}
