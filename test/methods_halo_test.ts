import * as tf from "../src/deps/tfjs.ts";
import assert from "node:assert/strict";
import { initBackend } from "../src/runtime/backend.ts";
import { Network } from "../src/models/network.ts";
import type { ArchSpec } from "../src/models/spec.ts";
import { Rng } from "../src/util/rng.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";
import type { MethodContext } from "../src/methods/types.ts";
import { HALO, Halo, HALO_DEFAULTS, type HaloConfig } from "../src/methods/halo.ts";
import { Optimizer, resolveOptimizer } from "../src/train/optimizers.ts";
import { collectVariables } from "../src/train/step.ts";
import type { OptimizerConfig } from "../src/methods/types.ts";
import { absSum, haloFitSum } from "../src/methods/_halo_ops.ts";
import { simdOpAvailable } from "../src/runtime/simd/mod.ts";

await initBackend("cpu");

/** One bias-free dense layer in→out: the penalised set is exactly `out.w`. */
const linear = (inDim: number, out: number, bias = false): ArchSpec => ({
  id: "test-linear",
  inputShape: [inDim],
  numClasses: out,
  layers: [{ type: "dense", name: "out", units: out, activation: "none", bias }],
});

function setup(arch: ArchSpec, config: Partial<HaloConfig> = {}) {
  const net = new Network(arch, { seed: 2 });
  const ctx: MethodContext = {
    net,
    rng: new Rng(1),
    trainSize: 100,
    epochs: 1,
    stepsPerEpoch: 1,
    removeUnits: () => {
      throw new Error("not used");
    },
  };
  return { net, halo: new Halo(ctx, { ...HALO_DEFAULTS, ...config }) };
}

/**
 * Trains λ alone (θ fixed) with the method's penalty and the optimizer settings the engine gives
 * λ's group (`collectVariables`) when the weights use `weights`.
 */
function trainLambda(
  net: Network,
  halo: Halo,
  steps: number,
  weights: OptimizerConfig = { kind: "sgd", lr: 0.1, momentum: 0.9 },
): void {
  const info = { step: 0, epoch: 0, stepsPerEpoch: 1, totalSteps: steps, epochs: 1 };
  const w = resolveOptimizer(weights);
  const { entries } = collectVariables(net, halo.variableGroups(), w, false, info);
  const lam = entries.filter((e) => e.key.startsWith("halo_lambda/"));
  const opt = new Optimizer();
  for (let s = 0; s < steps; s++) {
    const { grads } = tf.variableGrads(() => halo.penalty(), lam.map((e) => e.variable));
    for (const e of lam) opt.step(e.key, e.variable, grads[e.variable.name], e.config);
    tf.dispose(grads);
  }
  opt.dispose();
}

const THETA = [0.01, -0.1, 1, 1e-4, 0.5, -0.03];

Deno.test("halo: penalty is ξ·Σ|θ|/λ² + ψ·|Σ|λ| − p|", () => {
  const { net, halo } = setup(linear(3, 2), { xi: 0.5, psi: 0.25, p: 1 });
  net.params.get("out.w")!.assign(tf.tensor2d(THETA, [3, 2]));
  halo.lambda("out.w")!.assign(tf.tensor2d([1, 2, 0.5, 1, 1, 1], [3, 2]));
  const lam = [1, 2, 0.5, 1, 1, 1];
  const fit = THETA.reduce((a, t, i) => a + Math.abs(t) / lam[i] ** 2, 0);
  const want = 0.5 * fit + 0.25 * Math.abs(lam.reduce((a, b) => a + b, 0) - 1);
  assert.ok(Math.abs(tf.tidy(() => halo.penalty().dataSync()[0]) - want) < 1e-6);
  halo.dispose();
  net.dispose();
});

Deno.test("halo: without decay on λ, λ → (2ξ|θ|/ψ)^(1/3) for fixed θ (methods.md §8A.9)", () => {
  const { net, halo } = setup(linear(3, 2), {
    xi: 1e-3,
    psi: 1e-3,
    lambdaWeightDecay: 0,
    lambdaOptimizer: "sgd",
    lambdaLr: 1,
  });
  net.params.get("out.w")!.assign(tf.tensor2d(THETA, [3, 2]));
  trainLambda(net, halo, 1500);
  const got = halo.lambda("out.w")!.dataSync();
  THETA.forEach((t, i) => {
    const want = (2 * 1e-3 * Math.abs(t) / 1e-3) ** (1 / 3);
    assert.ok(
      Math.abs(got[i] - want) / want < 1e-3,
      `|θ| = ${Math.abs(t)}: λ = ${got[i]}, want ${want}`,
    );
  });
  halo.dispose();
  net.dispose();
});

