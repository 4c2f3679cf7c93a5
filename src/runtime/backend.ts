/**
 * The runtime seam: selects and initialises a TensorFlow.js backend and reports what is active.
 *
 * Backends:
 * - `wasm` (default): tfjs-backend-wasm (SIMD, single-threaded under Deno) plus our training
 *   kernels (`src/runtime/kernels/`), and native BLAS kernels when a BLAS library can be opened
 *   (`src/runtime/blas/`, backend then reported as `wasm+blas`).
 * - `cpu`: the pure-JS reference backend; tests use it as an oracle.
 * - `webgpu`: Deno's built-in `navigator.gpu`. Only asynchronous reads (`await t.data()`) work;
 *   `dataSync`/`arraySync` crash in tfjs-backend-webgpu 4.22 under Deno. On a machine without a
 *   GPU it runs on a software rasteriser (llvmpipe) and is 10–16× slower than wasm.
 * - `tensorflow` / `tensorflow-gpu`: `@tensorflow/tfjs-node` / `-node-gpu`, imported only when asked.
 *   They need libtensorflow (and CUDA for -gpu), which their npm install script downloads.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import { notFoundMessage } from "../util/errors.ts";
import { assertReadable } from "../util/permissions.ts";
import { registerTrainingKernels } from "./kernels/mod.ts";
import { type BlasOptions, type BlasStatus, disableBlas, tryEnableBlas } from "./blas/mod.ts";
import { simdOpAvailable } from "./simd/mod.ts";

/** Names accepted by {@linkcode initBackend}. */
export const BACKENDS = ["wasm", "cpu", "webgpu", "tensorflow", "tensorflow-gpu"] as const;
/** A backend name. */
export type BackendName = typeof BACKENDS[number];

/** Options for {@linkcode initBackend}. */
export interface BackendOptions {
  /** Register our training kernels (wasm: conv filter/input gradients, transposed matmul). @default true */
  kernels?: boolean;
  /** Native BLAS acceleration on wasm; `false` disables it. @default {} (enabled when available) */
  blas?: BlasOptions | false;
  /** Print a one-line notice when BLAS acceleration is unavailable. @default false */
  verbose?: boolean;
}

/** What is active after {@linkcode initBackend}; recorded with every result. */
export interface BackendInfo {
  /** Requested backend name. */
  name: BackendName;
  /** Effective label, e.g. `wasm+blas`, `wasm`, `cpu`. */
  label: string;
  /** tfjs version string. */
  tfjsVersion: string;
  /** BLAS status (wasm only). */
  blas: BlasStatus | null;
  /** Fused WebAssembly SIMD kernels active (wasm only; `src/runtime/simd/`). */
  simd: boolean;
}

let active: BackendInfo | null = null;

/**
 * True when the active tfjs backend reads tensor values synchronously from memory it owns (`wasm`:
 * its heap, `cpu`: JS arrays), so reading small values back one at a time costs no round trip.
 *
 * @example
 * ```ts
 * import { initBackend, synchronousReads } from "./backend.ts";
 * await initBackend("cpu");
 * if (!synchronousReads()) throw new Error("cpu reads are synchronous");
 * ```
 */
export function synchronousReads(): boolean {
  return ["wasm", "cpu"].includes(tf.getBackend());
}

/**
 * Returns the active backend description, or `null` before {@linkcode initBackend}.
 *
 * @example
 * ```ts
 * import { backendInfo, initBackend } from "./backend.ts";
 * await initBackend("cpu");
 * if (backendInfo()?.label !== "cpu") throw new Error("expected the cpu backend");
 * ```
 */
export function backendInfo(): BackendInfo | null {
  return active;
}

/**
 * Initialises a backend: registers kernels, sets it active and awaits `tf.ready()`.
 * Call it before creating any tensor.
 *
 * @example
 * ```ts
 * import { initBackend } from "./backend.ts";
 * const info = await initBackend("cpu");
 * if (info.label !== "cpu") throw new Error(info.label);
 * ```
 */
export async function initBackend(
  name: string = "wasm",
  options: BackendOptions = {},
): Promise<BackendInfo> {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new RangeError(notFoundMessage("backend", name, BACKENDS));
  }
  const backend = name as BackendName;
  tf.enableProdMode(); // silences the "looks like you are running TensorFlow.js in Node.js" banner
  const kernels = options.kernels ?? true;
  let blas: BlasStatus | null = null;
  let tfName: string = backend;
  switch (backend) {
    case "wasm":
      assertReadable(
        (await import("../deps/tfjs_wasm.ts")).TFJS_WASM_DIR_URL,
        'Cannot initialise backend "wasm" (tfjs-backend-wasm reads its .wasm files)',
      );
      if (kernels) registerTrainingKernels("wasm");
      if (options.blas !== false) {
        blas = await tryEnableBlas(options.blas ?? {});
        if (!blas.active && options.verbose) console.error(`prunebench: ${blas.reason}`);
      } else {
        blas = disableBlas(); // restores the plain kernels if an earlier call enabled BLAS
      }
      break;
    case "cpu":
      if (kernels) registerTrainingKernels("cpu");
      break;
    case "webgpu":
      if (!("gpu" in navigator)) {
        throw new Error(
          'Cannot initialise backend "webgpu": navigator.gpu is not available in this runtime',
        );
      }
      await import("../deps/tfjs_webgpu.ts");
      break;
    case "tensorflow":
    case "tensorflow-gpu": {
      const pkg = backend === "tensorflow" ? "@tensorflow/tfjs-node" : "@tensorflow/tfjs-node-gpu";
      try {
        // A bare specifier resolved through deno.json's import map: fails at once when the package
        // is not a dependency, instead of downloading it from npm at run time (`npm:` specifier).
        await import(pkg);
      } catch (e) {
        throw new Error(
          `Cannot initialise backend "${backend}": the package "${pkg}" could not be loaded ` +
            `(${(e as Error).message.split("\n")[0]}). Install it with ` +
            `"deno add npm:${pkg}@4.22.0" and run its install script ` +
            `("deno install --allow-scripts=npm:${pkg}") on a machine that can download ` +
            `libtensorflow${backend === "tensorflow-gpu" ? " and has CUDA 11.2 + cuDNN 8" : ""}, ` +
            `or use --backend wasm`,
          { cause: e },
        );
      }
      tfName = "tensorflow";
      break;
    }
  }
  const ok = await tf.setBackend(tfName);
  if (!ok) throw new Error(`Cannot initialise backend "${backend}": tf.setBackend returned false`);
  await tf.ready();
  const label = backend === "wasm" && blas?.active ? "wasm+blas" : backend;
  const simd = backend === "wasm" && simdOpAvailable();
  active = { name: backend, label, tfjsVersion: tf.version.tfjs, blas, simd };
  return active;
}
