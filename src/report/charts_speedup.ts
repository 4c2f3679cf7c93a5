/**
 * The speedup chart: theoretical speedup (MACs ratio) against measured speedup (latency ratio of
 * the compact network), one point per run, with the y = x line.
 *
 * @module
 */

import { panelOf } from "./aggregate.ts";
import type { Run } from "../results/read.ts";
import {
  type ChartInput,
  type ChartSpec,
  kind,
  methodColor,
  methodDomain,
  MIN_LATENCY_REPEATS,
  operatingPoint,
  r6,
  topLevel,
} from "./charts_common.ts";

/**
 * Theoretical speedup (MACs ratio) against measured speedup (latency ratio of the compact net),
 * one point per run, with the y = x line.
 *
 * @returns The spec, or `null` when no run has a measured speedup.
 */
export function speedupChart(input: ChartInput): ChartSpec | null {
  const runs = input.runs.filter((r) => r.ok && r.theoreticalSpeedup > 0 && r.measuredSpeedup > 0);
  if (runs.length === 0) return null;
  const values: Record<string, unknown>[] = runs.map(speedupRow);
  const all = runs.flatMap((r) => [
    r.theoreticalSpeedup,
    r.measuredSpeedup,
    ...[r.measuredSpeedupLo, r.measuredSpeedupHi].filter((v) => v > 0),
  ]);
  const lo = Math.min(1, ...all), hi = Math.max(...all);
  values.push({ kind: "identity", theoretical: r6(lo), measured: r6(lo) });
  values.push({ kind: "identity", theoretical: r6(hi), measured: r6(hi) });
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
  const few = values.some((v) => v.kind === "few");
  return topLevel("Theoretical vs measured speedup", values, {
    width: 420,
    height: 320,
    layer: speedupLayers(x, y, methodDomain(runs), few),
  });
}

/** The chart row of one run ("few": too few latency repeats for its quartiles to mean much). */
function speedupRow(r: Run): Record<string, unknown> {
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
}

/**
 * The layers: the y = x line, the measured quartiles, the runs, the note on runs with too few
 * repeats (when there are such runs, `few`) and those runs, hollow.
 */
function speedupLayers(x: ChartSpec, y: ChartSpec, domain: string[], few: boolean): ChartSpec[] {
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
  return [
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
    ...(few ? [fewRepeatsNote()] : []),
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
  ];
}

/** The text layer that explains the hollow grey points. */
function fewRepeatsNote(): ChartSpec {
  return {
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
  };
}
