/**
 * Training and robustness charts: kept fraction over epochs, box plots over seeds, λ sensitivity
 * and training MACs spent relative to dense training.
 *
 * @module
 */

import { groupBy, mean, representativeRuns, sd } from "./aggregate.ts";
import type { Run } from "../results/read.ts";
import {
  categoryAxis,
  type ChartInput,
  type ChartSpec,
  distinct,
  kind,
  methodColor,
  methodDomain,
  panelWidthOf,
  r6,
  topLevel,
  wrapFacet,
} from "./charts_common.ts";

/**
 * Kept fraction (or, when not logged, expected L0) over training epochs: a thin line per seed and
 * a bold mean per method, at each method's representative operating point; one panel per
 * dataset × architecture × initial width.
 *
 * @returns The spec, or `null` when `history.csv` has no such metric.
 */
export function keptOverTrainingChart(input: ChartInput): ChartSpec | null {
  const metric = ["kept_fraction", "expected_l0"].find((m) =>
    input.history.some((h) => h.metric === m && Number.isFinite(h.value))
  );
  if (metric === undefined) return null;
  const reps = new Map(representativeRuns(input.runs).map((r) => [r.runId, r]));
  const values = input.history
    .filter((h) => h.metric === metric && Number.isFinite(h.value) && reps.has(h.runId))
    .map((h) => ({
      panel: panelWidthOf(reps.get(h.runId)!),
      method: h.method,
      run: h.runId,
      seed: h.seed,
      epoch: h.epoch,
      value: r6(h.value),
    }));
  if (values.length === 0) return null;
  const domain = methodDomain(input.runs.filter((r) => r.ok));
  const x = {
    field: "epoch",
    type: "quantitative",
    title: "epoch",
    axis: { format: "d", tickMinStep: 1 },
  };
  const title = metric === "kept_fraction" ? "fraction of units kept" : "expected L0";
  const spec: ChartSpec = {
    width: 300,
    height: 200,
    layer: [
      {
        mark: { type: "line", strokeWidth: 3 },
        encoding: {
          x,
          y: { field: "value", aggregate: "mean", type: "quantitative", title },
          color: methodColor(domain),
        },
      },
      {
        mark: { type: "line", strokeWidth: 1, opacity: 0.35 },
        encoding: {
          x,
          y: { field: "value", type: "quantitative", title },
          color: methodColor(domain),
          detail: { field: "run" },
        },
      },
    ],
  };
  return topLevel(
    `${metric === "kept_fraction" ? "Kept fraction" : "Expected L0"} over training`,
    values,
    wrapFacet(distinct(values, (v) => v.panel), spec),
  );
}

/** Deterministic jitter in [-0.3, 0.3] from the seed, so output is identical on every run. */
function jitter(seed: number, i: number): number {
  const h = Math.sin((Number.isFinite(seed) ? seed : i) * 12.9898 + i * 78.233) * 43758.5453;
  return r6((h - Math.floor(h) - 0.5) * 0.6)!;
}

/**
 * Robustness over seeds: box plots of final accuracy and kept fraction per method (at each
 * method's representative operating point) with the individual seeds as points.
 *
 * @returns The spec, or `null` when no method has two or more successful seeds.
 */
