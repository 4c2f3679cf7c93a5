/**
 * Shape inference over an {@linkcode ArchSpec}: creates the parameter shapes, the compute-layer
 * table (used for MAC counting and export) and the gate groups.
 *
 * @module
 */
import type { ArchSpec, LayerSpec } from "./spec.ts";
import { type Builder, convOut, visitConv, visitDense, type Walk } from "./build_layers.ts";
import type { GateGroup } from "./groups.ts";

/** Role of a parameter, used for weight-decay groups and penalties. */
export type ParamRole = "weight" | "bias" | "bn-gamma" | "bn-beta";

/** Static description of one parameter. */
export interface ParamDesc {
  /** Name, e.g. `conv1.w`. */
  name: string;
  /** Initial shape. */
  shape: number[];
  /** Role. */
  role: ParamRole;
  /** Layer that owns it. */
  layer: string;
  /** Initialiser. */
  init: "glorot-uniform" | "he-normal" | "uniform-fan-in" | "zeros" | "ones";
  /** Fan-in of the layer, for `uniform-fan-in` biases (weights derive it from their shape). */
  fanIn?: number;
}

/** A compute layer (dense or conv) with its static geometry. */
export interface LayerInfo {
  /** Layer name. */
  name: string;
  /** Dense or conv. */
  type: "dense" | "conv2d";
  /** Weight parameter name. */
  weight: string;
  /** Bias parameter name, if any. */
  bias: string | null;
  /** Batch-norm parameter/buffer names, if any. */
  bn: { gamma: string; beta: string; mean: string; variance: string } | null;
  /** Output spatial size (1×1 for dense). */
  outHW: [number, number];
  /** True for the classifier (last) layer. */
  isOutput: boolean;
}

/** Result of shape inference. */
export interface BuiltShapes {
  /** Trainable parameters. */
  params: ParamDesc[];
  /** BN running statistics (name → shape, init). */
  buffers: ParamDesc[];
  /** Compute layers in forward order. */
  layers: LayerInfo[];
  /** Gate groups in forward order. */
  groups: GateGroup[];
}

/** Infers all shapes and groups of an architecture. Throws on inconsistent specs. */
export function inferShapes(arch: ArchSpec): BuiltShapes {
  const b: Builder = {
    arch,
    out: { params: [], buffers: [], layers: [], groups: [] },
    names: new Set<string>(),
    lastCompute: findLastCompute(arch.layers),
  };
  const start: Walk = {
    shape: [...arch.inputShape],
    group: null,
    spatial: 1,
    flat: false,
  };
  const walk = visit(b, arch.layers, start);
  if (walk.shape.length !== 1 || walk.shape[0] !== arch.numClasses) {
    throw new TypeError(
      `Cannot build "${arch.id}": output shape [${walk.shape}] is not [${arch.numClasses}]`,
    );
  }
  return b.out;
}

/** Walks `layers` from the activation `w`; returns the activation after them. */
function visit(b: Builder, layers: LayerSpec[], w: Walk): Walk {
  for (const l of layers) {
    switch (l.type) {
      case "flatten": {
        const n = w.shape.reduce((a, b) => a * b, 1);
        w = {
          ...w,
          spatial: w.flat ? w.spatial : w.shape.slice(0, -1).reduce((a, b) => a * b, 1),
          shape: [n],
          flat: true,
        };
        break;
      }
      case "maxpool":
      case "avgpool": {
        const s = l.stride ?? l.size;
        const [h, wd, c] = w.shape;
        w = {
          ...w,
          shape: [
            convOut(h, l.size, s, "valid"),
            convOut(wd, l.size, s, "valid"),
            c,
          ],
        };
        break;
      }
      case "globalavgpool":
        w = {
          ...w,
          shape: [w.shape[w.shape.length - 1]],
          spatial: 1,
          flat: true,
        };
        break;
      case "dense":
        w = visitDense(b, l, w);
        break;
      case "conv2d":
        w = visitConv(b, l, w);
        break;
      case "residual":
        w = visitResidual(b, l, w);
        break;
    }
  }
  return w;
}

type Residual = Extract<LayerSpec, { type: "residual" }>;

function visitResidual(b: Builder, l: Residual, w: Walk): Walk {
  const body = visit(b, l.body, { ...w });
  const sc = l.shortcut.length ? visit(b, l.shortcut, { ...w }) : { ...w };
  if (body.group || sc.group || w.group) {
    throw new TypeError(
      `Cannot build residual block "${l.name}": gating residual-stream channels needs tied masks, ` +
        `which are not supported; gate only the block's inner convolutions`,
    );
  }
  if (body.shape.join() !== sc.shape.join()) {
    throw new TypeError(
      `Cannot build residual block "${l.name}": body [${body.shape}] and shortcut [${sc.shape}] differ`,
    );
  }
  return { shape: body.shape, group: null, spatial: 1, flat: false };
}

function findLastCompute(layers: LayerSpec[]): LayerSpec | null {
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    if (l.type === "dense" || l.type === "conv2d") return l;
  }
  return null;
}
