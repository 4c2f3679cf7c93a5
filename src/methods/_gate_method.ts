/**
 * The common body of the gate-based L0 methods (`l0-hc`, `diffprune`): one trainable tensor per
 * gate target, an L0 penalty λ/N·Σ_g |g|·P(z_g≠0) (plus optional expected L2), train/eval gates,
 * keep masks (kept iff the eval gate > 0) and per-epoch logs (expected L0 and FLOPs).
 *
 * @module
 */
import type * as tf from "../deps/tfjs.ts";
import type {
  Granularity,
  MethodContext,
  PruningMethod,
  StepInfo,
  VariableLayout,
} from "./types.ts";
import type { RemovalPlan } from "../models/groups.ts";
import { ConfigError } from "../util/errors.ts";
import { expectedMacs, gatedForward, GateParams, type GateTarget, gateTargets } from "./_gates.ts";
import { gatePenalty } from "./_gate_penalty.ts";

/** Hyperparameters shared by the gate-based methods. */
export interface GateMethodCommon {
  /** L0 strength in units of 1/N (0.1 = λ of 0.1/N per weight). */
  lambda: number;
  /** Per-target λ (group id, or parameter name for weight gates), overriding `lambda`. */
  lambdaPerGroup: Record<string, number>;
  /** `unit` (one gate per unit/filter/input) or `weight` (one gate per weight). */
  granularity: Granularity;
  /** Unit groups to gate ([] = all). */
  groups: string[];
  /** Weight granularity: gate the classifier's weights too. */
  includeClassifier: boolean;
  /** Remove units for good during training once the method's removal rule holds (unit gates). */
  removeDuringTraining: boolean;
}

/** What a concrete gate method plugs into {@linkcode gateMethodBase}. */
export interface GateHooks {
  /** Method id. */
  id: string;
  /** Name of the variable group, e.g. `log_alpha`. */
  varName: string;
  /** Initial values of a target's variable. */
  init(t: GateTarget): Float32Array;
  /** P(z ≠ 0) per gate (differentiable). */
  prob(v: tf.Tensor): tf.Tensor;
  /** Deterministic (evaluation) gate. */
  testGate(v: tf.Tensor): tf.Tensor;
  /** Training gate with noise of `noiseShape` (broadcast against `v`). */
  trainGate(v: tf.Tensor, noiseShape: number[]): tf.Tensor;
  /** One sample per example (activation gates [B, …, units]). */
  perExample: boolean;
  /** Expected-L2 coefficient (λ₂ = N·weightDecay); 0 = off. */
  weightDecay: number;
  /** Per-step hook (clamping, temperature). */
  afterStep?(params: GateParams, info: StepInfo): void;
  /** Extra per-epoch scalars. */
  logs(): Record<string, number>;
  /**
   * Removal rule, read at every epoch end: 1 where a unit may be removed now (e.g. its gate is
   * exactly 0). A unit is removed after `removalPatience` consecutive epoch ends with 1.
   * Absent = no removal during training.
   */
  removable?(v: tf.Tensor): tf.Tensor;
  /** Consecutive epoch ends the removal rule must hold. @default 1 */
  removalPatience?: number;
}

/** Validates the shared hyperparameters; returns the gate targets or throws every problem. */
function validatedTargets(
  net: MethodContext["net"],
  c: GateMethodCommon,
  problems: string[],
  id: string,
): GateTarget[] {
  if (!["unit", "weight"].includes(c.granularity)) {
    problems.push(`granularity must be "unit" or "weight": got "${c.granularity}"`);
  }
  if (!(c.lambda >= 0)) problems.push(`lambda must be ≥ 0: got ${c.lambda}`);
  const { targets, problems: tp } = gateTargets(
    net,
    c.granularity === "weight" ? "weight" : "unit",
    c,
  );
  problems.push(...tp);
  const keys = targets.map((t) => t.key);
  for (const [k, v] of Object.entries(c.lambdaPerGroup)) {
    if (!keys.includes(k)) {
      problems.push(
        `lambdaPerGroup names unknown target "${k}": expected one of ${
          keys.map((x) => `"${x}"`).join(", ")
        }`,
      );
    }
    if (!(typeof v === "number" && v >= 0)) {
      problems.push(`lambdaPerGroup["${k}"] must be a number ≥ 0: got ${v}`);
    }
  }
  if (problems.length) throw new ConfigError(problems, `hyperparameters of method "${id}"`);
  return targets;
}

/** The gated forward pass: eval gates, or training gates (per example when the method says so). */
function gateForwardOptions(
  params: GateParams,
  h: GateHooks,
  mode: "train" | "eval",
  batchSize?: number,
) {
  const cache = new Map<string, tf.Tensor>();
  // Per-example gates take the batch's size from the activation they multiply (the last
  // batch of an epoch may be short), else from `batchSize`.
  return gatedForward(params.targets, (t, rows) => {
    let z = cache.get(t.key);
    if (!z) {
      const v = params.vars.get(t.key)!;
      const b = rows ?? batchSize;
      if (mode === "eval") z = h.testGate(v);
      else if (h.perExample && t.group && b !== undefined) {
        z = h.trainGate(v, t.group.kind === "filter" ? [b, 1, 1, t.shape[0]] : [b, t.shape[0]]);
      } else if (h.perExample && t.group) {
        throw new Error(
          `Cannot sample per-example gates of "${t.key}": the batch size is unknown; ` +
            "pass it to forwardOptions or gate through Network.forward",
        );
      } else z = h.trainGate(v, t.shape);
      cache.set(t.key, z);
    }
    return z;
  });
}

