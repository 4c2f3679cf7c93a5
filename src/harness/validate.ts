/**
 * Up-front validation of a suite and the command's options: every problem is collected and
 * reported in one {@linkcode ConfigError} before any folder is made or any training starts:
 *
 * - unknown keys anywhere (a typo such as `hparam` or `epochz` names the closest valid key);
 * - unknown methods, architectures, datasets and backends (with the closest valid name);
 * - the suite recipe and every per-architecture and per-method `recipe` override: epochs and
 *   batch size whole numbers ≥ 1, a finite learning rate > 0, limits and latency settings ≥ 1,
 *   and the batch size at most the training examples a run uses (its `trainLimit`, or the
 *   dataset's size when known);
 * - hyperparameters: known keys, the default's type, and the ranges each method's spec declares,
 *   for every grid point;
 * - duplicate datasets, widths, seeds, grid values and duplicate runs (two method entries that
 *   expand to the same run);
 * - NaN and ±Infinity anywhere, named by their location (`methods[1].grid.lambda[0]`).
 *
 * @module
 */
import { closestName, ConfigError } from "../util/errors.ts";
import { ARCHITECTURES } from "../models/registry.ts";
import { METHODS, resolveConfig } from "../methods/registry.ts";
import { DATASET_IDS, listDatasets } from "../data/mod.ts";
import { BACKENDS } from "../runtime/backend.ts";
import type { MethodSpec } from "../methods/types.ts";
import { parseShard } from "./shard.ts";
import { canonicalJson } from "./run_id.ts";
import {
  type ArchEntry,
  expandSuite,
  type MethodEntry,
  type RunConfig,
  type SuiteSpec,
} from "./suite.ts";
import { resolveRecipe } from "./identity.ts";

import {
  duplicates,
  isObj,
  nonFinite,
  q,
  recipeProblems,
  show,
  unknownKeys,
  wholeAtLeast,
} from "./validate_recipe.ts";

const SUITE_KEYS = {
  id: 1,
  description: 1,
  datasets: 1,
  archs: 1,
  methods: 1,
  seeds: 1,
  recipe: 1,
  methodModules: 1,
} satisfies Record<keyof SuiteSpec, 1>;
const ARCH_KEYS = { id: 1, widths: 1, datasets: 1, recipe: 1 } satisfies Record<keyof ArchEntry, 1>;
const METHOD_KEYS = { id: 1, hparams: 1, grid: 1, recipe: 1, archs: 1, widths: 1 } satisfies Record<
  keyof MethodEntry,
  1
>;

/** True when `id` names a registered dataset (`imagefolder:<path>` and `synthetic:*` included). */
export function isKnownDataset(id: string): boolean {
  return (DATASET_IDS as readonly string[]).includes(id) || id.startsWith("imagefolder:");
}

/** Training-set size of a dataset id when known without loading it. */
function trainSize(dataset: string): number | null {
  return listDatasets().find((d) => d.id === dataset)?.train ?? null;
}

function listProblems(
  xs: unknown,
  where: string,
  check: (x: unknown, at: string) => string | null,
): string[] {
  if (!Array.isArray(xs) || xs.length === 0) return [`${where} must be a non-empty array`];
  const p = xs.map((x, i) => check(x, `${where}[${i}]`)).filter((x): x is string => !!x);
  for (const d of duplicates(xs)) p.push(`${where} lists ${show(d)} more than once`);
  return p;
}

function archProblems(suite: SuiteSpec): string[] {
  const p: string[] = [];
  const archIds = Object.keys(ARCHITECTURES);
  if (!Array.isArray(suite.archs) || !suite.archs.length) {
    return ["archs must be a non-empty array"];
  }
  suite.archs.forEach((a, i) => {
    const where = `archs[${i}]`;
    if (!isObj(a)) return void p.push(`${where} must be an object: got ${show(a)}`);
    p.push(...unknownKeys(a, Object.keys(ARCH_KEYS), where));
    if (!Object.hasOwn(ARCHITECTURES, a.id)) {
      const near = closestName(String(a.id), archIds);
      p.push(
        `Unknown architecture "${a.id}" (${where}.id): ${
          near ? `did you mean "${near}"? ` : ""
        }expected one of ${q(archIds)}`,
      );
    }
    p.push(
      ...listProblems(
        a.widths,
        `${where}.widths`,
        (w, at) =>
          typeof w === "number" && w > 0 && Number.isFinite(w)
            ? null
            : `Width ${show(w)} (${at}) must be a positive number`,
      ),
    );
    for (const d of a.datasets ?? []) {
      if (!suite.datasets?.includes(d)) {
        p.push(`${where}.datasets names "${d}", which the suite's datasets do not list`);
      }
    }
    if (a.recipe !== undefined) p.push(...recipeProblems(a.recipe, `${where}.recipe`, true));
  });
  return p;
}

