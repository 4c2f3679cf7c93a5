/**
 * `vbp`: variational Bernoulli pruning of units and filters with early, permanent removal —
 * formulation after Guenter & Sideris (2022), derived in docs/methods/vbp.md. V. F. I. Guenter,
 * A. Sideris, *Robust Learning of Parsimonious Deep Neural Networks*, arXiv:2205.04650. No paper
 * text or reference code was available; every constant is a configurable default.
 *
 * One function is minimised, the negative ELBO per example (plus the hyper-priors' negative log
 * densities, so ρ and σ² are MAP): with ξ_i ~ Bern(π_i) per unit (resampled every minibatch),
 * g_w = Π π over the gated units a weight connects, q(v_w | on) = N(μ_w, s_P²) with
 * s_P² = r/D_P (D_P the expected active fan-in of layer P's units),
 *
 *   L = CE(y, f(x; μ, ξ)) + (1/N)·{ Σ_l [Σ_i KL(Bern(π_i) ‖ Bern(ρ_l)) − ln Beta(ρ_l; a, b)]
 *        + Σ_P [Σ_{w∈P} g_w·KL(N(μ_w, s_P²) ‖ N(0, σ_P²)) − ln InvGamma(σ_P²; α, β)] }.
 *
 * π: straight-through gradient of CE plus the exact gradient of the rest, its own SGD, projected
 * to [0, 1]; μ: the run's optimizer on the same L; ρ_l, σ_P²: the closed-form argmins of L,
 * `checksPerEpoch` times per epoch, when also every unit with π < 0.01 at `prunePatience`
 * consecutive checks is removed for good through `ctx.removeUnits`. Removed units count as
 * π = 0 of the network as built, so removal never changes L.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { GateGroup, RemovalPlan } from "../models/groups.ts";
import type { ForwardOptions } from "../models/network.ts";
import type {
  MethodContext,
  MethodSpec,
  PruningMethod,
  StepInfo,
  VariableGroup,
  VariableLayout,
} from "./types.ts";
import { countMacs } from "../metrics/counts.ts";
import { ConfigError } from "../util/errors.ts";
import { validate, VBP_DEFAULTS, VBP_DOCS, type VbpConfig } from "./_vbp_config.ts";
import { klSum, straightThrough } from "./_vbp_ops.ts";
import {
  bernoulliKl,
  type HyperPrior,
  negLogBeta,
  negLogInvGamma,
  removalDecision,
  rhoUpdate,
  sigma2Update,
} from "./_vbp_math.ts";
import {
  activeFanIn,
  onProbability,
  type PriorSite,
  priorSites,
  siteStats,
  weightKl,
} from "./_vbp_objective.ts";

export { VBP_DEFAULTS, type VbpConfig };

interface GroupState {
  group: GateGroup;
  /** Consecutive checks with π below the threshold, per present unit. */
  below: Int32Array;
  /** 1 = alive; only used when units are clamped rather than removed. */
  alive: Uint8Array;
  rho: number;
  lastActive: number;
  lastKept: number;
  activeChangedEpoch: number;
  keptChangedEpoch: number;
}

/** Prior parameters to evaluate the objective at instead of the current ones (tests). */
export interface PriorOverride {
  /** ρ_l by gated group id. */
  rho?: Record<string, number>;
  /** σ_P² by weight parameter name. */
  sigma2?: Record<string, number>;
}

/** The `vbp` method instance. */
export class Vbp implements PruningMethod {
  /** Method id. */
  readonly id = "vbp";
  readonly #ctx: MethodContext;
  readonly #cfg: VbpConfig;
  readonly #h: HyperPrior;
  readonly #vars = new Map<string, tf.Variable>();
  readonly #groups: GroupState[] = [];
  readonly #sites: PriorSite[];
  readonly #sigma2 = new Map<string, number>();
  readonly #denseMacs: number;
  #epoch = -1;

