/**
 * `gate · act(x + b)` (act = relu or identity) as one fused SIMD kernel forward and one backward,
 * for a per-channel bias and an optional per-channel gate (a vector over the last axis, shared by
 * the batch): the tail of every dense and conv layer without batch norm. tfjs runs it as 3 forward
 * and 6–8 backward kernels, most of them broadcasting ops that tfjs-backend-wasm runs at about
 * 1 ns per element (LeNet-5's first conv layer: ≈ 8 ms per step, now ≈ 1 ms).
 *
 * The same float32 operations in the same order as the tfjs ops (add, relu, mul forward; dy·z,
 * ·step(x + b) backward), so the output and the gradient to x are bit-identical to them (tested
 * against the cpu backend); the bias and gate gradients sum over the batch in row order, which
 * differs from tfjs' reductions by float32 rounding (≤ 1e-5 relative in the test). Wasm with SIMD
 * only: {@linkcode fusedTailAvailable}.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import {
  E,
  type Expr,
  type KernelSpec,
  simdOp,
  simdOpAvailable,
  specNamed,
} from "../runtime/simd/mod.ts";

const PRE = E.add(E.in("x"), E.in("b"));

function forwardSpec(relu: boolean, gated: boolean): KernelSpec {
  const h = relu ? E.relu(PRE) : PRE;
  return {
    name: `tail_fwd_${relu ? "relu" : "lin"}_${gated ? "gate" : "nogate"}`,
    inputs: gated ? [["x", "full"], ["b", "col"], ["z", "col"]] : [["x", "full"], ["b", "col"]],
    params: [],
    lets: [],
    outputs: [["y", "full", gated ? E.mul(h, E.in("z")) : h]],
  };
}

function backwardSpec(relu: boolean, gated: boolean): KernelSpec {
  const dh = gated ? E.mul(E.in("dy"), E.in("z")) : E.in("dy");
  const dpre = relu ? E.mul(dh, E.step(PRE)) : dh;
  const outputs: [string, "full" | "colSum", Expr][] = [
    ["dx", "full", E.let("dpre")],
    ["db", "colSum", E.let("dpre")],
  ];
  if (gated) outputs.push(["dz", "colSum", E.mul(E.in("dy"), relu ? E.relu(PRE) : PRE)]);
  const inputs: [string, "full" | "col"][] = [["x", "full"], ["dy", "full"], ["b", "col"]];
  if (gated) inputs.push(["z", "col"]);
  return {
    name: `tail_bwd_${relu ? "relu" : "lin"}_${gated ? "gate" : "nogate"}`,
    inputs,
    params: [],
    lets: [["dpre", dpre]],
    outputs,
  };
}

function specs(relu: boolean, gated: boolean): { fwd: KernelSpec; bwd: KernelSpec } {
  const key = `${relu ? "relu" : "lin"}_${gated ? "gate" : "nogate"}`;
  return {
    fwd: specNamed(`tail_fwd_${key}`, () => forwardSpec(relu, gated)),
    bwd: specNamed(`tail_bwd_${key}`, () => backwardSpec(relu, gated)),
  };
}

/**
 * True when {@linkcode fusedTail} can run for these operands: wasm with SIMD, float32, `b` (and
 * `gate`) vectors as long as the last axis of `x`.
 */
export function fusedTailAvailable(x: tf.Tensor, b: tf.Tensor, gate: tf.Tensor | null): boolean {
  const c = x.shape[x.rank - 1];
  const vec = (t: tf.Tensor) => t.rank === 1 && t.shape[0] === c && t.dtype === "float32";
  return x.rank >= 2 && x.dtype === "float32" && vec(b) && (gate === null || vec(gate)) &&
    simdOpAvailable();
}

/**
 * `gate · act(x + b)` with gradients to x, b and gate. Call inside `tf.tidy`, after
 * {@linkcode fusedTailAvailable}.
 */
export function fusedTail(
  x: tf.Tensor,
  b: tf.Tensor,
  gate: tf.Tensor | null,
  relu: boolean,
): tf.Tensor {
  const cols = x.shape[x.rank - 1], rows = x.size / Math.max(cols, 1);
  const { fwd, bwd } = specs(relu, gate !== null);
  const grid = { rows, cols };
  const run = (xv: tf.Tensor, bv: tf.Tensor, zv: tf.Tensor | undefined, save: tf.GradSaveFunc) => {
    const ins = zv ? [xv, bv, zv] : [xv, bv];
    save(ins);
    return {
      value: simdOp(fwd, ins, { ...grid, outShapes: [x.shape] })[0],
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sb, sz] = saved;
        const outShapes = [x.shape, [cols], ...(sz ? [[cols]] : [])];
        return simdOp(bwd, sz ? [sx, dy, sb, sz] : [sx, dy, sb], { ...grid, outShapes });
      },
    };
  };
  const f = gate
    ? tf.customGrad(
      ((xv: tf.Tensor, bv: tf.Tensor, zv: tf.Tensor, save: tf.GradSaveFunc) =>
        run(xv, bv, zv, save)) as unknown as Parameters<typeof tf.customGrad>[0],
    )
    : tf.customGrad(
      ((xv: tf.Tensor, bv: tf.Tensor, save: tf.GradSaveFunc) =>
        run(xv, bv, undefined, save)) as unknown as Parameters<typeof tf.customGrad>[0],
    );
  return gate ? f(x, b, gate) : f(x, b);
}
