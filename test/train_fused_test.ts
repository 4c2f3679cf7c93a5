/**
 * The fused optimizer and EMA kernels (src/runtime/fused.ts) against the unfused tfjs ops, with the
 * cpu backend as the oracle: bit-identical parameters and state over several steps, for every
 * update rule, on random inputs; the wasm kernels against the same cpu oracle; no leaks.
 */
import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { Optimizer, resolveOptimizer } from "../src/train/optimizers.ts";
import { Ema } from "../src/train/ema.ts";
import { fusedAvailable, setFusedUpdates } from "../src/runtime/fused.ts";
import type { OptimizerConfig } from "../src/methods/types.ts";
import { initBackend } from "../src/runtime/backend.ts";
import { Rng } from "../src/util/rng.ts";
import { backendMemory, simdAvailable } from "../src/runtime/simd/mod.ts";
import { hardConcreteSampleFused } from "../src/methods/_concrete_fused.ts";

const CONFIGS: OptimizerConfig[] = [
  { kind: "adam", lr: 1e-3 },
  { kind: "adam", lr: 3e-3, weightDecay: 5e-4 },
  { kind: "adam", lr: 1e-2, weightDecay: 1e-2, weightDecayMode: "decoupled", beta1: 0.8 },
  { kind: "sgd", lr: 0.1 },
  { kind: "sgd", lr: 0.1, momentum: 0.9, weightDecay: 1e-4 },
  { kind: "sgd", lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
  { kind: "sgd", lr: 0.05, momentum: 0.5, weightDecay: 1e-3, weightDecayMode: "decoupled" },
];

/** Runs 4 steps on a [7, 5] parameter with seeded random gradients; returns p, m, v, EMA. */
function trajectory(config: OptimizerConfig, fused: boolean, simd = true): Float32Array[] {
  setFusedUpdates(fused, 1e9, simd);
  try {
    assert.equal(fusedAvailable(35), fused);
    const rng = new Rng(3);
    const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => s * rng.normal());
    const p0 = tf.tensor2d(rand(35, 1), [7, 5]), p = tf.variable(p0);
    p0.dispose();
    const opt = new Optimizer(), ema = new Ema(0.99), cfg = resolveOptimizer(config);
    for (let t = 0; t < 4; t++) {
      const g = tf.tensor2d(rand(35, t === 2 ? 1e-4 : 0.3), [7, 5]);
      opt.step("p", p, g, cfg, 0.7);
      ema.update(new Map([["p", p]]));
      g.dispose();
    }
    const { m, v } = opt.slots("p");
    const avg = ema.value("p")!;
    const out = [p, m, v, avg].map((x) => x ? Float32Array.from(x.dataSync()) : new Float32Array());
    tf.dispose([p, avg]);
    opt.dispose();
    ema.dispose();
    return out;
  } finally {
    setFusedUpdates(true);
  }
}

Deno.test("fused optimizer and EMA equal the unfused ops bit for bit (cpu oracle)", async () => {
  await initBackend("cpu");
  const before = tf.memory().numTensors;
  for (const c of CONFIGS) {
    const [a, b] = [trajectory(c, true), trajectory(c, false)];
    for (let i = 0; i < 4; i++) assert.deepEqual(a[i], b[i], `${JSON.stringify(c)} slot ${i}`);
  }
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
});

Deno.test("fused wasm kernels (SIMD and JS loop) equal the unfused cpu oracle bit for bit", async () => {
  await initBackend("cpu");
  const oracle = CONFIGS.map((c) => trajectory(c, false));
  await initBackend("wasm", { blas: false });
  try {
    assert.ok(simdAvailable() && backendMemory(tf.backend()) !== null, "SIMD kernels usable");
    const before = tf.memory().numTensors;
    for (const simd of [true, false]) {
      CONFIGS.forEach((c, k) => {
        const got = trajectory(c, true, simd);
        for (let i = 0; i < 4; i++) {
          assert.deepEqual(got[i], oracle[k][i], `simd=${simd} ${JSON.stringify(c)} ${i}`);
        }
      });
    }
    assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  } finally {
    await initBackend("cpu");
  }
});

/** Value and gradient of Σ w·z (w random) for the fused and the composite hard-concrete gate. */
function gateCase(shape: number[], fused: boolean): [Float32Array, Float32Array] {
  setFusedUpdates(fused);
  try {
    const rng = new Rng(9);
    const n = shape.at(-1)!, size = shape.reduce((a, b) => a * b, 1);
    const la0 = Float32Array.from({ length: n }, () => 3 * rng.normal());
    const u0 = Float32Array.from({ length: size }, () => 1e-6 + (1 - 2e-6) * rng.next());
    const w0 = Float32Array.from({ length: size }, () => rng.normal());
    return tf.tidy(() => {
      const la = tf.tensor1d(la0), u = tf.tensor(u0, shape), w = tf.tensor(w0, shape);
      const z = hardConcreteSampleFused(la, u);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(hardConcreteSampleFused(a, u), w)))(la);
      return [Float32Array.from(z.dataSync()), Float32Array.from(g.dataSync())];
    }) as unknown as [Float32Array, Float32Array];
  } finally {
    setFusedUpdates(true);
  }
}

Deno.test("fused hard-concrete gate: sample equal to the composite, gradient to rounding", async () => {
  for (const backend of ["cpu", "wasm"]) {
    await initBackend("cpu");
    const oracle = [[40], [6, 40], [3, 1, 1, 40]].map((s) => gateCase(s, false));
    if (backend === "wasm") await initBackend("wasm", { blas: false });
    const before = tf.memory().numTensors;
    [[40], [6, 40], [3, 1, 1, 40]].forEach((s, k) => {
      const [z, g] = gateCase(s, true);
      const [zr, gr] = oracle[k];
      for (let i = 0; i < z.length; i++) {
        const tol = backend === "cpu" ? 0 : 1e-6;
        assert.ok(Math.abs(z[i] - zr[i]) <= tol, `${backend} z[${i}] ${z[i]} vs ${zr[i]}`);
      }
      for (let i = 0; i < g.length; i++) {
        const tol = 1e-6 * (1 + Math.abs(gr[i]));
        assert.ok(Math.abs(g[i] - gr[i]) <= tol, `${backend} grad[${i}] ${g[i]} vs ${gr[i]}`);
      }
    });
    assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  }
  await initBackend("cpu");
});

Deno.test("SIMD optimizer and EMA flush subnormal results to zero (NaN kept)", async () => {
  await initBackend("wasm", { blas: false });
  try {
    const p = tf.variable(tf.tensor1d([1e-39, 0.5, NaN, -2e-39, 1]));
    const g = tf.tensor1d([1e-21, 1e-21, 0, 0, 1e-3]);
    const opt = new Optimizer(), ema = new Ema(0.5);
    opt.step("p", p, g, resolveOptimizer({ kind: "adam", lr: 1e-3 }), 1);
    ema.update(new Map([["p", p]]));
    const tiny = (x: number) => x !== 0 && Math.abs(x) < 1.1754943508222875e-38;
    const { m, v } = opt.slots("p");
    for (const t of [p, m!, v!, ema.value("p")!]) {
      const a = Array.from(t.dataSync());
      assert.ok(!a.some(tiny), `no subnormals: ${a}`);
      assert.ok(Number.isNaN(a[2]) || t === m || t === v, "NaN stays NaN");
    }
    assert.equal(v!.dataSync()[0], 0, "g² = 1e-42 · (1 − β₂) is flushed");
    tf.dispose([p, g, ema.value("p")!]);
    opt.dispose();
    ema.dispose();
  } finally {
    await initBackend("cpu");
  }
});
