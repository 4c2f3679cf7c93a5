/**
 * Width robustness: for each method × strength × point swept over initial widths, the final kept
 * units per layer at each width (mean ± sd over seeds), the coefficient of variation (sd / mean)
 * across widths of the mean kept units of the layers that scale with the width (input pixels
 * left out, as in summary.csv), and the seed sd of those kept units.
 *
 * Criterion: a setting is **width-robust** when it was run at ≥ {@linkcode ROBUST_MIN_WIDTHS}
 * widths and its CV is ≤ {@linkcode ROBUST_MAX_CV}. For scale: a method that keeps a fixed
 * fraction of every layer has the CV of the initial widths themselves (0.86 for 0.5/1/2/4×);
 * a method that finds the same net whatever it starts from has CV 0. A method is width-robust
 * when at least one of its strengths is.
 *
 * @module
 */

import type { Run } from "../results/read.ts";
import { groupBy, mean, panelOf, sd } from "./aggregate.ts";
import { pm, type Setting, settingsOf, type Stat } from "./settings.ts";
import { keptOver, widthScaledLayers } from "../metrics/width_scaled.ts";
import type { Table } from "./tables.ts";

/** Largest CV across widths still called width-robust. */
export const ROBUST_MAX_CV = 0.2;
/** Fewest initial widths needed to call a setting width-robust. */
export const ROBUST_MIN_WIDTHS = 3;

/** One method × strength swept over widths. */
export interface WidthSweep {
  /** Dataset id. */
  dataset: string;
  /** Architecture id. */
  arch: string;
  /** Method label. */
  label: string;
  /** Strength label. */
  strength: string;
  /** Settings by initial width, ascending. */
  widths: Setting[];
  /** Kept units of the width-scaled layers per width (mean ± sd over seeds). */
  kept: Stat[];
  /** CV across widths of the mean kept units (`NaN` with one width). */
  cv: number;
  /** CV of the initial widths' units (what keeping a fixed fraction would give). */
  cvInit: number;
  /** Mean over widths of the seed sd of kept units. */
  seedSd: number;
  /** `true`/`false` by the criterion; `null` with fewer than the required widths. */
  robust: boolean | null;
}

function cvOf(values: readonly number[]): number {
  const m = mean(values);
  return values.length > 1 && m > 0 ? sd(values) / m : NaN;
}

/**
 * Width sweeps of every method × strength run at two or more widths.
 *
 * @example
 * ```ts
 * import { widthSweeps } from "./robustness.ts";
 * if (widthSweeps([]).length !== 0) throw new Error();
 * ```
 */
export function widthSweeps(runs: readonly Run[]): WidthSweep[] {
  const out: WidthSweep[] = [];
  const key = (s: Setting) => [panelOf(s), s.label, s.strength].join("\u0000");
  for (const ss of groupBy(settingsOf(runs), key).values()) {
    if (new Set(ss.map((s) => s.initWidth)).size < 2) continue;
    const widths = [...ss].sort((a, b) => a.initWidth - b.initWidth);
    const positions = widthScaledLayers(widths.map((s) => s.perLayerInit));
    const kept = widths.map((s) => {
      const v = s.runs.map((r) => keptOver(r.perLayerKept, positions, r.unitsKept));
      return { mean: mean(v), sd: sd(v) };
    });
    const init = widths.map((s) => keptOver(s.perLayerInit, positions, s.runs[0].unitsInit));
    const cv = cvOf(kept.map((k) => k.mean));
    out.push({
      dataset: ss[0].dataset,
      arch: ss[0].arch,
      label: ss[0].label,
      strength: ss[0].strength,
      widths,
      kept,
      cv,
      cvInit: cvOf(init),
      seedSd: mean(kept.map((k) => k.sd)),
      robust: widths.length >= ROBUST_MIN_WIDTHS && Number.isFinite(cv)
        ? cv <= ROBUST_MAX_CV
        : null,
    });
  }
  return out;
}

/** The robustness table: one row per sweep, kept units at each width. */
export function robustnessTable(sweeps: readonly WidthSweep[]): Table {
  const widths = [...new Set(sweeps.flatMap((s) => s.widths.map((w) => w.initWidth)))].sort((
    a,
    b,
  ) => a - b);
  return {
    header: [
      "arch",
      "method",
      "strength",
      ...widths.map((w) => `kept @ ${w}× (per layer; scaled total ± seed sd)`),
      "CV across widths",
      "CV if fixed fraction",
      "mean seed sd",
      "width-robust",
    ],
    rows: sweeps.map((s) => [
      s.arch,
      s.label,
      s.strength || "—",
      ...widths.map((w) => {
        const i = s.widths.findIndex((x) => x.initWidth === w);
        if (i < 0) return "—";
        const layers = s.widths[i].perLayer.map((l) => Math.round(l.mean)).join("-");
        return `${layers}; ${pm(s.kept[i], 1)}`;
      }),
      Number.isFinite(s.cv) ? s.cv.toFixed(3) : "—",
      Number.isFinite(s.cvInit) ? s.cvInit.toFixed(3) : "—",
      Number.isFinite(s.seedSd) ? s.seedSd.toFixed(1) : "—",
      s.robust === null ? `— (< ${ROBUST_MIN_WIDTHS} widths)` : s.robust ? "yes" : "no",
    ]),
  };
}
