/**
 * Speed of the real training engine (`Network` + a registered method + `fit()` with penalty,
 * Adam, EMA 0.999 and hooks) on real MNIST, batch 100, one process:
 *
 * - seconds per training epoch (train + end-of-epoch evaluation; estimated from the median of
 *   the timed steps plus a measured epoch end, or measured over a full epoch with `--full`),
 * - evaluation throughput (test split, batch 1000),
 * - a per-phase profile of a step (batch assembly, forward, backward, sync, optimizer, EMA, hooks)
 *   and, from `tf.profile`, the kernel time and kernel count of a step; the rest of the step's
 *   wall time is JS/dispatch overhead.
 *
 * for `dense`, `l0-hc`, `diffprune`, `vbp`, `dam` and `halo` on LeNet-300-100 and LeNet-5-Caffe.
 * Writes `results/perf/perf.csv` and `results/perf/kernels.csv` and prints a table.
 *
 * `--training` runs the removal on/off evidence instead: full training runs (reference recipe of
 * `l0-hc`: λ = 0.1/N, expected-L2 weightDecay 5e-4, EMA 0.999, Adam 1e-3; `dam` and `diffprune`
 * with their defaults) with `removeDuringTraining` on and off, writing
 * `results/perf/training.csv`: training MACs / dense, wall time, final error and kept units.
 *
 * Usage:
 *   deno task perf [--quick] [--full] [--arch lenet-300-100,lenet-5-caffe] [--methods dense,l0-hc]
 *   deno task perf --training [--epochs 10] [--arch lenet-300-100] [--methods l0-hc,dam,diffprune]
 *   (training defaults to LeNet-300-100: one LeNet-5-Caffe epoch takes about 45 s)
 *
 * Options: `--backend wasm|cpu` (default wasm, with BLAS when available; `--no-blas` turns it off).
 *
 * @module
 */
import { parseOrExit } from "../src/util/usage.ts";
import { SCRIPTS } from "./help.ts";
import { stringify } from "../src/deps/csv.ts";
import { initBackend } from "../src/runtime/backend.ts";
import { loadDataset } from "../src/data/mod.ts";
import { PHASES } from "../src/train/mod.ts";
import { measureStep, type StepMeasurement, type TrainingRow, trainingRun } from "./_perf_run.ts";
import { dispatchMicros, table } from "./_profile.ts";

const ARCHS = ["lenet-300-100", "lenet-5-caffe"];
const METHODS = ["dense", "l0-hc", "diffprune", "vbp", "dam", "halo"];
const REMOVAL_METHODS = ["l0-hc", "dam", "diffprune"];
const OUT = new URL("../results/perf/", import.meta.url);

function list(v: string | undefined, all: string[], what: string): string[] {
  const xs = v === undefined ? all : v.split(",").map((s) => s.trim()).filter(Boolean);
  for (const x of xs) {
    if (!all.includes(x)) {
      throw new RangeError(
        `Cannot find ${what} "${x}": expected one of ${all.map((a) => `"${a}"`).join(", ")}`,
      );
    }
  }
  return xs;
}

async function write(name: string, csv: string): Promise<void> {
  await Deno.mkdir(OUT, { recursive: true });
  await Deno.writeTextFile(new URL(name, OUT), csv);
  console.log(`wrote ${new URL(name, OUT).pathname}`);
}

const f = (x: number, d: number) => x.toFixed(d);

async function speed(
  archs: string[],
  methods: string[],
  quick: boolean,
  full: boolean,
  env: Record<string, string>,
): Promise<void> {
  const ds = await loadDataset("mnist", { progress: false });
  const us = dispatchMicros();
  const rows: Record<string, string | number>[] = [];
  const kernelRows: (string | number)[][] = [];
  for (const arch of archs) {
    for (const m of methods) {
      const conv = arch === "lenet-5-caffe";
      const o = {
        warmup: 5,
        steps: quick ? (conv ? 15 : 40) : (conv ? 40 : 150),
        profileSteps: quick ? 3 : 5,
        fullEpoch: full,
      };
      console.error(`perf: ${arch} ${m} …`);
      const r = await measureStep(arch, m, ds, o);
      rows.push(speedRow(arch, m, r, us, o.steps, env));
      for (const k of r.kernels) kernelRows.push([arch, m, k.kernel, +f(k.ms, 4), +f(k.calls, 2)]);
    }
  }
  printSpeed(rows, us, env);
  const columns = Object.keys(rows[0]);
  await write(
    "perf.csv",
    stringify(rows.map((r) => columns.map((c) => r[c])), { header: true, columns }),
  );
  await write(
    "kernels.csv",
    stringify(kernelRows, {
      header: true,
      columns: ["arch", "method", "kernel", "ms_per_step", "calls_per_step"],
    }),
  );
}

