/**
 * VGG-16 for CIFAR with batch normalisation (methods.md §6, HALO's variant): 13 conv 3×3 "same"
 * (bias on) + BN + ReLU with widths 64,64,M,128,128,M,256×3,M,512×3,M,512×3, then AvgPool 2 →
 * flatten → Linear(512, C). 14,728,266 parameters for 10 classes (14.73M). Every convolution's
 * filters form a gate group.
 *
 * @module
 */
import type { ArchSpec, LayerSpec } from "../spec.ts";
import { scaleWidth } from "./lenet.ts";

/** VGG-16 configuration: filter counts, `M` = maxpool 2. */
export const VGG16_CONFIG: readonly (number | "M")[] = [
  64,
  64,
  "M",
  128,
  128,
  "M",
  256,
  256,
  256,
  "M",
  512,
  512,
  512,
  "M",
  512,
  512,
  512,
];

/** VGG-16 (CIFAR, BN) at width multiplier `w` for `numClasses` classes (default 10). */
export function vgg16Cifar(w = 1, numClasses = 10): ArchSpec {
  const layers: LayerSpec[] = [];
  let i = 0;
  for (const c of VGG16_CONFIG) {
    if (c === "M") {
      layers.push({ type: "maxpool", size: 2 });
      continue;
    }
    i++;
    layers.push({
      type: "conv2d",
      name: `conv${i}`,
      filters: scaleWidth(c, w),
      kernel: 3,
      padding: "same",
      bias: true,
      batchNorm: true,
      activation: "relu",
      gated: true,
    });
  }
  layers.push(
    { type: "avgpool", size: 2 },
    { type: "flatten" },
    { type: "dense", name: "fc", units: numClasses, activation: "none" },
  );
  return { id: "vgg16-cifar", inputShape: [32, 32, 3], numClasses, layers };
}
