/**
 * `dam`: DiscriminAtive Masking. J. Bu, A. Daw, M. Maruf, A. Karpatne, *Learning Compact
 * Representations of Neural Networks using DiscriminAtive Masking (DAM)*, NeurIPS 2021,
 * arXiv:2110.00684. Reference code: jayroxis/dam-pytorch @ a32fc8f (docs/methods.md §4,
 * docs/methods/dam.md).
 *
 * Each gated layer of width n gets one learnable offset β (and a steepness α, frozen at 1) and
 * the fixed mask m_i = ReLU(tanh(α²(μ_i + β))), μ_i = 5i/n: units are switched off in a fixed
 * order, lowest index first, as β falls. Penalty λ·mean_l max(β_l, −5). A unit is pruned iff its
 * mask is exactly 0; train and test gates are identical (deterministic).
 *
 * Porting notes:
 * - Weight decay on β caps pruning: with no task gradient β settles at ≈ −λ/(L·wd) (the reference
 *   applies its 1e-3 to β). Here decay on β is **off by default** (`betaWeightDecay` = 0) and
 *   the value used is logged (`beta_weight_decay`).
 * - α is trainable in `dam.py` but frozen in every experiment: frozen here (`trainAlpha`).
 * - β is frozen for the first 10% of training (the reference's 20 of 200 epochs, "cold start").
 * - The reference evaluates its best-validation checkpoint, which can be an early, less-pruned
 *   epoch; the suite reports the final epoch, sparsity and accuracy of the same weights. It has no
 *   EMA: recipes for `dam` should not set one (the `paper` suite does not).
 * - μ is stored per unit (indices of the initial width) and gathered on unit removal, so a
 *   compacted network computes the same masks.
 * - NOT in the reference (on by default, `removeDuringTraining`): units whose mask is exactly 0 at
 *   `removalPatience` (2) consecutive epoch ends are removed for good; in the reference a later
 *   rise of β could reopen them. The patience lets an EMA of β (0.999: ≈ 1.7 epochs) catch up.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { GateGroup, RemovalPlan } from "../models/groups.ts";
import type { ForwardOptions } from "../models/network.ts";
import type { MethodContext, MethodSpec, PruningMethod, VariableGroup } from "./types.ts";
import { ConfigError } from "../util/errors.ts";

/** Gate functions of the reference code. */
export const DAM_GATES = ["relu_tanh", "linear", "piecewise_linear"] as const;
/** A gate variant. */
export type DamGate = typeof DAM_GATES[number];

/** Hyperparameters of `dam`. */
export interface DamConfig {
  /** Penalty weight λ. */
  lambda: number;
  /** Penalty form: `mean-clamped` λ·mean_l max(β_l, floor); `linear` λ·Σ_l β_l (single-layer DR form). */
  penalty: "mean-clamped" | "linear";
  /** Clamp of the mean-clamped penalty. */
  betaFloor: number;
  /** Gate variant. */
  gate: DamGate;
  /** Initial β; null = 1 for relu_tanh, 0.1 for the linear variants. */
  betaInit: number | null;
  /** Initial α. */
  alphaInit: number;
  /** Train α (the reference freezes it). */
  trainAlpha: boolean;
  /** Fraction of the epochs during which β is frozen (cold start). */
  coldStartFraction: number;
  /** Cold-start epochs; ≥ 0 overrides `coldStartFraction`. */
  coldStartEpochs: number;
  /** Weight decay on β, with the weights' optimizer otherwise (reference: 1e-3; default 0). */
  betaWeightDecay: number;
  /** Gated group ids; empty = every `unit` and `filter` group. */
  groups: string[];
  /** Remove units whose mask is exactly 0 at an epoch end for good (conditional computation). */
  removeDuringTraining: boolean;
  /** Consecutive epoch ends a unit's mask must be exactly 0 before it is removed. */
  removalPatience: number;
}

