/**
 * Unit checks of the L0 family (methods.md §8A 1–6 for `l0-hc`, 11–14 for `diffprune`): closed
 * forms against Monte Carlo, exact-zero intervals, sanity values at init, gradients, annealing,
 * keep rules, tensor hygiene. CPU backend, seconds.
 */
import * as tf from "../src/deps/tfjs.ts";
import assert from "node:assert/strict";
import { initBackend } from "../src/runtime/backend.ts";
import { type ForwardOptions, Network } from "../src/models/network.ts";
import { getArch } from "../src/models/registry.ts";
import type { ArchSpec } from "../src/models/spec.ts";
import { Rng } from "../src/util/rng.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";
import { ConfigError } from "../src/util/errors.ts";
import type { MethodContext, StepInfo } from "../src/methods/types.ts";
import {
  EPS,
  hardConcreteProbNonzero,
  hardConcreteProbNonzeroScalar,
  hardConcreteSample,
  hardConcreteTestGate,
  LN11,
  temperedGate,
  temperedGateScalar,
} from "../src/methods/_concrete.ts";
import { l0HardConcrete, type L0HardConcreteConfig } from "../src/methods/l0_hard_concrete.ts";
import { diffprune, diffpruneTemperature } from "../src/methods/diffprune.ts";

await initBackend("cpu");
const MC = 1_000_000;

function ctxFor(net: Network, seed = 1, trainSize = 60000): MethodContext {
  return {
    net,
    rng: new Rng(seed),
    trainSize,
    epochs: 10,
    stepsPerEpoch: 100,
    removeUnits: () => {
      throw new Error("not used");
    },
  };
}

