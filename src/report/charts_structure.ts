/**
 * Structure charts: kept units per layer (with the initial widths as ghost bars) and final kept
 * units against the initial width (width invariance).
 *
 * @module
 */

import { groupBy, lambdaLabel, mean, panelOf, representativeRuns, sd } from "./aggregate.ts";
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
import { keptOver, widthScaledLayers } from "../metrics/width_scaled.ts";
import type { Run } from "../results/read.ts";

/**
 * Kept units per layer per method (mean over seeds at each method's representative operating
 * point), grouped bars over light grey bars showing the initial width of each layer; one panel
 * per dataset × architecture × initial width.
 *
 * @returns The spec, or `null` when no run reports per-layer widths.
 */
export function layerWidthsChart(input: ChartInput): ChartSpec | null {
  const runs = representativeRuns(input.runs).filter((r) => r.perLayerKept.length > 0);
  if (runs.length === 0) return null;
  const values: Record<string, unknown>[] = [];
  for (const [panel, rs] of groupBy(runs, panelWidthOf)) {
    const init = rs.find((r) => r.perLayerInit.length > 0)?.perLayerInit ?? [];
    init.forEach((u, i) => values.push({ kind: "init", panel, layer: `L${i + 1}`, units: u }));
    for (const [method, ms] of groupBy(rs, (r) => r.method)) {
      const layers = Math.max(...ms.map((r) => r.perLayerKept.length));
      for (let i = 0; i < layers; i++) {
        const kept = ms.map((r) => r.perLayerKept[i] ?? NaN);
        values.push({
          kind: "kept",
          panel,
          method,
          lambda: lambdaLabel(ms[0].lambda),
          point: ms[0].point,
          layer: `L${i + 1}`,
          units: r6(mean(kept)),
          sd: r6(sd(kept)),
          init: init[i] ?? null,
        });
      }
    }
  }
  const domain = methodDomain(runs);
  const x = {
    field: "layer",
    type: "ordinal",
    title: "layer",
    axis: categoryAxis(distinct(values, (v) => v.layer) > 8 ? 9 : 1),
  };
  const spec: ChartSpec = {
    width: 300,
    height: 200,
    layer: [
      {
        transform: kind("init"),
        mark: { type: "bar", color: "#dddddd", stroke: "#aaaaaa", strokeDash: [3, 2] },
        encoding: { x, y: { field: "units", type: "quantitative", title: "units" } },
      },
      {
        transform: kind("kept"),
        mark: { type: "bar" },
        encoding: {
          x,
          xOffset: { field: "method", type: "nominal", scale: { domain } },
          y: { field: "units", type: "quantitative" },
          color: methodColor(domain),
          tooltip: [
            { field: "method" },
            { field: "layer" },
            { field: "units", title: "kept (mean)" },
            { field: "sd" },
            { field: "init", title: "initial" },
            { field: "lambda", title: "λ" },
            { field: "point" },
          ],
        },
      },
    ],
  };
  return topLevel(
    "Kept units per layer (grey: initial width)",
    values,
    wrapFacet(distinct(values, (v) => v.panel), spec, {
      resolve: { scale: { y: "independent" } },
    }),
  );
}

/**
 * Final kept units against the initial number of units (both log₂), mean ± sd over seeds, one
 * line per method × λ × operating point, with the identity line y = x; a method whose line is
 * flat converges to a width that does not depend on where it started.
 *
 * @returns The spec, or `null` when no configuration was run at two or more widths.
 */
export function widthInvarianceChart(input: ChartInput): ChartSpec | null {
  const ok = input.runs.filter((r) =>
    r.ok && Number.isFinite(r.unitsInit) && Number.isFinite(r.unitsKept)
  );
  const values = widthPoints(ok);
  if (values.length === 0) return null;
  for (const [panel, vs] of groupBy(values, (v) => String(v.panel))) {
    const inits = vs.map((v) => v.init as number);
    for (const u of [Math.min(...inits), Math.max(...inits)]) {
      values.push({ kind: "identity", panel, init: u, kept: u });
    }
  }
  const inits = [...new Set(values.map((v) => v.init as number))].sort((a, b) => a - b);
  const x = {
    field: "init",
    type: "quantitative",
    title: "initial units of the width-scaled layers (log₂)",
    scale: {
      type: "log",
      base: 2,
      nice: false,
      domain: [r6(inits[0] / 1.25), r6(inits[inits.length - 1] * 1.25)],
    },
    axis: { values: inits },
  };
  const y = {
    field: "kept",
    type: "quantitative",
    title: "final kept units of those layers (log₂)",
    scale: { type: "log", base: 2 },
  };
  return topLevel(
    "Width invariance: final kept units vs initial units",
    values,
    wrapFacet(distinct(values, (v) => v.panel), invarianceLayers(x, y, methodDomain(ok))),
  );
}

/**
 * One row per configuration (panel, method, λ, operating point) run at two or more widths and
 * per width: initial and final kept units of the width-scaled layers, mean ± sd over seeds.
 */
function widthPoints(ok: readonly Run[]): Record<string, unknown>[] {
  const values: Record<string, unknown>[] = [];
  const configs = groupBy(
    ok,
    (r) => [panelOf(r), r.method, lambdaLabel(r.lambda), r.point].join("\u0000"),
  );
  for (const rs of configs.values()) {
    const byWidth = groupBy(rs, (r) => String(r.initWidth));
    if (byWidth.size < 2) continue;
    // only the layers that scale with the width (not e.g. the input pixels), as summary.csv does
    const scaled = widthScaledLayers(rs.map((r) => r.perLayerInit));
    for (const ws of byWidth.values()) {
      const kept = ws.map((r) => keptOver(r.perLayerKept, scaled, r.unitsKept));
      const m = mean(kept), s = sd(kept);
      values.push({
        kind: "point",
        panel: panelOf(ws[0]),
        method: ws[0].method,
        series: `${ws[0].method} λ=${lambdaLabel(ws[0].lambda)} ${ws[0].point}`,
        lambda: lambdaLabel(ws[0].lambda),
        width: ws[0].initWidth,
        init: r6(mean(ws.map((r) => keptOver(r.perLayerInit, scaled, r.unitsInit)))),
        kept: r6(m),
        lo: r6(Math.max(m - s, 1e-9)),
        hi: r6(m + s),
      });
    }
  }
  return values;
}

/** One panel: the identity line, the ± sd rules and one line per series. */
function invarianceLayers(x: ChartSpec, y: ChartSpec, domain: string[]): ChartSpec {
  return {
    width: 320,
    height: 240,
    layer: [
      {
        transform: kind("identity"),
        mark: { type: "line", color: "#888", strokeDash: [5, 4] },
        encoding: { x, y },
      },
      {
        transform: kind("point"),
        mark: { type: "rule", strokeWidth: 1.5 },
        encoding: {
          x,
          y: { field: "lo", type: "quantitative" },
          y2: { field: "hi" },
          color: methodColor(domain),
        },
      },
      {
        transform: kind("point"),
        mark: { type: "line", point: true },
        encoding: {
          x,
          y,
          color: methodColor(domain),
          detail: { field: "series" },
          tooltip: [
            { field: "series" },
            { field: "width" },
            { field: "init" },
            { field: "kept" },
            { field: "lo" },
            { field: "hi" },
          ],
        },
      },
    ],
  };
}
