/**
 * `random`: the `gmp` schedule with random masks — the sanity floor every pruning method must beat
 * (the random-pruning control of Gale et al. 2019 and Liu et al. 2019). Each weight gets a fixed
 * uniform random score from the run's seeded generator; every mask update prunes the lowest
 * scores (per tensor by default, so every layer reaches s_t), which makes the masks nested over
 * time. Same parameters, schedule and mask application as `gmp` (see gmp.ts).
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { Granularity, MethodSpec } from "./types.ts";
import { gmp, type GmpConfig, scheduledPruning } from "./gmp.ts";
import { prunableWeights } from "./_masks.ts";

/** The `random` method spec (hyperparameters as `gmp`). */
export const random: MethodSpec<GmpConfig> = {
  id: "random",
  summary: "Random pruning on the gmp schedule (seeded): the sanity floor",
  citation: "Control baseline with the schedule of Zhu & Gupta (2017), arXiv:1710.01878",
  granularities: ["weight"] as const satisfies readonly Granularity[],
  defaults: gmp.defaults,
  docs: gmp.docs,
  ranges: gmp.ranges,
  create(ctx, c) {
    const scores = new Map<string, { values: Float32Array; shape: number[] }>();
    for (const n of prunableWeights(ctx.net, c.includeClassifier)) {
      const v = ctx.net.params.get(n)!;
      const values = new Float32Array(v.size);
      for (let i = 0; i < values.length; i++) values[i] = ctx.rng.next();
      scores.set(n, { values, shape: v.shape.slice() });
    }
    return scheduledPruning("random", ctx, c, (n) => scores.get(n)!.values, (plan) => {
      for (const [n, s] of scores) {
        const ops = plan.ops.filter((o) => o.param === n);
        if (!ops.length) continue;
        const g = tf.tidy(() =>
          ops.reduce(
            (acc: tf.Tensor, o) => tf.gather(acc, tf.tensor1d(o.indices, "int32"), o.axis),
            tf.tensor(s.values, s.shape),
          )
        );
        scores.set(n, { values: Float32Array.from(g.dataSync()), shape: g.shape.slice() });
        g.dispose();
      }
    });
  },
};
