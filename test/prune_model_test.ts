/**
 * Pruning a user's own LayersModel: import (eval outputs equal the model's), refusal of
 * unsupported layers, one epoch of l0-hc and dam from the pretrained weights, export, reload with
 * `tf.loadLayersModel` (predictions equal the compact network's), user data as arrays and CSV.
 */
import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { fromLayersModel, loadLayersModelFrom } from "../src/models/from_layers.ts";
import { pruneModel, saveLayersModel } from "../src/prune/prune_model.ts";
import { join } from "node:path";
import { datasetFromArrays } from "../src/data/arrays.ts";
import { Rng } from "../src/util/rng.ts";
import { cliArgs } from "./harness_helpers.ts";

await tf.setBackend("cpu");

function smallCnn(): tf.Sequential {
  const init = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }) });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 6,
        kernelSize: 3,
        padding: "same",
        ...init(1),
      }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: "relu", ...init(2) }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.3 }),
      tf.layers.dense({ units: 16, activation: "relu", ...init(3) }),
      tf.layers.dense({ units: 3, activation: "softmax", ...init(4) }),
    ],
  });
}

/** A synthetic task the model can learn: the class is the brightest third of the image. */
function task(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 64), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let p = 0; p < 64; p++) {
      const third = Math.min(2, Math.floor((p % 8) / 3));
      x[i * 64 + p] = rng.normal() * 0.5 + (third === y[i] ? 1 : 0);
    }
  }
  return { x, y };
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

Deno.test("fromLayersModel: the imported network's eval output equals the model's", () => {
  const model = smallCnn();
  // non-trivial BN statistics and ε = 1e-3 (Keras' default), folded into our ε = 1e-5
  const bn = model.layers[1];
  bn.setWeights(
    bn.getWeights().map((w, i) =>
      i === 3
        ? tf.randomUniform(w.shape, 0.5, 2, "float32", 1)
        : tf.randomNormal(w.shape, 0, 1, "float32", i)
    ),
  );
  const before = tf.memory().numTensors;
  const { net, arch, outputActivation } = fromLayersModel(model);
  assert.equal(outputActivation, "softmax");
  assert.deepEqual(arch.inputShape, [8, 8, 1]);
  assert.equal(arch.numClasses, 3);
  assert.deepEqual(net.groups.map((g) => g.size), [6, 8, 16]); // every hidden layer gated
  const x = tf.randomNormal([16, 8, 8, 1], 0, 1, "float32", 7);
  const ours = tf.tidy(() => tf.softmax(net.forward(x)));
  const theirs = model.predict(x) as tf.Tensor;
  assert.ok(maxAbsDiff(ours, theirs) < 1e-5, `max |diff| ${maxAbsDiff(ours, theirs)}`);
  tf.dispose([x, ours, theirs]);
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("fromLayersModel: Dense + BatchNormalization is folded exactly; ReLU moves over MaxPool", () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, useBias: false }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.activation({ activation: "relu" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 5, useBias: false }),
      tf.layers.batchNormalization({ epsilon: 0.01 }),
      tf.layers.reLU(),
      tf.layers.dense({ units: 2 }),
    ],
  });
  const bn = model.layers[5];
  bn.setWeights(
    bn.getWeights().map((w, i) =>
      i === 3
        ? tf.randomUniform(w.shape, 0.5, 2, "float32", 3)
        : tf.randomNormal(w.shape, 0, 1, "float32", 9 + i)
    ),
  );
  const { net, outputActivation, arch } = fromLayersModel(model);
  assert.equal(outputActivation, "linear");
  assert.deepEqual(arch.layers.map((l) => l.type), [
    "conv2d",
    "maxpool",
    "flatten",
    "dense",
    "dense",
  ]);
  const x = tf.randomNormal([8, 6, 6, 2], 0, 1, "float32", 2);
  const ours = tf.tidy(() => net.forward(x));
  const theirs = model.predict(x) as tf.Tensor;
  assert.ok(maxAbsDiff(ours, theirs) < 1e-4);
  tf.dispose([x, ours, theirs]);
  net.dispose();
  model.dispose();
});

Deno.test("fromLayersModel: unsupported layers are refused up front with name, class and the supported list", () => {
  const lstm = tf.sequential({
    layers: [
      tf.layers.lstm({ inputShape: [5, 3], units: 4, name: "my_lstm" }),
      tf.layers.dense({ units: 2 }),
    ],
  });
  assert.throws(
    () => fromLayersModel(lstm),
    /Cannot import layer "my_lstm" \(LSTM\): this layer kind is not supported\. Supported layers: .*Dense, Conv2D/,
  );
  lstm.dispose();
  const tanh = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: "tanh", name: "t" })],
  });
  assert.throws(() => fromLayersModel(tanh), /"t" \(Dense\): activation "tanh" is not supported/);
  tanh.dispose();
  const input = tf.input({ shape: [4] });
  const a = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate({ name: "cat" }).apply([a, input]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2 }).apply(cat) as tf.SymbolicTensor;
  const concat = tf.model({ inputs: input, outputs: out });
  assert.throws(
    () => fromLayersModel(concat),
    /"cat" \(Concatenate\): this layer kind is not supported/,
  );
  concat.dispose();
});

