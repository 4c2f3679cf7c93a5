/**
 * Small-scale validation of `vbp`, `dam` and `halo` (docs/methods.md §8B). Prints PASS/FAIL
 * with numbers, writes results/validate-methods/report.txt, exits non-zero on any FAIL.
 * Sized for ≈ 15 minutes on 2 CPU cores: MNIST subsets and few epochs (said in the output).
 *
 * Run: `deno task validate:methods` (options: `--backend cpu|wasm`, `--quick`, `--long` adds
 * vbp on LeNet-5-Caffe, `--only dam,halo,vbp,vbp-lenet5` runs only those sections).
 *
 * @module
 */
import * as tf from "../src/deps/tfjs.ts";
import { initBackend } from "../src/runtime/backend.ts";
import { type Dataset, loadDataset } from "../src/data/mod.ts";
import { Network } from "../src/models/network.ts";
import { getArch } from "../src/models/registry.ts";
import type { ArchSpec } from "../src/models/spec.ts";
import type { MethodSpec } from "../src/methods/types.ts";
import { train } from "../src/train/loop.ts";
import { disposePoints, type TrainResult } from "../src/train/types.ts";
import type { TrainConfig } from "../src/train/config.ts";
import { Rng } from "../src/util/rng.ts";
import { VBP, VBP_DEFAULTS } from "../src/methods/vbp.ts";
import { DAM, DAM_DEFAULTS, type DamConfig } from "../src/methods/dam.ts";
import { HALO, HALO_DEFAULTS, type HaloConfig } from "../src/methods/halo.ts";
import { METHODS } from "../src/methods/registry.ts";
import { parseOrExit } from "../src/util/usage.ts";
import { SCRIPTS } from "./help.ts";

const { values: flags } = parseOrExit(SCRIPTS["validate:methods"]);
const quick = flags.quick === true;
const long = flags.long === true;
/** Sections to run: `--only dam,halo,vbp,vbp-lenet5`; vbp-lenet5 runs by default only with --long. */
const sections = new Set(
  Deno.args.some((a) => a === "--only" || a.startsWith("--only="))
    ? String(flags.only).split(",")
    : ["dam", "halo", "vbp", ...(long ? ["vbp-lenet5"] : [])],
);
const backend = String(flags.backend);
const lines: string[] = [];
let failed = 0;
const say = (s: string) => {
  console.log(s);
  lines.push(s);
};
const check = (name: string, pass: boolean, detail: string) => {
  if (!pass) failed++;
  say(`${pass ? "PASS" : "FAIL"}  ${name}: ${detail}`);
};
const f = (x: number, d = 3) => x.toFixed(d);

/** Trains a fresh network with `spec` and returns the result (caller disposes). */
async function run<C extends object>(
  arch: ArchSpec,
  seed: number,
  spec: MethodSpec<C>,
  config: C,
  ds: Dataset,
  tc: TrainConfig,
): Promise<{ net: Network; result: TrainResult }> {
  const net = new Network(arch, { seed });
  const { method, ...result } = await train(
    net,
    { spec, config, rng: new Rng(seed, 99) },
    ds,
    { ...tc, seed },
  );
  method.dispose();
  return { net, result };
}
const done = (r: { net: Network; result: TrainResult }) => {
  disposePoints(r.result, r.net);
  r.net.dispose();
};

await initBackend(backend);
say(`validate-methods: backend ${backend}${quick ? " (quick)" : ""}, ${new Date().toISOString()}`);

