/**
 * Side-by-side check against the authors' code (issue 18): trains the recipes that were run with
 * the reference repositories (benchmarks/reference/authors.ts: command, commit, settings, numbers)
 * in prunebench, on the same data and budget, and prints ours vs theirs. PASS when the final test
 * error is within ±0.3 pt and every group's kept units within ±15 % (HALO: test accuracy after
 * one-shot magnitude pruning at 90 % and 95 % within ±0.3 pt). Prints the minutes of each check;
 * writes results/validate-reference/report.txt; exits non-zero on any FAIL.
 *
 * Run: `deno task validate:reference` (options: `--only l0-mlp,dam-mlp`, `--backend cpu|wasm`;
 * `--smoke` trains 1 epoch on 2000 images to exercise the code paths: its comparison means nothing).
 *
 * @module
 */
import { initBackend } from "../src/runtime/backend.ts";
import { type Dataset, loadDataset } from "../src/data/mod.ts";
import { Network } from "../src/models/network.ts";
import { getArch } from "../src/models/registry.ts";
import { type ModelOptions, withModelOptions } from "../src/models/options.ts";
import type { MethodSpec } from "../src/methods/types.ts";
import { train } from "../src/train/loop.ts";
import { disposePoints, type TrainResult } from "../src/train/types.ts";
import { createMethodContext } from "../src/train/context.ts";
import type { TrainConfig } from "../src/train/config.ts";
import { Rng } from "../src/util/rng.ts";
import { l0HardConcrete } from "../src/methods/l0_hard_concrete.ts";
import { DAM, DAM_DEFAULTS } from "../src/methods/dam.ts";
import { HALO, HALO_DEFAULTS } from "../src/methods/halo.ts";
import { AUTHORS_RUNS, type AuthorsRun } from "./reference/authors.ts";
import { parseOrExit } from "../src/util/usage.ts";
import { SCRIPTS } from "./help.ts";

/** Tolerances of the issue: error (pt), kept units (relative), HALO accuracy (pt). */
export const TOLERANCE = { errPt: 0.3, keptRel: 0.15, accPt: 0.3 } as const;

/** One prunebench recipe mirroring an authors' run. */
interface Check {
  id: string;
  what: string;
  arch: string;
  model?: ModelOptions;
  // deno-lint-ignore no-explicit-any
  method: MethodSpec<any>;
  config: Record<string, unknown>;
  train: TrainConfig;
}

const adam = { kind: "adam" as const, lr: 1e-3 };
const sgd = { kind: "sgd" as const, lr: 0.1, momentum: 0.9 };
const ref = (id: string): AuthorsRun => {
  const r = AUTHORS_RUNS.find((x) => x.id === id);
  if (!r) throw new Error(`No recorded authors' run "${id}" in benchmarks/reference/authors.ts`);
  return r;
};

/** The checks, in order; each trains for the recorded run's epochs, with its seed. */
export function checks(): Check[] {
  // Epochs (and evaluation at the last one) come from the recorded run, in runCheck.
  const tc = (_id: string, over: Partial<TrainConfig>): TrainConfig => ({
    epochs: 1,
    batchSize: 100,
    optimizer: adam,
    ...over,
  });
  return [
    {
      id: "l0-mlp",
      what: "l0-hc, LeNet-300-100, λ 0.1/N, expected L2 5e-4, EMA 0.999, He init, Adam 1e-3",
      arch: "lenet-300-100",
      model: { init: "he-normal" },
      method: l0HardConcrete,
      config: { ...l0HardConcrete.defaults, lambda: 0.1, weightDecay: 5e-4 },
      train: tc("l0-mlp", { ema: 0.999 }),
    },
    {
      id: "l0-lenet5",
      what: 'l0-hc, LeNet-5-Caffe, "λ sep." (10, 0.5, 0.1, 10), L2 5e-4/N, no EMA, He init, ' +
        "bias-free convs, Adam 1e-3",
      arch: "lenet-5-caffe",
      model: { init: "he-normal", convBias: false },
      method: l0HardConcrete,
      config: {
        ...l0HardConcrete.defaults,
        lambdaPerGroup: { conv1: 10, conv2: 0.5, "fc1.in": 0.1, fc1: 10 },
        weightDecay: 5e-4 / 60000,
      },
      train: tc("l0-lenet5", {}),
    },
    {
      id: "dam-mlp",
      what: "dam, LeNet-300-100, λ 0.2 mean-clamped, no cold start on dense layers, no EMA, " +
        "torch-default init, Adam 1e-3",
      arch: "lenet-300-100",
      model: { init: "torch-default" },
      method: DAM,
      config: { ...DAM_DEFAULTS, lambda: 0.2, coldStartEpochs: 0 },
      train: tc("dam-mlp", {}),
    },
    ...(["1e-8", "1e-5"] as const).map((xi) => ({
      id: `halo-mlp-xi${xi}`,
      what: `halo, LeNet-300-100, ξ = ψ = ${xi}, SGD 0.1 momentum 0.9 (λ too), no decay, ` +
        "torch-default init, one-shot global magnitude pruning at 90 % / 95 %",
      arch: "lenet-300-100",
      model: { init: "torch-default" } as ModelOptions,
      method: HALO,
      config: { ...HALO_DEFAULTS, xi: Number(xi), psi: Number(xi), targets: [0.9, 0.95] },
      train: tc(`halo-mlp-xi${xi}`, { optimizer: sgd }),
    })),
  ];
}

const f = (x: number, d = 2) => x.toFixed(d);

/** A compared quantity: [quantity, ours, authors', within tolerance (null: shown, not checked)]. */
type Row = [string, string, string, boolean | null];

