/**
 * `vbp`: variational Bernoulli pruning of units and filters with early, permanent removal —
 * formulation after Guenter & Sideris (2022), see docs (docs/methods/vbp.md; methods.md §3.1,
 * `[proposal]`). V. F. I. Guenter, A. Sideris, *Robust Learning of Parsimonious Deep Neural
 * Networks*, arXiv:2205.04650. No reference code exists; every constant is a configurable default.
 *
 * Unit i of a gated layer l is multiplied by ξ_i ~ Bern(π_i) (resampled each minibatch), the
 * weights carry a spike-and-slab prior, and the per-example objective is
 * CE + (1/N)·Σ_l Σ_i [KL(Bern(π_i) ‖ Bern(ρ_l)) + π_i‖v_i‖²/(2σ_l²)]. π gets the straight-through
 * gradient ∂L/∂ξ plus the exact KL/prior gradient, its own SGD (η_π = 0.01) and a projection to
 * [0, 1]; ρ_l and σ_l² take closed-form MAP values after every epoch; a unit with π < 0.01 at two
 * consecutive epoch ends is removed for good through `ctx.removeUnits`. Removed units count as
 * π = 0 (ξ clamped to 0) in the objective and the prior updates, so removal never changes the loss.
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
import { forwardMacs } from "../train/macs.ts";
import { ConfigError } from "../util/errors.ts";
import { validate, VBP_DEFAULTS, VBP_DOCS, type VbpConfig } from "./_vbp_config.ts";
import { klSum, stopGradient, straightThrough } from "./_vbp_ops.ts";
import { bernoulliKl, priorUpdate, removalDecision } from "./_vbp_math.ts";

export { VBP_DEFAULTS, type VbpConfig };

interface GroupState {
  group: GateGroup;
  below: Int32Array;
  /** 1 = alive; only used when units are clamped rather than removed. */
  alive: Uint8Array;
  rho: number;
  sigma2: number;
  lastActive: number;
  lastKept: number;
  activeChangedEpoch: number;
  keptChangedEpoch: number;
}

/** The `vbp` method instance. */
export class Vbp implements PruningMethod {
  /** Method id. */
  readonly id = "vbp";
  readonly #ctx: MethodContext;
  readonly #cfg: VbpConfig;
  readonly #vars = new Map<string, tf.Variable>();
  readonly #groups: GroupState[] = [];
  readonly #denseMacs: number;
  #epoch = -1;

  /** Creates the gates of the hidden units/filters (and inputs if `gateInputs`). */
  constructor(ctx: MethodContext, config: VbpConfig) {
    validate(config);
    this.#ctx = ctx;
    this.#cfg = config;
    this.#denseMacs = forwardMacs(ctx.net, true);
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
        sigma2: 1,
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
    this.#updatePriors();
  }

  /** The π of a group (current width). */
  pi(groupId: string): tf.Variable {
    const v = this.#vars.get(`pi.${groupId}`);
    if (!v) throw new RangeError(`Cannot find vbp gates of group "${groupId}"`);
    return v;
  }

  /** Current prior parameters of a group. */
  prior(groupId: string): { rho: number; sigma2: number } {
    const s = this.#state(groupId);
    return { rho: s.rho, sigma2: s.sigma2 };
  }

