/**
 * Validation suite of the L0 family (methods.md §8B): checks that need training, on real MNIST
 * with LeNet-300-100, Adam 1e-3, batch 100, through the engine's `train()`.
 *
 *     deno task validate:l0 [--quick]    (permissions: src/cli/permissions.ts, scriptScopes)
 *
 * Prints `PASS`/`FAIL` per check with the measured numbers, writes them to
 * results/validate-l0/report.txt and exits non-zero on any FAIL. The full run takes about 6
 * minutes of one core (wasm backend); `--quick` trains the sweeps on a 10k subset for 2 epochs (a
 * pipeline check: checks that need the full budget print SKIP with their numbers). The pixel-gate
 * check always runs its 4,200 steps, since the predicted closing time is a number of Adam steps.
 *
 * @module
 */
import { initBackend } from "../src/runtime/backend.ts";
import { type Dataset, loadDataset } from "../src/data/mod.ts";
import {
  createMethodContext,
  type EpochRecord,
  train,
  type TrainConfig,
} from "../src/train/mod.ts";
import { getMethod, resolveConfig } from "../src/methods/registry.ts";
import { Network } from "../src/models/network.ts";
import { getArch } from "../src/models/registry.ts";
import { Rng } from "../src/util/rng.ts";
import { LN11 } from "../src/methods/_concrete.ts";
import { parseOrExit } from "../src/util/usage.ts";
import { SCRIPTS } from "./help.ts";

const { values: flags } = parseOrExit(SCRIPTS["validate:l0"]);
const quick = flags.quick === true;
const backend = String(flags.backend);
const lines: string[] = [];
let failed = 0;
const say = (s: string) => (console.log(s), lines.push(s));
/** Records a check; `needsFull` checks are reported as SKIP (with their numbers) under --quick. */
const check = (name: string, ok: boolean, detail: string, needsFull = false) => {
  if (needsFull && quick) return say(`SKIP ${name} (needs the full run; quick numbers: ${detail})`);
  if (!ok) failed++;
  say(`${ok ? "PASS" : "FAIL"} ${name}: ${detail}`);
};
const f = (x: number, d = 3) => x.toFixed(d);

interface Run {
  history: EpochRecord[];
  acc: number;
  extra: unknown[];
}

