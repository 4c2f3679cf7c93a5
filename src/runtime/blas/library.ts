/**
 * Loading a native BLAS library through Deno FFI: library search, permission checks, thread count.
 *
 * @module
 */

/** Row-major order for `cblas_sgemm` (`CblasRowMajor`). */
export const ROW_MAJOR = 101;
/** No transpose (`CblasNoTrans`). */
export const NO_TRANS = 111;
/** Transpose (`CblasTrans`). */
export const TRANS = 112;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32", // order
      "i32", // transA
      "i32", // transB
      "i32", // M
      "i32", // N
      "i32", // K
      "f32", // alpha
      "buffer", // A
      "i32", // lda
      "buffer", // B
      "i32", // ldb
      "f32", // beta
      "buffer", // C
      "i32", // ldc
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
  openblas_get_num_threads: { parameters: [], result: "i32", optional: true },
  openblas_get_config: { parameters: [], result: "pointer", optional: true },
} as const;

/** `cblas_sgemm` as called from JS; A, B and C are float32 views (e.g. of the wasm heap). */
export type Sgemm = (
  order: number,
  transA: number,
  transB: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
) => void;

/** An opened BLAS library. */
export interface BlasLibrary {
  /** Path or name passed to `Deno.dlopen`. */
  path: string;
  /** `cblas_sgemm`. */
  sgemm: Sgemm;
  /** Threads the library uses (as reported by it, or as requested when it cannot report). */
  threads: number;
  /** Build description (`openblas_get_config`), or `null` when the library has none. */
  config: string | null;
  /** False when the library has no `openblas_set_num_threads` (the count is then not applied). */
  threadsSettable: boolean;
  /** Single-thread GFLOP/s of a 128³ sgemm measured when the library was opened. */
  probeGflops: number;
}

/** Result of {@linkcode openBlas}: the library, or why none could be opened. */
export type OpenResult = { ok: true; lib: BlasLibrary } | { ok: false; reason: string };

const MACOS_ACCELERATE = "/System/Library/Frameworks/Accelerate.framework/Accelerate";

/**
 * Candidate library paths, in search order: only `explicit` when given; otherwise
 * `PRUNEBENCH_BLAS` (when set and readable), then the platform's usual names.
 */
export function candidateLibraries(explicit?: string): string[] {
  if (explicit) return [explicit];
  const out: string[] = [];
  const fromEnv = readEnv("PRUNEBENCH_BLAS");
  if (fromEnv) out.push(fromEnv);
  if (Deno.build.os === "darwin") out.push(MACOS_ACCELERATE);
  else if (Deno.build.os === "windows") out.push("libopenblas.dll");
  else out.push("libopenblas.so.0", "libblas.so.3");
  return out;
}

/** Reads an environment variable only when already permitted (never prompts). */
export function readEnv(name: string): string | undefined {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
      return undefined;
    }
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

function ffiGranted(path?: string): boolean {
  try {
    const desc: Deno.PermissionDescriptor = path === undefined
      ? { name: "ffi" }
      : { name: "ffi", path };
    return Deno.permissions.querySync(desc).state === "granted";
  } catch {
    return false;
  }
}

/** Opened library plus its thread setter (internal). */
interface Opened extends BlasLibrary {
  setThreads(n: number): number;
}

const results = new Map<string, { ok: true; lib: Opened } | { ok: false; reason: string }>();

/**
 * Opens the first BLAS library that loads and has `cblas_sgemm`, and sets its thread count.
 * Never throws and never prompts: returns `{ok: false, reason}` when FFI is not permitted or no
 * library opens. Libraries stay open for the life of the process (results are cached per search).
 */
export function openBlas(explicit: string | undefined, threads: number): OpenResult {
  const candidates = candidateLibraries(explicit);
  const key = candidates.join("\n");
  let result = results.get(key);
  if (result === undefined) {
    result = openFresh(candidates);
    results.set(key, result);
  }
  if (result.ok) result.lib.threads = result.lib.setThreads(threads);
  return result;
}

/**
 * Libraries slower than this (GFLOP/s, one thread, 128³ sgemm) are rejected: the reference
 * (netlib) BLAS reaches 1–3 and would be slower than tfjs wasm (≈ 29); OpenBLAS reaches 50–100.
 */
export const MIN_GFLOPS = 6;

/** Best-of-5 GFLOP/s of a 128×128×128 sgemm (about 0.05 ms with OpenBLAS). */
function probeSgemm(sgemm: Sgemm): number {
  const n = 128;
  const a = new Float32Array(n * n).fill(0.5), c = new Float32Array(n * n);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, n, n, n, 1, a, n, a, n, 0, c, n);
    best = Math.min(best, performance.now() - t);
  }
  return 2 * n * n * n / Math.max(best, 1e-4) / 1e6;
}

function openFresh(
  candidates: string[],
): { ok: true; lib: Opened } | { ok: false; reason: string } {
  if (typeof Deno.dlopen !== "function") {
    return { ok: false, reason: "Deno.dlopen is not available in this runtime" };
  }
  const anyFfi = ffiGranted();
  const errors: string[] = [];
  for (const path of candidates) {
    if (!anyFfi && !ffiGranted(path)) continue;
    let dl: Deno.DynamicLibrary<typeof SYMBOLS>;
    try {
      dl = Deno.dlopen(path, SYMBOLS);
    } catch (e) {
      errors.push(`${path}: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    const sym = dl.symbols;
    const cfgPtr = sym.openblas_get_config?.() ?? null;
    const lib: Opened = {
      path,
      sgemm: sym.cblas_sgemm as unknown as Sgemm,
      threads: 1,
      config: cfgPtr ? new Deno.UnsafePointerView(cfgPtr).getCString() : null,
      threadsSettable: sym.openblas_set_num_threads !== null,
      probeGflops: 0,
      setThreads(n: number): number {
        if (sym.openblas_set_num_threads) sym.openblas_set_num_threads(n);
        return sym.openblas_get_num_threads ? sym.openblas_get_num_threads() : n;
      },
    };
    lib.setThreads(1);
    lib.probeGflops = probeSgemm(lib.sgemm);
    if (lib.probeGflops < MIN_GFLOPS) {
      dl.close();
      errors.push(
        `${path}: too slow (${lib.probeGflops.toFixed(1)} GFLOP/s on a 128³ sgemm, below ` +
          `${MIN_GFLOPS}; a reference BLAS?)`,
      );
      continue;
    }
    return { ok: true, lib };
  }
  if (!anyFfi && errors.length === 0) {
    return {
      ok: false,
      reason: "BLAS acceleration is off: FFI is not permitted (run with --allow-ffi)",
    };
  }
  return {
    ok: false,
    reason:
      `BLAS acceleration is off: cannot open a BLAS library (tried ${
        candidates.map((c) => `"${c}"`).join(", ")
      }; install libopenblas0-pthread or set PRUNEBENCH_BLAS)` +
      (errors.length ? `: ${errors[0]}` : ""),
  };
}
