/**
 * Metrics of pruned networks: parameter and MAC counts (dense, masked, compact), architecture
 * strings, compression ratio, theoretical and measured speedup.
 *
 * @example
 * ```ts
 * import { countMacs, countParams } from "./mod.ts";
 * import { getArch } from "../models/registry.ts";
 * const spec = getArch("lenet-5");
 * if (countParams(spec) !== 61_706) throw new Error();
 * if (countMacs(spec) <= 0) throw new Error();
 * ```
 *
 * @module
 */
export * from "./counts.ts";
export * from "./arch_string.ts";
export * from "./latency.ts";
export * from "./size_latency.ts";
