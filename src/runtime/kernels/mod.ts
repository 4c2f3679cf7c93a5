/**
 * Training kernels for tfjs backends ("shims", docs/runtime.md §5): slow or missing kernels
 * re-expressed with kernels the backend already has (Transpose, PadV2, Reverse, Conv2D and the
 * no-transpose BatchMatMul), plus zero gradients for comparison/logical kernels.
 *
 * | backend | kernels |
 * |---|---|
 * | wasm | `Conv2DBackpropFilter` (missing in tfjs-backend-wasm), `Conv2DBackpropInput`, `BatchMatMul` with transposes, `GatherV2` (a heap-to-heap copy; the stock one is 4–40× slower), `UnsortedSegmentSum` (missing; the gradient of gather), `Identity` and same-dtype `Cast` (share the data instead of copying it) |
 * | cpu | `Conv2DBackpropFilter` only (the stock one takes 30 s per LeNet-5 step) |
 *
 * Call {@linkcode registerTrainingKernels} after importing the backend package and before
 * `tf.setBackend`: wasm kernels bind their C functions in `setupFunc`, which runs when the backend
 * is initialised (the replaced kernels keep the original `setupFunc`/`disposeFunc`).
 *
 * @module
 */
import * as tf from "../../deps/tfjs.ts";
import type { KernelFunc } from "../../deps/tfjs.ts";
import { replaceKernel, type ShimBackend } from "./compose.ts";
import { makeBatchMatMul } from "./batch_matmul.ts";
import { makeGather, makeUnsortedSegmentSum } from "./gather.ts";
import { makeConv2DBackpropFilter } from "./conv_backprop_filter.ts";
import { makeConv2DBackpropInput } from "./conv_backprop_input.ts";
import { registerZeroGradients } from "./zero_gradients.ts";
import { makeSharingCast, makeSharingIdentity } from "./share.ts";

export type { ShimBackend } from "./compose.ts";
export { registerZeroGradients, ZERO_GRADIENT_KERNELS } from "./zero_gradients.ts";

/** The kernels replaced per backend. */
export const TRAINING_KERNELS: Readonly<Record<ShimBackend, readonly string[]>> = {
  wasm: [
    "Conv2DBackpropFilter",
    "Conv2DBackpropInput",
    "BatchMatMul",
    "GatherV2",
    "UnsortedSegmentSum",
    "Identity",
    "Cast",
  ],
  cpu: ["Conv2DBackpropFilter"],
};

const BACKENDS: readonly ShimBackend[] = ["wasm", "cpu"];

/**
 * Backends already done in this process (shared by every copy of this module). Registering only
 * once also keeps later overlays (e.g. BLAS kernels, src/runtime/blas/) from being replaced when
 * `initBackend` runs again.
 */
const DONE: Set<string> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for("prunebench.trainingKernels")
] ??= new Set<string>()) as Set<string>;

/**
 * Registers prunebench's training kernels for a backend, and zero gradients for comparison and
 * logical kernels (for every backend). Idempotent: only the first call per backend registers
 * anything, so kernels registered later on top of ours (BLAS) stay in place.
 *
 * @param backend `"wasm"` or `"cpu"`.
 * @returns the kernel names (re-)registered by this call.
 * @throws {RangeError} for any other backend name.
 *
 * @example
 * ```ts
 * import * as tf from "../../deps/tfjs.ts";
 * import { registerTrainingKernels } from "./mod.ts";
 * registerTrainingKernels("cpu");
 * await tf.setBackend("cpu");
 * const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
 * const f = (w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, "valid").sum();
 * const dw = tf.grad(f)(tf.ones([3, 3, 1, 1]));
 * if (dw.shape.join() !== "3,3,1,1") throw new Error(String(dw.shape));
 * ```
 */
export function registerTrainingKernels(backend: ShimBackend): string[] {
  if (!BACKENDS.includes(backend)) {
    throw new RangeError(
      `Cannot register training kernels for backend "${backend}": expected one of ${
        BACKENDS.map((b) => `"${b}"`).join(", ")
      }`,
    );
  }
  registerZeroGradients();
  const registered: string[] = [];
  if (DONE.has(backend)) return registered;
  // Before the backend package is imported there are no kernels to wrap: try again next time.
  if (tf.getKernelsForBackend(backend).length > 0) DONE.add(backend);
  const tag = `prunebench:${backend}`;
  const add = (
    name: string,
    make: (original: KernelFunc | undefined) => KernelFunc | undefined,
  ) => {
    if (replaceKernel(name, backend, tag, make)) registered.push(name);
  };
  add("Conv2DBackpropFilter", () => makeConv2DBackpropFilter(backend));
  if (backend === "wasm") {
    add("Conv2DBackpropInput", () => makeConv2DBackpropInput(backend));
    // Only wraps an existing kernel: without the backend package imported there is nothing to wrap.
    add("BatchMatMul", (original) => original && makeBatchMatMul(backend, original));
    add("GatherV2", (original) => original && makeGather(original));
    add("UnsortedSegmentSum", () => makeUnsortedSegmentSum());
    add("Identity", (original) => original && makeSharingIdentity(original));
    add("Cast", (original) => original && makeSharingCast(original));
  }
  return registered;
}
