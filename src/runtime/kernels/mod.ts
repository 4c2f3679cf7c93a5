/**
 * Training kernels for tfjs backends (placeholder; the kernels issue fills this in).
 *
 * @module
 */

/** Registers our training kernels for a backend (idempotent). */
export function registerTrainingKernels(_backend: "wasm" | "cpu"): void {}
