/**
 * `BatchMatMul` and `_FusedMatMul` for the wasm backend through `cblas_sgemm` on heap views.
 *
 * Every transpose combination is a BLAS flag, so no explicit transposes are needed. Batches where
 * one side has batch size 1 broadcast; other broadcasts, non-float32 inputs and unusual bias or
 * PReLU-weight shapes go to the previously registered kernel.
 *
 * @module
 */
import { broadcast_util } from "../../deps/tfjs.ts";
import { type BlasLibrary, NO_TRANS, ROW_MAJOR, TRANS } from "./library.ts";
import { f32View, type Kernel, sizeOf, type TensorRef, type WasmBackend } from "./heap.ts";

/** The shape of one batched matrix product `C[b] = op(A[b]) · op(B[b])`. */
export interface MatMulPlan {
  /** Rows of op(A) and C. */
  m: number;
  /** Columns of op(B) and C. */
  n: number;
  /** Inner dimension. */
  k: number;
  /** Batch count of A (1 or `batch`). */
  batchA: number;
  /** Batch count of B (1 or `batch`). */
  batchB: number;
  /** Output batch count. */
  batch: number;
  /** Output shape. */
  outShape: number[];
}

/** Plans a batched matmul, or returns `null` when the batch broadcast is not one-sided. */
export function planMatMul(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): MatMulPlan | null {
  const ra = aShape.length, rb = bShape.length;
  if (ra < 2 || rb < 2) return null;
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const k = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const kb = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (k !== kb) {
    throw new Error(
      `Cannot multiply matrices: inner shapes (${k}) and (${kb}) of tensors with shapes ` +
        `[${aShape}] and [${bShape}] and transposeA=${transposeA} and transposeB=${transposeB} ` +
        `must match`,
    );
  }
  const outer = broadcast_util.assertAndGetBroadcastShape(aShape.slice(0, -2), bShape.slice(0, -2));
  const batchA = sizeOf(aShape.slice(0, -2)), batchB = sizeOf(bShape.slice(0, -2));
  const batch = sizeOf(outer);
  if (!((batchA === batch || batchA === 1) && (batchB === batch || batchB === 1))) return null;
  return { m, n, k, batchA, batchB, batch, outShape: [...outer, m, n] };
}

/**
 * Runs a planned matmul on views: `c[b] = alpha·op(a[b])·op(b[b]) + beta·c[b]`. With `beta = 0` the
 * previous contents of `c` are ignored (BLAS semantics).
 */
export function runMatMul(
  lib: BlasLibrary,
  p: MatMulPlan,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  transposeA: boolean,
  transposeB: boolean,
  beta = 0,
): void {
  const { m, n, k } = p;
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (beta === 0) c.fill(0);
    return;
  }
  const ta = transposeA ? TRANS : NO_TRANS, tb = transposeB ? TRANS : NO_TRANS;
  const lda = transposeA ? m : k, ldb = transposeB ? k : n;
  const sa = m * k, sb = k * n, sc = m * n;
  for (let i = 0; i < p.batch; i++) {
    const av = p.batchA === 1 ? a : a.subarray(i * sa, (i + 1) * sa);
    const bv = p.batchB === 1 ? b : b.subarray(i * sb, (i + 1) * sb);
    const cv = p.batch === 1 ? c : c.subarray(i * sc, (i + 1) * sc);
    lib.sgemm(ROW_MAJOR, ta, tb, m, n, k, 1, av, lda, bv, ldb, beta, cv, n);
  }
}

function isF32(...ts: (TensorRef | undefined)[]): boolean {
  return ts.every((t) => t === undefined || t.dtype === "float32");
}

