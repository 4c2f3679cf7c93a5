/**
 * Trade-off charts: accuracy against the fraction of units or weights kept, against theoretical
 * speedup, and theoretical against measured speedup.
 *
 * @module
 */

import { groupBy, lambdaLabel, mean, operatingPoints, panelOf, sd } from "./aggregate.ts";
import type { Run } from "../results/read.ts";
import {
  type ChartInput,
  type ChartSpec,
  distinct,
  kind,
  methodColor,
  methodDomain,
  MIN_LATENCY_REPEATS,
  operatingPoint,
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
  const { pick, title } = X_FIELD[x];
  const points = operatingPoints(input.runs).filter((p) =>
    p.runs.some((r) => Number.isFinite(pick(r)) && Number.isFinite(r.acc))
  );
  if (points.length === 0) return null;
  const values: Record<string, unknown>[] = points.map((p) => {
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
  });
  const ok = input.runs.filter((r) => r.ok);
  for (const [panel, rs] of groupBy(ok, panelOf)) {
    const base = mean(rs.map((r) => r.accDenseBaseline));
    if (Number.isFinite(base)) values.push({ kind: "baseline", panel, acc: r6(base) });
  }
  const domain = methodDomain(ok);
  const multiWidth = distinct(points, (p) => p.first.initWidth) > 1;
  const xs = values.map((v) => v.x as number).filter((v) => v > 0);
  const lo = Math.min(...xs), hi = Math.max(...xs);
  const xEnc = {
    field: "x",
    type: "quantitative",
    title,
    scale: x === "speedup"
      ? { type: "log", domain: [r6(Math.min(1, lo) / 1.1), r6(hi * 1.15)], nice: false }
      : {
        type: "log",
        reverse: true,
        domain: [r6(lo / 1.15), r6(Math.max(1, hi) * 1.05)],
        nice: false,
      },
  };
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
  const spec: ChartSpec = {
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
  const titles: Record<TradeoffX, string> = {
    units: "Accuracy vs fraction of units kept",
    weights: "Accuracy vs fraction of weights kept",
    speedup: "Accuracy vs theoretical speedup",
  };
  return topLevel(titles[x], values, wrapFacet(distinct(values, (v) => v.panel), spec));
}

/**
 * Theoretical speedup (MACs ratio) against measured speedup (latency ratio of the compact net),
 * one point per run, with the y = x line.
 *
 * @returns The spec, or `null` when no run has a measured speedup.
 */
export function speedupChart(input: ChartInput): ChartSpec | null {
  const runs = input.runs.filter((r) => r.ok && r.theoreticalSpeedup > 0 && r.measuredSpeedup > 0);
  if (runs.length === 0) return null;
  const values: Record<string, unknown>[] = runs.map((r) => {
    const enough = r.latencyRepeats >= MIN_LATENCY_REPEATS && Number.isFinite(r.measuredSpeedupLo);
    return {
      kind: enough ? "run" : "few",
      panel: panelOf(r),
      method: r.method,
      point: operatingPoint(r),
      seed: r.seed,
      width: r.initWidth,
      theoretical: r6(r.theoreticalSpeedup),
      measured: r6(r.measuredSpeedup),
      lo: enough ? r6(r.measuredSpeedupLo) : null,
      hi: enough ? r6(r.measuredSpeedupHi) : null,
      repeats: Number.isFinite(r.latencyRepeats) ? r.latencyRepeats : "not recorded",
    };
  });
  const all = runs.flatMap((r) => [
    r.theoreticalSpeedup,
    r.measuredSpeedup,
    ...[r.measuredSpeedupLo, r.measuredSpeedupHi].filter((v) => v > 0),
  ]);
  const lo = Math.min(1, ...all), hi = Math.max(...all);
  values.push({ kind: "identity", theoretical: r6(lo), measured: r6(lo) });
  values.push({ kind: "identity", theoretical: r6(hi), measured: r6(hi) });
  const domain = methodDomain(runs);
  const tooltip = [
    { field: "method" },
    { field: "point", title: "operating point" },
    { field: "panel" },
    { field: "width" },
    { field: "seed" },
    { field: "theoretical" },
    { field: "measured" },
    { field: "lo", title: "measured 25th pct" },
    { field: "hi", title: "measured 75th pct" },
    { field: "repeats", title: "latency repeats" },
  ];
  const x = {
    field: "theoretical",
    type: "quantitative",
    title: "theoretical speedup (MACs ratio, log)",
    scale: { type: "log", domain: [r6(lo / 1.1), r6(hi * 1.1)], nice: false },
  };
  const y = {
    field: "measured",
    type: "quantitative",
    title: "measured speedup (latency ratio, log)",
    scale: { type: "log", domain: [r6(lo / 1.1), r6(hi * 1.1)], nice: false },
  };
  return topLevel("Theoretical vs measured speedup", values, {
    width: 420,
    height: 320,
    layer: [
      {
        transform: kind("identity"),
        mark: { type: "line", color: "#888", strokeDash: [5, 4] },
        encoding: { x, y },
      },
      {
        transform: kind("run"),
        mark: { type: "rule", strokeWidth: 1.5, opacity: 0.7 },
        encoding: {
          x,
          y: { ...y, field: "lo" },
          y2: { field: "hi" },
          color: methodColor(domain),
        },
      },
      {
        transform: kind("run"),
        mark: { type: "point", filled: true, size: 60, opacity: 0.85 },
        encoding: {
          x,
          y,
          color: methodColor(domain),
          shape: { field: "panel", type: "nominal", title: "dataset · arch" },
          tooltip,
        },
      },
      ...(values.some((v) => v.kind === "few")
        ? [{
          data: { values: [{}] },
          mark: {
            type: "text",
            align: "left",
            baseline: "top",
            x: 6,
            y: 6,
            color: "#666",
            fontSize: 11,
          },
          encoding: {
            text: {
              value: `hollow grey: < ${MIN_LATENCY_REPEATS} latency repeats, speedup is noise`,
            },
          },
        }]
        : []),
      {
        transform: kind("few"),
        mark: { type: "point", filled: false, size: 60, color: "#aaa", strokeWidth: 1.2 },
        encoding: {
          x,
          y,
          shape: { field: "panel", type: "nominal", title: "dataset · arch" },
          tooltip,
        },
      },
    ],
  });
}
