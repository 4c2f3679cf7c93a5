/**
 * `Conv2DBackpropInput` (the input gradient of a 2-D convolution) re-expressed as one forward
 * convolution with the backend's fast `Conv2D` kernel. On wasm the stock kernel is a plain loop and
 * about 4.6× slower than this composition for LeNet-5.
 *
 * For a forward convolution with stride s, dilation d and padding (t, b, l, r):
 * dx[i] = Σ_k dyd[i + t − k·d] · W[k], where dyd is dy dilated by s (s − 1 zeros inserted after each
 * element). With the filter rotated by 180° (`Reverse` of kh, kw) and its channel axes swapped to
 * [kh, kw, C_out, C_in], that is a forward convolution (stride 1, dilation d) of dyd padded by
 * (kh − 1)·d − t above; below, just enough to give exactly H output rows. Negative padding amounts
 * (possible with explicit padding wider than the filter) become a crop of dyd instead.
 *
 * @module
 */
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from "../../deps/tfjs.ts";
import { composed, convInfo, explicitPad, type KernelScope } from "./compose.ts";

/** Inserts `s − 1` zeros after every element along H and W of an NHWC tensor. */
function dilateNHWC(scope: KernelScope, x: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [b, h, w, c] = x.shape;
  const x6 = scope.reshape(x, [b, h, 1, w, 1, c]);
  const padded = scope.run("PadV2", { x: x6 }, {
    paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
    constantValue: 0,
  });
  return scope.reshape(padded, [b, h * sh, w * sw, c]);
}

/** Rows [begin, end) of the dilated gradient to use, and the convolution's own padding. */
function window1d(
  length: number,
  inSize: number,
  effectiveFilter: number,
  padBefore: number,
): { begin: number; size: number; before: number; after: number } {
  const before = effectiveFilter - 1 - padBefore;
  const begin = Math.max(0, -before);
  const end = Math.min(length, inSize + padBefore);
  return {
    begin,
    size: end - begin,
    before: Math.max(0, before),
    after: Math.max(0, inSize + padBefore - length),
  };
}

/**
 * Computes the input gradient of a 2-D convolution with the backend's `Conv2D`, `Reverse`,
 * `Transpose`, `PadV2`, `Reshape` and (rarely) `Slice` kernels, inside `scope`. Supports any stride,
 * dilation, 'valid'/'same'/numeric/explicit padding, NHWC and NCHW.
 *
 * @internal
 */
export function conv2dInputGradient(
  scope: KernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: NamedAttrMap,
): TensorInfo {
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, attrs);
  const nchw = info.dataFormat === "channelsFirst";
  const { inHeight, inWidth, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const ekh = (info.filterHeight - 1) * dh + 1;
  const ekw = (info.filterWidth - 1) * dw + 1;

  const dyNHWC = scope.transpose(dy, nchw ? [0, 2, 3, 1] : [0, 1, 2, 3]);
  const dyd = dilateNHWC(scope, dyNHWC, sh, sw);
  const rows = window1d(dyd.shape[1], inHeight, ekh, info.padInfo.top);
  const cols = window1d(dyd.shape[2], inWidth, ekw, info.padInfo.left);
  let src = dyd;
  if (rows.begin > 0 || cols.begin > 0 || rows.size < dyd.shape[1] || cols.size < dyd.shape[2]) {
    src = scope.run("Slice", { x: dyd }, {
      begin: [0, rows.begin, cols.begin, 0],
      size: [dyd.shape[0], rows.size, cols.size, dyd.shape[3]],
    });
  }
  // Filter rotated by 180° with in/out channels swapped: [kh, kw, C_out, C_in].
  const rotated = scope.run("Reverse", { x: filter }, { dims: [0, 1] });
  const wT = scope.transpose(rotated, [0, 1, 3, 2]);
  const dx = scope.run("Conv2D", { x: src, filter: wT }, {
    strides: [1, 1],
    dilations: [dh, dw],
    pad: explicitPad({
      top: rows.before,
      bottom: rows.after,
      left: cols.before,
      right: cols.after,
    }),
    dataFormat: "NHWC",
    dimRoundingMode: "floor",
  });
  return scope.transpose(dx, nchw ? [0, 3, 1, 2] : [0, 1, 2, 3]);
}

/**
 * Makes the `Conv2DBackpropInput` kernel function for a backend. Runs entirely on the backend's own
 * kernels and frees its intermediates.
 *
 * @internal
 */
export function makeConv2DBackpropInput(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    return composed(
      backend as KernelBackend,
      backendName,
      (scope) => conv2dInputGradient(scope, dy, filter, attrs ?? {}),
    );
  };
}
