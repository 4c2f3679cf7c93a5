import assert from "node:assert/strict";
import { Rng } from "../src/util/rng.ts";

/** The textbook PCG32 (BigInt), as `pcg32_srandom_r` / `pcg32_random_r` define it. */
function referencePcg32(seed: number, stream: number): () => number {
  const mask = (1n << 64n) - 1n;
  let state = 0n;
  const inc = ((BigInt(stream) << 1n) | 1n) & mask;
  const next = () => {
    const old = state;
    state = (old * 6364136223846793005n + inc) & mask;
    const xs = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xs >>> rot) | (xs << ((-rot) & 31))) >>> 0;
  };
  next();
  state = (state + BigInt.asUintN(64, BigInt(Math.trunc(seed)))) & mask;
  next();
  return next;
}

Deno.test("rng: PCG32 reference vector (pcg32-demo, seed 42, stream 54)", () => {
  const r = new Rng(42, 54);
  const got = Array.from({ length: 6 }, () => r.nextU32());
  assert.deepEqual(got, [0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e]);
});

Deno.test("rng: 32-bit arithmetic equals the BigInt PCG32 for many seeds and streams", () => {
  const seeds = [0, 1, 2, 7, 42, 12345, 2 ** 31 - 1, 2 ** 32 + 5, -1, -987654321, 2 ** 53 - 1];
  const streams = [0, 1, 11, 54, 1_000_000, 2_000_003, 2 ** 31];
  for (const seed of seeds) {
    for (const stream of streams) {
      const ours = new Rng(seed, stream), ref = referencePcg32(seed, stream);
      for (let i = 0; i < 2000; i++) {
        const a = ours.nextU32(), b = ref();
        if (a !== b) assert.fail(`seed ${seed} stream ${stream} draw ${i}: ${a} !== ${b}`);
      }
    }
  }
});

Deno.test("rng: permutation is a permutation; int stays in range; same seed, same order", () => {
  const p = new Rng(3, 1_000_000).permutation(1000);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(new Rng(3, 1_000_000).permutation(1000), p);
  assert.notDeepEqual(new Rng(4, 1_000_000).permutation(1000), p);
  const r = new Rng(9);
  for (let i = 0; i < 10000; i++) {
    const k = r.int(7);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
  }
});