export function robustnessChart(input: ChartInput): ChartSpec | null {
  const runs = representativeRuns(input.runs);
  const groups = groupBy(runs, (r) => `${panelWidthOf(r)}\u0000${r.method}`);
  if (![...groups.values()].some((g) => g.length >= 2)) return null;
  const values = runs.flatMap((r, i) =>
    [
      ["accuracy", r.acc] as const,
      ["fraction of units kept", r.keptFraction] as const,
    ].filter(([, v]) => Number.isFinite(v)).map(([metric, v]) => ({
      panel: panelWidthOf(r),
      method: r.method,
      seed: r.seed,
      metric,
      value: r6(v),
      jitter: jitter(r.seed, i),
    }))
  );
  const domain = methodDomain(runs);
  const x = {
    field: "method",
    type: "nominal",
    title: null,
    scale: { domain },
    axis: categoryAxis(domain.length),
  };
  const y = { field: "value", type: "quantitative", title: null, scale: { zero: false } };
  return topLevel("Robustness over seeds", values, {
    facet: {
      row: { field: "metric", type: "nominal", title: null },
      column: { field: "panel", type: "nominal", title: null },
    },
    spec: {
      width: 220,
      height: 180,
      layer: [
        {
          mark: {
            type: "boxplot",
            extent: "min-max",
            size: 28,
            opacity: 0.5,
            median: { color: "#222" },
          },
          encoding: { x, y, color: methodColor(domain) },
        },
        {
          mark: { type: "point", filled: true, color: "#222", size: 40, opacity: 0.8 },
          encoding: {
            x,
            xOffset: { field: "jitter", type: "quantitative", scale: { domain: [-1, 1] } },
            y,
            tooltip: [{ field: "method" }, { field: "seed" }, { field: "value" }],
          },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  });
}

/**
 * λ sensitivity: accuracy and kept fraction (mean ± sd over seeds) against λ for every method
 * run at two or more λ values in the same panel.
 *
 * @returns The spec, or `null` when the suite does not sweep λ.
 */
export function lambdaChart(input: ChartInput): ChartSpec | null {
  const ok = input.runs.filter((r) => r.ok && Number.isFinite(r.lambda));
  const swept = [
    ...groupBy(ok, (r) => `${panelWidthOf(r)}\u0000${r.method}\u0000${r.point}`)
      .values(),
  ].filter((g) => distinct(g, (r) => r.lambda) >= 2);
  if (swept.length === 0) return null;
  const values: Record<string, unknown>[] = [];
  for (const g of swept) {
    for (const rs of groupBy(g, (r) => String(r.lambda)).values()) {
      const metrics: [string, (r: Run) => number][] = [
        ["accuracy", (r) => r.acc],
        ["fraction of units kept", (r) => r.keptFraction],
      ];
      for (const [metric, pick] of metrics) {
        const v = rs.map(pick), m = mean(v), s = sd(v);
        if (!Number.isFinite(m)) continue;
        values.push({
          panel: panelWidthOf(rs[0]),
          method: rs[0].method,
          lambda: rs[0].lambda,
          metric,
          mean: r6(m),
          lo: r6(m - s),
          hi: r6(m + s),
        });
      }
    }
  }
  const positive = values.every((v) => (v.lambda as number) > 0);
  const domain = methodDomain(ok);
  const shown = methodDomain(swept.map((g) => g[0]));
  const x = {
    field: "lambda",
    type: "quantitative",
    title: positive ? "λ (log)" : "λ (symlog)",
    scale: { type: positive ? "log" : "symlog" },
  };
  return topLevel("λ sensitivity", values, {
    facet: {
      row: { field: "metric", type: "nominal", title: null },
      column: { field: "panel", type: "nominal", title: null },
    },
    spec: {
      width: 260,
      height: 180,
      layer: [
        {
          mark: { type: "rule", strokeWidth: 1.5 },
          encoding: {
            x,
            y: { field: "lo", type: "quantitative" },
            y2: { field: "hi" },
            color: methodColor(domain, shown),
          },
        },
        {
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: { field: "mean", type: "quantitative", title: null, scale: { zero: false } },
            color: methodColor(domain, shown),
          },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  });
}

/**
 * Training MACs spent relative to dense training, per method (mean ± sd over seeds at each
 * method's representative operating point), with the dense cost as a rule at 1.
 *
 * @returns The spec, or `null` when no run reports training MACs.
 */
export function trainMacsChart(input: ChartInput): ChartSpec | null {
  const runs = representativeRuns(input.runs).filter((r) => r.trainMacsDense > 0);
  const values: Record<string, unknown>[] = [];
  for (const [, rs] of groupBy(runs, (r) => `${panelWidthOf(r)}\u0000${r.method}`)) {
    const v = rs.map((r) => r.trainMacs / r.trainMacsDense), m = mean(v), s = sd(v);
    if (!Number.isFinite(m)) continue;
    values.push({
      kind: "bar",
      panel: panelWidthOf(rs[0]),
      method: rs[0].method,
      fraction: r6(m),
      lo: r6(m - s),
      hi: r6(m + s),
    });
  }
  if (values.length === 0) return null;
  for (const panel of new Set(values.map((v) => v.panel))) {
    values.push({ kind: "dense", panel, fraction: 1 });
  }
  const domain = methodDomain(runs);
  const x = {
    field: "method",
    type: "nominal",
    title: null,
    scale: { domain },
    axis: categoryAxis(domain.length),
  };
  const top = Math.max(1, ...values.map((v) => Number(v.hi ?? v.fraction) || 0));
  const y = {
    field: "fraction",
    type: "quantitative",
    title: "training MACs / dense",
    scale: { domain: [0, r6(top * 1.12)], nice: false },
  };
  const spec: ChartSpec = {
    width: 240,
    height: 200,
    layer: [
      {
        transform: kind("bar"),
        mark: { type: "bar" },
        encoding: { x, y, color: methodColor(domain) },
      },
      {
        transform: kind("bar"),
        mark: { type: "rule", color: "#222" },
        encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
      },
      {
        transform: kind("dense"),
        mark: { type: "rule", strokeDash: [5, 4], color: "#333" },
        encoding: { y: { field: "fraction", type: "quantitative" } },
      },
    ],
  };
  return topLevel(
    "Training MACs spent vs dense training",
    values,
    wrapFacet(distinct(values, (v) => v.panel), spec),
  );
}
