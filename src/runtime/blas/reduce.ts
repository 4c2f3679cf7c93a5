/**
 * `Sum` over leading axes for the wasm backend as a GEMM with a ones vector:
 * `out[1, inner] = 1[1, outer] · x[outer, inner]`. This is the bias gradient of every dense and
 * conv layer (sum over batch, or over batch and spatial axes for NHWC). tfjs-backend-wasm
 * transposes the input first for such reductions. Other reductions and non-float32 inputs go to
 * the previously registered kernel.
 *
 * @module
 */
import { backend_util, util } from "../../deps/tfjs.ts";
import { type BlasLibrary, NO_TRANS, ROW_MAJOR } from "./library.ts";
import { f32View, type Kernel, sizeOf, type WasmBackend } from "./heap.ts";

let ones = new Float32Array(0);

/** A view of at least `n` ones (kept outside the wasm heap, never written by BLAS). */
function onesF32(n: number): Float32Array {
  if (ones.length < n) ones = new Float32Array(Math.max(n, ones.length * 2)).fill(1);
  return ones.subarray(0, n);
}

/**
 * The number of leading axes reduced when `axes` (normalised, any order) is exactly `0..k-1`, else
 * `-1`.
 */
export function leadingAxes(axes: readonly number[]): number {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  return sorted.every((a, i) => a === i) ? sorted.length : -1;
}

/** Makes the `Sum` kernel (input `x`; attrs `axis`, `keepDims`). */
export function makeSum(lib: BlasLibrary, fallback: Kernel): Kernel {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as WasmBackend;
    const { x } = inputs;
    if (!x || x.dtype !== "float32" || x.shape.length === 0) return fallback(args);
    const axes = util.parseAxisParam(attrs?.axis as number | number[], x.shape);
    const k = leadingAxes(axes);
    if (k <= 0) return fallback(args);
    const outer = sizeOf(x.shape.slice(0, k)), inner = sizeOf(x.shape.slice(k));
    const outShape = attrs?.keepDims
      ? backend_util.expandShapeToKeepDim(x.shape.slice(k), axes)
      : x.shape.slice(k);
    const out = backend.makeOutput(outShape, "float32");
    const o = f32View(backend, out);
    if (inner === 0) return out;
    if (outer === 0) {
      o.fill(0);
      return out;
    }
    const v = f32View(backend, x);
    lib.sgemm(
      ROW_MAJOR,
      NO_TRANS,
      NO_TRANS,
      1,
      inner,
      outer,
      1,
      onesF32(outer),
      outer,
      v,
      inner,
      0,
      o,
      inner,
    );
    return out;
  };
}
