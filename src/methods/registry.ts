/**
 * The method registry: an explicit literal of every built-in {@linkcode MethodSpec} (no import
 * side effects), lookup by id, and validation of hyperparameter overrides against a spec's
 * defaults. User-supplied specs need no registration: {@linkcode resolveConfig} and the harness
 * accept any `MethodSpec` (see custom_example.ts).
 *
 * @module
 */
import type { HyperparameterRange, MethodSpec } from "./types.ts";
import { closestName, lookup } from "../util/errors.ts";
import { dense } from "./dense.ts";
import { magnitude } from "./magnitude.ts";
import { gmp } from "./gmp.ts";
import { random } from "./random.ts";
import { l0HardConcrete } from "./l0_hard_concrete.ts";
import { diffprune } from "./diffprune.ts";
import { VBP as vbp } from "./vbp.ts";
import { DAM as dam } from "./dam.ts";
import { HALO as halo } from "./halo.ts";
import { randomUnit } from "./random_unit.ts";

/**
 * Built-in methods by id (ids match docs/methods.md).
 *
 * @example
 * ```ts
 * import { METHODS } from "./registry.ts";
 * if (METHODS["l0-hc"].defaults.lambda !== 0.1) throw new Error();
 * ```
 */
export const METHODS = {
  dense,
  magnitude,
  gmp,
  random,
  "l0-hc": l0HardConcrete,
  diffprune,
  vbp,
  dam,
  halo,
  "random-unit": randomUnit,
  // deno-lint-ignore no-explicit-any
} as const satisfies Record<string, MethodSpec<any>>;

/** A built-in method id. */
export type MethodId = keyof typeof METHODS;

/**
 * The built-in method `id`; throws a `RangeError` listing the valid ids.
 *
 * @example
 * ```ts
 * import { getMethod } from "./registry.ts";
 * if (getMethod("gmp").id !== "gmp") throw new Error();
 * try { getMethod("nope"); } catch (e) { if (!(e instanceof RangeError)) throw e; }
 * ```
 */
// deno-lint-ignore no-explicit-any
export function getMethod(id: string): MethodSpec<any> {
  return lookup(METHODS, id, "pruning method");
}

