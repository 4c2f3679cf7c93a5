/**
 * Grouping helpers of the report: grouping runs into operating points and picking one
 * representative operating point per method. The statistics are `src/results/stats.ts`'s.
 *
 * @module
 */

import type { Run } from "../results/read.ts";
import { mean, sd as sampleSd } from "../results/stats.ts";

export { mean };

/**
 * Sample standard deviation (n − 1) of the finite values ({@linkcode sampleSd}), with `0` for
 * one value: the report draws a single seed with a zero-width error bar.
 */
export function sd(values: readonly number[]): number {
  return sampleSd(values, 0);
}

/** Groups items by a string key, keeping first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Label of a dataset × architecture panel, e.g. `mnist · mlp`. */
export function panelOf(r: { dataset: string; arch: string }): string {
  return `${r.dataset} · ${r.arch}`;
}

/** Label of a λ value (`–` when the method has no λ). */
export function lambdaLabel(lambda: number): string {
  return Number.isFinite(lambda) ? String(lambda) : "–";
}

/** Key identifying one configuration (everything but the seed). */
export function configKey(r: Run): string {
  return [r.dataset, r.arch, r.initWidth, r.method, lambdaLabel(r.lambda), r.point].join("\u0000");
}

/** Runs of one configuration, averaged over seeds. */
export interface OperatingPoint {
  /** The successful runs of this configuration (one per seed). */
  runs: Run[];
  /** First run, for the identity fields. */
  first: Run;
  /** Mean fraction of units kept. */
  keptFraction: number;
}

/** Groups successful runs into operating points (configuration averaged over seeds). */
export function operatingPoints(runs: readonly Run[]): OperatingPoint[] {
  const ok = runs.filter((r) => r.ok);
  return [...groupBy(ok, configKey).values()].map((rs) => ({
    runs: rs,
    first: rs[0],
    keptFraction: mean(rs.map((r) => r.keptFraction)),
  }));
}

/**
 * Picks one operating point per method × dataset × arch × width: when a method has several
 * (λ values or target sparsities), the one whose mean kept fraction is closest to the median
 * kept fraction of all operating points of that panel and width, so methods are compared at
 * similar operating points. Ties go to the earlier point.
 */
export function representativeRuns(runs: readonly Run[]): Run[] {
  const points = operatingPoints(runs);
  const byPanel = groupBy(points, (p) => `${panelOf(p.first)}\u0000${p.first.initWidth}`);
  const out: Run[] = [];
  for (const panel of byPanel.values()) {
    const fracs = panel.map((p) => p.keptFraction).filter(Number.isFinite).sort((a, b) => a - b);
    const median = fracs.length === 0 ? NaN : fracs[Math.floor((fracs.length - 1) / 2)];
    for (const group of groupBy(panel, (p) => p.first.method).values()) {
      let best = group[0];
      for (const p of group) {
        if (Math.abs(p.keptFraction - median) < Math.abs(best.keptFraction - median)) best = p;
      }
      out.push(...best.runs);
    }
  }
  return out;
}
