/**
 * The default suite (`deno task bench`): which learned pruning method gives the smallest accurate
 * LeNet-300-100 on real MNIST, and how robust is that to the initial width? Design and strengths
 * in `_design.ts` (one recipe for every method).
 *
 * - Strength sweeps at 1×: every learned method at 3 strengths, plus the baselines (dense,
 *   structured L1 magnitude and random unit pruning at 5 targets with fine-tuning, gmp).
 * - Width sweep: every unit-gating learned method (not HALO, which prunes weights) at its middle
 *   strength at 0.5× and 2× (1× comes from the strength sweep): final kept units vs initial
 *   width over 3 widths, the fewest the robustness criterion accepts. Dense at 0.5× and 2×
 *   (smaller and larger dense nets on the same fronts).
 * - 3 seeds.
 *
 * Cut to `full.ts`: LeNet-5-Caffe, the 4× width, the strength sweeps at the other widths and the
 * baselines at the other widths.
 *
 * Wall time: the first real run of this design (2026-12-02, `--jobs 2`) also had the width
 * sweep at 4× and took about 70 minutes: its 12 runs at 4× cost ≈ 185 s each (≈ 18 s per epoch
 * per process), HALO ≈ 110–180 s per run. The 4× sweep moved to `full` so the default fits an
 * hour; the README gives the measured wall time of the run its Results come from.
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
    "gmp baselines; the unit-gating methods' middle strengths at widths 0.5/2, dense at 0.5/2.",
  datasets: ["mnist"],
  archs: [{ id: "lenet-300-100", widths: [0.5, 1, 2] }],
  methods: [
    ...baselines(undefined, [1]),
    ...strengthSweeps(undefined, [1]),
    { id: "dense", widths: [0.5, 2] },
    ...middleStrengths(undefined, [0.5, 2]),
  ],
  seeds: [1, 2, 3],
  recipe: RECIPE,
} satisfies SuiteSpec;
