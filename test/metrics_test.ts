import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { initBackend } from "../src/runtime/backend.ts";
import { Network } from "../src/models/network.ts";
import { getArch } from "../src/models/registry.ts";
import { compact } from "../src/models/compact.ts";
import {
  archString,
  countMacs,
  countParams,
  latencyReport,
  layerCosts,
  measureLatencies,
  measureLatency,
  median,
  nonZeroWeightMasks,
  sizeReport,
} from "../src/metrics/mod.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";

await initBackend("cpu");

Deno.test("countMacs() follows the documented conventions on dense architectures", () => {
  assert.equal(countMacs(getArch("lenet-300-100")), 784 * 300 + 300 * 100 + 100 * 10);
  // conv1 24·24·500 + conv2 8·8·25,000 + fc1 800·500 + fc2 500·10
  assert.equal(countMacs(getArch("lenet-5-caffe")), 288_000 + 1_600_000 + 400_000 + 5_000);
  // conv1 28·28·150 + conv2 10·10·2,400 + 48,000 + 10,080 + 840
  assert.equal(countMacs(getArch("lenet-5")), 117_600 + 240_000 + 48_000 + 10_080 + 840);
  const stem = layerCosts(getArch("resnet-20"))[0];
  assert.deepEqual(stem, { layer: "stem", params: 432 + 32, macs: 32 * 32 * (432 + 16) });
  const net = new Network(getArch("lenet-5"));
  assert.deepEqual(layerCosts(net), layerCosts(getArch("lenet-5")));
  assert.equal(countParams(net), net.paramCount());
  assert.throws(() => countParams(getArch("lenet-5"), {}), TypeError);
  net.dispose();
});

Deno.test("countParams() and countMacs() exclude masked units and weights", () => {
  const net = new Network(getArch("lenet-300-100"));
  const fc1 = Uint8Array.from({ length: 300 }, (_, i) => (i < 100 ? 1 : 0));
  const keep = new Map([["fc1", fc1]]);
  // fc1: 784·100 + 100, fc2: 100·100 + 100, fc3: 1,010
  assert.equal(countParams(net, { keep }), 78_500 + 10_100 + 1_010);
  assert.equal(countMacs(net, { keep }), 78_400 + 10_000 + 1_000);
  const w = new Uint8Array(784 * 300).fill(1);
  w[0] = 0; // row 0, unit 0 (kept)
  w[150] = 0; // row 0, unit 150 (already pruned)
  assert.equal(
    countParams(net, { keep, weights: new Map([["fc1.w", w]]) }),
    78_500 + 10_100 + 1_010 - 1,
  );
  const pix = Uint8Array.from({ length: 784 }, (_, p) => (p < 219 ? 1 : 0));
  assert.equal(archString(net, new Map([["fc1.in", pix], ["fc1", fc1]])), "219-100-100");
  assert.equal(archString(net), "784-300-100");
  net.dispose();
});

Deno.test("archString() can count units made dead by overlapping groups", () => {
  const net = new Network(getArch("lenet-5-caffe"));
  const conv2 = Uint8Array.from({ length: 50 }, (_, c) => (c < 25 ? 1 : 0));
  const keep = new Map([["conv2", conv2]]);
  assert.equal(archString(net, keep), "20-25-800-500");
  assert.equal(archString(net, keep, { effective: true }), "20-25-400-500");
  net.dispose();
});

Deno.test("nonZeroWeightMasks() marks stored zeros", async () => {
  const net = new Network(getArch("lenet-300-100", 0.1));
  const v = net.params.get("fc2.w")!;
  tf.tidy(() => v.assign(tf.zerosLike(v)));
  await expectNoLeakedTensors(async () => {
    const m = await nonZeroWeightMasks(net);
    assert.equal(countParams(net, { weights: m }), countParams(net) - v.size);
  });
  net.dispose();
});

Deno.test("sizeReport() reports dense, masked and compact sizes", async () => {
  const net = new Network(getArch("lenet-5-caffe"), { seed: 1 });
  const half = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i % 2 ? 0 : 1));
  const keep = new Map([["conv1", half(20)], ["conv2", half(50)], ["fc1", half(500)]]);
  const w = new Uint8Array(net.params.get("fc2.w")!.size).fill(1).map((_, i) => (i % 10 ? 1 : 0));
  const weights = new Map([["fc2.w", w]]);
  await expectNoLeakedTensors(() => {
    const r = sizeReport(getArch("lenet-5-caffe"), net, { keep, weights });
    assert.equal(r.paramsDense, 431_080);
    assert.equal(r.archDense, "20-50-800-500");
    assert.equal(r.arch, "10-25-800-250");
    assert.equal(r.archCompact, "10-25-400-250");
    assert.equal(r.paramsCompact - r.paramsMasked, 250 * 10 / 10);
    assert.ok(r.macsMasked < r.macsCompact && r.macsCompact < r.macsDense);
    assert.equal(r.compressionRatio, r.paramsDense / r.paramsMasked);
    assert.equal(r.theoreticalSpeedup, r.macsDense / r.macsMasked);
    assert.deepEqual(sizeReport(net, net, { keep, weights }), r);
  });
  net.dispose();
});

Deno.test("measureLatency() and latencyReport() time warm batches", async () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  const net = new Network(getArch("lenet-300-100"), { seed: 1 });
  const small = compact(net, {
    keep: new Map([["fc1", Uint8Array.from({ length: 300 }, (_, i) => i % 2)]]),
  });
  await expectNoLeakedTensors(async () => {
    const l = await measureLatency(net, { batch: 8, repeats: 3, warmup: 1 });
    assert.equal(l.samplesMs.length, 3);
    assert.equal(l.backend, "cpu");
    assert.ok(l.medianMs > 0);
    const r = await latencyReport(net, small, { batch: 8, repeats: 3 });
    assert.equal(r.measuredSpeedup, r.latencyDenseMs / r.latencyCompactMs);
  });
  await assert.rejects(() => measureLatency(net, { repeats: 0 }), RangeError);
  small.dispose();
  net.dispose();
});

Deno.test("measureLatencies() warms every network up, then alternates them in each repeat", async () => {
  const calls: string[] = [];
  const stub = (name: string) =>
    ({
      arch: { inputShape: [3] },
      forward: (x: tf.Tensor) => {
        calls.push(name);
        return tf.mul(x, 2);
      },
    }) as unknown as Network;
  await expectNoLeakedTensors(async () => {
    const [a, b] = await measureLatencies([stub("a"), stub("b")], {
      batch: 2,
      repeats: 3,
      warmup: 2,
    });
    assert.deepEqual(calls, ["a", "b", "a", "b", "a", "b", "a", "b", "a", "b"]);
    assert.deepEqual([a.samplesMs.length, b.samplesMs.length], [3, 3]);
  });
});
