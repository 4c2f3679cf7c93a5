/**
 * Readability of the charts (no overlapping-label configuration, visible legends, the speedup's
 * spread) and the interactive form of the report (tooltips, legend filtering, inlined runtime).
 * The headless-Chromium check of the live page is in report_test.ts.
 */
import assert from "node:assert/strict";
import { writeFixture } from "./fixtures_report/make_fixture.ts";
import { loadResults, type Run } from "../src/report/load.ts";
import { buildCharts, speedupChart } from "../src/report/charts.ts";
import { MAX_FLAT_CATEGORIES, MIN_LATENCY_REPEATS } from "../src/report/charts_common.ts";
import { interactiveVega, PICK, withInteraction } from "../src/report/interactive.ts";
import { measuredCell, runsTable } from "../src/report/tables.ts";

const METHODS = ["dam", "dense", "diffprune", "gmp", "halo", "l0-hc", "magnitude", "random", "vbp"];

/** The fixture's runs, relabelled so that nine methods appear (as in the smoke suite). */
async function manyMethods(): Promise<{ runs: Run[]; history: [] }> {
  const dir = await Deno.makeTempDir();
  try {
    await writeFixture(dir);
    const res = await loadResults(dir);
    const runs = res.runs.flatMap((r) => METHODS.map((m) => ({ ...r, method: m })));
    return { runs, history: [] };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

type Node = Record<string, unknown>;

/** Every encoding channel object of a spec, with its channel name. */
function encodings(node: unknown, out: [string, Node][] = []): [string, Node][] {
  if (Array.isArray(node)) { for (const n of node) encodings(n, out); }
  else if (node && typeof node === "object") {
    const o = node as Node;
    if (o.encoding && typeof o.encoding === "object") {
      for (const [ch, e] of Object.entries(o.encoding as Node)) out.push([ch, e as Node]);
    }
    for (const [k, v] of Object.entries(o)) if (k !== "data" && k !== "encoding") encodings(v, out);
  }
  return out;
}

Deno.test("category axes with many categories tilt and truncate their labels, never drop them", async () => {
  const input = await manyMethods();
  const charts = buildCharts(input);
  let checked = 0;
  for (const { def, spec } of charts) {
    for (const [ch, e] of encodings(spec)) {
      if (ch !== "x" || (e.type !== "nominal" && e.type !== "ordinal")) continue;
      const axis = e.axis as Node | undefined;
      assert.ok(axis, `${def.name}: x axis of "${e.field}" has no axis settings`);
      assert.equal(typeof axis.labelLimit, "number", `${def.name}: no labelLimit`);
      assert.equal(axis.labelOverlap, false, `${def.name}: category labels may be dropped`);
      const n = ((e.scale as Node | undefined)?.domain as unknown[] | undefined)?.length;
      if (n !== undefined && n > MAX_FLAT_CATEGORIES) {
        assert.notEqual(axis.labelAngle, 0, `${def.name}: ${n} flat labels overlap`);
        checked++;
      }
    }
    const config = spec.config as { axis: Node; legend: Node };
    assert.equal(config.axis.labelOverlap, "greedy", `${def.name}: continuous labels may overlap`);
    assert.equal(config.legend.symbolOpacity, 1, `${def.name}: faint legend symbols`);
    assert.ok(Number(config.legend.symbolStrokeWidth) >= 2, `${def.name}: thin legend lines`);
  }
  assert.ok(checked >= 2, `expected the robustness and train-MACs axes, checked ${checked}`);
});

Deno.test("measured speedup: interval from the repeats; few repeats greyed, no interval", async () => {
  const { runs } = await manyMethods();
  const spec = speedupChart({ runs, history: [] })!;
  const values = (spec.data as { values: Node[] }).values;
  const enough = values.filter((v) => v.kind === "run"),
    few = values.filter((v) => v.kind === "few");
  assert.ok(enough.length > 0 && few.length > 0);
  for (const v of enough) {
    assert.ok(Number(v.lo) < Number(v.measured) && Number(v.measured) < Number(v.hi));
    assert.ok(Number(v.repeats) >= MIN_LATENCY_REPEATS);
  }
  for (const v of few) assert.ok(v.lo === null && Number(v.repeats) < MIN_LATENCY_REPEATS);
  const few1 = runs.find((r) => r.latencyRepeats < MIN_LATENCY_REPEATS)!;
  assert.match(measuredCell(few1), /\(n=3: noise\)$/);
  const ok1 = runs.find((r) => r.latencyRepeats >= MIN_LATENCY_REPEATS)!;
  assert.match(measuredCell(ok1), /^\d+\.\d\d \[\d+\.\d\d–\d+\.\d\d\]$/);
});

Deno.test("the Runs table prints widths as written (0.5 is not 1)", async () => {
  const { runs } = await manyMethods();
  const run = { ...runs.find((r) => r.ok)!, initWidth: 0.5 };
  const t = runsTable([run]);
  assert.equal(t.rows[0][t.header.indexOf("width")], "0.5");
});

Deno.test("interactive specs: tooltips on every mark, a legend-bound method selection, compile", async () => {
  const input = await manyMethods();
  for (const { def, spec } of buildCharts(input)) {
    const json = JSON.stringify(withInteraction(spec));
    // box plots (robustness: methods on x) cannot carry a selection; every other chart can
    const colored = encodings(spec).some(([ch, e]) => ch === "color" && e.field === "method");
    if (colored && def.name !== "robustness") {
      assert.ok(json.includes(`"bind":"legend"`), `${def.name}: no legend filtering`);
    }
    assert.ok(!json.includes(`"bind":"legend"`) || json.split(`"name":"${PICK}"`).length === 2);
    const vega = interactiveVega(spec);
    if (colored && def.name !== "robustness") {
      assert.ok(JSON.stringify(vega).includes(PICK), `${def.name}: selection lost in compile`);
    }
    assert.ok(JSON.stringify(vega).includes("tooltip"), `${def.name}: no tooltip`);
  }
  // the static spec is left alone
  const plain = buildCharts(input)[0].spec;
  assert.ok(!JSON.stringify(plain).includes(PICK));
});
