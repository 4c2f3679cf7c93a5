/**
 * Writes a realistic, deterministic results directory for the report tests, following
 * `src/results/schema.ts`: 3 methods (`l0-hc` swept over 3 λ values, `dam`, one-shot `magnitude`
 * with 3 target sparsities) × 2 initial widths × 3 seeds on two dataset × architecture panels,
 * with one failed run, `history.csv`, `summary.csv` and `manifest.json`.
 *
 * Run it to look at a report: `deno run -A test/fixtures_report/make_fixture.ts /tmp/rep`
 * then `deno run -A src/report/mod.ts /tmp/rep`.
 *
 * @module
 */

import { stringify } from "../../src/deps/csv.ts";
import { join } from "node:path";
import {
  HISTORY_COLUMNS,
  RUN_COLUMNS,
  type RunRow,
  SUMMARY_COLUMNS,
} from "../../src/results/schema.ts";
import { Rng } from "../../src/util/rng.ts";
import { summaryRows } from "../../src/results/summary.ts";

type Row = Record<string, string | number>;

const PANELS = [
  { dataset: "mnist", arch: "mlp", base: 0.982, target: 70 },
  { dataset: "fashion-mnist", arch: "mlp", base: 0.894, target: 110 },
];
const WIDTHS = [64, 256];
const SEEDS = [0, 1, 2];
const EPOCHS = 10;
const INPUT = 784, CLASSES = 10;

/** Columns the harness fills for failed runs too. */
const PROVENANCE: readonly string[] = ["backend", "tfjs_version", "deno_version", "git_sha"];

function layersOf(width: number): number[] {
  return [2 * width, width];
}

function paramsOf(layers: readonly number[]): number {
  let p = 0, prev = INPUT;
  for (const u of [...layers, CLASSES]) {
    p += prev * u + u;
    prev = u;
  }
  return p;
}

function macsOf(layers: readonly number[]): number {
  let m = 0, prev = INPUT;
  for (const u of [...layers, CLASSES]) {
    m += prev * u;
    prev = u;
  }
  return m;
}

interface Config {
  method: string;
  lambda: number | "";
  points: { point: string; keep: number }[];
}

function configsFor(width: number, target: number): Config[] {
  const total = 3 * width;
  return [
    ...[1e-4, 1e-3, 1e-2].map((lambda) => ({
      method: "l0-hc",
      lambda,
      // converges to about the same width whatever it starts from; λ shrinks it
      points: [{
        point: "final",
        keep: Math.min(0.95, (target * 1e-3 ** 0.25 / lambda ** 0.25) / total),
      }],
    })),
    { method: "dam", lambda: 0.005, points: [{ point: "final", keep: 0.45 }] },
    {
      method: "magnitude",
      lambda: "",
      points: [0.5, 0.75, 0.9].map((s) => ({ point: `s${s.toFixed(2)}`, keep: 1 - s })),
    },
  ];
}

/**
 * Writes the fixture files into `dir` (created if needed).
 *
 * @param dir Target directory.
 * @param options `minimal`: write only `runs.csv` (no history, summary or manifest).
 */
