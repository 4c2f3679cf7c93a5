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
 * Wall time: PROVISIONAL, not yet measured as a whole run. Per-epoch times measured on this
 * branch *before* the speed work (issue 12) was merged, 2 runs in parallel on 2 cores under the
 * CPU lock (epoch 2 of a 2-epoch run): LeNet-300-100 1×: dense 6.2 s, l0-hc 15.6 s, vbp 14.1 s,
 * dam 12.5 s, diffprune 12.3 s, halo 16.1 s; 4×: dense 38 s, l0-hc 35 s, diffprune 31 s, dam 18 s,
 * vbp 15 s; halo 4× ≈ 80 s; 0.5×/2× interpolated. With those times, `benchmarks/estimate_suite.ts`
 * puts this suite (99 runs, 10 epochs, 8 s overhead per run) at 254 run-minutes, ≈ 127 min with
 * `--jobs 2`: it fits 60 minutes only if the speed work cuts the learned methods' epoch ≈ 2.1×.
 * Next step: with the speed branch merged, time 2 epochs of each method × width
 * (`deno run -A benchmarks/estimate_suite.ts default <timing results dir>`) and set `EPOCHS` in
 * `_design.ts` (or move the 4× width to `full`) so that the middle strength of
 * every method converges (`structure_converged`) within the hour.
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