/** Result of {@linkcode resolveConfig}. */
export interface ResolvedConfig<C> {
  /** Defaults merged with the valid overrides (deep copies: safe to mutate). */
  config: C;
  /** Every problem found, one sentence each (empty when valid). */
  problems: string[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const describe = (
  v: unknown,
): string => (Array.isArray(v) ? "an array" : v === null ? "null" : `a ${typeof v}`);

const show = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

const sameType = (a: unknown, b: unknown): boolean => typeof a === typeof b;

/** A problem with `value` given `def` as the template (null = ok). */
function typeProblem(value: unknown, def: unknown): string | null {
  if (def === null || def === undefined) return null;
  if (Array.isArray(def)) {
    if (!Array.isArray(value)) return "must be an array";
    const want = def.length ? typeof def[0] : null;
    const bad = value.find((
      x,
    ) => (want ? !sameType(x, def[0]) : !["string", "number", "boolean"].includes(typeof x)));
    if (bad !== undefined) {
      return `must be an array of ${want ?? "primitive"}s: element ${show(bad)} is ${
        describe(bad)
      }`;
    }
    if (want === "number" && value.some((x) => !Number.isFinite(x))) {
      return "must contain finite numbers";
    }
    return null;
  }
  if (isPlainObject(def)) {
    if (!isPlainObject(value)) return "must be an object";
    const sample = Object.values(def)[0];
    for (const [k, x] of Object.entries(value)) {
      const ok = sample === undefined
        ? typeof x === "number" && Number.isFinite(x)
        : sameType(x, sample);
      if (!ok) return `has entry "${k}" of the wrong type (${describe(x)})`;
    }
    return null;
  }
  if (typeof value !== typeof def) return `must be a ${typeof def}`;
  if (typeof value === "number" && !Number.isFinite(value)) return "must be a finite number";
  return null;
}

/** The value(s) of a hyperparameter a range applies to: the number, array elements, record values. */
function rangeValues(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isPlainObject(v)) return Object.values(v);
  return [v];
}

/** What is wrong with `value` given its declared range (null = ok). */
export function rangeProblem(value: unknown, r: HyperparameterRange): string | null {
  for (const x of rangeValues(value)) {
    if (x === null || x === undefined) continue;
    if (r.oneOf && !r.oneOf.includes(x as string)) {
      return `must be one of ${r.oneOf.map(show).join(", ")}`;
    }
    if (typeof x !== "number") continue;
    const fails: [boolean | undefined, string][] = [
      [r.integer && !Number.isInteger(x), "a whole number"],
      [r.min !== undefined && !(x >= r.min), `≥ ${r.min}`],
      [r.max !== undefined && !(x <= r.max), `≤ ${r.max}`],
      [r.above !== undefined && !(x > r.above), `> ${r.above}`],
      [r.below !== undefined && !(x < r.below), `< ${r.below}`],
    ];
    if (fails.some(([bad]) => bad)) {
      const bounds = [
        r.min !== undefined ? `≥ ${r.min}` : r.above !== undefined ? `> ${r.above}` : "",
        r.max !== undefined ? `≤ ${r.max}` : r.below !== undefined ? `< ${r.below}` : "",
      ].filter(Boolean).join(" and ");
      const want = r.integer ? `a whole number${bounds ? ` ${bounds}` : ""}` : bounds;
      return Array.isArray(value) || isPlainObject(value)
        ? `must contain only values ${want}: ${show(x)} is not`
        : `must be ${want}`;
    }
  }
  return null;
}

/**
 * Merges `overrides` into `spec.defaults`, checking every key exists (an unknown one names the
 * closest valid key), every value has the default's type (arrays element-wise, objects
 * value-wise; an empty default array takes primitives, an empty default object finite numbers,
 * e.g. per-group λ), and every value lies in the range the spec declares (`spec.ranges`). All
 * problems are returned at once; constraints that involve several hyperparameters or the network
 * are checked by the method's `create` (a `ConfigError`).
 *
 * @example
 * ```ts
 * import { getMethod, resolveConfig } from "./registry.ts";
 * const { problems } = resolveConfig(getMethod("l0-hc"), { foo: 1, lambda: "x" });
 * if (problems.length !== 2) throw new Error(problems.join("\n"));
 * // problems[0]: Unknown hyperparameter "foo" for method "l0-hc": expected one of "lambda", …
 * ```
 */
export function resolveConfig<C extends object>(
  spec: MethodSpec<C>,
  overrides: Readonly<Record<string, unknown>> = {},
): ResolvedConfig<C> {
  const config = structuredClone(spec.defaults) as C;
  const defaults = spec.defaults as Record<string, unknown>;
  const keys = Object.keys(defaults);
  const problems: string[] = [];
  for (const [k, v] of Object.entries(overrides)) {
    if (!Object.hasOwn(defaults, k)) {
      const near = closestName(k, keys);
      problems.push(
        `Unknown hyperparameter "${k}" for method "${spec.id}": ${
          near ? `did you mean "${near}"? ` : ""
        }expected one of ${keys.map((x) => `"${x}"`).join(", ")}`,
      );
      continue;
    }
    const p = typeProblem(v, defaults[k]);
    if (p) problems.push(`Hyperparameter "${k}" of method "${spec.id}" ${p}: got ${show(v)}`);
    else (config as Record<string, unknown>)[k] = structuredClone(v);
  }
  const ranges = (spec.ranges ?? {}) as Record<string, HyperparameterRange | undefined>;
  for (const [k, r] of Object.entries(ranges)) {
    const v = (config as Record<string, unknown>)[k];
    const p = r && Object.hasOwn(overrides, k) ? rangeProblem(v, r) : null;
    if (p) problems.push(`Hyperparameter "${k}" of method "${spec.id}" ${p}: got ${show(v)}`);
  }
  return { config, problems };
}
