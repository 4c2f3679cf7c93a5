/**
 * {@linkcode writeReport} for the package entry: the report's modules (Vega, Vega-Lite and
 * resvg-wasm) are imported only when a report is written, so importing `mod.ts` stays light.
 *
 * @module
 */
import type { WriteReportOptions, WriteReportResult } from "./mod.ts";

export type { WriteReportOptions, WriteReportResult };

/**
 * Writes the report of one results directory (`<out>/<suite id>` of a {@linkcode bench} run):
 * Vega-Lite charts as `charts/<name>.{vl.json,svg,png}`, a self-contained `report.html` and a
 * Markdown `summary.md`. PNGs need read access to the fonts (default: DejaVu Sans under
 * `/usr/share/fonts`) and to the `@resvg/resvg-wasm` package; `png: false` skips them.
 *
 * @param dir Results directory holding `runs.csv` (e.g. `results/default`).
 * @param options PNG width, fonts and logging.
 * @returns The chart names written and the path of `report.html`.
 * @throws {Deno.errors.NotFound} When `<dir>/runs.csv` does not exist.
 *
 * @example Report on the results of a bench() run (here a synthetic fixture of one)
 * ```ts
 * import { writeReport } from "./write.ts";
 * import { writeFixture } from "../../test/fixtures_report/make_fixture.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFixture(dir);
 * const { charts, html } = await writeReport(dir, { png: false });
 * if (charts.length === 0 || !html.endsWith("report.html")) throw new Error("no report");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeReport(
  dir: string,
  options: WriteReportOptions = {},
): Promise<WriteReportResult> {
  const report = await import("./mod.ts");
  return await report.writeReport(dir, options);
}
