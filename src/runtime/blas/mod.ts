/**
 * Native BLAS acceleration for the wasm backend: `cblas_sgemm` from OpenBLAS (or another CBLAS)
 * through Deno FFI, called directly on views of the wasm heap (no copies).
 *
 * When a library opens and FFI is permitted, {@linkcode tryEnableBlas} registers faster wasm
 * kernels for `BatchMatMul`, `_FusedMatMul`, `Conv2D`, `Conv2DBackpropInput` and
 * `Conv2DBackpropFilter`, and the backend is reported as `wasm+blas`. Otherwise the plain wasm
 * kernels stay and the status says why.
 *
 * Library search: `options.library`, else `PRUNEBENCH_BLAS` (a path), then `libopenblas.so.0` and
 * `libblas.so.3` on Linux, the Accelerate framework on macOS. Thread count: `options.threads`,
 * else `PRUNEBENCH_BLAS_THREADS`, else 1 (one process per core; one thread measured fastest on
 * the 2-core machine). Needs `--allow-ffi`; environment variables are read only when `--allow-env`
 * covers them.
 *
 * @module
 */
import { openBlas, readEnv } from "./library.ts";
import { blasKernelsRegistered, registerBlasKernels, unregisterBlasKernels } from "./register.ts";

export { BLAS_KERNELS } from "./register.ts";

/** Options for BLAS acceleration. */
export interface BlasOptions {
  /** Path of the BLAS shared library; default: `PRUNEBENCH_BLAS`, then system search. */
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
    kernels,
    reason: `BLAS kernels active: ${lib.path}, ${lib.threads} thread(s)`,
  });
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
  return { active: false, library: null, threads: 0, config: null, kernels: [], reason };
}
