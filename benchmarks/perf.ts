/**
 * Training throughput of LeNet-300-100 and LeNet-5-Caffe, plain and with hard-concrete L0 gates,
 * on each wasm variant (docs/runtime.md §9 method): batch 100, Adam (lr 1e-3), synthetic data,
 * 5 warm-up steps, then 3 repeats of 50 timed steps each ending with `await loss.data()`; the
 * median repeat is reported.
 *
 * The parent process runs each backend variant (`wasm`, `wasm+blas`) in a child process of this
 * script (`--variant`), prints a table plus one CSV line per configuration and writes
 * `results/perf/perf.csv`.
 *
 * `--profile` adds a per-kernel profile of the gated configurations (5 steps under `tf.profile`
 * after the timed runs, so the throughput figures are unaffected): a table per net with one column
 * per variant, and `results/perf/profile.csv`.
 *
 * Usage: deno task perf [--quick] [--only mlp|conv] [--profile]
 *
 * @module
 */
import { parseOrExit } from "../src/util/usage.ts";
import { SCRIPTS } from "./help.ts";
import * as tf from "../src/deps/tfjs.ts";
import { stringify } from "../src/deps/csv.ts";
import { initBackend } from "../src/runtime/backend.ts";
import { Rng } from "../src/util/rng.ts";
import { type KernelTime, printProfile, profileCsv, profileSteps } from "./_profile.ts";

/** Nets benchmarked. */
type Net = "mlp" | "conv";
/** Backend variants, one child process each. */
const VARIANTS = ["wasm", "wasm+blas"] as const;
type Variant = typeof VARIANTS[number];

/** Forward multiply-accumulates per sample (docs/runtime.md §9). */
const FORWARD_MACS: Record<Net, number> = { mlp: 266_200, conv: 2_293_000 };
const BATCH = 100;
const ROW_PREFIX = "@@perf ";
const PROFILE_PREFIX = "@@prof ";
/** Steps profiled per gated configuration with `--profile`. */
const PROFILE_STEPS = 5;
const COLUMNS = [
  "variant",
  "backend",
  "net",
  "gated",
  "samples_per_s",
  "ms_per_step",
  "gflops",
  "live_tensors",
  "load_avg_1m",
  "note",
] as const;

/** One measured configuration. */
interface Row {
  variant: Variant;
  backend: string;
  net: Net;
  gated: boolean;
  samples_per_s: number | null;
  ms_per_step: number | null;
  gflops: number | null;
  live_tensors: number | null;
  load_avg_1m: number;
  note: string;
}

interface Timing {
  warmup: number;
  steps: number;
  repeats: number;
}

// ---------------------------------------------------------------- models (raw variables)

/** Hard-concrete L0 gate parameters (Louizos et al. 2018). */
const HC = { beta: 2 / 3, gamma: -0.1, zeta: 1.1, logAlphaInit: 2, shift: 1.5986, lambda: 1e-4 };

interface Layer {
  w: tf.Variable;
  b: tf.Variable;
  logAlpha: tf.Variable | null;
}

function glorot(rng: Rng, shape: number[], fanIn: number, fanOut: number): tf.Variable {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.variable(tf.randomUniform(shape, -limit, limit, "float32", rng.seed()));
}

function layer(rng: Rng, shape: number[], gated: boolean): Layer {
  const out = shape.at(-1)!;
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return {
    w: glorot(rng, shape, receptive * shape.at(-2)!, receptive * out),
    b: tf.variable(tf.zeros([out])),
    logAlpha: gated ? tf.variable(tf.fill([out], HC.logAlphaInit)) : null,
  };
}

/** Gate sample z ∈ [0, 1] per unit/filter, with a hard zero where log α ≤ −5. */
function gateSample(logAlpha: tf.Variable, seed: number): tf.Tensor {
  const u = tf.randomUniform(logAlpha.shape, 1e-6, 1 - 1e-6, "float32", seed);
  const s = tf.sigmoid(tf.log(u).sub(tf.log(tf.sub(1, u))).add(logAlpha).div(HC.beta));
  const z = tf.clipByValue(s.mul(HC.zeta - HC.gamma).add(HC.gamma), 0, 1);
  return tf.where(logAlpha.greater(-5), z, tf.zerosLike(z));
}

/** The layer's weights, gated over the last axis (output units / filters) when it has a gate. */
function weights(l: Layer, rng: Rng): tf.Tensor {
  return l.logAlpha ? l.w.mul(gateSample(l.logAlpha, rng.seed())) : l.w;
}

interface Model {
  layers: Layer[];
  logits: (x: tf.Tensor, rng: Rng) => tf.Tensor2D;
  inputShape: number[];
}