/** A functional ResNet-style model: identity and projection residual blocks. */
function smallResNet(): tf.LayersModel {
  const conv = (x: tf.SymbolicTensor, filters: number, k: number, strides = 1) =>
    tf.layers.conv2d({ filters, kernelSize: k, strides, padding: "same", useBias: false })
      .apply(x) as tf.SymbolicTensor;
  const bn = (x: tf.SymbolicTensor) => tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  const relu = (x: tf.SymbolicTensor) => tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  const add = (a: tf.SymbolicTensor, b: tf.SymbolicTensor) =>
    tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
  const input = tf.input({ shape: [8, 8, 3] });
  const stem = relu(bn(conv(input, 8, 3)));
  const b1 = relu(add(bn(conv(relu(bn(conv(stem, 8, 3))), 8, 3)), stem));
  const b2 = relu(add(bn(conv(relu(bn(conv(b1, 16, 3, 2))), 16, 3)), bn(conv(b1, 16, 1, 2))));
  const gap = tf.layers.globalAveragePooling2d({}).apply(b2) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 4, activation: "softmax" }).apply(gap) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

Deno.test("fromLayersModel: residual Add blocks import with gates on the blocks' inner convolutions", async () => {
  const model = smallResNet();
  for (const l of model.layers) {
    if (l.getClassName() !== "BatchNormalization") continue;
    l.setWeights(
      l.getWeights().map((w, i) =>
        i === 3
          ? tf.randomUniform(w.shape, 0.5, 2, "float32", 4)
          : tf.randomNormal(w.shape, 0, 0.5, "float32", i)
      ),
    );
  }
  const { net, arch } = fromLayersModel(model);
  assert.deepEqual(arch.layers.map((l) => l.type), [
    "conv2d",
    "residual",
    "residual",
    "globalavgpool",
    "dense",
  ]);
  // the stream's channels (stem, each path's last conv) cannot be gated; the inner convs are
  assert.deepEqual(net.groups.map((g) => g.size), [8, 16]);
  const x = tf.randomNormal([4, 8, 8, 3], 0, 1, "float32", 3);
  const ours = tf.tidy(() => tf.softmax(net.forward(x)));
  const theirs = model.predict(x) as tf.Tensor;
  assert.ok(maxAbsDiff(ours, theirs) < 1e-5, `max |diff| ${maxAbsDiff(ours, theirs)}`);
  tf.dispose([ours, theirs]);
  net.dispose();
  // and it prunes, exports and reloads
  const t = task(60, 5);
  const rgb = new Float32Array(60 * 192).map((_, i) => t.x[Math.floor(i / 3)]);
  const data = datasetFromArrays(rgb, t.y, {
    inputShape: [8, 8, 3],
    numClasses: 4,
    validationSplit: 0.2,
  });
  const outDir = await Deno.makeTempDir();
  const r = await pruneModel(model, data, {
    config: { lambda: 2, initStd: 3 },
    epochs: 1,
    batchSize: 16,
    outDir,
    latency: { batch: 4, repeats: 1 },
  });
  const reloaded = await loadLayersModelFrom(outDir);
  const a = reloaded.predict(x) as tf.Tensor;
  const c = tf.tidy(() => tf.softmax(r.network.forward(x)));
  assert.ok(maxAbsDiff(a, c) < 1e-5);
  assert.deepEqual(r.kept.map((k) => k.before), [8, 16]);
  tf.dispose([x, a, c]);
  [reloaded, r.model, model].forEach((m) => m.dispose());
  r.network.dispose();
  await Deno.remove(outDir, { recursive: true });
});

