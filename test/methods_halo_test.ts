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

/** Trains λ alone (θ fixed) with the method's penalty and λ's optimizer settings. */
function trainLambda(halo: Halo, steps: number): void {
  const g = halo.variableGroups()[0];
  const cfg = resolveOptimizer(g.optimizer!);
  const opt = new Optimizer();
  const vars = [...g.variables.entries()];
  for (let s = 0; s < steps; s++) {
    const { grads } = tf.variableGrads(() => halo.penalty(), vars.map(([, v]) => v));
    for (const [k, v] of vars) opt.step(k, v, grads[v.name], cfg);
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
    lambdaLr: 1,
  });
  net.params.get("out.w")!.assign(tf.tensor2d(THETA, [3, 2]));
  trainLambda(halo, 1500);
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
    lambdaLr: 1,
  });
  net.params.get("out.w")!.assign(tf.tensor2d(THETA, [3, 2]));
  trainLambda(halo, 8000);
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

Deno.test("halo: ws and l1 variants; λ optimizer settings and decay are recorded", () => {
  const { net, halo } = setup(linear(3, 2), { variant: "ws", xi: 0.5, psi: 0.25 });
  net.params.get("out.w")!.assign(tf.tensor2d(THETA, [3, 2]));
  const l1 = THETA.reduce((a, t) => a + Math.abs(t), 0);
  halo.lambda("out.w")!.assign(tf.scalar(2));
  assert.ok(
    Math.abs(tf.tidy(() => halo.penalty().dataSync()[0]) - (0.5 * l1 / 4 + 0.25 * 4)) < 1e-6,
  );
  const g = halo.variableGroups()[0];
  assert.deepEqual(g.optimizer, {
    kind: "sgd",
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 1e-4,
    schedulePower: 1,
  });
  assert.equal(halo.logs().lambda_weight_decay, 1e-4);
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
