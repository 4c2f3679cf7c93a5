/**
 * The self-contained HTML report: charts as embedded SVG images, their Vega-Lite specs as JSON
 * script blocks, the summary, runs, failed-runs and manifest tables, and an inline stylesheet.
 * With the Vega runtime given (`runtime`), each chart is also drawn live: tooltips on every mark,
 * and clicking a method in a legend highlights it (shift-click adds more). The static image stays
 * in the page for readers without JavaScript. It references no external URL; a
 * Content-Security-Policy forbids any network load.
 *
 * @module
 */

import { encodeBase64 } from "./base64.ts";
import { failedTable, runsTable, summaryTable, type Table } from "./tables.ts";
import type { Run, Summary } from "../results/read.ts";
import type { ChartSpec } from "./charts_common.ts";

/** A chart ready to embed. */
export interface HtmlChart {
  /** File stem, used as anchor id. */
  name: string;
  /** Title shown above the chart. */
  title: string;
  /** How to read the chart. */
  note: string;
  /** The Vega-Lite spec, embedded as JSON. */
  spec: ChartSpec;
  /** The rendered SVG markup. */
  svg: string;
  /** The interactive Vega spec (tooltips, legend filtering), drawn live when present. */
  vega?: Record<string, unknown>;
}

/** Everything the HTML report shows. */
export interface HtmlInput {
  /** Suite name (title). */
  suite: string;
  /** Built charts. */
  charts: readonly HtmlChart[];
  /** Names of charts the data did not support. */
  skipped: readonly string[];
  /** Summary rows (from `summary.csv` or computed). */
  summary: readonly Summary[];
  /** All runs, failed included. */
  runs: readonly Run[];
  /** Parsed `manifest.json`. */
  manifest: Record<string, unknown>;
  /** Problems found while reading the results. */
  warnings: readonly string[];
  /** Pre-rendered answer sections (findings, leaderboard, robustness) shown before the charts. */
  analysis?: { html: string; nav: readonly [string, string][] };
  /** Vega's browser runtime (`vega.min.js`), inlined to draw the charts live. */
  runtime?: string;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Serialises JSON for a `<script type="application/json">` block (no `</script>` breakout). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Renders a {@linkcode Table} as a scrollable HTML table (`None.` when empty). */
export function tableHtml(table: Table, cls: string): string {
  if (table.rows.length === 0) return `<p class="empty">None.</p>`;
  const head = table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = table.rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("\n");
  return `<div class="scroll"><table class="${cls}"><thead><tr>${head}</tr></thead>` +
    `<tbody>\n${body}\n</tbody></table></div>`;
}

/** Flattens nested manifest objects into dotted keys; arrays and leaves become strings. */
export function flattenManifest(obj: Record<string, unknown>, prefix = ""): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      out.push(...flattenManifest(v as Record<string, unknown>, key));
    } else out.push([key, typeof v === "string" ? v : JSON.stringify(v)]);
  }
  return out;
}

const CSS = `
body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1400px;margin:0 auto;padding:16px 28px 48px}
h1{margin:8px 0 4px;font-size:26px}h2{margin-top:36px;border-bottom:2px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin:0 0 12px}.warn{background:#fff4d6;border:1px solid #e6c36a;padding:8px 12px}
nav{line-height:1.8}nav a{margin-right:12px;white-space:nowrap}figure{margin:24px 0;background:#fff;border:1px solid #ddd;
padding:12px 16px;border-radius:6px}figure img{max-width:100%;height:auto;display:block}
figcaption{color:#444;font-size:14px;line-height:1.45;margin-top:8px;max-width:900px}
.files{font-size:12px;color:#777}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:13px;background:#fff}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#f0f0f0;position:sticky;top:0}td:nth-child(-n+3),th:nth-child(-n+3){text-align:left}
table.failed td:last-child{text-align:left;white-space:normal;color:#a00}
table.manifest td{text-align:left;white-space:normal}.empty{color:#777}
#status{font-size:12px;color:#777}.view{overflow-x:auto}.view svg{max-width:none}
.live img{display:none}.hint{font-size:12px;color:#777}
#vg-tooltip{position:absolute;display:none;pointer-events:none;background:#fff;border:1px solid #999;
border-radius:4px;padding:4px 8px;font-size:12px;box-shadow:0 2px 6px rgba(0,0,0,.2);z-index:10}
#vg-tooltip th{text-align:left;border:0;background:none;padding:1px 6px 1px 0;color:#555}
#vg-tooltip td{text-align:left;border:0;padding:1px 0}`;

