/**
 * Harness unit tests (no training): suite expansion and run ids, suite validation, shards,
 * canonical JSON and the summary statistics. The end-to-end tests (resume, kill, shards, NaN
 * isolation, determinism) are in `harness_resume_test.ts`.
 */
import assert from "node:assert/strict";
import { failureReason, withMemoryHint } from "../src/runtime/failure.ts";
import { expandSuite, gridPoints, type RunConfig, type SuiteSpec } from "../src/harness/suite.ts";
import { canonicalJson, RUN_FORMAT_VERSION, runId } from "../src/harness/run_id.ts";
import { bench, planRuns } from "../src/harness/bench.ts";
import { inShard, parseShard } from "../src/harness/shard.ts";
import { suiteProblems, validateSuite } from "../src/harness/validate.ts";
import { runRows } from "../src/harness/aggregate.ts";
import { meanSd } from "../src/results/stats.ts";
import { summaryRows } from "../src/results/summary.ts";
import type { PointResult, RunResult } from "../src/harness/store.ts";
import { RUN_COLUMNS, SUMMARY_COLUMNS } from "../src/results/schema.ts";
import { ConfigError } from "../src/util/errors.ts";
import { microSuite, NO_WORKER, withTempDir } from "./harness_helpers.ts";

/** The example suite of `expandSuite`'s docs: 2 widths × (dense + l0-hc × 2 λ) × 2 seeds. */
const known = (): SuiteSpec => ({
  id: "t",
  description: "",
  datasets: ["mnist"],
  seeds: [1, 2],
  archs: [{ id: "lenet-300-100", widths: [0.5, 1] }],
  methods: [{ id: "dense" }, { id: "l0-hc", grid: { lambda: [0.1, 1] } }],
  recipe: { epochs: 1, batchSize: 100, optimizer: { kind: "adam", lr: 1e-3 } },
});

// ---------------------------------------------------------------------------------------------
// 1. Expansion and ids

Deno.test("expandSuite: known suite expands to the expected runs in the documented order", () => {
  const runs = expandSuite(known());
  assert.equal(runs.length, 12);
  // order: dataset, arch, width, method, grid point, seed
  assert.deepEqual(
    runs.map((r) => `${r.width} ${r.method} ${r.hparams.lambda ?? "-"} ${r.seed}`),
    [
      "0.5 dense - 1",
      "0.5 dense - 2",
      "0.5 l0-hc 0.1 1",
      "0.5 l0-hc 0.1 2",
      "0.5 l0-hc 1 1",
      "0.5 l0-hc 1 2",
      "1 dense - 1",
      "1 dense - 2",
      "1 l0-hc 0.1 1",
      "1 l0-hc 0.1 2",
      "1 l0-hc 1 1",
      "1 l0-hc 1 2",
    ],
  );
  assert.deepEqual(
    runs[0],
    {
      dataset: "mnist",
      arch: "lenet-300-100",
      width: 0.5,
      method: "dense",
      hparams: {},
      seed: 1,
      recipe: { epochs: 1, batchSize: 100, optimizer: { kind: "adam", lr: 1e-3 } },
    } satisfies RunConfig,
  );
  // every run has its own id
  assert.equal(new Set(planRuns(known()).map((r) => r.id)).size, 12);
});

Deno.test("expandSuite: arch dataset filters, recipe overrides (method over arch over suite), fixed hparams + grid", () => {
  const runs = expandSuite({
    ...known(),
    datasets: ["mnist", "cifar10"],
    seeds: [1],
    archs: [
      {
        id: "lenet-300-100",
        widths: [1],
        datasets: ["mnist"],
        recipe: { epochs: 3, trainLimit: 10 },
      },
      { id: "resnet-20", widths: [1] },
    ],
    methods: [{
      id: "l0-hc",
      hparams: { beta: 0.5 },
      grid: { lambda: [2] },
      recipe: { epochs: 7 },
    }],
  });
  assert.deepEqual(runs.map((r) => `${r.dataset} ${r.arch}`), [
    "mnist lenet-300-100",
    "mnist resnet-20",
    "cifar10 resnet-20",
  ]);
  assert.equal(runs[0].recipe.epochs, 7);
  assert.equal(runs[0].recipe.trainLimit, 10);
  assert.equal(runs[1].recipe.epochs, 7);
  assert.equal(runs[1].recipe.trainLimit, undefined);
  assert.deepEqual(runs[0].hparams, { beta: 0.5, lambda: 2 });
});

