import * as tf from "../src/deps/tfjs.ts";
import assert from "node:assert/strict";
import { initBackend } from "../src/runtime/backend.ts";
import { Network } from "../src/models/network.ts";
import type { ArchSpec } from "../src/models/spec.ts";
import { Rng } from "../src/util/rng.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";
import type { MethodContext, StepInfo } from "../src/methods/types.ts";
import { VBP, Vbp, VBP_DEFAULTS, type VbpConfig } from "../src/methods/vbp.ts";
import type { Dataset } from "../src/data/mod.ts";
import { train } from "../src/train/loop.ts";
import { disposePoints } from "../src/train/types.ts";
import { createMethodContext } from "../src/train/context.ts";
import {
  bernoulliKl,
  bernoulliKlGrad,
  gaussianKl,
  logit,
  rhoUpdate,
  sigma2Update,
} from "../src/methods/_vbp_math.ts";

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
const H = { a: 1, b: 1, alpha: 1e-3, beta: 1e-3 };

function setup(config: Partial<VbpConfig> = {}, seed = 3) {
  const net = new Network(ARCH, { seed });
  let vbp: Vbp | null = null;
  const removals: string[] = [];
  const ctx: MethodContext = {
    net,
    rng: new Rng(7),
    trainSize: N,
    epochs: 10,
    stepsPerEpoch: 8,
    removeUnits(id, keep) {
      removals.push(id);
      vbp!.onUnitsRemoved(net.removeUnits(id, keep));
    },
  };
  vbp = new Vbp(ctx, { ...VBP_DEFAULTS, ...config });
  return { net, vbp, ctx, removals };
}
const info = (epoch: number, step = epoch * 8 + 7): StepInfo => ({
  epoch,
  step,
  stepsPerEpoch: 8,
  totalSteps: 80,
  epochs: 10,
});
const setPi = (vbp: Vbp, id: string, pi: number[]) => vbp.pi(id).assign(tf.tensor1d(pi));
const arr = (t: tf.Tensor) => Array.from(t.dataSync());
const value = (f: () => tf.Scalar) => tf.tidy(() => f().dataSync()[0]);

/**
 * Float64 reference of the non-data part of the objective of the test MLP (times N): Bernoulli
 * KLs and Beta terms per gated layer, g_w-weighted Gaussian KLs and InvGamma terms per weight.
 */
function reference(net: Network, vbp: Vbp, r_: number): number {
  const p1 = arr(vbp.pi("h1")), p2 = arr(vbp.pi("h2"));
  const sig = vbp.slabVariances();
  let r = 0;
  for (const [id, p] of [["h1", p1], ["h2", p2]] as const) {
    const rho = vbp.prior(id).rho;
    for (const x of p) r += bernoulliKl(x, rho);
    r += (net.group(id).initialSize - p.length) * bernoulliKl(0, rho);
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  // s_P² = r/D_P, D_P = Σg/Σπ_out: 5 inputs (ungated) for h1, Σπ_h1 for h2, Σπ_h2 for out.
  const fanIn: Record<string, number> = { "h1.w": 5, "h2.w": sum(p1), "out.w": sum(p2) };
  const site = (param: string, g: (i: number, j: number) => number) => {
    const w = net.params.get(param)!;
    const [rows, cols] = w.shape;
    const mu = arr(w);
    const s2 = r_ / Math.max(1, fanIn[param]);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) r += g(i, j) * gaussianKl(mu[i * cols + j], s2, sig[param]);
    }
    r += (H.alpha + 1) * Math.log(sig[param]) + H.beta / sig[param];
  };
  site("h1.w", (_i, j) => p1[j]);
  site("h2.w", (i, j) => p1[i] * p2[j]);
  site("out.w", (i) => p2[i]);
  return r;
}

