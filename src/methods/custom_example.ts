/**
 * A worked example of a user-defined method: any object satisfying {@linkcode MethodSpec} can be
 * validated with {@linkcode resolveConfig} and handed to the harness or to `train()` directly,
 * without touching the built-in registry. (Kept here so `deno test --doc` type-checks it; the
 * `mod.ts` docs reuse it with imports from the package entry.)
 *
 * @module
 */
import type { MethodSpec } from "./types.ts";
import { resolveConfig } from "./registry.ts";

/**
 * The problems {@linkcode resolveConfig} finds in `overrides` for a user-supplied spec (empty when
 * valid). The example defines a complete custom method and runs it.
 *
 * @example A custom method in a few lines: L1 penalty on weights, prune |θ| below a threshold
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import type { MethodSpec } from "./types.ts";
 * import { resolveConfig } from "./registry.ts";
 * import { Network } from "../models/network.ts";
 * import { getArch } from "../models/registry.ts";
 * import { Rng } from "../util/rng.ts";
 *
 * interface L1Config { strength: number; threshold: number }
 * const l1Threshold: MethodSpec<L1Config> = {
 *   id: "l1-threshold",
 *   summary: "L1 penalty on weights, then prune |θ| < threshold",
 *   citation: "textbook L1 regularisation",
 *   granularities: ["weight"],
 *   defaults: { strength: 1e-5, threshold: 1e-3 },
 *   docs: { strength: "L1 coefficient per weight and example", threshold: "prune |θ| below this" },
 *   create(ctx, c) {
 *     const names = ctx.net.layers.map((l) => l.weight);
 *     const w = (n: string) => ctx.net.params.get(n)!;
 *     return {
 *       id: "l1-threshold",
 *       variableGroups: () => [],
 *       forwardOptions: () => ({}),
 *       penalty: () => tf.tidy(() => tf.mul(tf.addN(names.map((n) => tf.sum(tf.abs(w(n))))), c.strength)),
 *       keepMasks: () => new Map(),
 *       weightMasks: () =>
 *         new Map(names.map((n) => [n, Uint8Array.from(w(n).dataSync(), (x) => (Math.abs(x) >= c.threshold ? 1 : 0))])),
 *       logs: () => ({}),
 *       dispose: () => {},
 *     };
 *   },
 * };
 *
 * const { config, problems } = resolveConfig(l1Threshold, { strength: 1e-4 });
 * if (problems.length) throw new Error(problems.join("\n"));
 * await tf.setBackend("cpu");
 * const net = new Network(getArch("lenet-300-100", 0.1), { seed: 1 });
 * const ctx = { net, rng: new Rng(1), trainSize: 100, epochs: 1, stepsPerEpoch: 1, removeUnits: () => {} };
 * const method = l1Threshold.create(ctx, config);
 * const p = method.penalty()!;
 * if (!(p.dataSync()[0] > 0)) throw new Error("expected a positive penalty");
 * p.dispose(); method.dispose(); net.dispose();
 * ```
 */
export function exampleMethodProblems(
  spec: MethodSpec<object>,
  overrides: Record<string, unknown>,
): string[] {
  return resolveConfig(spec, overrides).problems;
}
