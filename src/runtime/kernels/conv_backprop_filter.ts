/**
 * `Conv2DBackpropFilter` (the filter gradient of a 2-D convolution) re-expressed as one forward
 * convolution of the backend's own fast `Conv2D` kernel plus transposes. The wasm backend has no
 * such kernel at all; the cpu backend's takes 30 s per LeNet-5 step.
 *
 * For a forward convolution with stride s, dilation d and padding (t, b, l, r), the filter gradient
 * is dW[k] = Σ_{n,o} x[n, o·s + k·d − t] · dy[n, o]. With channels in the batch position and the
 * batch in the channel position this is a convolution of x (transposed to [C_in, H, W, B], zero-padded
 * t above and enough below) with dy (transposed to [OH, OW, B, C_out]) used as the filter with
 * dilation s and stride d. The result [C_in, kh(+e), kw(+e), C_out] is cropped to kh × kw (rows the
 * forward pass never read add e extra output rows) and transposed to [kh, kw, C_in, C_out].
 * Both NHWC and NCHW inputs cost the same two transposes.
 *
 * @module
 */
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from "../../deps/tfjs.ts";
import { composed, convInfo, explicitPad, type KernelScope } from "./compose.ts";

/**
 * Computes the filter gradient `[kh, kw, C_in, C_out]` of a 2-D convolution with the backend's
 * `Conv2D`, `Transpose` and `Slice` kernels, inside `scope` (the result is owned by the scope).
 * Supports any stride, dilation, 'valid'/'same'/numeric/explicit padding, NHWC and NCHW.
 *
 * @internal
 */
export function conv2dFilterGradient(
  scope: KernelScope,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: NamedAttrMap,
): TensorInfo {
  const filterShape = attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, attrs);
  const nchw = info.dataFormat === "channelsFirst";
  const {
    inHeight,
    inWidth,
    outHeight,
    outWidth,
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    dilationHeight: dh,
    dilationWidth: dw,
  } = info;
  const { top, left } = info.padInfo;
  // Padded input rows the gradient convolution must see to produce exactly kh rows.
  const needRows = (kh - 1) * dh + (outHeight - 1) * sh + 1;
  const needCols = (kw - 1) * dw + (outWidth - 1) * sw + 1;
  const bottom = needRows - inHeight - top;
  const right = needCols - inWidth - left;

  // x -> [C_in, H, W, B]; dy -> [OH, OW, B, C_out].
  const xT = scope.transpose(x, nchw ? [1, 2, 3, 0] : [3, 1, 2, 0]);
  const dyT = scope.transpose(dy, nchw ? [2, 3, 0, 1] : [1, 2, 0, 3]);
  const g = scope.run("Conv2D", { x: xT, filter: dyT }, {
    strides: [dh, dw],
    dilations: [sh, sw],
    pad: explicitPad({
      top,
      bottom: Math.max(0, bottom),
      left,
      right: Math.max(0, right),
    }),
    dataFormat: "NHWC",
    dimRoundingMode: "floor",
  });
  // g: [C_in, kh + max(0, -bottom)/dh…, …, C_out]; crop what the forward pass never read.
  const cropped = scope.crop(g, [g.shape[0], kh, kw, g.shape[3]]);
  return scope.transpose(cropped, [1, 2, 0, 3]);
}

/**
 * Makes the `Conv2DBackpropFilter` kernel function for a backend. Runs entirely on the backend's
 * own kernels and frees its intermediates.
 *
 * @internal
 */
export function makeConv2DBackpropFilter(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    return composed(
      backend as KernelBackend,
      backendName,
      (scope) => conv2dFilterGradient(scope, x, dy, attrs ?? {}),
    );
  };
}