// ---------------------------------------------------------------- DAM: linear DR (§4.3, §8B)
if (sections.has("dam")) {
  say("\n== dam: linear dimensionality reduction (synthetic:lowrank, d=100, rank 10) ==");
  const steps = quick ? 600 : 2000;
  say(
    `   linear AE 100→50→100 without bias, DAM on the code, Adam lr 0.01 (wd 1e-6), full batch, MSE, ${steps} steps`,
  );
  const ds = await loadDataset("synthetic:lowrank", { seed: 0 });
  const arch: ArchSpec = {
    id: "linear-ae",
    inputShape: [100],
    numClasses: 100,
    layers: [
      { type: "dense", name: "enc", units: 50, activation: "none", gated: true, bias: false },
      { type: "dense", name: "dec", units: 100, activation: "none", bias: false },
    ],
  };
  const tc: TrainConfig = {
    epochs: steps,
    batchSize: ds.train.n,
    shuffle: false,
    evalEvery: steps,
    optimizer: { kind: "adam", lr: 0.01, weightDecay: 1e-6 },
  };
  const active: Record<number, number> = {};
  for (const lambda of [0.003, 0.01, 0.03, 0.1]) {
    const cfg: DamConfig = { ...DAM_DEFAULTS, lambda, penalty: "linear", coldStartEpochs: 0 };
    const r = await run(arch, 1, DAM, cfg, ds, tc);
    const last = r.result.history.at(-1)!;
    active[lambda] = last.logs["active.enc"];
    say(
      `   λ = ${lambda}: active ${active[lambda]}, β = ${f(last.logs["beta.enc"])}, test MSE ${
        last.testLoss?.toExponential(3)
      }`,
    );
    done(r);
  }
  check(
    "dam ends with 10 active dimensions at λ = 0.01",
    active[0.01] === 10,
    `active = ${active[0.01]} (true rank 10)`,
  );
  const seq = [0.003, 0.01, 0.03, 0.1].map((l) => active[l]);
  check(
    "dam active dimension non-increasing in λ",
    seq.every((a, i) => i === 0 || a <= seq[i - 1]),
    `λ = 0.003…0.1 → ${seq.join(", ")}`,
  );
}

// ---------------------------------------------------------------- MNIST subsets
const trainN = quick ? 5000 : 20000;
const mnist = await loadDataset("mnist", { trainLimit: trainN });
say(`\n(MNIST subset: ${trainN} training images, full 10k test set)`);

// ---------------------------------------------------------------- HALO (§5, §8B)
if (sections.has("halo")) {
  const epochs = quick ? 3 : 8;
  say(`\n== halo: LeNet-300-100 on MNIST, SGD lr 0.1 momentum 0.9, batch 100, ${epochs} epochs ==`);
  const tc: TrainConfig = {
    epochs,
    batchSize: 100,
    evalEvery: epochs,
    optimizer: { kind: "sgd", lr: 0.1, momentum: 0.9 },
  };
  // Short-run constants (said in the report): ξ large enough to matter in a few epochs, λ's lr
  // 10× the weights' and decay 1e-3 so λ reaches its (2ξ|θ|/wd)^(1/4) equilibrium in ~1 epoch.
  const cfg: HaloConfig = {
    ...HALO_DEFAULTS,
    xi: 2e-7,
    psi: 1e-8,
    lambdaOptimizer: "sgd",
    lambdaLr: 1,
    lambdaWeightDecay: 1e-3,
  };
  say(
    `   HALO: ξ = ${cfg.xi}, ψ = ${cfg.psi}, λ: SGD lr ${cfg.lambdaLr} momentum 0.9, weight decay ${cfg.lambdaWeightDecay}`,
  );
  const arch = getArch("lenet-300-100");
  const h = await run(arch, 1, HALO, cfg, mnist, tc);
  // Baseline: weight decay on the weights, same budget, the same magnitude pruning (HALO with ξ = 0).
  const wdCfg: HaloConfig = { ...HALO_DEFAULTS, xi: 0, psi: 0, variant: "l1" };
  const w = await run(arch, 1, HALO, wdCfg, mnist, {
    ...tc,
    optimizer: { ...tc.optimizer, weightDecay: 5e-4 },
  });
  say("   baseline: plain SGD with weight decay 5e-4 on the weights, same epochs and pruning");
  const acc = (r: TrainResult, label: string) => r.points.find((p) => p.label === label)!.acc!;
  const hLast = h.result.history.at(-1)!, wLast = w.result.history.at(-1)!;
  const hDense = hLast.testAcc!, wDense = wLast.testAcc!;
  say(`   dense test acc: HALO ${f(hDense, 4)}, weight decay ${f(wDense, 4)}`);
  for (const t of [0.5, 0.7, 0.9, 0.95]) {
    say(
      `   sparsity ${t}: HALO acc ${f(acc(h.result, `sparsity=${t}`), 4)} (paper-set sparsity ${
        f(hLast.logs[`sparsity_paper@${t}`], 4)
      }, all-params ${f(hLast.logs[`sparsity_all@${t}`], 4)}); weight decay acc ${
        f(acc(w.result, `sparsity=${t}`), 4)
      }`,
    );
  }
  const slope = hLast.logs.lambda_loglog_slope;
  check(
    "halo λ correlates with |θ| (log-log slope ≈ 1/4 with decay on λ)",
    slope > 0.15 && slope < 0.35,
    `slope = ${f(slope)} (predicted 0.25)`,
  );
  const dropH = hDense - acc(h.result, "sparsity=0.9"),
    dropW = wDense - acc(w.result, "sparsity=0.9");
  check(
    "halo loses less accuracy than weight decay at 90% one-shot sparsity",
    dropH < dropW,
    `drop ${f(dropH, 4)} vs ${f(dropW, 4)}`,
  );
  const d95H = hDense - acc(h.result, "sparsity=0.95"),
    d95W = wDense - acc(w.result, "sparsity=0.95");
  say(`INFO  halo at 95% (measurement): drop ${f(d95H, 4)} vs weight decay ${f(d95W, 4)}`);
  done(h);
  done(w);
}