Deno.test("vbp: Bernoulli and Gaussian KLs, ∂KL/∂π = logit(π) − logit(ρ)", () => {
  for (const [p, r] of [[0.3, 0.9], [0.9, 0.9], [0.02, 0.5], [0.999, 0.2]]) {
    const h = 1e-6;
    const fd = (bernoulliKl(p + h, r) - bernoulliKl(p - h, r)) / (2 * h);
    assert.ok(Math.abs(fd - bernoulliKlGrad(p, r)) < 1e-5, `π=${p} ρ=${r}`);
  }
  assert.equal(bernoulliKlGrad(0.9, 0.9), 0);
  assert.ok(Math.abs(bernoulliKl(0, 0.9) + Math.log(0.1)) < 1e-4); // KL(Bern(0)‖Bern(ρ)) = −ln(1−ρ)
  // KL(N(μ, s²)‖N(0, σ²)) by numerical integration of q·ln(q/p).
  const [mu, s2, sigma2] = [0.3, 0.01, 0.05];
  let kl = 0;
  const q = (x: number, m: number, v: number) =>
    Math.exp(-((x - m) ** 2) / (2 * v)) / Math.sqrt(2 * Math.PI * v);
  for (let x = -1; x <= 1.6; x += 1e-4) {
    kl += q(x, mu, s2) * Math.log(q(x, mu, s2) / q(x, 0, sigma2)) * 1e-4;
  }
  assert.ok(
    Math.abs(kl - gaussianKl(mu, s2, sigma2)) < 1e-6,
    `${kl} vs ${gaussianKl(mu, s2, sigma2)}`,
  );
});

Deno.test("vbp: penalty equals the float64 reference objective / N", () => {
  const { net, vbp } = setup();
  setPi(vbp, "h1", [0.9, 0.3, 0.5, 1e-3, 0, 1]);
  setPi(vbp, "h2", [0.2, 0.8, 1, 0.6]);
  vbp.updatePriors();
  const got = value(() => vbp.penalty());
  const want = reference(net, vbp, VBP_DEFAULTS.weightNoise) / N;
  assert.ok(Math.abs(got - want) < 1e-5 * Math.abs(want), `${got} vs ${want}`);
  vbp.dispose();
  net.dispose();
});

Deno.test("vbp: ∂penalty/∂π and ∂penalty/∂μ match finite differences of the objective", () => {
  const r = 0.3;
  const { net, vbp } = setup({ weightNoise: r });
  setPi(vbp, "h1", [0.9, 0.3, 0.5, 0.05, 0.7, 0.95]);
  setPi(vbp, "h2", [0.2, 0.8, 0.97, 0.6]);
  vbp.updatePriors();
  const vars = [
    vbp.pi("h1"),
    vbp.pi("h2"),
    ...["h1.w", "h2.w", "out.w"].map((k) => net.params.get(k)!),
  ];
  const grads = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => vbp.penalty(), vars);
    return vars.map((v) => arr(grads[v.name]));
  });
  // Finite differences of the float64 reference (identical to the implemented penalty above).
  vars.forEach((v, k) => {
    const base = arr(v);
    for (let i = 0; i < base.length; i++) {
      const h = 1e-3;
      const at = (x: number) => {
        const b = base.slice();
        b[i] = x;
        v.assign(tf.tensor(b, v.shape));
        return reference(net, vbp, r) / N;
      };
      const fd = (at(base[i] + h) - at(base[i] - h)) / (2 * h);
      v.assign(tf.tensor(base, v.shape));
      assert.ok(
        Math.abs(fd - grads[k][i]) < 2e-3 * Math.abs(fd) + 1e-6,
        `${v.name}[${i}]: autodiff ${grads[k][i]} vs FD ${fd}`,
      );
    }
  });
  // And of the implemented penalty itself (float32; larger step, looser tolerance).
  const p = vbp.pi("h1"), base = arr(p);
  for (let i = 0; i < base.length; i++) {
    const h = 1e-2;
    const at = (x: number) => {
      const b = base.slice();
      b[i] = x;
      p.assign(tf.tensor1d(b));
      return value(() => vbp.penalty());
    };
    const fd = (at(base[i] + h) - at(base[i] - h)) / (2 * h);
    p.assign(tf.tensor1d(base));
    assert.ok(Math.abs(fd - grads[0][i]) < 0.02 * Math.abs(grads[0][i]) + 1e-5, `π_${i}`);
  }
  // Closed form of ∂/∂π_i for h1: logit π_i − logit ρ + Σ_k kl(h1.w_ki) + Σ_j π_j kl(h2.w_ij)
  // + ∂/∂π_i of h2's s² = r/Σπ_h1: Σ_g·½(1/σ² − 1/s²)·(−r/D²) over h2.w, all over N.
  const sig = vbp.slabVariances(), rho = vbp.prior("h1").rho;
  const w1 = arr(net.params.get("h1.w")!), w2 = arr(net.params.get("h2.w")!);
  const p2 = arr(vbp.pi("h2"));
  const d2 = base.reduce((a, b) => a + b, 0), s2h2 = r / d2, s2h1 = r / 5;
  const sumG2 = d2 * p2.reduce((a, b) => a + b, 0);
  base.forEach((pi, i) => {
    let c = logit(pi) - logit(rho);
    for (let k = 0; k < 5; k++) c += gaussianKl(w1[k * 6 + i], s2h1, sig["h1.w"]);
    for (let j = 0; j < 4; j++) c += p2[j] * gaussianKl(w2[i * 4 + j], s2h2, sig["h2.w"]);
    c += sumG2 * 0.5 * (1 / sig["h2.w"] - 1 / s2h2) * (-r / (d2 * d2));
    assert.ok(Math.abs(c / N - grads[0][i]) < 1e-4 * Math.abs(c / N) + 1e-7, `closed form π_${i}`);
  });
  vbp.dispose();
  net.dispose();
});

