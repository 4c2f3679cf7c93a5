/**
 * The leaderboard: per dataset × architecture, for each method, the operating point with the
 * fewest compact parameters (and, separately, the fewest compact MACs) whose mean test accuracy
 * over seeds is within a budget (0.5 and 1 percentage point) of the dense mean.
 *
 * Rules (all computed from runs.csv):
 * - Dense reference: the mean accuracy of `dense` at the initial width closest to 1 (ties to the
 *   larger width); no dense runs → no reference, every row says so.
 * - Candidates: every setting of the method (every strength, point and initial width) with at
 *   least one successful seed and mean accuracy ≥ dense mean − budget.
 * - Winner: the smallest mean of the size metric; ties go to the higher mean accuracy, then to
 *   more successful seeds, then to the smaller width, then to the strength label (stable).
 * - Settings with fewer successful seeds than the panel's most are flagged (`n` < seeds).
 * - A method with no candidate gets a row saying so, with its most accurate setting.
 *
 * @module
 */

import type { Run } from "../results/read.ts";
import { groupBy, panelOf } from "./aggregate.ts";
import { layersText, pm, pmCount, type Setting, settingsOf, type Stat } from "./settings.ts";
import type { Table } from "./tables.ts";

/** Accuracy budgets in percentage points below the dense mean. */
export const BUDGETS_PT = [0.5, 1] as const;

/** Size metric the leaderboard minimises. */
export type SizeMetric = "params" | "macs";

/** One leaderboard row: a method's winner at one budget and metric, or none. */
export interface LeaderRow {
  /** Method label (method plus variant). */
  label: string;
  /** Budget in percentage points. */
  budget: number;
  /** Metric minimised. */
  metric: SizeMetric;
  /** The winning setting, or `null` when no setting is within budget. */
  winner: Setting | null;
  /** The method's most accurate setting (for rows without a winner). */
  best: Setting;
}

/** The leaderboard of one dataset × architecture. */
export interface Leaderboard {
  /** Dataset id. */
  dataset: string;
  /** Architecture id. */
  arch: string;
  /** Dense reference accuracy (mean ± sd over seeds); `NaN` mean without dense runs. */
  dense: Stat;
  /** Width of the dense reference (`NaN` without dense runs). */
  denseWidth: number;
  /** The dense reference setting (`null` without dense runs). */
  reference: Setting | null;
  /** Most successful seeds of any setting in the panel. */
  seeds: number;
  /** Rows, by metric, budget, then size ascending (methods without a winner last). */
  rows: LeaderRow[];
}

/** Dense reference of a panel's settings: width closest to 1, ties to the larger. */
export function denseReference(settings: readonly Setting[]): Setting | null {
  const dense = settings.filter((s) => s.method === "dense");
  if (dense.length === 0) return null;
  return [...dense].sort((a, b) =>
    Math.abs(Math.log(a.initWidth)) - Math.abs(Math.log(b.initWidth)) || b.initWidth - a.initWidth
  )[0];
}

/** Orders candidates: smaller metric, then higher accuracy, more seeds, smaller width, label. */
function better(metric: SizeMetric) {
  return (a: Setting, b: Setting): number =>
    a[metric].mean - b[metric].mean || b.acc.mean - a.acc.mean ||
    b.runs.length - a.runs.length || a.initWidth - b.initWidth ||
    a.strength.localeCompare(b.strength);
}

/**
 * Leaderboards of every dataset × architecture of the runs.
 *
 * @example No dense run: no reference, no winner
 * ```ts
 * import { leaderboards } from "./leaderboard.ts";
 * if (leaderboards([]).length !== 0) throw new Error();
 * ```
 */
export function leaderboards(
  runs: readonly Run[],
  budgets: readonly number[] = BUDGETS_PT,
): Leaderboard[] {
  const out: Leaderboard[] = [];
  for (const panel of groupBy(settingsOf(runs), panelOf).values()) {
    const ref = denseReference(panel);
    const dense = ref?.acc ?? { mean: NaN, sd: NaN };
    const rows: LeaderRow[] = [];
    for (const metric of ["params", "macs"] as const) {
      for (const budget of budgets) {
        const won: LeaderRow[] = [], lost: LeaderRow[] = [];
        for (const [label, ss] of groupBy(panel, (s) => s.label)) {
          const best = [...ss].sort((a, b) => b.acc.mean - a.acc.mean)[0];
          const floor = dense.mean - budget / 100 - 1e-12;
          const within = ss.filter((s) => s.acc.mean >= floor && Number.isFinite(s[metric].mean));
          const winner = within.sort(better(metric))[0] ?? null;
          (winner ? won : lost).push({ label, budget, metric, winner, best });
        }
        won.sort((a, b) => better(metric)(a.winner!, b.winner!));
        lost.sort((a, b) => b.best.acc.mean - a.best.acc.mean);
        rows.push(...won, ...lost);
      }
    }
    out.push({
      dataset: panel[0].dataset,
      arch: panel[0].arch,
      dense,
      denseWidth: ref?.initWidth ?? NaN,
      reference: ref,
      seeds: Math.max(...panel.map((s) => s.runs.length)),
      rows,
    });
  }
  return out;
}

/** A leaderboard's rows for one metric and budget as a table. */
export function leaderTable(board: Leaderboard, metric: SizeMetric, budget: number): Table {
  const header = [
    "rank",
    "method",
    "strength",
    "width",
    "n",
    "acc % (Δ vs dense)",
    "kept units per layer",
    "compact params",
    "compact MACs",
    "nonzero weights %",
    "measured speedup",
  ];
  const rows = board.rows.filter((r) => r.metric === metric && r.budget === budget);
  let rank = 0;
  return {
    header,
    rows: rows.map((r) => {
      const s = r.winner;
      if (!s) {
        return [
          "—",
          r.label,
          "none within budget",
          "",
          "",
          `best ${pm(r.best.acc, 2, 100)} (${delta(r.best, board)}) at ${strengthOf(r.best)}`,
          "",
          "",
          "",
          "",
          "",
        ];
      }
      return [
        String(++rank),
        r.label,
        s.strength || "—",
        String(s.initWidth),
        s.runs.length < board.seeds ? `${s.runs.length} of ${board.seeds}` : String(s.runs.length),
        `${pm(s.acc, 2, 100)} (${delta(s, board)})`,
        layersText(s),
        pmCount(s.params),
        pmCount(s.macs),
        pm(s.weightsKept, 1, 100),
        pm(s.speedup, 2),
      ];
    }),
  };
}

function delta(s: Setting, board: Leaderboard): string {
  const d = (s.acc.mean - board.dense.mean) * 100;
  return Number.isFinite(d) ? `${d >= 0 ? "+" : ""}${d.toFixed(2)} pt` : "no dense";
}

function strengthOf(s: Setting): string {
  return `${s.strength || "its only setting"}, width ${s.initWidth}`;
}

/** Title of a leaderboard table. */
export function leaderTitle(board: Leaderboard, metric: SizeMetric, budget: number): string {
  const ref = Number.isFinite(board.dense.mean)
    ? `dense ${pm(board.dense, 2, 100)} % at width ${board.denseWidth}`
    : "no dense runs: no reference";
  return `${panelOf(board)}: fewest compact ${metric === "params" ? "parameters" : "MACs"} ` +
    `within ${budget} pt of dense (${ref})`;
}
