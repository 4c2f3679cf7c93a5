/**
 * Baselines: one-shot magnitude pruning hits the exact target and its threshold separates kept
 * from pruned (global/layer-wise, unstructured/structured); gmp follows the cubic schedule with
 * binary, nested masks and re-zeroed weights; random is seeded. CPU backend, seconds.
 */
import * as tf from "../src/deps/tfjs.ts";
import assert from "node:assert/strict";
import { initBackend } from "../src/runtime/backend.ts";
import { Network } from "../src/models/network.ts";
import { getArch } from "../src/models/registry.ts";
import { Rng } from "../src/util/rng.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";
import type { MethodContext, StepInfo } from "../src/methods/types.ts";
import {
  magnitude,
  type MagnitudeConfig,
  magnitudeMasks,
  magnitudeScores,
} from "../src/methods/magnitude.ts";
import { gmp, type GmpConfig, gmpSparsity, isGmpUpdate } from "../src/methods/gmp.ts";
import { random } from "../src/methods/random.ts";
import { pruneLowest } from "../src/methods/_masks.ts";

await initBackend("cpu");

function ctxFor(net: Network, seed = 1): MethodContext {
  return {
    net,
    rng: new Rng(seed),
    trainSize: 1000,
    epochs: 4,
    stepsPerEpoch: 25,
    removeUnits: () => {
      throw new Error("not used");
    },
  };
}
const info = (s: number, totalSteps = 100): StepInfo => ({
  step: s,
  epoch: 0,
  stepsPerEpoch: 25,
  totalSteps,
  epochs: 4,
});
const zeros = (m: Uint8Array) => m.length - m.reduce((a, b) => a + b, 0);

Deno.test("pruneLowest: exact counts with ties, keepOne reserves the best entry", () => {
  const ties = [[1, 1, 1, 1], [1, 1]];
  const g = pruneLowest(ties, 0.5, "global");
  assert.deepEqual(g.pruned, [3, 0]);
  const l = pruneLowest(ties, 0.5, "layer");
  assert.deepEqual(l.pruned, [2, 1]);
  const k = pruneLowest([[0.1, 0.2], [5, 6, 7]], 0.99, "global", true);
  assert.deepEqual(k.masks.map((m) => m.join("")), ["01", "001"]);
});

for (const arch of ["lenet-300-100", "lenet-5-caffe"] as const) {
  for (const granularity of ["weight", "unit"] as const) {
    for (const scope of ["global", "layer"] as const) {
      Deno.test(`magnitude: ${arch} ${granularity} ${scope}: exact target, threshold separates kept from pruned`, () => {
        const net = new Network(getArch(arch, 0.3), { seed: 2 });
        const c: MagnitudeConfig = { ...magnitude.defaults, granularity, scope };
        const scores = magnitudeScores(net, c);
        for (const target of c.targets) {
          const m = magnitudeMasks(net, c, target, scores);
          const masks = granularity === "weight" ? m.weights : m.keep;
          assert.equal(granularity === "weight" ? m.keep.size : m.weights.size, 0);
          const pools = scope === "global"
            ? [[...masks.keys()]]
            : [...masks.keys()].map((k) => [k]);
          for (const pool of pools) {
            let n = 0, pruned = 0, maxPruned = -Infinity, minKept = Infinity;
            for (const k of pool) {
              const mask = masks.get(k)!, s = scores.get(k)!;
              assert.ok(mask.every((b) => b === 0 || b === 1));
              n += mask.length;
              pruned += zeros(mask);
              for (let i = 0; i < mask.length; i++) {
                const reserved = granularity === "unit" && zeros(mask) === mask.length - 1; // keepOne
                if (mask[i] && !reserved) minKept = Math.min(minKept, s[i]);
                else maxPruned = Math.max(maxPruned, s[i]);
              }
              if (granularity === "unit") {
                assert.ok(zeros(mask) < mask.length, "a group kept no unit");
              }
            }
            const want = Math.round(target * n);
            // structured: one unit per group is reserved, so tiny layers may cap the count
            if (granularity === "weight") assert.equal(pruned, want, `${pool} at ${target}`);
            else {assert.ok(
                pruned <= want && pruned >= Math.min(want, n - pool.length),
                `${pool} at ${target}`,
              );}
            if (granularity === "weight" || pruned === want) {
              assert.ok(maxPruned <= minKept, `threshold at ${target}`);
            }
          }
        }
        net.dispose();
      });
    }
  }
}

