/**
 * The shared design of the `default` and `full` suites: one recipe for every method, the
 * strengths of each learned method, and the baselines. `default.ts` and `full.ts` pick parts of
 * it; nothing here is a suite by itself.
 *
 * Same recipe for every method (Adam 1e-3, batch 100, constant lr, equal epochs): the question is
 * which method gives the smallest accurate net *for the same training budget*, so no method gets
 * its own optimizer, schedule or epochs (the paper recipes are in `paper.ts`). One-shot baselines
 * spend their fine-tuning epochs on top, stated below.
 *
 * Strengths (PROVISIONAL: chosen from the methods' docs and short runs, not yet measured at this
 * budget; the next full run must check that each front spans near-dense accuracy to strong
 * compression, i.e. the strongest setting removes ≥ 50 % of LeNet-300-100 1×'s hidden units and
 * ≥ 40 % of LeNet-5-Caffe's filters + fc units, and adjust):
 * - `l0-hc`, `diffprune`: λ in units of 1/N. The paper's 0.1 prunes little within tens of epochs
 *   (2-epoch run: l0-hc at 0.1 kept all 400 hidden units), so the sweep goes ×3 above it.
 * - `vbp`: r (`weightNoise`), the price of precision; smaller r prunes more (docs/methods/vbp.md
 *   §7.5); default 2 in the middle.
 * - `dam`: λ around the reference's 0.1–0.2 (README 0.2).
 * - `halo`: ξ, the weight of Σ|θ|/λ²; its operating points are the magnitude-pruning targets
 *   after training (90–98 % weight sparsity, the range).
 * The middle strength of each method is the one swept over initial widths.
 *
 * @module
 */
import type { MethodEntry, RecipeSpec } from "../../src/harness/suite.ts";

/** Epochs of every method (PROVISIONAL; see default.ts for the wall-time estimate). */
export const EPOCHS = 10;

/** Fine-tuning epochs of the one-shot structured baselines, per kept fraction. */
export const FINE_TUNE_EPOCHS = 2;

/** The shared recipe. */
export const RECIPE = {
  epochs: EPOCHS,
  batchSize: 100,
  optimizer: { kind: "adam", lr: 1e-3 },
  schedule: { kind: "constant" },
  latency: { batch: 100, repeats: 20 },
} satisfies RecipeSpec;

/** Strength sweeps of the learned methods: hyperparameter name and values, weak to strong. */
export const STRENGTHS: Readonly<Record<string, { key: string; values: number[] }>> = {
  "l0-hc": { key: "lambda", values: [0.3, 1, 3] },
  diffprune: { key: "lambda", values: [0.1, 0.3, 1] },
  vbp: { key: "weightNoise", values: [8, 2, 0.5] },
  dam: { key: "lambda", values: [0.05, 0.2, 0.8] },
  halo: { key: "xi", values: [1e-7, 1e-6, 1e-5] },
};

/** Fixed hyperparameters of the learned methods besides the strength. */
const FIXED: Readonly<Record<string, Record<string, unknown>>> = {
  halo: { targets: [0.9, 0.95, 0.98] },
};

/** Target sparsities (fractions of hidden units/filters removed) of the one-shot structured baselines. */
export const UNIT_TARGETS = [0.3, 0.5, 0.7, 0.85, 0.95];

/**
 * Baselines: dense; structured L1 magnitude pruning (one-shot after dense training, global
 * ranking of mean |θ| per unit, fine-tuned {@linkcode FINE_TUNE_EPOCHS} epochs per target);
 * random unit pruning (same protocol, random ranking: the floor); gmp (weight-level, gradual).
 */
export function baselines(archs?: string[], widths?: number[]): MethodEntry[] {
  const on = { ...(archs ? { archs } : {}), ...(widths ? { widths } : {}) };
  const oneShot = { targets: UNIT_TARGETS, granularity: "unit", fineTuneEpochs: FINE_TUNE_EPOCHS };
  return [
    { id: "dense", ...on },
    { id: "magnitude", hparams: oneShot, ...on },
    { id: "random-unit", hparams: oneShot, ...on },
    { id: "gmp", hparams: { finalSparsity: 0.9 }, ...on },
  ];
}

/** Every learned method at every strength. */
export function strengthSweeps(archs?: string[], widths?: number[]): MethodEntry[] {
  return Object.entries(STRENGTHS).map(([id, s]) => ({
    id,
    ...(FIXED[id] ? { hparams: FIXED[id] } : {}),
    grid: { [s.key]: s.values },
    ...(archs ? { archs } : {}),
    ...(widths ? { widths } : {}),
  }));
}

/**
 * Every learned *unit-gating* method at its middle strength (the width sweep). HALO is left out:
 * it prunes weights, not units, so its kept units always equal the initial width and a width
 * sweep says nothing about it (and its 4× run is the slowest of the suite).
 */
export function middleStrengths(archs?: string[], widths?: number[]): MethodEntry[] {
  return Object.entries(STRENGTHS).filter(([id]) => id !== "halo").map(([id, s]) => ({
    id,
    hparams: { ...(FIXED[id] ?? {}), [s.key]: s.values[Math.floor(s.values.length / 2)] },
    ...(archs ? { archs } : {}),
    ...(widths ? { widths } : {}),
  }));
}
