/**
 * `batches()` on the wasm backend reuses one scratch buffer for the inputs (wasm copies a tensor's
 * values into its heap): batches kept alive must keep their own values.
 */
import assert from "node:assert/strict";
import * as tf from "../src/deps/tfjs.ts";
import { initBackend } from "../src/runtime/backend.ts";
import { assembleInputs, batches, epochOrder } from "../src/data/batches.ts";
import { lowRankTask } from "../src/data/synthetic.ts";

Deno.test("batches on wasm: every batch keeps its own values while later batches are made", async () => {
  await initBackend("wasm", { blas: false });
  const ds = lowRankTask(3);
  const opts = { batchSize: 64, shuffle: true, seed: 5, epoch: 2 };
  const kept = [...batches(ds.train, ds, opts)];
  const order = epochOrder(ds.train.n, true, 5, 2);
  const d = ds.inputShape.reduce((a, b) => a * b, 1);
  for (const [b, { x, size }] of kept.entries()) {
    const idx = order.subarray(b * 64, b * 64 + size);
    const want = assembleInputs(ds.train, ds, idx, new Float32Array(size * d));
    assert.deepEqual(x.dataSync(), want, `batch ${b}`);
  }
  assert.equal(kept.at(-1)!.size, ds.train.n % 64 || 64);
  tf.dispose(kept.flatMap(({ x, y }) => [x, y]));
});