/** Documented defaults of `dam` (docs/methods.md §4). */
export const DAM_DEFAULTS: Readonly<DamConfig> = {
  lambda: 0.1,
  penalty: "mean-clamped",
  betaFloor: -5,
  gate: "relu_tanh",
  betaInit: null,
  alphaInit: 1,
  trainAlpha: false,
  coldStartFraction: 0.1,
  coldStartEpochs: -1,
  betaWeightDecay: 0,
  groups: [],
  removeDuringTraining: true,
  removalPatience: 2,
};

/** μ_i = 5i/n for i = 0…n−1. */
export function damMu(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => 5 * i / n);
}

/** The mask f(α²(μ + β)) for a gate variant. Call inside `tf.tidy`. */
export function damMask(
  gate: DamGate,
  mu: tf.Tensor,
  beta: tf.Tensor,
  alpha: tf.Tensor | number,
): tf.Tensor {
  const z = tf.mul(tf.square(alpha), tf.add(mu, beta));
  if (gate === "linear") return tf.relu(z);
  if (gate === "piecewise_linear") return tf.minimum(tf.relu(z), 1);
  return tf.relu(tf.tanh(z));
}

interface GroupState {
  group: GateGroup;
  mu: Float32Array;
  /** Consecutive epoch ends each unit's mask was exactly 0. */
  closed: Int32Array;
}

function validate(c: DamConfig, net: MethodContext["net"]): void {
  const p: string[] = [];
  if (!(c.lambda >= 0)) p.push(`lambda ${c.lambda} must be ≥ 0`);
  if (!DAM_GATES.includes(c.gate)) {
    p.push(`gate "${c.gate}" must be one of ${DAM_GATES.map((g) => `"${g}"`).join(", ")}`);
  }
  if (!["mean-clamped", "linear"].includes(c.penalty)) {
    p.push(`penalty "${c.penalty}" must be "mean-clamped" or "linear"`);
  }
  if (!(c.coldStartFraction >= 0 && c.coldStartFraction <= 1)) {
    p.push(`coldStartFraction ${c.coldStartFraction} must be in [0, 1]`);
  }
  if (!(c.betaWeightDecay >= 0)) p.push(`betaWeightDecay ${c.betaWeightDecay} must be ≥ 0`);
  if (!(Number.isInteger(c.removalPatience) && c.removalPatience >= 1)) {
    p.push(`removalPatience ${c.removalPatience} must be an integer ≥ 1`);
  }
  if (!Number.isInteger(c.coldStartEpochs)) {
    p.push(`coldStartEpochs ${c.coldStartEpochs} must be an integer`);
  }
  const ids = net.groups.map((g) => g.id);
  for (const id of c.groups) {
    if (!ids.includes(id)) {
      p.push(`unknown group "${id}": expected one of ${ids.map((x) => `"${x}"`).join(", ")}`);
    }
  }
  if (p.length) throw new ConfigError(p, "dam configuration");
}

let uid = 0;

/** The `dam` method instance. */
export class Dam implements PruningMethod {
  /** Method id. */
  readonly id = "dam";
  readonly #cfg: DamConfig;
  readonly #groups: GroupState[];
  readonly #betas = new Map<string, tf.Variable>();
  readonly #alphas = new Map<string, tf.Variable>();
  readonly #coldEpochs: number;
  readonly #ctx: MethodContext;

