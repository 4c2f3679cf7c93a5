import * as tf from "../src/deps/tfjs.ts";
import assert from "node:assert/strict";
import { initBackend } from "../src/runtime/backend.ts";
import { Network } from "../src/models/network.ts";
import type { ArchSpec } from "../src/models/spec.ts";
import { Rng } from "../src/util/rng.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";
import type { MethodContext, StepInfo } from "../src/methods/types.ts";
import { VBP, Vbp, VBP_DEFAULTS, type VbpConfig } from "../src/methods/vbp.ts";
import { bernoulliKl, bernoulliKlGrad, logit, priorUpdate } from "../src/methods/_vbp_math.ts";

await initBackend("cpu");

const ARCH: ArchSpec = {
  id: "test-mlp",
  inputShape: [5],
  numClasses: 3,
  layers: [
    { type: "dense", name: "h1", units: 6, activation: "relu", gated: true, inputGated: true },
    { type: "dense", name: "h2", units: 4, activation: "relu", gated: true },
    { type: "dense", name: "out", units: 3, activation: "none" },
  ],
};
const N = 500;

function setup(config: Partial<VbpConfig> = {}) {
  const net = new Network(ARCH, { seed: 3 });
  let vbp: Vbp | null = null;
  const removals: string[] = [];
  const ctx: MethodContext = {
    net,
    rng: new Rng(7),
    trainSize: N,
    epochs: 10,
    stepsPerEpoch: 5,
    removeUnits(id, keep) {
      removals.push(id);
      vbp!.onUnitsRemoved(net.removeUnits(id, keep));
    },
  };
  vbp = new Vbp(ctx, { ...VBP_DEFAULTS, ...config });
  return { net, vbp, ctx, removals };
}
const info = (epoch: number): StepInfo => ({
  epoch,
  step: epoch * 5 + 4,
  stepsPerEpoch: 5,
  totalSteps: 50,
  epochs: 10,
});
const setPi = (vbp: Vbp, id: string, pi: number[]) => vbp.pi(id).assign(tf.tensor1d(pi));
/** ‖v_i‖² of the units of a dense layer (columns of its weight). */
const sqNorms = (net: Network, layer: string) =>
  tf.tidy(() => tf.sum(tf.square(net.params.get(`${layer}.w`)!), 0).dataSync() as Float32Array);

Deno.test("vbp: Bernoulli KL and ∂KL/∂π = logit(π) − logit(ρ) (methods.md §8A.15)", () => {
  for (const [p, r] of [[0.3, 0.9], [0.9, 0.9], [0.02, 0.5], [0.999, 0.2]]) {
    const h = 1e-6;
    const fd = (bernoulliKl(p + h, r) - bernoulliKl(p - h, r)) / (2 * h);
    assert.ok(Math.abs(fd - bernoulliKlGrad(p, r)) < 1e-5, `π=${p} ρ=${r}`);
  }
  assert.equal(bernoulliKlGrad(0.9, 0.9), 0);
  assert.ok(Math.abs(bernoulliKl(0, 0.9) + Math.log(0.1)) < 1e-4); // KL(Bern(0)‖Bern(ρ)) = −ln(1−ρ)
});

Deno.test("vbp: penalty gradient on π is [logit(π) − logit(ρ) + ‖v‖²/(2σ²)]/N", () => {
  const { net, vbp } = setup();
  const pi = [0.9, 0.3, 0.5, 1e-3, 0, 1];
  setPi(vbp, "h1", pi);
  const { rho, sigma2 } = vbp.prior("h1");
  const g = tf.tidy(() => tf.grad(() => vbp.penalty())(vbp.pi("h1")).dataSync());
  const sq = sqNorms(net, "h1");
  pi.forEach((p, i) => {
    const want = (logit(p) - logit(rho) + sq[i] / (2 * sigma2)) / N;
    assert.ok(
      Math.abs(g[i] - want) < 1e-6 * Math.max(1, Math.abs(want) * N),
      `unit ${i}: ${g[i]} vs ${want}`,
    );
  });
  // At π = ρ the KL part vanishes and only the prior part remains.
  setPi(vbp, "h2", [0.9, 0.9, 0.9, 0.9]);
  const g2 = tf.tidy(() => tf.grad(() => vbp.penalty())(vbp.pi("h2")).dataSync());
  const sq2 = sqNorms(net, "h2");
  g2.forEach((v, i) => assert.ok(Math.abs(v - sq2[i] / (2 * vbp.prior("h2").sigma2) / N) < 1e-7));
  vbp.dispose();
  net.dispose();
});

