/**
 * Conditional computation during training for the gate methods (`l0-hc`, `diffprune`, `dam`):
 * removal through `ctx.removeUnits` keeps the loss of the remaining network, the penalty changes
 * by exactly the removed gates' terms, removed units never return, optimizer and EMA state shrink
 * with the network, the switch turns it off, and nothing leaks.
 */
import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { Network } from "../src/models/network.ts";
import type { Dataset } from "../src/data/mod.ts";
import type { PruningMethod } from "../src/methods/types.ts";
import { getMethod, resolveConfig } from "../src/methods/registry.ts";
import { LOG_ALPHA_MIN } from "../src/methods/_concrete.ts";
import {
  createMethodContext,
  disposePoints,
  taskLoss,
  train,
  type TrainConfig,
} from "../src/train/mod.ts";
import { Rng } from "../src/util/rng.ts";
import { GATED_MLP as MLP } from "./models_helpers.ts";

await tf.setBackend("cpu");
tf.enableProdMode();

function task(n: number): Dataset {
  const rng = new Rng(5);
  const split = (m: number) => {
    const x = new Float32Array(m * 6).map(() => rng.normal()), y = new Uint8Array(m);
    for (let i = 0; i < m; i++) y[i] = x[i * 6] > 0 ? 1 : x[i * 6 + 1] > 0 ? 2 : 0;
    return { x, y, n: m };
  };
  return {
    id: "t",
    label: "t",
    inputShape: [6],
    numClasses: 3,
    source: "test",
    train: split(n),
    test: split(40),
  };
}

/** Closed units of fc1 (forced at the start) per method, and how to force them. */
const CASES: Record<string, {
  hp: Record<string, unknown>;
  close: (m: PruningMethod) => void;
  closed: number[];
  deterministic: boolean;
}> = {
  "l0-hc": {
    hp: { removalPatience: 1, groups: ["fc1", "fc2"] },
    closed: [1, 3, 5],
    close: (m) => setVar(m, "fc1", [2, LOG_ALPHA_MIN, 2, LOG_ALPHA_MIN, 2, LOG_ALPHA_MIN, 2, 2]),
    deterministic: false,
  },
  diffprune: {
    hp: { groups: ["fc1", "fc2"], removalPatience: 1 },
    closed: [1, 3, 5],
    close: (m) => setVar(m, "fc1", [1, -5, 1, -5, 1, -5, 1, 1]),
    deterministic: true,
  },
  dam: {
    hp: { removalPatience: 1 },
    closed: [0, 1, 2, 3], // μ_i = 5i/8 ≤ 2 = −β
    close: (m) => setVar(m, "beta.fc1", [-2]),
    deterministic: true,
  },
};

function setVar(m: PruningMethod, key: string, values: number[]): void {
  const v = m.variableGroups()[0].variables.get(key)!;
  tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
}

function setup(id: string, cfg: TrainConfig, hp: Record<string, unknown>) {
  const ds = task(60);
  const net = new Network(MLP, { seed: 2 });
  const spec = getMethod(id);
  const { config, problems } = resolveConfig(spec, { ...CASES[id].hp, ...hp });
  assert.deepEqual(problems, []);
  const context = createMethodContext(net, ds, cfg, new Rng(4));
  return { ds, net, method: spec.create(context, config), context };
}

/** Task loss (eval or train mode) and penalty of the network on the test split. */
function losses(net: Network, m: PruningMethod, ds: Dataset): number[] {
  return tf.tidy(() => {
    const x = tf.tensor2d(ds.test.x as Float32Array, [ds.test.n, 6]);
    const y = tf.tensor1d(ds.test.y as Uint8Array, "int32");
    const out = (mode: "eval" | "train") =>
      taskLoss(
        net.forward(x, { ...m.forwardOptions(mode, ds.test.n), training: false }),
        y,
        3,
      ).dataSync()[0];
    return [out("eval"), out("train"), m.penalty()!.dataSync()[0]];
  });
}

