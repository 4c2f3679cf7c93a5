/**
 * Native BLAS acceleration for the wasm backend (OpenBLAS through Deno FFI). Placeholder until the
 * BLAS issue lands: reports "not active".
 *
 * @module
 */

/** Options for BLAS acceleration. */
export interface BlasOptions {
  /** Path of the BLAS shared library; default: `PRUNEBENCH_BLAS`, then system search. */
  library?: string;
  /** Threads used by the BLAS library. @default 1 */
  threads?: number;
}

/** Whether BLAS acceleration is active and why (not). */
export interface BlasStatus {
  /** True when accelerated kernels are registered. */
  active: boolean;
  /** Library path opened, when active. */
  library: string | null;
  /** Thread count, when active. */
  threads: number;
  /** Human-readable reason, e.g. why it is inactive. */
  reason: string;
}

/** Tries to enable BLAS acceleration; never throws. */
export function tryEnableBlas(_options: BlasOptions): Promise<BlasStatus> {
  return Promise.resolve({ active: false, library: null, threads: 0, reason: "BLAS acceleration not built" });
}
