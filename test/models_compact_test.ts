import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { initBackend } from "../src/runtime/backend.ts";
import { Network } from "../src/models/network.ts";
import { getArch } from "../src/models/registry.ts";
import { compact, compactWithIndices } from "../src/models/compact.ts";
import { effectiveKeep } from "../src/models/masks.ts";
import { countMacs, countParams } from "../src/metrics/counts.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";
import {
  gatedForward,
  inputBatch,
  maxAbsDiff,
  randomizeStats,
  randomPrune,
} from "./models_helpers.ts";

await initBackend("cpu");

/** Architectures and widths small enough for the cpu backend. */
const CASES: [string, number][] = [
  ["lenet-300-100", 1],
  ["lenet-5-caffe", 1],
  ["lenet-5", 1],
  ["vgg16-cifar", 0.25],
  ["resnet-20", 0.5],
  ["resnet-56", 0.25],
];

Deno.test("compact() reproduces the gated, masked eval logits of every architecture", async (t) => {
  for (const [id, w] of CASES) {
    await t.step(`${id} at width ${w}`, async () => {
      const net = new Network(getArch(id, w), { seed: 1 });
      randomizeStats(net, 2);
      const pr = randomPrune(net, 5);
      const x = inputBatch(net, id.startsWith("lenet") ? 16 : 2);
      await expectNoLeakedTensors(async () => {
        const { net: small, kept } = compactWithIndices(net, pr);
        const a = tf.tidy(() => gatedForward(net, x, pr));
        const b = tf.tidy(() => small.forward(x));
        const m = tf.tidy(() => tf.max(tf.abs(a)));
        const scale = (await m.data())[0];
        m.dispose();
        const diff = await maxAbsDiff(a, b);
        assert.ok(
          diff <= 1e-4 && diff <= 1e-4 * scale,
          `${id}: max |Δ| ${diff} (max |logit| ${scale})`,
        );
        assert.ok(scale > 1e-3, `${id}: logits too small to be a meaningful check (${scale})`);
        const eff = effectiveKeep(net, pr.keep);
        for (const g of net.groups) {
          const want = [...eff.get(g.id)!.keys()].filter((u) => eff.get(g.id)![u]);
          assert.deepEqual([...kept.get(g.id)!], want, g.id);
        }
        assert.equal(countParams(small), countParams(net, { keep: pr.keep }));
        assert.equal(countMacs(small), countMacs(net, { keep: pr.keep }));
        assert.equal(net.widths().length, small.widths().length);
        tf.dispose([a, b]);
        small.dispose();
      });
      x.dispose();
      net.dispose();
    });
  }
});

Deno.test("compact() translates later masks through earlier removals (conv2 → fc1.in)", () => {
  const net = new Network(getArch("lenet-5-caffe"), { seed: 3 });
  const conv2 = new Uint8Array(50).fill(1);
  conv2[0] = conv2[49] = 0;
  const fc1in = new Uint8Array(800).fill(1);
  for (let p = 0; p < 800; p += 7) fc1in[p] = 0;
  for (let p = 1; p < 800; p += 50) fc1in[p] = 0; // every position of filter 1: dead filter
  const { net: small, kept } = compactWithIndices(net, {
    keep: new Map([["conv2", conv2], ["fc1.in", fc1in]]),
  });
  assert.deepEqual([...kept.get("conv2")!].slice(0, 3), [2, 3, 4]);
  assert.equal(small.group("conv2").size, 47);
  const rows = kept.get("fc1.in")!;
  assert.ok(rows.every((p) => p % 7 !== 0 && ![0, 1, 49].includes(p % 50)));
  assert.equal(rows.length, small.group("fc1.in").size);
  assert.equal(small.params.get("fc1.w")!.shape[0], rows.length);
  small.dispose();
  net.dispose();
});

Deno.test("compact() rejects bad masks, negative gates and layer collapse", () => {
  const net = new Network(getArch("lenet-300-100"), { seed: 1 });
  assert.throws(() => compact(net, { keep: new Map([["fc9", new Uint8Array(3)]]) }), RangeError);
  assert.throws(
    () => compact(net, { keep: new Map([["fc1", new Uint8Array(3)]]) }),
    /expected length 300/,
  );
  assert.throws(
    () => compact(net, { weights: new Map([["fc1.w", new Uint8Array(3)]]) }),
    /expected length/,
  );
  assert.throws(
    () => compact(net, { gates: new Map([["fc2", new Float32Array(100).fill(-1)]]) }),
    /≥ 0/,
  );
  assert.throws(
    () => compact(net, { keep: new Map([["fc2", new Uint8Array(100)]]) }),
    /layer collapse/,
  );
  const small = compact(net);
  assert.deepEqual(small.widths(), net.widths());
  small.dispose();
  net.dispose();
});
