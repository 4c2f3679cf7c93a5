/**
 * Deterministic shards: `--shard i/N` selects the runs whose id (a hash) falls in residue class
 * i−1 modulo N, so any cluster scheduler (Slurm job arrays, Kubernetes Indexed Jobs, several
 * terminals) can split a suite without a coordinator; `aggregate` merges the outputs.
 *
 * @module
 */
import { ConfigError } from "../util/errors.ts";

/** A parsed shard selector. */
export interface Shard {
  /** 1-based shard index. */
  index: number;
  /** Number of shards. */
  count: number;
}

/**
 * Parses `i/N` (1 ≤ i ≤ N); throws a {@linkcode ConfigError} otherwise.
 *
 * @example
 * ```ts
 * import { parseShard } from "./shard.ts";
 * const s = parseShard("2/4");
 * if (s.index !== 2 || s.count !== 4) throw new Error();
 * ```
 */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new ConfigError([
      `Cannot parse --shard "${text}": expected "i/N" with 1 ≤ i ≤ N, e.g. "1/4"`,
    ]);
  }
  return { index, count };
}

/** True when a run id belongs to the shard. */
export function inShard(id: string, shard: Shard): boolean {
  return parseInt(id.slice(0, 8), 16) % shard.count === shard.index - 1;
}