const step = (s: number, totalSteps = 1000): StepInfo => ({
  step: s,
  epoch: 0,
  stepsPerEpoch: 100,
  totalSteps,
  epochs: 10,
});
const read = (t: tf.Tensor): number[] => {
  const a = Array.from(t.dataSync());
  t.dispose();
  return a;
};
const close = (a: number, b: number, tol: number, what = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (±${tol})`);

/** Monte Carlo fractions of z ≠ 0, z = 0, z = 1 and the mean of z. */
function mcStats(
  sample: (u: tf.Tensor) => tf.Tensor,
  seed: number,
): { nz: number; zero: number; one: number; mean: number } {
  const [nz, zero, one, mean] = tf.tidy(() => {
    const z = sample(tf.randomUniform([MC], EPS, 1 - EPS, "float32", seed));
    return [
      tf.mean(tf.cast(tf.greater(z, 0), "float32")),
      tf.mean(tf.cast(tf.equal(z, 0), "float32")),
      tf.mean(tf.cast(tf.equal(z, 1), "float32")),
      tf.mean(z),
    ].map((t) => t.dataSync()[0]);
  });
  return { nz, zero, one, mean };
}

Deno.test("l0-hc: closed-form P(z≠0) matches Monte Carlo and the §8A.1 table", () => {
  const table: [number, number][] = [[0, 0.832], [Math.log(4), 0.952], [-2.398, 0.310], [
    Math.log(0.01),
    0.047,
  ], [Math.log(100), 0.998]];
  table.forEach(([la, expected], i) => {
    const closed = hardConcreteProbNonzeroScalar(la);
    close(closed, expected, 5e-4, `closed form at log α=${la}`);
    close(read(tf.tidy(() => hardConcreteProbNonzero(tf.scalar(la))))[0], closed, 1e-6);
    const mc = mcStats((u) => hardConcreteSample(tf.fill([MC], la), u), 100 + i);
    close(mc.nz, closed, 0.003, `Monte Carlo at log α=${la}`);
  });
});

Deno.test("l0-hc: at log α = 0, E[z] = 0.5 and P(z=0) = P(z=1) = 0.169 (β = 2/3), 0.232 (β = 0.5)", () => {
  const a = mcStats((u) => hardConcreteSample(tf.zeros([MC]), u), 7);
  close(a.mean, 0.5, 0.003, "E[z]");
  close(a.zero, 0.169, 0.003, "P(z=0)");
  close(a.one, 0.169, 0.003, "P(z=1)");
  const b = mcStats((u) => hardConcreteSample(tf.zeros([MC]), u, 0.5), 8);
  close(b.zero, 0.232, 0.003, "P(z=0), β=0.5");
  close(b.one, 0.232, 0.003, "P(z=1), β=0.5");
});

Deno.test("l0-hc: test gate is exactly 0 iff log α ≤ −2.398 and exactly 1 iff log α ≥ 2.398", () => {
  const x = [-LN11 - 1e-3, -LN11 + 1e-3, 0, Math.log(4), LN11 - 1e-3, LN11 + 1e-3, -4.6, 4.6];
  const z = read(tf.tidy(() => hardConcreteTestGate(tf.tensor1d(x))));
  assert.equal(z[0], 0);
  assert.ok(z[1] > 0 && z[1] < 1e-3);
  assert.equal(z[2], 0.5);
  close(z[3], 0.86, 1e-6, "ẑ at ln 4");
  assert.ok(z[4] < 1 && z[4] > 0.999);
  assert.equal(z[5], 1);
  assert.equal(z[6], 0);
  assert.equal(z[7], 1);
  close(LN11, 2.398, 5e-4, "threshold");
});

Deno.test("l0-hc: ∂P(z≠0)/∂log α = p(1 − p)", () => {
  const la = [-3, -1, 0, Math.log(4), 2];
  const g = read(
    tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(hardConcreteProbNonzero(x)))(tf.tensor1d(la))),
  );
  la.forEach((x, i) => {
    const p = hardConcreteProbNonzeroScalar(x);
    close(g[i], p * (1 - p), 1e-6, `gradient at ${x}`);
  });
});

function l0(net: Network, over: Partial<L0HardConcreteConfig> = {}, seed = 1) {
  return l0HardConcrete.create(ctxFor(net, seed), {
    ...l0HardConcrete.defaults,
    initStd: 0,
    ...over,
  });
}

Deno.test("l0-hc: regulariser at init is 0.416 (MLP) and 0.597 (LeNet-5-Caffe) at λ = 0.1/N, N = 60000", () => {
  for (const [arch, expected] of [["lenet-300-100", 0.416], ["lenet-5-caffe", 0.597]] as const) {
    const net = new Network(getArch(arch), { seed: 1 });
    const m = l0(net);
    close(read(m.penalty()!)[0], expected, 5e-4, arch);
    m.dispose();
    net.dispose();
  }
});

Deno.test("l0-hc: expected L2 adds wd/2·Σ_g P_g·‖θ_g‖² (λ₂ = N·wd; not /N as the reference LeNet-5)", () => {
  const net = new Network(getArch("lenet-300-100", 0.2), { seed: 3 });
  const a = l0(net), b = l0(net, { weightDecay: 5e-4 });
  const sq = (n: string) => read(tf.tidy(() => tf.sum(tf.square(net.params.get(n)!))))[0];
  const pIn = hardConcreteProbNonzeroScalar(Math.log(4)), pHid = hardConcreteProbNonzeroScalar(0);
  const expected = 2.5e-4 * (pIn * sq("fc1.w") + pHid * (sq("fc2.w") + sq("fc3.w")));
  close(read(b.penalty()!)[0] - read(a.penalty()!)[0], expected, 1e-6, "expected L2");
  a.dispose();
  b.dispose();
  net.dispose();
});

Deno.test("l0-hc: init log α ~ N(ln(1−p) − ln p, 0.01²), clamp after each step, kept iff ẑ > 0", () => {
  const net = new Network(getArch("lenet-300-100", 0.5), { seed: 1 });
  const m = l0HardConcrete.create(ctxFor(net), l0HardConcrete.defaults);
  const vars = m.variableGroups()[0].variables;
  const inp = read(tf.clone(vars.get("fc1.in")!)), hid = read(tf.clone(vars.get("fc1")!));
  close(inp.reduce((a, b) => a + b) / inp.length, Math.log(4), 2e-3, "input mean");
  close(Math.max(...hid.map(Math.abs)), 0, 0.05, "hidden spread");
  vars.get("fc2")!.assign(
    tf.tensor1d(Array.from({ length: 50 }, (_, i) => (i < 10 ? -9 : i < 20 ? -2.3 : 9))),
  );
  m.afterStep!(step(0));
  const v = read(tf.clone(vars.get("fc2")!));
  close(v[0], Math.log(0.01), 1e-6, "lower clamp");
  close(v[49], Math.log(100), 1e-5, "upper clamp");
  const keep = m.keepMasks().get("fc2")!;
  assert.equal(keep.reduce((a, b) => a + b, 0), 40);
  assert.ok(keep.every((b, i) => b === (i < 10 ? 0 : 1)));
  const logs = m.logs();
  assert.equal(logs["kept.fc2"], 40);
  assert.ok(logs.expected_flops_fraction > 0 && logs.expected_flops_fraction < 1);
  m.dispose();
  net.dispose();
});

Deno.test("l0-hc: gates, penalty and forward leave no tensors; same seed gives the same gates", async () => {
  for (
    const [arch, over] of [["lenet-300-100", {}], ["lenet-5-caffe", { perExample: true }], [
      "lenet-300-100",
      { granularity: "weight" as const },
    ]] as const
  ) {
    const net = new Network(getArch(arch, 0.25), { seed: 1 });
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, "float32", 1);
    const run = (m: ReturnType<typeof l0>) =>
      tf.tidy(() => {
        const y = net.forward(
          x,
          (m.forwardOptions as (mode: "train", batch: number) => ForwardOptions)("train", 4),
        );
        return read(tf.add(tf.sum(y), m.penalty()!));
      });
    const a = l0(net, over, 5), b = l0(net, over, 5);
    assert.deepEqual(run(a), run(b));
    await expectNoLeakedTensors(() => run(a));
    await expectNoLeakedTensors(() => tf.tidy(() => void net.forward(x, a.forwardOptions("eval"))));
    if (!("granularity" in over)) {
      // At init log α = ln 4 or 0 (initStd 0): ẑ = 0.9 or 0.5 > 0, so every unit of every group
      // is kept, one mask per gated group, of the group's size.
      const masks = a.keepMasks();
      assert.deepEqual([...masks.keys()].sort(), net.groups.map((g) => g.id).sort());
      for (const g of net.groups) {
        assert.equal(masks.get(g.id)!.length, g.size, g.id);
        assert.ok(masks.get(g.id)!.every((k) => k === 1), g.id);
      }
      assert.equal(a.weightMasks!().size, 0);
    } else {
      assert.equal(a.weightMasks!().get("fc1.w")!.length, net.params.get("fc1.w")!.size);
      assert.equal(a.keepMasks().size, 0);
    }
    a.dispose();
    b.dispose();
    x.dispose();
    net.dispose();
  }
});

Deno.test("l0-hc: hyperparameter problems are reported together", () => {
  const net = new Network(getArch("lenet-5-caffe", 0.2), { seed: 1 });
  assert.throws(
    () => l0(net, { droprateInit: 1.5, lambdaPerGroup: { conv9: 1 }, groups: ["nope"] }),
    (e: unknown) => e instanceof ConfigError && e.problems.length === 3,
  );
  net.dispose();
});

Deno.test('l0-hc: LeNet-5-Caffe "λ sep." penalty at init is Σ_g λ_g·|g|·P(z≠0)/N = 1.4903', () => {
  // |g|·#gates per target: conv1 20·25 = 500, conv2 50·500 = 25000, fc1.in 800·500 = 400000,
  // fc1 500·10 = 5000; with λ = 10, 0.5, 0.1, 10: 5000 + 12500 + 40000 + 50000 = 107500.
  // P(z≠0) at log α = 0 is σ((2/3)·ln 11) = 0.83176; 107500·0.83176/60000 = 1.4903.
  const net = new Network(getArch("lenet-5-caffe"), { seed: 1 });
  const lambdaPerGroup = { conv1: 10, conv2: 0.5, "fc1.in": 0.1, fc1: 10 };
  const exact = 107500 * hardConcreteProbNonzeroScalar(0) / 60000;
  close(exact, 1.4903, 5e-5, "closed form");
  const sep = l0(net, { lambdaPerGroup });
  close(read(sep.penalty()!)[0], exact, 1e-5, "initStd 0");
  sep.dispose();
  // With the reference's init noise (log α ~ N(0, 0.01²)) it moves by < 1e-3.
  const noisy = l0(net, { lambdaPerGroup, initStd: 0.01 });
  close(read(noisy.penalty()!)[0], 1.4903, 1e-3, "initStd 0.01");
  noisy.dispose();
  net.dispose();
});

Deno.test("l0-hc: ungated weights and biases get plain wd/2·θ² (reference L0Dense bias term)", () => {
  const net = new Network(getArch("lenet-300-100", 0.2), { seed: 3 });
  for (const [n, v] of [["fc1.b", 0.3], ["fc2.b", -0.2], ["fc3.b", 0.5]] as const) {
    const b = net.params.get(n)!;
    b.assign(tf.fill(b.shape, v));
  }
  const sq = (n: string) => read(tf.tidy(() => tf.sum(tf.square(net.params.get(n)!))))[0];
  const pIn = hardConcreteProbNonzeroScalar(Math.log(4)), pHid = hardConcreteProbNonzeroScalar(0);
  const biases = 60 * 0.09 + 20 * 0.04 + 10 * 0.25;
  // All groups gated: weights under their gates' P, every bias plain.
  const a = l0(net), b = l0(net, { weightDecay: 5e-4 });
  const all = 2.5e-4 * (pIn * sq("fc1.w") + pHid * (sq("fc2.w") + sq("fc3.w")) + biases);
  close(read(b.penalty()!)[0] - read(a.penalty()!)[0], all, 1e-6, "all groups gated");
  // Only fc2 gated: fc1.w and fc2.w are ungated too (plain), fc3.w's rows under fc2's gates.
  const c = l0(net, { groups: ["fc2"] }), d = l0(net, { groups: ["fc2"], weightDecay: 5e-4 });
  const one = 2.5e-4 * (sq("fc1.w") + sq("fc2.w") + pHid * sq("fc3.w") + biases);
  close(read(d.penalty()!)[0] - read(c.penalty()!)[0], one, 1e-6, "fc2 gated only");
  for (const m of [a, b, c, d]) m.dispose();
  net.dispose();
});

Deno.test("l0-hc: per-example gates follow each batch's size (short last batch)", async () => {
  const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
  // 250 examples in batches of 100: the last batch has 50 rows.
  const m = l0HardConcrete.create(
    { ...ctxFor(net, 1, 250), stepsPerEpoch: 3 },
    { ...l0HardConcrete.defaults, perExample: true },
  );
  for (const rows of [100, 50, 1]) {
    const fo = m.forwardOptions("train");
    const z = tf.tidy(() => fo.gate!("fc1", tf.zeros([rows, 30]))!);
    assert.deepEqual(z.shape, [rows, 30]);
    // One independent sample per example: rows differ.
    if (rows > 1) {
      const v = z.arraySync() as number[][];
      assert.notDeepEqual(v[0], v[1]);
    }
    z.dispose();
    const x = tf.randomUniform([rows, 28, 28, 1], 0, 1, "float32", rows);
    const y = tf.tidy(() => net.forward(x, m.forwardOptions("train")));
    assert.deepEqual(y.shape, [rows, 10]);
    y.dispose();
    x.dispose();
  }
  // A batch size given by the caller is overridden by the activation actually gated.
  const z = tf.tidy(() => m.forwardOptions("train", 100).gate!("fc2", tf.zeros([7, 10]))!);
  assert.deepEqual(z.shape, [7, 10]);
  z.dispose();
  await expectNoLeakedTensors(() =>
    tf.tidy(() => void net.forward(tf.zeros([3, 28, 28, 1]), m.forwardOptions("train")))
  );
  m.dispose();
  net.dispose();
});

Deno.test("diffprune: T_τ is exactly 0 / 1 outside ±2.398τ; T_1(0) = 0.5, T_1(1) = 0.777, T_0.05(x ≥ 0.12) = 1", () => {
  for (const tau of [1, 0.3, 0.05]) {
    const x = [-LN11 * tau * 1.001, -LN11 * tau * 0.999, LN11 * tau * 0.999, LN11 * tau * 1.001];
    const z = read(tf.tidy(() => temperedGate(tf.tensor1d(x), tau)));
    assert.deepEqual([z[0], z[1] > 0, z[2] < 1, z[3]], [0, true, true, 1], `τ=${tau}`);
  }
  close(temperedGateScalar(0, 1), 0.5, 1e-12, "T_1(0)");
  close(temperedGateScalar(1, 1), 0.777, 5e-4, "T_1(1)");
  for (const x of [0.12, 0.5, 3]) {
    assert.equal(read(tf.tidy(() => temperedGate(tf.scalar(x), 0.05)))[0], 1);
  }
});

Deno.test("diffprune: stochastic P(z≠0) = σ((φ + 2.398τ)/s) matches Monte Carlo (§8A.12)", () => {
  const rows: [number, number, number, number][] = [
    [0, 1, 1, 0.917],
    [1, 1, 1, 0.968],
    [-1, 0.5, 1, 0.550],
    [0.5, 0.05, 1, 0.650],
    [0, 2 / 3, 1, 0.832],
  ];
  // One gated layer of U units: each training forward draws U gates from the method's own
  // stochastic trainGate (through forwardOptions("train").gate), MC/U draws in all.
  const U = 200_000;
  const wide: ArchSpec = {
    id: "wide",
    inputShape: [1],
    numClasses: 1,
    layers: [
      { type: "dense", name: "h", units: U, activation: "none", gated: true, bias: false },
      { type: "dense", name: "out", units: 1, activation: "none", bias: false },
    ],
  };
  const net = new Network(wide, { seed: 1 });
  rows.forEach(([phi, tau, s, expected], i) => {
    const closed = 1 / (1 + Math.exp(-(phi + tau * LN11) / s));
    close(closed, expected, 5e-4, `closed form row ${i}`);
    const m = diffprune.create(ctxFor(net, 200 + i), {
      ...diffprune.defaults,
      mode: "stochastic",
      phiInit: phi,
      noiseScale: s,
      tau0: tau,
      tauMin: tau,
    });
    close(m.logs().expected_l0_fraction, closed, 1e-5, `method surrogate row ${i}`);
    let nz = 0, ones = 0;
    for (let k = 0; k < MC / U; k++) {
      const z = tf.tidy(() => m.forwardOptions("train").gate!("h", tf.zeros([1, U]))!);
      for (const x of z.dataSync()) (nz += x > 0 ? 1 : 0, ones += x === 1 ? 1 : 0);
      z.dispose();
    }
    close(nz / MC, closed, 0.003, `Monte Carlo row ${i}`);
    // Exact ones: P(φ + s·ε ≥ 2.398τ) = σ((φ − 2.398τ)/s).
    close(ones / MC, 1 / (1 + Math.exp(-(phi - tau * LN11) / s)), 0.003, `ones row ${i}`);
    m.dispose();
  });
  net.dispose();
});

Deno.test("diffprune: init surrogate 0.968 per group; τ = 0.224 at 37.5% and 0.05 from 75%; pruned iff gate = 0", async () => {
  const net = new Network(getArch("lenet-300-100", 0.5), { seed: 1 });
  const m = diffprune.create(ctxFor(net), diffprune.defaults);
  close(m.logs().expected_l0_fraction, 0.968, 5e-4, "init surrogate");
  const c = diffprune.defaults;
  close(diffpruneTemperature(375, 1000, c), 0.224, 5e-4, "τ at 37.5%");
  for (const s of [750, 800, 1000]) {
    close(diffpruneTemperature(s, 1000, c), 0.05, 1e-12, `τ at ${s}`);
  }
  m.afterStep!(step(374));
  close(m.logs().tau, 0.224, 5e-4, "τ after step 375");
  m.afterStep!(step(749));
  close(m.logs().tau, 0.05, 1e-12, "τ after step 750");
  const phi = m.variableGroups()[0].variables.get("fc1")!;
  phi.assign(
    tf.tensor1d(Array.from({ length: 150 }, (_, i) => (i < 30 ? -0.12 : i < 40 ? -0.1 : 0.2))),
  );
  const keep = m.keepMasks().get("fc1")!;
  assert.equal(keep.reduce((a, b) => a + b, 0), 120);
  close(m.logs().binary_fraction, (784 + 140 + 50) / (784 + 150 + 50), 1e-9, "binary fraction");
  const x = tf.zeros([2, 28, 28, 1]);
  await expectNoLeakedTensors(() =>
    tf.tidy(() => void tf.add(tf.sum(net.forward(x, m.forwardOptions("train"))), m.penalty()!))
  );
  const st = diffprune.create(ctxFor(net), { ...c, mode: "stochastic", granularity: "weight" });
  await expectNoLeakedTensors(() =>
    tf.tidy(() => void tf.add(tf.sum(net.forward(x, st.forwardOptions("train"))), st.penalty()!))
  );
  close(st.logs().expected_l0_fraction, 0.968, 5e-4, "stochastic init surrogate (s = 1, τ = 1)");
  x.dispose();
  m.dispose();
  st.dispose();
  net.dispose();
});