Deno.test("vbp: closed-form ρ and σ² are the argmins of the implemented objective", () => {
  const { net, vbp } = setup();
  setPi(vbp, "h1", [0.9, 0.3, 0.5, 1e-3, 0, 1]);
  setPi(vbp, "h2", [0.2, 0.8, 1, 0.6]);
  vbp.updatePriors();
  const sig = vbp.slabVariances();
  assert.deepEqual(Object.keys(sig).sort(), ["h1.w", "h2.w", "out.w"]);
  const f = (over: Parameters<Vbp["penalty"]>[0]) => value(() => vbp.penalty(over)) * N;
  for (const param of Object.keys(sig)) {
    const s = sig[param], e = 1e-2;
    const fd = (f({ sigma2: { [param]: s * (1 + e) } }) - f({ sigma2: { [param]: s * (1 - e) } })) /
      (2 * e * s);
    const curvature = (f({ sigma2: { [param]: s * 1.2 } }) - f({})) / (0.2 * s);
    assert.ok(Math.abs(fd) < 0.02 * Math.abs(curvature), `∂/∂σ²(${param}) = ${fd}`);
    for (const k of [0.8, 1.25]) assert.ok(f({ sigma2: { [param]: s * k } }) > f({}));
  }
  for (const id of ["h1", "h2"]) {
    const r = vbp.prior(id).rho;
    for (const k of [0.9, 1.1]) assert.ok(f({ rho: { [id]: r * k } }) > f({}), `ρ_${id}·${k}`);
    const e = 1e-3;
    const fd = (f({ rho: { [id]: r + e } }) - f({ rho: { [id]: r - e } })) / (2 * e);
    assert.ok(Math.abs(fd) < 1e-2, `∂/∂ρ(${id}) = ${fd}`);
  }
  // The formulas: ρ = (Σπ + a − 1)/(n + a + b − 2); σ² = (½Σg(μ² + s²) + β)/(½Σg + α + 1).
  assert.ok(Math.abs(vbp.prior("h1").rho - rhoUpdate(2.701, 6, H)) < 1e-6);
  assert.ok(Math.abs(sigma2Update(1e6, 1e4, 1e-4, H) - 0.0101) < 1e-6);
  vbp.dispose();
  net.dispose();
});

Deno.test("vbp: a unit's price scales with the weights it connects to units that are on", () => {
  const { vbp } = setup();
  const cost = (id: string) => {
    const logs = vbp.logs();
    return logs[`unit_cost.${id}`];
  };
  const full = cost("h1");
  setPi(vbp, "h2", [0, 0, 0, 0]); // outgoing weights lead nowhere: only the 5 incoming ones cost
  const inOnly = cost("h1");
  assert.ok(inOnly > 0 && inOnly < full, `${inOnly} < ${full}`);
  setPi(vbp, "h2", [1, 1, 1, 1]);
  assert.ok(cost("h1") > full); // π_h2 = 1 > 0.9: more of the outgoing weights are on
  vbp.dispose();
});