/** Trains LeNet-300-100 with `id` and overrides; `onEpoch` may read the live method. */
async function run(
  ds: Dataset,
  id: string,
  hparams: Record<string, unknown>,
  epochs: number,
  onEpoch?: (m: ReturnType<ReturnType<typeof getMethod>["create"]>) => unknown,
): Promise<Run> {
  const t0 = performance.now();
  const net = new Network(getArch("lenet-300-100"), { seed: 1 });
  const cfg: TrainConfig = {
    epochs,
    batchSize: 100,
    optimizer: { kind: "adam", lr: 1e-3 },
    seed: 1,
  };
  const spec = getMethod(id);
  const { config, problems } = resolveConfig(spec, hparams);
  if (problems.length) throw new Error(problems.join("\n"));
  const context = createMethodContext(net, ds, cfg, new Rng(1));
  const method = spec.create(context, config);
  const extra: unknown[] = [];
  const r = await train(net, { method, context }, ds, cfg, {
    onEpoch: () => void (onEpoch && extra.push(onEpoch(method))),
  });
  const last = r.history[r.history.length - 1];
  const acc = last.testAcc ?? NaN;
  console.log(
    `  ${id} ${JSON.stringify(hparams)} ${epochs} ep: test acc ${
      f(acc, 4)
    }, kept ${last.unitsKeptTotal}` +
      ` (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
  for (const p of r.points) if (p.network !== net) p.network.dispose();
  method.dispose();
  net.dispose();
  return { history: r.history, acc, extra };
}

const hidden = (r: EpochRecord) => (r.unitsKept["fc1"] ?? 0) + (r.unitsKept["fc2"] ?? 0);
const nonIncreasing = (xs: number[], tol: number) =>
  xs.every((x, i) => i === 0 || x <= xs[i - 1] + tol);

await initBackend(backend);
const limit = quick ? 10_000 : undefined;
const PIXEL_EPOCHS = 7;
const sweepEpochs = quick ? 2 : PIXEL_EPOCHS; // gates need > 2,400 Adam steps to close from log α = 0
const diffpruneEpochs = quick ? 2 : 3;
let pixelRun: Run | null = null;
say(
  `validate-l0 (${
    quick
      ? "quick: sweeps on 10k MNIST images, 2 epochs"
      : "full: 60k MNIST images; l0-hc sweep and dense 7 epochs, diffprune 3"
  }; backend ${backend})`,
);
const full = await loadDataset("mnist", { progress: false });
const ds = limit ? await loadDataset("mnist", { trainLimit: limit, progress: false }) : full;

// 1. L0-HC λ = 0.1/N on the full set: always-zero pixels close, expected L0 falls, polarisation.
{
  const n = full.train.n, x = full.train.x as ArrayLike<number>, dim = 784;
  const zeroPixels: number[] = [];
  for (let p = 0; p < dim; p++) {
    let any = false;
    for (let i = 0; i < n && !any; i++) any = x[i * dim + p] !== 0;
    if (!any) zeroPixels.push(p);
  }
  const epochs = PIXEL_EPOCHS; // 4,200 steps; prediction: (ln 4 + ln 11)/1e-3 ≈ 3,784 steps ≈ 6.3 epochs
  const r = pixelRun = await run(full, "l0-hc", { lambda: 0.1 }, epochs, (m) => {
    const keep = m.keepMasks().get("fc1.in")!;
    return zeroPixels.filter((p) => keep[p] === 1).length;
  });
  const open = r.extra as number[];
  const closedAt = open.findIndex((k) => k === 0);
  check(
    "l0-hc always-zero input pixels close (ẑ = 0) within ~8 epochs",
    closedAt >= 0 && closedAt + 1 <= 8,
    `${zeroPixels.length} always-zero pixels; still open after each epoch: [${open.join(", ")}]; ` +
      `all closed after epoch ${closedAt + 1} (predicted ${
        f((Math.log(4) + LN11) / 1e-3 / 600, 1)
      })`,
  );
  const l0 = r.history.map((h) => h.logs.expected_l0);
  check(
    "l0-hc expected L0 falls every epoch",
    l0.every((v, i) => i === 0 || v < l0[i - 1]),
    `expected L0 per epoch: [${l0.map((v) => f(v, 0)).join(", ")}]`,
  );
  const bin = r.history.map((h) => h.logs.binary_fraction);
  check(
    "l0-hc gates polarise (fraction of ẑ ∈ {0,1} increases)",
    nonIncreasing(bin.map((v) => -v), 0.002) && bin[bin.length - 1] > bin[0] + 0.05,
    `binary fraction per epoch: [${bin.map((v) => f(v)).join(", ")}]; ` +
      `final arch ${r.history.at(-1)!.unitsKept["fc1.in"]}-${r.history.at(-1)!.unitsKept["fc1"]}-${
        r.history.at(-1)!.unitsKept["fc2"]
      }, acc ${f(r.acc, 4)}`,
  );
}

// 2. λ sweep {0, 0.1, 1, 10}/N, fixed seed; λ = 0 vs dense.
{
  const lambdas = [0, 0.1, 1, 10];
  const runs = [];
  for (const lambda of lambdas) {
    // the full run's λ = 0.1 point is the pixel-gate run above (same data, epochs and seeds)
    const reuse = !quick && lambda === 0.1 && sweepEpochs === PIXEL_EPOCHS;
    runs.push(reuse ? pixelRun! : await run(ds, "l0-hc", { lambda }, sweepEpochs));
  }
  const kept = runs.map((r) => hidden(r.history.at(-1)!));
  const inputs = runs.map((r) => r.history.at(-1)!.unitsKept["fc1.in"]);
  const el0 = runs.map((r) => r.history.at(-1)!.logs.expected_l0);
  check(
    "l0-hc kept hidden units non-increasing in λ (±3)",
    nonIncreasing(kept, 3) && nonIncreasing(inputs, 3),
    `λ·N = ${lambdas.join(", ")} → kept fc1+fc2 [${kept.join(", ")}], kept inputs [${
      inputs.join(", ")
    }], ` +
      `expected L0 [${el0.map((v) => f(v, 0)).join(", ")}], acc [${
        runs.map((r) => f(r.acc, 4)).join(", ")
      }]`,
    true, // a gate closes only once log α < −2.398: > 2,400 Adam steps from 0
  );
  check(
    "l0-hc expected L0 strictly decreasing in λ",
    el0.every((v, i) => i === 0 || v < el0[i - 1]),
    `[${el0.map((v) => f(v, 1)).join(", ")}]`,
  );
  const dense = await run(ds, "dense", {}, sweepEpochs);
  const diff = (dense.acc - runs[0].acc) * 100;
  check(
    "l0-hc λ = 0 keeps dense accuracy (within 0.5 pt)",
    diff <= 0.5,
    `dense ${f(dense.acc * 100, 2)}%, l0-hc λ=0 ${f(runs[0].acc * 100, 2)}% (gap ${f(diff, 2)} pt)`,
    true, // the gates' dropout-like noise slows the first epochs (3 epochs: gap 1.1 pt)
  );
}

// 3. diffprune: gates become binary as τ anneals; sparsity grows with λ.
{
  const lambdas = [0.1, 1, 10];
  const runs = [];
  for (const lambda of lambdas) runs.push(await run(ds, "diffprune", { lambda }, diffpruneEpochs));
  const bin = runs[runs.length - 1].history.map((h) => h.logs.binary_fraction);
  const tau = runs[runs.length - 1].history.map((h) => h.logs.tau);
  check(
    "diffprune gates become binary as τ anneals",
    nonIncreasing(bin.map((v) => -v), 0.002) && bin[bin.length - 1] >= 0.9,
    `λ=10/N: τ per epoch [${tau.map((v) => f(v)).join(", ")}], binary fraction [${
      bin.map((v) => f(v)).join(", ")
    }]`,
  );
  const kept = runs.map((r) => r.history.at(-1)!.unitsKeptTotal);
  const el0 = runs.map((r) => r.history.at(-1)!.logs.expected_l0);
  check(
    "diffprune sparsity grows with λ",
    nonIncreasing(kept, 3) && kept[kept.length - 1] < kept[0],
    `λ·N = ${lambdas.join(", ")} → kept units (of 1184) [${kept.join(", ")}], surrogate L0 ` +
      `[${el0.map((v) => f(v, 0)).join(", ")}], acc [${runs.map((r) => f(r.acc, 4)).join(", ")}]`,
    true, // φ must fall from 1 to −0.12: ~1,100 Adam steps
  );
}

say(failed ? `${failed} check(s) FAILED` : "all checks PASSED");
await Deno.mkdir("results/validate-l0", { recursive: true });
await Deno.writeTextFile("results/validate-l0/report.txt", lines.join("\n") + "\n");
if (failed) Deno.exit(1);
