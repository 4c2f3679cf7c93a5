/**
 * `(x ∘ z) · W` for a dense layer whose inputs carry a vector gate z (L0's pixel gates), when x
 * needs no gradient (the network's input): the backward pass forms G = xᵀ·dy once and takes both
 * ∂W = diag(z)·G and ∂z_i = Σ_j W_ij·G_ij from it in one SIMD pass, instead of tfjs' two GEMMs
 * ((x∘z)ᵀ·dy and dy·Wᵀ, the latter only for ∂z) and two broadcasting ops. On LeNet-300-100 that
 * is the 100×300×784 GEMM of the input gradient (≈ 0.4 ms of a 3.7 ms step).
 *
 * Rounding: ∂W is z_i·(xᵀdy)_ij instead of ((x∘z)ᵀdy)_ij and ∂z sums over the outputs instead of
 * the batch; equal in exact arithmetic, different in float32 rounding (≤ 1e-5 relative, tested).
 * The forward value is bit-identical to tfjs' `matMul(mul(x, z), W)` on the same backend.
 *
 * Whether x needs a gradient is read from tfjs' active gradient tape (an engine internal; when it
 * cannot be read, the tfjs ops run): it does when a trainable variable leads to it.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import { E, type KernelSpec, simdOp, simdOpAvailable } from "../runtime/simd/mod.ts";

const GATE_INPUTS: KernelSpec = {
  name: "input_gate_fwd",
  inputs: [["x", "full"], ["z", "col"]],
  params: [],
  lets: [],
  outputs: [["y", "full", E.mul(E.in("x"), E.in("z"))]],
};
const GATE_GRADS: KernelSpec = {
  name: "input_gate_bwd",
  inputs: [["g", "full"], ["w", "full"], ["z", "row"]],
  params: [],
  lets: [],
  outputs: [["dw", "full", E.mul(E.in("z"), E.in("g"))], [
    "dz",
    "rowSum",
    E.mul(E.in("w"), E.in("g")),
  ]],
};

interface TapeState {
  activeTape?: { inputs: Record<string, tf.Tensor>; outputs: tf.Tensor[] }[] | null;
}

/**
 * True unless x certainly needs no gradient: it is not a trainable variable and no op on the
 * active gradient tape leads from a trainable variable to it.
 */
function mayNeedGradient(x: tf.Tensor): boolean {
  const trainable = (t: tf.Tensor) => t instanceof tf.Variable && t.trainable;
  if (trainable(x)) return true;
  const state = (tf.engine() as unknown as { state?: TapeState }).state;
  if (!state || !("activeTape" in state)) return true;
  const tape = state.activeTape;
  if (!tape) return false;
  const reached = new Set<number>();
  for (const node of tape) {
    const fed = Object.values(node.inputs).some((t) => trainable(t) || reached.has(t.id));
    if (fed) { for (const o of node.outputs) reached.add(o.id); }
  }
  return reached.has(x.id);
}

/**
 * `matMul(mul(x, z), w)` with the fused backward pass, or `null` when it does not apply (not wasm
 * with SIMD, shapes other than x [B, in], z [in], w [in, out], or x may need a gradient). Call
 * inside `tf.tidy`.
 */
export function inputGatedMatMul(x: tf.Tensor, z: tf.Tensor, w: tf.Tensor): tf.Tensor | null {
  const n = x.shape[1];
  if (
    x.rank !== 2 || z.rank !== 1 || w.rank !== 2 || z.shape[0] !== n || w.shape[0] !== n ||
    [x, z, w].some((t) => t.dtype !== "float32") || !simdOpAvailable() || mayNeedGradient(x)
  ) return null;
  const b = x.shape[0], out = w.shape[1] as number;
  const f = tf.customGrad(
    ((zv: tf.Tensor, wv: tf.Tensor, save: tf.GradSaveFunc) => {
      save([x, zv, wv]);
      const xz = simdOp(GATE_INPUTS, [x, zv], { rows: b, cols: n, outShapes: [x.shape] })[0];
      return {
        value: tf.matMul(xz, wv),
        gradFunc: (dy: tf.Tensor, [sx, sz, sw]: tf.Tensor[]) => {
          const g = tf.matMul(sx, dy, true, false);
          const [dw, dz] = simdOp(GATE_GRADS, [g, sw, sz], {
            rows: n,
            cols: out,
            outShapes: [[n, out], [n]],
          });
          return [dz, dw];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  return f(z, w);
}
