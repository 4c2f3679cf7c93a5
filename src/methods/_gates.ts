/**
 * Gate bookkeeping shared by the gate-based methods (`l0-hc`, `diffprune`): which tensors get a
 * gate (unit groups or single weights), the per-gate cost |g|, the `Network.forward` options that
 * apply gates, expected-L2 sums, expected MACs and shrinking after unit removal.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { ForwardOptions, Network } from "../models/network.ts";
import type { GateGroup, ParamSlice, RemovalPlan } from "../models/groups.ts";
import type { Granularity } from "./types.ts";
import { prunableWeights } from "./_masks.ts";
import { sumOfSquares } from "./_sum_squares.ts";

/** One gated tensor: a unit group (one gate per unit) or a weight tensor (one gate per weight). */
export interface GateTarget {
  /** Group id (unit granularity) or parameter name (weight granularity). */
  key: string;
  /** The group, for unit gates. */
  group: GateGroup | null;
  /** The parameter name, for weight gates. */
  param: string | null;
  /** Shape of the gate tensor. */
  shape: number[];
  /**
   * |g|: weights per gate. Conv filters: fan-in (C_in·k_h·k_w); input groups and dense units:
   * fan-out (the reference gates the rows of the consuming layer); weight gates: 1.
   */
  cost: number;
  /**
   * True for gates on the network's raw input (the MLP's pixel gates: an `input` group of the first
   * layer), which L0-HC initialises with a lower dropout rate. LeNet-5's `fc1.in` is not one.
   */
  isInput: boolean;
}

/** Options selecting the gate targets. */
export interface TargetOptions {
  /** Unit groups to gate (empty = every group of the network). */
  groups: readonly string[];
  /** Weight granularity: gate the classifier's weights too. */
  includeClassifier: boolean;
}

/** Lists gate targets, or the problems (unknown group ids) found. */
export function gateTargets(
  net: Network,
  granularity: Granularity,
  options: TargetOptions,
): { targets: GateTarget[]; problems: string[] } {
  const problems: string[] = [];
  if (granularity === "weight") {
    const targets = prunableWeights(net, options.includeClassifier).map((name) => ({
      key: name,
      group: null,
      param: name,
      shape: net.params.get(name)!.shape.slice(),
      cost: 1,
      isInput: false,
    }));
    return { targets, problems };
  }
  const ids = net.groups.map((g) => g.id);
  for (const id of options.groups) {
    if (!ids.includes(id)) {
      problems.push(
        `Unknown gate group "${id}": expected one of ${ids.map((x) => `"${x}"`).join(", ")}`,
      );
    }
  }
  const chosen = options.groups.length
    ? net.groups.filter((g) => options.groups.includes(g.id))
    : net.groups;
  const targets = chosen.map((g) => ({
    key: g.id,
    group: g,
    param: null,
    shape: [g.size],
    cost: groupCost(net, g),
    isInput: g.kind === "input" && g.consumers.some((s) => s.param === net.layers[0]?.weight),
  }));
  return { targets, problems };
}

/** |g| of a unit group: fan-in for conv filters, fan-out otherwise (methods.md §1.3). */
export function groupCost(net: Network, g: GateGroup): number {
  return g.kind === "filter" ? net.fanIn(g) : net.fanOut(g);
}

/**
 * `Network.forward` options applying `gateOf(target)`: activation gates for unit targets, a
 * parameter transform (weight × gate) for weight targets. Call inside `tf.tidy`.
 */
export function gatedForward(
  targets: readonly GateTarget[],
  gateOf: (t: GateTarget, batch?: number) => tf.Tensor,
): Pick<ForwardOptions, "gate" | "param"> {
  const byGroup = new Map(targets.filter((t) => t.group).map((t) => [t.key, t]));
  const byParam = new Map(targets.filter((t) => t.param).map((t) => [t.key, t]));
  const out: Pick<ForwardOptions, "gate" | "param"> = {};
  if (byGroup.size) {
    out.gate = (id, activation) => {
      const t = byGroup.get(id);
      return t ? gateOf(t, activation?.shape[0]) : null;
    };
  }
  if (byParam.size) {
    out.param = (name, value) => {
      const t = byParam.get(name);
      return t ? tf.mul(value, gateOf(t)) : value;
    };
  }
  return out;
}

/** The slices whose weights a gate of `t` multiplies (for the expected L2 term). */
function l2Slices(net: Network, t: GateTarget): ParamSlice[] {
  const g = t.group!;
  const slices = g.kind === "filter" ? g.producers : g.consumers;
  return slices.filter((s) => ["weight", "bias"].includes(net.role(s.param)));
}

/** Σ θ² of the parameters each gate of `t` multiplies, shaped like the gate. Call inside tidy. */
export function squaredNormPerGate(net: Network, t: GateTarget): tf.Tensor {
  if (t.param) return tf.square(net.params.get(t.param)!);
  const g = t.group!;
  let acc: tf.Tensor | null = null;
  for (const s of l2Slices(net, t)) {
    const v = net.params.get(s.param)!;
    const axes = v.shape.map((_, i) => i).filter((i) => i !== s.axis);
    const rows = axes.length ? sumOfSquares(v, axes) : tf.square(v);
    const identity = s.labels.length === g.size && s.labels.every((l, i) => l === i);
    const part = identity
      ? rows
      : tf.unsortedSegmentSum(rows, tf.tensor1d(s.labels, "int32"), g.size);
    acc = acc ? tf.add(acc, part) : part;
  }
  return acc ?? tf.zeros([g.size]);
}

