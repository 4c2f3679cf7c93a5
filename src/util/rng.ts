/**
 * Seeded pseudo-random numbers (PCG32) for shuffles, sampling and seeds of tfjs random ops.
 * Same seed ⇒ same sequence on every platform.
 *
 * @module
 */

const MASK64 = (1n << 64n) - 1n;
const MULT = 6364136223846793005n;

/**
 * A PCG32 generator (O'Neill 2014, XSH-RR output) with a 64-bit state.
 *
 * @example Same seed, same numbers
 * ```ts
 * import { Rng } from "./rng.ts";
 * const a = new Rng(42), b = new Rng(42);
 * if (a.nextU32() !== b.nextU32()) throw new Error("not deterministic");
 * ```
 */
export class Rng {
  #state = 0n;
  #inc: bigint;

  /** Creates a generator from an integer seed and an optional stream id. */
  constructor(seed: number, stream = 54) {
    this.#inc = ((BigInt(stream) << 1n) | 1n) & MASK64;
    this.nextU32();
    this.#state = (this.#state + BigInt.asUintN(64, BigInt(Math.trunc(seed)))) & MASK64;
    this.nextU32();
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const old = this.#state;
    this.#state = (old * MULT + this.#inc) & MASK64;
    const xorshifted = Number(((old >> 18n) ^ old) >> 27n & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << ((-rot) & 31))) >>> 0;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new RangeError(`Cannot draw an integer below ${n}: n must be > 0`);
    // rejection sampling to avoid modulo bias
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** Standard normal sample (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Shuffles an array in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** A fresh 31-bit seed for a tfjs random op (tfjs takes explicit integer seeds). */
  seed(): number {
    return this.nextU32() >>> 1;
  }

  /** Derives an independent child generator (e.g. one per epoch or per component). */
  fork(stream: number): Rng {
    return new Rng(this.nextU32(), stream);
  }
}
