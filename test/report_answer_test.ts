/**
 * The report's answer on a hand-made runs.csv: leaderboard selection (budgets, ties, missing
 * seeds, a method with no point within budget), Pareto fronts, width robustness, findings text
 * where the answer is known, and the `structure_converged` column on synthetic histories.
 */
import assert from "node:assert/strict";
import { parseCsv, type Run, toRun } from "../src/results/read.ts";
import { leaderboards, leaderTable } from "../src/report/leaderboard.ts";
import { frontChart, frontPoints, paretoFront } from "../src/report/fronts.ts";
import { ROBUST_MAX_CV, widthSweeps } from "../src/report/robustness.ts";
import { findings } from "../src/report/findings.ts";
import { settingsOf } from "../src/report/settings.ts";
import { hiddenPositions } from "../src/report/claims.ts";
import { resultsSection } from "../tools/readme_results.ts";
import { analysisMarkdown, analysisSections } from "../src/report/analysis.ts";
import { structureConverged } from "../src/harness/convergence.ts";
import { stringify } from "../src/deps/csv.ts";
import { RUN_COLUMNS } from "../src/results/schema.ts";

interface Spec {
  method: string;
  seeds?: number[];
  width?: number;
  lambda?: number;
  acc: number;
  params?: number;
  macs?: number;
  kept?: [number, number];
  converged?: boolean;
  status?: string;
}

/** One runs.csv row per seed, every column of the schema present (unused ones empty). */
function rows(s: Spec): Record<string, string | number>[] {
  const w = s.width ?? 1;
  const init = [784, 300 * w, 100 * w];
  const kept = s.kept ? [784, ...s.kept] : init;
  const hparams = s.lambda === undefined ? {} : { lambda: s.lambda, temperature: 2 / 3 };
  return (s.seeds ?? [1, 2, 3]).map((seed, i) => ({
    ...Object.fromEntries(RUN_COLUMNS.map((c) => [c, ""])),
    suite: "fixture",
    run_id: `${s.method}-${w}-${s.lambda ?? ""}-${seed}`,
    point: "final",
    method: s.method,
    arch: "lenet-300-100",
    dataset: "mnist",
    seed,
    init_width: w,
    lambda: s.lambda ?? "",
    hparams: JSON.stringify(hparams),
    status: s.status ?? "ok",
    units_init: init.reduce((a, b) => a + b),
    units_kept: kept.reduce((a, b) => a + b),
    per_layer_init: init.join("-"),
    per_layer_kept: kept.join("-"),
    params_compact: s.params ?? 266_610 * w,
    macs_compact: s.macs ?? 266_200 * w,
    measured_speedup: 1.5,
    // ± 0.001 around the mean over three seeds (exact mean for 1 or 2 seeds: +0.001, −0.001)
    acc: s.status === "failed" ? "" : s.acc + [0.001, -0.001, 0][i],
    structure_converged: s.converged === undefined ? "true" : String(s.converged),
  }));
}

const SPECS: Spec[] = [
  { method: "dense", acc: 0.98 },
  { method: "dense", width: 0.5, acc: 0.9755, params: 100_000, macs: 100_000, kept: [150, 50] },
  { method: "dense", width: 2, acc: 0.981, kept: [600, 200] },
  // l0-hc: λ 0.5 has only two seeds (the third failed)
  { method: "l0-hc", lambda: 0.1, acc: 0.978, params: 50_000, macs: 50_000, kept: [105, 50] },
  { method: "l0-hc", lambda: 0.5, seeds: [1, 2], acc: 0.976, params: 40_000, macs: 20_000 },
  { method: "l0-hc", lambda: 0.5, seeds: [3], status: "failed", acc: 0 },
  { method: "l0-hc", lambda: 1, acc: 0.972, params: 20_000, macs: 30_000, converged: false },
  { method: "l0-hc", lambda: 0.01, acc: 0.977, params: 60_000, macs: 60_000 },
  { method: "l0-hc", lambda: 0.1, width: 0.5, acc: 0.95, kept: [100, 50] },
  { method: "l0-hc", lambda: 0.1, width: 2, acc: 0.95, kept: [110, 52] },
  // dam: a tie on size, broken by accuracy
  { method: "dam", lambda: 0.2, acc: 0.979, params: 30_000, macs: 30_000 },
  { method: "dam", lambda: 0.3, acc: 0.977, params: 30_000, macs: 30_000 },
  // halo: never within budget
  { method: "halo", lambda: 1e-5, acc: 0.9, params: 10_000, macs: 10_000 },
];

