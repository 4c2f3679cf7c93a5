/**
 * The report's answer to its question, as sections shared by report.html and summary.md:
 * findings (written by code), the leaderboard per architecture and the width-robustness table.
 *
 * @module
 */

import type { Run } from "../results/read.ts";
import { findings } from "./findings.ts";
import { BUDGETS_PT, leaderboards, leaderTable, leaderTitle } from "./leaderboard.ts";
import { ROBUST_MAX_CV, ROBUST_MIN_WIDTHS, robustnessTable, widthSweeps } from "./robustness.ts";
import type { Table } from "./tables.ts";
import { tableToMarkdown } from "./markdown.ts";
import { escapeHtml, tableHtml } from "./html.ts";

/** One section of the analysis. */
export interface AnalysisSection {
  /** Anchor id. */
  id: string;
  /** Heading. */
  title: string;
  /** Paragraphs (Markdown: `**bold**` only). */
  paragraphs: string[];
  /** Tables with captions. */
  tables: { caption: string; table: Table }[];
}

/** What each chart needs from the data, for the note on charts a run could not fill. */
export const CHART_NEEDS: Readonly<Record<string, string>> = {
  front_macs: "successful runs with compact MACs",
  front_params: "successful runs with compact parameters",
  speedup_measured: "measured latencies",
  kept_over_training: "history.csv with kept units per epoch",
  robustness: "two or more seeds of one setting",
  width_invariance: "one setting run at two or more initial widths",
  lambda_sensitivity: "one method run at two or more λ",
  train_macs: "training MACs in runs.csv",
};

/** One sentence naming the charts not drawn and what each would need. */
export function skippedNote(skipped: readonly string[]): string {
  if (skipped.length === 0) return "";
  return "Charts this data cannot fill (not drawn): " +
    skipped.map((n) => `${n} (needs ${CHART_NEEDS[n] ?? "data this run lacks"})`).join(", ") +
    ".";
}

/**
 * Findings, leaderboard and robustness sections of a set of runs; `skipped` names the charts the
 * data could not fill (listed in the findings with what each needs).
 *
 * @example
 * ```ts
 * import { analysisSections } from "./analysis.ts";
 * const ids = analysisSections([]).map((s) => s.id).join();
 * if (ids !== "findings,leaderboard,width-robustness") throw new Error(ids);
 * ```
 */
export function analysisSections(
  runs: readonly Run[],
  skipped: readonly string[] = [],
): AnalysisSection[] {
  const boards = leaderboards(runs);
  const sweeps = widthSweeps(runs);
  const note = skippedNote(skipped);
  return [
    {
      id: "findings",
      title: "Findings",
      paragraphs: [...findings(runs), ...(note ? [note] : [])],
      tables: [],
    },
    {
      id: "leaderboard",
      title: "Leaderboard",
      paragraphs: [
        `For each method, the operating point (any strength, point or initial width) with the ` +
        `fewest compact parameters — and, separately, compact MACs — whose mean accuracy over ` +
        `seeds is within ${BUDGETS_PT.join(" pt and ")} pt of the dense mean (dense at the ` +
        `width closest to 1×). Values are mean ± sd over seeds; n counts successful seeds; ` +
        `ties go to the more accurate point. Compact sizes count what structured removal ` +
        `saves; weight-level methods (halo, gmp, unstructured magnitude) keep the dense shape, ` +
        `and their sparsity shows in the nonzero-weights column instead.`,
      ],
      tables: boards.flatMap((b) =>
        (["params", "macs"] as const).flatMap((m) =>
          BUDGETS_PT.map((budget) => ({
            caption: leaderTitle(b, m, budget),
            table: leaderTable(b, m, budget),
          }))
        )
      ),
    },
    {
      id: "width-robustness",
      title: "Width robustness",
      paragraphs: [
        sweeps.length
          ? `Final kept units per layer at each initial width (mean over seeds), and the total ` +
            `over the layers that scale with the width ± its sd over seeds. Width-robust: CV ` +
            `across widths ≤ ${ROBUST_MAX_CV} over ≥ ${ROBUST_MIN_WIDTHS} widths.`
          : "Not available: no method × strength was run at two or more initial widths.",
      ],
      tables: sweeps.length ? [{ caption: "", table: robustnessTable(sweeps) }] : [],
    },
  ];
}

/** The sections as Markdown (level-2 headings). */
export function analysisMarkdown(sections: readonly AnalysisSection[]): string {
  return sections.map((s) =>
    [
      `## ${s.title}\n`,
      ...s.paragraphs.map((p) => (s.id === "findings" ? `- ${p}` : `${p}\n`)),
      ...(s.id === "findings" ? [""] : []),
      ...s.tables.map((t) => (t.caption ? `**${t.caption}**\n\n` : "") + tableToMarkdown(t.table)),
    ].join("\n")
  ).join("\n") + "\n";
}

function inline(text: string): string {
  return escapeHtml(text).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>");
}

/** The sections as HTML. */
export function analysisHtml(sections: readonly AnalysisSection[]): string {
  return sections.map((s) => {
    const paras = s.id === "findings"
      ? `<ul>${s.paragraphs.map((p) => `<li>${inline(p)}</li>`).join("\n")}</ul>`
      : s.paragraphs.map((p) => `<p>${inline(p)}</p>`).join("\n");
    const tables = s.tables.map((t) =>
      (t.caption ? `<h3>${escapeHtml(t.caption)}</h3>\n` : "") + tableHtml(t.table, s.id)
    ).join("\n");
    return `<h2 id="${s.id}">${escapeHtml(s.title)}</h2>\n${paras}\n${tables}`;
  }).join("\n");
}
