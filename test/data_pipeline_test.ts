import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { gunzipSync } from "node:zlib";
import { Rng } from "../src/util/rng.ts";
import {
  assembleInputs,
  batches,
  type Dataset,
  DATASET_IDS,
  listDatasets,
  loadDataset,
  lowRankTask,
  parseIdxPair,
  splitValidation,
  teacherTask,
} from "../src/data/mod.ts";
import { fixture, fixtureName } from "./data/helpers.ts";

await tf.setBackend("cpu");

function mnistFixture(): Dataset {
  const split = parseIdxPair(
    gunzipSync(fixture(fixtureName("mnist", "images"))),
    gunzipSync(fixture(fixtureName("mnist", "labels"))),
    { images: "i", labels: "l" },
    { count: 100, height: 28, width: 28, numClasses: 10 },
  );
  return {
    id: "mnist",
    label: "MNIST",
    inputShape: [28, 28, 1],
    numClasses: 10,
    train: split,
    test: split,
    source: "fixture",
    normalization: { mean: [0.1307], std: [0.3081] },
  };
}

/** A fake CIFAR-like dataset of n random 32x32x3 images. */
function fakeCifar(n: number): Dataset {
  const rng = new Rng(5);
  const x = new Uint8Array(n * 3072).map(() => rng.int(256));
  const y = new Uint8Array(n).map((_, i) => i % 10);
  return {
    id: "fake",
    label: "fake",
    inputShape: [32, 32, 3],
    numClasses: 10,
    train: { x, y, n },
    test: { x, y, n },
    source: "test",
    normalization: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] },
  };
}

function collect(ds: Dataset, opts: Parameters<typeof batches>[2]) {
  const out: Array<
    { x: Float32Array; y: Int32Array | Float32Array; shape: number[]; size: number }
  > = [];
  for (const b of batches(ds.train, ds, opts)) {
    out.push({
      x: b.x.dataSync() as Float32Array,
      y: b.y.dataSync() as Int32Array,
      shape: b.x.shape,
      size: b.size,
    });
    tf.dispose([b.x, b.y]);
  }
  return out;
}

Deno.test("batches: float32 in [0, 1], int32 labels, shapes, flatten, no leaked tensors", () => {
  const ds = mnistFixture();
  const before = tf.memory().numTensors;
  const bs = collect(ds, { batchSize: 32 });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(bs.map((b) => b.size), [32, 32, 32, 4]);
  assert.deepEqual(bs[0].shape, [32, 28, 28, 1]);
  assert.deepEqual(Array.from(bs[0].y.subarray(0, 8)), [7, 2, 1, 0, 4, 1, 4, 9]);
  assert.equal(bs[0].x[202], Math.fround(ds.train.x[202] / 255));
  assert.ok(ds.train.x[202] > 0);
  assert.ok(bs[0].x.every((v) => v >= 0 && v <= 1));
  const flat = collect(ds, { batchSize: 100, flatten: true });
  assert.deepEqual(flat[0].shape, [100, 784]);
});

Deno.test("batches: last-batch policy keep/drop", () => {
  const ds = mnistFixture();
  assert.deepEqual(collect(ds, { batchSize: 30, lastBatch: "keep" }).map((b) => b.size), [
    30,
    30,
    30,
    10,
  ]);
  assert.deepEqual(collect(ds, { batchSize: 30, lastBatch: "drop" }).map((b) => b.size), [
    30,
    30,
    30,
  ]);
  assert.throws(() => collect(ds, { batchSize: 0 }), RangeError);
});

Deno.test("batches: normalisation applies (x/255 - mean) / std per channel", () => {
  const ds = fakeCifar(3);
  const [b] = collect(ds, { batchSize: 3, normalize: true });
  for (const i of [0, 1, 2, 3000, 9215]) {
    const c = i % 3;
    const want = (ds.train.x[i] / 255 - ds.normalization!.mean[c]) / ds.normalization!.std[c];
    assert.ok(Math.abs(b.x[i] - want) < 1e-6);
  }
});

Deno.test("batches: same seed and epoch give the same order; epochs differ", () => {
  const ds = mnistFixture();
  const order = (seed: number, epoch: number) =>
    collect(ds, { batchSize: 100, shuffle: true, seed, epoch })[0].y.join(",");
  assert.equal(order(1, 0), order(1, 0));
  assert.notEqual(order(1, 0), order(1, 1));
  assert.notEqual(order(1, 0), order(2, 0));
  const sorted = (s: string) => s.split(",").map(Number).sort((a, b) => a - b).join(",");
  assert.equal(sorted(order(1, 0)), sorted(Array.from(ds.train.y).join(",")));
});