const SCRIPT = `
(function () {
  var problems = [];
  window.addEventListener("error", function (e) { problems.push(String(e.message)); });
  function check() {
    var specs = document.querySelectorAll('script[type="application/json"]');
    for (var i = 0; i < specs.length; i++) {
      try { JSON.parse(specs[i].textContent); } catch (e) { problems.push("spec " + specs[i].id); }
    }
    var imgs = document.querySelectorAll("figure img");
    for (var j = 0; j < imgs.length; j++) {
      if (!imgs[j].complete || imgs[j].naturalWidth === 0) problems.push("image " + imgs[j].alt);
    }
    return live().then(function (n) {
      var status = problems.length === 0 ? "ok" : "error: " + problems.join("; ");
      document.documentElement.setAttribute("data-report-status", status);
      document.documentElement.setAttribute("data-live-charts", String(n));
      document.getElementById("status").textContent = "Report check: " + status + " (" +
        specs.length + " specs, " + imgs.length + " images, " + n + " live charts)";
      if (location.hash === "#tooltip-selftest") tooltipSelftest();
    });
  }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function show(v) {
    return typeof v === "number" ? String(Math.round(v * 1e4) / 1e4) : String(v);
  }
  var tip = null;
  function tooltip(handler, event, item, value) {
    if (tip === null) {
      tip = document.createElement("div");
      tip.id = "vg-tooltip";
      document.body.appendChild(tip);
    }
    if (value === null || value === undefined || value === "") {
      tip.style.display = "none";
      return;
    }
    var rows = typeof value === "object" ? Object.keys(value).filter(function (k) {
      return k.charAt(0) !== "_" && k !== "kind";
    }).map(function (k) {
      return "<tr><th>" + esc(k) + "</th><td>" + esc(show(value[k])) + "</td></tr>";
    }).join("") : "<tr><td>" + esc(show(value)) + "</td></tr>";
    tip.innerHTML = "<table>" + rows + "</table>";
    tip.style.display = "block";
    tip.style.left = (event.pageX + 14) + "px";
    tip.style.top = (event.pageY + 14) + "px";
  }
  function live() {
    if (typeof vega === "undefined") return Promise.resolve(0);
    var blocks = document.querySelectorAll('script[type="application/json"][id^="vega-"]');
    var jobs = [];
    for (var i = 0; i < blocks.length; i++) {
      (function (block) {
        var id = block.id.slice(5);
        var fig = document.getElementById(id), el = document.getElementById("view-" + id);
        try {
          var view = new vega.View(vega.parse(JSON.parse(block.textContent)), {
            renderer: "svg", container: el, hover: true,
          });
          view.tooltip(tooltip);
          jobs.push(view.runAsync().then(function () {
            fig.className += " live";
            return 1;
          }, function (e) {
            problems.push("view " + id + ": " + e);
            return 0;
          }));
        } catch (e) {
          problems.push("view " + id + ": " + e);
        }
      })(blocks[i]);
    }
    return Promise.all(jobs).then(function (r) {
      return r.reduce(function (a, b) { return a + b; }, 0);
    });
  }
  // For tests: hover the first point (else bar, else line) of the live charts; record the tooltip.
  function tooltipSelftest() {
    // points first: a line's bounding-box centre need not lie on its stroke
    var mark = document.querySelector(".view svg .mark-symbol path") ||
      document.querySelector(".view svg .mark-rect path") ||
      document.querySelector(".view svg .mark-line path");
    var result = "no mark";
    if (mark) {
      var r = mark.getBoundingClientRect();
      var init = { bubbles: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 };
      ["pointerover", "pointermove", "mouseover", "mousemove"].forEach(function (t) {
        var E = t.indexOf("pointer") === 0 && window.PointerEvent ? PointerEvent : MouseEvent;
        mark.dispatchEvent(new E(t, init));
      });
      result = tip && tip.style.display === "block" ? tip.textContent : "no tooltip";
    }
    document.documentElement.setAttribute("data-tooltip", result);
  }
  if (document.readyState === "complete") check(); else window.addEventListener("load", check);
})();`;

