// Tests of src/report: loading, chart specs (compile + SVG), PNG sizes, the HTML report opened
// offline in headless Chromium (skipped when Chromium is missing), and the Markdown summary.

import assert from "node:assert/strict";
import { join } from "node:path";
import { vl } from "../src/deps/vega.ts";
import { writeFixture } from "./fixtures_report/make_fixture.ts";
import { loadResults } from "../src/report/load.ts";
import {
  buildCharts,
  CHARTS,
  lambdaChart,
  speedupChart,
  widthInvarianceChart,
} from "../src/report/charts.ts";
import { pngSize, specToSvg, svgSize, svgToPng } from "../src/report/render.ts";
import { escapeHtml, scriptJson } from "../src/report/html.ts";
import { summaryMarkdown } from "../src/report/markdown.ts";
import { reportCommand, writeReport } from "../src/report/mod.ts";

async function withFixture(
  fn: (dir: string) => Promise<void>,
  options: { minimal?: boolean } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "prunebench_report_" });
  try {
    await writeFixture(dir, options);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadResults() parses runs, failed runs, history, summary and manifest", async () => {
  await withFixture(async (dir) => {
    const res = await loadResults(dir);
    assert.equal(res.runs.length, 84);
    const failed = res.runs.filter((r) => !r.ok);
    assert.equal(failed.length, 1);
    assert.match(failed[0].reason, /DivergenceError/);
    assert.ok(Number.isNaN(failed[0].acc));
    assert.ok(res.history.some((h) => h.metric === "kept_fraction"));
    assert.equal(res.summary.length, 28);
    assert.equal(res.manifest.backend, "wasm");
    assert.deepEqual(res.warnings, []);
    const l0 = res.runs.find((r) => r.method === "l0-hc")!;
    assert.equal(l0.perLayerInit.length, 2);
    assert.ok(Number.isNaN(res.runs.find((r) => r.method === "magnitude")!.lambda));
  });
});