Deno.test("vbp: removal after consecutive checks below 0.01, never returning", () => {
  const { net, vbp, removals } = setup();
  setPi(vbp, "h1", [0.005, 0.9, 0.005, 0.9, 0.9, 0.9]);
  vbp.onEpochEnd(info(0));
  assert.equal(net.group("h1").size, 6); // one check below: kept
  setPi(vbp, "h1", [0.005, 0.9, 0.5, 0.9, 0.9, 0.2]); // unit 2 recovers: its count resets
  vbp.afterStep(info(1, 9)); // a mid-epoch check (8 steps, 4 checks per epoch: every 2 steps)
  assert.equal(net.group("h1").size, 5);
  assert.deepEqual(removals, ["h1"]);
  assert.deepEqual(arr(vbp.pi("h1")).map((x) => Math.round(x * 10) / 10), [
    0.9,
    0.5,
    0.9,
    0.9,
    0.2,
  ]);
  assert.deepEqual(net.params.get("h2.w")!.shape, [5, 4]);
  assert.equal(vbp.logs()["kept_changed_epoch.h1"], 1);
  vbp.afterStep(info(1, 10)); // not a check step: nothing happens
  setPi(vbp, "h1", [0.9, 0.005, 0.9, 0.9, 0.9]);
  vbp.onEpochEnd(info(2));
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

Deno.test("vbp: removing units whose π is 0 leaves the loss unchanged", () => {
  for (const path of ["removeUnits", "onEpochEnd"] as const) {
    const { net, vbp, ctx } = setup();
    // π ∈ {0, 1} makes ξ deterministic (the prior terms of the removed units' weights are 0).
    setPi(vbp, "h1", [1, 0, 1, 0, 1, 1]);
    setPi(vbp, "h2", [1, 0, 1, 1]);
    vbp.updatePriors();
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
    const sigBefore = vbp.slabVariances();
    if (path === "removeUnits") {
      ctx.removeUnits("h1", [0, 2, 4, 5]);
      ctx.removeUnits("h2", [0, 2, 3]);
    } else vbp.onEpochEnd(info(1)); // second check below 0.01: removed, priors recomputed
    assert.equal(net.group("h1").size, 4);
    assert.equal(net.group("h2").size, 3);
    const after = loss();
    after.forEach((v, i) =>
      assert.ok(
        Math.abs(v - before[i]) <= 1e-6 * Math.max(1, Math.abs(v)),
        `${path} term ${i}: ${before[i]} → ${v}`,
      )
    );
    vbp.updatePriors(); // the closed forms do not move either
    for (const [k, v] of Object.entries(vbp.slabVariances())) {
      assert.ok(Math.abs(v - sigBefore[k]) < 1e-6 * v, k);
    }
    tf.dispose([x, y]);
    vbp.dispose();
    net.dispose();
  }
});

Deno.test("vbp: straight-through gradient of π equals ∂L/∂ξ at the sampled ξ (π ∉ {0, 1})", () => {
  const a = setup(), b = setup();
  const pis = { h1: [0.3, 0.7, 0.5, 0.9, 0.1, 0.6], h2: [0.4, 0.8, 0.5, 0.2] };
  for (const s of [a, b]) for (const [id, p] of Object.entries(pis)) setPi(s.vbp, id, p);
  const x = tf.randomNormal([8, 5], 0, 1, "float32", 4);
  const vars = [a.vbp.pi("h1"), a.vbp.pi("h2")];
  const g = tf.tidy(() => {
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(a.net.forward(x, a.vbp.forwardOptions("train")))) as tf.Scalar,
      vars,
    );
    return vars.map((v) => arr(grads[v.name]));
  });
  // The same rng draws the same ξ, in the forward's order (h1, then h2).
  const gate = b.vbp.forwardOptions("train").gate!;
  const xi1 = gate("h1")!, xi2 = gate("h2")!;
  const samples = [arr(xi1), arr(xi2)];
  assert.ok(samples.flat().some((v) => v === 0) && samples.flat().some((v) => v === 1));
  const direct = tf.tidy(() => {
    const f = (u: tf.Tensor, v: tf.Tensor) =>
      tf.sum(
        tf.square(b.net.forward(x, { gate: (id) => (id === "h1" ? u : id === "h2" ? v : null) })),
      );
    return tf.grads(f)([xi1, xi2]).map(arr);
  });
  g.forEach((gv, k) =>
    gv.forEach((v, i) => assert.ok(Math.abs(v - direct[k][i]) < 1e-5, `${k}.${i}: ${v}`))
  );
  tf.dispose([x, xi1, xi2]);
  for (const s of [a, b]) {
    s.vbp.dispose();
    s.net.dispose();
  }
});