// ---------------------------------------------------------------- vbp (docs/methods/vbp.md)
/** One vbp (or dense) run's measurements for the paper's claims. */
interface VbpRow {
  label: string;
  kept: number[];
  initial: number[];
  acc: number;
  macs: number;
  polar: number;
  early: number;
  removed: number;
}

/** Trains `spec` and measures kept units (π > 0.5), removals by the first quarter, MACs. */
async function vbpRun(
  label: string,
  arch: ArchSpec,
  seed: number,
  spec: MethodSpec<object>,
  cfg: object,
  ds: Dataset,
  tc: TrainConfig,
  ids: string[],
): Promise<VbpRow> {
  const r = await run(arch, seed, spec, cfg, ds, tc);
  const hist = r.result.history, last = hist.at(-1)!;
  const initial = ids.map((id) => r.net.group(id).initialSize);
  const quarter = hist[Math.max(0, Math.ceil(hist.length / 4) - 1)];
  const removedEnd = ids.reduce((a, id, k) => a + initial[k] - last.widths[id], 0);
  const removedQ = ids.reduce((a, id, k) => a + initial[k] - quarter.widths[id], 0);
  const row: VbpRow = {
    label,
    kept: ids.map((id) => last.unitsKept[id]),
    initial,
    acc: last.testAcc!,
    macs: r.result.trainMacs / r.result.trainMacsDense,
    polar: last.logs.polarised ?? NaN,
    early: removedEnd ? removedQ / removedEnd : NaN,
    removed: removedEnd,
  };
  say(
    `   ${label}: kept ${row.kept.join("-")} of ${initial.join("-")} (π > 0.5), test acc ${
      f(row.acc, 4)
    }, training MACs ${f(100 * row.macs, 1)}% of dense, polarised ${
      hist.map((e) => f(e.logs.polarised ?? NaN, 2)).join(" → ")
    }, removed ${removedEnd} units (${f(100 * row.early, 1)}% by epoch ${quarter.epoch}), widths ${
      hist.map((e) => ids.map((id) => e.widths[id]).join("-")).join(" → ")
    }, ${f(r.result.wallS, 0)} s`,
  );
  done(r);
  return row;
}

/** max |x − mean|/mean. */
const dev = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.max(...xs.map((x) => Math.abs(x - m))) / m;
};

if (sections.has("vbp")) {
  const epochs = quick ? 4 : 8;
  const mnistFull = quick ? mnist : await loadDataset("mnist");
  const tc: TrainConfig = {
    epochs,
    batchSize: 100,
    evalEvery: epochs,
    optimizer: { kind: "adam", lr: 1e-3 },
  };
  say(
    `\n== vbp: LeNet-300-100 on MNIST (${mnistFull.train.n} training images), Adam 1e-3, batch 100, ${epochs} epochs, vbp defaults ==`,
  );
  const ids = ["fc1", "fc2"];
  const rows: VbpRow[] = [];
  for (const [seed, width] of [[1, 1], [2, 1], [3, 1], [1, 2], [1, 4]]) {
    const arch = getArch("lenet-300-100", width);
    rows.push(
      await vbpRun(
        `seed ${seed} width ${width}×`,
        arch,
        seed,
        VBP,
        VBP_DEFAULTS,
        mnistFull,
        tc,
        ids,
      ),
    );
  }
  const dense = await vbpRun(
    "dense seed 1 width 1×",
    getArch("lenet-300-100"),
    1,
    METHODS.dense as MethodSpec<object>,
    METHODS.dense.defaults,
    mnistFull,
    tc,
    ids,
  );
  vbpClaims(rows, dense, rows.slice(0, 3), [rows[0], rows[3], rows[4]], ids);
}

