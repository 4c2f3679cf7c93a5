/**
 * A network built from an {@linkcode ArchSpec}: named variables, gate groups and a forward pass
 * that applies a method's gates (to activations) or parameter transforms (masks on weights).
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { ArchSpec, ConvSpec, DenseSpec, LayerSpec } from "./spec.ts";
import {
  type BuiltShapes,
  inferShapes,
  type LayerInfo,
  type ParamDesc,
  type ParamRole,
} from "./build.ts";
import { type GateGroup, type ParamSlice, type RemovalPlan, removalPlan } from "./groups.ts";
import { Rng } from "../util/rng.ts";
import { fusedTail, fusedTailAvailable } from "./_bias_act_gate.ts";
import { inputGatedMatMul } from "./_input_gate.ts";

/** A batch-norm statistics update collected during a training forward pass. */
export interface BatchNormUpdate {
  /** Layer name. */
  layer: string;
  /** Batch mean (kept tensor; the collector disposes it). */
  mean: tf.Tensor;
  /** Batch variance (biased; kept tensor). */
  variance: tf.Tensor;
  /** Number of values each statistic averaged (B·H·W). */
  count: number;
}

/** Options of {@linkcode Network.forward}. */
export interface ForwardOptions {
  /** Training mode: batch statistics in BN. @default false */
  training?: boolean;
  /**
   * Activation gate for a group (vector of its current size, or any shape that broadcasts
   * against `activation`, e.g. per-example gates [B, units]), or null for none. `activation` has
   * the shape of the tensor the gate will multiply (its first dimension is the batch size); use
   * only its shape: it holds the layer's values before bias and activation (on wasm the bias,
   * relu and gate run as one fused kernel).
   */
  gate?: (groupId: string, activation?: tf.Tensor) => tf.Tensor | null;
  /** Transforms a parameter before use (e.g. multiplies a weight by a mask). */
  param?: (name: string, value: tf.Tensor) => tf.Tensor;
  /** When training, BN batch statistics are pushed here (as kept tensors) for the running update. */
  bnUpdates?: BatchNormUpdate[];
}

let uid = 0;
/** Set by `clone()` for the duration of the constructor call it makes. */
let cloneSource: Network | null = null;

function copySlices(ss: readonly ParamSlice[]): ParamSlice[] {
  return ss.map((x) => ({ ...x, labels: x.labels.slice() }));
}

interface IncomingState {
  layer: string;
  rows: Int32Array;
  lab: Int32Array | null;
  producer: GateGroup | null;
}

/** Network options. */
export interface NetworkOptions {
  /** Seed of the initial weights. @default 0 */
  seed?: number;
}

/**
 * A gated network. Variables are authoritative for shapes: removing units replaces them.
 *
 * @example Build LeNet-300-100 and run a forward pass
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { Network } from "./network.ts";
 * import { getArch } from "./registry.ts";
 * await tf.setBackend("cpu");
 * const net = new Network(getArch("lenet-300-100"), { seed: 1 });
 * const y = tf.tidy(() => net.forward(tf.zeros([2, 784])));
 * if (y.shape.join() !== "2,10") throw new Error(String(y.shape));
 * y.dispose(); net.dispose();
 * ```
 */
export class Network {
  /** The architecture this network was built from (initial widths). */
  readonly arch: ArchSpec;
  /** Trainable parameters by name. */
  readonly params: Map<string, tf.Variable> = new Map();
  /** Non-trainable buffers (BN running statistics) by name. */
  readonly buffers: Map<string, tf.Variable> = new Map();
  /** Gate groups in forward order. */
  readonly groups: GateGroup[];
  /** Compute layers in forward order. */
  readonly layers: readonly LayerInfo[];
  /** Static descriptions of the parameters (initial shapes, roles). */
  readonly paramDescs: ReadonlyMap<string, ParamDesc>;
  /**
   * For input-gated dense layers whose input units were removed: positions of the incoming
   * feature vector still fed to the layer (one per weight row). Absent = all, in order.
   */
  readonly inputSelection: Map<string, Int32Array> = new Map();
  /** Cached index tensors of `inputSelection` (uploaded once, not on every forward pass). */
  #selectionTensors = new Map<string, { rows: Int32Array; t: tf.Tensor }>();

