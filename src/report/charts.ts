/**
 * The report's charts: pure functions from parsed result rows to Vega-Lite specs. Each builder
 * returns `null` when the data cannot support its chart (e.g. no λ sweep).
 *
 * @module
 */

import type { ChartInput, ChartSpec } from "./charts_common.ts";
import { frontChart } from "./fronts.ts";
import { speedupChart, tradeoffChart } from "./charts_tradeoff.ts";
import { layerWidthsChart, widthInvarianceChart } from "./charts_structure.ts";
import {
  keptOverTrainingChart,
  lambdaChart,
  robustnessChart,
  trainMacsChart,
} from "./charts_training.ts";

export type { ChartInput, ChartSpec } from "./charts_common.ts";
export { speedupChart, tradeoffChart, type TradeoffX } from "./charts_tradeoff.ts";
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
    note: "Each point is a run. On the dashed y = x line, the measured latency gain equals the " +
      "MACs reduction; points below it gain less in practice than on paper (overheads dominate).",
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
  for (const def of CHARTS) {
    const spec = def.build(input);
    if (spec !== null) out.push({ def, spec });
  }
  return out;
}