if (sections.has("vbp-lenet5")) {
  const epochs = quick ? 2 : 4, n = quick ? 5000 : 20000;
  const ds = await loadDataset("mnist", { trainLimit: n });
  const tc: TrainConfig = {
    epochs,
    batchSize: 100,
    evalEvery: epochs,
    optimizer: { kind: "adam", lr: 1e-3 },
  };
  say(
    `\n== vbp: LeNet-5-Caffe on MNIST (${n} training images, full test set), Adam 1e-3, batch 100, ${epochs} epochs, vbp defaults ==`,
  );
  const ids = ["conv1", "conv2", "fc1"];
  const arch = getArch("lenet-5-caffe");
  const v = await vbpRun("vbp seed 1", arch, 1, VBP, VBP_DEFAULTS, ds, tc, ids);
  const dense = await vbpRun(
    "dense seed 1",
    arch,
    1,
    METHODS.dense as MethodSpec<object>,
    METHODS.dense.defaults,
    ds,
    tc,
    ids,
  );
  vbpClaims([v], dense, [], [], ids);
  const filters = 1 - (v.kept[0] + v.kept[1]) / (v.initial[0] + v.initial[1]);
  check(
    "vbp LeNet-5-Caffe removes ≥ 40% of conv filters within 0.5 pt of dense",
    filters >= 0.4 && v.acc >= dense.acc - 0.005,
    `${f(100 * filters, 1)}% of conv filters removed (kept ${v.kept[0]}/${v.initial[0]}, ${
      v.kept[1]
    }/${v.initial[1]}); acc ${f(v.acc, 4)} vs dense ${f(dense.acc, 4)}`,
  );
}

/** The paper's claims over a set of runs (widths/seeds checks skipped when not given). */
function vbpClaims(
  rows: VbpRow[],
  dense: VbpRow,
  seeds: VbpRow[],
  widths: VbpRow[],
  ids: string[],
) {
  const polar = Math.min(...rows.map((r) => r.polar));
  check(
    "vbp π polarises",
    polar >= 0.95,
    `lowest final fraction of π within 0.01 of 0 or 1 (removed units count as 0): ${
      f(polar)
    } (needs ≥ 0.95)`,
  );
  const early = Math.min(...rows.map((r) => r.early)), macs = Math.max(...rows.map((r) => r.macs));
  check(
    "vbp prunes early",
    early >= 0.9 && macs <= 0.6,
    `lowest share of the removed units removed in the first quarter of the epochs ${
      f(early)
    } (≥ 0.9); highest training MACs ${f(macs)} × dense (≤ 0.6)`,
  );
  // kept units per layer within `tol` of their mean across the runs (widths, or seeds)
  const spread = (name: string, runs: typeof rows, tol: number) => {
    if (!runs.length) return;
    const d = ids.map((_, k) => dev(runs.map((r) => r.kept[k])));
    check(
      name,
      d.every((x) => x <= tol),
      ids.map((id, k) =>
        `${id} ${runs.map((r) => r.kept[k]).join("/")} (max dev ${f(100 * d[k], 1)}%)`
      ).join(", ") + ` (≤ ${Math.round(100 * tol)}% of the mean)`,
    );
  };
  spread("vbp kept units independent of the initial width (1×, 2×, 4×)", widths, 0.15);
  spread("vbp kept units independent of the seed (3 seeds)", seeds, 0.1);
  const worst = Math.min(...rows.map((r) => r.acc));
  check(
    "vbp accuracy within 0.5 pt of dense (same budget)",
    worst >= dense.acc - 0.005,
    `lowest vbp test acc ${f(worst, 4)} vs dense ${f(dense.acc, 4)}`,
  );
}

say(
  `\n${failed ? `${failed} check(s) FAILED` : "all checks PASSED"} (registered methods: ${
    Object.keys(METHODS).join(", ")
  })`,
);
await Deno.mkdir("results/validate-methods", { recursive: true });
await Deno.writeTextFile("results/validate-methods/report.txt", lines.join("\n") + "\n");
tf.disposeVariables();
Deno.exit(failed ? 1 : 0);