  /** Builds the network and initialises its variables deterministically from `seed`. */
  constructor(arch: ArchSpec, options: NetworkOptions = {}) {
    this.arch = arch;
    if (cloneSource) {
      // clone(): copy the source's current state instead of initialising (keeps private members).
      const src = cloneSource;
      cloneSource = null;
      this.groups = src.groups.map((g) => ({
        ...g,
        producers: copySlices(g.producers),
        consumers: copySlices(g.consumers),
        buffers: copySlices(g.buffers),
      }));
      this.layers = src.layers;
      this.paramDescs = src.paramDescs;
      for (const [k, v] of src.inputSelection) this.inputSelection.set(k, v.slice());
      for (const [k, v] of src.params) {
        this.params.set(k, this.#newVar(k, v.clone(), v.shape, v.trainable));
      }
      for (const [k, v] of src.buffers) {
        this.buffers.set(k, this.#newVar(k, v.clone(), v.shape, v.trainable));
      }
      return;
    }
    const shapes: BuiltShapes = inferShapes(arch);
    this.groups = shapes.groups;
    this.layers = shapes.layers;
    this.paramDescs = new Map(shapes.params.map((p) => [p.name, p]));
    const rng = new Rng(options.seed ?? 0, 7);
    for (const p of shapes.params) {
      this.params.set(p.name, this.#newVar(p.name, initValues(p, rng), p.shape, true));
    }
    for (const b of shapes.buffers) {
      this.buffers.set(b.name, this.#newVar(b.name, initValues(b, rng), b.shape, false));
    }
  }

  #newVar(
    name: string,
    values: Float32Array | tf.Tensor,
    shape: number[],
    trainable: boolean,
  ): tf.Variable {
    const t = values instanceof Float32Array ? tf.tensor(values, shape) : values;
    const v = tf.variable(t, trainable, `${name}#${uid++}`);
    t.dispose();
    return v;
  }

  /** Role of a parameter. */
  role(name: string): ParamRole {
    const d = this.paramDescs.get(name);
    if (!d) throw new RangeError(`Cannot find parameter "${name}" in network "${this.arch.id}"`);
    return d.role;
  }

  /** A group by id (throws a RangeError listing valid ids). */
  group(id: string): GateGroup {
    const g = this.groups.find((x) => x.id === id);
    if (!g) {
      throw new RangeError(
        `Cannot find gate group "${id}": expected one of ${
          this.groups.map((x) => `"${x.id}"`).join(", ")
        }`,
      );
    }
    return g;
  }

  /** Number of weights per unit in the producing layer (incoming weights; 0 for input groups). */
  fanIn(group: GateGroup): number {
    const w = group.producers.find((s) => this.role(s.param) === "weight");
    if (!w) return 0;
    const v = this.params.get(w.param)!;
    return v.size / v.shape[w.axis];
  }

  /** Number of downstream weights reading each unit. */
  fanOut(group: GateGroup): number {
    let n = 0;
    for (const s of group.consumers) {
      const v = this.params.get(s.param)!;
      n += v.size / v.shape[s.axis] * s.labels.length / group.size;
    }
    return n;
  }

  /** Logits for input `x` ([B, ...inputShape]). Call inside `tf.tidy`. */
  forward(x: tf.Tensor, options: ForwardOptions = {}): tf.Tensor {
    return this.#run(this.arch.layers, x, options);
  }

  #p(name: string, o: ForwardOptions): tf.Tensor {
    const v = this.params.get(name)!;
    return o.param ? o.param(name, v) : v;
  }

  /**
   * Bias, batch norm, activation and gate of a dense or conv layer; one fused kernel when the
   * layer has a bias, no batch norm and a vector gate (or none), on wasm with SIMD.
   */
  #tail(l: DenseSpec | ConvSpec, x: tf.Tensor, o: ForwardOptions): tf.Tensor {
    const relu = l.activation === "relu", bn = l.type === "conv2d" && l.batchNorm;
    const b = (l.bias ?? true) ? this.#p(`${l.name}.b`, o) : null;
    const g = l.gated ? o.gate?.(l.name, x) ?? null : null;
    if (b && !bn && fusedTailAvailable(x, b, g)) return fusedTail(x, b, g, relu);
    if (b) x = tf.add(x, b);
    if (bn) x = this.#batchNorm(l.name, x, o);
    if (relu) x = tf.relu(x);
    return g ? tf.mul(x, g) : x;
  }

  /** x·W of a dense layer, gating its inputs first when it has input gates. */
  #denseProduct(l: DenseSpec, x: tf.Tensor, o: ForwardOptions): tf.Tensor {
    const w = this.#p(`${l.name}.w`, o);
    if (!l.inputGated) return tf.matMul(x, w);
    const g = o.gate?.(`${l.name}.in`, x) ?? null;
    if (!g) return tf.matMul(x, w);
    return inputGatedMatMul(x, g, w) ?? tf.matMul(tf.mul(x, g), w);
  }

