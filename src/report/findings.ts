/**
 * Findings written by code from runs.csv: which method leads at each accuracy budget (by compact
 * parameters and by compact MACs), the pruning levels reached and the papers' claims checked
 * (`claims.ts`), which methods are width-robust, which runs did not converge, and what the data
 * cannot show (one seed, one width, one setting per method). Every number in the text comes from
 * the leaderboard, robustness, claims and convergence computations; nothing is hand-written.
 *
 * @module
 */

import type { Run } from "../results/read.ts";
import { groupBy, panelOf } from "./aggregate.ts";
import { type Leaderboard, leaderboards, type SizeMetric } from "./leaderboard.ts";
import { ROBUST_MAX_CV, ROBUST_MIN_WIDTHS, type WidthSweep, widthSweeps } from "./robustness.ts";
import { settingsOf } from "./settings.ts";
import { accPct as pct, claimFindings, pruningLevels } from "./claims.ts";

const count = (x: number) => Math.round(x).toLocaleString("en-US");

function leads(board: Leaderboard, metric: SizeMetric, budget: number): string {
  const rows = board.rows.filter((r) => r.metric === metric && r.budget === budget);
  const won = rows.filter((r) => r.winner);
  const lost = rows.filter((r) => !r.winner);
  const what = metric === "params" ? "compact parameters" : "compact MACs";
  const head = `${panelOf(board)}, within ${budget} pt of dense (${pct(board.dense.mean)}), ` +
    `fewest ${what}: `;
  const dense = board.reference;
  const desc = won.map((r, i) => {
    const s = r.winner!;
    const size = s[metric].mean;
    const f = dense && size > 0 ? dense[metric].mean / size : NaN;
    const ratio = !Number.isFinite(f)
      ? ""
      : f >= 1.05
      ? ` (${f.toFixed(1)}× fewer than dense)`
      : f > 1 / 1.05
      ? " (the dense size)"
      : ` (${(1 / f).toFixed(1)}× more than dense)`;
    const where = [s.strength, `width ${s.initWidth}`].filter(Boolean).join(", ");
    return `${i === 0 ? "" : `${i + 1}. `}${r.label} [${where}] ${count(size)}${
      i === 0 ? ratio : ""
    } at ${pct(s.acc.mean)}`;
  });
  const leader = desc.length ? `**${desc[0]}** leads` : "no method is within budget";
  const rest = desc.length > 1 ? `; then ${desc.slice(1).join("; ")}` : "";
  const none = lost.length
    ? `. Not within budget at any setting: ${
      lost.map((r) => `${r.label} (best ${pct(r.best.acc.mean)})`).join(", ")
    }`
    : "";
  return `${head}${leader}${rest}${none}.`;
}

function robustness(sweeps: readonly WidthSweep[]): string[] {
  if (sweeps.length === 0) {
    return [
      "Width robustness cannot be judged: no method × strength was run at two or more initial " +
      "widths.",
    ];
  }
  const out: string[] = [];
  for (const [panel, ss] of groupBy(sweeps, panelOf)) {
    const judged = ss.filter((s) => s.robust !== null);
    if (judged.length === 0) {
      out.push(
        `${panel}: width robustness cannot be judged: no sweep spans ≥ ${ROBUST_MIN_WIDTHS} widths.`,
      );
      continue;
    }
    const fmt = (s: WidthSweep) =>
      `${s.label}${s.strength ? ` [${s.strength}]` : ""} (CV ${s.cv.toFixed(2)})`;
    const yes = judged.filter((s) => s.robust);
    const no = judged.filter((s) => !s.robust);
    const ref = judged[0].cvInit;
    out.push(
      `${panel}: width-robust (CV of final kept units across ${judged[0].widths.length} ` +
        `initial widths ≤ ${ROBUST_MAX_CV}; keeping a fixed fraction would give ` +
        `${ref.toFixed(2)}): ${yes.length ? yes.map(fmt).join(", ") : "none"}. ` +
        `Not width-robust: ${no.length ? no.map(fmt).join(", ") : "none"}.`,
    );
  }
  return out;
}

function convergence(runs: readonly Run[]): string {
  const ok = runs.filter((r) => r.ok);
  // one row per run: one-shot methods write one row per operating point
  const seen = new Map<string, Run>();
  for (const r of ok) if (!seen.has(r.runId)) seen.set(r.runId, r);
  const all = [...seen.values()];
  const not = all.filter((r) => r.structureConverged === false);
  const unknown = all.filter((r) => r.structureConverged === null).length;
  const tail = unknown ? ` ${unknown} runs could not be judged (too few epochs or no column).` : "";
  if (not.length === 0) {
    return `Structure converged (kept units changed < 2 % over the last 20 % of epochs) in ` +
      `${all.length - unknown} of ${all.length} runs.${tail}`;
  }
  const groups = groupBy(
    not,
    (r) =>
      `${r.arch} ${r.method}${Number.isFinite(r.lambda) ? ` λ=${r.lambda}` : ""} ` +
      `width ${r.initWidth}`,
  );
  const list = [...groups].map(([k, rs]) =>
    `${k} (seeds ${rs.map((r) => r.seed).sort((a, b) => a - b).join(", ")})`
  );
  return `Structure did not converge (kept units changed ≥ 2 % over the last 20 % of epochs) ` +
    `in ${not.length} of ${all.length} runs: ${list.join("; ")}.${tail}`;
}

function limits(runs: readonly Run[]): string[] {
  const settings = settingsOf(runs);
  const out: string[] = [];
  const seeds = Math.max(0, ...settings.map((s) => s.runs.length));
  if (seeds <= 1) {
    out.push(
      "One seed per setting: every ± sd is 0, error bars are absent and seed robustness " +
        "cannot be judged.",
    );
  }
  const single = [...groupBy(settings, (s) => `${panelOf(s)}\u0000${s.label}`).values()]
    .filter((ss) => new Set(ss.map((s) => `${s.strength}|${s.initWidth}`)).size === 1)
    .map((ss) => `${ss[0].label} on ${ss[0].arch}`);
  if (single.length) {
    out.push(
      `Single operating point (no front, just a dot): ${single.join(", ")}. A front needs ` +
        "several strengths or widths.",
    );
  }
  if (!settings.some((s) => s.method === "dense")) {
    out.push("No dense runs: the leaderboard has no reference accuracy and selects nothing.");
  }
  return out;
}

/**
 * The findings, one Markdown paragraph each (bold marks each budget's leader).
 *
 * @example
 * ```ts
 * import { findings } from "./findings.ts";
 * if (findings([]).length === 0) throw new Error("expected the no-data notes");
 * ```
 */
export function findings(runs: readonly Run[]): string[] {
  const out: string[] = [];
  for (const board of leaderboards(runs)) {
    if (!Number.isFinite(board.dense.mean)) continue;
    for (const metric of ["params", "macs"] as const) {
      for (const budget of new Set(board.rows.map((r) => r.budget))) {
        out.push(leads(board, metric, budget));
      }
    }
  }
  out.push(...pruningLevels(runs));
  out.push(...robustness(widthSweeps(runs)));
  out.push(...claimFindings(runs));
  out.push(convergence(runs));
  out.push(...limits(runs));
  return out;
}