  #state(groupId: string): GroupState {
    const s = this.#groups.find((x) => x.group.id === groupId);
    if (!s) throw new RangeError(`Cannot find vbp gates of group "${groupId}"`);
    return s;
  }

  /** π with its own SGD, not following the run's schedule. */
  variableGroups(): VariableGroup[] {
    const layout = new Map<string, VariableLayout>();
    for (const s of this.#groups) layout.set(`pi.${s.group.id}`, { group: s.group.id });
    return [{
      name: "pi",
      variables: this.#vars,
      optimizer: { kind: "sgd", lr: this.#cfg.piLr, schedule: false },
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

  /** (1/N)·Σ_l [Σ_i KL(π_i‖ρ_l) + Σ_i π_i‖v_i‖²/(2σ_l²) + removed_l·KL(0‖ρ_l)]. */
  penalty(): tf.Scalar {
    const terms: tf.Scalar[] = [];
    for (const s of this.#groups) {
      const pi = this.#vars.get(`pi.${s.group.id}`)!;
      terms.push(klSum(pi, s.rho));
      const removed = s.group.initialSize - s.group.size;
      if (removed > 0) terms.push(tf.scalar(removed * bernoulliKl(0, s.rho)));
      const sq = this.#sqNorm(s.group);
      if (sq) {
        const v = this.#cfg.priorOnWeights ? sq : stopGradient(sq) as tf.Tensor;
        terms.push(tf.div(tf.sum(tf.mul(pi, v)), 2 * s.sigma2));
      }
    }
    return tf.div(tf.addN(terms), this.#ctx.trainSize);
  }

  /** ‖v_i‖² per unit (incoming weights), or null for input groups. Call inside tidy. */
  #sqNorm(g: GateGroup): tf.Tensor | null {
    const slice = g.producers.find((p) => this.#ctx.net.role(p.param) === "weight");
    if (!slice) return null;
    const w = this.#ctx.net.params.get(slice.param)!;
    const axes = w.shape.map((_, i) => i).filter((i) => i !== slice.axis);
    return tf.sum(tf.square(w), axes);
  }

  /** Projects π to [0, 1] (and keeps clamped units at 0). */
  afterStep(_info: StepInfo): void {
    for (const s of this.#groups) {
      const pi = this.#vars.get(`pi.${s.group.id}`)!;
      tf.tidy(() => {
        let p = tf.clipByValue(pi, 0, 1);
        if (!this.#cfg.removeDuringTraining) p = tf.mul(p, tf.tensor1d(s.alive, "float32"));
        pi.assign(p);
      });
    }
  }

  /** Applies the removal rule, then the closed-form ρ, σ² updates; records change epochs. */
  onEpochEnd(info: StepInfo): void {
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
        this.afterStep(info);
      }
    }
    this.#updatePriors();
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

  #updatePriors(): void {
    const h = { a: this.#cfg.a, b: this.#cfg.b, alpha: this.#cfg.alpha, beta: this.#cfg.beta };
    for (const s of this.#groups) {
      const pi = this.#vars.get(`pi.${s.group.id}`)!.dataSync();
      const sqT = tf.tidy(() => this.#sqNorm(s.group) ?? tf.zeros([pi.length]));
      const sqNorm = sqT.dataSync();
      sqT.dispose();
      const fanIn = this.#initialFanIn(s.group);
      const u = priorUpdate({ pi, sqNorm, fanIn, width: s.group.initialSize }, h);
      s.rho = u.rho;
      if (fanIn > 0) s.sigma2 = u.sigma2;
    }
  }

  /**
   * d_i: incoming weights per unit in the model as built. Weights deleted by removals upstream
   * count as zeros, so σ² (and hence the loss) does not change when units are removed.
   */
  #initialFanIn(g: GateGroup): number {
    const slice = g.producers.find((p) => this.#ctx.net.role(p.param) === "weight");
    if (!slice) return 0;
    const shape = this.#ctx.net.paramDescs.get(slice.param)!.shape;
    return shape.reduce((a, b) => a * b, 1) / shape[slice.axis];
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

  /** ρ_l, σ_l², kept/active counts, change epochs, polarised fraction and forward MACs. */
  logs(): Record<string, number> {
    const out: Record<string, number> = {};
    let polar = 0, total = 0;
    for (const s of this.#groups) {
      const id = s.group.id;
      const pi = this.#vars.get(`pi.${id}`)!.dataSync();
      total += s.group.initialSize;
      polar += s.group.initialSize - s.group.size;
      for (let i = 0; i < pi.length; i++) if (pi[i] < 0.01 || pi[i] > 0.99) polar++;
      out[`rho.${id}`] = s.rho;
      out[`sigma2.${id}`] = s.sigma2;
      out[`kept.${id}`] = s.group.size - (s.alive.length - this.#kept(s));
      out[`active.${id}`] = this.#active(s);
      out[`kept_changed_epoch.${id}`] = s.keptChangedEpoch;
      out[`active_changed_epoch.${id}`] = s.activeChangedEpoch;
    }
    out.polarised = polar / total;
    out.macs_fwd = forwardMacs(this.#ctx.net);
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
    "Variational Bernoulli unit/filter gates with hyper-prior and early removal (formulation after " +
    "Guenter & Sideris 2022, see docs)",
  citation:
    "V. F. I. Guenter, A. Sideris, Robust Learning of Parsimonious Deep Neural Networks, arXiv:2205.04650 (2022)",
  granularities: ["unit"],
  defaults: VBP_DEFAULTS,
  docs: VBP_DOCS,
  ranges: {
    piInit: { min: 0, max: 1 },
    piLr: { above: 0 },
    batchSize: { integer: true, min: 0 },
    a: { above: 0 },
    b: { above: 0 },
    alpha: { above: 0 },
    beta: { above: 0 },
    pruneThreshold: { min: 0, below: 1 },
    prunePatience: { integer: true, min: 1 },
    minUnits: { integer: true, min: 1 },
  },
  create: (ctx, config) => new Vbp(ctx, config),
};
