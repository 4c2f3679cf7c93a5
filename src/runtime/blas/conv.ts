/**
 * `Conv2D`, `Conv2DBackpropInput` and `Conv2DBackpropFilter` for the wasm backend: im2col/col2im
 * in JS plus `cblas_sgemm` on heap views. NHWC, dilation 1, any stride and padding (`valid`,
 * `same`, numeric, explicit; pad amounts from `backend_util.computeConv2DInfo`). Other cases
 * (dilation > 1, NCHW, non-float32) go to the previously registered kernel.
 *
 * The column matrix lives in a JS scratch buffer and is built for a chunk of images at a time, so
 * its size stays bounded for large inputs.
 *
 * @module
 */
import { backend_util } from "../../deps/tfjs.ts";
import { type BlasLibrary, NO_TRANS, ROW_MAJOR, TRANS } from "./library.ts";
import { f32View, type Kernel, scratchF32, type TensorRef, type WasmBackend } from "./heap.ts";
import { col2im, colWidth, type ConvGeometry, im2col, isPointwise } from "./im2col.ts";

/**
 * Default upper bound on column-matrix floats per chunk: 4 MiB, the best of 0.25–16 MiB measured
 * on LeNet-5 shapes. One image may exceed it.
 */
export const CHUNK_FLOATS = 1 << 20;
let chunkFloats = CHUNK_FLOATS;

/** Sets the column-matrix chunk bound (tests use tiny chunks); returns the previous bound. */
export function setChunkFloats(n: number): number {
  const old = chunkFloats;
  chunkFloats = Math.max(1, Math.floor(n));
  return old;
}

/** Kernel attributes as tfjs passes them. */
export type Attrs = Record<string, unknown>;

/**
 * Computes the geometry of a convolution from tfjs attributes, or `null` when unsupported
 * (dilation > 1 or not NHWC).
 */
export function convGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: Attrs,
): ConvGeometry | null {
  const format = backend_util.convertConv2DDataFormat(
    (attrs.dataFormat as "NHWC" | "NCHW" | undefined) ?? "NHWC",
  );
  if (format !== "channelsLast") return null;
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number] | undefined) ?? 1,
    attrs.pad as backend_util.ExplicitPadding | "valid" | "same" | number,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    false,
    "channelsLast",
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    sH: info.strideHeight,
    sW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** Images per chunk so that a chunk's column matrix stays under the chunk bound. */
function chunkImages(g: ConvGeometry): number {
  const perImage = g.outH * g.outW * colWidth(g);
  return Math.max(1, Math.min(g.batch, Math.floor(chunkFloats / Math.max(1, perImage))));
}

/** `y = conv(x, w)`: per chunk, `y[rows, outC] = cols[rows, K] · w[K, outC]`. */
export function convForward(
  lib: BlasLibrary,
  g: ConvGeometry,
  x: Float32Array,
  w: Float32Array,
  y: Float32Array,
): void {
  const K = colWidth(g), rowsPer = g.outH * g.outW, N = g.outC;
  if (y.length === 0) return;
  if (K === 0) return void y.fill(0);
  if (isPointwise(g)) {
    lib.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, g.batch * rowsPer, N, K, 1, x, K, w, N, 0, y, N);
    return;
  }
  const nb = chunkImages(g);
  for (let b0 = 0; b0 < g.batch; b0 += nb) {
    const n = Math.min(nb, g.batch - b0), rows = n * rowsPer;
    const col = scratchF32(rows * K);
    im2col(x, g, b0, n, col);
    const yv = y.subarray(b0 * rowsPer * N, (b0 + n) * rowsPer * N);
    lib.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, rows, N, K, 1, col, K, w, N, 0, yv, N);
  }
}