/** A row of `perf.csv`: one architecture × method measurement (`us`: µs per kernel call). */
function speedRow(
  arch: string,
  method: string,
  r: StepMeasurement,
  us: number,
  timedSteps: number,
  env: Record<string, string>,
): Record<string, string | number> {
  return {
    arch,
    method,
    ms_per_step: +f(r.msPerStep, 3),
    ms_per_step_min: +f(r.msPerStepMin, 3),
    epoch_end_s: +f(r.epochEndS, 3),
    steps_per_epoch: r.stepsPerEpoch,
    epoch_s: +f(r.epochS, 2),
    epoch_measured: String(r.epochMeasured),
    eval_per_s: Math.round(r.evalPerS),
    ...Object.fromEntries(PHASES.map((p) => [`${p}_ms`, +f(r.phases[p], 3)])),
    kernel_ms_profiled: +f(r.kernelMs, 3),
    kernel_calls: +f(r.kernelCalls, 1),
    dispatch_us: +f(us, 2),
    dispatch_ms: +f((r.kernelCalls * us) / 1000, 3),
    tensor_growth: r.tensorGrowth,
    timed_steps: timedSteps,
    load_avg_1m: +f(Deno.loadavg()[0], 2),
    ...env,
  };
}

/** Prints the speed table of `rows` (rows of {@linkcode speedRow}). */
function printSpeed(
  rows: Record<string, string | number>[],
  us: number,
  env: Record<string, string>,
): void {
  const phaseCols = PHASES.map((p) => `${p}`);
  console.log(
    `\nperf (${env.backend}, ${env.date}; ms per step unless stated; dispatch = kernel calls × ` +
      `${f(us, 2)} µs per call)\n`,
  );
  console.log(table(
    [
      "arch",
      "method",
      "s/epoch",
      "ms/step",
      "min",
      "end s",
      "eval/s",
      ...phaseCols,
      "calls",
      "dispatch",
    ],
    rows.map((r) => [
      String(r.arch),
      String(r.method),
      f(+r.epoch_s, 2),
      f(+r.ms_per_step, 2),
      f(+r.ms_per_step_min, 2),
      f(+r.epoch_end_s, 2),
      String(r.eval_per_s),
      ...PHASES.map((p) => f(+r[`${p}_ms`], 2)),
      String(r.kernel_calls),
      f(+r.dispatch_ms, 2),
    ]),
  ));
}

async function training(
  archs: string[],
  methods: string[],
  epochs: number,
  env: Record<string, string>,
): Promise<void> {
  const ds = await loadDataset("mnist", { progress: false });
  const rows: TrainingRow[] = [];
  for (const arch of archs) {
    for (const m of methods) {
      const hp = m === "l0-hc" ? { lambda: 0.1, weightDecay: 5e-4 } : {};
      for (const removal of [true, false]) {
        console.error(`perf --training: ${arch} ${m} removal ${removal ? "on" : "off"} …`);
        rows.push(await trainingRun(arch, m, ds, epochs, removal, hp));
      }
    }
  }
  const body = rows.map((r) => {
    const off = rows.find((x) => x.arch === r.arch && x.method === r.method && !x.removal)!;
    return [
      r.arch,
      r.method,
      r.removal ? "on" : "off",
      String(r.epochs),
      f(r.wallS, 1),
      f(r.wallS / off.wallS, 2),
      f(r.macsFraction, 3),
      f(r.errorPct, 2),
      String(r.keptUnits),
      Object.values(r.widths).join("/"),
    ];
  });
  console.log(`\nremoval during training on/off (${env.backend}, ${env.date})\n`);
  const header = [
    "arch",
    "method",
    "removal",
    "epochs",
    "wall s",
    "wall/off",
    "MACs/dense",
    "error %",
    "kept",
    "widths",
  ];
  console.log(table(header, body));
  const columns = [
    "arch",
    "method",
    "removal",
    "epochs",
    "wall_s",
    "wall_vs_off",
    "train_macs_fraction",
    "error_pct",
    "kept_units",
    "widths",
    ...Object.keys(env),
  ];
  await write(
    "training.csv",
    stringify(body.map((b) => [...b, ...Object.values(env)]), { header: true, columns }),
  );
}

async function main(): Promise<void> {
  const { values: v } = parseOrExit(SCRIPTS.perf);
  const values = {
    quick: v.quick === true,
    full: v.full === true,
    training: v.training === true,
    epochs: String(v.epochs ?? "10"),
    arch: v.arch as string | undefined,
    methods: v.methods as string | undefined,
    backend: String(v.backend ?? "wasm"),
    "no-blas": v["no-blas"] === true,
  };
  const archs = values.arch === undefined && values.training
    ? ["lenet-300-100"] // training runs are long: LeNet-5-Caffe only when asked for
    : list(values.arch, ARCHS, "architecture");
  const methods = list(values.methods, values.training ? REMOVAL_METHODS : METHODS, "method");
  const info = await initBackend(values.backend, values["no-blas"] ? { blas: false } : {});
  const env = {
    backend: info.label,
    tfjs: info.tfjsVersion,
    deno: Deno.version.deno,
    blas_threads: String(info.blas?.active ? info.blas.threads : 0),
    dataset: "mnist (60k/10k)",
    date: new Date().toISOString(),
  };
  if (values.training) {
    const epochs = Number(values.epochs);
    if (!(Number.isInteger(epochs) && epochs > 0)) {
      throw new RangeError(`Cannot train for ${values.epochs} epochs: expected an integer > 0`);
    }
    await training(archs, methods, epochs, env);
  } else await speed(archs, methods, values.quick, values.full, env);
}

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    console.error(`perf: ${e.message}`);
    Deno.exit(2);
  }
}
