/**
 * Shared pieces of the Vega-Lite chart builders: the spec type, the common config (fixed font,
 * white background), a stable method colour scale and faceting helpers.
 *
 * @module
 */

import type { HistoryPoint, Run } from "../results/read.ts";
import { panelOf } from "./aggregate.ts";

/** A Vega-Lite spec as plain JSON (validated by compiling it with vega-lite). */
export type ChartSpec = Record<string, unknown>;

/** Data the chart builders read. */
export interface ChartInput {
  /** All runs, failed ones included; builders use only successful runs. */
  runs: readonly Run[];
  /** History points (long format). */
  history: readonly HistoryPoint[];
}

/** Font family used in every chart; the PNG renderer loads the matching TTF. */
export const CHART_FONT = "DejaVu Sans";

/** Vega-Lite `$schema` of every spec. */
export const VL_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

const CONFIG = {
  font: CHART_FONT,
  background: "white",
  padding: 8,
  view: { stroke: "#bbb" },
  title: { fontSize: 15, anchor: "start", offset: 12 },
  // continuous axes drop labels that would overlap (log axes label 0.6 and 0.5 side by side)
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    gridColor: "#e6e6e6",
    labelOverlap: "greedy",
    labelSeparation: 4,
  },
  header: { labelFontSize: 12, labelFontWeight: "bold" },
  legend: {
    labelFontSize: 11,
    titleFontSize: 12,
    orient: "right",
    labelLimit: 260,
    // legend symbols drawn solid and thick, whatever the marks' opacity or stroke width
    symbolOpacity: 1,
    symbolStrokeWidth: 3,
    symbolSize: 120,
  },
};

/**
 * Latency repeats below which a measured speedup is noise: such points are drawn hollow and grey,
 * without an interval (a 3-repeat median of sub-millisecond batches can be off many-fold).
 */
export const MIN_LATENCY_REPEATS = 5;

/** Categories above which a category axis tilts its labels. */
export const MAX_FLAT_CATEGORIES = 4;

/**
 * Axis of a band (category) scale with `n` categories: labels flat when few, tilted −40° and
 * right-aligned when many, always truncated to `labelLimit` pixels, so they never overlap.
 */
export function categoryAxis(n: number): ChartSpec {
  // labelOverlap off: a category axis must show every label (the config's greedy mode drops some)
  return n > MAX_FLAT_CATEGORIES
    ? {
      labelAngle: -40,
      labelAlign: "right",
      labelBaseline: "top",
      labelLimit: 110,
      labelOverlap: false,
    }
    : { labelAngle: 0, labelLimit: 110, labelOverlap: false };
}

/** The operating point of a run as a short label: `λ=0.1`, `λ=0.1 · 0.9`, `0.9` or `final`. */
export function operatingPoint(r: Run): string {
  const lam = Number.isFinite(r.lambda) ? `λ=${r.lambda}` : "";
  const pt = r.point && r.point !== "final" ? r.point : "";
  return [lam, pt].filter(Boolean).join(" · ") || "final";
}

/** Rounds to 6 significant digits so specs are small and stable; non-finite → `null`. */
export function r6(x: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : null;
}

/** Wraps data and a view into a top-level spec with the shared config. */
export function topLevel(
  title: string,
  values: readonly Record<string, unknown>[],
  body: ChartSpec,
): ChartSpec {
  return {
    $schema: VL_SCHEMA,
    title,
    data: { values },
    ...body,
    config: CONFIG,
  };
}

/** Sorted distinct method ids of the runs, for a colour scale that is stable across charts. */
export function methodDomain(runs: readonly Run[]): string[] {
  return [...new Set(runs.map((r) => r.method))].sort();
}

/** Colour encoding by method with a fixed domain; `shown` limits the legend entries. */
export function methodColor(domain: readonly string[], shown?: readonly string[]): ChartSpec {
  return {
    field: "method",
    type: "nominal",
    title: "method",
    scale: { domain, scheme: "tableau10" },
    ...(shown ? { legend: { values: shown } } : {}),
  };
}

/** Panel label including the initial width, e.g. `mnist · mlp · width 64`. */
export function panelWidthOf(r: Run): string {
  return `${panelOf(r)} · width ${r.initWidth}`;
}

/** Facet-wrap body: one panel per distinct `panel` value, `columns` per row. */
export function wrapFacet(
  panels: number,
  spec: ChartSpec,
  options: { columns?: number; resolve?: ChartSpec } = {},
): ChartSpec {
  return {
    facet: { field: "panel", type: "nominal", title: null },
    columns: options.columns ?? (panels === 4 ? 2 : Math.min(3, Math.max(1, panels))),
    spec,
    ...(options.resolve ? { resolve: options.resolve } : {}),
  };
}

/** Number of distinct values of `key` over the items. */
export function distinct<T>(items: readonly T[], key: (item: T) => unknown): number {
  return new Set(items.map(key)).size;
}

/** Filter transform on the `kind` field, to share one data array between layers. */
export function kind(k: string): ChartSpec[] {
  return [{ filter: `datum.kind === '${k}'` }];
}
