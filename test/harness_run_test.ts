/**
 * `executeRun` (src/harness/run.ts) on an in-memory dataset: what a worker records for one run.
 *
 * @module
 */
import assert from "node:assert/strict";
import { executeRun } from "../src/harness/run.ts";
import { teacherTask } from "../src/data/synthetic.ts";
import { initBackend } from "../src/runtime/backend.ts";
import type { RunConfig } from "../src/harness/suite.ts";
import { resolveRun } from "../src/harness/identity.ts";
import { getMethod } from "../src/methods/registry.ts";

Deno.test("executeRun: compact accuracy is evaluated with the recipe's normalisation", async () => {
  await initBackend("cpu");
  const base = teacherTask(1);
  // A shift far outside the data: an input pipeline that forgets to normalise sees other inputs.
  const dataset = { ...base, normalization: { mean: [4], std: [1] } };
  const config: RunConfig = {
    dataset: dataset.id,
    arch: "lenet-300-100",
    width: 0.1,
    method: "dense",
    hparams: {},
    seed: 1,
    recipe: {
      epochs: 3,
      batchSize: 50,
      optimizer: { kind: "adam", lr: 3e-3 },
      trainLimit: 5000,
      normalize: true,
      latency: { batch: 10, repeats: 1 },
    },
  };
  const dir = await Deno.makeTempDir();
  try {
    const r = await executeRun({
      runId: "t",
      suite: "t",
      // what a worker receives: the fully resolved config
      config: resolveRun(config, getMethod("dense"), "cpu").config,
      dir,
      provenance: { backend: "cpu", tfjsVersion: "", denoVersion: "", gitSha: "", blas: null },
    }, dataset);
    assert.equal(r.status, "ok", r.reason);
    const p = r.points[0];
    assert.ok(p.acc > 0.2, `trained accuracy ${p.acc} is at chance`);
    // Dense: the compact network is the trained one, so both accuracies are the same number.
    assert.equal(p.extra.acc_compact, p.acc);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