Deno.test("gridPoints: every combination, independent of key order", () => {
  assert.deepEqual(gridPoints(undefined), [{}]);
  const a = gridPoints({ b: [1, 2], a: ["x", "y"] });
  const b = gridPoints({ a: ["x", "y"], b: [1, 2] });
  assert.deepEqual(a, b);
  assert.deepEqual(a, [{ a: "x", b: 1 }, { a: "x", b: 2 }, { a: "y", b: 1 }, { a: "y", b: 2 }]);
});

Deno.test("runId: snapshot of one id", () => {
  // This value changes only when RUN_FORMAT_VERSION or the shape of a resolved run config (the
  // fields expandSuite/planRuns put in it) changes — and then every stored result is re-run, so
  // such a change must be deliberate (bump RUN_FORMAT_VERSION and update this snapshot).
  assert.equal(RUN_FORMAT_VERSION, "prunebench-run-v2");
  const config = {
    dataset: "mnist",
    arch: "lenet-300-100",
    width: 0.5,
    method: "dense",
    hparams: {},
    seed: 1,
    recipe: { epochs: 1, batchSize: 100, optimizer: { kind: "adam", lr: 0.001 } },
    backend: "wasm",
  };
  assert.equal(runId(config), "d3fb4dffcb9eb8fe");
  const [planned] = planRuns(known());
  assert.equal(planned.id, runId(planned.identity));
  assert.match(runId(config), /^[0-9a-f]{16}$/);
});

Deno.test("runId: independent of key order, of the suite's id and description", () => {
  const [r] = planRuns(known());
  const reversed = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(reversed);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)]));
    }
    return v;
  };
  const shuffled = reversed(r.identity);
  assert.notEqual(JSON.stringify(shuffled), JSON.stringify(r.identity));
  assert.equal(runId(shuffled), r.id);
  // a suite written with its keys in another order plans the same ids
  const s = known();
  const s2 = reversed(s) as SuiteSpec;
  assert.deepEqual(planRuns(s2).map((x) => x.id).sort(), planRuns(s).map((x) => x.id).sort());
  // renaming a suite keeps its results
  assert.deepEqual(
    planRuns({ ...s, id: "renamed", description: "other" }).map((x) => x.id),
    planRuns(s).map((x) => x.id),
  );
});

Deno.test("runId: changing any field of the resolved config changes the id", () => {
  const [base] = planRuns(known());
  const c = base.config;
  const variants: Record<string, unknown> = {
    dataset: { ...c, dataset: "fashion-mnist" },
    arch: { ...c, arch: "lenet-5" },
    width: { ...c, width: 0.25 },
    method: { ...c, method: "l0-hc" },
    hparam: { ...c, hparams: { lambda: 0.1 } },
    hparamValue: { ...c, hparams: { lambda: 0.2 } },
    seed: { ...c, seed: 2 },
    backend: { ...c, backend: "cpu" },
    epochs: { ...c, recipe: { ...c.recipe, epochs: 2 } },
    batchSize: { ...c, recipe: { ...c.recipe, batchSize: 64 } },
    lr: { ...c, recipe: { ...c.recipe, optimizer: { kind: "adam", lr: 2e-3 } } },
    optimizer: { ...c, recipe: { ...c.recipe, optimizer: { kind: "sgd", lr: 1e-3 } } },
    schedule: { ...c, recipe: { ...c.recipe, schedule: { kind: "cosine" } } },
    ema: { ...c, recipe: { ...c.recipe, ema: 0.999 } },
    augment: { ...c, recipe: { ...c.recipe, augment: "crop-flip" } },
    normalize: { ...c, recipe: { ...c.recipe, normalize: true } },
    trainLimit: { ...c, recipe: { ...c.recipe, trainLimit: 100 } },
    testLimit: { ...c, recipe: { ...c.recipe, testLimit: 100 } },
    maxSteps: { ...c, recipe: { ...c.recipe, maxStepsPerEpoch: 5 } },
    latency: { ...c, recipe: { ...c.recipe, latency: { batch: 10, repeats: 1 } } },
    methodModules: { ...c, methodModules: ["file:///x/methods.ts"] },
  };
  const ids = new Map<string, string>([[base.id, "base"]]);
  for (const [name, v] of Object.entries(variants)) {
    const id = runId(v);
    assert.ok(!ids.has(id), `changing ${name} gave the same id as ${ids.get(id)}`);
    ids.set(id, name);
  }
  // through the suite too: widths, seeds, grid values and recipe fields
  const idsOf = (s: SuiteSpec) => planRuns(s).map((r) => r.id);
  const all = new Set(idsOf(known()));
  for (
    const s of [
      { ...known(), seeds: [3] },
      { ...known(), archs: [{ id: "lenet-300-100", widths: [0.75] }] },
      { ...known(), methods: [{ id: "l0-hc", grid: { lambda: [0.5] } }] },
      { ...known(), recipe: { ...known().recipe, epochs: 5 } },
      { ...known(), methods: [{ id: "dense", recipe: { batchSize: 7 } }] },
    ]
  ) {
    for (const id of idsOf(s)) assert.ok(!all.has(id), `id ${id} reused`);
  }
});