Deno.test("halo: with decay on λ, λ → (2ξ|θ|/wd)^(1/4): 0.0376 at |θ| = 0.01, 0.0119 at 1e-4", () => {
  // Reference ξ = 1e-8 and wd = 1e-4 (ψ = 0 isolates the decay law); a larger λ lr shortens the
  // ≈ 30k reference steps to a few thousand (the fixed point does not depend on the lr).
  const { net, halo } = setup(linear(3, 2), {
    xi: 1e-8,
    psi: 0,
    lambdaWeightDecay: 1e-4,
    lambdaOptimizer: "sgd",
    lambdaLr: 1,
  });
  net.params.get("out.w")!.assign(tf.tensor2d(THETA, [3, 2]));
  trainLambda(net, halo, 8000);
  const got = halo.lambda("out.w")!.dataSync();
  THETA.forEach((t, i) => {
    const want = (2 * 1e-8 * Math.abs(t) / 1e-4) ** (1 / 4);
    assert.ok(
      Math.abs(got[i] - want) / want < 1e-2,
      `|θ| = ${Math.abs(t)}: λ = ${got[i]}, want ${want}`,
    );
  });
  assert.ok(Math.abs(got[0] - 0.0376) < 5e-4);
  assert.ok(Math.abs(got[3] - 0.0119) < 2e-4);
  assert.ok(Math.abs(halo.logs().lambda_loglog_slope - 0.25) < 0.01);
  halo.dispose();
  net.dispose();
});

Deno.test("halo: one-shot global magnitude pruning zeroes exactly the target fraction", () => {
  const { net, halo } = setup(linear(20, 10, true));
  const rng = new Rng(5);
  const w = Float32Array.from({ length: 200 }, () => rng.normal());
  net.params.get("out.w")!.assign(tf.tensor2d(w, [20, 10]));
  net.params.get("out.b")!.assign(tf.fill([10], 0.5));
  assert.deepEqual(halo.pruned, ["out.w"]);
  assert.deepEqual(halo.penalised, ["out.w", "out.b"]);
  halo.onEpochEnd!({ epoch: 0, epochs: 1, step: 0, stepsPerEpoch: 1, totalSteps: 1 });
  const points = halo.operatingPoints();
  const logs = halo.logs();
  assert.deepEqual(points.map((p) => p.label), [
    "sparsity=0.5",
    "sparsity=0.7",
    "sparsity=0.9",
    "sparsity=0.95",
  ]);
  for (const p of points) {
    const m = p.weights.get("out.w")!;
    const zeros = m.reduce((a, k) => a + (k ? 0 : 1), 0);
    assert.equal(zeros, p.target! * 200);
    let maxPruned = 0, minKept = Infinity;
    m.forEach((k, i) =>
      k
        ? (minKept = Math.min(minKept, Math.abs(w[i])))
        : (maxPruned = Math.max(maxPruned, Math.abs(w[i])))
    );
    assert.ok(maxPruned <= minKept);
    assert.equal(logs[`sparsity_paper@${p.target}`], p.target);
    assert.ok(Math.abs(logs[`sparsity_all@${p.target}`] - zeros / 210) < 1e-12);
    assert.equal(p.fineTuneEpochs, 0);
  }
  halo.dispose();
  net.dispose();
});

Deno.test("halo: ws and l1 variants; λ's weight decay is logged", () => {
  const { net, halo } = setup(linear(3, 2), { variant: "ws", xi: 0.5, psi: 0.25 });
  net.params.get("out.w")!.assign(tf.tensor2d(THETA, [3, 2]));
  const l1 = THETA.reduce((a, t) => a + Math.abs(t), 0);
  halo.lambda("out.w")!.assign(tf.scalar(2));
  assert.ok(
    Math.abs(tf.tidy(() => halo.penalty().dataSync()[0]) - (0.5 * l1 / 4 + 0.25 * 4)) < 1e-6,
  );
  assert.equal(halo.logs().lambda_weight_decay, 0);
  halo.dispose();
  const f = new Halo({ net } as MethodContext, {
    ...HALO_DEFAULTS,
    variant: "l1",
    xi: 0.5,
    lambdaInit: 0.5,
  });
  assert.deepEqual(f.variableGroups(), []);
  assert.ok(Math.abs(tf.tidy(() => f.penalty().dataSync()[0]) - 0.5 * l1 / 0.25) < 1e-6);
  f.dispose();
  net.dispose();
});

Deno.test("halo: the conv parameter set excludes dense layers (CIFAR convention)", () => {
  assert.throws(
    () => setup(linear(3, 2), { paramSet: "conv" }),
    (e: Error) => e.name === "ConfigError",
  );
  const arch: ArchSpec = {
    id: "test-conv",
    inputShape: [6, 6, 1],
    numClasses: 2,
    layers: [
      { type: "conv2d", name: "c1", filters: 3, kernel: 3, padding: "valid", activation: "relu" },
      { type: "flatten" },
      { type: "dense", name: "fc", units: 2, activation: "none" },
    ],
  };
  const { net, halo } = setup(arch, { paramSet: "conv" });
  assert.deepEqual(halo.penalised, ["c1.w", "c1.b"]);
  assert.deepEqual(halo.pruned, ["c1.w"]);
  halo.dispose();
  net.dispose();
});