Deno.test("loadResults() throws NotFound without runs.csv", async () => {
  const dir = await Deno.makeTempDir({ prefix: "prunebench_report_" });
  try {
    await assert.rejects(loadResults(dir), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildCharts() specs compile with vega-lite and render to SVG", async () => {
  await withFixture(async (dir) => {
    const built = buildCharts(await loadResults(dir));
    assert.deepEqual(built.map((b) => b.def.name), CHARTS.map((c) => c.name));
    for (const { def, spec } of built) {
      // deno-lint-ignore no-explicit-any
      const compiled = vl.compile(spec as any).spec;
      assert.ok(compiled.marks !== undefined, def.name);
      const svg = await specToSvg(spec);
      assert.ok(svg.startsWith("<svg"), def.name);
      assert.ok(svg.includes("<text"), `${def.name} has text`);
      const { width, height } = svgSize(svg);
      assert.ok(width > 200 && height > 150, `${def.name} is ${width}x${height}`);
    }
  });
});

Deno.test("chart builders return null when the data does not support them", async () => {
  await withFixture(async (dir) => {
    const res = await loadResults(dir);
    const oneLambda = res.runs.filter((r) => r.method !== "l0-hc" || r.lambda === 0.001);
    assert.equal(lambdaChart({ runs: oneLambda, history: [] }), null);
    const noLatency = res.runs.map((r) => ({ ...r, measuredSpeedup: NaN }));
    assert.equal(speedupChart({ runs: noLatency, history: [] }), null);
    assert.deepEqual(buildCharts({ runs: [], history: [] }), []);
    const names = buildCharts({ runs: res.runs, history: [] }).map((b) => b.def.name);
    assert.ok(!names.includes("kept_over_training"));
  });
});

Deno.test("writeReport() writes vl.json, SVG and PNG of the expected size, and report.html", async () => {
  await withFixture(async (dir) => {
    const out = await writeReport(dir, { pngWidth: 500 });
    assert.equal(out.charts.length, CHARTS.length);
    for (const name of out.charts) {
      const base = join(dir, "charts", name);
      JSON.parse(await Deno.readTextFile(`${base}.vl.json`));
      const svg = await Deno.readTextFile(`${base}.svg`);
      const png = await Deno.readFile(`${base}.png`);
      assert.ok(png.length > 2000, `${name}.png is ${png.length} bytes`);
      const s = svgSize(svg), p = pngSize(png);
      assert.equal(p.width, 500, name);
      assert.ok(Math.abs(p.height - Math.round(s.height * 500 / s.width)) <= 1, name);
    }
    const page = await Deno.readTextFile(out.html);
    // the inlined Vega runtime (third-party code, no network use: the CSP forbids it) aside
    const runtime = /<script id="vega-runtime">[\s\S]*?<\/script>/;
    assert.match(page, runtime);
    const html = page.replace(runtime, "");
    assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i);
    assert.doesNotMatch(html, /<link\b|@import|url\(/i);
    assert.match(html, /DivergenceError: loss is NaN/);
    assert.match(html, /Summary \(mean ± sd over seeds\)/);
    assert.match(html, /machine\.cpu/);
    // per chart: its Vega-Lite spec and its compiled, interactive Vega spec
    assert.equal(html.match(/<script type="application\/json" id="spec-/g)?.length, CHARTS.length);
    assert.equal(html.match(/<script type="application\/json" id="vega-/g)?.length, CHARTS.length);
    const md = await Deno.readTextFile(join(dir, "summary.md"));
    assert.match(md, /2 \(1 failed\)/);
  });
});

Deno.test("writeReport() works from runs.csv alone and drops stale charts", async () => {
  await withFixture(async (dir) => {
    await Deno.mkdir(join(dir, "charts"));
    await Deno.writeTextFile(join(dir, "charts", "kept_over_training.svg"), "<svg/>");
    const out = await writeReport(dir, { png: false });
    assert.ok(!out.charts.includes("kept_over_training"));
    assert.ok(out.charts.includes("tradeoff_units"));
    await assert.rejects(Deno.stat(join(dir, "charts", "kept_over_training.svg")));
    const html = await Deno.readTextFile(out.html);
    assert.match(html, /history\.csv not found/);
    assert.match(html, /Not drawn/);
  }, { minimal: true });
});

Deno.test("svgToPng() is deterministic and pngSize() reads IHDR", async () => {
  const svg = await specToSvg({
    data: { values: [{ a: 1, b: 2 }, { a: 2, b: 3 }] },
    mark: "line",
    encoding: { x: { field: "a", type: "quantitative" }, y: { field: "b", type: "quantitative" } },
    config: { font: "DejaVu Sans" },
  });
  const a = await svgToPng(svg, { width: 300 }), b = await svgToPng(svg, { width: 300 });
  assert.deepEqual(a, b);
  assert.equal(pngSize(a).width, 300);
  assert.throws(() => pngSize(new Uint8Array(30)), TypeError);
  await assert.rejects(svgToPng(svg, { width: 0 }), RangeError);
});

Deno.test("summaryMarkdown() renders one row per configuration with mean ± sd", async () => {
  await withFixture(async (dir) => {
    const md = summaryMarkdown((await loadResults(dir)).summary);
    const lines = md.trimEnd().split("\n");
    assert.equal(lines.length, 2 + 28);
    assert.match(lines[0], /^\| method \| arch \| dataset \| width \| λ \|/);
    assert.match(md, /\| l0-hc \| mlp \| mnist \| 64 \| 0\.001 \| final \| 3 \| \d+\.\d\d ± \d/);
  });
});

Deno.test("summaryMarkdown() shows fractional widths as written (0.5 is not rounded to 1)", () => {
  const row = {
    method: "dam",
    arch: "lenet-300-100",
    dataset: "mnist",
    lambda: "",
    point: "final",
  };
  const md = summaryMarkdown([{ ...row, init_width: 0.5 }, { ...row, init_width: "0.25" }]);
  assert.match(md, /\| dam \| lenet-300-100 \| mnist \| 0\.25 \|/);
  assert.match(md, /\| dam \| lenet-300-100 \| mnist \| 0\.5 \|/);
});

Deno.test("escapeHtml() and scriptJson() prevent markup injection", () => {
  assert.equal(escapeHtml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  const json = scriptJson({ s: "</script><script>alert(1)</script>" });
  assert.ok(!json.includes("</script"));
  assert.deepEqual(JSON.parse(json), { s: "</script><script>alert(1)</script>" });
});

Deno.test("reportCommand() validates arguments and writes the report", async () => {
  assert.equal(await reportCommand(["--png-width", "abc"]), 2);
  assert.equal(await reportCommand(["--bogus"]), 2);
  assert.equal(await reportCommand(["a", "b"]), 2);
  await withFixture(async (dir) => {
    assert.equal(await reportCommand(["-q", "--no-png", dir]), 0);
    await Deno.stat(join(dir, "report.html"));
    assert.equal(await reportCommand(["-q", join(dir, "missing")]), 1);
  }, { minimal: true });
});

const CHROMIUM = "chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
];

async function hasChromium(): Promise<boolean> {
  try {
    const out = await new Deno.Command(CHROMIUM, {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

const chromiumAvailable = await hasChromium();
if (!chromiumAvailable) {
  console.warn(`Skipping the browser test: "${CHROMIUM}" not found (apt-get install chromium)`);
}

Deno.test({
  name: "report.html opens offline in headless Chromium, draws every chart live, shows a tooltip",
  ignore: !chromiumAvailable,
  async fn() {
    await withFixture(async (dir) => {
      const { html } = await writeReport(dir, { png: false });
      const url = new URL(`file://${await Deno.realPath(html)}`).href;
      const profile = await Deno.makeTempDir({ prefix: "prunebench_chromium_" });
      try {
        const run = (args: string[]) =>
          new Deno.Command(CHROMIUM, {
            args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...args, url],
            stdout: "piped",
            stderr: "piped",
          }).output();
        const dom = await run(["--dump-dom"]);
        const text = new TextDecoder().decode(dom.stdout);
        assert.match(text, /data-report-status="ok"/, new TextDecoder().decode(dom.stderr));
        // every chart drawn live by the inlined Vega runtime (the page has no script src)
        const charts = (await Deno.readTextFile(html)).match(/<figure id=/g)!.length;
        assert.match(text, new RegExp(`data-live-charts="${charts}"`));
        assert.doesNotMatch(await Deno.readTextFile(html), /<script[^>]*\ssrc=/);
        // hovering a mark shows its tooltip (the page's self-test dispatches the pointer events)
        const hover = await new Deno.Command(CHROMIUM, {
          args: [
            ...CHROMIUM_FLAGS,
            `--user-data-dir=${profile}`,
            "--virtual-time-budget=10000",
            "--dump-dom",
            `${url}#tooltip-selftest`,
          ],
          stdout: "piped",
          stderr: "null",
        }).output();
        const tip = /data-tooltip="([^"]*)"/.exec(new TextDecoder().decode(hover.stdout));
        assert.ok(tip, "the tooltip self-test did not run");
        assert.match(tip[1], /^method(dam|l0-hc|magnitude)/, `tooltip: ${tip[1]}`);
        const shot = join(dir, "screenshot.png");
        const res = await run([`--screenshot=${shot}`, "--window-size=1280,2000"]);
        assert.ok(res.success, new TextDecoder().decode(res.stderr));
        assert.deepEqual(pngSize(await Deno.readFile(shot)), { width: 1280, height: 2000 });
      } finally {
        await Deno.remove(profile, { recursive: true });
      }
    });
  },
});

Deno.test("widthInvarianceChart() counts only the layers that scale with the width", async () => {
  await withFixture(async (dir) => {
    const res = await loadResults(dir);
    const chartValues = (runs: typeof res.runs) => {
      const spec = widthInvarianceChart({ runs, history: [] })!;
      const values = (spec.data as { values: Record<string, unknown>[] }).values;
      return values.filter((v) => v.kind === "point").map((
        v,
      ) => [v.series, v.width, v.init, v.kept]);
    };
    const plain = chartValues(res.runs);
    // the same runs with a 784-unit input layer that every width keeps whole
    const withInputs = res.runs.map((r) => ({
      ...r,
      unitsInit: r.unitsInit + 784,
      unitsKept: r.unitsKept + 784,
      perLayerInit: [784, ...r.perLayerInit],
      perLayerKept: [784, ...r.perLayerKept],
    }));
    assert.ok(plain.length > 0);
    assert.deepEqual(chartValues(withInputs), plain);
  });
});
