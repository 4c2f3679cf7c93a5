import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { Network } from "../src/models/network.ts";
import type { ArchSpec } from "../src/models/spec.ts";
import type { Dataset } from "../src/data/mod.ts";
import type { OperatingPoint, PruningMethod } from "../src/methods/types.ts";
import { denseMethod } from "../src/methods/dense.ts";
import {
  disposePoints,
  type EpochRecord,
  resolveOptimizer,
  train,
  type TrainConfig,
} from "../src/train/mod.ts";
import { collectVariables } from "../src/train/step.ts";
import { countMacs } from "../src/metrics/counts.ts";
import { ConfigError, DivergenceError } from "../src/util/errors.ts";
import { Rng } from "../src/util/rng.ts";

await tf.setBackend("cpu");
tf.enableProdMode();

/** Linearly separable 3-class task in 8 dimensions. */
function separable(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const split = (m: number) => {
    const x = new Float32Array(m * 8), y = new Uint8Array(m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < 8; j++) x[i * 8 + j] = rng.normal();
      const s = [x[i * 8] + x[i * 8 + 1], x[i * 8 + 2] - x[i * 8], -x[i * 8 + 1] - x[i * 8 + 2]];
      y[i] = s.indexOf(Math.max(...s));
    }
    return { x, y, n: m };
  };
  return {
    id: "sep",
    label: "separable",
    inputShape: [8],
    numClasses: 3,
    source: "test",
    train: split(n),
    test: split(200),
  };
}

const mlp: ArchSpec = {
  id: "mlp",
  inputShape: [8],
  numClasses: 3,
  layers: [
    { type: "dense", name: "fc1", units: 16, activation: "relu", gated: true },
    { type: "dense", name: "fc2", units: 3, activation: "none" },
  ],
};

const convBn: ArchSpec = {
  id: "conv",
  inputShape: [4, 2, 1],
  numClasses: 3,
  layers: [
    {
      type: "conv2d",
      name: "conv1",
      filters: 4,
      kernel: 3,
      padding: "same",
      batchNorm: true,
      activation: "relu",
      gated: true,
    },
    { type: "flatten" },
    { type: "dense", name: "fc", units: 3, activation: "none" },
  ],
};

const base: TrainConfig = {
  epochs: 3,
  batchSize: 32,
  optimizer: { kind: "adam", lr: 0.01 },
  seed: 3,
};
const strip = (h: EpochRecord[]) => h.map(({ wallS: _, ...r }) => r);

Deno.test("train: a tiny MLP learns a separable task; history and MACs are complete", async () => {
  const ds = separable(512, 1), net = new Network(mlp, { seed: 1 });
  const r = await train(net, denseMethod(), ds, { ...base, epochs: 8 });
  const last = r.history.at(-1)!;
  assert.equal(r.history.length, 8);
  assert.equal(r.steps, 8 * 16);
  assert.ok(last.testAcc! > 0.9, `test accuracy ${last.testAcc}`);
  assert.ok(last.trainLoss < r.history[0].trainLoss);
  assert.deepEqual(last.unitsKept, { fc1: 16 });
  assert.equal(last.keptFraction, 1);
  assert.equal(r.trainMacs, countMacs(net) * 3 * 512 * 8);
  assert.equal(r.trainMacs, r.trainMacsDense);
  assert.equal(r.points.length, 1);
  assert.equal(r.points[0].label, "final");
  assert.equal(r.points[0].acc, last.testAcc);
  assert.equal(r.points[0].network, net);
  net.dispose();
});