Deno.test("vbp: closed-form ρ and σ² (methods.md §8A.16)", () => {
  const { net, vbp } = setup();
  // At init every π = 0.9 and a = b = 1: ρ = mean π = 0.9.
  assert.ok(Math.abs(vbp.prior("h1").rho - 0.9) < 1e-6);
  // σ² = (½Σπ‖v‖² + β)/(½Σπ·d + α + 1), by hand for h1 (d = 5 inputs, 6 units).
  const sq = sqNorms(net, "h1");
  const spv = sq.reduce((a, v) => a + 0.9 * v, 0);
  const want = (0.5 * spv + 1e-3) / (0.5 * 0.9 * 5 * 6 + 1e-3 + 1);
  assert.ok(Math.abs(vbp.prior("h1").sigma2 - want) < 1e-6);
  // Large Σπ·d: σ² ≈ Σπ‖v‖²/Σπ·d, the mean squared incoming weight.
  const big = priorUpdate({
    pi: new Array(1000).fill(0.9),
    sqNorm: new Array(1000).fill(784 * 0.01),
    fanIn: 784,
    width: 1000,
  }, {
    a: 1,
    b: 1,
    alpha: 1e-3,
    beta: 1e-3,
  });
  assert.ok(Math.abs(big.sigma2 - 0.01) < 1e-5);
  assert.ok(Math.abs(big.rho - 0.9) < 1e-12);
  // After an epoch the update uses the current π.
  setPi(vbp, "h2", [1, 0, 0.5, 0.5]);
  vbp.onEpochEnd(info(0));
  assert.ok(Math.abs(vbp.prior("h2").rho - 0.5) < 1e-6);
  vbp.dispose();
  net.dispose();
});

Deno.test("vbp: removal after two consecutive epoch ends below 0.01, never returning (§8A.17)", () => {
  const { net, vbp, removals } = setup();
  setPi(vbp, "h1", [0.005, 0.9, 0.005, 0.9, 0.9, 0.9]);
  vbp.onEpochEnd(info(0));
  assert.equal(net.group("h1").size, 6); // one epoch below: kept
  setPi(vbp, "h1", [0.005, 0.9, 0.5, 0.9, 0.9, 0.2]); // unit 2 recovers: its count resets
  vbp.onEpochEnd(info(1));
  assert.equal(net.group("h1").size, 5);
  assert.deepEqual(removals, ["h1"]);
  assert.deepEqual([...vbp.pi("h1").dataSync()].map((x) => Math.round(x * 10) / 10), [
    0.9,
    0.5,
    0.9,
    0.9,
    0.2,
  ]);
  assert.deepEqual(net.params.get("h2.w")!.shape, [5, 4]);
  assert.equal(vbp.logs()["kept_changed_epoch.h1"], 1);
  setPi(vbp, "h1", [0.9, 0.005, 0.9, 0.9, 0.9]);
  vbp.onEpochEnd(info(2));
  assert.equal(net.group("h1").size, 5);
  setPi(vbp, "h1", [0.9, 0.5, 0.9, 0.9, 0.9]);
  vbp.onEpochEnd(info(3));
  vbp.onEpochEnd(info(4));
  assert.equal(net.group("h1").size, 5); // a removed unit never comes back; sizes only shrink
  const logs = vbp.logs();
  assert.equal(logs["kept.h1"], 5);
  assert.equal(logs["kept_changed_epoch.h1"], 1);
  assert.ok(logs.polarised > 0 && logs.macs_fwd < logs.macs_fwd_dense);
  vbp.dispose();
  net.dispose();
});

Deno.test("vbp: removing units whose ξ is fixed at 0 leaves the loss unchanged", () => {
  for (const path of ["removeUnits", "onEpochEnd"] as const) {
    const { net, vbp, ctx } = setup();
    // π ∈ {0, 1} makes ξ deterministic; zero the removed units' outgoing weights so their prior
    // terms (which removal deletes with the weights) are 0 too.
    setPi(vbp, "h1", [1, 0, 1, 0, 1, 1]);
    net.params.get("h2.w")!.assign(
      tf.tidy(() => tf.mul(net.params.get("h2.w")!, tf.tensor2d([1, 0, 1, 0, 1, 1], [6, 1]))),
    );
    const x = tf.randomNormal([8, 5], 0, 1, "float32", 11);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32"), 3);
    const loss = () =>
      tf.tidy(() => {
        const ce = tf.losses.softmaxCrossEntropy(y, net.forward(x, vbp.forwardOptions("train")));
        const evalCe = tf.losses.softmaxCrossEntropy(y, net.forward(x, vbp.forwardOptions("eval")));
        return [ce.dataSync()[0], evalCe.dataSync()[0], vbp.penalty().dataSync()[0]];
      });
    if (path === "onEpochEnd") vbp.onEpochEnd(info(0));
    const before = loss();
    if (path === "removeUnits") ctx.removeUnits("h1", [0, 2, 4, 5]);
    else vbp.onEpochEnd(info(1)); // second epoch below 0.01: removed (priors recomputed, unchanged)
    assert.equal(net.group("h1").size, 4);
    const after = loss();
    after.forEach((v, i) =>
      assert.ok(
        Math.abs(v - before[i]) <= 1e-6 * Math.max(1, Math.abs(v)),
        `${path} term ${i}: ${before[i]} → ${v}`,
      )
    );
    tf.dispose([x, y]);
    vbp.dispose();
    net.dispose();
  }
});

