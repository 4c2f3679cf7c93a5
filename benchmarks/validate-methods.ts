/**
 * Small-scale validation of `vbp`, `dam` and `halo` (docs/methods.md §8B). Prints PASS/FAIL
 * with numbers, writes results/validate-methods/report.txt, exits non-zero on any FAIL.
 * Sized for ≈ 15 minutes on 2 CPU cores: MNIST subsets and few epochs (said in the output).
 *
 * Run: `deno task validate:methods` (options: `--backend cpu|wasm`, `--quick`).
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
import { createMethodContext } from "../src/train/context.ts";
import type { TrainConfig } from "../src/train/config.ts";
import { Rng } from "../src/util/rng.ts";
import { VBP, VBP_DEFAULTS, type VbpConfig } from "../src/methods/vbp.ts";
import { DAM, DAM_DEFAULTS, type DamConfig } from "../src/methods/dam.ts";
import { HALO, HALO_DEFAULTS, type HaloConfig } from "../src/methods/halo.ts";
import { METHODS } from "../src/methods/registry.ts";

const args = Deno.args;
const quick = args.includes("--quick");
const backend = args.includes("--backend") ? args[args.indexOf("--backend") + 1] : "wasm";
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
  const ctx = createMethodContext(net, ds, tc, new Rng(seed, 99));
  const method = spec.create(ctx, config);
  const result = await train(net, method, ds, { ...tc, seed });
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
{
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
{
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

// ---------------------------------------------------------------- vbp (§3.1, §8B)
{
  const epochs = quick ? 4 : 6;
  const piLr = 0.1;
  // Full training set: the prior term scales as 1/N against the data term (N = 60000 in §3.1).
  const mnistFull = quick ? mnist : await loadDataset("mnist");
  say(
    `\n== vbp: LeNet-300-100 on MNIST (${mnistFull.train.n} training images), Adam 1e-3, batch 100, ${epochs} epochs, η_π = ${piLr} ==`,
  );
  say(
    "   (η_π raised from 0.01 so that removals happen within a short run: π of a useless unit falls ≈ η_π·d/(2B) per epoch)",
  );
  const tc: TrainConfig = {
    epochs,
    batchSize: 100,
    evalEvery: epochs,
    optimizer: { kind: "adam", lr: 1e-3 },
  };
  const cfg: VbpConfig = { ...VBP_DEFAULTS, piLr };
  const rows: {
    seed: number;
    width: number;
    kept: number[];
    acc: number;
    macs: number;
    polar: number[];
  }[] = [];
  let stayRemoved = true, earlyRemoval = Infinity;
  for (const [seed, width] of [[1, 1], [2, 1], [3, 1], [1, 2]]) {
    const r = await run(getArch("lenet-300-100", width), seed, VBP, cfg, mnistFull, tc);
    const hist = r.result.history;
    for (const id of ["fc1", "fc2"]) {
      const ws = hist.map((e) => e.widths[id]);
      if (ws.some((v, i) => i > 0 && v > ws[i - 1])) stayRemoved = false;
      const first = ws.findIndex((v) => v < ws[0] || v < r.net.group(id).initialSize);
      if (first >= 0) earlyRemoval = Math.min(earlyRemoval, first + 1);
      if (hist.at(-1)!.unitsKept[id] > hist.at(-1)!.widths[id]) stayRemoved = false;
    }
    const last = hist.at(-1)!;
    const row = {
      seed,
      width,
      kept: ["fc1", "fc2"].map((id) => last.unitsKept[id]),
      acc: last.testAcc!,
      macs: r.result.trainMacs / r.result.trainMacsDense,
      polar: hist.map((e) => e.logs.polarised),
    };
    rows.push(row);
    say(
      `   seed ${seed} width ${width}×: kept ${row.kept.join("-")} (of ${300 * width}-${
        100 * width
      }), widths ${["fc1", "fc2"].map((id) => last.widths[id]).join("-")}, test acc ${
        f(row.acc, 4)
      }, training MACs ${f(100 * row.macs, 1)}% of dense, polarised ${
        row.polar.map((p) => f(p, 2)).join(" → ")
      }, kept last changed at epoch ${
        ["fc1", "fc2"].map((id) => last.logs[`kept_changed_epoch.${id}`] + 1).join("/")
      }, train acc ${f(last.trainAcc!)}, σ²_fc1 ${
        hist.map((e) => e.logs["sigma2.fc1"].toExponential(1)).join(" → ")
      }`,
    );
    done(r);
  }
  const polarEnd = Math.min(...rows.map((r) => r.polar.at(-1)!));
  check(
    "vbp π polarises",
    polarEnd > 0.9 && rows.every((r) => r.polar.at(-1)! > r.polar[0]),
    `lowest final fraction of π within 0.01 of 0 or 1 over the runs: ${
      f(polarEnd)
    } (needs > 0.9, rising from the first epoch)`,
  );
  check(
    "vbp units removed early stay removed",
    stayRemoved && earlyRemoval <= epochs / 2,
    `first removal after epoch ${earlyRemoval}; widths never grow`,
  );
  const w1 = rows.filter((r) => r.width === 1);
  const spread = (xs: number[]) =>
    (Math.max(...xs) - Math.min(...xs)) / (xs.reduce((a, b) => a + b, 0) / xs.length);
  const sp = [0, 1].map((k) => spread(w1.map((r) => r.kept[k])));
  const pruned = w1.some((r) => r.kept[0] < 300 || r.kept[1] < 100);
  check(
    "vbp kept units similar across 3 seeds",
    pruned && sp.every((s) => s <= 0.2),
    `relative spread fc1 ${f(sp[0])}, fc2 ${
      f(sp[1])
    } (≤ 0.2; vacuous unless some unit is pruned: ${pruned})`,
  );
  const two = rows.find((r) => r.width === 2)!, one = rows[0];
  const ratio = [0, 1].map((k) => two.kept[k] / one.kept[k]);
  check(
    "vbp kept units similar across widths 1× and 2×",
    ratio.every((x) => x >= 0.7 && x <= 1.43),
    `2×/1× kept ratio fc1 ${f(ratio[0])}, fc2 ${f(ratio[1])} (within 0.7–1.43)`,
  );
  say(`INFO  vbp training MACs vs dense: ${rows.map((r) => `${f(100 * r.macs, 1)}%`).join(", ")}`);
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
