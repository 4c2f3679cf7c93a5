/**
 * A fast `GatherV2` for the wasm backend. tfjs-backend-wasm 4.22 (like tfjs-cpu) takes about 3 ms
 * to gather 627 of 784 columns of a [100, 784] batch, more than LeNet-300-100's whole forward
 * pass, so a network compacted by pruning input pixels (which selects its inputs with a gather)
 * ran slower than the dense one. This kernel copies straight between views of the wasm heap:
 * `out[o, j, i] = x[o, indices[j], i]` with `o` over the axes before `axis`, `j` over the indices
 * (any shape, flattened) and `i` over the axes after it.
 *
 * It handles float32 `x`, int32 indices within range and `batchDims` 0; anything else goes to the
 * original kernel, which keeps tfjs's own behaviour (including its errors). The gradient is
 * tfjs-core's (an `UnsortedSegmentSum`), registered per op, so it is unchanged.
 *
 * @module
 */
import { util } from "../../deps/tfjs.ts";
import type { KernelFunc } from "../../deps/tfjs.ts";
import { f32View, i32View, type Kernel, sizeOf, type WasmBackend } from "../blas/heap.ts";

/** Rows shorter than this are copied element by element (a `set` call costs more). */
const SET_MIN = 16;

/** Makes the `GatherV2` kernel (inputs `x`, `indices`; attrs `axis`, `batchDims`). */
export function makeGather(original: KernelFunc): KernelFunc {
  const fallback = original as unknown as Kernel;
  const kernel: Kernel = (args) => {
    const { x, indices } = args.inputs;
    const backend = args.backend as WasmBackend;
    const batchDims = Number(args.attrs?.batchDims ?? 0);
    if (!x || !indices || x.dtype !== "float32" || indices.dtype !== "int32" || batchDims !== 0) {
      return fallback(args);
    }
    const axis = util.parseAxisParam(args.attrs?.axis as number, x.shape)[0];
    const dim = x.shape[axis];
    const outer = sizeOf(x.shape.slice(0, axis)), inner = sizeOf(x.shape.slice(axis + 1));
    const n = sizeOf(indices.shape);
    {
      const idx = i32View(backend, indices);
      for (let j = 0; j < n; j++) if (!(idx[j] >= 0 && idx[j] < dim)) return fallback(args);
    }
    const out = backend.makeOutput(
      [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)],
      "float32",
    );
    // views only after the last allocation (it may grow the heap and detach earlier views)
    const src = f32View(backend, x), dst = f32View(backend, out), idx = i32View(backend, indices);
    for (let o = 0; o < outer; o++) {
      const sBase = o * dim * inner, dBase = o * n * inner;
      if (inner === 1) {
        for (let j = 0; j < n; j++) dst[dBase + j] = src[sBase + idx[j]];
      } else if (inner < SET_MIN) {
        for (let j = 0; j < n; j++) {
          const s = sBase + idx[j] * inner, d = dBase + j * inner;
          for (let i = 0; i < inner; i++) dst[d + i] = src[s + i];
        }
      } else {
        for (let j = 0; j < n; j++) {
          const s = sBase + idx[j] * inner;
          dst.set(src.subarray(s, s + inner), dBase + j * inner);
        }
      }
    }
    return out;
  };
  return kernel as unknown as KernelFunc;
}

/**
 * `UnsortedSegmentSum`, which tfjs-backend-wasm 4.22 lacks, so that `tf.gather` (whose gradient it
 * is) can be differentiated on wasm: `out[s, i] = Σ_{j: ids[j] = s} x[j, i]` over `numSegments`
 * segments; ids outside [0, numSegments) are dropped, as in TensorFlow. float32 `x` only.
 */
export function makeUnsortedSegmentSum(): KernelFunc {
  const kernel: Kernel = (args) => {
    const { x, segmentIds } = args.inputs;
    const backend = args.backend as WasmBackend;
    const numSegments = Number(args.attrs?.numSegments);
    if (!x || !segmentIds || x.dtype !== "float32" || segmentIds.dtype !== "int32") {
      throw new TypeError(
        `UnsortedSegmentSum on wasm supports float32 data with int32 segment ids, got ${x?.dtype} ` +
          `and ${segmentIds?.dtype}`,
      );
    }
    const k = segmentIds.shape.length;
    const n = sizeOf(segmentIds.shape), inner = sizeOf(x.shape.slice(k));
    const out = backend.makeOutput([numSegments, ...x.shape.slice(k)], "float32");
    const src = f32View(backend, x),
      dst = f32View(backend, out),
      ids = i32View(backend, segmentIds);
    dst.fill(0);
    for (let j = 0; j < n; j++) {
      const s = ids[j];
      if (!(s >= 0 && s < numSegments)) continue;
      const d = s * inner, o = j * inner;
      for (let i = 0; i < inner; i++) dst[d + i] += src[o + i];
    }
    return out;
  };
  return kernel as unknown as KernelFunc;
}
