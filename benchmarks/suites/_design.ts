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
 * Strengths, chosen from a 15-epoch pilot (LeNet-300-100 1×, seed 1, this recipe, 2026-12-02;
 * hidden units removed at epoch 15 / test accuracy; dense 97.87 %):
 * - `l0-hc` (λ in units of 1/N): 0.3 → 1 % / 98.16 %, 1 → 10 % / 95.9 %, 3 → 48 % / 84.7 %,
 *   still falling (the paper's 0.1 prunes hidden units only over ~200 epochs). Chosen 0.3, 2, 6:
 *   near dense, between, and past the 50 % goal.
 * - `diffprune` (λ in 1/N): 0.1 → 2 %, 0.3 → 2 %, 1 → 13 % / 97.3 % (inputs 784 → 79). Hidden
 *   units close slowly; chosen 0.3, 2, 6.
 * - `vbp` (r, `weightNoise`; smaller prunes more): 8 → 64 % / 97.7 %, 2 → 69 % / 97.0 %, 0.5 →
 *   76 % / 95.2 %. Kept 8, 2, 0.5.
 * - `dam` (λ): 0.05 → 52 % / 97.9 %, 0.2 → 76 % / 97.4 %, 0.8 → 86 % / 96.6 %, all still falling
 *   at epoch 15 (DAM's β decreases at a constant rate). Kept 0.05, 0.2, 0.8.
 * - `halo` (ξ, the weight of Σ|θ|/λ²): 1e-7, 1e-6, 1e-5; its operating points are the
 *   magnitude-pruning targets after training (90–98 % weight sparsity).
 * The middle strength of each method is the one swept over initial widths.
 *
 * @module
 */
import type { MethodEntry, RecipeSpec } from "../../src/harness/suite.ts";

/** Epochs of every method (what fits the default suite in an hour on 2 cores; see default.ts). */
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
  "l0-hc": { key: "lambda", values: [0.3, 2, 6] },
  diffprune: { key: "lambda", values: [0.3, 2, 6] },
  vbp: { key: "weightNoise", values: [8, 2, 0.5] },
  dam: { key: "lambda", values: [0.05, 0.2, 0.8] },
  halo: { key: "xi", values: [1e-7, 1e-6, 1e-5] },
};

/** Fixed hyperparameters of the learned methods besides the strength. */
const FIXED: Readonly<Record<string, Record<string, unknown>>> = {
  halo: { targets: [0.9, 0.95, 0.98] },
};

/** HALO's operating points (weight sparsities), shared with its magnitude-pruning comparison. */
const HALO_POINTS = { targets: FIXED.halo.targets };

/** Target sparsities (fractions of hidden units/filters removed) of the one-shot structured baselines. */
export const UNIT_TARGETS = [0.3, 0.5, 0.7, 0.85, 0.95];

/**
 * Baselines: dense; structured L1 magnitude pruning (one-shot after dense training, global
 * ranking of mean |θ| per unit, fine-tuned {@linkcode FINE_TUNE_EPOCHS} epochs per target);
 * random unit pruning (same protocol, random ranking: the floor); gmp (weight-level, gradual);
 * and weight-level magnitude pruning of the dense net at HALO's targets without fine-tuning (the
 * comparison of HALO's central claim).
 */
export function baselines(archs?: string[], widths?: number[]): MethodEntry[] {
  const on = { ...(archs ? { archs } : {}), ...(widths ? { widths } : {}) };
  const oneShot = { targets: UNIT_TARGETS, granularity: "unit", fineTuneEpochs: FINE_TUNE_EPOCHS };
  return [
    { id: "dense", ...on },
    { id: "magnitude", hparams: oneShot, ...on },
    { id: "random-unit", hparams: oneShot, ...on },
    { id: "gmp", hparams: { finalSparsity: 0.9 }, ...on },
    {
      id: "magnitude",
      hparams: { ...HALO_POINTS, granularity: "weight", fineTuneEpochs: 0 },
      ...on,
    },
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
