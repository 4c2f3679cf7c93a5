/**
 * The default suite (`deno task bench`): which learned pruning method gives the smallest accurate
 * LeNet-300-100 on real MNIST, and how robust is that to the initial width? Design and strengths
 * in `_design.ts` (one recipe for every method).
 *
 * - Strength sweeps at 1×: every learned method at 3 strengths, plus the baselines (dense,
 *   structured L1 magnitude and random unit pruning at 5 targets with fine-tuning, gmp).
 * - Width sweep: every unit-gating learned method (not HALO, which prunes weights) at its middle
 *   strength at 0.5×, 2× and 4× (1× comes from the strength sweep): final kept units vs initial
 *   width. Dense at 0.5× and 2× (smaller and larger dense nets on the same fronts).
 * - 3 seeds.
 *
 * Cut to `full.ts`: LeNet-5-Caffe, the strength sweeps at the other widths and the baselines at
 * the other widths.
 *
 * Wall time (2026-12-02, `--jobs 2`, 2 cores): the 90 runs without the 4× width took 1,872 s on
 * the quiet machine; the 12 runs at 4× cost ≈ 140–185 s each (≈ 18 s per epoch per process), HALO
 * ≈ 80–110 s per run. A first run of all 102 runs with other jobs sharing the CPU took 3,822 s.
 * The README gives the measured wall time of the run its Results come from.
 *
 * @module
 */
import type { SuiteSpec } from "../../src/harness/suite.ts";
import { baselines, EPOCHS, middleStrengths, RECIPE, strengthSweeps } from "./_design.ts";

/** The default comparison suite. */
export const suite = {
  id: "default",
  description: `LeNet-300-100 on MNIST, ${EPOCHS} epochs Adam 1e-3 for every method, 3 seeds: ` +
    "every learned method at 3 strengths at 1× with dense, structured magnitude, random-unit and " +
    "gmp baselines; the unit-gating methods' middle strengths at widths 0.5/2/4, dense at 0.5/2.",
  datasets: ["mnist"],
  archs: [{ id: "lenet-300-100", widths: [0.5, 1, 2, 4] }],
  methods: [
    ...baselines(undefined, [1]),
    ...strengthSweeps(undefined, [1]),
    { id: "dense", widths: [0.5, 2] },
    ...middleStrengths(undefined, [0.5, 2, 4]),
  ],
  seeds: [1, 2, 3],
  recipe: RECIPE,
} satisfies SuiteSpec;