function fixture(): Run[] {
  const text = stringify(SPECS.flatMap(rows), { header: true, columns: [...RUN_COLUMNS] });
  return parseCsv(text).map(toRun);
}

function winner(
  board: ReturnType<typeof leaderboards>[number],
  m: string,
  metric: string,
  b: number,
) {
  const r = board.rows.find((x) => x.label === m && x.metric === metric && x.budget === b)!;
  return r.winner;
}

Deno.test("leaderboard: fewest params/MACs within budget, missing seeds, ties, none within", () => {
  const [board] = leaderboards(fixture());
  assert.equal(board.arch, "lenet-300-100");
  assert.ok(Math.abs(board.dense.mean - 0.98) < 1e-12, "dense reference is width 1");
  assert.equal(board.denseWidth, 1);
  assert.equal(board.seeds, 3);
  // l0-hc within 0.5 pt: λ=0.5 (40k, 2 seeds) beats λ=0.1 (50k); λ=1 is 0.8 pt below
  const p05 = winner(board, "l0-hc", "params", 0.5)!;
  assert.equal(p05.strength, "lambda=0.5");
  assert.equal(p05.runs.length, 2);
  assert.equal(p05.seedsTried, 3);
  assert.equal(winner(board, "l0-hc", "params", 1)!.strength, "lambda=1");
  // by MACs λ=0.5 (20k) wins at both budgets
  assert.equal(winner(board, "l0-hc", "macs", 0.5)!.strength, "lambda=0.5");
  assert.equal(winner(board, "l0-hc", "macs", 1)!.strength, "lambda=0.5");
  // dam: equal size, the more accurate setting
  assert.equal(winner(board, "dam", "params", 0.5)!.strength, "lambda=0.2");
  // dense: width 0.5 is within 0.5 pt and smaller than width 1
  assert.equal(winner(board, "dense", "params", 0.5)!.initWidth, 0.5);
  // halo: no point within budget, reported with its best accuracy
  const halo = board.rows.find((r) => r.label === "halo" && r.budget === 1)!;
  assert.equal(halo.winner, null);
  assert.ok(Math.abs(halo.best.acc.mean - 0.9) < 1e-12);
  // table: ranked by size, dam first, l0-hc's seeds flagged, halo last without a rank
  const t = leaderTable(board, "params", 0.5);
  assert.deepEqual(t.rows.map((r) => r[1]), ["dam", "l0-hc", "dense", "halo"]);
  assert.deepEqual(t.rows.map((r) => r[0]), ["1", "2", "3", "—"]);
  assert.equal(t.rows[1][4], "2 of 3");
  assert.match(t.rows[3][2], /none within budget/);
  assert.equal(t.rows[1][7], "40,000 ± 0");
  assert.ok(t.rows.every((r) => r.length === t.header.length));
});

Deno.test("leaderboard: no dense runs, no reference, no winner", () => {
  const [board] = leaderboards(fixture().filter((r) => r.method !== "dense"));
  assert.ok(Number.isNaN(board.dense.mean));
  assert.ok(board.rows.every((r) => r.winner === null));
});