for (const method of ["l0-hc", "dam"]) {
  Deno.test(`pruneModel round trip with ${method}: train 1 epoch, compact, export, reload, equal predictions`, async () => {
    const model = smallCnn();
    const train = task(300, 1), test = task(90, 2);
    const data = datasetFromArrays(train.x, train.y, {
      inputShape: [8, 8, 1],
      validationSplit: 0.1,
      test: { x: test.x, y: test.y },
    });
    assert.equal(data.train.n + data.val!.n, 300);
    // pretrain briefly with tfjs' own fit (seeded, unshuffled) so that the model starts trained
    model.compile({ optimizer: tf.train.adam(0.01), loss: "sparseCategoricalCrossentropy" });
    const xs = tf.tensor(train.x, [300, 8, 8, 1]),
      ys = tf.tensor(Float32Array.from(train.y), [300]);
    await model.fit(xs, ys, { epochs: 5, batchSize: 50, verbose: 0, shuffle: false });
    tf.dispose([xs, ys]);
    const outDir = await Deno.makeTempDir();
    // settings that remove units within one short epoch, so that compaction really shrinks layers
    const config = method === "l0-hc" ? { lambda: 2, initStd: 3 } : { betaInit: -2 };
    const r = await pruneModel(model, data, {
      method,
      config,
      epochs: 1,
      batchSize: 30,
      outDir,
      latency: { batch: 10, repeats: 2 },
    });
    assert.equal(r.method, method);
    assert.ok(r.accuracyBefore > 0.5, `pretrained accuracy ${r.accuracyBefore} (chance: 1/3)`);
    assert.ok(r.accuracyAfter >= 0 && r.accuracyAfter <= 1);
    assert.deepEqual(r.kept.map((k) => k.before), [6, 8, 16]);
    assert.ok(r.kept.every((k) => k.after >= 1 && k.after <= k.before));
    assert.ok(r.kept.some((k) => k.after < k.before), JSON.stringify(r.kept));
    assert.ok(r.params.after < r.params.before && r.macs.after < r.macs.before);
    assert.ok(r.latencyMs.before > 0 && r.latencyMs.after > 0);
    assert.equal(r.history.length, 1);
    // the exported files reload with tf.loadLayersModel and predict like the returned model
    const reloaded = await loadLayersModelFrom(r.modelJson!);
    const x = tf.randomNormal([12, 8, 8, 1], 0, 1, "float32", 5);
    const a = reloaded.predict(x) as tf.Tensor, b = r.model.predict(x) as tf.Tensor;
    assert.ok(maxAbsDiff(a, b) < 1e-6);
    const compacted = tf.tidy(() => tf.softmax(r.network.forward(x)));
    assert.ok(maxAbsDiff(a, compacted) < 1e-5, `max |diff| ${maxAbsDiff(a, compacted)}`);
    compacted.dispose();
    // and the returned model is the compact network: re-importing it gives the kept widths
    const again = fromLayersModel(reloaded);
    assert.deepEqual(again.net.groups.map((g) => g.size), r.kept.map((k) => k.after));
    const c = tf.tidy(() => tf.softmax(again.net.forward(x)));
    assert.ok(maxAbsDiff(a, c) < 1e-5);
    tf.dispose([x, a, b, c]);
    again.net.dispose();
    reloaded.dispose();
    r.model.dispose();
    r.network.dispose();
    model.dispose();
    await Deno.remove(outDir, { recursive: true });
  });
}

Deno.test("cli.ts run --model: prunes a saved model on CSV data and writes model + result.json", async () => {
  const dir = await Deno.makeTempDir();
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 8, activation: "relu" }),
      tf.layers.dense({ units: 2, activation: "softmax" }),
    ],
  });
  await saveLayersModel(model, join(dir, "mine"));
  model.dispose();
  const rng = new Rng(3);
  const rows = Array.from({ length: 60 }, () => {
    const f = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    return `${f.map((x) => x.toFixed(3)).join(",")},${f[0] > 0 ? "yes" : "no"}`;
  });
  await Deno.writeTextFile(join(dir, "data.csv"), ["a,b,c,d,label", ...rows].join("\n"));
  const out = join(dir, "out");
  const cmd = new Deno.Command(Deno.execPath(), {
    // the `run` task's own permissions: the command grants itself the rest (model, data, --out)
    args: cliArgs([
      "run",
      "--model",
      join(dir, "mine", "model.json"),
      "--data",
      join(dir, "data.csv"),
      "--label",
      "label",
      "--epochs",
      "1",
      "--batch-size",
      "16",
      "--backend",
      "cpu",
      "--out",
      out,
    ]),
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  });
  const res = await cmd.output();
  const text = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
  assert.equal(res.code, 0, text);
  assert.match(text, /l0-hc \(final\) on .*: test accuracy [\d.]+ -> [\d.]+ \(6 examples\)/);
  assert.match(text, /dense_Dense\d+: 8 -> \d+ units/);
  const result = JSON.parse(await Deno.readTextFile(join(out, "result.json")));
  assert.equal(result.kept[0].before, 8);
  const reloaded = await loadLayersModelFrom(out);
  assert.deepEqual(reloaded.outputs[0].shape, [null, 2]);
  reloaded.dispose();
  await Deno.remove(dir, { recursive: true });
});
