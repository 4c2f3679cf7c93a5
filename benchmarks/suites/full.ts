/**
 * The full suite (`deno task bench --suite full`): the whole design of issue 13 — LeNet-300-100
 * at initial widths 0.5×, 1×, 2× and 4× and LeNet-5-Caffe at 1×, every learned method at 3
 * strengths at every width, every baseline at every width, 3 seeds, the shared recipe of
 * `_design.ts` but {@linkcode FULL_EPOCHS} epochs instead of the default's 10. Hours on 2 cores:
 * shard it (`--shard i/N`, README), then `deno task aggregate`.
 *
 * Why 30 epochs: in the 15-epoch pilot (`_design.ts`) `dam` at every strength and `l0-hc` at
 * λ = 3/N were still removing units at epoch 15, so the default's 10 epochs leave their middle
 * strengths unconverged (the default's findings list which runs did not converge); 30 epochs is
 * our estimate for them to settle, to be checked by the `structure_converged` column of a full
 * run.
 *
 * LeNet-5-Caffe trains on a fixed 20,000-example subset of MNIST's training set (the first
 * 20,000) because a full epoch is over a minute per process on CPU (measured: ≈ 20 s per epoch
 * on the subset for dense, 2 runs in parallel, before the speed work); its test set is full.
 *
 * @module
 */
import type { SuiteSpec } from "../../src/harness/suite.ts";
import { baselines, RECIPE, strengthSweeps } from "./_design.ts";

/** Epochs of every method in the full suite. */
export const FULL_EPOCHS = 30;

/** The full suite. */
export const suite = {
  id: "full",
  description: "The whole design: LeNet-300-100 at widths 0.5/1/2/4 and LeNet-5-Caffe (20k " +
    "training subset) at 1, every learned method at 3 strengths and every baseline at every " +
    `width, 3 seeds, one recipe (${FULL_EPOCHS} epochs). Hours: shard it.`,
  datasets: ["mnist"],
  archs: [
    { id: "lenet-300-100", widths: [0.5, 1, 2, 4] },
    { id: "lenet-5-caffe", widths: [1], recipe: { trainLimit: 20000 } },
  ],
  methods: [...baselines(), ...strengthSweeps()],
  seeds: [1, 2, 3],
  recipe: { ...RECIPE, epochs: FULL_EPOCHS },
} satisfies SuiteSpec;
