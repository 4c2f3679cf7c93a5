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
import * as tf from "../deps/tfjs.ts";
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
 * @example
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { measureLatency } from "./latency.ts";
 * import { Network } from "../models/network.ts";
 * import { getArch } from "../models/registry.ts";
 * await tf.setBackend("cpu");
 * const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
 * const { medianMs, batch } = await measureLatency(net, { batch: 10, repeats: 3 });
 * if (!(medianMs > 0) || batch !== 10) throw new Error(`${medianMs} ms`);
 * net.dispose();
 * ```
 *
 * @param net The network (dense or compact).
 * @param options Batch, repeats, warm-up.
 * @returns The measurement.
 */
export async function measureLatency(net: Network, options: LatencyOptions = {}): Promise<Latency> {
  const [l] = await measureLatencies([net], options);
  return l;
}

/**
 * Latency of several networks measured together: all warm up first, then every timed repeat runs
 * each network once in turn, so that drift of the machine (another process, CPU frequency, JIT
 * tier-up) affects every median alike. Every network gets the same random input.
 */
export async function measureLatencies(
  nets: readonly Network[],
  options: LatencyOptions = {},
): Promise<Latency[]> {
  const batch = options.batch ?? 100, repeats = options.repeats ?? 10, warmup = options.warmup ?? 2;
  if (!(batch >= 1 && repeats >= 1 && warmup >= 0)) {
    throw new RangeError(
      `Cannot measure latency: batch (${batch}) and repeats (${repeats}) must be ≥ 1, warmup ≥ 0`,
    );
  }
  const inputs = nets.map((net) =>
    tf.randomUniform([batch, ...net.arch.inputShape], 0, 1, "float32", options.seed ?? 0)
  );
  const samples: number[][] = nets.map(() => []);
  try {
    for (let i = 0; i < warmup + repeats; i++) {
      for (const [k, net] of nets.entries()) {
        const t0 = performance.now();
        const y = tf.tidy(() => net.forward(inputs[k]));
        await y.data();
        const dt = performance.now() - t0;
        y.dispose();
        if (i >= warmup) samples[k].push(dt);
      }
    }
  } finally {
    tf.dispose(inputs);
  }
  return samples.map((samplesMs) => ({
    medianMs: median(samplesMs),
    samplesMs,
    batch,
    backend: tf.getBackend(),
  }));
}
