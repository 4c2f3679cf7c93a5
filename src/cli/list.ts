/**
 * `list [suites|methods|archs|datasets|<id>]`: what can be benchmarked, or one entry in detail.
 *
 * @module
 */
import { METHODS } from "../methods/registry.ts";
import { ARCHITECTURES, getArch } from "../models/registry.ts";
import { listDatasets } from "../data/mod.ts";
import { inferShapes } from "../models/build.ts";
import { expandSuite, type SuiteSpec } from "../harness/suite.ts";
import { ConfigError, notFoundMessage } from "../util/errors.ts";
import { parseArgs } from "node:util";
import { plannedData } from "../harness/manifest.ts";
import { parse } from "./parse.ts";
import { commandScopes } from "./permissions.ts";
import { ensureScopes } from "./rerun.ts";
import type { HyperparameterRange, MethodSpec } from "../methods/types.ts";

function table(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i])).join("  ").trimEnd()).join("\n");
}

/** Suites by id (the built-in registry, passed in by `cli.ts`). */
export type Suites = Readonly<Record<string, SuiteSpec>>;

const SECTIONS: Record<string, (suites: Suites, dataDir?: string) => string> = {
  suites: (suites) =>
    table([
      ["suite", "runs", "description"],
      ...Object.values(suites).map((s) => [s.id, String(expandSuite(s).length), s.description]),
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
  datasets: (_, dataDir) =>
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

/** Type of a hyperparameter's default, as the help shows it. */
function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return v.length ? `${typeOf(v[0])}[]` : "array";
  if (typeof v === "object") return "record";
  return typeof v;
}

/** Human form of a declared range, e.g. `> 0, < 1`, `one of "unit", "weight"`. */
export function rangeText(r: HyperparameterRange | undefined): string {
  if (!r) return "";
  const parts: string[] = [];
  if (r.min !== undefined) parts.push(`≥ ${r.min}`);
  if (r.above !== undefined) parts.push(`> ${r.above}`);
  if (r.max !== undefined) parts.push(`≤ ${r.max}`);
  if (r.below !== undefined) parts.push(`< ${r.below}`);
  if (r.integer) parts.push("integer");
  if (r.oneOf) parts.push(`one of ${r.oneOf.map((v) => JSON.stringify(v)).join(", ")}`);
  return parts.join(", ");
}

/** One method in detail: summary, citation, and every hyperparameter. */
export function methodDetail(m: MethodSpec): string {
  const defaults = m.defaults as Record<string, unknown>;
  const ranges = (m.ranges ?? {}) as Record<string, HyperparameterRange | undefined>;
  const docs = m.docs as Record<string, string>;
  const rows = Object.keys(defaults).map((k) => [
    k,
    typeOf(defaults[k]),
    JSON.stringify(defaults[k]) ?? "undefined",
    rangeText(ranges[k]) || "any",
  ]);
  const docLines = Object.keys(defaults).map((k) => `  ${k}: ${docs[k] ?? "(undocumented)"}`);
  return [
    `method ${m.id}: ${m.summary}`,
    `citation: ${m.citation}`,
    `granularities: ${m.granularities.join(", ")}`,
    "",
    "hyperparameters (set with --set key=value, or in a suite's method entry):",
    table([["name", "type", "default", "range"], ...rows]).replace(/^/gm, "  "),
    "",
    ...docLines,
  ].join("\n");
}

function archDetail(id: string): string {
  const s = inferShapes(getArch(id));
  const params = s.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  return [
    `architecture ${id}: ${params.toLocaleString("en-US")} parameters at width 1`,
    "gated groups (units at width 1; --width scales them):",
    table([
      ["group", "units"],
      ...s.groups.map((g) => [g.id, String(g.initialSize)]),
    ]).replace(/^/gm, "  "),
  ].join("\n");
}

function suiteDetail(id: string, s: SuiteSpec): string {
  const archs = s.archs.map((a) => `${a.id} (widths ${JSON.stringify(a.widths)})`);
  return [
    `suite ${id}: ${s.description}`,
    `runs: ${expandSuite(s).length}`,
    `datasets: ${s.datasets.join(", ")}`,
    `archs: ${archs.join(", ")}`,
    `methods: ${s.methods.map((m) => m.id).join(", ")}`,
    `seeds: ${s.seeds.join(", ")}`,
    `recipe: ${JSON.stringify(s.recipe)}`,
  ].join("\n");
}

/** The detail of one id (method, arch, dataset or suite), or `null` when it names none. */
function detail(id: string, suites: Suites, dataDir?: string): string | null {
  if (Object.hasOwn(METHODS, id)) {
    return methodDetail((METHODS as Record<string, unknown>)[id] as MethodSpec);
  }
  if (Object.hasOwn(ARCHITECTURES, id)) return archDetail(id);
  if (Object.hasOwn(suites, id)) return suiteDetail(id, suites[id]);
  const d = listDatasets({ dataDir }).find((d) => d.id === id);
  if (d) {
    return [
      `dataset ${d.id}: ${d.label}`,
      `train ${d.train ?? "as found"}, test ${d.test ?? "as found"}, input [${d.inputShape}]`,
      `loads from: ${d.source}`,
    ].join("\n");
  }
  return null;
}

/**
 * Prints the requested sections; returns the exit code. `--data-dir` shows where datasets load
 * from with that data directory (as `bench --data-dir` would load them).
 */
export function listCommand(args: string[], suites: Suites): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { "data-dir": { type: "string" } },
  });
  const which = positionals.length ? positionals : Object.keys(SECTIONS);
  for (const w of which) {
    if (!Object.hasOwn(SECTIONS, w)) {
      const d = detail(w, suites, values["data-dir"]);
      if (d !== null) {
        console.log(`${d}\n`);
        continue;
      }
      throw new ConfigError([
        notFoundMessage("list section or id", w, [
          ...Object.keys(SECTIONS),
          ...Object.keys(METHODS),
          ...Object.keys(ARCHITECTURES),
          ...Object.keys(suites),
        ]),
      ]);
    }
    console.log(`${w}:\n${SECTIONS[w](suites, values["data-dir"])}\n`);
  }
  return Promise.resolve(0);
}

/** `cli.ts list …` (`argv` includes the command name): scopes, then {@linkcode listCommand}. */
export async function listMain(argv: string[], suites: Suites): Promise<number> {
  const rest = argv.slice(1);
  const p = parse("list", rest);
  if (p === null) return 0;
  const scopes = commandScopes({ dataDir: p.values["data-dir"] as string | undefined });
  return await ensureScopes(scopes, argv) ?? await listCommand(rest, suites);
}
