/**
 * Validation helpers shared by the suite checks (`validate.ts`): unknown keys with the closest
 * valid name, NaN/Infinity by location, duplicates, and the checks of a recipe or a recipe
 * override (`recipe`, `archs[i].recipe`, `methods[i].recipe`).
 *
 * @module
 */
import { modelOptionProblems } from "../models/options.ts";
import { closestName, ConfigError } from "../util/errors.ts";
import { resolveOptimizer } from "../train/optimizers.ts";
import { makeSchedule } from "../train/schedules.ts";
import type { RecipeSpec } from "./suite.ts";

/** Quoted, comma-separated. */
export const q = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(", ");
/** JSON of a value for messages. */
export const show = (v: unknown) => JSON.stringify(v) ?? String(v);
/** A plain object. */
export type Obj = Record<string, unknown>;
/** True for a plain object. */
export const isObj = (v: unknown): v is Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const RECIPE_KEYS = {
  epochs: 1,
  batchSize: 1,
  optimizer: 1,
  schedule: 1,
  ema: 1,
  augment: 1,
  normalize: 1,
  trainLimit: 1,
  testLimit: 1,
  maxStepsPerEpoch: 1,
  latency: 1,
  model: 1,
} satisfies Record<keyof RecipeSpec, 1>;
const OPTIMIZER_KEYS = [
  "kind",
  "lr",
  "momentum",
  "nesterov",
  "beta1",
  "beta2",
  "epsilon",
  "weightDecay",
  "weightDecayMode",
  "schedule",
  "schedulePower",
];
const SCHEDULE_KEYS = ["kind", "milestones", "gamma", "minLr", "warmupEpochs"];
const LATENCY_KEYS = ["batch", "repeats"];

/** "Unknown key" problems of `obj` at `where`, each with the closest valid key. */
export function unknownKeys(obj: unknown, valid: readonly string[], where: string): string[] {
  if (!isObj(obj)) return [];
  return Object.keys(obj).filter((k) => !valid.includes(k)).map((k) => {
    const near = closestName(k, valid);
    return `Unknown key "${k}" in ${where}: ${near ? `did you mean "${near}"? ` : ""}expected ` +
      `one of ${q(valid)}`;
  });
}

/** NaN and ±Infinity anywhere in `v`, by location. */
export function nonFinite(v: unknown, where: string): string[] {
  if (typeof v === "number" && !Number.isFinite(v)) {
    return [`${where} is ${v}: use a finite number`];
  }
  if (Array.isArray(v)) return v.flatMap((x, i) => nonFinite(x, `${where}[${i}]`));
  if (isObj(v)) return Object.entries(v).flatMap(([k, x]) => nonFinite(x, `${where}.${k}`));
  return [];
}

/** Values that occur more than once. */
export function duplicates(xs: readonly unknown[]): unknown[] {
  const seen = new Set<string>(), dup = new Set<string>();
  for (const x of xs) (seen.has(show(x)) ? dup : seen).add(show(x));
  return [...dup].map((s) => JSON.parse(s));
}

/** True for a whole number ≥ `min`. */
export const wholeAtLeast = (v: unknown, min: number) =>
  typeof v === "number" && Number.isInteger(v) && v >= min;

/** Problems of a recipe or a recipe override (`partial`) at `where`. */
export function recipeProblems(r: unknown, where: string, partial: boolean): string[] {
  if (!isObj(r)) return [`${where} must be an object: got ${show(r)}`];
  const p = unknownKeys(r, Object.keys(RECIPE_KEYS), where);
  const has = (k: string) => Object.hasOwn(r, k) && r[k] !== undefined;
  if (has("model")) {
    if (!isObj(r.model)) p.push(`${where}.model must be an object: got ${show(r.model)}`);
    else {
      p.push(...unknownKeys(r.model, ["init", "convBias"], `${where}.model`));
      p.push(...modelOptionProblems(r.model).map((m) => `${where}.${m}`));
    }
  }
  if (!partial) {
    for (const k of ["epochs", "batchSize", "optimizer"]) {
      if (!has(k)) p.push(`${where}.${k} is required`);
    }
  }
  for (const k of ["epochs", "batchSize", "trainLimit", "testLimit", "maxStepsPerEpoch"]) {
    if (has(k) && !wholeAtLeast(r[k], 1)) {
      p.push(`${where}.${k} must be a whole number ≥ 1: got ${show(r[k])}`);
    }
  }
  if (has("optimizer")) {
    const o = r.optimizer;
    if (!isObj(o)) p.push(`${where}.optimizer must be an object: got ${show(o)}`);
    else {
      p.push(...unknownKeys(o, OPTIMIZER_KEYS, `${where}.optimizer`));
      if (!(typeof o.lr === "number" && Number.isFinite(o.lr) && o.lr > 0)) {
        p.push(`${where}.optimizer.lr must be a finite number > 0: got ${show(o.lr)}`);
      }
      try {
        resolveOptimizer(o as unknown as RecipeSpec["optimizer"]);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        p.push(
          ...e.problems.filter((x) => !x.startsWith("lr ")).map((x) => `${where}.optimizer.${x}`),
        );
      }
    }
  }
  if (has("schedule")) {
    const s = r.schedule;
    if (!isObj(s)) p.push(`${where}.schedule must be an object: got ${show(s)}`);
    else {
      p.push(...unknownKeys(s, SCHEDULE_KEYS, `${where}.schedule`));
      try {
        makeSchedule(s as never, { stepsPerEpoch: 1, totalSteps: 1, baseLr: 1 });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        p.push(...e.problems.map((x) => `${where}.schedule.${x}`));
      }
    }
  }
  if (has("ema") && r.ema !== null && !(typeof r.ema === "number" && r.ema > 0 && r.ema < 1)) {
    p.push(`${where}.ema must be in (0, 1) or null: got ${show(r.ema)}`);
  }
  if (has("augment") && !["none", "crop-flip"].includes(r.augment as string)) {
    p.push(`${where}.augment must be "none" or "crop-flip": got ${show(r.augment)}`);
  }
  if (has("normalize") && typeof r.normalize !== "boolean") {
    p.push(`${where}.normalize must be true or false: got ${show(r.normalize)}`);
  }
  if (has("latency")) {
    const l = r.latency;
    if (!isObj(l)) p.push(`${where}.latency must be an object: got ${show(l)}`);
    else {
      p.push(...unknownKeys(l, LATENCY_KEYS, `${where}.latency`));
      for (const k of LATENCY_KEYS) {
        if (!wholeAtLeast(l[k], 1)) {
          p.push(`${where}.latency.${k} must be a whole number ≥ 1: got ${show(l[k])}`);
        }
      }
    }
  }
  return p;
}
