/**
 * The results module (src/results/): one summary builder and one sd for the harness and the
 * report. A results folder without `summary.csv` gives the report the same summary the harness
 * writes, and the sd convention for a single value is explicit.
 */
import assert from "node:assert/strict";
import { loadResults } from "../src/report/load.ts";
import { parseCsv, toSummary } from "../src/results/read.ts";
import { mean, meanSd, sd } from "../src/results/stats.ts";
import { sd as reportSd } from "../src/report/aggregate.ts";
import { withTempDir } from "./harness_helpers.ts";

const GOLDEN = new URL("./data/golden/", import.meta.url).pathname;

Deno.test("loadResults: without summary.csv, the summary is the harness's summary.csv", async () => {
  await withTempDir(async (dir) => {
    await Deno.copyFile(`${GOLDEN}runs.csv`, `${dir}/runs.csv`);
    const res = await loadResults(dir);
    assert.ok(res.warnings.some((w) => w.startsWith("summary.csv not found")));
    const written = parseCsv(await Deno.readTextFile(`${GOLDEN}summary.csv`)).map(toSummary);
    assert.equal(res.summary.length, 10);
    assert.deepEqual(res.summary, written);
  });
});

Deno.test("stats: sample sd (n − 1); one value has no sd unless the caller names one", () => {
  assert.equal(mean([1, NaN, 3]), 2);
  assert.equal(sd([1, 2, 3, 4]), Math.sqrt(5 / 3));
  assert.ok(Number.isNaN(sd([7])));
  assert.equal(sd([7], 0), 0);
  assert.ok(Number.isNaN(sd([])));
  assert.deepEqual(meanSd([2, NaN, 4]), { mean: 3, sd: Math.SQRT2 });
  // the report draws one seed with a zero-width error bar, from the same sd
  assert.equal(reportSd([7]), 0);
  assert.equal(reportSd([1, 2, 3, 4]), sd([1, 2, 3, 4]));
});
