/**
 * Shape inference over an {@linkcode ArchSpec}: creates the parameter shapes, the compute-layer
 * table (used for MAC counting and export) and the gate groups.
 *
 * @module
 */
import type { ArchSpec, LayerSpec } from "./spec.ts";
import { type GateGroup, identityLabels, type ParamSlice } from "./groups.ts";

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

interface Walk {
  /** Current activation shape without batch. */
  shape: number[];
  /** Group owning the current channels (last axis), or null. */
  group: GateGroup | null;
  /** Spatial positions (H·W) of the feature map the current group lives in, before a flatten. */
  spatial: number;
  /** True once flattened. */
  flat: boolean;
}

function convOut(size: number, k: number, s: number, padding: "same" | "valid"): number {
  return padding === "same" ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

/** Initialisation of a dense or conv weight under the architecture's `init`. */
function weightInit(arch: ArchSpec, batchNorm: boolean): ParamDesc["init"] {
  if (arch.init === "torch-default") return "uniform-fan-in";
  return batchNorm || arch.init === "he-normal" ? "he-normal" : "glorot-uniform";
}

/** Initialisation of a bias: U(±1/√fan_in) under `torch-default`, else zeros. */
function biasInit(arch: ArchSpec, fanIn: number): Pick<ParamDesc, "init" | "fanIn"> {
  return arch.init === "torch-default" ? { init: "uniform-fan-in", fanIn } : { init: "zeros" };
}

/** Infers all shapes and groups of an architecture. Throws on inconsistent specs. */
export function inferShapes(arch: ArchSpec): BuiltShapes {
  const out: BuiltShapes = { params: [], buffers: [], layers: [], groups: [] };
  const names = new Set<string>();
  const lastCompute = findLastCompute(arch.layers);
  let walk: Walk = { shape: [...arch.inputShape], group: null, spatial: 1, flat: false };

  const addConsumer = (w: Walk, slice: ParamSlice) => {
    if (w.group) (w.group.consumers as ParamSlice[]).push(slice);
  };

  const visit = (layers: LayerSpec[], w: Walk): Walk => {
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
          w = { ...w, shape: [convOut(h, l.size, s, "valid"), convOut(wd, l.size, s, "valid"), c] };
          break;
        }
        case "globalavgpool":
          w = { ...w, shape: [w.shape[w.shape.length - 1]], spatial: 1, flat: true };
          break;
        case "dense": {
          if (w.shape.length !== 1) {
            throw new TypeError(
              `Cannot build dense layer "${l.name}": its input has shape [${w.shape}]; add a flatten layer`,
            );
          }
          uniq(names, l.name);
          const inDim = w.shape[0];
          const denseBias = l.bias ?? true;
          out.params.push({
            name: `${l.name}.w`,
            shape: [inDim, l.units],
            role: "weight",
            layer: l.name,
            init: weightInit(arch, false),
          });
          if (denseBias) {
            out.params.push({
              name: `${l.name}.b`,
              shape: [l.units],
              role: "bias",
              layer: l.name,
              ...biasInit(arch, inDim),
            });
          }
          if (w.group) {
            const c = w.group.initialSize;
            addConsumer(w, {
              param: `${l.name}.w`,
              axis: 0,
              labels: Int32Array.from({ length: inDim }, (_, p) => p % c),
            });
          }
          if (l.inputGated) {
            out.groups.push({
              id: `${l.name}.in`,
              layer: l.name,
              kind: "input",
              initialSize: inDim,
              size: inDim,
              producers: [],
              consumers: [{ param: `${l.name}.w`, axis: 0, labels: identityLabels(inDim) }],
              buffers: [],
            });
          }
          const isOutput = l === lastCompute;
          const bias = denseBias ? `${l.name}.b` : null;
          out.layers.push({
            name: l.name,
            type: "dense",
            weight: `${l.name}.w`,
            bias,
            bn: null,
            outHW: [1, 1],
            isOutput,
          });
          let group: GateGroup | null = null;
          if (l.gated && !isOutput) {
            group = {
              id: l.name,
              layer: l.name,
              kind: "unit",
              initialSize: l.units,
              size: l.units,
              producers: [
                { param: `${l.name}.w`, axis: 1, labels: identityLabels(l.units) },
                ...(denseBias
                  ? [{ param: `${l.name}.b`, axis: 0, labels: identityLabels(l.units) }]
                  : []),
              ],
              consumers: [],
              buffers: [],
            };
            out.groups.push(group);
          }
          w = { shape: [l.units], group, spatial: 1, flat: true };
          break;
        }
        case "conv2d": {
          uniq(names, l.name);
          if (w.shape.length !== 3) {
            throw new TypeError(
              `Cannot build conv layer "${l.name}": its input has shape [${w.shape}], but convolutions need ` +
                `image inputs [H, W, C]; use an MLP architecture such as "lenet-300-100" for vector data`,
            );
          }
          const [h, wd, cin] = w.shape;
          const s = l.stride ?? 1;
          const oh = convOut(h, l.kernel, s, l.padding), ow = convOut(wd, l.kernel, s, l.padding);
          const p = (
            suffix: string,
            shape: number[],
            role: ParamDesc["role"],
            init: ParamDesc["init"],
            fanIn?: number,
          ) =>
            out.params.push({
              name: `${l.name}.${suffix}`,
              shape,
              role,
              layer: l.name,
              init,
              ...(fanIn ? { fanIn } : {}),
            });
          p(
            "w",
            [l.kernel, l.kernel, cin, l.filters],
            "weight",
            weightInit(arch, l.batchNorm ?? false),
          );
          const hasBias = l.bias ?? true;
          if (hasBias) {
            const b = biasInit(arch, cin * l.kernel * l.kernel);
            p("b", [l.filters], "bias", b.init, b.fanIn);
          }
          if (l.batchNorm) {
            p("gamma", [l.filters], "bn-gamma", "ones");
            p("beta", [l.filters], "bn-beta", "zeros");
            out.buffers.push(
              {
                name: `${l.name}.mean`,
                shape: [l.filters],
                role: "bn-beta",
                layer: l.name,
                init: "zeros",
              },
              {
                name: `${l.name}.var`,
                shape: [l.filters],
                role: "bn-gamma",
                layer: l.name,
                init: "ones",
              },
            );
          }
          if (w.group) {
            addConsumer(w, { param: `${l.name}.w`, axis: 2, labels: identityLabels(cin) });
          }
          out.layers.push({
            name: l.name,
            type: "conv2d",
            weight: `${l.name}.w`,
            bias: hasBias ? `${l.name}.b` : null,
            bn: l.batchNorm
              ? {
                gamma: `${l.name}.gamma`,
                beta: `${l.name}.beta`,
                mean: `${l.name}.mean`,
                variance: `${l.name}.var`,
              }
              : null,
            outHW: [oh, ow],
            isOutput: false,
          });
          let group: GateGroup | null = null;
          if (l.gated) {
            const id = () => identityLabels(l.filters);
            const producers: ParamSlice[] = [{ param: `${l.name}.w`, axis: 3, labels: id() }];
            if (hasBias) producers.push({ param: `${l.name}.b`, axis: 0, labels: id() });
            const buffers: ParamSlice[] = [];
            if (l.batchNorm) {
              producers.push({ param: `${l.name}.gamma`, axis: 0, labels: id() }, {
                param: `${l.name}.beta`,
                axis: 0,
                labels: id(),
              });
              buffers.push({ param: `${l.name}.mean`, axis: 0, labels: id() }, {
                param: `${l.name}.var`,
                axis: 0,
                labels: id(),
              });
            }
            group = {
              id: l.name,
              layer: l.name,
              kind: "filter",
              initialSize: l.filters,
              size: l.filters,
              producers,
              consumers: [],
              buffers,
            };
            out.groups.push(group);
          }
          w = { shape: [oh, ow, l.filters], group, spatial: 1, flat: false };
          break;
        }
        case "residual": {
          const body = visit(l.body, { ...w });
          const sc = l.shortcut.length ? visit(l.shortcut, { ...w }) : { ...w };
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
          w = { shape: body.shape, group: null, spatial: 1, flat: false };
          break;
        }
      }
    }
    return w;
  };
  walk = visit(arch.layers, walk);
  if (walk.shape.length !== 1 || walk.shape[0] !== arch.numClasses) {
    throw new TypeError(
      `Cannot build "${arch.id}": output shape [${walk.shape}] is not [${arch.numClasses}]`,
    );
  }
  return out;
}

function uniq(names: Set<string>, name: string): void {
  if (names.has(name)) throw new TypeError(`Cannot build layer "${name}": the name is used twice`);
  names.add(name);
}

function findLastCompute(layers: LayerSpec[]): LayerSpec | null {
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    if (l.type === "dense" || l.type === "conv2d") return l;
  }
  return null;
}