/** Makes the `BatchMatMul` kernel; unsupported cases call `fallback`. */
export function makeBatchMatMul(lib: BlasLibrary, fallback: Kernel): Kernel {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as WasmBackend;
    const { a, b } = inputs as { a: TensorRef; b: TensorRef };
    const transposeA = Boolean(attrs?.transposeA), transposeB = Boolean(attrs?.transposeB);
    const plan = isF32(a, b) ? planMatMul(a.shape, b.shape, transposeA, transposeB) : null;
    if (plan === null) return fallback(args);
    const out = backend.makeOutput(plan.outShape, "float32");
    runMatMul(
      lib,
      plan,
      f32View(backend, a),
      f32View(backend, b),
      f32View(backend, out),
      transposeA,
      transposeB,
    );
    return out;
  };
}

/** Activations tfjs can fuse into `_FusedMatMul`. */
const ACTIVATIONS = new Set(["linear", "relu", "relu6", "prelu", "leakyrelu", "sigmoid", "elu"]);

/** True when a bias/PReLU-weight tensor broadcasts along the last axis only (size 1 or n). */
function rowBroadcast(t: TensorRef | undefined, n: number): boolean {
  if (t === undefined) return true;
  const size = sizeOf(t.shape);
  if (size === 1) return true;
  return size === n && t.shape[t.shape.length - 1] === n;
}

/** Makes the `_FusedMatMul` kernel (bias and activation applied on the output view). */
export function makeFusedMatMul(lib: BlasLibrary, fallback: Kernel): Kernel {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as WasmBackend;
    const { a, b, bias, preluActivationWeights: prelu } = inputs;
    const transposeA = Boolean(attrs?.transposeA), transposeB = Boolean(attrs?.transposeB);
    const activation = String(attrs?.activation ?? "linear");
    const alpha = Number(attrs?.leakyreluAlpha ?? 0.2);
    if (!a || !b || !isF32(a, b, bias, prelu) || !ACTIVATIONS.has(activation)) {
      return fallback(args);
    }
    const plan = planMatMul(a.shape, b.shape, transposeA, transposeB);
    if (
      plan === null || !rowBroadcast(bias, plan.n) ||
      (activation === "prelu" && (prelu === undefined || !rowBroadcast(prelu, plan.n)))
    ) return fallback(args);
    const out = backend.makeOutput(plan.outShape, "float32");
    const c = f32View(backend, out);
    let beta = 0;
    if (bias !== undefined) {
      fillRows(c, f32View(backend, bias), plan.n);
      beta = 1;
    }
    runMatMul(
      lib,
      plan,
      f32View(backend, a),
      f32View(backend, b),
      c,
      transposeA,
      transposeB,
      beta,
    );
    if (activation !== "linear") {
      activate(c, activation, alpha, prelu ? f32View(backend, prelu) : null, plan.n);
    }
    return out;
  };
}

/** Fills every row of length `n` of `c` with `row` (length n, or 1 for a scalar). */
function fillRows(c: Float32Array, row: Float32Array, n: number): void {
  if (row.length === 1) {
    c.fill(row[0]);
    return;
  }
  for (let off = 0; off < c.length; off += n) c.set(row, off);
}

/** Applies a fused activation in place, as tfjs defines it (`backend_util.applyActivation`). */
export function activate(
  c: Float32Array,
  activation: string,
  alpha: number,
  prelu: Float32Array | null,
  n: number,
): void {
  const len = c.length;
  switch (activation) {
    case "relu":
      for (let i = 0; i < len; i++) if (c[i] < 0) c[i] = 0;
      return;
    case "relu6":
      for (let i = 0; i < len; i++) c[i] = c[i] < 0 ? 0 : c[i] > 6 ? 6 : c[i];
      return;
    case "leakyrelu":
      for (let i = 0; i < len; i++) if (c[i] < 0) c[i] *= alpha;
      return;
    case "prelu": {
      const w = prelu as Float32Array;
      const scalar = w.length === 1;
      for (let i = 0; i < len; i++) if (c[i] < 0) c[i] *= scalar ? w[0] : w[i % n];
      return;
    }
    case "sigmoid":
      for (let i = 0; i < len; i++) c[i] = 1 / (1 + Math.exp(-c[i]));
      return;
    case "elu":
      for (let i = 0; i < len; i++) if (c[i] < 0) c[i] = Math.exp(c[i]) - 1;
      return;
  }
}
