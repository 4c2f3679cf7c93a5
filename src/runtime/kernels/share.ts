/**
 * Zero-copy `Identity` and same-dtype `Cast` for the wasm backend: the output shares the input's
 * heap block (reference counted, as `Reshape` already does on wasm and `Identity` does on cpu)
 * instead of copying it. tfjs clones every tensor a gradient saves (`engine.clone` runs
 * `Identity`), so on wasm each `matMul` copied its weight matrix and each `mul` gradient its
 * inputs, every step; sharing is safe because no kernel writes its inputs in place (tfjs' own and
 * ours alike: outputs are always new blocks).
 *
 * @module
 */
import type { KernelFunc } from "../../deps/tfjs.ts";
import type { KernelArgs, TensorRef } from "../blas/heap.ts";

/** The wasm backend's reference counting (tfjs-backend-wasm's `BackendWasm.incRef`). */
interface RefCounting {
  incRef(dataId: object): void;
}

function share(args: KernelArgs): TensorRef {
  const x = args.inputs.x as TensorRef;
  (args.backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

/** `Identity` sharing the input's data (strings go to `original`). */
export function makeSharingIdentity(original: KernelFunc): KernelFunc {
  return ((args: KernelArgs) =>
    args.inputs.x?.dtype === "string"
      ? original(args as unknown as Parameters<KernelFunc>[0])
      : share(args)) as unknown as KernelFunc;
}

/** `Cast` sharing the input's data when the dtype does not change (else `original`). */
export function makeSharingCast(original: KernelFunc): KernelFunc {
  return ((args: KernelArgs) =>
    args.inputs.x?.dtype === args.attrs?.dtype && args.inputs.x?.dtype !== "string"
      ? share(args)
      : original(args as unknown as Parameters<KernelFunc>[0])) as unknown as KernelFunc;
}
