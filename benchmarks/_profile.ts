/**
 * Per-kernel profile of real training steps for `deno task perf`: `tf.profile` around a short
 * `fit()`, with marker kernels (`Atanh` on a scalar, used by no model or method) issued from the
 * `onStep` hook so that only the kernels of the profiled steps are counted (not warm-up, not the
 * end-of-epoch evaluation). On wasm and cpu every kernel is synchronous, so a kernel's wall time is
 * its compute time; our kernel rewrites call the backend's kernels directly, so nothing is counted
 * twice, except kernels that run other kernels through the engine (composed kernels), whose inner
 * kernels are counted as well.
 *
 * @module
 */
import * as tf from "../src/deps/tfjs.ts";

/** The marker kernel's name. */
export const MARKER = "Atanh";

/** Issues one marker kernel. */
export function mark(): void {
  tf.tidy(() => tf.atanh(tf.scalar(0)));
}

/** Kernel time of one training step by kernel name. */
export interface KernelTime {
  /** Kernel name. */
  kernel: string;
  /** Milliseconds per step. */
  ms: number;
  /** Calls per step. */
  calls: number;
}

/**
 * Runs `f` under `tf.profile` and returns the kernels issued between the first two markers,
 * summed by kernel name and divided by `steps`, largest first.
 */
export async function profileBetweenMarkers(
  f: () => Promise<void>,
  steps: number,
): Promise<KernelTime[]> {
  const check = tf.env().getBool("CHECK_COMPUTATION_FOR_ERRORS");
  tf.env().set("CHECK_COMPUTATION_FOR_ERRORS", false); // no extra read-back of every output
  const info = await tf.profile(f).finally(() =>
    tf.env().set("CHECK_COMPUTATION_FOR_ERRORS", check)
  );
  const by = new Map<string, { ms: number; calls: number }>();
  let marks = 0;
  for (const k of info.kernels) {
    if (k.name === MARKER && k.inputShapes?.[0]?.length === 0) {
      if (++marks === 2) break;
      continue;
    }
    if (marks !== 1) continue;
    const e = by.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls += 1;
    by.set(k.name, e);
  }
  if (marks < 2) throw new Error("Cannot profile the steps: the end marker was not reached");
  return [...by.entries()]
    .map(([kernel, e]) => ({ kernel, ms: e.ms / steps, calls: e.calls / steps }))
    .sort((a, b) => b.ms - a.ms);
}

/**
 * Microseconds of JS and dispatch per kernel call: the fastest of `rounds` rounds of `n` additions
 * of two scalars (whose arithmetic is negligible), each disposed at once. The first rounds warm
 * up the JIT, so the fastest round is the steady-state cost.
 */
export function dispatchMicros(n = 2000, rounds = 5): number {
  const a = tf.scalar(1), b = tf.scalar(2);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) tf.add(a, b).dispose();
    best = Math.min(best, ((performance.now() - t0) * 1000) / n);
  }
  tf.dispose([a, b]);
  return best;
}

/** Formats rows as an aligned text table (first column left-aligned, others right-aligned). */
export function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}
