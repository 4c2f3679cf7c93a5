/**
 * Seeded pseudo-random numbers (PCG32) for shuffles, sampling and seeds of tfjs random ops.
 * Same seed ⇒ same sequence on every platform.
 *
 * @module
 */

const MASK64 = (1n << 64n) - 1n;
// The LCG multiplier 6364136223846793005 = 0x5851F42D_4C957F2D, as 32-bit halves.
const MULT_HI = 0x5851f42d;
const MULT_LO = 0x4c957f2d;

/**
 * A PCG32 generator (O'Neill 2014, XSH-RR output) with a 64-bit state.
 *
 * The 64-bit state is kept as two unsigned 32-bit halves and advanced with exact 32-bit integer
 * arithmetic (no BigInt in the hot path: about 20× faster, and the same stream as the reference
 * `pcg32_srandom_r` / `pcg32_random_r`; `new Rng(42, 54)` starts 0xa15c02b7, 0x7b47f409, …).
 *
 * @example Same seed, same numbers
 * ```ts
 * import { Rng } from "./rng.ts";
 * const a = new Rng(42), b = new Rng(42);
 * if (a.nextU32() !== b.nextU32()) throw new Error("not deterministic");
 * ```
 */
export class Rng {
  #hi = 0;
  #lo = 0;
  #incHi: number;
  #incLo: number;

  /** Creates a generator from an integer seed and an optional stream id. */
  constructor(seed: number, stream = 54) {
    const inc = ((BigInt(stream) << 1n) | 1n) & MASK64;
    this.#incHi = Number(inc >> 32n);
    this.#incLo = Number(inc & 0xffffffffn);
    this.nextU32();
    const state = ((BigInt(this.#hi) << 32n | BigInt(this.#lo)) +
      BigInt.asUintN(64, BigInt(Math.trunc(seed)))) & MASK64;
    this.#hi = Number(state >> 32n);
    this.#lo = Number(state & 0xffffffffn);
    this.nextU32();
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const hi = this.#hi, lo = this.#lo;
    // state = state · MULT + inc (mod 2^64); lo · MULT_LO needs its full 64-bit product
    const a0 = lo & 0xffff, a1 = lo >>> 16, b0 = MULT_LO & 0xffff, b1 = MULT_LO >>> 16;
    const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
    const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    const prodLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
    const prodHi = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
    const sumLo = prodLo + this.#incLo;
    this.#lo = sumLo >>> 0;
    this.#hi = (prodHi + Math.imul(lo, MULT_HI) + Math.imul(hi, MULT_LO) + this.#incHi +
      (sumLo > 0xffffffff ? 1 : 0)) >>> 0;
    // output of the old state: rotr32(((old >> 18) ^ old) >> 27, old >> 59)
    const xHi = hi ^ (hi >>> 18), xLo = lo ^ ((lo >>> 18) | (hi << 14));
    const xorshifted = ((xLo >>> 27) | (xHi << 5)) >>> 0;
    const rot = hi >>> 27;
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
