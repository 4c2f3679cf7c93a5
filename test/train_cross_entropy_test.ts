/**
 * The fused softmax cross-entropy (src/train/cross_entropy.ts) against tfjs' composite
 * (logSoftmax, oneHot, mean) on the cpu backend: loss and gradient, extreme logits, bad labels.
 */
import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { initBackend } from "../src/runtime/backend.ts";
import { fastCrossEntropyAvailable, softmaxCrossEntropy } from "../src/train/cross_entropy.ts";
import { Rng } from "../src/util/rng.ts";

function composite(x: tf.Tensor, y: tf.Tensor, k: number): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(y, k), tf.logSoftmax(x)), -1))) as tf.Scalar;
}

Deno.test("softmax cross-entropy equals the composite (loss and gradient) on both backends", async () => {
  for (const backend of ["cpu", "wasm"]) {
    await initBackend(backend, { blas: false });
    const rng = new Rng(2);
    const b = 37, k = 10;
    const data = Float32Array.from({ length: b * k }, (_, i) => (i % 17 ? 4 : 60) * rng.normal());
    const x = tf.tensor2d(data, [b, k]);
    const y = tf.tensor1d(
      Int32Array.from({ length: b }, () => Math.floor(rng.next() * k)),
      "int32",
    );
    assert.ok(fastCrossEntropyAvailable(x));
    const before = tf.memory().numTensors;
    const fns = [(a: tf.Tensor) => softmaxCrossEntropy(a, y), (a: tf.Tensor) => composite(a, y, k)];
    const [fast, ref] = fns.map((f) => {
      const value = tf.tidy(() => f(x).dataSync()[0]);
      const [g] = tf.grads(f)([x]);
      const out = [value, Array.from(g.dataSync())] as const;
      g.dispose();
      return out;
    });
    assert.ok(Math.abs(fast[0] - ref[0]) <= 1e-5 * Math.abs(ref[0]), `${backend} loss`);
    fast[1].forEach((g, i) => {
      assert.ok(Math.abs(g - ref[1][i]) <= 1e-6, `${backend} grad ${i}: ${g} vs ${ref[1][i]}`);
    });
    assert.equal(tf.memory().numTensors, before, `${backend}: no leaks`);
    tf.dispose([x, y]);
  }
  await initBackend("cpu");
});

Deno.test("softmax cross-entropy rejects a label outside the classes", async () => {
  await initBackend("cpu");
  const x = tf.zeros([2, 3]), y = tf.tensor1d([0, 3], "int32");
  assert.throws(() => tf.tidy(() => softmaxCrossEntropy(x, y)), /label 3 is not in \[0, 3\)/);
  tf.dispose([x, y]);
});
