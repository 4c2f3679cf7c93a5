/**
 * Registration of the BLAS kernels for the wasm backend, on top of whatever is registered (stock
 * tfjs kernels or our shims from `src/runtime/kernels/`). Each BLAS kernel keeps the previous
 * kernel's `setupFunc`/`disposeFunc` (wasm kernels bind their C functions there) and calls the
 * previous kernel function for cases it does not handle.
 *
 * @module
 */
import * as tf from "../../deps/tfjs.ts";
import type { KernelConfig, KernelFunc } from "../../deps/tfjs.ts";
import type { BlasLibrary } from "./library.ts";
import type { Kernel } from "./heap.ts";
import { makeBatchMatMul, makeFusedMatMul } from "./gemm.ts";
import { makeConv2D, makeConv2DBackpropFilter, makeConv2DBackpropInput } from "./conv.ts";
import { makeSum } from "./reduce.ts";
import { makeMaxPoolGrad } from "./pool.ts";

const BACKEND = "wasm";

/**
 * Kernel names replaced, with their factories. `MaxPoolGrad` needs no BLAS but is registered with
 * the rest: it is the largest kernel of a LeNet-5 step once the convolutions use BLAS.
 */
const FACTORIES: Record<string, (lib: BlasLibrary, fallback: Kernel) => Kernel> = {
  BatchMatMul: makeBatchMatMul,
  _FusedMatMul: makeFusedMatMul,
  Conv2D: makeConv2D,
  Conv2DBackpropInput: makeConv2DBackpropInput,
  Conv2DBackpropFilter: makeConv2DBackpropFilter,
  Sum: makeSum,
  MaxPoolGrad: (_lib, fallback) => makeMaxPoolGrad(fallback),
};

/** Names of the kernels {@linkcode registerBlasKernels} replaces. */
export const BLAS_KERNELS: readonly string[] = Object.keys(FACTORIES);

const ours = new WeakSet<KernelFunc>();
/** Kernel configs that were registered before ours (undefined: none was). */
const previous = new Map<string, KernelConfig | undefined>();

function replace(config: KernelConfig): void {
  if (tf.getKernel(config.kernelName, BACKEND)) tf.unregisterKernel(config.kernelName, BACKEND);
  tf.registerKernel(config);
}

/**
 * Registers the BLAS kernels for the wasm backend (idempotent; call before `tf.setBackend`). Returns
 * the kernel names registered.
 */
export function registerBlasKernels(lib: BlasLibrary): string[] {
  for (const [name, make] of Object.entries(FACTORIES)) {
    const current = tf.getKernel(name, BACKEND);
    const prev = current && ours.has(current.kernelFunc) ? previous.get(name) : current;
    previous.set(name, prev);
    const fallback = (prev?.kernelFunc as unknown as Kernel | undefined) ?? (() => {
      throw new Error(
        `Cannot run kernel "${name}" on backend "${BACKEND}": the BLAS kernel does not support ` +
          `these arguments and no other kernel is registered`,
      );
    });
    const kernelFunc = make(lib, fallback) as unknown as KernelFunc;
    ours.add(kernelFunc);
    replace({
      kernelName: name,
      backendName: BACKEND,
      kernelFunc,
      setupFunc: prev?.setupFunc,
      disposeFunc: prev?.disposeFunc,
    });
  }
  return [...BLAS_KERNELS];
}

/** Restores the kernels that were registered before {@linkcode registerBlasKernels} (idempotent). */
export function unregisterBlasKernels(): void {
  for (const name of BLAS_KERNELS) {
    const current = tf.getKernel(name, BACKEND);
    if (!current || !ours.has(current.kernelFunc)) continue;
    const prev = previous.get(name);
    tf.unregisterKernel(name, BACKEND);
    if (prev) tf.registerKernel(prev);
  }
}

/** True when the BLAS kernels are the ones currently registered for the wasm backend. */
export function blasKernelsRegistered(): boolean {
  return BLAS_KERNELS.every((name) => {
    const k = tf.getKernel(name, BACKEND);
    return k !== undefined && ours.has(k.kernelFunc);
  });
}