/** Our numbers of a finished check against the authors' run `r`. */
function comparisonRows(r: AuthorsRun, result: TrainResult): Row[] {
  const last = result.history.at(-1)!;
  const rows: Row[] = [];
  if (r.accAt) {
    const acc = (t: string) => 100 * result.points.find((p) => p.label === `sparsity=${t}`)!.acc!;
    rows.push(["dense acc %", f(100 * last.testAcc!), f(r.accDense!), null]);
    if (r.lambdaMeanAbs !== undefined) {
      rows.push(["mean |λ|", f(last.logs.lambda_mean, 4), f(r.lambdaMeanAbs, 4), null]);
    }
    for (const [t, theirs] of Object.entries(r.accAt)) {
      const ours = acc(t);
      rows.push([
        `acc % at ${t}`,
        f(ours),
        f(theirs),
        Math.abs(ours - theirs) <= TOLERANCE.accPt,
      ]);
    }
  } else {
    const err = 100 * (1 - last.testAcc!);
    rows.push([
      "test error %",
      f(err),
      f(r.testErr!),
      Math.abs(err - r.testErr!) <= TOLERANCE.errPt,
    ]);
    for (const [g, theirs] of Object.entries(r.kept!)) {
      const ours = last.unitsKept[g];
      const ok = Math.abs(ours - theirs) <= TOLERANCE.keptRel * theirs;
      rows.push([`kept ${g}`, String(ours), String(theirs), ok]);
    }
  }
  return rows;
}

/** Runs one check; returns its lines and whether it passed. */
async function runCheck(
  c: Check,
  ds: Dataset,
  smoke: boolean,
): Promise<{ lines: string[]; pass: boolean }> {
  const r = ref(c.id);
  const spec = c.model ? withModelOptions(getArch(c.arch), c.model) : getArch(c.arch);
  const net = new Network(spec, { seed: r.seed });
  const epochs = smoke ? 1 : r.epochs;
  const cfg: TrainConfig = { ...c.train, epochs, evalEvery: epochs, seed: r.seed };
  const context = createMethodContext(net, ds, cfg, new Rng(r.seed, 11));
  const method = c.method.create(context, c.config);
  const t0 = performance.now();
  let result: TrainResult | null = null;
  try {
    result = await train(net, { method, context }, ds, cfg);
    const minutes = (performance.now() - t0) / 60000;
    const lines = [
      `== ${c.id}: ${c.what}; ${r.epochs} epochs, seed ${r.seed}`,
      `   authors: ${r.repo}`,
      `   their command: ${r.command}`,
    ];
    const rows = comparisonRows(r, result);
    for (const o of r.otherSeeds ?? []) {
      const parts = o.accAt
        ? [
          `dense acc ${f(o.accDense!)} %`,
          ...Object.entries(o.accAt).map(([t, a]) => `acc at ${t} ${f(a)} %`),
        ]
        : [
          `error ${f(o.testErr!)} %`,
          `kept ${Object.entries(o.kept!).map(([g, n]) => `${g} ${n}`).join(", ")}`,
        ];
      lines.push(`   authors, seed ${o.seed}: ${parts.join(", ")} (seed-to-seed spread)`);
    }
    lines.push(`   ${"".padEnd(16)} ${"ours".padStart(8)} ${"authors".padStart(8)}`);
    for (const [k, o, t, ok] of rows) {
      const mark = ok === null ? "" : ok ? "ok" : "OUT";
      lines.push(`   ${k.padEnd(16)} ${o.padStart(8)} ${t.padStart(8)}  ${mark}`.trimEnd());
    }
    const pass = rows.every((x) => x[3] !== false);
    lines.push(
      `${pass ? "PASS" : "FAIL"}  ${c.id}: ${f(minutes, 1)} min here (authors' run ${
        f(r.wallS / 60, 1)
      } min in torch)`,
    );
    return { lines, pass };
  } finally {
    if (result) disposePoints(result, net);
    method.dispose();
    net.dispose();
  }
}

if (import.meta.main) {
  const { values: flags } = parseOrExit(SCRIPTS["validate:reference"]);
  const backend = String(flags.backend);
  const only = flags.only === undefined ? null : String(flags.only).split(",");
  const smoke = flags.smoke === true;
  const all = checks();
  const unknown = (only ?? []).filter((id) => !all.some((c) => c.id === id));
  if (unknown.length) {
    console.error(
      `Cannot find check ${unknown.map((u) => `"${u}"`).join(", ")}: expected one of ${
        all.map((c) => `"${c.id}"`).join(", ")
      }`,
    );
    Deno.exit(2);
  }
  await initBackend(backend);
  const ds = await loadDataset("mnist", smoke ? { trainLimit: 2000 } : {});
  const out: string[] = [
    `validate-reference${smoke ? " --smoke (1 epoch, 2000 images: NOT a comparison)" : ""}: ` +
    `backend ${backend}, ${new Date().toISOString()}, MNIST ` +
    `(${ds.train.n} train / ${ds.test.n} test); tolerances ±${TOLERANCE.errPt} pt error, ` +
    `±${100 * TOLERANCE.keptRel}% kept units per group, ±${TOLERANCE.accPt} pt pruned accuracy`,
  ];
  console.log(out[0]);
  let failed = 0;
  for (const c of all.filter((c) => !only || only.includes(c.id))) {
    const { lines, pass } = await runCheck(c, ds, smoke);
    if (!pass) failed++;
    console.log(lines.join("\n"));
    out.push(...lines);
  }
  if (!smoke) {
    await Deno.mkdir("results/validate-reference", { recursive: true });
    await Deno.writeTextFile("results/validate-reference/report.txt", out.join("\n") + "\n");
  }
  console.log(failed ? `\n${failed} check(s) FAILED` : "\nall checks PASS");
  Deno.exit(failed ? 1 : 0);
}
