/**
 * Markdown rendering of the summary table, for the README's "Results" section.
 *
 * @module
 */

import type { Summary } from "../results/read.ts";
import { summaryTable, type Table } from "./tables.ts";

function cell(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** Renders a {@linkcode Table} as a GitHub-flavoured Markdown table. */
export function tableToMarkdown(table: Table): string {
  const lines = [
    `| ${table.header.map(cell).join(" | ")} |`,
    `|${table.header.map((_, i) => (i < 7 ? " --- " : " ---: ")).join("|")}|`,
    ...table.rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
  return lines.join("\n") + "\n";
}

/**
 * Renders `summary.csv` rows as a Markdown table: accuracy and kept fractions in %, mean ± sample
 * sd over seeds, failed seeds counted.
 *
 * @param rows Rows of `summary.csv` (see `loadResults`; computed from `runs.csv` when missing).
 * @returns A Markdown table ending with a newline.
 *
 * @example
 * ```ts
 * import { summaryMarkdown } from "./markdown.ts";
 * const md = summaryMarkdown([{ method: "l0-hc", arch: "mlp", dataset: "mnist", init_width: 64,
 *   lambda: 0.001, point: "final", n_seeds: 3, n_failed: 0, acc_mean: 0.97, acc_sd: 0.002 }]);
 * if (!md.includes("| l0-hc | mlp | mnist | 64 |")) throw new Error(md);
 * ```
 */
export function summaryMarkdown(rows: readonly Summary[]): string {
  return tableToMarkdown(summaryTable(rows));
}
