/**
 * Suites as typed data: datasets × architectures × initial widths × methods (with hyperparameter
 * grids) × seeds, plus the training recipe. `expandSuite` turns a suite into fully resolved run
 * configs; each run's identity is the hash of its canonical JSON (see `run_id.ts`).
 *
 * @module
 */
import type { OptimizerConfig } from "../methods/types.ts";
import { moduleUrl } from "./user_methods.ts";

/** Learning-rate schedule of a recipe. */
export type ScheduleSpec =
  | { kind: "constant" }
  | { kind: "multistep"; milestones: number[]; gamma: number }
  | { kind: "cosine"; minLr?: number };

/** The training recipe shared by every method of a suite (same budget for all). */
export interface RecipeSpec {
  /** Training epochs. */
  epochs: number;
  /** Minibatch size. */
  batchSize: number;
  /** Optimizer of the network weights. */
  optimizer: OptimizerConfig;
  /** Learning-rate schedule. @default constant */
  schedule?: ScheduleSpec;
  /** Evaluate with an EMA of the parameters (decay), or null. @default null */
  ema?: number | null;
  /** Data augmentation. @default "none" */
  augment?: "none" | "crop-flip";
  /** Normalise inputs with the dataset's per-channel mean/std. @default false */
  normalize?: boolean;
  /** Use only the first N training examples (smoke runs). */
  trainLimit?: number;
  /** Use only the first N test examples (smoke runs). */
  testLimit?: number;
  /** Cap on steps per epoch (smoke runs). */
  maxStepsPerEpoch?: number;
  /** Latency measurement: batch size and repeats. @default {batch: 100, repeats: 10} */
  latency?: { batch: number; repeats: number };
  /**
   * How the architecture is built (`withModelOptions` in src/models/options.ts): weight `init`
   * ("default" Glorot-uniform, "he-normal" as the L0 reference, "torch-default" as PyTorch's
   * layers) and `convBias` (false: conv layers without bias, as the L0 reference's fixed-at-0
   * conv biases). @default {}
   */
  model?: { init?: "default" | "he-normal" | "torch-default"; convBias?: boolean };
}

/** One method entry of a suite: fixed hyperparameters plus an optional grid. */
export interface MethodEntry {
  /** Registered method id. */
  id: string;
  /** Fixed hyperparameter overrides. */
  hparams?: Record<string, unknown>;
  /** Grid: every combination of these values becomes its own run (e.g. `{lambda: [0.1, 1]}`). */
  grid?: Record<string, unknown[]>;
  /** Recipe overrides for this method (e.g. fewer epochs); use sparingly: budgets should match. */
  recipe?: Partial<RecipeSpec>;
  /**
   * Architecture ids this entry runs on (default: all of the suite's), e.g. to give one method a
   * per-architecture reference recipe with two entries.
   */
  archs?: string[];
  /**
   * Initial widths this entry runs at (default: every width of each architecture it runs on),
   * e.g. a width sweep at one strength only.
   */
  widths?: number[];
}

/** One architecture entry: id and initial widths. */
export interface ArchEntry {
  /** Registered architecture id. */
  id: string;
  /** Width multipliers (initial widths). */
  widths: number[];
  /** Datasets this architecture runs on (default: all of the suite's). */
  datasets?: string[];
  /** Recipe overrides for this architecture (e.g. a training subset for conv nets on CPU). */
  recipe?: Partial<RecipeSpec>;
}

/** A declarative suite. Write suites as `{...} satisfies SuiteSpec`. */
export interface SuiteSpec {
  /** Suite id; outputs go to `results/<id>/`. */
  id: string;
  /** What the suite measures, and how long it takes. */
  description: string;
  /** Dataset ids. */
  datasets: string[];
  /** Architectures with widths. */
  archs: ArchEntry[];
  /** Methods with hyperparameters. */
  methods: MethodEntry[];
  /** Seeds. */
  seeds: number[];
  /** The shared training recipe. */
  recipe: RecipeSpec;
  /**
   * Modules (paths or URLs) exporting `methods: Record<string, MethodSpec>`: user methods from
   * other projects, usable in `methods` like built-in ones.
   */
  methodModules?: string[];
}

/** A fully resolved run: everything that determines its numbers. */
export interface RunConfig {
  /** Dataset id. */
  dataset: string;
  /** Architecture id. */
  arch: string;
  /** Width multiplier. */
  width: number;
  /** Method id. */
  method: string;
  /** Hyperparameter overrides of this run (defaults are resolved by the method registry). */
  hparams: Record<string, unknown>;
  /** Seed. */
  seed: number;
  /** Resolved recipe. */
  recipe: RecipeSpec;
  /** User method modules (see {@linkcode SuiteSpec.methodModules}); absent when none. */
  methodModules?: string[];
}

/** Every combination of a grid, in a stable order (keys sorted). */
export function gridPoints(grid: Record<string, unknown[]> | undefined): Record<string, unknown>[] {
  const keys = Object.keys(grid ?? {}).sort();
  let out: Record<string, unknown>[] = [{}];
  for (const k of keys) {
    const next: Record<string, unknown>[] = [];
    for (const p of out) for (const v of grid![k]) next.push({ ...p, [k]: v });
    out = next;
  }
  return out;
}

/**
 * Expands a suite into run configs in a stable order: dataset, arch, width, method, grid point,
 * seed. `hparams` are the overrides (see `planRuns` for the resolved configs); `methodModules`
 * become URLs resolved against `base` (the suite module's URL; default: the working directory).
 *
 * @example
 * ```ts
 * import { expandSuite } from "./suite.ts";
 * const runs = expandSuite({
 *   id: "t", description: "", datasets: ["mnist"], seeds: [1, 2],
 *   archs: [{ id: "lenet-300-100", widths: [0.5, 1] }],
 *   methods: [{ id: "dense" }, { id: "l0-hc", grid: { lambda: [0.1, 1] } }],
 *   recipe: { epochs: 1, batchSize: 100, optimizer: { kind: "adam", lr: 1e-3 } },
 * });
 * if (runs.length !== 12) throw new Error(String(runs.length));
 * ```
 */
export function expandSuite(suite: SuiteSpec, base?: string): RunConfig[] {
  const runs: RunConfig[] = [];
  for (const dataset of suite.datasets) {
    for (const arch of suite.archs) {
      if (arch.datasets && !arch.datasets.includes(dataset)) continue;
      for (const width of arch.widths) {
        for (const m of suite.methods) {
          if (m.archs && !m.archs.includes(arch.id)) continue;
          if (m.widths && !m.widths.includes(width)) continue;
          for (const point of gridPoints(m.grid)) {
            for (const seed of suite.seeds) {
              runs.push({
                dataset,
                arch: arch.id,
                width,
                method: m.id,
                hparams: { ...(m.hparams ?? {}), ...point },
                seed,
                recipe: { ...suite.recipe, ...(arch.recipe ?? {}), ...(m.recipe ?? {}) },
                ...(suite.methodModules?.length
                  ? { methodModules: suite.methodModules.map((m) => moduleUrl(m, base)) }
                  : {}),
              });
            }
          }
        }
      }
    }
  }
  return runs;
}