Deno.test("augmentation: crop-flip is reproducible from the seed and is a shifted/flipped copy", () => {
  const ds = fakeCifar(64);
  const run = (seed: number) => collect(ds, { batchSize: 64, seed, augment: "crop-flip" })[0].x;
  const a = run(3), b = run(3), c = run(4);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // Re-derive each image from the same draws: shift (dy, dx) in [-4, 4], flip, zero padding.
  const rng = new Rng(3, 2_000_000);
  let identical = 0;
  for (let i = 0; i < 64; i++) {
    const dy = rng.int(9) - 4, dx = rng.int(9) - 4, flip = rng.next() < 0.5;
    if (dy === 0 && dx === 0 && !flip) identical++;
    for (const [y, x, ch] of [[0, 0, 0], [10, 20, 1], [31, 31, 2], [16, 3, 0]]) {
      const sy = y + dy, sx = (flip ? 31 - x : x) + dx;
      const inside = sy >= 0 && sy < 32 && sx >= 0 && sx < 32;
      const want = inside ? ds.train.x[i * 3072 + (sy * 32 + sx) * 3 + ch] / 255 : 0;
      assert.equal(a[i * 3072 + (y * 32 + x) * 3 + ch], Math.fround(want));
    }
  }
  assert.ok(identical < 10);
});

Deno.test("splitValidation: fixed seeded disjoint subset", () => {
  const ds = teacherTask(0);
  const a = splitValidation(ds, 0.1, 43), b = splitValidation(ds, 0.1, 43);
  assert.equal(a.val!.n, 500);
  assert.equal(a.train.n, 4500);
  assert.deepEqual(a.val!.x, b.val!.x);
  assert.notDeepEqual(splitValidation(ds, 0.1, 44).val!.y, a.val!.y);
  assert.equal(a.test, ds.test);
  assert.ok(a.val!.x instanceof Float32Array);
});

Deno.test("synthetic tasks: seeded, sized and shaped as documented", async () => {
  const t = teacherTask(7);
  assert.deepEqual(t.train.x, teacherTask(7).train.x);
  assert.notDeepEqual(t.train.y, teacherTask(8).train.y);
  const counts = new Array(10).fill(0);
  t.train.y.forEach((v) => counts[v]++);
  assert.ok(counts.filter((c) => c > 0).length >= 5, `classes used: ${counts}`);
  const l = lowRankTask(0);
  assert.equal(l.train.n, 5000);
  assert.equal(l.train.x.length, 5000 * 100);
  assert.equal(l.numClasses, 0);
  // Rank 10: the 100x100 covariance has 10 non-negligible eigenvalues.
  const xs = tf.tensor2d(l.train.x as Float32Array, [5000, 100]);
  const cov = tf.matMul(xs, xs, true, false);
  const [, r] = tf.linalg.qr(cov);
  const diag = Array.from(await tf.abs(r).data()).filter((_, i) => i % 101 === 0);
  tf.dispose([xs, cov, r]);
  assert.equal(diag.filter((v) => v > 1e-2 * diag[0]).length, 10);
  const [b] = collect(l, { batchSize: 8 });
  assert.equal(b.y.length, 8 * 100);
  const lim = await loadDataset("synthetic:lowrank", { seed: 0, trainLimit: 50 });
  assert.equal(lim.train.n, 50);
});

Deno.test("registry: unknown ids list valid ids; listDatasets rows", async () => {
  await assert.rejects(
    () => loadDataset("imagenet"),
    (e: Error) =>
      e instanceof RangeError &&
      /Cannot find dataset "imagenet": expected one of "mnist"/.test(e.message),
  );
  assert.ok(DATASET_IDS.includes("synthetic:teacher"));
  const rows = listDatasets({ dataDir: "/nonexistent", cacheDir: "/nonexistent", download: false });
  assert.deepEqual(rows.map((r) => r.id), [
    "mnist",
    "fashion-mnist",
    "cifar10",
    "imagefolder:<path>",
    "synthetic:teacher",
    "synthetic:lowrank",
  ]);
  assert.equal(rows.find((r) => r.id === "cifar10")!.source, "missing (download disabled)");
});

Deno.test("assembleInputs builds a 100x784 MNIST batch directly in a Float32Array", () => {
  const ds = mnistFixture();
  const out = new Float32Array(100 * 784);
  assembleInputs(ds.train, ds, Int32Array.from({ length: 100 }, (_, i) => 99 - i), out);
  assert.equal(out[784 * 99 + 300], Math.fround(ds.train.x[300] / 255));
});