function buildModel(net: Net, gated: boolean, rng: Rng): Model {
  if (net === "mlp") {
    const layers = [[784, 300], [300, 100], [100, 10]].map((s) => layer(rng, s, gated));
    return {
      layers,
      inputShape: [BATCH, 784],
      logits: (x, r) => {
        let h = x as tf.Tensor2D;
        layers.forEach((l, i) => {
          h = tf.matMul(h, weights(l, r) as tf.Tensor2D).add(l.b);
          if (i < layers.length - 1) h = tf.relu(h);
        });
        return h;
      },
    };
  }
  const [c1, c2, f1, f2] = [[5, 5, 1, 20], [5, 5, 20, 50], [800, 500], [500, 10]]
    .map((s) => layer(rng, s, gated));
  return {
    layers: [c1, c2, f1, f2],
    inputShape: [BATCH, 28, 28, 1],
    logits: (x, r) => {
      const conv = (h: tf.Tensor4D, l: Layer): tf.Tensor4D => {
        const a = tf.relu(tf.conv2d(h, weights(l, r) as tf.Tensor4D, 1, "valid").add(l.b));
        return tf.maxPool(a as tf.Tensor4D, 2, 2, "valid");
      };
      const h = conv(conv(x as tf.Tensor4D, c1), c2).reshape([BATCH, 800]);
      const h1 = tf.relu(tf.matMul(h, weights(f1, r) as tf.Tensor2D).add(f1.b));
      return tf.matMul(h1, weights(f2, r) as tf.Tensor2D).add(f2.b);
    },
  };
}

// ---------------------------------------------------------------- one configuration

async function measure(
  net: Net,
  gated: boolean,
  timing: Timing,
  profile: ((step: () => Promise<void>) => Promise<void>) | null = null,
): Promise<Omit<Row, "variant" | "backend" | "load_avg_1m">> {
  const rng = new Rng(1234);
  const model = buildModel(net, gated, rng);
  const x = tf.randomNormal(model.inputShape, 0, 1, "float32", rng.seed());
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32", rng.seed()) as tf.Tensor1D, 10);
  const optimizer = tf.train.adam(1e-3);
  const loss = () =>
    tf.tidy(() => {
      const ce = tf.losses.softmaxCrossEntropy(y, model.logits(x, rng));
      const gates = model.layers.flatMap((l) => l.logAlpha ? [l.logAlpha] : []);
      if (gates.length === 0) return ce as tf.Scalar;
      const reg = tf.addN(gates.map((a) => tf.sigmoid(a.add(HC.shift)).sum()));
      return ce.add(reg.mul(HC.lambda)) as tf.Scalar;
    });
  const step = async () => {
    const cost = optimizer.minimize(loss, true)!;
    await cost.data();
    cost.dispose();
  };
  for (let i = 0; i < timing.warmup; i++) await step();
  const liveAfterWarmup = tf.memory().numTensors;
  const rates: number[] = [];
  for (let r = 0; r < timing.repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < timing.steps; i++) await step();
    rates.push((timing.steps * BATCH * 1000) / (performance.now() - t0));
  }
  const live = tf.memory().numTensors;
  if (profile) await profile(step);
  optimizer.dispose();
  tf.dispose([
    x,
    y,
    ...model.layers.flatMap((l) => [l.w, l.b, ...(l.logAlpha ? [l.logAlpha] : [])]),
  ]);
  const samples = rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)];
  return {
    net,
    gated,
    samples_per_s: samples,
    ms_per_step: (BATCH * 1000) / samples,
    gflops: (samples * 6 * FORWARD_MACS[net]) / 1e9,
    live_tensors: live,
    note: live === liveAfterWarmup ? "" : `tensor count grew by ${live - liveAfterWarmup}`,
  };
}

/** Child: initialise one backend variant and print one row per configuration. */
async function runVariant(
  variant: Variant,
  nets: Net[],
  timing: Timing,
  withProfile: boolean,
): Promise<void> {
  const info = await initBackend("wasm", variant === "wasm" ? { blas: false } : {});
  const emit = (row: Row) => console.log(ROW_PREFIX + JSON.stringify(row));
  for (const net of nets) {
    for (const gated of [false, true]) {
      const load = Deno.loadavg()[0];
      if (variant === "wasm+blas" && !info.blas?.active) {
        emit({
          variant,
          backend: info.label,
          net,
          gated,
          samples_per_s: null,
          ms_per_step: null,
          gflops: null,
          live_tensors: null,
          load_avg_1m: load,
          note: `not measured: BLAS inactive (${info.blas?.reason ?? "unknown"})`,
        });
        continue;
      }
      console.error(`perf: ${variant} ${net} ${gated ? "gated" : "plain"} …`);
      const profile = withProfile && gated
        ? async (step: () => Promise<void>) => {
          for (const k of await profileSteps(step, PROFILE_STEPS, { variant, net, gated })) {
            console.log(PROFILE_PREFIX + JSON.stringify(k));
          }
        }
        : null;
      emit({
        variant,
        backend: info.label,
        ...(await measure(net, gated, timing, profile)),
        load_avg_1m: load,
      });
    }
  }
}

