/**
 * The layer-by-layer conversion of `fromLayersModel` (`from_layers.ts`): a parsed chain of Keras
 * layers into architecture specs and a copy of their weights, with batch norms folded.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { Activation, ConvSpec, DenseSpec, LayerSpec, ResidualSpec } from "./spec.ts";
import { type GraphItem, refuse } from "./layers_graph.ts";
import type { FromLayersOptions } from "./from_layers.ts";

export type Cfg = Record<string, unknown>;

function pair(layer: tf.layers.Layer, cfg: Cfg, key: string): number {
  const v = cfg[key];
  const a = Array.isArray(v) ? v as number[] : [v as number, v as number];
  if (a[0] !== a[1]) refuse(layer, `${key} [${a}] is not square`);
  return a[0];
}

function activationOf(layer: tf.layers.Layer, cfg: Cfg): Activation | "softmax" {
  const a = (cfg.activation ?? "linear") as string;
  if (a === "relu") return "relu";
  if (a === "linear") return "none";
  if (a === "softmax") return "softmax";
  return refuse(layer, `activation "${a}" is not supported (only relu, linear, final softmax)`);
}

export interface Pending {
  spec: DenseSpec | ConvSpec;
  values: Map<string, tf.Tensor>;
}

/**
 * The walk over a parsed layer chain: one spec per supported layer, with the state the mapping
 * needs (the last compute layer, whether a ReLU may still move back onto it, the classifier).
 */
export class Converter {
  /** Compute layers with the weights to assign once the network is built. */
  readonly pending: Pending[] = [];
  /** Our layer name → the Keras layer names it came from. */
  readonly sources: Record<string, string[]> = {};
  /** True once an output softmax was seen. */
  softmax = false;
  /** The classifier (the last compute layer). */
  final: Pending | null = null;
  /** Last compute layer. */
  #last: Pending | null = null;
  /** Only ReLU-commuting layers since the last compute layer. */
  #commutes = true;
  /** The previous layer is the last compute layer (for BN). */
  #afterCompute = false;
  /** Where a following ReLU goes. */
  #reluTarget: { activation: Activation; name: string } | null = null;
  readonly #names = new Set<string>();

  constructor(readonly options: FromLayersOptions) {}

  #nameOf(l: tf.layers.Layer): string {
    let n = l.name.replace(/[^A-Za-z0-9_-]/g, "_");
    while (this.#names.has(n)) n += "_";
    this.#names.add(n);
    return n;
  }

  #setRelu(l: tf.layers.Layer): void {
    const reluTarget = this.#reluTarget;
    if (!reluTarget || !this.#commutes || reluTarget.activation !== "none") {
      refuse(
        l,
        "a ReLU must follow a Dense/Conv2D/Add (with at most MaxPooling2D/Flatten/Dropout between)",
      );
    }
    reluTarget.activation = "relu";
    this.sources[reluTarget.name].push(l.name);
  }

  /** Converts `chain` into `specs`. */
  convert(chain: GraphItem[], specs: LayerSpec[]): void {
    for (const l of chain) {
      if (!(l instanceof tf.layers.Layer)) {
        this.#residual(l, specs);
        continue;
      }
      const cls = l.getClassName();
      const cfg = l.getConfig() as Cfg;
      if (this.softmax && !cls.includes("Dropout")) {
        refuse(l, "layers after the output softmax are not supported");
      }
      const wasAfterCompute = this.#afterCompute;
      this.#afterCompute = false;
      this.#layer(l, cls, cfg, specs, wasAfterCompute);
    }
  }

  #residual(l: Exclude<GraphItem, tf.layers.Layer>, specs: LayerSpec[]): void {
    const r: ResidualSpec = {
      type: "residual",
      name: this.#nameOf(l.add),
      body: [],
      shortcut: [],
      activation: "none",
    };
    for (const [path, out] of [[l.body, r.body], [l.shortcut, r.shortcut]] as const) {
      this.#last = null, this.#reluTarget = null, this.#commutes = true, this.#afterCompute = false;
      this.convert(path, out);
    }
    specs.push(r);
    this.sources[r.name] = [l.add.name];
    this.#last = null, this.#reluTarget = r, this.#commutes = true, this.#afterCompute = false;
  }

  #layer(
    l: tf.layers.Layer,
    cls: string,
    cfg: Cfg,
    specs: LayerSpec[],
    wasAfterCompute: boolean,
  ): void {
    switch (cls) {
      case "Dense":
      case "Conv2D":
        this.#compute(l, cls, cfg, specs);
        break;
      case "BatchNormalization": {
        const last = this.#last;
        if (!wasAfterCompute || !last || last.spec.activation !== "none") {
          refuse(l, "BatchNormalization must directly follow a Dense/Conv2D without activation");
        }
        const axis = cfg.axis as number;
        const rank = last.spec.type === "conv2d" ? 4 : 2;
        if (axis !== -1 && axis !== rank - 1) refuse(l, `axis ${axis} is not the channel axis`);
        foldBatchNorm(l, cfg, last, specs);
        this.sources[last.spec.name].push(l.name);
        this.#afterCompute = true;
        break;
      }
      case "ReLU": {
        if (cfg.maxValue != null) {
          refuse(l, `maxValue ${cfg.maxValue} (ReLU6 etc.) is not supported`);
        }
        this.#setRelu(l);
        break;
      }
      case "Activation":
      case "Softmax": {
        const act = cls === "Softmax" ? "softmax" : activationOf(l, cfg);
        if (act === "relu") this.#setRelu(l);
        else if (act === "softmax") this.softmax = true;
        break;
      }
      default:
        this.#shapeLayer(l, cls, cfg, specs);
    }
  }

  /** Pooling, flatten and dropout (identity in eval mode). */
  #shapeLayer(l: tf.layers.Layer, cls: string, cfg: Cfg, specs: LayerSpec[]): void {
    switch (cls) {
      case "MaxPooling2D":
      case "AveragePooling2D": {
        if (cfg.padding !== "valid") {
          refuse(l, `padding "${cfg.padding}" is not supported (valid only)`);
        }
        if (cfg.dataFormat === "channelsFirst") refuse(l, "channelsFirst is not supported");
        const size = pair(l, cfg, "poolSize");
        const stride = cfg.strides == null ? size : pair(l, cfg, "strides");
        specs.push({ type: cls === "MaxPooling2D" ? "maxpool" : "avgpool", size, stride });
        if (cls === "AveragePooling2D") this.#commutes = false;
        break;
      }
      case "GlobalAveragePooling2D":
        if (cfg.dataFormat === "channelsFirst") refuse(l, "channelsFirst is not supported");
        specs.push({ type: "globalavgpool" });
        this.#commutes = false;
        break;
      case "Flatten":
        specs.push({ type: "flatten" });
        break;
      default: // Dropout, SpatialDropout2D: identity in eval mode
        break;
    }
  }

  /** A Dense or Conv2D layer: its spec and a copy of its weights. */
  #compute(l: tf.layers.Layer, cls: string, cfg: Cfg, specs: LayerSpec[]): void {
    const act = activationOf(l, cfg);
    const ws = l.getWeights().map((t) => t.clone()); // getWeights gives the variables' own tensors
    const name = this.#nameOf(l);
    const values = new Map<string, tf.Tensor>([[`${name}.w`, ws[0]]]);
    if (ws[1]) values.set(`${name}.b`, ws[1]);
    const bias = ws.length > 1;
    const spec = cls === "Dense" ? denseSpec(l, cfg, name, bias) : convSpec(l, cfg, name, bias);
    if (this.options.gated ?? true) spec.gated = true;
    specs.push(spec);
    this.sources[name] = [l.name];
    const last = { spec, values };
    this.#last = last;
    this.final = last;
    this.#reluTarget = spec;
    this.pending.push(last);
    this.#commutes = true;
    this.#afterCompute = true;
    if (act === "relu") spec.activation = "relu";
    if (act === "softmax") this.softmax = true;
  }
}