  /** Creates the gates of the hidden units/filters (and inputs if `gateInputs`). */
  constructor(ctx: MethodContext, config: VbpConfig) {
    validate(config);
    this.#ctx = ctx;
    this.#cfg = config;
    this.#h = { a: config.a, b: config.b, alpha: config.alpha, beta: config.beta };
    this.#denseMacs = countMacs(ctx.net.arch);
    for (const g of ctx.net.groups) {
      if (g.kind === "input" && !config.gateInputs) continue;
      this.#vars.set(
        `pi.${g.id}`,
        tf.variable(tf.fill([g.size], config.piInit), true, `vbp.pi.${g.id}#${uid++}`),
      );
      this.#groups.push({
        group: g,
        below: new Int32Array(g.size),
        alive: new Uint8Array(g.size).fill(1),
        rho: config.piInit,
        lastActive: g.size,
        lastKept: g.size,
        activeChangedEpoch: -1,
        keptChangedEpoch: -1,
      });
    }
    if (this.#groups.length === 0) {
      throw new ConfigError(
        [`network "${ctx.net.arch.id}" has no gateable unit or filter groups`],
        "vbp configuration",
      );
    }
    this.#sites = priorSites(ctx.net, new Set(this.#groups.map((s) => s.group.id)));
    for (const site of this.#sites) this.#sigma2.set(site.param, 1);
    this.updatePriors();
  }

  /** The π of a group (current width). */
  pi(groupId: string): tf.Variable {
    const v = this.#vars.get(`pi.${groupId}`);
    if (!v) throw new RangeError(`Cannot find vbp gates of group "${groupId}"`);
    return v;
  }

  /** Current prior parameters: ρ of a gated group, σ² of each weight parameter it touches. */
  prior(groupId: string): { rho: number; sigma2: number } {
    const s = this.#state(groupId);
    const own = s.group.producers.find((p) => this.#sigma2.has(p.param));
    return { rho: s.rho, sigma2: own ? this.#sigma2.get(own.param)! : NaN };
  }

  /** σ_P² of every weight parameter under the prior. */
  slabVariances(): Record<string, number> {
    return Object.fromEntries(this.#sigma2);
  }

  #state(groupId: string): GroupState {
    const s = this.#groups.find((x) => x.group.id === groupId);
    if (!s) throw new RangeError(`Cannot find vbp gates of group "${groupId}"`);
    return s;
  }

  /** π with its own optimizer, not following the run's schedule. */
  variableGroups(): VariableGroup[] {
    const layout = new Map<string, VariableLayout>();
    for (const s of this.#groups) layout.set(`pi.${s.group.id}`, { group: s.group.id });
    return [{
      name: "pi",
      variables: this.#vars,
      optimizer: { kind: this.#cfg.piOptimizer, lr: this.#cfg.piLr, schedule: false },
      layout,
    }];
  }

  /** Train: ξ ~ Bern(π) per minibatch (or example), straight-through; eval: 1[π > 0.5]. */
  forwardOptions(mode: "train" | "eval"): Pick<ForwardOptions, "gate" | "param"> {
    const gate = (groupId: string): tf.Tensor | null => {
      const pi = this.#vars.get(`pi.${groupId}`);
      if (!pi) return null;
      if (mode === "eval") return tf.cast(tf.greater(pi, this.#cfg.testThreshold), "float32");
      const s = this.#state(groupId);
      const n = pi.size;
      const shape = !this.#cfg.perExample
        ? [n]
        : s.group.kind === "filter"
        ? [this.#cfg.batchSize, 1, 1, n]
        : [this.#cfg.batchSize, n];
      const u = tf.randomUniform(shape, 0, 1, "float32", this.#ctx.rng.seed());
      return straightThrough(pi, u);
    };
    return { gate };
  }

  /**
   * Everything of the per-example objective but the data term: (1/N)·{Σ_l [Σ_i KL(π_i‖ρ_l) +
   * removed_l·KL(0‖ρ_l) − ln Beta(ρ_l)] + Σ_P [Σ_w g_w·KL(N(μ_w, s²)‖N(0, σ_P²)) −
   * ln InvGamma(σ_P²)]}. `at` evaluates it at other prior parameters (tests).
   */
  penalty(at: PriorOverride = {}): tf.Scalar {
    return tf.tidy(() => {
      const terms: tf.Scalar[] = [];
      let constant = 0;
      for (const s of this.#groups) {
        const rho = at.rho?.[s.group.id] ?? s.rho;
        terms.push(klSum(this.#vars.get(`pi.${s.group.id}`)!, rho));
        const removed = s.group.initialSize - s.group.size;
        constant += removed * bernoulliKl(0, rho) + negLogBeta(rho, this.#h);
      }
      const pi = (id: string) => this.#vars.get(`pi.${id}`)!;
      for (const site of this.#sites) {
        const sigma2 = at.sigma2?.[site.param] ?? this.#sigma2.get(site.param)!;
        const mu = this.#ctx.net.params.get(site.param)!;
        const g = onProbability(site, mu.rank, pi);
        const s2 = tf.div(this.#cfg.weightNoise, activeFanIn(site, mu, g, pi)) as tf.Scalar;
        terms.push(weightKl(mu, g, s2, sigma2));
        constant += negLogInvGamma(sigma2, this.#h);
      }
      terms.push(tf.scalar(constant));
      return tf.div(tf.addN(terms), this.#ctx.trainSize) as tf.Scalar;
    });
  }

  /** Projects π to [0, 1] (clamped units to 0); runs the checks due within the epoch. */
  afterStep(info: StepInfo): void {
    for (const s of this.#groups) {
      const pi = this.#vars.get(`pi.${s.group.id}`)!;
      tf.tidy(() => {
        let p = tf.clipByValue(pi, 0, 1);
        if (!this.#cfg.removeDuringTraining) p = tf.mul(p, tf.tensor1d(s.alive, "float32"));
        pi.assign(p);
      });
    }
    const spe = info.stepsPerEpoch;
    const every = Math.max(1, Math.floor(spe / this.#cfg.checksPerEpoch));
    const local = info.step - info.epoch * spe + 1;
    if (local % every === 0 && local < spe) this.#check(info);
  }

  /** The last check of the epoch. */
  onEpochEnd(info: StepInfo): void {
    this.#check(info);
  }

  /** Applies the removal rule, then the closed-form ρ, σ² updates; records change epochs. */
  #check(info: StepInfo): void {
    this.#epoch = info.epoch;
    for (const s of this.#groups) {
      const id = s.group.id;
      const pi = this.#vars.get(`pi.${id}`)!.dataSync();
      const c = this.#cfg;
      const keep = removalDecision(pi, s.below, c.pruneThreshold, c.prunePatience, c.minUnits);
      if (keep.length === s.group.size) continue;
      if (c.removeDuringTraining) {
        this.#ctx.removeUnits(id, keep); // the engine calls onUnitsRemoved with the plan
      } else {
        const k = new Set(keep);
        for (let i = 0; i < s.alive.length; i++) if (!k.has(i)) s.alive[i] = 0;
        const v = this.#vars.get(`pi.${id}`)!;
        tf.tidy(() => v.assign(tf.mul(v, tf.tensor1d(s.alive, "float32"))));
      }
    }
    this.updatePriors();
    for (const s of this.#groups) {
      const kept = this.#kept(s), active = this.#active(s);
      if (kept !== s.lastKept) s.keptChangedEpoch = info.epoch;
      if (active !== s.lastActive) s.activeChangedEpoch = info.epoch;
      s.lastKept = kept;
      s.lastActive = active;
    }
  }

  #kept(s: GroupState): number {
    return s.alive.reduce((a, b) => a + b, 0);
  }

  #active(s: GroupState): number {
    const pi = this.#vars.get(`pi.${s.group.id}`)!.dataSync() as Float32Array;
    let n = 0;
    for (const p of pi) if (p > this.#cfg.testThreshold) n++;
    return n;
  }

  /** Sets ρ_l and σ_P² to their closed-form argmins of the objective at the current π and μ. */
  updatePriors(): void {
    for (const s of this.#groups) {
      const pi = this.#vars.get(`pi.${s.group.id}`)!.dataSync();
      let sum = 0;
      for (const p of pi) sum += Math.min(1, Math.max(0, p));
      s.rho = rhoUpdate(sum, s.group.initialSize, this.#h);
    }
    const pi = (id: string) => this.#vars.get(`pi.${id}`)!;
    for (const site of this.#sites) {
      const mu = this.#ctx.net.params.get(site.param)!;
      const { sumG, sumGmu2, fanIn } = siteStats(site, mu, pi);
      const s2 = this.#cfg.weightNoise / fanIn;
      this.#sigma2.set(site.param, sigma2Update(sumG, sumGmu2, s2, this.#h));
    }
  }

  /**
   * Mean over the present units of a group of ∂/∂π_i of the weights' KL (nats): the price of
   * keeping unit i on, ≈ (active fan-in + fan-out)·½ln(σ²/s²).
   */
  #unitCost(groupId: string): number {
    const v = this.#vars.get(`pi.${groupId}`)!;
    if (v.size === 0) return 0;
    return tf.tidy(() => {
      const f = () => {
        const terms: tf.Scalar[] = [tf.scalar(0)];
        const pi = (id: string) => (id === groupId ? v : this.#vars.get(`pi.${id}`)!) as tf.Tensor;
        for (const site of this.#sites) {
          if (!site.slices.some((x) => x.group === groupId)) continue;
          const mu = this.#ctx.net.params.get(site.param)!;
          const g = onProbability(site, mu.rank, pi);
          const s2 = tf.div(this.#cfg.weightNoise, activeFanIn(site, mu, g, pi)) as tf.Scalar;
          terms.push(weightKl(mu, g, s2, this.#sigma2.get(site.param)!));
        }
        return tf.addN(terms) as tf.Scalar;
      };
      const { grads } = tf.variableGrads(f, [v]);
      return tf.mean(grads[v.name]).dataSync()[0];
    });
  }

  /** Shrinks π and the removal counters of every affected gated group. */
  onUnitsRemoved(plan: RemovalPlan): void {
    for (const [id, kept] of plan.kept) {
      const key = `pi.${id}`;
      const old = this.#vars.get(key);
      if (!old) continue;
      const next = tf.tidy(() => tf.gather(old, tf.tensor1d(kept, "int32")));
      this.#vars.set(key, tf.variable(next, true, `vbp.pi.${id}#${uid++}`));
      next.dispose();
      old.dispose();
      const s = this.#state(id);
      s.below = Int32Array.from(kept, (i) => s.below[i]);
      s.alive = Uint8Array.from(kept, (i) => s.alive[i]);
    }
  }

  /** Test-time keep masks 1[π > 0.5] per gated group (current widths). */
  keepMasks(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const s of this.#groups) {
      const pi = this.#vars.get(`pi.${s.group.id}`)!.dataSync();
      out.set(s.group.id, Uint8Array.from(pi, (p) => (p > this.#cfg.testThreshold ? 1 : 0)));
    }
    return out;
  }

  /**
   * ρ_l, σ_P², per-unit cost, kept/active counts, change epochs, polarised fractions (of the
   * units as built, removed ones counting as π = 0; and of the present ones) and forward MACs.
   */
  logs(): Record<string, number> {
    const out: Record<string, number> = {};
    let polar = 0, total = 0, polarPresent = 0, present = 0;
    for (const s of this.#groups) {
      const id = s.group.id;
      const pi = this.#vars.get(`pi.${id}`)!.dataSync();
      total += s.group.initialSize;
      polar += s.group.initialSize - s.group.size;
      present += pi.length;
      for (let i = 0; i < pi.length; i++) if (pi[i] < 0.01 || pi[i] > 0.99) polarPresent++;
      out[`rho.${id}`] = s.rho;
      out[`unit_cost.${id}`] = this.#unitCost(id);
      out[`kept.${id}`] = s.group.size - (s.alive.length - this.#kept(s));
      out[`active.${id}`] = this.#active(s);
      out[`kept_changed_epoch.${id}`] = s.keptChangedEpoch;
      out[`active_changed_epoch.${id}`] = s.activeChangedEpoch;
    }
    for (const [param, v] of this.#sigma2) out[`sigma2.${param}`] = v;
    out.polarised = (polar + polarPresent) / total;
    out.polarised_present = present ? polarPresent / present : 1;
    out.macs_fwd = countMacs(this.#ctx.net);
    out.macs_fwd_dense = this.#denseMacs;
    out.epoch_logged = this.#epoch;
    return out;
  }

  /** Releases π. */
  dispose(): void {
    for (const v of this.#vars.values()) v.dispose();
    this.#vars.clear();
  }
}

let uid = 0;

/** Registry entry of `vbp`. */
export const VBP: MethodSpec<VbpConfig> = {
  id: "vbp",
  summary:
    "Variational Bernoulli unit/filter gates, spike-and-slab prior with MAP hyper-priors and " +
    "early removal (formulation after Guenter & Sideris 2022, see docs)",
  citation:
    "V. F. I. Guenter, A. Sideris, Robust Learning of Parsimonious Deep Neural Networks, arXiv:2205.04650 (2022)",
  granularities: ["unit"],
  defaults: VBP_DEFAULTS,
  docs: VBP_DOCS,
  ranges: {
    piInit: { min: 0, max: 1 },
    piOptimizer: { oneOf: ["adam", "sgd"] },
    piLr: { above: 0 },
    batchSize: { integer: true, min: 0 },
    a: { above: 0 },
    b: { above: 0 },
    alpha: { above: 0 },
    beta: { above: 0 },
    weightNoise: { above: 0 },
    checksPerEpoch: { integer: true, min: 1 },
    pruneThreshold: { min: 0, below: 1 },
    prunePatience: { integer: true, min: 1 },
    minUnits: { integer: true, min: 1 },
  },
  create: (ctx, config) => new Vbp(ctx, config),
};
