/**
 * Reads a suite's result files (`runs.csv`, `history.csv`, `summary.csv`, `manifest.json`) for the
 * report. The rows are parsed by `src/results/read.ts`; a missing `summary.csv` is computed from
 * `runs.csv` by the harness's own summary builder (`src/results/summary.ts`).
 *
 * @module
 */

import { join } from "node:path";
import {
  type HistoryPoint,
  parseCsv,
  type Run,
  type Summary,
  toHistory,
  toRun,
  toSummary,
} from "../results/read.ts";
import type { RunRow } from "../results/schema.ts";
import { summaryRows } from "../results/summary.ts";

export type { HistoryPoint, Run, Summary } from "../results/read.ts";

/** Everything the report reads from a results directory. */
export interface Results {
  /** The results directory. */
  dir: string;
  /** All rows of `runs.csv`, failed ones included (see {@linkcode Run.ok}). */
  runs: Run[];
  /** Rows of `history.csv`; empty when the file is missing. */
  history: HistoryPoint[];
  /** Rows of `summary.csv`; computed from `runs.csv` when the file is missing. */
  summary: Summary[];
  /** Parsed `manifest.json`; empty when the file is missing. */
  manifest: Record<string, unknown>;
  /** Problems found while reading that did not stop the report. */
  warnings: string[];
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/**
 * Reads the result files of one suite directory.
 *
 * @param dir Results directory, e.g. `results/default`.
 * @returns The parsed runs, history, summary and manifest.
 * @throws {Deno.errors.NotFound} When `runs.csv` is missing.
 *
 * @example
 * ```ts ignore
 * import { loadResults } from "./load.ts";
 * const res = await loadResults("results/default");
 * console.log(res.runs.length);
 * ```
 */
export async function loadResults(dir: string): Promise<Results> {
  const warnings: string[] = [];
  const runsText = await readOptional(join(dir, "runs.csv"));
  if (runsText === null) {
    throw new Deno.errors.NotFound(
      `Cannot read results in "${dir}": runs.csv not found; run "deno task bench" first`,
    );
  }
  const runRecords = parseCsv(runsText);
  const runs = runRecords.map(toRun);
  const historyText = await readOptional(join(dir, "history.csv"));
  if (historyText === null) warnings.push("history.csv not found: training curves are skipped");
  const history = historyText === null ? [] : parseCsv(historyText).map(toHistory);
  const summaryText = await readOptional(join(dir, "summary.csv"));
  if (summaryText === null) warnings.push("summary.csv not found: summary computed from runs.csv");
  const summary = summaryText === null
    ? summaryRows(runRecords as RunRow[]).map((s) => toSummary(s as Record<string, string>))
    : parseCsv(summaryText).map(toSummary);
  let manifest: Record<string, unknown> = {};
  const manifestText = await readOptional(join(dir, "manifest.json"));
  if (manifestText === null) {
    warnings.push("manifest.json not found");
  } else {
    try {
      const parsed: unknown = JSON.parse(manifestText);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        manifest = parsed as Record<string, unknown>;
      } else warnings.push("manifest.json is not a JSON object");
    } catch (err) {
      warnings.push(`Cannot parse manifest.json: ${(err as Error).message}`);
    }
  }
  return { dir, runs, history, summary, manifest, warnings };
}
