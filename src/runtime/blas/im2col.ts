/**
 * im2col / col2im for NHWC convolutions, on plain `Float32Array`s (heap views or scratch).
 *
 * A column matrix has one row per output position `(b, oh, ow)` and `kh·kw·c` columns ordered
 * `(kh, kw, c)`, matching the tfjs filter layout `[kh, kw, inC, outC]`, so that a convolution is
 * `cols · filter` with the filter read as a `[kh·kw·inC, outC]` matrix.
 *
 * @module
 */

/** Geometry of an NHWC 2-D convolution (dilation 1). */
export interface ConvGeometry {
  /** Batch size. */
  batch: number;
  /** Input height. */
  inH: number;
  /** Input width. */
  inW: number;
  /** Input channels. */
  inC: number;
  /** Filter height. */
  kH: number;
  /** Filter width. */
  kW: number;
  /** Output height. */
  outH: number;
  /** Output width. */
  outW: number;
  /** Output channels. */
  outC: number;
  /** Vertical stride. */
  sH: number;
  /** Horizontal stride. */
  sW: number;
  /** Zero rows padded above the input (bottom padding is implied by the output size). */
  padTop: number;
  /** Zero columns padded left of the input (right padding is implied). */
  padLeft: number;
}

/** True when the convolution is a plain GEMM on the input (1×1 filter, stride 1, no padding). */
export function isPointwise(g: ConvGeometry): boolean {
  return g.kH === 1 && g.kW === 1 && g.sH === 1 && g.sW === 1 && g.padTop === 0 &&
    g.padLeft === 0 && g.outH === g.inH && g.outW === g.inW;
}

/** Columns of the column matrix (`kh·kw·inC`). */
export function colWidth(g: ConvGeometry): number {
  return g.kH * g.kW * g.inC;
}

/**
 * Writes the column matrix of images `b0 .. b0+nb-1` of `x` (`[batch, inH, inW, inC]`) into `col`
 * (`nb·outH·outW` rows); padding positions become 0.
 */
export function im2col(
  x: Float32Array,
  g: ConvGeometry,
  b0: number,
  nb: number,
  col: Float32Array,
): void {
  const { inH, inW, inC, kH, kW, outH, outW, sH, sW, padTop, padLeft } = g;
  const segment = kW * inC;
  let dst = 0;
  for (let b = b0; b < b0 + nb; b++) {
    const xb = b * inH * inW * inC;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * sH - padTop;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * sW - padLeft;
        const lo = iw0 < 0 ? -iw0 : 0;
        const hi = iw0 + kW > inW ? inW - iw0 : kW;
        for (let i = 0; i < kH; i++) {
          const ih = ih0 + i;
          if (ih < 0 || ih >= inH || hi <= lo) {
            col.fill(0, dst, dst + segment);
            dst += segment;
            continue;
          }
          if (lo > 0) col.fill(0, dst, dst + lo * inC);
          const n = (hi - lo) * inC;
          const src = xb + (ih * inW + iw0 + lo) * inC;
          const d = dst + lo * inC;
          if (n >= 48) col.set(x.subarray(src, src + n), d);
          else for (let j = 0; j < n; j++) col[d + j] = x[src + j];
          if (hi < kW) col.fill(0, dst + hi * inC, dst + segment);
          dst += segment;
        }
      }
    }
  }
}

/**
 * Adds the column matrix `col` (as produced by {@linkcode im2col} for images `b0 .. b0+nb-1`) back
 * into `dx` (`[batch, inH, inW, inC]`), which the caller has zeroed; padding positions are dropped.
 */
export function col2im(
  col: Float32Array,
  g: ConvGeometry,
  b0: number,
  nb: number,
  dx: Float32Array,
): void {
  const { inH, inW, inC, kH, kW, outH, outW, sH, sW, padTop, padLeft } = g;
  const segment = kW * inC;
  let src = 0;
  for (let b = b0; b < b0 + nb; b++) {
    const xb = b * inH * inW * inC;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * sH - padTop;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * sW - padLeft;
        const lo = iw0 < 0 ? -iw0 : 0;
        const hi = iw0 + kW > inW ? inW - iw0 : kW;
        for (let i = 0; i < kH; i++) {
          const ih = ih0 + i;
          if (ih >= 0 && ih < inH && hi > lo) {
            const n = (hi - lo) * inC;
            const d = xb + (ih * inW + iw0 + lo) * inC;
            const s = src + lo * inC;
            for (let j = 0; j < n; j++) dx[d + j] += col[s + j];
          }
          src += segment;
        }
      }
    }
  }
}