function methodProblems(suite: SuiteSpec, methods: Record<string, MethodSpec<object>>): string[] {
  const p: string[] = [];
  const ids = Object.keys(methods);
  if (!Array.isArray(suite.methods) || !suite.methods.length) {
    return ["methods must be a non-empty array"];
  }
  suite.methods.forEach((m, i) => {
    const where = `methods[${i}]`;
    if (!isObj(m)) return void p.push(`${where} must be an object: got ${show(m)}`);
    p.push(...unknownKeys(m, Object.keys(METHOD_KEYS), where));
    if (m.recipe !== undefined) p.push(...recipeProblems(m.recipe, `${where}.recipe`, true));
    if (m.archs !== undefined && !Array.isArray(m.archs)) {
      p.push(`${where}.archs must be an array of architecture ids: got ${show(m.archs)}`);
    }
    for (const a of Array.isArray(m.archs) ? m.archs : []) {
      if (!(Array.isArray(suite.archs) ? suite.archs : []).some((x) => x?.id === a)) {
        p.push(`${where}.archs names architecture "${a}", which the suite does not list`);
      }
    }
    if (
      m.widths !== undefined &&
      !(Array.isArray(m.widths) && m.widths.every((w) => typeof w === "number" && w > 0))
    ) {
      p.push(
        `${where}.widths must be an array of positive width multipliers: got ${show(m.widths)}`,
      );
    }
    if (m.hparams !== undefined && !isObj(m.hparams)) {
      p.push(`${where}.hparams must be an object: got ${show(m.hparams)}`);
    }
    if (m.grid !== undefined && !isObj(m.grid)) {
      return void p.push(`${where}.grid must be an object of arrays: got ${show(m.grid)}`);
    }
    for (const [k, vs] of Object.entries(m.grid ?? {})) {
      if (!Array.isArray(vs) || vs.length === 0) {
        p.push(`${where}.grid.${k} must be a non-empty array`);
      } else {
        for (const d of duplicates(vs)) {
          p.push(`${where}.grid.${k} lists ${show(d)} more than once`);
        }
      }
    }
    const spec = methods[m.id];
    if (!spec) {
      const near = closestName(String(m.id), ids);
      return void p.push(
        `Unknown method "${m.id}" (${where}.id): ${
          near ? `did you mean "${near}"? ` : ""
        }expected one of ${q(ids)}`,
      );
    }
    const grid = Object.fromEntries(
      Object.entries(m.grid ?? {}).filter(([, vs]) => Array.isArray(vs) && vs.length),
    );
    for (const point of gridPointsOf(grid)) {
      p.push(...resolveConfig(spec, { ...(isObj(m.hparams) ? m.hparams : {}), ...point }).problems);
    }
  });
  return p;
}

function gridPointsOf(grid: Record<string, unknown[]>): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const k of Object.keys(grid).sort()) {
    out = out.flatMap((pt) => grid[k].map((v) => ({ ...pt, [k]: v })));
  }
  return out;
}

/** True when the suite's lists and entries have the shapes the combination checks walk. */
function walkable(suite: SuiteSpec): boolean {
  return Array.isArray(suite.datasets) && Array.isArray(suite.seeds) && isObj(suite.recipe) &&
    Array.isArray(suite.archs) && suite.archs.every((a) => isObj(a) && Array.isArray(a.widths)) &&
    Array.isArray(suite.methods) &&
    suite.methods.every((m) =>
      isObj(m) && (m.hparams === undefined || isObj(m.hparams)) &&
      (m.grid === undefined ||
        (isObj(m.grid) && Object.values(m.grid).every((v) => Array.isArray(v) && v.length > 0)))
    );
}

/**
 * Checks that need the combination of entries: the batch size of every dataset × architecture ×
 * method recipe against the training examples it uses, and runs planned more than once (e.g. two
 * method entries that resolve to the same hyperparameters).
 */