Deno.test("train: same seed ⇒ identical history; another seed differs", async () => {
  const ds = separable(200, 2);
  const once = async (seed: number) => {
    const net = new Network(convBn, { seed: 5 });
    const cfg: TrainConfig = {
      ...base,
      seed,
      ema: 0.9,
      optimizer: { kind: "sgd", lr: 0.05, momentum: 0.9, weightDecay: 1e-3 },
    };
    const r = await train(net, denseMethod(), { ...ds, inputShape: [4, 2, 1] }, cfg);
    net.dispose();
    return strip(r.history);
  };
  const a = await once(7), b = await once(7), c = await once(8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("train: tensor count stays flat across steps and epochs (conv + BN, EMA, penalty)", async () => {
  const ds = { ...separable(96, 3), inputShape: [4, 2, 1] };
  const net = new Network(convBn, { seed: 1 });
  const s = tf.tidy(() => tf.variable(tf.ones([4])));
  const method: PruningMethod = {
    ...denseMethod(),
    variableGroups: () => [{ name: "s", variables: new Map([["s", s]]), optimizer: null }],
    forwardOptions: () => ({ gate: (id) => id === "conv1" ? s : null }),
    penalty: () => tf.mul(tf.sum(tf.square(s)), 1e-3),
  };
  const counts: number[] = [];
  const before = tf.memory().numTensors;
  await train(net, method, ds, { ...base, batchSize: 16, ema: 0.99 }, {
    onStep: () => void counts.push(tf.memory().numTensors),
  });
  assert.equal(counts.length, 18);
  assert.ok(counts.slice(1).every((c) => c === counts[1]), `tensor counts ${counts}`);
  assert.equal(tf.memory().numTensors, before);
  s.dispose();
  net.dispose();
});

Deno.test("train: a NaN loss throws DivergenceError with epoch and step, leaking nothing", async () => {
  const ds = separable(64, 4), net = new Network(mlp, { seed: 1 });
  let calls = 0;
  const method: PruningMethod = {
    ...denseMethod(),
    penalty: () => ++calls === 6 ? tf.scalar(NaN) : null,
  };
  const before = tf.memory().numTensors;
  const err = await train(net, method, ds, { ...base, batchSize: 16 }).then(() => null, (e) => e);
  assert.ok(err instanceof DivergenceError, String(err));
  assert.equal(err.epoch, 1);
  assert.equal(err.step, 5);
  assert.match(err.message, /epoch 2, step 6: penalty is NaN/); // messages are 1-based
  assert.equal(tf.memory().numTensors, before);
  net.dispose();
});

Deno.test("train: EMA evaluation uses bias-corrected averages of parameters and method variables", async () => {
  const ds = separable(64, 5), net = new Network(mlp, { seed: 2 });
  const s = tf.tidy(() => tf.variable(tf.ones([16])));
  const method: PruningMethod = {
    ...denseMethod(),
    variableGroups:
      () => [{ name: "g", variables: new Map([["s", s]]), optimizer: { kind: "sgd", lr: 0.1 } }],
    forwardOptions: () => ({ gate: (id) => id === "fc1" ? s : null }),
  };
  const d = 0.9, trace = new Map<string, Float32Array[]>();
  const snap = () => {
    for (const [k, v] of [...net.params, ["g/s", s] as const]) {
      if (!trace.has(k)) trace.set(k, []);
      trace.get(k)!.push(Float32Array.from(v.dataSync()));
    }
  };
  const r = await train(net, method, ds, { ...base, epochs: 2, batchSize: 16, ema: d }, {
    onStep: snap,
  });
  assert.ok(r.emaLoaded);
  for (const [k, v] of [...net.params, ["g/s", s] as const]) {
    const xs = trace.get(k)!, t = xs.length, got = v.dataSync();
    for (const i of [0, got.length - 1]) {
      let avg = 0;
      xs.forEach((x, j) => avg += (1 - d) * d ** (t - 1 - j) * x[i]);
      assert.ok(Math.abs(got[i] - avg / (1 - d ** t)) < 1e-5, `${k}[${i}]`);
    }
  }
  // the last epoch was evaluated with the same (EMA) values that the final point uses
  assert.equal(r.history.at(-1)!.testLoss, r.points[0].loss);
  s.dispose();
  net.dispose();
});

Deno.test("train: operating points with fine-tuning evaluate a masked clone", async () => {
  const ds = separable(64, 6), net = new Network(mlp, { seed: 3 });
  const w = new Uint8Array(8 * 16).map((_, i) => i % 2);
  const keep = new Uint8Array(16).map((_, i) => i < 10 ? 1 : 0);
  const points: OperatingPoint[] = [
    {
      label: "a",
      target: 0.5,
      keep: new Map(),
      weights: new Map([["fc1.w", w]]),
      fineTuneEpochs: 0,
    },
    {
      label: "b",
      target: 0.5,
      keep: new Map([["fc1", keep]]),
      weights: new Map([["fc1.w", w]]),
      fineTuneEpochs: 2,
    },
  ];
  const r = await train(net, { ...denseMethod(), operatingPoints: () => points }, ds, {
    ...base,
    epochs: 1,
  });
  const [a, b] = r.points;
  assert.equal(a.network, net);
  assert.notEqual(b.network, net);
  assert.equal(b.fineTuneEpochs, 2);
  const fw = b.network.params.get("fc1.w")!.dataSync(),
    fb = b.network.params.get("fc1.b")!.dataSync();
  assert.ok(fw.every((x, i) => w[i] === 1 && keep[i % 16] === 1 || x === 0));
  assert.ok(fb.every((x, i) => keep[i] === 1 || x === 0));
  assert.ok(
    fw.some((x, i) => x !== net.params.get("fc1.w")!.dataSync()[i]),
    "fine-tuning changed weights",
  );
  assert.ok(net.params.get("fc1.w")!.dataSync().some((x) => x !== 0 && x !== undefined));
  disposePoints(r, net);
  net.dispose();
});

Deno.test("weight-decay groups: weights vs biases/BN vs method variables", () => {
  const net = new Network(convBn, { seed: 1 });
  const v = tf.tidy(() => tf.variable(tf.ones([4])));
  const w = resolveOptimizer({ kind: "sgd", lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
  const info = { step: 0, epoch: 0, stepsPerEpoch: 1, totalSteps: 1, epochs: 1 };
  const groups = [
    { name: "a", variables: new Map([["v", v]]), optimizer: null },
    { name: "b", variables: new Map([["v", v]]), optimizer: null, weightDecay: 1e-3 },
    {
      name: "c",
      variables: new Map([["v", v]]),
      optimizer: { kind: "adam" as const, lr: 1 },
      trainable: () => false,
    },
  ];
  const decay = (flag: boolean) =>
    Object.fromEntries(
      collectVariables(net, groups, w, flag, info).entries.map((
        e,
      ) => [e.key, e.config.weightDecay]),
    );
  assert.deepEqual(decay(false), {
    "conv1.w": 5e-4,
    "conv1.b": 0,
    "conv1.gamma": 0,
    "conv1.beta": 0,
    "fc.w": 5e-4,
    "fc.b": 0,
    "a/v": 0,
    "b/v": 1e-3,
  });
  assert.equal(decay(true)["conv1.gamma"], 5e-4);
  const a = collectVariables(net, groups, w, false, info).entries.find((e) => e.key === "a/v")!;
  assert.equal(a.config.kind, "sgd");
  assert.equal(a.config.momentum, 0.9);
  v.dispose();
  net.dispose();
});

Deno.test("train: invalid configs list every problem", async () => {
  const ds = separable(10, 1), net = new Network(mlp);
  const err = await train(net, denseMethod(), ds, {
    epochs: -1,
    batchSize: 0,
    optimizer: { kind: "adam", lr: -1 },
    ema: 2,
  })
    .then(() => null, (e) => e);
  assert.ok(err instanceof ConfigError);
  assert.equal(err.problems.length, 4);
  net.dispose();
});
