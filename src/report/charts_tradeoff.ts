/**
 * Trade-off charts: accuracy against the fraction of units or weights kept, or against
 * theoretical speedup (theoretical against measured speedup: charts_speedup.ts).
 *
 * @module
 */

import {
  groupBy,
  lambdaLabel,
  mean,
  type OperatingPoint,
  operatingPoints,
  panelOf,
  sd,
} from "./aggregate.ts";
import type { Run } from "../results/read.ts";
import {
  type ChartInput,
  type ChartSpec,
  distinct,
  kind,
  methodColor,
  methodDomain,
  r6,
  topLevel,
  wrapFacet,
} from "./charts_common.ts";

/** Which quantity goes on the x axis of a trade-off chart. */
export type TradeoffX = "units" | "weights" | "speedup";

const X_FIELD: Record<TradeoffX, { pick: (r: Run) => number; title: string }> = {
  units: { pick: (r) => r.keptFraction, title: "fraction of units kept (log, reversed)" },
  weights: {
    pick: (r) => r.weightsKeptFraction,
    title: "fraction of weights kept (log, reversed)",
  },
  speedup: {
    pick: (r) => r.theoreticalSpeedup,
    title: "theoretical speedup (dense / compact MACs)",
  },
};

/**
 * Accuracy against the fraction of units or weights kept (log axis, reversed) or against the
 * theoretical speedup: one line per method and width, a mean ± sd band over seeds, and the dense
 * baseline as a dashed rule; one panel per dataset × architecture.
 *
 * @returns The spec, or `null` when no successful run has both values.
 */
export function tradeoffChart(input: ChartInput, x: TradeoffX): ChartSpec | null {
  const { pick } = X_FIELD[x];
  const points = operatingPoints(input.runs).filter((p) =>
    p.runs.some((r) => Number.isFinite(pick(r)) && Number.isFinite(r.acc))
  );
  if (points.length === 0) return null;
  const values: Record<string, unknown>[] = points.map((p) => pointRow(p, pick));
  const ok = input.runs.filter((r) => r.ok);
  for (const [panel, rs] of groupBy(ok, panelOf)) {
    const base = mean(rs.map((r) => r.accDenseBaseline));
    if (Number.isFinite(base)) values.push({ kind: "baseline", panel, acc: r6(base) });
  }
  const multiWidth = distinct(points, (p) => p.first.initWidth) > 1;
  const spec = tradeoffLayers(x, xEncoding(x, values), methodDomain(ok), multiWidth);
  const titles: Record<TradeoffX, string> = {
    units: "Accuracy vs fraction of units kept",
    weights: "Accuracy vs fraction of weights kept",
    speedup: "Accuracy vs theoretical speedup",
  };
  return topLevel(titles[x], values, wrapFacet(distinct(values, (v) => v.panel), spec));
}

/** The chart row of one operating point: mean x, mean ± sd accuracy over its seeds. */
function pointRow(p: OperatingPoint, pick: (r: Run) => number): Record<string, unknown> {
  const acc = p.runs.map((r) => r.acc);
  const m = mean(acc), s = sd(acc);
  return {
    kind: "point",
    panel: panelOf(p.first),
    method: p.first.method,
    width: `width ${p.first.initWidth}`,
    series: `${p.first.method} ${p.first.initWidth}`,
    lambda: lambdaLabel(p.first.lambda),
    point: p.first.point,
    x: r6(mean(p.runs.map(pick))),
    acc: r6(m),
    lo: r6(m - s),
    hi: r6(m + s),
    n: p.runs.length,
  };
}

/** The x encoding: a log axis over the positive x values (reversed for kept fractions). */
function xEncoding(x: TradeoffX, values: Record<string, unknown>[]): Record<string, unknown> {
  const xs = values.map((v) => v.x as number).filter((v) => v > 0);
  const lo = Math.min(...xs), hi = Math.max(...xs);
  return {
    field: "x",
    type: "quantitative",
    title: X_FIELD[x].title,
    scale: x === "speedup"
      ? { type: "log", domain: [r6(Math.min(1, lo) / 1.1), r6(hi * 1.15)], nice: false }
      : {
        type: "log",
        reverse: true,
        domain: [r6(lo / 1.15), r6(Math.max(1, hi) * 1.05)],
        nice: false,
      },
  };
}

/** One panel of the trade-off chart: lines with points, the ± sd band and the baseline rule. */
function tradeoffLayers(
  x: TradeoffX,
  xEnc: Record<string, unknown>,
  domain: string[],
  multiWidth: boolean,
): ChartSpec {
  const yEnc = {
    field: "acc",
    type: "quantitative",
    title: "test accuracy",
    scale: { zero: false },
    axis: { format: ".1%" },
  };
  const dash = multiWidth
    ? {
      strokeDash: { field: "width", type: "nominal", title: "initial width" },
      shape: { field: "width", type: "nominal", title: "initial width" },
    }
    : {};
  return {
    width: 320,
    height: 220,
    layer: [
      {
        transform: kind("point"),
        mark: { type: "line", point: true, strokeWidth: 2 },
        encoding: {
          x: xEnc,
          y: yEnc,
          color: methodColor(domain),
          detail: { field: "series" },
          ...dash,
          tooltip: [
            { field: "method" },
            { field: "width" },
            { field: "lambda", title: "λ" },
            { field: "point" },
            { field: "x", title: x, format: ".3f" },
            { field: "acc", format: ".2%" },
            { field: "n", title: "seeds" },
          ],
        },
      },
      {
        transform: kind("point"),
        mark: { type: "area", opacity: 0.15 },
        encoding: {
          x: xEnc,
          y: { field: "lo", type: "quantitative" },
          y2: { field: "hi" },
          color: methodColor(domain),
          detail: { field: "series" },
        },
      },
      {
        transform: kind("baseline"),
        mark: { type: "rule", strokeDash: [5, 4], color: "#333" },
        encoding: { y: { field: "acc", type: "quantitative" } },
      },
    ],
  };
}
