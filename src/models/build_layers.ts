/**
 * The dense and conv steps of `inferShapes`'s walk over an architecture's layers: their
 * parameters, buffers, layer table entries and gate groups.
 *
 * @module
 */
import type { BuiltShapes, ParamDesc } from "./build.ts";
import type { ArchSpec, LayerSpec } from "./spec.ts";
import { type GateGroup, identityLabels, type ParamSlice } from "./groups.ts";

export interface Walk {
  /** Current activation shape without batch. */
  shape: number[];
  /** Group owning the current channels (last axis), or null. */
  group: GateGroup | null;
  /** Spatial positions (H·W) of the feature map the current group lives in, before a flatten. */
  spatial: number;
  /** True once flattened. */
  flat: boolean;
}

export function convOut(
  size: number,
  k: number,
  s: number,
  padding: "same" | "valid",
): number {
  return padding === "same" ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

/** Initialisation of a dense or conv weight under the architecture's `init`. */
export function weightInit(arch: ArchSpec, batchNorm: boolean): ParamDesc["init"] {
  if (arch.init === "torch-default") return "uniform-fan-in";
  return batchNorm || arch.init === "he-normal" ? "he-normal" : "glorot-uniform";
}

/** Initialisation of a bias: U(±1/√fan_in) under `torch-default`, else zeros. */
export function biasInit(
  arch: ArchSpec,
  fanIn: number,
): Pick<ParamDesc, "init" | "fanIn"> {
  return arch.init === "torch-default" ? { init: "uniform-fan-in", fanIn } : { init: "zeros" };
}

/** What the walk over the layers builds, and what it needs to know. */
export interface Builder {
  /** The architecture. */
  arch: ArchSpec;
  /** Shapes and groups built so far. */
  out: BuiltShapes;
  /** Layer names seen (each must be unique). */
  names: Set<string>;
  /** The last dense or conv layer (the output layer, never gated). */
  lastCompute: LayerSpec | null;
}

export function addConsumer(w: Walk, slice: ParamSlice): void {
  if (w.group) (w.group.consumers as ParamSlice[]).push(slice);
}

export type Dense = Extract<LayerSpec, { type: "dense" }>;
export type Conv = Extract<LayerSpec, { type: "conv2d" }>;

/** Parameters of a dense layer; the input group (when `inputGated`) and the consumer slice. */
function denseParams(
  b: Builder,
  l: Dense,
  w: Walk,
  inDim: number,
  denseBias: boolean,
): void {
  const { arch, out } = b;
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
      consumers: [{
        param: `${l.name}.w`,
        axis: 0,
        labels: identityLabels(inDim),
      }],
      buffers: [],
    });
  }
}

export function visitDense(b: Builder, l: Dense, w: Walk): Walk {
  const { out } = b;
  if (w.shape.length !== 1) {
    throw new TypeError(
      `Cannot build dense layer "${l.name}": its input has shape [${w.shape}]; add a flatten layer`,
    );
  }
  uniq(b.names, l.name);
  const inDim = w.shape[0];
  const denseBias = l.bias ?? true;
  denseParams(b, l, w, inDim, denseBias);
  const isOutput = l === b.lastCompute;
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
        ...(denseBias ? [{ param: `${l.name}.b`, axis: 0, labels: identityLabels(l.units) }] : []),
      ],
      consumers: [],
      buffers: [],
    };
    out.groups.push(group);
  }
  return { shape: [l.units], group, spatial: 1, flat: true };
}

/** Parameters and buffers of a conv layer (weight, bias, batch-norm). */
function convParams(b: Builder, l: Conv, cin: number, hasBias: boolean): void {
  const { arch, out } = b;
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
  if (hasBias) {
    const bi = biasInit(arch, cin * l.kernel * l.kernel);
    p("b", [l.filters], "bias", bi.init, bi.fanIn);
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
}

/** The filter group of a gated conv layer. */
function convGroup(l: Conv, hasBias: boolean): GateGroup {
  const id = () => identityLabels(l.filters);
  const producers: ParamSlice[] = [{
    param: `${l.name}.w`,
    axis: 3,
    labels: id(),
  }];
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
  return {
    id: l.name,
    layer: l.name,
    kind: "filter",
    initialSize: l.filters,
    size: l.filters,
    producers,
    consumers: [],
    buffers,
  };
}

export function visitConv(b: Builder, l: Conv, w: Walk): Walk {
  const { out } = b;
  uniq(b.names, l.name);
  if (w.shape.length !== 3) {
    throw new TypeError(
      `Cannot build conv layer "${l.name}": its input has shape [${w.shape}], but convolutions need ` +
        `image inputs [H, W, C]; use an MLP architecture such as "lenet-300-100" for vector data`,
    );
  }
  const [h, wd, cin] = w.shape;
  const s = l.stride ?? 1;
  const oh = convOut(h, l.kernel, s, l.padding),
    ow = convOut(wd, l.kernel, s, l.padding);
  const hasBias = l.bias ?? true;
  convParams(b, l, cin, hasBias);
  if (w.group) {
    addConsumer(w, {
      param: `${l.name}.w`,
      axis: 2,
      labels: identityLabels(cin),
    });
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
    group = convGroup(l, hasBias);
    out.groups.push(group);
  }
  return { shape: [oh, ow, l.filters], group, spatial: 1, flat: false };
}

export function uniq(names: Set<string>, name: string): void {
  if (names.has(name)) {
    throw new TypeError(`Cannot build layer "${name}": the name is used twice`);
  }
  names.add(name);
}