export async function writeFixture(
  dir: string,
  options: { minimal?: boolean } = {},
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const rng = new Rng(7);
  const runs: Row[] = [];
  const history: Row[] = [];
  let n = 0;
  for (const p of PANELS) {
    for (const width of WIDTHS) {
      const init = layersOf(width);
      const total = init[0] + init[1];
      for (const c of configsFor(width, p.target)) {
        for (const seed of SEEDS) {
          const runId = (0x9e3779b1 * ++n >>> 0).toString(16).padStart(8, "0") + "c0ffee";
          const failed = c.method === "dam" && width === 256 && seed === 2 &&
            p.dataset === "mnist";
          for (const { point, keep } of c.points) {
            const k = Math.max(0.02, Math.min(1, keep * (1 + 0.06 * rng.normal())));
            const kept = init.map((u, i) => Math.max(1, Math.round(u * k * (i === 0 ? 0.9 : 1.2))));
            const keptTotal = kept[0] + kept[1];
            const params = paramsOf(init), paramsC = paramsOf(kept);
            const macs = macsOf(init), macsC = macsOf(kept);
            const drop = (c.method === "magnitude" ? 0.08 : 0.03) *
              Math.max(0, -Math.log10(keptTotal / total)) ** 2;
            const acc = p.base - drop - 0.002 * Math.abs(rng.normal()) +
              (width === 256 ? 0.003 : 0);
            const speed = macs / macsC;
            const trainFrac = c.method === "magnitude" ? 1.3 : 0.35 + 0.5 * keptTotal / total;
            const base: Row = {
              suite: "fixture",
              run_id: runId,
              point,
              method: c.method,
              arch: p.arch,
              dataset: p.dataset,
              seed,
              init_width: width,
              lambda: c.lambda,
              hparams: JSON.stringify({ lr: 1e-3, lambda: c.lambda }),
              status: "ok",
              reason: "",
              units_init: total,
              units_kept: keptTotal,
              kept_fraction: keptTotal / total,
              per_layer_init: init.join("-"),
              per_layer_kept: kept.join("-"),
              params_dense: params,
              params_masked: paramsC,
              params_compact: paramsC,
              weights_kept_fraction: paramsC / params,
              compression_ratio: params / paramsC,
              macs_dense: macs,
              macs_masked: macsC,
              macs_compact: macsC,
              theoretical_speedup: speed,
              latency_dense_ms: 2.0,
              latency_compact_ms: 2.0 / speed ** 0.7,
              measured_speedup: speed ** 0.7,
              measured_speedup_lo: 0.9 * speed ** 0.7,
              measured_speedup_hi: 1.1 * speed ** 0.7,
              latency_repeats: width === 64 ? 3 : 10,
              acc,
              loss: 0.05 + (1 - acc),
              acc_dense_baseline: p.base,
              epochs: EPOCHS,
              train_macs: 3 * macs * 6e4 * EPOCHS * trainFrac,
              train_macs_dense: 3 * macs * 6e4 * EPOCHS,
              wall_s: 30 + 40 * width / 64,
              model_bytes: paramsC * 4,
              backend: "wasm",
              tfjs_version: "4.22.0",
              deno_version: "2.9.6",
              git_sha: "06fce3f",
            };
            if (failed) {
              // results are empty; provenance stays, as the harness writes it for failed runs
              for (const col of RUN_COLUMNS.slice(RUN_COLUMNS.indexOf("units_kept"))) {
                if (!PROVENANCE.includes(col)) base[col] = "";
              }
              Object.assign(base, {
                status: "failed",
                reason: "DivergenceError: loss is NaN at epoch 4, step 1873 (try a smaller lr)",
              });
            }
            runs.push(base);
            if (failed || point !== c.points[0].point) continue;
            const final = c.method === "magnitude" ? 1 : keptTotal / total;
            for (let e = 1; e <= EPOCHS; e++) {
              const t = 1 - Math.exp(-e / 2.5);
              const v = 1 - (1 - final) * t / (1 - Math.exp(-EPOCHS / 2.5));
              const row: Row = {
                suite: "fixture",
                run_id: runId,
                method: c.method,
                arch: p.arch,
                dataset: p.dataset,
                seed,
                init_width: width,
                lambda: c.lambda,
                epoch: e,
              };
              history.push({ ...row, metric: "kept_fraction", value: v + 0.01 * rng.normal() });
              history.push({ ...row, metric: "test_acc", value: acc - 0.05 / e });
            }
          }
        }
      }
    }
  }
  await Deno.writeTextFile(
    join(dir, "runs.csv"),
    stringify(runs, { header: true, columns: [...RUN_COLUMNS] }),
  );
  if (options.minimal) return;
  await Deno.writeTextFile(
    join(dir, "history.csv"),
    stringify(history, { header: true, columns: [...HISTORY_COLUMNS] }),
  );
  const summary = summaryRows(runs as RunRow[]).map((s) => ({ ...s, width_cv_units_kept: 0.12 }));
  await Deno.writeTextFile(
    join(dir, "summary.csv"),
    stringify(summary, { header: true, columns: [...SUMMARY_COLUMNS] }),
  );
  const manifest = {
    suite: "fixture",
    created: "2026-11-21T14:00:00Z",
    versions: { prunebench: "0.1.0", deno: "2.9.6", tfjs: "4.22.0", v8: "14.0" },
    backend: "wasm",
    machine: { cpu: "AMD EPYC (2 vCPU)", cores: 2, memory_gb: 8, os: "linux x86_64" },
    git_sha: "06fce3f",
    runs: { total: runs.length, failed: 1 },
  };
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (dir === undefined) {
    console.error("Usage: make_fixture.ts <dir>");
    Deno.exit(2);
  }
  await writeFixture(dir);
  console.log(`Wrote fixture to ${dir}`);
}