// ---------------------------------------------------------------- parent

async function spawnVariant(
  variant: Variant,
  passThrough: string[],
): Promise<{ rows: Row[]; profile: KernelTime[] }> {
  const script = new URL(import.meta.url).pathname;
  const config = new URL("../deno.json", import.meta.url).pathname;
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      `--config=${config}`,
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      "--allow-ffi",
      script,
      "--variant",
      variant,
      ...passThrough,
    ],
    stdout: "piped",
    stderr: "inherit",
  });
  const { code, stdout } = await cmd.output();
  const lines = new TextDecoder().decode(stdout).split("\n");
  const rows = lines.filter((l) => l.startsWith(ROW_PREFIX))
    .map((l) => JSON.parse(l.slice(ROW_PREFIX.length)) as Row);
  const profile = lines.filter((l) => l.startsWith(PROFILE_PREFIX))
    .map((l) => JSON.parse(l.slice(PROFILE_PREFIX.length)) as KernelTime);
  if (code !== 0) {
    console.error(`perf: the ${variant} child process exited with code ${code}`);
    if (rows.length === 0) {
      rows.push({
        variant,
        backend: "?",
        net: "mlp",
        gated: false,
        samples_per_s: null,
        ms_per_step: null,
        gflops: null,
        live_tensors: null,
        load_avg_1m: Deno.loadavg()[0],
        note: `child process failed (exit code ${code})`,
      });
    }
  }
  return { rows, profile };
}

function fmt(v: number | null, digits: number): string {
  return v === null ? "—" : v.toFixed(digits);
}

function printTable(rows: Row[]): void {
  const header = [
    "variant",
    "backend",
    "net",
    "gated",
    "samples/s",
    "ms/step",
    "GFLOP/s",
    "tensors",
    "load",
    "note",
  ];
  const body = rows.map((r) => [
    r.variant,
    r.backend,
    r.net,
    r.gated ? "yes" : "no",
    fmt(r.samples_per_s, 0),
    fmt(r.ms_per_step, 2),
    fmt(r.gflops, 2),
    r.live_tensors === null ? "—" : String(r.live_tensors),
    r.load_avg_1m.toFixed(2),
    r.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) console.log(line(b));
}

function toCsv(rows: Row[]): string {
  const round = (v: number | null, d: number) => v === null ? "" : Number(v.toFixed(d));
  return stringify(
    rows.map((r) => [
      r.variant,
      r.backend,
      r.net,
      String(r.gated),
      round(r.samples_per_s, 1),
      round(r.ms_per_step, 3),
      round(r.gflops, 3),
      r.live_tensors ?? "",
      round(r.load_avg_1m, 2),
      r.note,
    ]),
    { header: true, columns: [...COLUMNS] },
  );
}

async function main(): Promise<void> {
  const values = parseOrExit(SCRIPTS.perf).values as {
    quick?: boolean;
    only?: string;
    variant?: string;
    profile?: boolean;
  };
  const nets: Net[] = values.only === undefined ? ["mlp", "conv"] : [values.only as Net];
  if (!nets.every((n) => n in FORWARD_MACS)) {
    throw new RangeError(`Cannot find net "${values.only}": expected one of "mlp", "conv"`);
  }
  const timing: Timing = values.quick
    ? { warmup: 2, steps: 10, repeats: 1 }
    : { warmup: 5, steps: 50, repeats: 3 };
  if (values.variant !== undefined) {
    if (!(VARIANTS as readonly string[]).includes(values.variant)) {
      throw new RangeError(
        `Cannot find variant "${values.variant}": expected one of "wasm", "wasm+blas"`,
      );
    }
    await runVariant(values.variant as Variant, nets, timing, values.profile === true);
    return;
  }
  const passThrough = [
    ...(values.quick ? ["--quick"] : []),
    ...(values.only ? ["--only", values.only] : []),
    ...(values.profile ? ["--profile"] : []),
  ];
  const rows: Row[] = [];
  const profile: KernelTime[] = [];
  for (const v of VARIANTS) {
    const out = await spawnVariant(v, passThrough);
    rows.push(...out.rows);
    profile.push(...out.profile);
  }
  printTable(rows);
  const csv = toCsv(rows);
  console.log();
  console.log(csv.trimEnd());
  const outDir = new URL("../results/perf/", import.meta.url);
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.writeTextFile(new URL("perf.csv", outDir), csv);
  console.log(`\nwrote ${new URL("perf.csv", outDir).pathname}`);
  if (values.profile) {
    printProfile(profile);
    await Deno.writeTextFile(new URL("profile.csv", outDir), profileCsv(profile));
    console.log(`\nwrote ${new URL("profile.csv", outDir).pathname}`);
  }
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
