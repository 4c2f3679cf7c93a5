import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { join } from "node:path";
import { initBackend } from "../src/runtime/backend.ts";
import { Network } from "../src/models/network.ts";
import { getArch } from "../src/models/registry.ts";
import {
  exportModel,
  loadExportedModel,
  type MasksJson,
  WEIGHTS_FILE,
} from "../src/models/export.ts";
import { countParams } from "../src/metrics/counts.ts";
import { compact } from "../src/models/compact.ts";
import { expectNoLeakedTensors } from "../src/util/leaks.ts";
import {
  gatedForward,
  inputBatch,
  maxAbsDiff,
  randomizeStats,
  randomPrune,
} from "./models_helpers.ts";

await initBackend("cpu");

const CASES: [string, number][] = [
  ["lenet-300-100", 1],
  ["lenet-5-caffe", 1],
  ["lenet-5", 1],
  ["vgg16-cifar", 0.25],
  ["resnet-20", 0.5],
];

Deno.test("exportModel() writes a LayersModel that tf.loadLayersModel reloads with equal predictions", async (t) => {
  for (const [id, w] of CASES) {
    await t.step(`${id} at width ${w}`, async () => {
      const net = new Network(getArch(id, w), { seed: 4 });
      randomizeStats(net, 5);
      const pr = randomPrune(net, 6);
      const x = inputBatch(net, id.startsWith("lenet") ? 8 : 2);
      const dir = await Deno.makeTempDir({ prefix: "prunebench-export-" });
      try {
        await expectNoLeakedTensors(async () => {
          const r = await exportModel(net, dir, pr);
          assert.equal((await Deno.stat(join(dir, WEIGHTS_FILE))).size, r.weightsBytes);
          assert.equal((await Deno.stat(r.modelJson)).size, r.modelJsonBytes);
          assert.equal(r.totalBytes, r.weightsBytes + r.modelJsonBytes);
          const model = await loadExportedModel(dir);
          const a = tf.tidy(() => gatedForward(net, x, pr));
          const b = tf.tidy(() => model.predict(x) as tf.Tensor);
          const diff = await maxAbsDiff(a, b);
          assert.ok(diff <= 1e-4, `${id}: max |Δ| ${diff}`);
          // weights = compact params, plus zero rows where an input selection was expanded
          const small = compact(net, pr);
          const expanded = [...small.inputSelection.keys()].length > 0;
          assert.ok(expanded ? r.weightsBytes > 4 * countParams(small) : true);
          const bnBuffers = [...small.buffers.values()].reduce((s, v) => s + v.size, 0);
          if (!expanded) assert.equal(r.weightsBytes, 4 * (countParams(small) + bnBuffers));
          assert.deepEqual(r.widths, small.widths());
          small.dispose();
          model.dispose();
          tf.dispose([a, b]);
        });
        const masks = JSON.parse(await Deno.readTextFile(join(dir, "masks.json"))) as MasksJson;
        assert.equal(masks.arch, id);
        for (const g of net.groups) {
          assert.equal(masks.groups[g.id].size, g.size);
          assert.ok(masks.groups[g.id].kept.every((u) => pr.keep.get(g.id)![u] === 1), g.id);
        }
        const l0 = net.layers[0].weight;
        assert.equal(masks.weights[l0].kept, pr.weights.get(l0)!.reduce((s, v) => s + v, 0));
      } finally {
        x.dispose();
        net.dispose();
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
});

Deno.test("exportModel() expands an input selection back to the full input with zero rows", async () => {
  const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
  const keepIn = Uint8Array.from({ length: 784 }, (_, p) => (p % 4 === 0 ? 1 : 0));
  const dir = await Deno.makeTempDir({ prefix: "prunebench-export-" });
  const r = await exportModel(net, dir, { keep: new Map([["fc1.in", keepIn]]) });
  assert.deepEqual(r.widths, [196, 30, 10]);
  const json = JSON.parse(await Deno.readTextFile(r.modelJson));
  const spec = json.weightsManifest[0].weights.find((s: { name: string }) =>
    s.name.startsWith("fc1/kernel")
  );
  assert.deepEqual(spec.shape, [784, 30]);
  const model = await loadExportedModel(dir);
  const k = model.getLayer("fc1").getWeights()[0];
  const rows = tf.tidy(() => tf.sum(tf.abs(k), 1));
  const v = await rows.data();
  assert.ok(v.every((s, p) => (p % 4 === 0) === (s > 0)));
  tf.dispose(rows);
  model.dispose();
  net.dispose();
  await Deno.remove(dir, { recursive: true });
});