/** `dx = conv2dBackpropInput(dy, w)`: per chunk, `cols = dy · wᵀ`, then col2im into `dx`. */
export function convBackpropInput(
  lib: BlasLibrary,
  g: ConvGeometry,
  dy: Float32Array,
  w: Float32Array,
  dx: Float32Array,
): void {
  const K = colWidth(g), rowsPer = g.outH * g.outW, N = g.outC;
  if (dx.length === 0) return;
  if (isPointwise(g) && N > 0) {
    lib.sgemm(ROW_MAJOR, NO_TRANS, TRANS, g.batch * rowsPer, K, N, 1, dy, N, w, N, 0, dx, K);
    return;
  }
  dx.fill(0);
  if (N === 0 || rowsPer === 0) return;
  const nb = chunkImages(g);
  for (let b0 = 0; b0 < g.batch; b0 += nb) {
    const n = Math.min(nb, g.batch - b0), rows = n * rowsPer;
    const col = scratchF32(rows * K);
    const dyv = dy.subarray(b0 * rowsPer * N, (b0 + n) * rowsPer * N);
    lib.sgemm(ROW_MAJOR, NO_TRANS, TRANS, rows, K, N, 1, dyv, N, w, N, 0, col, K);
    col2im(col, g, b0, n, dx);
  }
}

/** `dw = conv2dBackpropFilter(x, dy)`: `dw[K, outC] = Σ_chunks colsᵀ · dy`. */
export function convBackpropFilter(
  lib: BlasLibrary,
  g: ConvGeometry,
  x: Float32Array,
  dy: Float32Array,
  dw: Float32Array,
): void {
  const K = colWidth(g), rowsPer = g.outH * g.outW, N = g.outC;
  if (dw.length === 0) return;
  if (g.batch * rowsPer === 0) return void dw.fill(0);
  if (isPointwise(g)) {
    lib.sgemm(ROW_MAJOR, TRANS, NO_TRANS, K, N, g.batch * rowsPer, 1, x, K, dy, N, 0, dw, N);
    return;
  }
  const nb = chunkImages(g);
  for (let b0 = 0; b0 < g.batch; b0 += nb) {
    const n = Math.min(nb, g.batch - b0), rows = n * rowsPer;
    const col = scratchF32(rows * K);
    im2col(x, g, b0, n, col);
    const dyv = dy.subarray(b0 * rowsPer * N, (b0 + n) * rowsPer * N);
    lib.sgemm(ROW_MAJOR, TRANS, NO_TRANS, K, N, rows, 1, col, K, dyv, N, b0 === 0 ? 0 : 1, dw, N);
  }
}

function f32(...ts: (TensorRef | undefined)[]): boolean {
  return ts.every((t) => t !== undefined && t.dtype === "float32");
}

/** Makes the `Conv2D` kernel (inputs `x`, `filter`). */
export function makeConv2D(lib: BlasLibrary, fallback: Kernel): Kernel {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as WasmBackend;
    const { x, filter } = inputs;
    const g = f32(x, filter) ? convGeometry(x!.shape, filter!.shape, attrs as Attrs) : null;
    if (g === null) return fallback(args);
    const out = backend.makeOutput([g.batch, g.outH, g.outW, g.outC], "float32");
    convForward(lib, g, f32View(backend, x!), f32View(backend, filter!), f32View(backend, out));
    return out;
  };
}

/** Makes the `Conv2DBackpropInput` kernel (inputs `dy`, `filter`; attr `inputShape`). */
export function makeConv2DBackpropInput(lib: BlasLibrary, fallback: Kernel): Kernel {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as WasmBackend;
    const { dy, filter } = inputs;
    const a = attrs as Attrs;
    const xShape = a.inputShape as number[];
    const g = f32(dy, filter) ? convGeometry(xShape, filter!.shape, a) : null;
    if (g === null) return fallback(args);
    const out = backend.makeOutput([...xShape], "float32");
    convBackpropInput(
      lib,
      g,
      f32View(backend, dy!),
      f32View(backend, filter!),
      f32View(backend, out),
    );
    return out;
  };
}

/** Makes the `Conv2DBackpropFilter` kernel (inputs `x`, `dy`; attr `filterShape`). */
export function makeConv2DBackpropFilter(lib: BlasLibrary, fallback: Kernel): Kernel {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as WasmBackend;
    const { x, dy } = inputs;
    const a = attrs as Attrs;
    const filterShape = a.filterShape as number[];
    const g = f32(x, dy) ? convGeometry(x!.shape, filterShape, a) : null;
    if (g === null) return fallback(args);
    const out = backend.makeOutput([...filterShape], "float32");
    convBackpropFilter(lib, g, f32View(backend, x!), f32View(backend, dy!), f32View(backend, out));
    return out;
  };
}