Deno.test("vbp: test-time gate 1[π > 0.5]; same seed, same samples; projection to [0, 1]", () => {
  const a = setup(), b = setup();
  setPi(a.vbp, "h1", [0.2, 0.6, 0.5, 0.51, 1, 0]);
  assert.deepEqual([...a.vbp.keepMasks().get("h1")!], [0, 1, 0, 1, 1, 0]);
  assert.deepEqual(tf.tidy(() => arr(a.vbp.forwardOptions("eval").gate!("h1")!)), [
    0,
    1,
    0,
    1,
    1,
    0,
  ]);
  const sa = tf.tidy(() => arr(a.vbp.forwardOptions("train").gate!("h2")!));
  const sb = tf.tidy(() => arr(b.vbp.forwardOptions("train").gate!("h2")!));
  assert.deepEqual(sa, sb);
  assert.equal(a.vbp.forwardOptions("train").gate!("h1.in"), null); // inputs not gated by default
  setPi(a.vbp, "h2", [-0.5, 1.5, 0.3, 0.7]);
  a.vbp.afterStep(info(0, 0));
  assert.deepEqual(arr(a.vbp.pi("h2")).map((v) => Math.round(v * 10) / 10), [0, 1, 0.3, 0.7]);
  for (const s of [a, b]) {
    s.vbp.dispose();
    s.net.dispose();
  }
});

/** Trains the test MLP for `steps` SGD steps on fixed random data with the method's own loop. */
function trainSteps(s: ReturnType<typeof setup>, steps: number, piLr: number) {
  const x = tf.randomNormal([16, 5], 0, 1, "float32", 5);
  const y = tf.tidy(() =>
    tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], "int32"), 3)
  );
  const opt = tf.train.sgd(0.05);
  const piOpt = tf.train.sgd(piLr);
  let minPi = Infinity, maxPi = -Infinity;
  for (let k = 0; k < steps; k++) {
    const epoch = Math.floor(k / 8);
    tf.tidy(() => {
      const pis = [...s.vbp.variableGroups()[0].variables.values()];
      const params = [...s.net.params.values()];
      const { grads } = tf.variableGrads(() =>
        tf.add(
          tf.losses.softmaxCrossEntropy(y, s.net.forward(x, s.vbp.forwardOptions("train"))),
          s.vbp.penalty(),
        ) as tf.Scalar, [...pis, ...params]);
      opt.applyGradients(Object.fromEntries(params.map((p) => [p.name, grads[p.name]])));
      piOpt.applyGradients(Object.fromEntries(pis.map((p) => [p.name, grads[p.name]])));
    });
    s.vbp.afterStep(info(epoch, k));
    if ((k + 1) % 8 === 0) s.vbp.onEpochEnd(info(epoch, k));
    for (const id of ["h1", "h2"]) {
      for (const v of arr(s.vbp.pi(id))) {
        minPi = Math.min(minPi, v);
        maxPi = Math.max(maxPi, v);
      }
    }
  }
  opt.dispose();
  piOpt.dispose();
  tf.dispose([x, y]);
  return { minPi, maxPi };
}