Deno.test("vbp: straight-through gradient of π equals ∂L/∂ξ at the sample", () => {
  const { net, vbp } = setup();
  setPi(vbp, "h1", [1, 1, 1, 1, 1, 1]); // ξ = 1 surely
  const x = tf.randomNormal([8, 5], 0, 1, "float32", 4);
  const g1 = tf.tidy(() =>
    tf.variableGrads(() => tf.sum(net.forward(x, vbp.forwardOptions("train"))) as tf.Scalar, [
      vbp.pi("h1"),
    ]).grads[vbp.pi("h1").name].dataSync()
  );
  const direct = tf.tidy(() =>
    tf.grad((xi) => tf.sum(net.forward(x, { gate: (id) => (id === "h1" ? xi : null) })))(
      tf.ones([6]),
    ).dataSync()
  );
  g1.forEach((v, i) => assert.ok(Math.abs(v - direct[i]) < 1e-5));
  x.dispose();
  vbp.dispose();
  net.dispose();
});

Deno.test("vbp: test-time gate 1[π > 0.5]; same seed, same samples; projection to [0, 1]", () => {
  const a = setup(), b = setup();
  setPi(a.vbp, "h1", [0.2, 0.6, 0.5, 0.51, 1, 0]);
  assert.deepEqual([...a.vbp.keepMasks().get("h1")!], [0, 1, 0, 1, 1, 0]);
  assert.deepEqual([...tf.tidy(() => a.vbp.forwardOptions("eval").gate!("h1")!.dataSync())], [
    0,
    1,
    0,
    1,
    1,
    0,
  ]);
  const sa = tf.tidy(() => [...a.vbp.forwardOptions("train").gate!("h2")!.dataSync()]);
  const sb = tf.tidy(() => [...b.vbp.forwardOptions("train").gate!("h2")!.dataSync()]);
  assert.deepEqual(sa, sb);
  assert.equal(a.vbp.forwardOptions("train").gate!("h1.in"), null); // inputs not gated by default
  setPi(a.vbp, "h2", [-0.5, 1.5, 0.3, 0.7]);
  a.vbp.afterStep(info(0));
  assert.deepEqual([...a.vbp.pi("h2").dataSync()].map((v) => Math.round(v * 10) / 10), [
    0,
    1,
    0.3,
    0.7,
  ]);
  for (const s of [a, b]) {
    s.vbp.dispose();
    s.net.dispose();
  }
});

Deno.test("vbp: per-example sampling draws one ξ per example", () => {
  const { net, vbp } = setup({ perExample: true, batchSize: 8 });
  setPi(vbp, "h2", [0.5, 0.5, 0.5, 0.5]);
  const g = tf.tidy(() => vbp.forwardOptions("train").gate!("h2")!.arraySync() as number[][]);
  assert.equal(g.length, 8);
  assert.ok(new Set(g.map((r) => r.join())).size > 1);
  assert.throws(() => setup({ perExample: true }), (e: Error) => e.name === "ConfigError");
  vbp.dispose();
  net.dispose();
});

Deno.test("vbp: steps, epoch ends and removals leave no tensors behind", async () => {
  const { net, vbp } = setup();
  const x = tf.randomNormal([8, 5], 0, 1, "float32", 1);
  const vars = [vbp.pi("h1"), vbp.pi("h2")];
  await expectNoLeakedTensors(() => {
    tf.tidy(() => {
      tf.variableGrads(
        () =>
          tf.add(tf.sum(net.forward(x, vbp.forwardOptions("train"))), vbp.penalty()) as tf.Scalar,
        vars,
      );
    });
    vbp.afterStep(info(0));
    vbp.logs();
    vbp.keepMasks();
  });
  setPi(vbp, "h2", [0, 0.9, 0.9, 0.9]);
  vbp.onEpochEnd(info(0));
  const before = tf.memory().numTensors;
  vbp.onEpochEnd(info(1)); // removes a unit: π and the network's variables are replaced, not added
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  vbp.dispose();
  net.dispose();
  assert.equal(VBP.id, "vbp");
});