Deno.test("magnitude: classifier excluded on request; one operating point per target; no leaks", async () => {
  const net = new Network(getArch("lenet-300-100", 0.3), { seed: 2 });
  const noCls = magnitudeMasks(net, { ...magnitude.defaults, includeClassifier: false }, 0.9);
  assert.deepEqual([...noCls.weights.keys()], ["fc1.w", "fc2.w"]);
  const m = magnitude.create(ctxFor(net), { ...magnitude.defaults, fineTuneEpochs: 2 });
  await expectNoLeakedTensors(() => {
    const points = m.operatingPoints!();
    assert.deepEqual(points.map((p) => p.target), magnitude.defaults.targets);
    assert.ok(points.every((p) => p.fineTuneEpochs === 2 && p.weights.size === 3));
    assert.deepEqual(m.weightMasks!().get("fc1.w"), points[4].weights.get("fc1.w"));
  });
  net.dispose();
});

Deno.test("gmp: cubic schedule s_t = s_f + (s_i − s_f)(1 − (t − t0)/(nΔt))³", () => {
  const c: GmpConfig = {
    ...gmp.defaults,
    initialSparsity: 0.1,
    finalSparsity: 0.9,
    begin: 0.2,
    end: 0.8,
    frequency: 10,
  };
  const s = (t: number) => 0.9 - 0.8 * Math.pow(1 - (t - 20) / 60, 3);
  assert.equal(gmpSparsity(19, 100, c), 0);
  assert.ok(Math.abs(gmpSparsity(20, 100, c) - 0.1) < 1e-12);
  assert.equal(gmpSparsity(35, 100, c), s(30));
  assert.equal(gmpSparsity(50, 100, c), s(50));
  assert.equal(gmpSparsity(80, 100, c), 0.9);
  assert.equal(gmpSparsity(100, 100, c), 0.9);
  assert.deepEqual([19, 20, 25, 30, 80, 90].map((t) => isGmpUpdate(t, 100, c)), [
    false,
    true,
    false,
    true,
    true,
    false,
  ]);
});

for (const spec of [gmp, random]) {
  Deno.test(`${spec.id}: masks follow the schedule, are binary and nested; masked weights stay zero`, async () => {
    const net = new Network(getArch("lenet-300-100", 0.2), { seed: 3 });
    const c: GmpConfig = { ...spec.defaults, begin: 0.1, end: 0.7, frequency: 10 };
    const m = spec.create(ctxFor(net), c);
    let prev: Map<string, Uint8Array> = m.weightMasks!();
    for (let step = 0; step < 100; step++) {
      // a fake optimizer step that moves every weight
      for (const v of net.params.values()) tf.tidy(() => v.assign(tf.add(v, 0.01)));
      m.afterStep!(info(step));
      const masks = m.weightMasks!();
      const target = gmpSparsity(step + 1, 100, c);
      for (const [name, mask] of masks) {
        assert.ok(mask.every((b) => b === 0 || b === 1));
        assert.equal(
          zeros(mask),
          Math.round(target * mask.length),
          `${name} after step ${step + 1}`,
        );
        const before = prev.get(name)!;
        assert.ok(mask.every((b, i) => b <= before[i]), "a pruned weight came back");
        const w = net.params.get(name)!.dataSync();
        assert.ok(mask.every((b, i) => b === 1 || w[i] === 0), "masked weight not re-zeroed");
      }
      prev = masks;
    }
    assert.equal(m.logs().target_sparsity, 0.9);
    const x = tf.ones([2, 28, 28, 1]);
    await expectNoLeakedTensors(() =>
      tf.tidy(() => void net.forward(x, m.forwardOptions("train")))
    );
    x.dispose();
    m.dispose();
    net.dispose();
  });
}

Deno.test("random: same seed, same masks; another seed, other masks", () => {
  const run = (seed: number) => {
    const net = new Network(getArch("lenet-300-100", 0.2), { seed: 3 });
    const m = random.create(ctxFor(net, seed), {
      ...random.defaults,
      begin: 0,
      end: 0.01,
      frequency: 1,
    });
    m.afterStep!(info(0));
    const out = m.weightMasks!().get("fc1.w")!;
    m.dispose();
    net.dispose();
    return out;
  };
  assert.deepEqual(run(1), run(1));
  assert.notDeepEqual(run(1), run(2));
});