function combinationProblems(
  suite: SuiteSpec,
  methods: Record<string, MethodSpec<object>>,
): string[] {
  const p: string[] = [];
  for (const dataset of suite.datasets) {
    for (const a of suite.archs) {
      if (a.datasets && !a.datasets.includes(dataset)) continue;
      for (const m of suite.methods) {
        if (m.archs && !m.archs.includes(a.id)) continue;
        const r = { ...suite.recipe, ...(a.recipe ?? {}), ...(m.recipe ?? {}) };
        const n = Math.min(r.trainLimit ?? Infinity, trainSize(dataset) ?? Infinity);
        if (Number.isFinite(n) && r.batchSize > n) {
          p.push(
            `batchSize ${r.batchSize} of "${m.id}" on ${a.id}/${dataset} is larger than the ${n} ` +
              `training examples it uses (${r.trainLimit ? "trainLimit" : "the dataset"}): ` +
              `lower batchSize or raise trainLimit`,
          );
        }
      }
    }
  }
  const counts = new Map<string, { n: number; c: RunConfig }>();
  for (const c of expandSuite(suite)) {
    const spec = methods[c.method];
    if (!spec) continue;
    const resolved = resolveConfig(spec, c.hparams);
    if (resolved.problems.length) continue;
    const key = canonicalJson({ ...c, hparams: resolved.config, recipe: resolveRecipe(c.recipe) });
    const e = counts.get(key) ?? { n: 0, c };
    e.n++;
    counts.set(key, e);
  }
  for (const { n, c } of counts.values()) {
    if (n < 2) continue;
    p.push(
      `The run "${c.method}" ${show(c.hparams)} on ${c.arch}@${c.width}/${c.dataset} seed ` +
        `${c.seed} is planned ${n} times (duplicate method or architecture entries resolve to ` +
        `the same run): remove the duplicates`,
    );
  }
  return [...new Set(p)];
}

/**
 * Returns every problem of a suite (empty when valid). `extraMethods` are user-supplied specs
 * (from another Deno project) accepted in addition to the registry.
 */
export function suiteProblems(
  suite: SuiteSpec,
  extraMethods: Record<string, MethodSpec<object>> = {},
): string[] {
  if (!isObj(suite)) return [`A suite must be an object: got ${show(suite)}`];
  const methods: Record<string, MethodSpec<object>> = {
    ...METHODS as Record<string, MethodSpec<object>>,
    ...extraMethods,
  };
  const infinite = nonFinite(suite, "suite");
  const p = [...infinite, ...unknownKeys(suite, Object.keys(SUITE_KEYS), "the suite")];
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(String(suite.id ?? ""))) {
    p.push(`Suite id "${suite.id}" must be letters, digits, ".", "_" or "-"`);
  }
  p.push(
    ...listProblems(
      suite.datasets,
      "datasets",
      (d) =>
        isKnownDataset(String(d))
          ? null
          : `Unknown dataset "${d}": ${
            closestName(String(d), DATASET_IDS)
              ? `did you mean "${closestName(String(d), DATASET_IDS)}"? `
              : ""
          }expected one of ${q(DATASET_IDS)} or "imagefolder:<path>"`,
    ),
  );
  p.push(...archProblems(suite));
  p.push(...methodProblems(suite, methods));
  p.push(
    ...listProblems(
      suite.seeds,
      "seeds",
      (s, at) =>
        Number.isInteger(s) && (s as number) >= 0
          ? null
          : `Seed ${show(s)} (${at}) must be a non-negative integer`,
    ),
  );
  if (suite.recipe === undefined) p.push("The suite has no recipe");
  else p.push(...recipeProblems(suite.recipe, "recipe", false));
  if (
    suite.methodModules !== undefined &&
    !(Array.isArray(suite.methodModules) && suite.methodModules.every((m) => typeof m === "string"))
  ) {
    p.push(`methodModules must be an array of module paths or URLs`);
  }
  if (walkable(suite) && !infinite.length) p.push(...combinationProblems(suite, methods));
  return [...new Set(p)];
}

/** Options of a bench invocation that validation checks with the suite. */
export interface OptionsToCheck {
  /** `--backend`. */
  backend?: string;
  /** `--jobs`. */
  jobs?: number;
  /** `--shard`. */
  shard?: string;
}

/** Problems of the command's options (backend, jobs, shard), with the flag that set them. */
export function optionProblems(o: OptionsToCheck): string[] {
  const p: string[] = [];
  if (o.backend !== undefined && !(BACKENDS as readonly string[]).includes(o.backend)) {
    const near = closestName(o.backend, BACKENDS);
    p.push(
      `Unknown --backend "${o.backend}": ${near ? `did you mean "${near}"? ` : ""}expected one ` +
        `of ${q(BACKENDS)}`,
    );
  }
  if (o.jobs !== undefined && !wholeAtLeast(o.jobs, 1)) {
    p.push(`--jobs ${o.jobs} must be a whole number ≥ 1`);
  }
  if (o.shard !== undefined) {
    try {
      parseShard(o.shard);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      p.push(...e.problems);
    }
  }
  return p;
}

/**
 * Throws a {@linkcode ConfigError} listing every problem of the suite and of the options (and
 * `extra` problems, e.g. of command-line flags), if any.
 */
export function validateSuite(
  suite: SuiteSpec,
  extraMethods: Record<string, MethodSpec<object>> = {},
  options: OptionsToCheck = {},
  extra: readonly string[] = [],
): void {
  const problems = [...extra, ...optionProblems(options), ...suiteProblems(suite, extraMethods)];
  if (problems.length) throw new ConfigError(problems, `suite "${suite?.id}"`);
}