/** Weight and bias parameters not multiplied by any gate of `targets` (they get plain L2). */
export function ungatedParams(net: Network, targets: readonly GateTarget[]): string[] {
  const covered = new Set<string>();
  for (const t of targets) {
    if (t.param) covered.add(t.param);
    else for (const s of l2Slices(net, t)) covered.add(s.param);
  }
  return [...net.params.keys()].filter((p) =>
    !covered.has(p) && ["weight", "bias"].includes(net.role(p))
  );
}

/**
 * Expected multiply-accumulates of one example given per-gate probabilities of being non-zero
 * (`probs` by target key), and the dense count. A weight counts with the product of the gate
 * probabilities of its input and output unit (or its own gate), times the output positions.
 */
export function expectedMacs(
  net: Network,
  targets: readonly GateTarget[],
  probs: ReadonlyMap<string, Float32Array>,
): { expected: number; dense: number } {
  let expected = 0, dense = 0;
  for (const layer of net.layers) {
    const w = net.params.get(layer.weight)!;
    const positions = layer.outHW[0] * layer.outHW[1];
    dense += w.size * positions;
    const own = targets.find((t) => t.param === layer.weight);
    if (own) {
      let s = 0;
      for (const p of probs.get(own.key)!) s += p;
      expected += s * positions;
      continue;
    }
    const inAxis = w.rank - 2, outAxis = w.rank - 1;
    const pin = new Float64Array(w.shape[inAxis]).fill(1),
      pout = new Float64Array(w.shape[outAxis]).fill(1);
    for (const t of targets) {
      if (!t.group) continue;
      const p = probs.get(t.key)!;
      for (const s of [...t.group.producers, ...t.group.consumers]) {
        if (s.param !== layer.weight) continue;
        const v = s.axis === inAxis ? pin : s.axis === outAxis ? pout : null;
        if (v) { for (let i = 0; i < v.length; i++) v[i] *= p[s.labels[i]]; }
      }
    }
    const kernel = w.size / (w.shape[inAxis] * w.shape[outAxis]);
    expected += pin.reduce((a, b) => a + b, 0) * pout.reduce((a, b) => a + b, 0) * kernel *
      positions;
  }
  return { expected, dense };
}

let uid = 0;

/**
 * One trainable tensor per gate target (log α or φ), created from `init(target)` values, with
 * shrinking after unit removal.
 */
export class GateParams {
  /** The gated targets (shapes follow unit removal). */
  readonly targets: GateTarget[];
  /** Variables by target key. */
  readonly vars: Map<string, tf.Variable> = new Map();
  readonly #prefix: string;
  readonly #net: Network;

  /** Creates the variables (named `<prefix>.<key>#n`). */
  constructor(
    net: Network,
    prefix: string,
    targets: GateTarget[],
    init: (t: GateTarget) => Float32Array,
  ) {
    this.#net = net;
    this.#prefix = prefix;
    this.targets = targets;
    for (const t of targets) {
      this.vars.set(t.key, this.#variable(t.key, tf.tensor(init(t), t.shape)));
    }
  }

  #variable(key: string, value: tf.Tensor): tf.Variable {
    const v = tf.variable(value, true, `${this.#prefix}.${key}#${uid++}`);
    value.dispose();
    return v;
  }

  /** Gathers the surviving entries after `ctx.removeUnits` (or compaction). */
  shrink(plan: RemovalPlan): void {
    for (const t of this.targets) {
      const old = this.vars.get(t.key)!;
      let next: tf.Tensor | null = null;
      if (t.group && plan.kept.has(t.key)) {
        const kept = plan.kept.get(t.key)!;
        next = tf.tidy(() => tf.gather(old, tf.tensor1d(kept, "int32")));
      } else if (t.param) {
        const ops = plan.ops.filter((o) => o.param === t.param);
        if (ops.length) {
          next = tf.tidy(() =>
            ops.reduce(
              (acc: tf.Tensor, o) => tf.gather(acc, tf.tensor1d(o.indices, "int32"), o.axis),
              old,
            )
          );
        }
      }
      if (!next) continue;
      t.shape = next.shape.slice();
      this.vars.set(t.key, this.#variable(t.key, next));
      old.dispose();
    }
    // fan-outs change when a consuming layer loses units
    for (const t of this.targets) if (t.group) t.cost = groupCost(this.#net, t.group);
  }

  /** Applies `f` to every variable in place (e.g. clamping), inside a tidy. */
  update(f: (v: tf.Tensor) => tf.Tensor): void {
    for (const v of this.vars.values()) tf.tidy(() => v.assign(f(v)));
  }

  /** Reads `f(variable)` of every target as numbers (e.g. test gates, probabilities). */
  read(f: (v: tf.Tensor) => tf.Tensor): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [k, v] of this.vars) {
      const t = tf.tidy(() => f(v));
      out.set(k, Float32Array.from(t.dataSync()));
      t.dispose();
    }
    return out;
  }

  /** Releases the variables. */
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