function denseSpec(l: tf.layers.Layer, cfg: Cfg, name: string, bias: boolean): DenseSpec {
  const inRank = l.inboundNodes[0].inputShapes as number[] | number[][];
  const shape = (Array.isArray(inRank[0]) ? inRank[0] : inRank) as number[];
  if (shape.length !== 2) {
    refuse(l, `a Dense on a rank-${shape.length - 1} input needs a Flatten before it`);
  }
  return { type: "dense", name, units: cfg.units as number, activation: "none", bias };
}

function convSpec(l: tf.layers.Layer, cfg: Cfg, name: string, bias: boolean): ConvSpec {
  if (cfg.dataFormat === "channelsFirst") refuse(l, "channelsFirst is not supported");
  if (pair(l, cfg, "dilationRate") !== 1) {
    refuse(l, "dilated convolutions are not supported");
  }
  const padding = cfg.padding as string;
  if (padding !== "same" && padding !== "valid") {
    refuse(l, `padding "${padding}" is not supported`);
  }
  return {
    type: "conv2d",
    name,
    filters: cfg.filters as number,
    kernel: pair(l, cfg, "kernelSize"),
    stride: pair(l, cfg, "strides"),
    padding,
    activation: "none",
    bias,
  };
}

/** Maps a BN layer onto the conv before it, or folds it into the dense before it. */
function foldBatchNorm(l: tf.layers.Layer, cfg: Cfg, last: Pending, specs: LayerSpec[]): void {
  const byName = new Map<string, tf.Tensor>();
  const ws = l.getWeights().map((t) => t.clone()); // getWeights gives the variables' own tensors
  l.weights.forEach((w, i) => byName.set(w.originalName.split("/").pop()!, ws[i]));
  const n = last.spec.type === "dense" ? last.spec.units : last.spec.filters;
  const gamma = byName.get("gamma") ?? tf.ones([n]);
  const beta = byName.get("beta") ?? tf.zeros([n]);
  const mean = byName.get("moving_mean")!, variance = byName.get("moving_variance")!;
  const eps = (cfg.epsilon as number | undefined) ?? 1e-3;
  const name = last.spec.name;
  if (last.spec.type === "conv2d") {
    last.spec.batchNorm = true;
    last.values.set(`${name}.gamma`, gamma);
    last.values.set(`${name}.beta`, beta);
    last.values.set(`${name}.mean`, mean);
    // our BN uses ε = 1e-5: var' + 1e-5 = var + ε
    last.values.set(`${name}.var`, tf.tidy(() => tf.add(variance, eps - 1e-5)));
    variance.dispose();
    return;
  }
  // dense: y = (xW + b − mean)·s + beta with s = gamma / sqrt(var + ε)
  const w = last.values.get(`${name}.w`)!, b = last.values.get(`${name}.b`);
  const [w2, b2] = tf.tidy(() => {
    const s = tf.div(gamma, tf.sqrt(tf.add(variance, eps)));
    const bias = b ?? tf.zeros([n]);
    return [tf.mul(w, s), tf.add(tf.mul(tf.sub(bias, mean), s), beta)];
  });
  tf.dispose([w, b, gamma, beta, mean, variance].filter((t) => t !== undefined) as tf.Tensor[]);
  last.values.set(`${name}.w`, w2);
  last.values.set(`${name}.b`, b2);
  const spec = specs.find((s) => s === last.spec) as DenseSpec;
  spec.bias = true;
}
