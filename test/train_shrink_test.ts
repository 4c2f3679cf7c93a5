import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { Network } from "../src/models/network.ts";
import { keptIndices, type RemovalPlan } from "../src/models/groups.ts";
import type { ArchSpec } from "../src/models/spec.ts";
import type { Dataset } from "../src/data/mod.ts";
import type {
  MethodContext,
  MethodSpec,
  OptimizerConfig,
  PruningMethod,
} from "../src/methods/types.ts";
import {
  createMethodContext,
  train,
  type TrainConfig,
  type TrainResult,
} from "../src/train/mod.ts";
import { Rng } from "../src/util/rng.ts";
import { GATED_MLP as MLP } from "./models_helpers.ts";

await tf.setBackend("cpu");
tf.enableProdMode();

function task(dim: number, n: number): Dataset {
  const rng = new Rng(11);
  const split = (m: number) => {
    const x = new Float32Array(m * dim).map(() => rng.normal()), y = new Uint8Array(m);
    for (let i = 0; i < m; i++) {
      y[i] = x[i * dim] + x[i * dim + 1] > 0 ? 1 : x[i * dim + 2] > 0 ? 2 : 0;
    }
    return { x, y, n: m };
  };
  return {
    id: "t",
    label: "t",
    inputShape: [dim],
    numClasses: 3,
    source: "test",
    train: split(n),
    test: split(50),
  };
}

const CONV: ArchSpec = {
  id: "conv",
  inputShape: [3, 2, 1],
  numClasses: 3,
  layers: [
    {
      type: "conv2d",
      name: "fc1",
      filters: 8,
      kernel: 3,
      padding: "same",
      batchNorm: true,
      activation: "relu",
      gated: true,
    },
    { type: "flatten" },
    { type: "dense", name: "fc2", units: 3, activation: "none" },
  ],
};

const MASK = Uint8Array.from([1, 0, 1, 1, 0, 0, 1, 1]);

/**
 * Gates group `fc1` with a fixed 0/1 mask times a trainable per-unit scale; with `removeAt`, it
 * removes the gated-off units for good after that step.
 */
function fixedGate(
  ctx: MethodContext,
  removeAt: number | null,
): PruningMethod & { scale(): tf.Variable } {
  let mask = tf.tensor1d(MASK, "float32");
  let scale = tf.tidy(() => tf.variable(tf.ones([MASK.length]), true, undefined));
  const opt: OptimizerConfig = { kind: "sgd", lr: 0.05, momentum: 0.5 };
  return {
    id: "fixed-gate",
    scale: () => scale,
    variableGroups: () => [{
      name: "gate",
      variables: new Map([["scale", scale]]),
      optimizer: opt,
      layout: new Map([["scale", { group: "fc1" }]]),
    }],
    forwardOptions: () => ({ gate: (id) => id === "fc1" ? tf.mul(mask, scale) : null }),
    penalty: () => tf.mul(tf.sum(tf.mul(mask, tf.square(scale))), 1e-2),
    afterStep(info) {
      if (info.step === removeAt) ctx.removeUnits("fc1", keptIndices(MASK));
    },
    onUnitsRemoved(plan: RemovalPlan) {
      const kept = plan.kept.get("fc1")!;
      const [m, s] = tf.tidy(() => [tf.gather(mask, kept), tf.variable(tf.gather(scale, kept))]);
      mask.dispose();
      scale.dispose();
      [mask, scale] = [m, s as tf.Variable];
    },
    keepMasks: () =>
      new Map([["fc1", removeAt === null ? MASK : new Uint8Array(mask.size).fill(1)]]),
    logs: () => ({}),
    dispose: () => tf.dispose([mask, scale]),
  };
}

async function run(arch: ArchSpec, optimizer: OptimizerConfig, removeAt: number | null) {
  const ds = { ...task(6, 48), inputShape: arch.inputShape };
  const net = new Network(arch, { seed: 4 });
  const config: TrainConfig = { epochs: 2, batchSize: 16, optimizer, ema: 0.9, seed: 2 };
  const context = createMethodContext(net, ds, config, new Rng(1));
  const method = fixedGate(context, removeAt);
  const losses: number[] = [];
  const result: TrainResult = await train(net, { method, context }, ds, config, {
    onStep: (_, v) => void losses.push(v.loss + v.penalty),
  });
  const params = new Map([...net.params].map(([k, v]) => [k, v]));
  return { net, method, losses, result, params };
}

const optimizers: OptimizerConfig[] = [
  { kind: "adam", lr: 0.01, weightDecay: 1e-3 },
  { kind: "sgd", lr: 0.05, momentum: 0.9, weightDecay: 1e-3 },
];

