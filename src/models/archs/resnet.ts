/**
 * CIFAR ResNets (He et al. 2016, §4.2): 6n+2 layers of BasicBlocks in three stages of widths
 * 16/32/64. Stem conv 3×3 → BN → ReLU; each block conv 3×3 → BN → ReLU → conv 3×3 → BN, plus the
 * shortcut (identity, or 1×1 conv stride 2 + BN when downsampling: option B), ReLU after the add;
 * then global average pooling and FC 64→C. Convolutions have no bias (BN follows each), the
 * convention that gives HALO's 764,404 parameters for its CIFAR-100 ResNet-50 (n = 8).
 *
 * Gates: the inner convolution (`conv1`) of each block; the residual stream (stem, each block's
 * `conv2`, shortcuts) is not gated. Counts for 10 classes: `resnet-20` 272,474; `resnet-56`
 * 855,770.
 *
 * @module
 */
import type { ArchSpec, ConvSpec, LayerSpec } from "../spec.ts";
import { scaleWidth } from "./lenet.ts";

function conv(
  name: string,
  filters: number,
  kernel: number,
  stride: number,
  relu: boolean,
  gated = false,
): ConvSpec {
  return {
    type: "conv2d",
    name,
    filters,
    kernel,
    stride,
    padding: "same",
    bias: false,
    batchNorm: true,
    activation: relu ? "relu" : "none",
    gated,
  };
}

/**
 * A CIFAR ResNet with `n` blocks per stage (depth 6n+2) at width multiplier `w`.
 *
 * @param id Architecture id, e.g. `resnet-20`.
 * @param n Blocks per stage.
 * @param w Width multiplier applied to the three stage widths (rounded, at least 1).
 * @param numClasses Classes (default 10).
 * @returns The architecture spec.
 */
export function cifarResNet(id: string, n: number, w = 1, numClasses = 10): ArchSpec {
  const widths = [16, 32, 64].map((c) => scaleWidth(c, w));
  const layers: LayerSpec[] = [conv("stem", widths[0], 3, 1, true)];
  let cin = widths[0];
  widths.forEach((c, s) => {
    for (let b = 0; b < n; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const p = `s${s + 1}b${b + 1}`;
      const down = stride !== 1 || cin !== c;
      layers.push({
        type: "residual",
        name: p,
        body: [conv(`${p}_conv1`, c, 3, stride, true, true), conv(`${p}_conv2`, c, 3, 1, false)],
        shortcut: down ? [conv(`${p}_down`, c, 1, stride, false)] : [],
        activation: "relu",
      });
      cin = c;
    }
  });
  layers.push({ type: "globalavgpool" }, {
    type: "dense",
    name: "fc",
    units: numClasses,
    activation: "none",
  });
  return { id, inputShape: [32, 32, 3], numClasses, layers };
}

/** ResNet-20 (n = 3) for CIFAR-10 at width multiplier `w`. */
export function resnet20(w = 1): ArchSpec {
  return cifarResNet("resnet-20", 3, w);
}

/** ResNet-56 (n = 9) for CIFAR-10 at width multiplier `w`. */
export function resnet56(w = 1): ArchSpec {
  return cifarResNet("resnet-56", 9, w);
}