// ---------------------------------------------------------------------------------------------
// 7. Validation

Deno.test("validateSuite: every problem in one ConfigError, listing valid choices", () => {
  const bad: SuiteSpec = {
    ...known(),
    datasets: ["mnist", "nosuchdata"],
    archs: [{ id: "lenet-300-100", widths: [0, -1, 0.5] }, { id: "nosucharch", widths: [1] }],
    methods: [{ id: "nosuchmethod" }, { id: "l0-hc", hparams: { nosuchparam: 1 } }],
    seeds: [1.5, 2, 2],
  };
  let err: unknown;
  try {
    validateSuite(bad);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
  const problems = err.problems.join("\n");
  const expect = [
    /Unknown method "nosuchmethod" \(methods\[0\]\.id\): expected one of .*"dense".*"l0-hc"/,
    /Unknown architecture "nosucharch" \(archs\[1\]\.id\): expected one of .*"lenet-300-100"/,
    /Unknown dataset "nosuchdata": expected one of .*"mnist".*"synthetic:teacher"/,
    /Unknown hyperparameter "nosuchparam" for method "l0-hc": expected one of .*"lambda"/,
    /Width 0 \(archs\[0\]\.widths\[0\]\) must be a positive number/,
    /Width -1 \(archs\[0\]\.widths\[1\]\)/,
    /Seed 1\.5 \(seeds\[0\]\) must be a non-negative integer/,
    /seeds lists 2 more than once/,
  ];
  for (const re of expect) {
    assert.match(problems, re);
    assert.match(err.message, re, "the message lists every problem");
  }
  assert.equal(err.problems.length, expect.length, problems);
  assert.deepEqual(suiteProblems(bad), err.problems);
  // the valid suite has none
  assert.deepEqual(suiteProblems(known()), []);
  assert.deepEqual(suiteProblems(microSuite()), []);
});

Deno.test("validateSuite: bad recipe, empty lists, bad grids and suite id", () => {
  const problems = suiteProblems({
    id: "bad id/x",
    description: "",
    datasets: [],
    archs: [],
    methods: [{ id: "l0-hc", grid: { lambda: [] } }],
    seeds: [],
    recipe: { epochs: 0, batchSize: 1.5, optimizer: { kind: "rmsprop" as "adam", lr: 0 } },
  }).join("\n");
  for (
    const re of [
      /Suite id "bad id\/x"/,
      /datasets must be a non-empty array/,
      /archs must be a non-empty array/,
      /seeds must be a non-empty array/,
      /methods\[0\]\.grid\.lambda must be a non-empty array/,
      /recipe\.epochs must be a whole number ≥ 1: got 0/,
      /recipe\.batchSize must be a whole number ≥ 1: got 1\.5/,
      /recipe\.optimizer\.kind must be "adam" or "sgd"/,
      /recipe\.optimizer\.lr must be a finite number > 0: got 0/,
    ]
  ) assert.match(problems, re);
});

Deno.test("bench: an invalid suite is rejected before any folder is made or worker started", async () => {
  await withTempDir(async (out) => {
    const bad = microSuite("invalid", { methods: [{ id: "nosuchmethod" }], seeds: [1, 1] });
    await assert.rejects(
      bench(bad, { out, jobs: 1, workerCommand: NO_WORKER }),
      (e: unknown) => e instanceof ConfigError && e.problems.length === 2,
    );
    assert.deepEqual([...Deno.readDirSync(out)], []);
  });
});

// ---------------------------------------------------------------------------------------------
// 8. Shards, canonical JSON, statistics

Deno.test("parseShard: accepts i/N, rejects everything else with a helpful ConfigError", () => {
  assert.deepEqual(parseShard("1/1"), { index: 1, count: 1 });
  assert.deepEqual(parseShard(" 3/4 "), { index: 3, count: 4 });
  for (const bad of ["", "1", "0/2", "3/2", "1/0", "-1/2", "a/b", "1.5/2", "1/2/3", "1 / 2"]) {
    assert.throws(() => parseShard(bad), (e: unknown) => {
      return e instanceof ConfigError && e.message.includes(`"${bad}"`) &&
        e.message.includes("i/N");
    }, bad);
  }
});

Deno.test("inShard: the shards of N partition the runs", () => {
  const ids = planRuns(known()).map((r) => r.id);
  for (const n of [1, 2, 3, 5]) {
    const counts = ids.map((id) => {
      let k = 0;
      for (let i = 1; i <= n; i++) if (inShard(id, { index: i, count: n })) k++;
      return k;
    });
    assert.ok(counts.every((k) => k === 1), `N=${n}: every id in exactly one shard`);
  }
});

Deno.test("canonicalJson: sorted keys at every depth, undefined dropped, non-finite numbers rejected", () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
  assert.equal(canonicalJson({ a: undefined, b: null }), '{"b":null}');
  assert.equal(canonicalJson({ z: { y: { x: 1, w: 2 } } }), '{"z":{"y":{"w":2,"x":1}}}');
  assert.equal(canonicalJson([3, "a", true]), '[3,"a",true]');
  assert.equal(runId({ a: undefined, b: 1 }), runId({ b: 1 }));
  for (const bad of [NaN, Infinity, -Infinity]) {
    assert.throws(() => canonicalJson({ recipe: { lr: bad } }), TypeError);
  }
});

