/**
 * One size report per pruned network: parameters and MACs of the dense (initial), masked and
 * compact network (conventions in {@linkcode countParams}), the architecture strings, compression
 * ratio and theoretical speedup; and {@linkcode latencyReport} for measured speedup.
 *
 * - `compressionRatio = paramsDense / paramsMasked`
 * - `theoreticalSpeedup = macsDense / macsMasked`
 * - `measuredSpeedup = latencyDenseMs / latencyCompactMs` (median batch latencies)
 *
 * @module
 */
import type { ArchSpec } from "../models/spec.ts";
import { Network } from "../models/network.ts";
import { inferShapes } from "../models/build.ts";
import type { PruneMasks } from "../models/masks.ts";
import { compact } from "../models/compact.ts";
import { countMacs, countParams } from "./counts.ts";
import { archString } from "./arch_string.ts";
import { type LatencyOptions, measureLatencies } from "./latency.ts";

/** Sizes of a pruned network; every column says which network it refers to. */
export interface SizeReport {
  /** Parameters of the initial (unpruned) architecture. */
  paramsDense: number;
  /** Parameters kept by the masks (pruned entries excluded). */
  paramsMasked: number;
  /** Parameters stored by the compact (physically shrunk) network. */
  paramsCompact: number;
  /** MACs per example of the initial architecture. */
  macsDense: number;
  /** MACs per example of the masked network (pruned entries excluded). */
  macsMasked: number;
  /** MACs per example of the compact network. */
  macsCompact: number;
  /** `paramsDense / paramsMasked`. */
  compressionRatio: number;
  /** `macsDense / macsMasked`. */
  theoreticalSpeedup: number;
  /** Group widths of the initial architecture, e.g. `784-300-100`. */
  archDense: string;
  /** Kept units per group as the masks say, e.g. `219-214-100`. */
  arch: string;
  /** Group widths of the compact network (dead units removed too). */
  archCompact: string;
}

/**
 * Size report of `net` pruned by `masks`.
 *
 * @param dense The initial network or its architecture spec (dense counts).
 * @param net The trained network the masks refer to.
 * @param masks Structured and unstructured keep masks.
 * @param compactNet The compact network if already built; otherwise one is built and disposed.
 * @returns The report.
 */
export function sizeReport(
  dense: Network | ArchSpec,
  net: Network,
  masks: PruneMasks = {},
  compactNet?: Network,
): SizeReport {
  const small = compactNet ?? compact(net, masks);
  try {
    const paramsDense = countParams(dense), macsDense = countMacs(dense);
    const paramsMasked = countParams(net, masks), macsMasked = countMacs(net, masks);
    return {
      paramsDense,
      paramsMasked,
      paramsCompact: countParams(small),
      macsDense,
      macsMasked,
      macsCompact: countMacs(small),
      compressionRatio: paramsDense / paramsMasked,
      theoreticalSpeedup: macsDense / macsMasked,
      archDense: dense instanceof Network
        ? archString(dense)
        : inferShapes(dense).groups.map((g) => g.size).join("-"),
      arch: archString(net, masks.keep),
      archCompact: small.widths().join("-"),
    };
  } finally {
    if (!compactNet) small.dispose();
  }
}

/** Quantile `q` of a non-empty list, linear between order statistics. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Measured latencies of a dense and a compact network. */
export interface LatencyReport {
  /** Median batch latency of the dense network (ms). */
  latencyDenseMs: number;
  /** Median batch latency of the compact network (ms). */
  latencyCompactMs: number;
  /** `latencyDenseMs / latencyCompactMs`. */
  measuredSpeedup: number;
  /**
   * Spread of the measured speedup: the 25th and 75th percentiles of the per-repeat ratios
   * dense/compact (repeats alternate the two nets, so each pair shares the machine's state).
   */
  speedupInterval: [number, number];
  /** Timed repeats behind the medians. */
  repeats: number;
  /** Batch size. */
  batch: number;
  /** Backend the latencies were measured on. */
  backend: string;
}

/**
 * Measures dense and compact latency together (warm-up first, then alternating timed repeats;
 * each the median of its repeats) and their ratio.
 *
 * @param denseNet The dense network.
 * @param compactNet The compact network.
 * @param options Latency options (batch 100, 10 repeats, 2 warm-up by default).
 * @returns The report.
 */
export async function latencyReport(
  denseNet: Network,
  compactNet: Network,
  options: LatencyOptions = {},
): Promise<LatencyReport> {
  const [d, c] = await measureLatencies([denseNet, compactNet], options);
  const ratios = d.samplesMs.map((x, i) => x / c.samplesMs[i]);
  return {
    latencyDenseMs: d.medianMs,
    latencyCompactMs: c.medianMs,
    measuredSpeedup: d.medianMs / c.medianMs,
    speedupInterval: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
    repeats: ratios.length,
    batch: d.batch,
    backend: d.backend,
  };
}
