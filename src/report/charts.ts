/**
 * The report's charts: pure functions from parsed result rows to Vega-Lite specs. Each builder
 * returns `null` when the data cannot support its chart (e.g. no λ sweep).
 *
 * @module
 */

import { frontChart } from "./fronts.ts";
import {
  type ChartInput,
  type ChartSpec,
  MIN_LATENCY_REPEATS,
  operatingPoint,
  panelWidthOf,
} from "./charts_common.ts";
import { representativeRuns } from "./aggregate.ts";
import { tradeoffChart } from "./charts_tradeoff.ts";
import { speedupChart } from "./charts_speedup.ts";
import { layerWidthsChart, widthInvarianceChart } from "./charts_structure.ts";
import {
  keptOverTrainingChart,
  lambdaChart,
  robustnessChart,
  trainMacsChart,
} from "./charts_training.ts";

export type { ChartInput, ChartSpec } from "./charts_common.ts";
export { tradeoffChart, type TradeoffX } from "./charts_tradeoff.ts";
export { speedupChart } from "./charts_speedup.ts";
export { layerWidthsChart, widthInvarianceChart } from "./charts_structure.ts";
export {
  keptOverTrainingChart,
  lambdaChart,
  robustnessChart,
  trainMacsChart,
} from "./charts_training.ts";

/** One chart of the report. */
export interface ChartDef {
  /** File stem under `charts/`, e.g. `tradeoff_units`. */
  name: string;
  /** How to read the chart, shown under it in the report. */
  note: string;
  /** Builds the spec, or returns `null` when the data does not support the chart. */
  build: (input: ChartInput) => ChartSpec | null;
}

const REP =
  "Methods with several operating points (λ values or target sparsities) are shown at the one " +
  "whose kept fraction is closest to the panel's median.";

/** Every chart of the report, in display order. */
export const CHARTS: readonly ChartDef[] = [
  {
    name: "front_macs",
    note: "Each method's accuracy-vs-size front: every operating point (strengths, one-shot " +
      "targets and initial widths) is a dot at its mean compact MACs and mean accuracy, the " +
      "line joins the Pareto-optimal ones (no smaller, more accurate point), bars are ± sd over " +
      "seeds, the dashed rule is the dense reference. Up and left is better. Weight-level " +
      "methods (halo, gmp, unstructured magnitude) sit at the dense size: compaction removes " +
      "only whole units.",
    build: (input) => frontChart(input, "macs"),
  },
  {
    name: "front_params",
    note: "As above with compact parameters on x.",
    build: (input) => frontChart(input, "params"),
  },
  {
    name: "tradeoff_units",
    note: "Higher is better; further right means a smaller net (x is reversed, log scale). " +
      "Each line is one method (dash = initial width); the band is mean ± sd of accuracy over " +
      "seeds at each operating point; the dashed rule is the dense baseline.",
    build: (input) => tradeoffChart(input, "units"),
  },
  {
    name: "tradeoff_weights",
    note: "As above, with the fraction of weights (parameters) kept on x. Structured pruning " +
      "removes weights quadratically in units, so curves shift right compared with the units view.",
    build: (input) => tradeoffChart(input, "weights"),
  },
  {
    name: "tradeoff_speedup",
    note: "Accuracy against theoretical speedup (dense MACs / compact MACs, log). Rankings can " +
      "differ from the fraction-kept view: compare methods at equal speedup, not equal sparsity.",
    build: (input) => tradeoffChart(input, "speedup"),
  },
  {
    name: "speedup_measured",
    note: "Each point is a run; its vertical bar spans the 25th–75th percentile of the speedups " +
      "of the individual latency repeats. Hollow grey points had fewer than " +
      `${MIN_LATENCY_REPEATS} repeats (or no recorded spread): their speedup is noise, do not ` +
      "read it. On the dashed y = x line, the measured latency gain equals the MACs reduction; " +
      "points below it gain less in practice than on paper (overheads dominate).",
    build: speedupChart,
  },
  {
    name: "layer_widths",
    note: "Grey bars are the initial width of each layer; coloured bars the units kept by each " +
      "method (mean over seeds). Shows where in the net each method prunes. " + REP,
    build: layerWidthsChart,
  },
  {
    name: "kept_over_training",
    note: "Thin lines are single seeds, the bold line their mean. A curve that flattens early " +
      "means the architecture settled early; late drops mean pruning continued until the end. " +
      REP,
    build: keptOverTrainingChart,
  },
  {
    name: "robustness",
    note: "Box plots over seeds (whiskers span min to max) with each seed as a dot. A tall box " +
      "means the outcome depends strongly on the seed. " + REP,
    build: robustnessChart,
  },
  {
    name: "width_invariance",
    note: "Final kept units against initial units (log₂ both) of the layers that scale with the " +
      "width (input pixels left out), error bars ± sd over seeds. " +
      "A flat line means the method finds the same width whatever it starts from; a line " +
      "parallel to the dashed identity means it keeps a fixed fraction instead.",
    build: widthInvarianceChart,
  },
  {
    name: "lambda_sensitivity",
    note: "Accuracy and kept fraction (mean ± sd over seeds) against the penalty strength λ, " +
      "for methods swept over λ. A steep kept-fraction curve means λ must be tuned carefully.",
    build: lambdaChart,
  },
  {
    name: "train_macs",
    note: "Training compute spent relative to training the dense net for the same epochs " +
      "(dashed rule = 1). Below 1, the method saves compute while training, not only at " +
      "inference. " + REP,
    build: trainMacsChart,
  },
];

/** A built chart: its definition and spec. */
export interface BuiltChart {
  /** The chart's definition. */
  def: ChartDef;
  /** The Vega-Lite spec. */
  spec: ChartSpec;
  /** How to read it: the definition's note, plus the operating points shown where it picks one. */
  note: string;
}

/**
 * Which operating point a chart that shows one per method (see `REP`) shows, e.g.
 * `Shown: l0-hc λ=0.1 (mnist · mlp · width 1); magnitude 0.9 (…)`.
 */
export function shownPointsNote(runs: ChartInput["runs"]): string {
  const seen = new Map<string, Set<string>>();
  for (const r of representativeRuns(runs.filter((r) => r.ok))) {
    const key = `${r.method} ${operatingPoint(r)}`;
    if (!seen.has(key)) seen.set(key, new Set());
    seen.get(key)!.add(panelWidthOf(r));
  }
  const parts = [...seen].sort(([a], [b]) => a.localeCompare(b))
    .map(([k, panels]) => `${k} (${[...panels].sort().join("; ")})`);
  return parts.length ? ` Operating points shown: ${parts.join(", ")}.` : "";
}

/**
 * Builds every chart the data supports, in display order.
 *
 * @example
 * ```ts
 * import { buildCharts } from "./charts.ts";
 * if (buildCharts({ runs: [], history: [] }).length !== 0) throw new Error("expected none");
 * ```
 */
export function buildCharts(input: ChartInput): BuiltChart[] {
  const out: BuiltChart[] = [];
  let shown: string | undefined;
  for (const def of CHARTS) {
    const spec = def.build(input);
    if (spec === null) continue;
    const note = def.note.includes(REP)
      ? def.note + (shown ??= shownPointsNote(input.runs))
      : def.note;
    out.push({ def, spec, note });
  }
  return out;
}