function chartHtml(c: HtmlChart): string {
  const src = `data:image/svg+xml;base64,${encodeBase64(c.svg)}`;
  const id = escapeHtml(c.name);
  const live = c.vega
    ? `<div class="view" id="view-${id}"></div>\n<script type="application/json" id="vega-${id}">${
      scriptJson(c.vega)
    }</script>\n`
    : "";
  return `<figure id="${id}">
${live}<img src="${src}" alt="${escapeHtml(c.title)}">
<figcaption>${escapeHtml(c.note)}<br><span class="files">Files: charts/${id}.vl.json · ` +
    `charts/${id}.svg · charts/${id}.png</span></figcaption>
<script type="application/json" id="spec-${id}">${scriptJson(c.spec)}</script>
</figure>`;
}

/**
 * Renders the report as one self-contained HTML document.
 *
 * @param input Charts, tables and manifest to show.
 * @returns The HTML text.
 */
export function renderHtml(input: HtmlInput): string {
  const ok = input.runs.filter((r) => r.ok);
  const failed = input.runs.length - ok.length;
  const methods = [...new Set(ok.map((r) => r.method))].sort();
  const sections = [
    ...(input.analysis?.nav ?? []),
    ["charts", "Charts"],
    ["summary", "Summary"],
    ["runs", "Runs"],
    ["failed", `Failed runs (${failed})`],
    ["manifest", "Manifest"],
  ];
  const warnings = input.warnings.length === 0
    ? ""
    : `<div class="warn">${input.warnings.map((w) => escapeHtml(w)).join("<br>")}</div>`;
  const skipped = input.skipped.length === 0 ? "" : `<p class="empty">Not drawn (the data ` +
    `does not support them): ${escapeHtml(input.skipped.join(", "))}.</p>`;
  const manifest: Table = { header: ["key", "value"], rows: flattenManifest(input.manifest) };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; ` +
    `style-src 'unsafe-inline'; script-src 'unsafe-inline' 'unsafe-eval'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>prunebench report: ${escapeHtml(input.suite)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>prunebench report: ${escapeHtml(input.suite)}</h1>
<p class="meta">${ok.length} successful run points, ${failed} failed; methods: ${
      escapeHtml(methods.join(", ") || "none")
    }. Accuracy is test accuracy; ± is the sample standard deviation over seeds.</p>
${warnings}
<nav>${sections.map(([id, t]) => `<a href="#${id}">${escapeHtml(t)}</a>`).join(" ")}<br>${
      input.charts.map((c) => `<a href="#${escapeHtml(c.name)}">${escapeHtml(c.name)}</a>`).join(
        " ",
      )
    }</nav>
${input.analysis?.html ?? ""}
<h2 id="charts">Charts</h2>
${
      input.runtime
        ? `<p class="hint">Hover a mark for its numbers; click a method in a legend to highlight ` +
          `it (shift-click to add more, click the legend's empty space or a picked entry to ` +
          `reset).</p>`
        : ""
    }
${skipped}
${input.charts.map(chartHtml).join("\n")}
<h2 id="summary">Summary (mean ± sd over seeds)</h2>
${tableHtml(summaryTable([...input.summary]), "summary")}
<h2 id="runs">Runs</h2>
${tableHtml(runsTable(input.runs), "runs")}
<h2 id="failed">Failed runs (${failed})</h2>
${tableHtml(failedTable(input.runs), "failed")}
<h2 id="manifest">Manifest</h2>
${tableHtml(manifest, "manifest")}
<p id="status">Report check: not run (scripts disabled)</p>
</main>
${
      input.runtime
        ? `<script id="vega-runtime">${
          input.runtime.replace(/<\/script/gi, "<\\/script")
        }</script>\n`
        : ""
    }<script>${SCRIPT}</script>
</body>
</html>
`;
}