  #run(layers: LayerSpec[], x: tf.Tensor, o: ForwardOptions): tf.Tensor {
    for (const l of layers) {
      switch (l.type) {
        case "flatten":
          x = tf.reshape(x, [x.shape[0], -1]);
          break;
        case "maxpool":
          x = tf.maxPool(x as tf.Tensor4D, l.size, l.stride ?? l.size, "valid");
          break;
        case "avgpool":
          x = tf.avgPool(x as tf.Tensor4D, l.size, l.stride ?? l.size, "valid");
          break;
        case "globalavgpool":
          x = tf.mean(x, [1, 2]);
          break;
        case "dense": {
          const sel = this.#selection(l.name);
          if (sel) x = tf.gather(x, sel, 1);
          x = this.#tail(l, this.#denseProduct(l, x, o), o);
          break;
        }
        case "conv2d": {
          x = tf.conv2d(
            x as tf.Tensor4D,
            this.#p(`${l.name}.w`, o) as tf.Tensor4D,
            l.stride ?? 1,
            l.padding,
          );
          x = this.#tail(l, x, o);
          break;
        }
        case "residual": {
          const body = this.#run(l.body, x, o);
          const sc = l.shortcut.length ? this.#run(l.shortcut, x, o) : x;
          x = tf.add(body, sc);
          if (l.activation === "relu") x = tf.relu(x);
          break;
        }
      }
    }
    return x;
  }

  #batchNorm(name: string, x: tf.Tensor, o: ForwardOptions): tf.Tensor {
    const gamma = this.#p(`${name}.gamma`, o), beta = this.#p(`${name}.beta`, o);
    if (o.training) {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      if (o.bnUpdates) {
        o.bnUpdates.push({
          layer: name,
          mean: tf.keep(tf.clone(mean)),
          variance: tf.keep(tf.clone(variance)),
          count: x.size / x.shape[3]!,
        });
      }
      return tf.batchNorm(x, mean, variance, beta, gamma, 1e-5);
    }
    return tf.batchNorm(
      x,
      this.buffers.get(`${name}.mean`)!,
      this.buffers.get(`${name}.var`)!,
      beta,
      gamma,
      1e-5,
    );
  }

  #selection(layer: string): tf.Tensor | null {
    const rows = this.inputSelection.get(layer);
    const cached = this.#selectionTensors.get(layer);
    if (!rows) return null;
    if (cached?.rows === rows) return cached.t;
    cached?.t.dispose();
    const t = tf.keep(tf.tensor1d(rows, "int32"));
    this.#selectionTensors.set(layer, { rows, t });
    return t;
  }

  /**
   * Applies collected BN batch statistics to the running buffers (PyTorch convention: momentum
   * 0.1, unbiased variance) and disposes them.
   */
  applyBatchNormUpdates(updates: BatchNormUpdate[], momentum = 0.1): void {
    for (const u of updates) {
      const m = this.buffers.get(`${u.layer}.mean`), v = this.buffers.get(`${u.layer}.var`);
      if (m && v && m.shape[0] === u.mean.shape[0]) {
        tf.tidy(() => {
          m.assign(tf.add(tf.mul(m, 1 - momentum), tf.mul(u.mean, momentum)));
          const unbiased = tf.mul(u.variance, u.count / Math.max(1, u.count - 1));
          v.assign(tf.add(tf.mul(v, 1 - momentum), tf.mul(unbiased, momentum)));
        });
      }
      u.mean.dispose();
      u.variance.dispose();
    }
    updates.length = 0;
  }

  /**
   * Removes units of a group for good: gathers the kept indices along every owned slice of every
   * parameter and buffer (replacing the variables) and returns the plan, whose `ops` shrink
   * optimizer state identically and whose `kept` lists, per affected group (the target and any
   * overlapping group), the old indices of the surviving units, so methods can shrink their
   * per-unit variables.
   */
  removeUnits(groupId: string, keep: ArrayLike<number>): RemovalPlan {
    const target = this.group(groupId);
    const before = this.#incomingState(target);
    const plan = removalPlan(this.groups, groupId, keep);
    this.#updateSelections(target, before, plan);
    for (const op of plan.ops) {
      const store = this.params.has(op.param) ? this.params : this.buffers;
      const old = store.get(op.param)!;
      const next = tf.tidy(() => tf.gather(old, tf.tensor1d(op.indices, "int32"), op.axis));
      store.set(op.param, this.#newVar(op.param, next, next.shape, old.trainable));
      old.dispose();
    }
    return plan;
  }

  /** Incoming-feature bookkeeping of the input-gated layers, taken before a removal. */
  #incomingState(target: GateGroup): IncomingState[] {
    const out: IncomingState[] = [];
    for (const g of this.groups) {
      if (g.kind !== "input") continue;
      const w = g.consumers[0].param;
      const producer = this.groups.find((h) =>
        h !== g && h.consumers.some((s) =>
          s.param === w && s.axis === 0
        )
      ) ?? null;
      if (target !== g && target !== producer) continue;
      const rows = this.inputSelection.get(g.layer) ??
        Int32Array.from(g.consumers[0].labels.keys());
      // channel label of every incoming position (flattened producer), if a group produces it
      let lab: Int32Array | null = null;
      if (producer) {
        const s = producer.consumers.find((x) => x.param === w)!;
        const incoming = Math.max(...rows) + 1;
        lab = new Int32Array(incoming);
        // rows map to incoming positions; labels of rows are the producer channels
        for (let r = 0; r < rows.length; r++) lab[rows[r]] = s.labels[r];
        // positions not fed (already dropped rows) keep the periodic layout of the feature map
        const c = producer.size;
        for (let p = 0; p < incoming; p++) if (!rows.includes(p)) lab[p] = p % c;
      }
      out.push({ layer: g.layer, rows, lab, producer });
    }
    return out;
  }

  #updateSelections(target: GateGroup, before: IncomingState[], plan: RemovalPlan): void {
    for (const st of before) {
      const g = this.group(`${st.layer}.in`);
      const op = plan.ops.find((x) => x.param === g.consumers[0].param && x.axis === 0);
      if (!op) continue;
      let rows = op.indices.map((r) => st.rows[r]);
      if (target === st.producer && st.lab) {
        const keptChannels = plan.kept.get(target.id)!;
        const keptSet = new Set(keptChannels);
        const newPos = new Int32Array(st.lab.length).fill(-1);
        let n = 0;
        for (let p = 0; p < st.lab.length; p++) if (keptSet.has(st.lab[p])) newPos[p] = n++;
        rows = rows.map((p) => newPos[p]);
        const identity = rows.length === n && rows.every((p, i) => p === i);
        if (identity) this.inputSelection.delete(st.layer);
        else this.inputSelection.set(st.layer, rows);
      } else {
        this.inputSelection.set(st.layer, rows);
      }
    }
  }

  /** Current width of every group, in order. */
  widths(): number[] {
    return this.groups.map((g) => g.size);
  }

  /** Total trainable parameter count (current shapes). */
  paramCount(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  /**
   * A deep copy with the same current shapes, values, groups and input selections (new
   * variables, so it can be shrunk or trained independently).
   */
  clone(): Network {
    cloneSource = this;
    try {
      return new Network(this.arch);
    } finally {
      cloneSource = null;
    }
  }

  /** Disposes every variable. */
  dispose(): void {
    for (const c of this.#selectionTensors.values()) c.t.dispose();
    this.#selectionTensors.clear();
    for (const v of this.params.values()) v.dispose();
    for (const v of this.buffers.values()) v.dispose();
    this.params.clear();
    this.buffers.clear();
  }
}

function initValues(p: ParamDesc, rng: Rng): Float32Array {
  const n = p.shape.reduce((a, b) => a * b, 1);
  const a = new Float32Array(n);
  if (p.init === "ones") a.fill(1);
  else if (p.init === "uniform-fan-in" && p.fanIn) {
    const lim = 1 / Math.sqrt(p.fanIn);
    for (let i = 0; i < n; i++) a[i] = (2 * rng.next() - 1) * lim;
  } else if (p.init !== "zeros") {
    const rf = p.shape.length === 4 ? p.shape[0] * p.shape[1] : 1;
    const fanIn = p.shape[p.shape.length - 2] * rf, fanOut = p.shape[p.shape.length - 1] * rf;
    if (p.init === "uniform-fan-in") {
      // PyTorch's default Linear/Conv2d weight init, kaiming_uniform_(a = √5): U(±1/√fan_in).
      const lim = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < n; i++) a[i] = (2 * rng.next() - 1) * lim;
    } else if (p.init === "glorot-uniform") {
      const lim = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) a[i] = (2 * rng.next() - 1) * lim;
    } else {
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < n; i++) a[i] = rng.normal() * std;
    }
  }
  return a;
}
