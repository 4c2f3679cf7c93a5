/**
 * Accuracy-vs-size fronts: for each dataset × architecture × method, every setting (strengths,
 * points and initial widths) as mean accuracy over seeds against its mean compact MACs or
 * parameters, and the method's Pareto front through them (a setting is on the front when no
 * other setting of the method is at most as large and at least as accurate, one of them
 * strictly). Charts draw the front as one line per method, every setting as a dot, and seed
 * error bars (± sd of accuracy).
 *
 * @module
 */

import type { Run } from "../results/read.ts";
import { groupBy, panelOf } from "./aggregate.ts";
import { type Setting, settingsOf } from "./settings.ts";
import { denseReference } from "./leaderboard.ts";
import {
  type ChartInput,
  type ChartSpec,
  kind,
  methodDomain,
  r6,
  topLevel,
  wrapFacet,
} from "./charts_common.ts";
import type { SizeMetric } from "./leaderboard.ts";

/** One setting on a front chart. */
export interface FrontPoint {
  /** The setting. */
  setting: Setting;
  /** Mean compact size (params or MACs). */
  x: number;
  /** Mean accuracy. */
  acc: number;
  /** Whether the setting is on its method's Pareto front. */
  onFront: boolean;
}

/**
 * Marks the Pareto front of one method's settings: sorted by size ascending (ties: accuracy
 * descending), a setting is on the front when it is more accurate than every smaller one.
 *
 * @example
 * ```ts
 * import { paretoFront } from "./fronts.ts";
 * const f = paretoFront([{ x: 10, acc: 0.9 }, { x: 20, acc: 0.95 }, { x: 30, acc: 0.94 }]);
 * if (f.join() !== "true,true,false") throw new Error(f.join());
 * ```
 */
export function paretoFront(points: readonly { x: number; acc: number }[]): boolean[] {
  const order = [...points.keys()].sort((a, b) =>
    points[a].x - points[b].x || points[b].acc - points[a].acc
  );
  const on = points.map(() => false);
  let best = -Infinity;
  for (const i of order) {
    if (points[i].acc > best) (on[i] = true, best = points[i].acc);
  }
  return on;
}

/** Every setting with finite size and accuracy, by panel and method, with its front flag. */
export function frontPoints(runs: readonly Run[], metric: SizeMetric): FrontPoint[] {
  const out: FrontPoint[] = [];
  const settings = settingsOf(runs).filter((s) =>
    Number.isFinite(s[metric].mean) && s[metric].mean > 0 && Number.isFinite(s.acc.mean)
  );
  for (const ss of groupBy(settings, (s) => `${panelOf(s)}\u0000${s.label}`).values()) {
    const pts = ss.map((s) => ({ setting: s, x: s[metric].mean, acc: s.acc.mean }));
    const on = paretoFront(pts);
    pts.forEach((p, i) => out.push({ ...p, onFront: on[i] }));
  }
  return out;
}

/**
 * Accuracy (%) against compact MACs or parameters (log x), one panel per dataset × arch: the
 * front of each method as a line, every setting as a dot (hollow when off the front), ± sd error
 * bars over seeds, the dense reference as a dashed rule.
 *
 * @returns The spec, or `null` when no setting has both values.
 */
export function frontChart(input: ChartInput, metric: SizeMetric): ChartSpec | null {
  const pts = frontPoints(input.runs, metric);
  if (pts.length === 0) return null;
  const values: Record<string, unknown>[] = pts.map(frontRow);
  for (const [panel, ss] of groupBy(settingsOf(input.runs), panelOf)) {
    const ref = denseReference(ss);
    if (ref) values.push({ kind: "dense", panel, acc: r6(ref.acc.mean * 100) });
  }
  const labels = [...new Set(pts.map((p) => p.setting.label))].sort();
  // a method shown only through its variants ("magnitude (granularity=unit)") gets no entry of
  // its own: the legend lists what the chart draws
  const hasVariants = (m: string) => labels.some((l) => l.startsWith(`${m} (`));
  const ids = methodDomain(input.runs.filter((r) => r.ok)).filter((m) => !hasVariants(m));
  const domain = [...new Set([...ids, ...labels])].sort();
  const panels = new Set(values.map((v) => v.panel)).size;
  return topLevel(
    `Accuracy vs compact ${metric === "macs" ? "MACs" : "parameters"}: each method's front`,
    values,
    wrapFacet(panels, { width: 420, height: 280, layer: frontLayers(metric, domain) }, {
      resolve: { scale: { x: "independent", y: "independent" } },
    }),
  );
}

/** The chart row of one setting: size, mean accuracy ± sd (%), whether it is on the front. */
function frontRow(p: FrontPoint): Record<string, unknown> {
  return {
    kind: "point",
    panel: panelOf(p.setting),
    method: p.setting.label,
    setting: `${p.setting.strength || "—"} · width ${p.setting.initWidth}`,
    front: p.onFront ? "on front" : "off front",
    n: p.setting.runs.length,
    x: r6(p.x),
    acc: r6(p.acc * 100),
    lo: r6((p.acc - p.setting.acc.sd) * 100),
    hi: r6((p.acc + p.setting.acc.sd) * 100),
  };
}

/** One panel: the fronts as lines, ± sd bars, every setting as a dot, the dense reference rule. */
function frontLayers(metric: SizeMetric, domain: string[]): ChartSpec[] {
  const title = metric === "macs" ? "compact MACs per example (log)" : "compact parameters (log)";
  const x = { field: "x", type: "quantitative", title, scale: { type: "log" } };
  const y = {
    field: "acc",
    type: "quantitative",
    title: "test accuracy %",
    scale: { zero: false },
  };
  const color = {
    field: "method",
    type: "nominal",
    title: "method",
    scale: { domain, scheme: "tableau10" },
  };
  return [
    {
      transform: [...kind("point"), { filter: "datum.front === 'on front'" }],
      mark: { type: "line", strokeWidth: 1.5 },
      encoding: { x, y, color, order: { field: "x" } },
    },
    {
      transform: kind("point"),
      mark: { type: "rule", opacity: 0.6 },
      encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color },
    },
    {
      transform: kind("point"),
      mark: { type: "point", size: 40, filled: true },
      encoding: {
        x,
        y,
        color,
        opacity: {
          field: "front",
          type: "ordinal",
          scale: { domain: ["on front", "off front"], range: [1, 0.35] },
          title: "Pareto front",
        },
        tooltip: [
          { field: "method" },
          { field: "setting" },
          { field: "n", title: "seeds" },
          { field: "acc", title: "accuracy %" },
          { field: "x", title: metric },
        ],
      },
    },
    {
      transform: kind("dense"),
      mark: { type: "rule", strokeDash: [4, 4], color: "#555" },
      encoding: { y: { field: "acc", type: "quantitative" } },
    },
  ];
}
