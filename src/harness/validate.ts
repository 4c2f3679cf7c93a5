/**
 * Up-front validation of a suite: every problem (unknown method, architecture, dataset or
 * hyperparameter, bad widths or seeds, bad recipe) is collected and reported in one
 * {@linkcode ConfigError} before any training starts.
 *
 * @module
 */
import { ConfigError } from "../util/errors.ts";
import { ARCHITECTURES } from "../models/registry.ts";
import { modelOptionProblems } from "../models/options.ts";
import { METHODS, resolveConfig } from "../methods/registry.ts";
import { DATASET_IDS } from "../data/mod.ts";
import type { MethodSpec } from "../methods/types.ts";
import { gridPoints, type SuiteSpec } from "./suite.ts";

const q = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(", ");

/** True when `id` names a registered dataset (`imagefolder:<path>` and `synthetic:*` included). */
export function isKnownDataset(id: string): boolean {
  return (DATASET_IDS as readonly string[]).includes(id) || id.startsWith("imagefolder:");
}

/**
 * Returns every problem of a suite (empty when valid). `extraMethods` are user-supplied specs
 * (from another Deno project) accepted in addition to the registry.
 */
export function suiteProblems(
  suite: SuiteSpec,
  extraMethods: Record<string, MethodSpec<object>> = {},
): string[] {
  const problems: string[] = [];
  const methods: Record<string, MethodSpec<object>> = {
    ...METHODS as Record<string, MethodSpec<object>>,
    ...extraMethods,
  };
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(suite.id ?? "")) {
    problems.push(`Suite id "${suite.id}" must be letters, digits, ".", "_" or "-"`);
  }
  if (!suite.datasets?.length) problems.push("Suite has no datasets");
  for (const d of suite.datasets ?? []) {
    if (!isKnownDataset(d)) {
      problems.push(
        `Unknown dataset "${d}": expected one of ${q(DATASET_IDS)} or "imagefolder:<path>"`,
      );
    }
  }
  if (!suite.archs?.length) problems.push("Suite has no architectures");
  for (const a of suite.archs ?? []) {
    if (!Object.hasOwn(ARCHITECTURES, a.id)) {
      problems.push(
        `Unknown architecture "${a.id}": expected one of ${q(Object.keys(ARCHITECTURES))}`,
      );
    }
    if (!a.widths?.length) problems.push(`Architecture "${a.id}" has no widths`);
    for (const w of a.widths ?? []) {
      if (typeof w !== "number" || !(w > 0) || !Number.isFinite(w)) {
        problems.push(
          `Width ${JSON.stringify(w)} of architecture "${a.id}" must be a positive number`,
        );
      }
    }
    for (const d of a.datasets ?? []) {
      if (!suite.datasets.includes(d)) {
        problems.push(`Architecture "${a.id}" names dataset "${d}", which the suite does not list`);
      }
    }
  }
  if (!suite.methods?.length) problems.push("Suite has no methods");
  for (const m of suite.methods ?? []) {
    const spec = methods[m.id];
    if (!spec) {
      problems.push(`Unknown method "${m.id}": expected one of ${q(Object.keys(methods))}`);
      continue;
    }
    for (const [k, vs] of Object.entries(m.grid ?? {})) {
      if (!Array.isArray(vs) || vs.length === 0) {
        problems.push(`Grid "${k}" of method "${m.id}" must be a non-empty array`);
      }
    }
    for (const point of gridPoints(m.grid)) {
      problems.push(...resolveConfig(spec, { ...(m.hparams ?? {}), ...point }).problems);
    }
    for (const a of m.archs ?? []) {
      if (!(suite.archs ?? []).some((x) => x.id === a)) {
        problems.push(`Method "${m.id}" names architecture "${a}", which the suite does not list`);
      }
    }
    problems.push(...modelOptionProblems(m.recipe?.model ?? {}));
  }
  if (!suite.seeds?.length) problems.push("Suite has no seeds");
  for (const s of suite.seeds ?? []) {
    if (!Number.isInteger(s) || s < 0) {
      problems.push(`Seed ${JSON.stringify(s)} must be a non-negative integer`);
    }
  }
  if (new Set(suite.seeds).size !== suite.seeds?.length) problems.push("Seeds must be unique");
  const r = suite.recipe;
  if (!r) problems.push("Suite has no recipe");
  else {
    if (!Number.isInteger(r.epochs) || r.epochs < 1) {
      problems.push(`Recipe epochs ${r.epochs} must be an integer ≥ 1`);
    }
    if (!Number.isInteger(r.batchSize) || r.batchSize < 1) {
      problems.push(`Recipe batchSize ${r.batchSize} must be an integer ≥ 1`);
    }
    if (!["adam", "sgd"].includes(r.optimizer?.kind)) {
      problems.push(`Recipe optimizer must be "adam" or "sgd"`);
    }
    if (!(r.optimizer?.lr > 0)) {
      problems.push(`Recipe learning rate ${r.optimizer?.lr} must be > 0`);
    }
    problems.push(...modelOptionProblems(r.model ?? {}));
  }
  return [...new Set(problems)];
}

/** Throws a {@linkcode ConfigError} listing every problem of the suite, if any. */
export function validateSuite(
  suite: SuiteSpec,
  extraMethods: Record<string, MethodSpec<object>> = {},
): void {
  const problems = suiteProblems(suite, extraMethods);
  if (problems.length) throw new ConfigError(problems, `suite "${suite.id}"`);
}
