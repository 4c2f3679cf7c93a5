/**
 * The default and full suites carry the design of issue 13: ≥ 3 strengths per learned method at
 * 1×, the width sweep at the middle strength, structured baselines, no run planned twice; and a
 * method entry's `widths` restricts it (validated).
 */
import assert from "node:assert/strict";
import { SUITES } from "../benchmarks/suites/mod.ts";
import { STRENGTHS } from "../benchmarks/suites/_design.ts";
import { expandSuite } from "../src/harness/suite.ts";
import { suiteProblems } from "../src/harness/validate.ts";
import { runId } from "../src/harness/run_id.ts";

const LEARNED = ["l0-hc", "diffprune", "vbp", "dam", "halo"];

Deno.test("default suite: strength sweeps at 1×, width sweep at middle strengths, baselines", () => {
  const runs = expandSuite(SUITES.default);
  assert.deepEqual(suiteProblems(SUITES.default), []);
  const ids = runs.map(runId);
  assert.equal(new Set(ids).size, ids.length, "no run planned twice");
  for (const m of LEARNED) {
    const { key, values } = STRENGTHS[m];
    const at1 = runs.filter((r) => r.method === m && r.width === 1);
    assert.deepEqual([...new Set(at1.map((r) => r.hparams[key]))].sort(), [...values].sort(), m);
    assert.equal(new Set(at1.map((r) => r.seed)).size, 3, m);
    const widths = new Set(runs.filter((r) => r.method === m).map((r) => r.width));
    if (m === "halo") assert.deepEqual([...widths], [1]);
    else {
      assert.deepEqual([...widths].sort(), [0.5, 1, 2, 4], m);
      const middle = values[1];
      const other = runs.filter((r) => r.method === m && r.width !== 1);
      assert.ok(other.every((r) => r.hparams[key] === middle), m);
    }
  }
  // structured magnitude (fine-tuned) and, for HALO's claim, weight-level magnitude at HALO's
  // targets without fine-tuning
  const mag = runs.filter((r) => r.method === "magnitude");
  const unit = mag.filter((r) => r.hparams.granularity === "unit");
  const weight = mag.filter((r) => r.hparams.granularity === "weight");
  assert.equal(unit.length + weight.length, mag.length);
  assert.ok(unit.length > 0 && unit.every((r) => (r.hparams.fineTuneEpochs as number) > 0));
  const halo = runs.find((r) => r.method === "halo")!;
  assert.ok(weight.length > 0 && weight.every((r) => r.hparams.fineTuneEpochs === 0));
  assert.ok(weight.every((r) => r.width === 1));
  assert.deepEqual(weight[0].hparams.targets, halo.hparams.targets);
  assert.ok(runs.some((r) => r.method === "random-unit"));
  assert.ok(runs.some((r) => r.method === "gmp"));
  const epochs = new Set(runs.map((r) => r.recipe.epochs));
  assert.equal(epochs.size, 1, "one recipe for every method");
});

Deno.test("full suite: every width and LeNet-5-Caffe, every strength", () => {
  const runs = expandSuite(SUITES.full);
  assert.deepEqual(suiteProblems(SUITES.full), []);
  assert.ok(runs.some((r) => r.arch === "lenet-5-caffe" && r.method === "vbp"));
  const l0At4 = runs.filter((r) => r.method === "l0-hc" && r.width === 4);
  assert.equal(l0At4.length, 3 * STRENGTHS["l0-hc"].values.length);
});

Deno.test("method entries: widths restrict an entry and are validated", () => {
  const base = {
    id: "t",
    description: "t",
    datasets: ["mnist"],
    archs: [{ id: "lenet-300-100", widths: [0.5, 1] }],
    seeds: [1],
    recipe: { epochs: 1, batchSize: 100, optimizer: { kind: "adam" as const, lr: 1e-3 } },
  };
  const runs = expandSuite({ ...base, methods: [{ id: "dense" }, { id: "l0-hc", widths: [1] }] });
  assert.deepEqual(runs.map((r) => `${r.method}@${r.width}`).sort(), [
    "dense@0.5",
    "dense@1",
    "l0-hc@1",
  ]);
  const bad = suiteProblems({ ...base, methods: [{ id: "dense", widths: [0, "1"] as number[] }] });
  assert.ok(bad.some((p) => /methods\[0\]\.widths must be an array of positive width/.test(p)));
});