Deno.test("halo: penalty, gradients, points and logs leave no tensors behind", async () => {
  const { net, halo } = setup(linear(3, 2, true));
  const vars = [...halo.variableGroups()[0].variables.values()];
  await expectNoLeakedTensors(() => {
    tf.tidy(() => {
      tf.grads(() => halo.penalty())(vars);
    });
    halo.operatingPoints();
    halo.logs();
  });
  halo.dispose();
  net.dispose();
  assert.equal(HALO.id, "halo");
});

// ∂P/∂λ_j at λ = 1, p = 0: −2ξ|θ_j| + ψ (the Σ|λ| term's sign is +). With ξ = 0.5, ψ = 0.25 the
// gradient is 0.25 − |θ_j|: positive for |θ| < 0.25 (λ falls), negative above (λ rises).
const grad0 = (t: number) => 0.25 - Math.abs(t);

Deno.test("halo: λ takes the weights' optimizer (reference mnist.py): first Adam step moves λ by lr", () => {
  const { net, halo } = setup(linear(3, 2), { xi: 0.5, psi: 0.25 });
  net.params.get("out.w")!.assign(tf.tensor2d(THETA, [3, 2]));
  // Adam's first step is −lr·m̂/(√v̂ + ε) = −lr·g/(|g| + ε): exactly lr per λ, whatever |g|.
  trainLambda(net, halo, 1, { kind: "adam", lr: 1e-3 });
  const got = halo.lambda("out.w")!.dataSync();
  THETA.forEach((t, i) => {
    const want = 1 - 1e-3 * Math.sign(grad0(t));
    assert.ok(Math.abs(got[i] - want) < 1e-6, `θ = ${t}: λ = ${got[i]}, want ${want}`);
  });
  halo.dispose();
  // The same run with λ's own SGD (lr 0.1) moves λ by 0.1·g instead: the old, non-reference way.
  const own = setup(linear(3, 2), { xi: 0.5, psi: 0.25, lambdaOptimizer: "sgd" });
  own.net.params.get("out.w")!.assign(tf.tensor2d(THETA, [3, 2]));
  trainLambda(own.net, own.halo, 1, { kind: "adam", lr: 1e-3 });
  const sgd = own.halo.lambda("out.w")!.dataSync();
  THETA.forEach((t, i) => assert.ok(Math.abs(sgd[i] - (1 - 0.1 * grad0(t))) < 1e-6));
  own.halo.dispose();
  own.net.dispose();
  net.dispose();
});

Deno.test("halo: λ's weight decay adds wd·λ to the gradient under the weights' SGD", () => {
  const { net, halo } = setup(linear(3, 2), { xi: 0.5, psi: 0.25, lambdaWeightDecay: 0.1 });
  net.params.get("out.w")!.assign(tf.tensor2d(THETA, [3, 2]));
  trainLambda(net, halo, 1, { kind: "sgd", lr: 0.01, momentum: 0.9, weightDecay: 5 });
  const got = halo.lambda("out.w")!.dataSync();
  // λ₁ = 1 − lr·(g + wd_λ·λ₀): the weights' decay (5) does not reach λ, lambdaWeightDecay does.
  THETA.forEach((t, i) => assert.ok(Math.abs(got[i] - (1 - 0.01 * (grad0(t) + 0.1))) < 1e-6));
  assert.equal(halo.logs().lambda_weight_decay, 0.1);
  halo.dispose();
  net.dispose();
});

Deno.test("HALO penalty sums: wasm SIMD kernels equal the tfjs ops (gradients bit for bit)", async () => {
  const run = () => {
    const rng = new Rng(8);
    const n = 1037;
    const t = tf.tensor2d(Float32Array.from({ length: n }, (_, i) => i % 50 ? rng.normal() : 0), [
      17,
      61,
    ]);
    const l = tf.tensor2d(Float32Array.from({ length: n }, () => 0.2 + rng.next()), [17, 61]);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.add(tf.mul(haloFitSum(a, b), 3), absSum(b));
    const value = tf.tidy(() => f(t, l).dataSync()[0]);
    const grads = tf.grads(f)([t, l]);
    const out = { value, grads: grads.map((g) => Float32Array.from(g.dataSync())) };
    tf.dispose([t, l, ...grads]);
    return out;
  };
  await initBackend("wasm", { blas: false });
  try {
    assert.ok(simdOpAvailable());
    const before = tf.memory().numTensors;
    const got = run();
    assert.equal(tf.memory().numTensors, before, "no leaks");
    await initBackend("cpu");
    const want = run();
    assert.ok(Math.abs(got.value - want.value) <= 1e-5 * Math.abs(want.value), "value");
    assert.deepEqual(got.grads[0], want.grads[0], "dθ");
    assert.deepEqual(got.grads[1], want.grads[1], "dλ");
  } finally {
    await initBackend("cpu");
  }
});