for (const id of Object.keys(CASES)) {
  Deno.test(`${id}: removal during training keeps the loss of the remaining network`, async () => {
    const before = tf.memory().numTensors;
    const cfg: TrainConfig = { epochs: 1, batchSize: 20, optimizer: { kind: "adam", lr: 0 } };
    const { ds, net, method, context } = setup(id, cfg, {});
    CASES[id].close(method);
    let pre: number[] = [];
    let preLogs: Record<string, number> = {};
    const r = await train(net, { method, context }, ds, cfg, {
      onStep: (info) => {
        if (info.step !== 2) return; // last step
        pre = losses(net, method, ds);
        preLogs = method.logs();
      },
    });
    assert.equal(net.group("fc1").size, 8 - CASES[id].closed.length, "closed units removed");
    const post = losses(net, method, ds);
    assert.ok(Math.abs(post[0] - pre[0]) < 1e-6, `eval loss ${pre[0]} → ${post[0]}`);
    if (CASES[id].deterministic) {
      assert.ok(Math.abs(post[1] - pre[1]) < 1e-6, `train loss ${pre[1]} → ${post[1]}`);
    }
    if (id !== "dam") {
      // the gate logs count over the initial gates: a removed unit is a closed, binary gate
      const logs = method.logs();
      for (const k of ["kept_fraction", "binary_fraction"]) {
        assert.ok(Math.abs(logs[k] - preLogs[k]) < 1e-6, `${k} ${preLogs[k]} → ${logs[k]}`);
      }
    }
    if (id === "dam") assert.equal(post[2], pre[2], "DAM's penalty is on β only");
    else {
      // the penalty loses the removed gates' terms: λ/N·|g|·P(z≠0) each, with the initial |g|
      const v = id === "l0-hc" ? LOG_ALPHA_MIN : -5;
      const prob = id === "l0-hc"
        ? 1 / (1 + Math.exp(-(v - (2 / 3) * Math.log(0.1 / 1.1))))
        : 1 / (1 + Math.exp(-(v + (0.05 * Math.log(11))) / 0.05));
      const removed = 3 * 5 * 0.1 / 60 * prob; // 3 units, |g| = fan-out 5, λ = 0.1/N
      assert.ok(
        Math.abs(pre[2] - post[2] - removed) < 1e-6,
        `penalty ${pre[2]} → ${post[2]}, removed terms ${removed}`,
      );
    }
    disposePoints(r, net);
    method.dispose();
    net.dispose();
    assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  });

  Deno.test(`${id}: removed units never return; optimizer and EMA state shrink; switch off`, async () => {
    const before = tf.memory().numTensors;
    for (const removal of [true, false]) {
      const cfg: TrainConfig = {
        epochs: 3,
        batchSize: 20,
        optimizer: { kind: "adam", lr: 1e-2 },
        ema: 0.9,
      };
      const { ds, net, method, context } = setup(id, cfg, { removeDuringTraining: removal });
      CASES[id].close(method);
      const r = await train(net, { method, context }, ds, cfg); // the engine throws if any state keeps its shape
      const widths = r.history.map((h) => h.widths.fc1);
      if (removal) {
        assert.ok(widths[0] <= 8 - CASES[id].closed.length, `widths ${widths}`);
        assert.ok(widths.every((w, i) => i === 0 || w <= widths[i - 1]), `widths ${widths}`);
        assert.ok(r.trainMacs < r.trainMacsDense);
        for (const g of method.variableGroups()) {
          for (const [k, v] of g.variables) {
            const group = k.replace(/^beta\./, "");
            if (v.rank === 1 && v.size > 1) assert.equal(v.shape[0], net.group(group).size, k);
          }
        }
      } else {
        assert.deepEqual(widths, [8, 8, 8]);
        assert.equal(r.trainMacs, r.trainMacsDense);
      }
      disposePoints(r, net);
      method.dispose();
      net.dispose();
    }
    assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  });
}

Deno.test("removal waits for removalPatience consecutive epoch ends", async () => {
  const before = tf.memory().numTensors;
  for (const id of Object.keys(CASES)) {
    for (const epochs of [1, 2]) {
      const cfg: TrainConfig = { epochs, batchSize: 20, optimizer: { kind: "adam", lr: 0 } };
      const { ds, net, method, context } = setup(id, cfg, { removalPatience: 2 });
      CASES[id].close(method);
      const r = await train(net, { method, context }, ds, cfg);
      const want = epochs === 1 ? 8 : 8 - CASES[id].closed.length;
      assert.equal(net.group("fc1").size, want, `${id}, ${epochs} epochs`);
      disposePoints(r, net);
      method.dispose();
      net.dispose();
    }
  }
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
});