Deno.test("meanSd: mean and sample (n − 1) standard deviation of the finite values", () => {
  const { mean, sd } = meanSd([1, 2, 3, 4]);
  assert.equal(mean, 2.5);
  assert.ok(Math.abs(sd - Math.sqrt(5 / 3)) < 1e-12);
  assert.deepEqual(meanSd([2, NaN, 4]), { mean: 3, sd: Math.SQRT2 });
  const one = meanSd([7]);
  assert.equal(one.mean, 7);
  assert.ok(Number.isNaN(one.sd));
  assert.ok(Number.isNaN(meanSd([]).mean));
});

/** A hand-made finished run. */
function result(
  o: {
    method?: string;
    width?: number;
    seed: number;
    acc: number;
    unitsKept: number;
    lambda?: number;
  },
  status: "ok" | "failed" = "ok",
): RunResult {
  const config: RunConfig = {
    dataset: "mnist",
    arch: "lenet-300-100",
    width: o.width ?? 1,
    method: o.method ?? "l0-hc",
    hparams: o.lambda === undefined ? {} : { lambda: o.lambda },
    seed: o.seed,
    recipe: { epochs: 1, batchSize: 100, optimizer: { kind: "adam", lr: 1e-3 } },
  };
  const point: PointResult = {
    point: "final",
    acc: o.acc,
    loss: 0.5,
    unitsInit: 400,
    unitsKept: o.unitsKept,
    perLayerInit: "300-100",
    perLayerKept: `${o.unitsKept - 50}-50`,
    paramsDense: 1000,
    paramsMasked: 500,
    paramsCompact: 500,
    macsDense: 1000,
    macsMasked: 250,
    macsCompact: 250,
    latencyDenseMs: 2,
    latencyCompactMs: 1,
    modelBytes: 123,
    extra: {},
  };
  return {
    runId: runId({ ...config, backend: "wasm" }),
    suite: "s",
    config,
    hparams: config.hparams,
    status,
    reason: status === "ok" ? "" : "DivergenceError: loss is NaN",
    points: status === "ok" ? [point] : [],
    epochs: 1,
    trainMacs: 60,
    trainMacsDense: 100,
    wallSeconds: 1.234,
    provenance: {
      backend: "wasm",
      tfjsVersion: "4.22.0",
      denoVersion: "2",
      gitSha: "abc",
      blas: null,
    },
    startedAt: "2024-01-01T00:00:00.000Z",
    finishedAt: "2024-01-01T00:00:01.000Z",
  };
}

