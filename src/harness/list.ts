/**
 * `list [suites|methods|archs|datasets]`: what can be benchmarked.
 *
 * @module
 */
import { SUITES } from "../../benchmarks/suites/mod.ts";
import { METHODS } from "../methods/registry.ts";
import { ARCHITECTURES, getArch } from "../models/registry.ts";
import { listDatasets } from "../data/mod.ts";
import { inferShapes } from "../models/build.ts";
import { expandSuite } from "./suite.ts";
import { ConfigError, notFoundMessage } from "../util/errors.ts";
import { parseArgs } from "node:util";
import { plannedData } from "./manifest.ts";

function table(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i])).join("  ").trimEnd()).join("\n");
}

const SECTIONS: Record<string, (dataDir?: string) => string> = {
  suites: () =>
    table([
      ["suite", "runs", "description"],
      ...Object.values(SUITES).map((s) => [s.id, String(expandSuite(s).length), s.description]),
    ]),
  methods: () =>
    table([
      ["method", "granularity", "summary"],
      ...Object.values(METHODS).map((m) => [m.id, m.granularities.join("/"), m.summary]),
    ]),
  archs: () =>
    table([
      ["architecture", "params (width 1)", "gated groups"],
      ...Object.keys(ARCHITECTURES).map((id) => {
        const s = inferShapes(getArch(id));
        const params = s.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
        return [
          id,
          params.toLocaleString("en-US"),
          s.groups.map((g) => `${g.id}(${g.initialSize})`).join(" "),
        ];
      }),
    ]),
  datasets: (dataDir) =>
    table([
      ["dataset", "train", "test", "input", "loads from"],
      ...listDatasets({ dataDir }).map((d) => [
        d.id,
        d.train === null ? "as found" : String(d.train),
        d.test === null ? "as found" : String(d.test),
        d.inputShape.length ? `[${d.inputShape}]` : "of the images",
        plannedData([d.id], dataDir)[d.id]?.fallback
          ? `${d.source} (not in the data directory)`
          : d.source,
      ]),
    ]),
};

/**
 * Prints the requested sections; returns the exit code. `--data-dir` shows where datasets load
 * from with that data directory (as `bench --data-dir` would load them).
 */
export function listCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { "data-dir": { type: "string" } },
  });
  const which = positionals.length ? positionals : Object.keys(SECTIONS);
  for (const w of which) {
    if (!Object.hasOwn(SECTIONS, w)) {
      throw new ConfigError([notFoundMessage("list section", w, Object.keys(SECTIONS))]);
    }
    console.log(`${w}:\n${SECTIONS[w](values["data-dir"])}\n`);
  }
  return Promise.resolve(0);
}
