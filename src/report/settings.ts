/**
 * Operating points averaged over seeds, for the leaderboard, fronts and robustness tables.
 *
 * A *setting* is one method entry × architecture × dataset × initial width × strength × point,
 * with its successful seeds. Runs are grouped by their full resolved hyperparameters (`hparams`
 * column), so two suite entries of one method never merge. For labels, a method's hyperparameters
 * that vary across its runs are split in two: string/boolean ones name a *variant*
 * (`magnitude (granularity=unit)`), numeric ones are the *strength* (`lambda=0.1`) unless they
 * only change with the variant (then they are part of its name), together with
 * the operating point of one-shot methods (`sparsity=0.9`).
 *
 * @module
 */

import type { Run } from "../results/read.ts";
import { groupBy, mean, sd } from "./aggregate.ts";

/** Mean and sample sd over seeds (`sd` is 0 for one seed, `NaN` for none). */
export interface Stat {
  /** Mean over seeds. */
  mean: number;
  /** Sample standard deviation over seeds. */
  sd: number;
}

/** One operating point averaged over its successful seeds. */
export interface Setting {
  /** Dataset id. */
  dataset: string;
  /** Architecture id. */
  arch: string;
  /** Method id as in runs.csv. */
  method: string;
  /** Method plus its variant, e.g. `magnitude (granularity=unit)`. */
  label: string;
  /** Strength and point, e.g. `lambda=0.1` or `sparsity=0.9`; `""` for a single setting. */
  strength: string;
  /** Initial width. */
  initWidth: number;
  /** The successful runs (one per seed). */
  runs: Run[];
  /** Seeds that ran (successful or not). */
  seedsTried: number;
  /** Test accuracy in [0, 1]. */
  acc: Stat;
  /** Compact parameters. */
  params: Stat;
  /** Compact forward MACs per example. */
  macs: Stat;
  /** Measured speedup (dense / compact latency). */
  speedup: Stat;
  /** Fraction of weights left nonzero (masked params / dense params). */
  weightsKept: Stat;
  /** Total kept units. */
  units: Stat;
  /** Kept units per layer (mean and sd per position). */
  perLayer: Stat[];
  /** Initial units per layer. */
  perLayerInit: number[];
}

function stat(values: readonly number[]): Stat {
  return { mean: mean(values), sd: sd(values) };
}

/** Parses the `hparams` JSON of a run (`{}` when absent or invalid). */
export function hparamsOf(r: Run): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(r.hparams || "{}");
    return v !== null && typeof v === "object" && !Array.isArray(v)
      ? v as Record<string, unknown>
      : {};
  } catch {
    return {};
  }
}

/** Keys of each method's hyperparameters whose values differ between its runs. */
function varyingKeys(runs: readonly Run[]): Map<string, { variant: string[]; strength: string[] }> {
  const out = new Map<string, { variant: string[]; strength: string[] }>();
  for (const [method, rs] of groupBy(runs, (r) => r.method)) {
    const values = new Map<string, Set<string>>();
    const numeric = new Map<string, boolean>();
    const hs = rs.map(hparamsOf);
    const keys = new Set(hs.flatMap((h) => Object.keys(h)));
    for (const k of keys) {
      values.set(k, new Set(hs.map((h) => JSON.stringify(h[k] ?? null))));
      numeric.set(k, hs.every((h) => h[k] === undefined || typeof h[k] === "number"));
    }
    const varying = [...keys].filter((k) => values.get(k)!.size > 1).sort();
    const scalar = (k: string) =>
      hs.every((h) => ["string", "boolean", "undefined"].includes(typeof h[k]));
    const variant = varying.filter((k) => !numeric.get(k) && scalar(k));
    // a number that only changes with the variant (magnitude's fineTuneEpochs 2 for units, 0 for
    // weights) describes the variant, not a strength
    const byVariant = groupBy(hs, (h) => JSON.stringify(variant.map((k) => h[k] ?? null)));
    const fixedPerVariant = (k: string) =>
      variant.length > 0 &&
      [...byVariant.values()].every((g) => new Set(g.map((h) => JSON.stringify(h[k]))).size === 1);
    const numbers = varying.filter((k) => numeric.get(k));
    out.set(method, {
      variant: [...variant, ...numbers.filter(fixedPerVariant)].sort(),
      strength: numbers.filter((k) => !fixedPerVariant(k)),
    });
  }
  return out;
}

/**
 * Groups runs into settings (successful seeds only; a setting whose every seed failed is left
 * out: the failed-runs table lists it).
 *
 * @example
 * ```ts
 * import { settingsOf } from "./settings.ts";
 * if (settingsOf([]).length !== 0) throw new Error();
 * ```
 */
export function settingsOf(runs: readonly Run[]): Setting[] {
  const keys = varyingKeys(runs);
  const groups = groupBy(
    runs,
    (r) => [r.dataset, r.arch, r.method, r.initWidth, r.hparams, r.point].join("\u0000"),
  );
  const out: Setting[] = [];
  for (const rs of groups.values()) {
    const ok = rs.filter((r) => r.ok && Number.isFinite(r.acc));
    if (ok.length === 0) continue;
    const first = ok[0];
    const h = hparamsOf(first);
    const k = keys.get(first.method) ?? { variant: [], strength: [] };
    const variant = k.variant.map((key) => `${key}=${h[key]}`).join(", ");
    const strength = [
      ...k.strength.map((key) => `${key}=${h[key]}`),
      ...(first.point && first.point !== "final" ? [first.point] : []),
    ].join(", ");
    const nLayers = Math.max(0, ...ok.map((r) => r.perLayerKept.length));
    out.push({
      dataset: first.dataset,
      arch: first.arch,
      method: first.method,
      label: variant ? `${first.method} (${variant})` : first.method,
      strength,
      initWidth: first.initWidth,
      runs: ok,
      seedsTried: new Set(rs.map((r) => r.seed)).size,
      acc: stat(ok.map((r) => r.acc)),
      params: stat(ok.map((r) => r.paramsCompact)),
      macs: stat(ok.map((r) => r.macsCompact)),
      speedup: stat(ok.map((r) => r.measuredSpeedup)),
      weightsKept: stat(ok.map((r) => r.weightsKeptFraction)),
      units: stat(ok.map((r) => r.unitsKept)),
      perLayer: [...Array(nLayers).keys()].map((i) => stat(ok.map((r) => r.perLayerKept[i]))),
      perLayerInit: first.perLayerInit,
    });
  }
  return out;
}

/** Formats a mean ± sd, `—` when the mean is not finite; `scale` multiplies both. */
export function pm(s: Stat, digits = 2, scale = 1): string {
  if (!Number.isFinite(s.mean)) return "—";
  const m = (s.mean * scale).toFixed(digits);
  return Number.isFinite(s.sd) ? `${m} ± ${(s.sd * scale).toFixed(digits)}` : m;
}

/** Formats a count with thousands separators and its sd, e.g. `12,345 ± 210`. */
export function pmCount(s: Stat): string {
  if (!Number.isFinite(s.mean)) return "—";
  const f = (x: number) => Math.round(x).toLocaleString("en-US");
  return Number.isFinite(s.sd) ? `${f(s.mean)} ± ${f(s.sd)}` : f(s.mean);
}

/** Kept units per layer as `mean-mean-…` (rounded), e.g. `219-214-10`. */
export function layersText(s: Setting): string {
  return s.perLayer.map((l) => Number.isFinite(l.mean) ? String(Math.round(l.mean)) : "?").join(
    "-",
  );
}
