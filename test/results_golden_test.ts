/**
 * Golden-file test of the results schema: the micro-suite (`microSuite` in `harness_helpers.ts`)
 * must produce the same `runs.csv`, `history.csv` and `summary.csv` (two widths, two seeds) as the files under
 * `test/data/golden/`, recorded before the results module was introduced (issue 19) and again
 * for the fused cross-entropy (issue 12: the loss column moved by 1e-6, nothing else), timing
 * columns aside. Record them again only for an intended change of the results:
 * `PRUNEBENCH_RECORD_GOLDEN=1 deno test -A --preload test/_quiet_tfjs.ts test/results_golden_test.ts`.
 */
import assert from "node:assert/strict";
import { bench } from "../src/harness/bench.ts";
import {
  comparableHistory,
  comparableRuns,
  microSuite,
  parseCsv,
  withTempDir,
  WORKER,
} from "./harness_helpers.ts";

const GOLDEN = new URL("./data/golden/", import.meta.url).pathname;
/**
 * The micro-suite with two widths and two seeds, so that the sample sd and the width robustness
 * columns of `summary.csv` are filled.
 */
const suite = () =>
  microSuite("micro", {
    archs: [{ id: "lenet-300-100", widths: [0.1, 0.2] }],
    seeds: [1, 2],
  });
/** Columns of `summary.csv` that measure time, not results. */
const SUMMARY_TIMING = ["measured_speedup_mean"];

/** `summary.csv` rows without the timing columns, in file order (the order is part of the format). */
function comparableSummary(csv: string): Record<string, string>[] {
  return parseCsv(csv).map((r) =>
    Object.fromEntries(Object.entries(r).filter(([k]) => !SUMMARY_TIMING.includes(k)))
  );
}

/** The header line of a CSV. */
const header = (csv: string) => csv.slice(0, csv.indexOf("\n"));

Deno.test("results: the micro-suite reproduces the golden runs.csv, history.csv and summary.csv", async () => {
  await withTempDir(async (out) => {
    await bench(suite(), { out, jobs: 2, workerCommand: WORKER });
    const files = ["runs.csv", "history.csv", "summary.csv"];
    const got = Object.fromEntries(
      files.map((f) => [f, Deno.readTextFileSync(`${out}/micro/${f}`)]),
    );
    if (Deno.env.get("PRUNEBENCH_RECORD_GOLDEN") === "1") {
      for (const f of files) Deno.writeTextFileSync(`${GOLDEN}${f}`, got[f]);
      return;
    }
    const want = Object.fromEntries(
      files.map((f) => [f, Deno.readTextFileSync(`${GOLDEN}${f}`)]),
    );
    for (const f of files) assert.equal(header(got[f]), header(want[f]), `${f} header`);
    assert.deepEqual(comparableRuns(got["runs.csv"]), comparableRuns(want["runs.csv"]));
    assert.deepEqual(
      comparableHistory(got["history.csv"]),
      comparableHistory(want["history.csv"]),
    );
    assert.deepEqual(
      comparableSummary(got["summary.csv"]),
      comparableSummary(want["summary.csv"]),
    );
  });
});