Deno.test("fronts: Pareto marking with ties, one line per method, failed seeds left out", () => {
  assert.deepEqual(
    paretoFront([{ x: 10, acc: 0.9 }, { x: 10, acc: 0.95 }, { x: 20, acc: 0.95 }, {
      x: 30,
      acc: 0.96,
    }]),
    [false, true, false, true],
  );
  const l0 = frontPoints(fixture(), "params").filter((p) =>
    p.setting.label === "l0-hc" && p.setting.initWidth === 1
  );
  const on = Object.fromEntries(l0.map((p) => [p.setting.strength, p.onFront]));
  // λ=0.01 is larger and less accurate than λ=0.1
  assert.deepEqual(on, {
    "lambda=0.1": true,
    "lambda=0.5": true,
    "lambda=1": true,
    "lambda=0.01": false,
  });
  const spec = frontChart({ runs: fixture(), history: [] }, "macs")!;
  const values = (spec.data as { values: Record<string, unknown>[] }).values;
  assert.equal(values.filter((v) => v.kind === "dense").length, 1);
  const lam05 = values.find((v) => v.method === "l0-hc" && String(v.setting).includes("0.5 "))!;
  assert.equal(lam05.n, 2);
  assert.ok((lam05.hi as number) > (lam05.lo as number), "seed error bars");
  assert.equal(frontChart({ runs: [], history: [] }, "params"), null);
  // a method drawn only through its variants has no legend entry of its own
  const dam = fixture().filter((r) => r.method === "dam");
  const variant = (g: string) =>
    dam.map((r) => ({
      ...r,
      method: "magnitude",
      runId: `${r.runId}-${g}`,
      hparams: JSON.stringify({ granularity: g }),
    }));
  const withVariants = [...fixture(), ...variant("unit"), ...variant("weight")];
  const legend = JSON.stringify(frontChart({ runs: withVariants, history: [] }, "params"));
  assert.match(legend, /"magnitude \(granularity=unit\)","magnitude \(granularity=weight\)"/);
  assert.doesNotMatch(legend, /"magnitude",/);
  // a number that only changes with the variant is part of its name, not a strength
  const ft = (g: string, e: number) =>
    variant(g).map((r) => ({
      ...r,
      hparams: JSON.stringify({ granularity: g, fineTuneEpochs: e }),
    }));
  const named = settingsOf([...ft("unit", 2), ...ft("weight", 0)]);
  assert.deepEqual([...new Set(named.map((x) => `${x.label}|${x.strength}`))].sort(), [
    "magnitude (fineTuneEpochs=0, granularity=weight)|",
    "magnitude (fineTuneEpochs=2, granularity=unit)|",
  ]);
});

Deno.test("width robustness: CV across widths and the stated criterion", () => {
  const sweeps = widthSweeps(fixture());
  const l0 = sweeps.find((s) => s.label === "l0-hc")!;
  const dense = sweeps.find((s) => s.label === "dense")!;
  // scaled layers only: 150, 155, 162 → CV ≈ 0.039; dense 200, 400, 800 → CV ≈ 0.65
  assert.ok(Math.abs(l0.cv - 0.0389) < 1e-3, String(l0.cv));
  assert.ok(l0.cv <= ROBUST_MAX_CV && l0.robust === true);
  assert.ok(Math.abs(dense.cv - 0.6547) < 1e-3, String(dense.cv));
  assert.equal(dense.robust, false);
  assert.ok(Math.abs(dense.cvInit - dense.cv) < 1e-9, "dense keeps a fixed fraction");
  assert.equal(sweeps.length, 2, "only settings run at ≥ 2 widths");
});

