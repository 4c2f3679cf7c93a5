/**
 * Reports for a suite's results: Vega-Lite charts (`charts/<name>.{vl.json,svg,png}`), a
 * self-contained `report.html` and a Markdown summary (`summary.md`). Reads only `runs.csv`,
 * `history.csv`, `summary.csv` and `manifest.json`.
 *
 * @example Write the report of a results directory
 * ```ts ignore
 * import { writeReport } from "./mod.ts";
 * const { charts, html } = await writeReport("results/default");
 * console.log(`${charts.length} charts, report at ${html}`);
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { loadResults } from "./load.ts";
import { buildCharts, CHARTS } from "./charts.ts";
import { DEFAULT_PNG_WIDTH, specToSvg, svgToPng } from "./render.ts";
import { type HtmlChart, renderHtml } from "./html.ts";
import { summaryMarkdown } from "./markdown.ts";
import { analysisHtml, analysisMarkdown, analysisSections } from "./analysis.ts";
import { interactiveVega, vegaRuntime } from "./interactive.ts";

export { loadResults, type Results, type Run } from "./load.ts";
export { buildCharts, CHARTS, type ChartSpec } from "./charts.ts";
export { pngSize, specToSvg, svgToPng } from "./render.ts";
export { renderHtml } from "./html.ts";
export { summaryMarkdown } from "./markdown.ts";
export { analysisSections } from "./analysis.ts";
export { leaderboards } from "./leaderboard.ts";
export { frontPoints, paretoFront } from "./fronts.ts";
export { widthSweeps } from "./robustness.ts";
export { findings } from "./findings.ts";

/** Options of {@linkcode writeReport}. */
export interface WriteReportOptions {
  /** PNG width in pixels (default 1200); the height keeps each chart's aspect ratio. */
  pngWidth?: number;
  /** Write PNGs (default `true`). */
  png?: boolean;
  /** TTF font files for the PNGs (default: DejaVu Sans regular and bold). */
  fonts?: readonly string[];
  /** Progress and warning lines go here (default: none). */
  log?: (line: string) => void;
}

/** What {@linkcode writeReport} wrote. */
export interface WriteReportResult {
  /** Names of the charts written under `<dir>/charts/`. */
  charts: string[];
  /** Path of `report.html`. */
  html: string;
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

/**
 * Builds the charts, the HTML report and the Markdown summary of one results directory.
 *
 * @param dir Results directory holding `runs.csv` (e.g. `results/default`).
 * @param options PNG width, fonts and logging.
 * @returns The chart names written and the path of `report.html`.
 * @throws {Deno.errors.NotFound} When `<dir>/runs.csv` does not exist.
 */
export async function writeReport(
  dir: string,
  options: WriteReportOptions = {},
): Promise<WriteReportResult> {
  const log = options.log ?? (() => {});
  const results = await loadResults(dir);
  for (const w of results.warnings) log(`warning: ${w}`);
  const built = buildCharts(results);
  const chartDir = join(dir, "charts");
  await Deno.mkdir(chartDir, { recursive: true });
  const htmlCharts: HtmlChart[] = [];
  for (const { def, spec, note } of built) {
    const base = join(chartDir, def.name);
    const svg = await specToSvg(spec);
    await Deno.writeTextFile(`${base}.vl.json`, JSON.stringify(spec, null, 2) + "\n");
    await Deno.writeTextFile(`${base}.svg`, svg);
    if (options.png ?? true) {
      const png = await svgToPng(svg, {
        width: options.pngWidth ?? DEFAULT_PNG_WIDTH,
        ...(options.fonts ? { fonts: options.fonts } : {}),
      });
      await Deno.writeFile(`${base}.png`, png);
    } else await removeIfPresent(`${base}.png`);
    const vega = interactiveVega(spec);
    htmlCharts.push({ name: def.name, title: String(spec.title), note, spec, svg, vega });
    log(`chart ${def.name}`);
  }
  const builtNames = new Set(built.map((b) => b.def.name));
  const skipped = CHARTS.map((c) => c.name).filter((n) => !builtNames.has(n));
  for (const name of skipped) {
    for (const ext of ["vl.json", "svg", "png"]) {
      await removeIfPresent(join(chartDir, `${name}.${ext}`));
    }
  }
  const summary = results.summary;
  const suite = results.runs.find((r) => r.suite !== "")?.suite ??
    dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;
  const analysis = analysisSections(results.runs, skipped);
  const html = join(dir, "report.html");
  await Deno.writeTextFile(
    html,
    renderHtml({
      suite,
      charts: htmlCharts,
      skipped,
      summary,
      runs: results.runs,
      manifest: results.manifest,
      warnings: results.warnings,
      analysis: {
        html: analysisHtml(analysis),
        nav: analysis.map((s) => [s.id, s.title] as [string, string]),
      },
      runtime: await vegaRuntime(),
    }),
  );
  await Deno.writeTextFile(
    join(dir, "summary.md"),
    analysisMarkdown(analysis) + "## Summary (mean ± sd over seeds)\n\n" +
      summaryMarkdown(summary),
  );
  log(`report ${html}`);
  return { charts: [...builtNames], html };
}

const USAGE = `Usage: deno task report [options] [results/<suite>]

Writes <dir>/charts/<name>.{vl.json,svg,png}, <dir>/report.html and <dir>/summary.md
from <dir>/runs.csv, history.csv, summary.csv and manifest.json.

Options:
  --png-width <px>  width of the PNG charts (default ${DEFAULT_PNG_WIDTH})
  --no-png          write only .vl.json and .svg charts
  -q, --quiet       print only errors
  -h, --help        show this help`;

/**
 * The `report` command: `report [--png-width N] [--no-png] [-q] [dir]`, default dir
 * `results/default`.
 *
 * @param args Command-line arguments after the command name.
 * @returns The exit code: 0 on success, 1 on failure, 2 on a usage error.
 */
export async function reportCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        "png-width": { type: "string" },
        "no-png": { type: "boolean", default: false },
        quiet: { type: "boolean", short: "q", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    console.error(`Expected at most one results directory, got ${positionals.length}\n\n${USAGE}`);
    return 2;
  }
  const width = values["png-width"] === undefined ? DEFAULT_PNG_WIDTH : Number(values["png-width"]);
  if (!Number.isInteger(width) || width < 16 || width > 10000) {
    console.error(
      `Invalid --png-width "${values["png-width"]}": expected an integer in [16, 10000]`,
    );
    return 2;
  }
  const dir = positionals[0] ?? "results/default";
  try {
    const out = await writeReport(dir, {
      pngWidth: width,
      png: !values["no-png"],
      log: values.quiet ? undefined : (line) => console.log(line),
    });
    if (!values.quiet) console.log(`Wrote ${out.charts.length} charts and ${out.html}`);
    return 0;
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await reportCommand(Deno.args));
