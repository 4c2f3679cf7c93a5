/**
 * Tensor side of the `vbp` objective (docs/methods/vbp.md): where each weight's "on"
 * probability g_w = Π π over the gated units it connects comes from, the active fan-in D_P that
 * sets the posterior variance s_P² = r/D_P, and the weights' part of the negative ELBO,
 * Σ_w g_w·KL(N(μ_w, s_P²) ‖ N(0, σ_P²)).
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { ParamSlice } from "../models/groups.ts";
import type { Network } from "../models/network.ts";

/** A weight tensor under the slab prior and the gated groups whose π reach its entries. */
export interface PriorSite {
  /** Parameter name, e.g. `fc2.w`. */
  param: string;
  /** Gated groups with a slice on `param` (the slice objects are the network's, kept current). */
  slices: { group: string; slice: ParamSlice; producer: boolean }[];
}

/**
 * Every weight parameter (role `weight`) that some gated group produces or feeds, with those
 * groups' slices. Weights no gated group touches have no prior term.
 */
export function priorSites(net: Network, gated: ReadonlySet<string>): PriorSite[] {
  const sites = new Map<string, PriorSite>();
  for (const g of net.groups) {
    if (!gated.has(g.id)) continue;
    for (const slice of [...g.producers, ...g.consumers]) {
      if (net.role(slice.param) !== "weight") continue;
      const site = sites.get(slice.param) ?? { param: slice.param, slices: [] };
      site.slices.push({ group: g.id, slice, producer: g.producers.includes(slice) });
      sites.set(slice.param, site);
    }
  }
  return [...sites.values()];
}

function isIdentity(labels: Int32Array, n: number): boolean {
  if (labels.length !== n) return false;
  for (let i = 0; i < n; i++) if (labels[i] !== i) return false;
  return true;
}

/**
 * g_w = E_q[Π ξ] = Π π over the gated units weight w connects, broadcastable to the parameter's
 * shape. Call inside `tf.tidy`.
 */
export function onProbability(
  site: PriorSite,
  rank: number,
  pi: (group: string) => tf.Tensor,
): tf.Tensor {
  let g: tf.Tensor | null = null;
  for (const { group, slice } of site.slices) {
    const p = pi(group);
    const f = isIdentity(slice.labels, p.size)
      ? p
      : tf.gather(p, tf.tensor1d(slice.labels, "int32"));
    const shape = new Array(rank).fill(1);
    shape[slice.axis] = slice.labels.length;
    const r = tf.reshape(f, shape);
    g = g ? tf.mul(g, r) : r;
  }
  return g!;
}

/**
 * D_P = Σ_w g_w / Σ_j π_j: the expected number of active incoming weights of an active output
 * unit of parameter P (Σ_j over its output units, π = 1 where they are not gated), at least 1.
 * Call inside `tf.tidy`.
 */
export function activeFanIn(
  site: PriorSite,
  mu: tf.Tensor,
  g: tf.Tensor,
  pi: (group: string) => tf.Tensor,
): tf.Scalar {
  const out = site.slices.find((x) => x.producer);
  const outMass = out ? tf.sum(pi(out.group)) : tf.scalar(mu.shape[mu.rank - 1]);
  const sumG = tf.mul(tf.sum(g), mu.size / g.size);
  return tf.maximum(tf.div(sumG, tf.maximum(outMass, 1e-12)), 1) as tf.Scalar;
}

/**
 * Σ_w g_w·KL(N(μ_w, s²) ‖ N(0, σ²)) = ½[Σ g·μ²/σ² + Σg·(s²/σ² − 1 + ln(σ²/s²))], s² a scalar
 * tensor (it depends on π through the active fan-in). Call inside `tf.tidy`.
 */
export function weightKl(mu: tf.Tensor, g: tf.Tensor, s2: tf.Scalar, sigma2: number): tf.Scalar {
  const c = tf.add(tf.sub(tf.div(s2, sigma2), 1), tf.neg(tf.log(tf.div(s2, sigma2))));
  const sumG = tf.mul(tf.sum(g), mu.size / g.size);
  const quad = tf.div(tf.sum(tf.mul(g, tf.square(mu))), sigma2);
  return tf.mul(tf.add(quad, tf.mul(sumG, c)), 0.5) as tf.Scalar;
}

/** Σg, Σg·μ² and the active fan-in of one site (plain numbers, for the closed-form σ²). */
export function siteStats(
  site: PriorSite,
  mu: tf.Tensor,
  pi: (group: string) => tf.Tensor,
): { sumG: number; sumGmu2: number; fanIn: number } {
  const t = tf.tidy(() => {
    const g = onProbability(site, mu.rank, pi);
    return [
      tf.mul(tf.sum(g), mu.size / g.size),
      tf.sum(tf.mul(g, tf.square(mu))),
      activeFanIn(site, mu, g, pi),
    ];
  });
  const [sumG, sumGmu2, fanIn] = t.map((x) => x.dataSync()[0]);
  tf.dispose(t);
  return { sumG, sumGmu2, fanIn };
}