Deno.test("runRows/summaryRows: per-run columns, mean ± sample sd over seeds, width CV, failures", () => {
  const results = [
    result({ width: 1, seed: 1, acc: 0.9, unitsKept: 100, lambda: 0.1 }),
    result({ width: 1, seed: 2, acc: 0.8, unitsKept: 120, lambda: 0.1 }),
    result({ width: 1, seed: 3, acc: 0, unitsKept: 0, lambda: 0.1 }, "failed"),
    result({ width: 2, seed: 1, acc: 0.95, unitsKept: 140, lambda: 0.1 }),
    result({ width: 2, seed: 2, acc: 0.85, unitsKept: 140, lambda: 0.1 }),
    result({ method: "dense", width: 1, seed: 1, acc: 0.97, unitsKept: 400 }),
    result({ width: 4, seed: 1, acc: 0, unitsKept: 0, lambda: 0.1 }, "failed"),
  ];
  const rows = runRows(results);
  assert.equal(rows.length, 7);
  for (const r of rows) assert.deepEqual(Object.keys(r).sort(), [...RUN_COLUMNS].sort());
  const r0 = rows[0];
  assert.equal(r0.kept_fraction, 0.25);
  assert.equal(r0.weights_kept_fraction, 0.5);
  assert.equal(r0.compression_ratio, 2);
  assert.equal(r0.theoretical_speedup, 4);
  assert.equal(r0.measured_speedup, 2);
  assert.equal(r0.lambda, 0.1);
  assert.equal(r0.wall_s, 1.23);
  assert.equal(r0.acc_dense_baseline, 0.97, "dense run of the same dataset, arch, width and seed");
  assert.equal(rows[1].acc_dense_baseline, "", "no dense run with seed 2");
  const failed = rows[2];
  assert.equal(failed.status, "failed");
  assert.equal(failed.point, "");
  assert.equal(failed.acc, "");

  const summary = summaryRows(rows);
  for (const s of summary) assert.deepEqual(Object.keys(s).sort(), [...SUMMARY_COLUMNS].sort());
  const w1 = summary.find((s) => s.method === "l0-hc" && s.init_width === 1)!;
  const w2 = summary.find((s) => s.method === "l0-hc" && s.init_width === 2)!;
  assert.equal(w1.n_seeds, 2);
  assert.equal(w1.n_failed, 1);
  assert.equal(w1.acc_mean, 0.85);
  assert.equal(w1.acc_sd, 0.070711); // sample sd of {0.9, 0.8} = 0.1/√2
  assert.equal(w1.units_kept_mean, 110);
  assert.equal(w1.units_kept_sd, 14.142);
  assert.equal(w1.train_macs_fraction_mean, 0.6);
  assert.equal(w2.units_kept_sd, 0);
  // width CV over the per-width means {110, 140}: sd 21.2132 / mean 125
  const cv = Math.round(Math.sqrt(((110 - 125) ** 2 + (140 - 125) ** 2) / 1) / 125 * 1e4) / 1e4;
  assert.equal(w1.width_cv_units_kept, cv);
  assert.equal(w2.width_cv_units_kept, cv);
  // a failed run has no point: it counts in n_failed of its configuration's points, and a
  // configuration whose runs all failed keeps one row (empty point) saying so
  const allFailed = summary.filter((s) => s.init_width === 4);
  assert.equal(allFailed.length, 1);
  assert.equal(allFailed[0].point, "");
  assert.equal(allFailed[0].n_seeds, 0);
  assert.equal(allFailed[0].n_failed, 1);
  assert.equal(
    summary.filter((s) => s.point === "").length,
    1,
    "no separate row for the failed seed 3",
  );
  const dense = summary.find((s) => s.method === "dense")!;
  assert.equal(dense.width_cv_units_kept, "", "a single width has no width CV");
  assert.equal(dense.n_seeds, 1);
});

