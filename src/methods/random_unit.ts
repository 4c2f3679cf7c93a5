/**
 * `random-unit`: structured *random* pruning after dense training — the floor for structured
 * magnitude pruning (`magnitude` with `granularity: "unit"`), as in Liu et al. (2019)'s and
 * Gale et al. (2019)'s random controls. Same protocol as `magnitude`: plain dense training, then,
 * for each target sparsity, exactly round(target·n) units removed and the net optionally
 * fine-tuned with the masks fixed; only the ranking differs: each unit of every hidden group gets
 * a uniform random score from the run's seeded generator, drawn once (so the targets' masks are
 * nested). With `scope: "global"` one ranking spans all groups, so layers lose units in
 * proportion to their size on average; `"layer"` removes the same fraction from every group.
 *
 * @module
 */
import type { Granularity, MethodSpec } from "./types.ts";
import { magnitude, type MagnitudeConfig, oneShotMethod } from "./magnitude.ts";

/**
 * The `random-unit` method spec (hyperparameters as `magnitude`, unit granularity).
 *
 * @example Two targets, nested random masks
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { Network } from "../models/network.ts";
 * import { getArch } from "../models/registry.ts";
 * import { Rng } from "../util/rng.ts";
 * import { randomUnit } from "./random_unit.ts";
 * await tf.setBackend("cpu");
 * const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
 * const ctx = { net, rng: new Rng(1), trainSize: 100, epochs: 1, stepsPerEpoch: 1,
 *   removeUnits: () => {} };
 * const m = randomUnit.create(ctx, { ...randomUnit.defaults, targets: [0.5, 0.8] });
 * const [a, b] = m.operatingPoints!();
 * for (const [g, keep] of b.keep!) {
 *   const k = a.keep!.get(g)!;
 *   for (let i = 0; i < keep.length; i++) if (keep[i] && !k[i]) throw new Error("not nested");
 * }
 * net.dispose();
 * ```
 */
export const randomUnit: MethodSpec<MagnitudeConfig> = {
  id: "random-unit",
  summary: "Structured random unit pruning after dense training (seeded): the structured floor",
  citation: "Control baseline: Liu, Sun, Zhou, Huang, Darrell. Rethinking the Value of Network " +
    "Pruning. ICLR 2019. arXiv:1810.05270",
  granularities: ["unit"] as const satisfies readonly Granularity[],
  defaults: { ...magnitude.defaults, granularity: "unit" },
  docs: magnitude.docs,
  ranges: { ...magnitude.ranges, granularity: { oneOf: ["unit"] } },
  create(ctx, c) {
    let drawn: Map<string, Float32Array> | null = null;
    const scores = () => {
      if (drawn) return drawn;
      const groups = c.groups.length
        ? ctx.net.groups.filter((g) => c.groups.includes(g.id))
        : ctx.net.groups.filter((g) => g.kind !== "input");
      drawn = new Map(groups.map((g) => {
        const s = new Float32Array(g.size);
        for (let i = 0; i < s.length; i++) s[i] = ctx.rng.next();
        return [g.id, s];
      }));
      return drawn;
    };
    return oneShotMethod("random-unit", ctx, c, scores);
  },
};
