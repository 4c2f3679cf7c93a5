/**
 * Native BLAS acceleration for the wasm backend: `cblas_sgemm` from OpenBLAS (or another CBLAS)
 * through Deno FFI, called directly on views of the wasm heap (no copies).
 *
 * When a library opens and FFI is permitted, {@linkcode tryEnableBlas} registers faster wasm
 * kernels for `BatchMatMul`, `_FusedMatMul`, `Conv2D`, `Conv2DBackpropInput`,
 * `Conv2DBackpropFilter`, `Sum` over leading axes (bias gradients) and `MaxPoolGrad` (plain JS,
 * but the largest LeNet-5 kernel once convolutions use BLAS), and the backend is reported as
 * `wasm+blas`. Otherwise the plain wasm kernels stay and the status says why.
 *
 * Library search: only `options.library` when given; else `PRUNEBENCH_BLAS` (a path), then
 * `libopenblas.so.0` and `libblas.so.3` on Linux, the Accelerate framework on macOS.
 * `PRUNEBENCH_BLAS=off` (or `0`, `false`, `none`) turns acceleration off. A library
 * whose 128³ sgemm probe runs below {@linkcode MIN_GFLOPS} (a reference BLAS) is skipped.
 *
 * Threads: `options.threads`, else `PRUNEBENCH_BLAS_THREADS`, else 1, applied with
 * `openblas_set_num_threads`. One thread is the default: the harness runs one process per core,
 * and on the 2-vCPU machine 2 threads made a training step slower while using about twice the CPU
 * time (LeNet-5-Caffe gated 2,411 → 1,877 samples/s, LeNet-300-100 gated 18,050 → 17,332; load
 * 1.6). Raw sgemm alone was 1.6× faster with 2 threads on large shapes when the second core was
 * idle, but 2× slower on small-K shapes (57600×20×25).
 *
 * Needs `--allow-ffi`; environment variables are read only when `--allow-env` covers them. The
 * permission is queried first (`Deno.permissions.querySync`), so no prompt ever appears.
 *
 * @module
 */
import { openBlas, readEnv } from "./library.ts";
import { blasKernelsRegistered, registerBlasKernels, unregisterBlasKernels } from "./register.ts";

export { BLAS_KERNELS } from "./register.ts";
export { MIN_GFLOPS } from "./library.ts";

/** Options for BLAS acceleration. */
export interface BlasOptions {
  /**
   * Path of the BLAS shared library (only this one is tried); default: `PRUNEBENCH_BLAS`, then
   * the system search.
   */
  library?: string;
  /** Threads used by the BLAS library; default: `PRUNEBENCH_BLAS_THREADS`, else 1. */
  threads?: number;
}

/** Whether BLAS acceleration is active and why (not). */
export interface BlasStatus {
  /** True when accelerated kernels are registered. */
  active: boolean;
  /** Library path opened, when active. */
  library: string | null;
  /** Thread count, when active (as reported by the library); 0 when inactive. */
  threads: number;
  /** Library build description (OpenBLAS `openblas_get_config`), or `null`. */
  config: string | null;
  /** Single-thread GFLOP/s of a 128³ sgemm probe when the library was opened (0 when inactive). */
  probeGflops: number;
  /** Kernels replaced by BLAS kernels (empty when inactive). */
  kernels: string[];
  /** Human-readable reason, e.g. why it is inactive. */
  reason: string;
}

function resolveThreads(requested: number | undefined): number {
  const fromEnv = readEnv("PRUNEBENCH_BLAS_THREADS");
  const value = requested ?? (fromEnv === undefined ? 1 : Number(fromEnv));
  if (!Number.isInteger(value) || value < 1) {
    const source = requested === undefined ? "PRUNEBENCH_BLAS_THREADS" : "BLAS thread count";
    throw new RangeError(
      `Invalid ${source}: expected a positive integer, got "${requested ?? fromEnv}"`,
    );
  }
  return value;
}

/**
 * Tries to enable BLAS acceleration for the wasm backend; call it after the wasm backend package is
 * imported and before `tf.setBackend("wasm")`. Never prompts and never fails for a missing library
 * or permission: the returned status is then inactive with the reason. Throws only a `RangeError`
 * for an invalid thread count.
 *
 * @example
 * ```ts ignore
 * import { tryEnableBlas } from "./mod.ts";
 * const status = await tryEnableBlas({ threads: 1 });
 * console.log(status.active ? `BLAS: ${status.library}` : status.reason);
 * ```
 */
export function tryEnableBlas(options: BlasOptions = {}): Promise<BlasStatus> {
  const threads = resolveThreads(options.threads);
  if (options.library === undefined && isOffSwitch(readEnv("PRUNEBENCH_BLAS"))) {
    unregisterBlasKernels();
    return Promise.resolve(inactive("BLAS acceleration is off: PRUNEBENCH_BLAS=off"));
  }
  const opened = openBlas(options.library, threads);
  if (!opened.ok) {
    unregisterBlasKernels();
    return Promise.resolve(inactive(opened.reason));
  }
  const { lib } = opened;
  const kernels = registerBlasKernels(lib);
  return Promise.resolve({
    active: true,
    library: lib.path,
    threads: lib.threads,
    config: lib.config,
    probeGflops: Math.round(lib.probeGflops * 10) / 10,
    kernels,
    reason: `BLAS kernels active: ${lib.path}, ${lib.threads} thread(s)` +
      (lib.threadsSettable ? "" : " (thread count not settable; library default)"),
  });
}

/** Values of `PRUNEBENCH_BLAS` that turn acceleration off instead of naming a library. */
export const BLAS_OFF_VALUES: readonly string[] = ["off", "0", "false", "none"];

function isOffSwitch(value: string | undefined): boolean {
  return value !== undefined && BLAS_OFF_VALUES.includes(value.trim().toLowerCase());
}

/** Restores the plain wasm kernels (e.g. for `{blas: false}` after BLAS was enabled). */
export function disableBlas(): BlasStatus {
  unregisterBlasKernels();
  return inactive("BLAS acceleration is off: disabled by option");
}

/** True when the BLAS kernels are currently registered for the wasm backend. */
export function blasActive(): boolean {
  return blasKernelsRegistered();
}

/**
 * One-line description of a status for logs and provenance, e.g.
 * `blas=libopenblas.so.0 threads=1` or `blas=off (FFI is not permitted …)`.
 */
export function describeBlas(status: BlasStatus | null): string {
  if (status === null) return "blas=n/a";
  return status.active
    ? `blas=${status.library} threads=${status.threads}`
    : `blas=off (${status.reason.replace(/^BLAS acceleration is off: /, "")})`;
}

function inactive(reason: string): BlasStatus {
  return {
    active: false,
    library: null,
    threads: 0,
    config: null,
    probeGflops: 0,
    kernels: [],
    reason,
  };
}