Deno.test("findings: the known answer of the fixture, written by code", () => {
  const text = findings(fixture());
  const p05 = text.find((t) => t.includes("within 0.5 pt") && t.includes("compact parameters"))!;
  assert.match(p05, /^mnist · lenet-300-100, within 0\.5 pt of dense \(98\.00 %\)/);
  assert.match(
    p05,
    /\*\*dam \[lambda=0\.2, width 1\] 30,000 \(8\.9× fewer than dense\) at 97\.90 %\*\* leads/,
  );
  assert.match(p05, /2\. l0-hc \[lambda=0\.5, width 1\] 40,000 at 97\.60 %/);
  assert.match(p05, /Not within budget at any setting: halo \(best 90\.00 %\)/);
  const m1 = text.find((t) => t.includes("within 1 pt") && t.includes("compact MACs"))!;
  assert.match(m1, /\*\*l0-hc \[lambda=0\.5, width 1\] 20,000/);
  assert.ok(text.some((t) => /width-robust .*: l0-hc \[lambda=0\.1\] \(CV 0\.04\)/.test(t)));
  assert.ok(text.some((t) => /Not width-robust: dense \(CV 0\.65\)/.test(t)));
  const conv = text.find((t) => t.startsWith("Structure did not converge"))!;
  assert.match(conv, /in 3 of \d+ runs: lenet-300-100 l0-hc λ=1 width 1 \(seeds 1, 2, 3\)/);
  // the markdown and the sections carry the same text
  const md = analysisMarkdown(analysisSections(fixture()));
  assert.ok(md.includes(p05));
  assert.match(md, /## Leaderboard/);
  assert.match(md, /## Width robustness/);
});

Deno.test("findings: smoke-like data says what it cannot show", () => {
  const one = fixture().filter((r) => r.seed === 1 && r.initWidth === 1);
  const text = findings(one).join("\n");
  assert.match(text, /One seed per setting/);
  assert.match(text, /Width robustness cannot be judged/);
  assert.match(text, /Single operating point \(no front, just a dot\): .*dense on lenet-300-100/);
  const [f] = analysisSections(one, ["width_invariance", "robustness"]);
  assert.match(
    f.paragraphs.at(-1)!,
    /^Charts this data cannot fill \(not drawn\): width_invariance \(needs one setting run at two or more initial widths\), robustness \(needs two or more seeds/,
  );
});

Deno.test("structure_converged: last 20 % of epochs, 2 % tolerance", () => {
  // 10 epochs → window is after epoch 8 through after epoch 10
  assert.equal(structureConverged([500, 400, 300, 250, 240, 236, 235, 234, 233, 233]), true);
  assert.equal(structureConverged([500, 400, 300, 250, 240, 236, 235, 234, 233, 200]), false);
  // a drop before the window does not count; one just inside does
  assert.equal(structureConverged([500, 500, 500, 500, 500, 500, 500, 300, 300, 300]), true);
  assert.equal(structureConverged([500, 500, 500, 500, 500, 500, 500, 500, 300, 300]), false);
  // exactly 2 % is not < 2 %; just under is
  assert.equal(structureConverged([100, 100, 100, 100, 98]), false);
  assert.equal(structureConverged([100, 100, 100, 100, 98.5]), true);
  // too short or broken histories cannot be judged; constant is converged
  assert.equal(structureConverged([]), null);
  assert.equal(structureConverged([300]), null);
  assert.equal(structureConverged([300, NaN]), null);
  assert.equal(structureConverged([300, 300]), true);
  // the column round-trips through runs.csv
  const runs = fixture();
  assert.equal(runs.find((r) => r.method === "l0-hc" && r.lambda === 1)!.structureConverged, false);
  assert.equal(runs.find((r) => r.method === "dam")!.structureConverged, true);
  assert.equal(toRun({ structure_converged: "" }).structureConverged, null);
});

Deno.test("findings: pruning levels against the goal and paper claims, from the fixture", () => {
  const text = findings(fixture());
  const levels = text.find((t) => t.includes("most hidden units removed"))!;
  // l0-hc λ=0.1 keeps 105 + 50 of 400 hidden units (61.3 % removed); dam prunes nothing
  assert.match(
    levels,
    /goal ≥ 50\.0 %\): reached by l0-hc 61\.3 % \(lambda=0\.1, accuracy 97\.80 %\)/,
  );
  assert.match(levels, /not reached by dam 0\.0 %/);
  // every method reaching the goal is said so (not "not reached by none")
  const noDam = fixture().filter((r) => r.method !== "dam");
  assert.match(
    findings(noDam).find((t) => t.includes("most hidden"))!,
    /every one reached it: l0-hc/,
  );
  const l0 = text.find((t) => t.startsWith("Paper claim, l0-hc"))!;
  assert.match(
    l0,
    /\*\*reproduced\*\*\. mnist · lenet-300-100: within 0\.5 pt .* 61\.3 % of hidden/,
  );
  const dam = text.find((t) => t.startsWith("Paper claim, dam"))!;
  assert.match(dam, /\*\*not reproduced\*\*/);
  assert.ok(!l0.includes("marginal"), "0.3 pt above the budget, seed sd 0.14 pt: not marginal");
  // the same setting 0.02 pt above the budget: reproduced, flagged as within seed noise
  const close = fixture().map((r) =>
    r.method === "l0-hc" && r.lambda === 0.1 && r.initWidth === 1
      ? { ...r, acc: r.acc! - 0.0028 }
      : r
  );
  assert.match(
    findings(close).find((t) => t.startsWith("Paper claim, l0-hc"))!,
    /\*\*reproduced\*\*.*marginal: it passes by 0\.02 pt, within the seed noise \(sd of the difference 0\.14 pt\)/,
  );
  // the fixture has halo but no weight-level magnitude baseline: the HALO claim cannot be judged
  assert.match(text.find((t) => t.startsWith("Paper claim, halo"))!, /: cannot judge\. needs/);
  assert.ok(!text.some((t) => t.startsWith("Paper claim, vbp")), "no vbp runs, no vbp claims");
  // hidden units: every gate group but a dense layer's inputs (LeNet-5-Caffe's fc1.in is 3rd)
  assert.deepEqual(hiddenPositions("lenet-5-caffe"), [0, 1, 3]);
  assert.equal(hiddenPositions("no-such-arch"), null);
});

Deno.test("README results section: header from the manifest, findings and charts from the runs", () => {
  const manifest = {
    suite: "fixture",
    startedAt: "2026-12-02T00:00:00Z",
    gitSha: "abc123",
    backend: "wasm+blas",
    denoVersion: "2.9.6",
    tfjsVersion: "4.22.0",
    machine: { cores: 2, memoryGiB: 24, os: "linux", arch: "x86_64", cpu: "Some CPU" },
    invocations: [
      { wallSeconds: 1800, ran: 40, jobs: 2, interrupted: true },
      { wallSeconds: 1200, ran: 20, jobs: 2, interrupted: false },
    ],
  };
  const md = resultsSection(manifest, fixture(), ["front_params.png"], "docs/results");
  assert.match(md, /^<!-- results:begin -->/);
  assert.match(md, /<!-- results:end -->$/);
  assert.match(
    md,
    /suite `fixture`, `--jobs 2`\), started 2026-12-02T00:00:00Z at code revision `abc123`/,
  );
  assert.match(md, /Machine: Some CPU, 2 cores, 24 GiB/);
  assert.match(
    md,
    /Wall time: \*\*50\.0 min over 2 invocations \(40 runs in 30\.0 min, 20 runs in 20\.0 min\)\*\*/,
  );
  // the failed seed of l0-hc λ=0.5 counts as a failed run
  assert.match(md, /; \d+ runs, 1 failed\./);
  assert.ok(md.includes(findings(fixture())[0]), "the report's own findings");
  assert.match(md, /### Leaderboard/);
  assert.ok(!/fewest compact MACs within/.test(md), "MAC leaderboards are linked, not inlined");
  assert.match(md, /!\[Accuracy vs compact parameters[^\]]*\]\(docs\/results\/front_params\.png\)/);
});