/** Keep masks of the eval gates (> 0) of the targets of `granularity` (empty for the other). */
function gateMasks(
  params: GateParams,
  h: GateHooks,
  c: GateMethodCommon,
  granularity: Granularity,
): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if ((c.granularity === "weight") !== (granularity === "weight")) return out;
  for (const [k, z] of params.read(h.testGate)) {
    out.set(k, Uint8Array.from(z, (x) => (x > 0 ? 1 : 0)));
  }
  return out;
}

/**
 * Per-epoch logs: expected L0 and FLOPs, kept and binary fractions, the method's own. Fractions
 * are over the initial gates: a unit removed during training counts as a closed (binary) gate.
 */
function gateLogs(
  net: MethodContext["net"],
  params: GateParams,
  c: GateMethodCommon,
  h: GateHooks,
): Record<string, number> {
  const probs = params.read(h.prob), gates = params.read(h.testGate);
  let l0 = 0, count = 0, kept = 0, binary = 0;
  const out: Record<string, number> = {};
  const initial = new Map(params.targets.map((t) => [t.key, t.group?.initialSize]));
  for (const [k, p] of probs) {
    for (const x of p) l0 += x;
    const removed = Math.max(0, (initial.get(k) ?? p.length) - p.length);
    count += p.length + removed;
    binary += removed;
    let kk = 0;
    for (const z of gates.get(k)!) (kk += z > 0 ? 1 : 0, binary += z === 0 || z === 1 ? 1 : 0);
    kept += kk;
    if (c.granularity === "unit") out[`kept.${k}`] = kk;
  }
  const macs = expectedMacs(net, params.targets, probs);
  return {
    expected_l0: l0,
    expected_l0_fraction: count ? l0 / count : 0,
    expected_flops: macs.expected,
    expected_flops_fraction: macs.dense ? macs.expected / macs.dense : 0,
    kept_fraction: count ? kept / count : 1,
    binary_fraction: count ? binary / count : 0,
    ...out,
    ...h.logs(),
  };
}

/** Builds a gate-based method; throws a {@linkcode ConfigError} listing `problems` and its own. */
export function gateMethodBase(
  ctx: MethodContext,
  c: GateMethodCommon,
  problems: string[],
  h: GateHooks,
): PruningMethod & { readonly params: GateParams } {
  const net = ctx.net;
  const targets = validatedTargets(net, c, problems, h.id);
  const params = new GateParams(net, h.id, targets, h.init);
  const penalty = gatePenalty(ctx, c, params, h);
  const removal = c.removeDuringTraining && h.removable
    ? new GateRemoval(ctx, params, h.removable, h.removalPatience ?? 1)
    : null;

  return {
    id: h.id,
    params,
    variableGroups: () => [{
      name: h.varName,
      variables: params.vars,
      optimizer: null,
      layout: new Map<string, VariableLayout>(
        params.targets.map((t) => [t.key, t.group ? { group: t.key } : { param: t.key }]),
      ),
    }],
    forwardOptions: (mode: "train" | "eval", batchSize?: number) =>
      gateForwardOptions(params, h, mode, batchSize),
    penalty: () => penalty(),
    afterStep: (info) => h.afterStep?.(params, info),
    onEpochEnd: removal ? () => removal.epochEnd() : undefined,
    onUnitsRemoved: (plan: RemovalPlan) => removal ? removal.shrink(plan) : params.shrink(plan),
    keepMasks: () => gateMasks(params, h, c, "unit"),
    weightMasks: () => gateMasks(params, h, c, "weight"),
    logs: () => gateLogs(net, params, c, h),
    dispose: () => params.dispose(),
  };
}

/**
 * Removal of units during training (conditional computation) for the gate methods: counts, per
 * unit, the consecutive epoch ends at which the method's rule held and removes the units that
 * reached the patience through `ctx.removeUnits` (at least one unit of every group stays). The
 * per-gate costs |g| keep their initial values, so the L0 penalty of the remaining gates is the
 * one of the network without removal.
 */
class GateRemoval {
  readonly #counts = new Map<string, Int32Array>();
  #removing = false;

  constructor(
    readonly ctx: MethodContext,
    readonly params: GateParams,
    readonly rule: (v: tf.Tensor) => tf.Tensor,
    readonly patience: number,
  ) {
    for (const t of params.targets) {
      if (t.group) this.#counts.set(t.key, new Int32Array(t.shape[0]));
    }
  }

  /** Updates the counts and removes the units that reached the patience. */
  epochEnd(): void {
    const now = this.params.read(this.rule);
    for (const t of this.params.targets) {
      const counts = this.#counts.get(t.key);
      if (!counts) continue;
      const r = now.get(t.key)!;
      const keep: number[] = [];
      for (let i = 0; i < counts.length; i++) {
        counts[i] = r[i] > 0 ? counts[i] + 1 : 0;
        if (counts[i] < this.patience) keep.push(i);
      }
      if (keep.length === counts.length) continue;
      if (keep.length === 0) keep.push(0); // a layer keeps one (closed) unit
      this.#removing = true;
      try {
        this.ctx.removeUnits(t.key, keep); // the engine calls onUnitsRemoved with the plan
      } finally {
        this.#removing = false;
      }
    }
  }

  /** Shrinks the gate variables and the counts; during training removal the costs stay. */
  shrink(plan: RemovalPlan): void {
    const costs = this.params.targets.map((t) => t.cost);
    this.params.shrink(plan);
    if (this.#removing) this.params.targets.forEach((t, i) => (t.cost = costs[i]));
    for (const [key, counts] of this.#counts) {
      const kept = plan.kept.get(key);
      if (kept) this.#counts.set(key, Int32Array.from(kept, (i) => counts[i]));
    }
  }
}