Deno.test("failureReason: a wasm heap exhaustion gets the cause and the fix; other errors stay as they are", () => {
  for (
    const e of [
      new Error("Aborted(). Build with -sASSERTIONS for more info."),
      new WebAssembly.RuntimeError("memory access out of bounds"),
    ]
  ) {
    const r = failureReason(e);
    assert.ok(r.startsWith(`${e.name}: ${e.message}`), r);
    assert.match(r, /ran out of memory: its heap cannot grow past 4 GiB .* Lower the batch size/);
  }
  assert.equal(failureReason(new RangeError("width must be > 0")), "RangeError: width must be > 0");
  assert.equal(failureReason("plain"), "plain");
  assert.match(withMemoryHint("worker exited with code 1: Aborted()"), /4 GiB/);
  assert.equal(
    withMemoryHint("worker exited with code 3: boom"),
    "worker exited with code 3: boom",
  );
  // a JavaScript heap exhaustion is another failure: no wasm advice
  const js = "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory";
  assert.equal(withMemoryHint(js), js);
});

Deno.test("summaryRows: width CV counts only the layers that scale with the width (not the input pixels)", () => {
  // LeNet-300-100 at widths 1 and 2: the 784 input gates are the same at both widths
  const run = (width: number, seed: number, layers: number[]) => {
    const r = result({ width, seed, acc: 0.9, unitsKept: layers.reduce((a, b) => a + b, 0) });
    r.points[0].perLayerInit = width === 1 ? "784-300-100" : "784-600-200";
    r.points[0].perLayerKept = layers.join("-");
    return r;
  };
  const summary = summaryRows(runRows([
    run(1, 1, [700, 200, 50]),
    run(1, 2, [600, 210, 60]),
    run(2, 1, [500, 240, 60]),
    run(2, 2, [650, 260, 80]),
  ]));
  // hidden kept per width: mean(250, 270) = 260 and mean(300, 340) = 320 → sd 42.4264 / mean 290
  const cv = Math.round((Math.sqrt(2 * 30 ** 2) / 290) * 1e4) / 1e4;
  for (const s of summary) assert.equal(s.width_cv_units_kept, cv);
  // the totals (inputs included) are mean(950, 870) = 910 and mean(800, 990) = 895: a CV of
  // 0.0118, which would hide the hidden layers' growth with the width
  const total = Math.round((Math.sqrt(2 * 7.5 ** 2) / 902.5) * 1e4) / 1e4;
  assert.equal(total, 0.0118);
  assert.ok(cv > 10 * total);
});

Deno.test("expandSuite: a method entry's archs restrict it; unknown archs and model options are reported", () => {
  const suite: SuiteSpec = {
    id: "per-arch",
    description: "",
    datasets: ["mnist"],
    archs: [{ id: "lenet-300-100", widths: [1] }, { id: "lenet-5-caffe", widths: [1] }],
    methods: [
      { id: "dense" },
      { id: "l0-hc", archs: ["lenet-300-100"], hparams: { weightDecay: 5e-4 } },
      {
        id: "l0-hc",
        archs: ["lenet-5-caffe"],
        recipe: { ema: null, model: { init: "he-normal", convBias: false } },
      },
    ],
    seeds: [1],
    recipe: { epochs: 1, batchSize: 100, optimizer: { kind: "adam", lr: 1e-3 }, ema: 0.999 },
  };
  const runs = expandSuite(suite);
  assert.deepEqual(
    runs.map((r) => `${r.arch} ${r.method} ${JSON.stringify(r.hparams)} ${r.recipe.ema}`),
    [
      "lenet-300-100 dense {} 0.999",
      'lenet-300-100 l0-hc {"weightDecay":0.0005} 0.999',
      "lenet-5-caffe dense {} 0.999",
      "lenet-5-caffe l0-hc {} null",
    ],
  );
  assert.deepEqual(runs[3].recipe.model, { init: "he-normal", convBias: false });
  assert.deepEqual(suiteProblems(suite), []);
  const bad: SuiteSpec = {
    ...suite,
    methods: [{
      id: "dense",
      archs: ["lenet-5"],
      recipe: { model: { init: "xavier" as "default" } },
    }],
  };
  assert.deepEqual(suiteProblems(bad), [
    'methods[0].recipe.model.init must be one of "default", "he-normal", "torch-default": got "xavier"',
    'methods[0].archs names architecture "lenet-5", which the suite does not list',
  ]);
});