  /** Creates β (and α) for every gated group. */
  constructor(ctx: MethodContext, config: DamConfig) {
    validate(config, ctx.net);
    this.#cfg = config;
    this.#ctx = ctx;
    const chosen = config.groups.length
      ? ctx.net.groups.filter((g) => config.groups.includes(g.id))
      : ctx.net.groups.filter((g) => g.kind === "unit" || g.kind === "filter");
    if (!chosen.length) {
      throw new ConfigError(
        [`network "${ctx.net.arch.id}" has no gateable groups`],
        "dam configuration",
      );
    }
    const b0 = config.betaInit ?? (config.gate === "relu_tanh" ? 1 : 0.1);
    this.#groups = chosen.map((g) => ({
      group: g,
      mu: damMu(g.size),
      closed: new Int32Array(g.size),
    }));
    for (const { group } of this.#groups) {
      this.#betas.set(
        `beta.${group.id}`,
        tf.tidy(() => tf.variable(tf.scalar(b0), true, `dam.beta.${group.id}#${uid++}`)),
      );
      if (config.trainAlpha) {
        this.#alphas.set(
          `alpha.${group.id}`,
          tf.tidy(() =>
            tf.variable(tf.scalar(config.alphaInit), true, `dam.alpha.${group.id}#${uid++}`)
          ),
        );
      }
    }
    this.#coldEpochs = config.coldStartEpochs >= 0
      ? config.coldStartEpochs
      : Math.round(config.coldStartFraction * ctx.epochs);
  }

  /** Epochs during which β is frozen. */
  get coldStartEpochs(): number {
    return this.#coldEpochs;
  }

  /** β (cold-started; weights' optimizer, decay off unless `betaWeightDecay`) and α if trained. */
  variableGroups(): VariableGroup[] {
    const beta: VariableGroup = {
      name: "dam_beta",
      variables: this.#betas,
      optimizer: null,
      trainable: (s) => s.epoch >= this.#coldEpochs,
    };
    if (this.#cfg.betaWeightDecay > 0) beta.weightDecay = this.#cfg.betaWeightDecay;
    const out = [beta];
    if (this.#alphas.size) {
      out.push({ name: "dam_alpha", variables: this.#alphas, optimizer: null });
    }
    return out;
  }

  /** The mask of a group (current width). Call inside `tf.tidy`. */
  mask(groupId: string): tf.Tensor {
    const s = this.#groups.find((x) => x.group.id === groupId);
    if (!s) throw new RangeError(`Cannot find DAM gate of group "${groupId}"`);
    const alpha = this.#alphas.get(`alpha.${groupId}`) ?? this.#cfg.alphaInit;
    return damMask(this.#cfg.gate, tf.tensor1d(s.mu), this.#betas.get(`beta.${groupId}`)!, alpha);
  }

  /** The same deterministic masks in training and evaluation. */
  forwardOptions(_mode: "train" | "eval"): Pick<ForwardOptions, "gate" | "param"> {
    const ids = new Set(this.#groups.map((s) => s.group.id));
    return { gate: (id: string) => (ids.has(id) ? this.mask(id) : null) };
  }

  /** λ·mean_l max(β_l, −5), or λ·Σ_l β_l for the `linear` form. */
  penalty(): tf.Scalar {
    const betas = [...this.#betas.values()];
    if (this.#cfg.penalty === "linear") return tf.mul(tf.addN(betas), this.#cfg.lambda);
    const clamped = betas.map((b) => tf.maximum(b, this.#cfg.betaFloor));
    return tf.mul(tf.addN(clamped), this.#cfg.lambda / betas.length);
  }

  /**
   * With `removeDuringTraining`: removes the units whose mask was exactly 0 at `removalPatience`
   * consecutive epoch ends (at least one unit of a group stays). Their activations were exactly 0 and the ReLU passed no gradient to them, so
   * the loss of the remaining network is unchanged; only a later rise of β could have reopened them.
   */
  onEpochEnd(): void {
    if (!this.#cfg.removeDuringTraining) return;
    const masks = this.keepMasks();
    for (const st of this.#groups) {
      const keep = masks.get(st.group.id)!, kept: number[] = [];
      keep.forEach((k, i) => {
        st.closed[i] = k ? 0 : st.closed[i] + 1;
        if (st.closed[i] < this.#cfg.removalPatience) kept.push(i);
      });
      if (kept.length === keep.length) continue;
      if (kept.length === 0) kept.push(keep.length - 1); // the last unit closes last
      if (kept.length < keep.length) this.#ctx.removeUnits(st.group.id, kept);
    }
  }

  /** Keeps μ aligned with the surviving units. */
  onUnitsRemoved(plan: RemovalPlan): void {
    for (const s of this.#groups) {
      const kept = plan.kept.get(s.group.id);
      if (kept) {
        s.mu = Float32Array.from(kept, (i) => s.mu[i]);
        s.closed = Int32Array.from(kept, (i) => s.closed[i]);
      }
    }
  }

  /** Keep iff the mask is exactly non-zero. */
  keepMasks(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const s of this.#groups) {
      const m = tf.tidy(() => this.mask(s.group.id));
      out.set(s.group.id, Uint8Array.from(m.dataSync(), (v) => (v > 0 ? 1 : 0)));
      m.dispose();
    }
    return out;
  }

  /** β, active count per group, and the decay/cold-start choices. */
  logs(): Record<string, number> {
    const out: Record<string, number> = {};
    const keep = this.keepMasks();
    for (const s of this.#groups) {
      const id = s.group.id;
      out[`beta.${id}`] = this.#betas.get(`beta.${id}`)!.dataSync()[0];
      const a = this.#alphas.get(`alpha.${id}`);
      if (a) out[`alpha.${id}`] = a.dataSync()[0];
      out[`active.${id}`] = keep.get(id)!.reduce((x, y) => x + y, 0);
    }
    out.beta_weight_decay = this.#cfg.betaWeightDecay;
    out.cold_start_epochs = this.#coldEpochs;
    return out;
  }

  /** Releases β and α. */
  dispose(): void {
    for (const v of [...this.#betas.values(), ...this.#alphas.values()]) v.dispose();
    this.#betas.clear();
    this.#alphas.clear();
  }
}

/** Registry entry of `dam`. */
export const DAM: MethodSpec<DamConfig> = {
  id: "dam",
  summary:
    "DiscriminAtive Masking: ordered ReLU(tanh) unit/channel masks with one learned offset per layer",
  citation:
    "J. Bu, A. Daw, M. Maruf, A. Karpatne, Learning Compact Representations of Neural Networks using " +
    "DiscriminAtive Masking (DAM), NeurIPS 2021, arXiv:2110.00684",
  granularities: ["unit"],
  defaults: DAM_DEFAULTS,
  docs: {
    lambda: "Penalty weight λ (0.1; README 0.2; 0.01 for linear DR).",
    penalty:
      'Penalty form: "mean-clamped" λ·mean_l max(β_l, floor) (ResNet code) or "linear" λ·Σβ (AE/DR code).',
    betaFloor: "Clamp of the mean-clamped penalty (−5: a fully masked layer gets no further push).",
    gate: 'Gate variant: "relu_tanh" (paper), "linear", "piecewise_linear".',
    betaInit: "Initial β; null = 1 (relu_tanh) or 0.1 (linear variants).",
    alphaInit: "Initial α (1).",
    trainAlpha: "Train α (false: frozen as in the reference experiments).",
    coldStartFraction: "Fraction of epochs with β frozen (0.1 = the reference's 20 of 200).",
    coldStartEpochs: "Cold-start epochs; ≥ 0 overrides coldStartFraction (−1).",
    betaWeightDecay: "Weight decay on β (0; the reference's 1e-3 caps pruning at β ≈ −λ/(L·wd)).",
    groups: "Gated group ids (empty = all unit and filter groups).",
    removeDuringTraining:
      "Remove units whose mask is exactly 0 at removalPatience consecutive epoch ends for good (true).",
    removalPatience:
      "Consecutive epoch ends a mask must be exactly 0 before removal (2: an EMA of β catches up).",
  },
  ranges: {
    lambda: { min: 0 },
    penalty: { oneOf: ["mean-clamped", "linear"] },
    gate: { oneOf: DAM_GATES },
    coldStartFraction: { min: 0, max: 1 },
    coldStartEpochs: { integer: true },
    betaWeightDecay: { min: 0 },
  },
  create: (ctx, config) => new Dam(ctx, config),
};
