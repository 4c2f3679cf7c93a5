/**
 * Writes the README's Results section from one results folder, so that no number in it is typed
 * by hand: `deno run -A tools/readme_results.ts results/default [--readme README.md]
 * [--docs docs/results]`.
 *
 * The section (between `<!-- results:begin -->` and `<!-- results:end -->`) gets the command, the
 * machine, versions, code revision and wall time from `manifest.json`, then the report's own
 * findings, leaderboards and width-robustness table (src/report/analysis.ts) computed from
 * `runs.csv`, and the charts. The charts' PNGs, `summary.md`, `summary.csv` and `runs.csv` are
 * copied into `--docs` (the README links them; `results/` itself is never committed).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { basename, join, relative } from "node:path";
import { loadResults, type Run } from "../src/report/load.ts";
import { analysisMarkdown, analysisSections } from "../src/report/analysis.ts";

const BEGIN = "<!-- results:begin -->";
const END = "<!-- results:end -->";
/** Charts shown in the README, in order, with their captions. */
const CHARTS: [string, string][] = [
  ["front_params", "Accuracy vs compact parameters (one line per method, seed error bars)"],
  ["front_macs", "Accuracy vs compact MACs"],
  ["width_invariance", "Final kept units vs initial width (flat = width-robust)"],
  ["kept_over_training", "Kept units over training"],
  ["train_macs", "Training MACs spent vs dense"],
];

type Manifest = Record<string, unknown> & {
  suite?: string;
  startedAt?: string;
  backend?: string;
  tfjsVersion?: string;
  denoVersion?: string;
  gitSha?: string;
  jobs?: number;
  blas?: { library?: string; threads?: number } | null;
  machine?: { os?: string; arch?: string; cores?: number; memoryGiB?: number; cpu?: string };
  invocations?: { wallSeconds: number; ran: number; jobs: number; interrupted: boolean }[];
};

function minutes(s: number): string {
  return `${(s / 60).toFixed(1)} min`;
}

/** The header: command, machine, versions, wall time, run counts. */
function header(m: Manifest, runs: readonly Run[], reportSha?: string): string {
  const inv = m.invocations ?? [];
  const wall = inv.reduce((a, i) => a + i.wallSeconds, 0);
  const ids = new Map<string, boolean>();
  for (const r of runs) ids.set(r.runId, (ids.get(r.runId) ?? true) && r.ok);
  const failed = [...ids.values()].filter((ok) => !ok).length;
  const mc = m.machine ?? {};
  const jobs = inv.length ? [...new Set(inv.map((i) => i.jobs))].join("/") : String(m.jobs ?? "?");
  const wallText = inv.length === 1
    ? `${minutes(wall)} in one invocation`
    : `${minutes(wall)} over ${inv.length} invocations (${
      inv.map((i) => `${i.ran} runs in ${minutes(i.wallSeconds)}`).join(", ")
    })`;
  return [
    `Command: \`deno task bench\` (suite \`${m.suite}\`, \`--jobs ${jobs}\`), started ` +
    `${m.startedAt ?? "?"} at code revision \`${m.gitSha ?? "?"}\`` +
    (reportSha && !(m.gitSha ?? "").startsWith(reportSha)
      ? ` (this text written from its CSVs by the report code at \`${reportSha}\`).`
      : "."),
    `Machine: ${mc.cpu ? `${mc.cpu}, ` : ""}${mc.cores ?? "?"} cores, ${
      mc.memoryGiB ?? "?"
    } GiB, ` +
    `${mc.os ?? "?"} ${mc.arch ?? ""}, no GPU; Deno ${m.denoVersion}, TensorFlow.js ` +
    `${m.tfjsVersion}, backend \`${m.backend}\`` +
    (m.blas?.library ? ` (${basename(m.blas.library)}, ${m.blas.threads} thread per worker)` : "") +
    ".",
    `Wall time: **${wallText}**; ${ids.size} runs, ${failed} failed.`,
  ].join("\n");
}

/** The Results section's Markdown. */
export function resultsSection(
  m: Manifest,
  runs: readonly Run[],
  charts: string[],
  docs: string,
  reportSha?: string,
): string {
  const sections = analysisSections(runs);
  const body = analysisMarkdown(
    sections.map((s) =>
      s.id === "leaderboard"
        ? { ...s, tables: s.tables.filter((t) => /compact parameters/.test(t.caption)) }
        : s
    ),
  ).replace(/^## /gm, "### ");
  const img = charts.map((c) => {
    const caption = CHARTS.find(([id]) => c === `${id}.png`)?.[1] ?? c;
    return `![${caption}](${docs}/${c})`;
  });
  return [
    BEGIN,
    "<!-- written by tools/readme_results.ts from one results folder; do not edit by hand -->",
    "",
    header(m, runs, reportSha),
    "",
    `The leaderboards by compact MACs, every table and the per-setting summary: ` +
    `[${docs}/summary.md](${docs}/summary.md), [summary.csv](${docs}/summary.csv), ` +
    `[runs.csv](${docs}/runs.csv).`,
    "",
    body.trimEnd(),
    "",
    ...img.flatMap((i) => [i, ""]),
    END,
  ].join("\n");
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      readme: { type: "string", default: "README.md" },
      docs: { type: "string", default: "docs/results" },
    },
  });
  if (positionals.length !== 1) {
    console.error("Usage: deno run -A tools/readme_results.ts <suite results folder> [--readme F]");
    Deno.exit(2);
  }
  const dir = positionals[0];
  const res = await loadResults(dir);
  await Deno.mkdir(values.docs, { recursive: true });
  const charts: string[] = [];
  for (const [id] of CHARTS) {
    try {
      await Deno.copyFile(join(dir, "charts", `${id}.png`), join(values.docs, `${id}.png`));
      charts.push(`${id}.png`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  for (const f of ["summary.md", "summary.csv", "runs.csv"]) {
    await Deno.copyFile(join(dir, f), join(values.docs, f));
  }
  const readme = await Deno.readTextFile(values.readme);
  const a = readme.indexOf(BEGIN), b = readme.indexOf(END);
  if (a < 0 || b < a) {
    console.error(`Cannot find "${BEGIN}" … "${END}" in ${values.readme}: add both markers`);
    Deno.exit(2);
  }
  const docsRel = relative(join(values.readme, ".."), values.docs) || ".";
  const git = await new Deno.Command("git", { args: ["rev-parse", "--short=12", "HEAD"] }).output()
    .catch(() => null);
  const sha = git?.success ? new TextDecoder().decode(git.stdout).trim() : undefined;
  const section = resultsSection(res.manifest as Manifest, res.runs, charts, docsRel, sha);
  await Deno.writeTextFile(
    values.readme,
    readme.slice(0, a) + section + readme.slice(b + END.length),
  );
  // the generated tables are aligned by `deno fmt` like the rest of the README
  const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", values.readme] })
    .output();
  if (!fmt.success) console.error(new TextDecoder().decode(fmt.stderr));
  console.log(
    `Wrote the Results section of ${values.readme} from ${dir} (${charts.length} charts)`,
  );
}
