import * as tf from "../src/deps/tfjs.ts";
import assert from "node:assert/strict";
import { initBackend } from "../src/runtime/backend.ts";
import { Network } from "../src/models/network.ts";
import type { ArchSpec } from "../src/models/spec.ts";
import { Rng } from "../src/util/rng.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";
import type { MethodContext, PruningMethod } from "../src/methods/types.ts";
import { DAM, Dam, DAM_DEFAULTS, type DamConfig, damMask, damMu } from "../src/methods/dam.ts";

await initBackend("cpu");

function mlp(widths: number[]): ArchSpec {
  return {
    id: "test-mlp",
    inputShape: [4],
    numClasses: 3,
    layers: [
      ...widths.map((u, i) => ({
        type: "dense" as const,
        name: `h${i}`,
        units: u,
        activation: "relu" as const,
        gated: true,
      })),
      { type: "dense", name: "out", units: 3, activation: "none" },
    ],
  };
}

function setup(widths: number[], config: Partial<DamConfig> = {}, epochs = 200) {
  const net = new Network(mlp(widths), { seed: 1 });
  let method: PruningMethod | null = null;
  const ctx: MethodContext = {
    net,
    rng: new Rng(1),
    trainSize: 1000,
    epochs,
    stepsPerEpoch: 10,
    removeUnits(id, keep) {
      method!.onUnitsRemoved?.(net.removeUnits(id, keep));
    },
  };
  const dam = new Dam(ctx, { ...DAM_DEFAULTS, ...config });
  method = dam;
  return { net, dam, ctx };
}

const setBeta = (dam: Dam, id: string, b: number) =>
  dam.variableGroups()[0].variables.get(`beta.${id}`)!.assign(tf.scalar(b));
const active = (dam: Dam, id: string) => dam.keepMasks().get(id)!.reduce((a, b) => a + b, 0);

Deno.test("dam: active counts for n = 256 at β = 1, 0, −2.5, −5, −6 (methods.md §8A.7)", () => {
  const { net, dam } = setup([256]);
  // #{i ∈ 0…255 : 5i/256 + β > 0}.
  // β = 1: every μ_i ≥ 0 > −1 → 256.  β = 0: only μ_0 = 0 gives tanh(0) = 0 → 255.
  // β = −2.5: 5i/256 > 2.5 ⇔ i > 128 ⇔ i ∈ {129…255} → 127 (μ_128 = 2.5 exactly is 0 in float32;
  // n(1 + β/5) = 128 is the continuous approximation). β ≤ −5: μ_i < 5 → 0.
  const expected: [number, number][] = [[1, 256], [0, 255], [-2.5, 127], [-5, 0], [-6, 0]];
  for (const [b, n] of expected) {
    setBeta(dam, "h0", b);
    assert.equal(active(dam, "h0"), n, `β = ${b}`);
  }
  dam.dispose();
  net.dispose();
});

Deno.test("dam: smallest gate at β = 1 is tanh(1) = 0.762 and masks are ordered", () => {
  const m = tf.tidy(() =>
    damMask("relu_tanh", tf.tensor1d(damMu(256)), tf.scalar(1), 1).dataSync()
  );
  assert.ok(Math.abs(m[0] - Math.tanh(1)) < 1e-6);
  assert.ok(Math.abs(m[0] - 0.762) < 5e-4);
  for (let i = 1; i < m.length; i++) assert.ok(m[i] >= m[i - 1]);
});

Deno.test("dam: linear and piecewise-linear variants start at β = 0.1", () => {
  for (const gate of ["linear", "piecewise_linear"] as const) {
    const { net, dam } = setup([10], { gate });
    assert.equal(dam.logs()["beta.h0"], Math.fround(0.1));
    const m = tf.tidy(() => dam.mask("h0").dataSync());
    assert.ok(Math.abs(m[0] - 0.1) < 1e-6);
    if (gate === "piecewise_linear") assert.ok(Math.max(...m) <= 1);
    else assert.ok(Math.abs(m[9] - 4.6) < 1e-5);
    dam.dispose();
    net.dispose();
  }
});

Deno.test("dam: penalty λ·mean_l max(β_l, −5) has gradient λ/L above −5 and 0 below", () => {
  const { net, dam } = setup([8, 6], { lambda: 0.3 });
  const vars = [...dam.variableGroups()[0].variables.values()];
  const grads = () =>
    tf.tidy(() => tf.grads(() => dam.penalty())(vars).map((g) => g.dataSync()[0]));
  assert.deepEqual(grads().map((g) => Math.abs(g - 0.15) < 1e-7), [true, true]);
  setBeta(dam, "h0", -6);
  const g = grads();
  assert.equal(g[0], 0);
  assert.ok(Math.abs(g[1] - 0.15) < 1e-7);
  const v = tf.tidy(() => dam.penalty().dataSync()[0]);
  assert.ok(Math.abs(v - 0.3 * (-5 + 1) / 2) < 1e-6);
  dam.dispose();
  net.dispose();
});