for (const arch of [MLP, CONV]) {
  for (const optimizer of optimizers) {
    Deno.test(`removing gated-off units mid-training changes no loss or update (${arch.id}, ${optimizer.kind})`, async () => {
      const before = tf.memory().numTensors;
      const a = await run(arch, optimizer, null);
      const b = await run(arch, optimizer, 2);
      assert.equal(b.net.group("fc1").size, 5);
      assert.equal(a.losses.length, b.losses.length);
      a.losses.forEach((l, i) =>
        assert.ok(Math.abs(l - b.losses[i]) < 1e-5, `step ${i}: ${l} vs ${b.losses[i]}`)
      );
      // surviving parameters (EMA values, loaded at the end) equal the full run's, gathered
      const kept = Int32Array.from(keptIndices(MASK));
      const full = new Network(arch, { seed: 4 });
      const plan = full.removeUnits("fc1", kept); // just to get the gathers of this architecture
      full.dispose();
      for (const [name, v] of b.net.params) {
        const ops = plan.ops.filter((op) => op.param === name);
        const want = tf.tidy(() =>
          ops.reduce((t: tf.Tensor, op) => tf.gather(t, op.indices, op.axis), a.params.get(name)!)
        );
        assert.deepEqual(v.shape, want.shape, name);
        const got = v.dataSync(), exp = want.dataSync();
        for (let i = 0; i < got.length; i++) {
          assert.ok(Math.abs(got[i] - exp[i]) < 1e-5, `${name}[${i}]: ${got[i]} vs ${exp[i]}`);
        }
        want.dispose();
      }
      const sa = tf.tidy(() => tf.gather(a.method.scale(), kept));
      assert.deepEqual(
        [...b.method.scale().dataSync()].map((x) => x.toFixed(5)),
        [...sa.dataSync()].map((x) => x.toFixed(5)),
      );
      sa.dispose();
      // training compute follows the shrunk network; the dense equivalent does not
      assert.ok(b.result.trainMacs < a.result.trainMacs);
      assert.equal(b.result.trainMacsDense, a.result.trainMacsDense);
      assert.equal(b.result.history.at(-1)!.widths.fc1, 5);
      assert.ok(Math.abs(a.result.points[0].loss - b.result.points[0].loss) < 1e-5);
      for (const r of [a, b]) {
        r.method.dispose();
        r.net.dispose();
      }
      assert.equal(tf.memory().numTensors, before);
    });
  }
}

Deno.test("removeUnits outside training is refused, and undeclared shape changes are reported", async () => {
  const ds = task(6, 16), net = new Network(MLP, { seed: 1 });
  const config: TrainConfig = { epochs: 1, batchSize: 16, optimizer: { kind: "adam", lr: 0.01 } };
  const ctx = createMethodContext(net, ds, config, new Rng(1));
  assert.throws(() => ctx.removeUnits("fc1", [0, 1]), /only while train\(\) runs/);
  const m = fixedGate(ctx, 0);
  const noLayout = {
    ...m,
    variableGroups: () => m.variableGroups().map((g) => ({ ...g, layout: undefined })),
  };
  await assert.rejects(
    () => train(net, { method: noLayout, context: ctx }, ds, config),
    /declare how it shrinks in VariableGroup.layout/,
  );
  m.dispose();
  net.dispose();
});

Deno.test("a caller-made context removes units only in the run it is given to", async () => {
  const before = tf.memory().numTensors;
  const ds = task(6, 32), net = new Network(MLP, { seed: 1 });
  const config: TrainConfig = { epochs: 1, batchSize: 16, optimizer: { kind: "adam", lr: 0.01 } };
  const context = createMethodContext(net, ds, config, new Rng(1));
  const fix = /train\(net, \{ method, context \}, dataset, config\).*\{ spec, config, rng \}/;
  assert.throws(() => context.removeUnits("fc1", [0, 1]), fix);
  // the method alone: train cannot reach its context, so its removal refuses, naming the fix
  const alone = fixedGate(context, 0);
  await assert.rejects(() => train(net, alone, ds, config), fix);
  alone.dispose();
  assert.equal(net.group("fc1").size, 8);
  // with its context: removal shrinks the network, and the slot is emptied afterwards
  const method = fixedGate(context, 0);
  const other = new Network(MLP, { seed: 1 });
  await assert.rejects(() => train(other, { method, context }, ds, config), /another network/);
  other.dispose();
  const first = train(net, { method, context }, ds, config);
  await assert.rejects(() => train(net, { method, context }, ds, config), /another training run/);
  const r = await first;
  assert.equal(net.group("fc1").size, 5);
  assert.equal(r.history[0].widths.fc1, 5);
  assert.equal(context.removal.remove, null);
  assert.throws(() => context.removeUnits("fc1", [0]), fix);
  method.dispose();
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("train() creates a method from its recipe with a context that removes units", async () => {
  const before = tf.memory().numTensors;
  const ds = task(6, 32), net = new Network(MLP, { seed: 1 });
  const config: TrainConfig = { epochs: 1, batchSize: 16, optimizer: { kind: "adam", lr: 0.01 } };
  const spec: MethodSpec<{ removeAt: number }> = {
    id: "fixed-gate",
    summary: "fixed gates on fc1, removed at a step",
    citation: "test",
    granularities: ["unit"],
    defaults: { removeAt: 0 },
    docs: { removeAt: "step after which the gated-off units go" },
    create: (ctx, c) => fixedGate(ctx, c.removeAt),
  };
  const { method, ...r } = await train(
    net,
    { spec, config: { removeAt: 1 }, rng: new Rng(1) },
    ds,
    config,
  );
  assert.equal(net.group("fc1").size, 5);
  assert.equal(r.history[0].widths.fc1, 5);
  method.dispose();
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
});
