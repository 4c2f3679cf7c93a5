/**
 * Estimates a suite's wall time from measured per-epoch times: `deno run -A
 * benchmarks/estimate_suite.ts <suite> <timing results dir> [--jobs 2] [--overhead 8]`.
 *
 * The timing directory is the output of a short bench (e.g. 2 epochs, one seed) of the methods ×
 * architectures × widths of interest, run the way the suite will run (same `--jobs`, under the
 * CPU lock). A method's epoch time is the mean epoch time after the first epoch (from the
 * cumulative `wall_s` in history.csv). Missing (method, arch, width) cells are filled from the
 * same method at another width scaled by dense's ratio between the widths, or from dense at the
 * width scaled by the method's mean ratio to dense; dense at an unmeasured width follows a power law
 * through its measured widths. One-shot baselines add `targets ×
 * fineTuneEpochs` dense epochs. Each run adds `--overhead` seconds (start, evaluation, latency,
 * export). The estimate is Σ run times / jobs (perfect packing) and is printed with its parts.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { loadSuite } from "./suites/mod.ts";
import { expandSuite } from "../src/harness/suite.ts";
import { parseCsv } from "../src/results/read.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { jobs: { type: "string", default: "2" }, overhead: { type: "string", default: "8" } },
});
if (positionals.length !== 2) {
  console.error("Usage: estimate_suite.ts <suite id or .ts> <timing results dir> [--jobs N]");
  Deno.exit(2);
}
const jobs = Number(values.jobs), overhead = Number(values.overhead);
const suite = await loadSuite(positionals[0]);
const rows = parseCsv(await Deno.readTextFile(join(positionals[1], "history.csv")));
const walls = new Map<string, number[]>();
for (const r of rows) {
  if (r.metric !== "wall_s") continue;
  const k = `${r.method}|${r.arch}|${Number(r.init_width)}|${r.run_id}`;
  walls.set(k, [...(walls.get(k) ?? []), Number(r.value)]);
}
const measured = new Map<string, number[]>();
for (const [k, w] of walls) {
  const per = w.length > 1 ? (w[w.length - 1] - w[0]) / (w.length - 1) : w[0];
  const key = k.split("|").slice(0, 3).join("|");
  measured.set(key, [...(measured.get(key) ?? []), per]);
}
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const t = (m: string, a: string, w: number): number | undefined => {
  const v = measured.get(`${m}|${a}|${w}`);
  if (v) return mean(v);
  if (m !== "dense") return undefined;
  // dense at an unmeasured width: power law t = c·w^p through the measured widths' extremes
  const ws = [...measured.keys()].filter((k) => k.startsWith(`dense|${a}|`))
    .map((k) => Number(k.split("|")[2])).sort((x, y) => x - y);
  if (ws.length < 2) return undefined;
  const [w0, w1] = [ws[0], ws[ws.length - 1]];
  const [t0, t1] = [
    mean(measured.get(`dense|${a}|${w0}`)!),
    mean(measured.get(`dense|${a}|${w1}`)!),
  ];
  const p = Math.log(t1 / t0) / Math.log(w1 / w0);
  return t0 * (w / w0) ** p;
};
function epochTime(method: string, arch: string, width: number): number {
  const direct = t(method, arch, width);
  if (direct !== undefined) return direct;
  const dense = t("dense", arch, width);
  const others = [...measured.keys()].filter((k) => k.startsWith(`${method}|${arch}|`));
  for (const k of others) {
    const w0 = Number(k.split("|")[2]);
    const d0 = t("dense", arch, w0);
    if (dense !== undefined && d0 !== undefined) return t(method, arch, w0)! * dense / d0;
  }
  const learned = [...measured.keys()].filter((k) => k.startsWith(`${method}|`));
  const ratios = learned.map((k) => {
    const [, a, w] = k.split("|");
    const d = t("dense", a, Number(w));
    return d ? t(method, a, Number(w))! / d : NaN;
  }).filter(Number.isFinite);
  const base = dense ?? t("dense", arch, 1);
  if (base === undefined) throw new Error(`No timing for dense on ${arch}: measure it first`);
  return base * (ratios.length ? mean(ratios) : 2);
}
let total = 0;
const parts = new Map<string, number>();
const configs = expandSuite(suite);
for (const c of configs) {
  const e = epochTime(c.method, c.arch, c.width);
  const h = c.hparams as { targets?: number[]; fineTuneEpochs?: number };
  const ft = (h.targets?.length ?? 0) * (h.fineTuneEpochs ?? 0) *
    epochTime("dense", c.arch, c.width);
  const s = c.recipe.epochs * e + ft + overhead;
  total += s;
  const k = `${c.arch} ${c.width}× ${c.method}`;
  parts.set(k, (parts.get(k) ?? 0) + s);
}
for (const [k, s] of [...parts].sort((a, b) => b[1] - a[1])) {
  console.log(`${k.padEnd(36)} ${(s / 60).toFixed(1).padStart(7)} run-min`);
}
console.log(
  `${configs.length} runs, ${(total / 60).toFixed(0)} run-minutes; ` +
    `≈ ${(total / jobs / 60).toFixed(0)} min with --jobs ${jobs}`,
);