Deno.test("dam: linear penalty form λ·Σβ for the dimensionality-reduction use", () => {
  const { net, dam } = setup([8], { lambda: 0.01, penalty: "linear" });
  setBeta(dam, "h0", -7);
  assert.ok(Math.abs(tf.tidy(() => dam.penalty().dataSync()[0]) + 0.07) < 1e-7);
  dam.dispose();
  net.dispose();
});

Deno.test("dam: cold start freezes β for 10% of the epochs; β decay off by default and logged", () => {
  const { net, dam } = setup([8], {}, 200);
  const g = dam.variableGroups()[0];
  const at = (epoch: number) =>
    g.trainable!({ epoch, step: epoch * 10, stepsPerEpoch: 10, totalSteps: 2000, epochs: 200 });
  assert.equal(dam.coldStartEpochs, 20);
  assert.equal(at(19), false);
  assert.equal(at(20), true);
  assert.equal(g.optimizer, null);
  assert.equal(g.weightDecay, undefined);
  assert.equal(dam.logs().beta_weight_decay, 0);
  dam.dispose();
  net.dispose();
  const b = setup([8], { betaWeightDecay: 1e-3, coldStartEpochs: 0 });
  assert.equal(b.dam.variableGroups()[0].weightDecay, 1e-3);
  assert.equal(b.dam.logs().beta_weight_decay, 1e-3);
  assert.equal(b.dam.coldStartEpochs, 0);
  b.dam.dispose();
  b.net.dispose();
});

Deno.test("dam: masks of kept units are unchanged when units are removed (μ gathered)", () => {
  const { net, dam, ctx } = setup([20]);
  setBeta(dam, "h0", -2);
  const before = tf.tidy(() => dam.mask("h0").dataSync());
  const keep = [...dam.keepMasks().get("h0")!].flatMap((k, i) => (k ? [i] : []));
  ctx.removeUnits("h0", keep);
  const after = tf.tidy(() => dam.mask("h0").dataSync());
  assert.deepEqual([...after], keep.map((i) => before[i]));
  assert.equal(net.group("h0").size, keep.length);
  dam.dispose();
  net.dispose();
});

Deno.test("dam: invalid configuration lists every problem", () => {
  assert.throws(
    () => setup([4], { gate: "sigmoid" as never, lambda: -1, groups: ["nope"] }),
    (e: Error) =>
      e.name === "ConfigError" && /gate/.test(e.message) && /lambda/.test(e.message) &&
      /nope/.test(e.message),
  );
});

Deno.test("dam: forward, penalty, masks and logs leave no tensors behind", async () => {
  const { net, dam } = setup([8, 6]);
  const x = tf.randomNormal([5, 4], 0, 1, "float32", 3);
  await expectNoLeakedTensors(() => {
    tf.tidy(() => {
      tf.add(tf.sum(net.forward(x, dam.forwardOptions("train"))), dam.penalty());
    });
    dam.keepMasks();
    dam.logs();
  });
  x.dispose();
  dam.dispose();
  net.dispose();
  assert.equal(DAM.id, "dam");
});

Deno.test("dam: the mask multiplies the gated layer's activations: h·relu(tanh(μ + β))", () => {
  const { net, dam } = setup([8, 4]);
  setBeta(dam, "h0", -2.5);
  setBeta(dam, "h1", 0.3);
  const x = tf.tensor2d([[0.5, -1, 2, 0.25], [1, 1, -0.5, 3]]);
  const [got, want, dense] = tf.tidy(() => {
    // Closed form, written out: μ_i = 5i/n, m = relu(tanh(μ + β)) (α = 1).
    const m = (n: number, b: number) =>
      tf.tensor1d(Array.from({ length: n }, (_, i) => Math.max(0, Math.tanh(5 * i / n + b))));
    const p = (n: string) => net.params.get(n)!;
    const h0 = tf.mul(tf.relu(tf.add(tf.matMul(x, p("h0.w")), p("h0.b"))), m(8, -2.5));
    const h1 = tf.mul(tf.relu(tf.add(tf.matMul(h0, p("h1.w")), p("h1.b"))), m(4, 0.3));
    const out = tf.add(tf.matMul(h1, p("out.w")), p("out.b"));
    return [
      net.forward(x, dam.forwardOptions("train")),
      out,
      net.forward(x),
    ].map((t) => Array.from(t.dataSync()));
  });
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-5, `output ${i}: ${g} vs ${want[i]}`));
  // And it matters: units 0…4 of h0 are off (5i/8 ≤ 2.5), so the output differs from the dense net.
  assert.ok(got.some((g, i) => Math.abs(g - dense[i]) > 1e-3));
  // Train and eval gates are the same deterministic mask.
  const ev = tf.tidy(() => Array.from(net.forward(x, dam.forwardOptions("eval")).dataSync()));
  assert.deepEqual(ev, got);
  x.dispose();
  dam.dispose();
  net.dispose();
});