Deno.test("vbp: training keeps π in [0, 1], removes units, and repeats exactly with the same seed", async () => {
  // A small N makes the weights' price large, so π hits the bounds and units are removed.
  const runs = [0, 1].map(() => {
    const s = setup({ weightNoise: 0.05 }, 3);
    return { s, r: trainSteps(s, 32, 2) };
  });
  const [a, b] = runs;
  assert.ok(a.r.minPi >= 0 && a.r.maxPi <= 1, `${a.r.minPi} … ${a.r.maxPi}`);
  assert.ok(a.s.removals.length > 0, "some unit was removed during training");
  for (const id of ["h1", "h2"]) assert.deepEqual(arr(a.s.vbp.pi(id)), arr(b.s.vbp.pi(id)));
  for (const [k, v] of a.s.net.params) assert.deepEqual(arr(v), arr(b.s.net.params.get(k)!), k);
  assert.deepEqual(a.s.vbp.logs(), b.s.vbp.logs());
  await expectNoLeakedTensors(() => trainSteps(a.s, 16, 2)); // with removals
  for (const { s } of runs) {
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
  assert.throws(() => setup({ weightNoise: 0 }), (e: Error) => /weightNoise/.test(e.message));
  vbp.dispose();
  net.dispose();
});

Deno.test("vbp: steps, checks and removals leave no tensors behind", async () => {
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
    vbp.afterStep(info(0, 1)); // a check step
    vbp.logs();
    vbp.keepMasks();
    vbp.updatePriors();
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

Deno.test("vbp: conv filters reach a flattened dense layer's weights (g, fan-in, removal)", () => {
  const arch: ArchSpec = {
    id: "test-cnn",
    inputShape: [6, 6, 1],
    numClasses: 2,
    layers: [
      {
        type: "conv2d",
        name: "c1",
        filters: 3,
        kernel: 3,
        padding: "valid",
        activation: "relu",
        gated: true,
      },
      { type: "flatten" },
      { type: "dense", name: "out", units: 2, activation: "none" },
    ],
  };
  const net = new Network(arch, { seed: 2 });
  let vbp: Vbp | null = null;
  const ctx: MethodContext = {
    net,
    rng: new Rng(1),
    trainSize: N,
    epochs: 1,
    stepsPerEpoch: 8,
    removeUnits: (id, keep) => vbp!.onUnitsRemoved(net.removeUnits(id, keep)),
  };
  vbp = new Vbp(ctx, { ...VBP_DEFAULTS });
  const pi = [0.7, 0, 0.4];
  setPi(vbp, "c1", pi);
  vbp.updatePriors();
  // Reference: c1.w [3,3,1,3] has g = π[cout], D = 9; out.w [48, 2] reads position p of the
  // flattened [4, 4, 3] map, channel p mod 3: g = π[p mod 3], D = Σ_p π[p mod 3] = 16·Σπ.
  const sig = vbp.slabVariances(), r = VBP_DEFAULTS.weightNoise;
  const rho = vbp.prior("c1").rho;
  let want = pi.reduce((a, p) => a + bernoulliKl(p, rho), 0);
  const wc = arr(net.params.get("c1.w")!), wo = arr(net.params.get("out.w")!);
  wc.forEach((m, k) => want += pi[k % 3] * gaussianKl(m, r / 9, sig["c1.w"]));
  const d = 16 * (0.7 + 0 + 0.4);
  wo.forEach((m, k) => want += pi[Math.floor(k / 2) % 3] * gaussianKl(m, r / d, sig["out.w"]));
  for (const s of Object.values(sig)) want += (H.alpha + 1) * Math.log(s) + H.beta / s;
  const got = value(() => vbp.penalty()) * N;
  assert.ok(Math.abs(got - want) < 1e-5 * Math.abs(want), `${got} vs ${want}`);
  // Removing the filter whose π is 0 changes neither the penalty nor the eval loss.
  const x = tf.randomNormal([4, 6, 6, 1], 0, 1, "float32", 3);
  const out = () => tf.tidy(() => arr(net.forward(x, vbp!.forwardOptions("eval"))));
  const before = out();
  ctx.removeUnits("c1", [0, 2]);
  assert.deepEqual(net.params.get("out.w")!.shape, [32, 2]);
  assert.ok(Math.abs(value(() => vbp!.penalty()) * N - got) < 1e-5 * Math.abs(got));
  out().forEach((v, i) => assert.ok(Math.abs(v - before[i]) < 1e-5));
  x.dispose();
  vbp.dispose();
  net.dispose();
});

Deno.test("vbp in the training engine: units removed, Adam state of π shrinks, same seed ⇒ same run", async () => {
  const n = 200, rng = new Rng(5);
  const x = Float32Array.from({ length: n * 5 }, () => rng.normal());
  const y = Uint8Array.from(
    { length: n },
    (_, i) => (x[i * 5] > 0 ? 1 : 0) + (x[i * 5 + 1] > 0 ? 1 : 0),
  );
  const ds: Dataset = {
    id: "toy",
    label: "toy",
    inputShape: [5],
    numClasses: 3,
    source: "test",
    train: { x, y, n },
    test: { x, y, n },
  };
  const tc = {
    epochs: 3,
    batchSize: 25,
    evalEvery: 3,
    optimizer: { kind: "adam" as const, lr: 1e-2 },
  };
  const once = async () => {
    const net = new Network(ARCH, { seed: 4 });
    const ctx = createMethodContext(net, ds, tc, new Rng(4, 99));
    // A small r makes weights expensive at N = 200, so units go within the first epoch.
    const m = VBP.create(ctx, { ...VBP_DEFAULTS, weightNoise: 0.01, piLr: 0.05 });
    const r = await train(net, { method: m, context: ctx }, ds, { ...tc, seed: 4 });
    const out = {
      widths: r.history.map((e) => e.widths),
      logs: r.history.map((e) => e.logs),
      acc: r.history.at(-1)!.testAcc,
      pi: ["h1", "h2"].map((id) => arr((m as Vbp).pi(id))),
    };
    m.dispose();
    disposePoints(r, net);
    net.dispose();
    return out;
  };
  const a = await once();
  const last = a.widths.at(-1)!;
  assert.ok(last.h1 < 6 && last.h2 < 4, JSON.stringify(a.widths)); // removed through the engine
  assert.ok(a.pi.flat().every((p) => p >= 0 && p <= 1));
  const b = await once();
  assert.deepEqual(b, a);
});
