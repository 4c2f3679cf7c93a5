/**
 * Measured inference latency on the active backend, because theoretical MAC savings often do not
 * turn into speed (ecosystem.md §A.4: "fewer FLOPs but no speedup").
 *
 * Protocol: one fixed random batch; `warmup` untimed forward passes; then `repeats` timed passes,
 * each from dispatch to `await y.data()` (so asynchronous backends finish their work); the
 * median is reported.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Network } from "../models/network.ts";

/** Options of {@linkcode measureLatency}. */
export interface LatencyOptions {
  /** Batch size. @default 100 */
  batch?: number;
  /** Timed repeats. @default 10 */
  repeats?: number;
  /** Untimed warm-up passes. @default 2 */
  warmup?: number;
  /** Seed of the random input. @default 0 */
  seed?: number;
}

/** A latency measurement. */
export interface Latency {
  /** Median milliseconds per batch. */
  medianMs: number;
  /** Every timed repeat, in milliseconds. */
  samplesMs: number[];
  /** Batch size. */
  batch: number;
  /** Backend name (`tf.getBackend()`). */
  backend: string;
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError("Cannot take the median of an empty list");
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Median eval-mode forward latency of `net` (no gates) for a batch.
 *
 * @param net The network (dense or compact).
 * @param options Batch, repeats, warm-up.
 * @returns The measurement.
 */
export async function measureLatency(net: Network, options: LatencyOptions = {}): Promise<Latency> {
  const batch = options.batch ?? 100, repeats = options.repeats ?? 10, warmup = options.warmup ?? 2;
  if (!(batch >= 1 && repeats >= 1 && warmup >= 0)) {
    throw new RangeError(
      `Cannot measure latency: batch (${batch}) and repeats (${repeats}) must be ≥ 1, warmup ≥ 0`,
    );
  }
  const x = tf.randomUniform([batch, ...net.arch.inputShape], 0, 1, "float32", options.seed ?? 0);
  const samplesMs: number[] = [];
  try {
    for (let i = 0; i < warmup + repeats; i++) {
      const t0 = performance.now();
      const y = tf.tidy(() => net.forward(x));
      await y.data();
      const dt = performance.now() - t0;
      y.dispose();
      if (i >= warmup) samplesMs.push(dt);
    }
  } finally {
    x.dispose();
  }
  return { medianMs: median(samplesMs), samplesMs, batch, backend: tf.getBackend() };
}
