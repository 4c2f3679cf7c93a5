/**
 * Architecture registry: id → builder taking the width multiplier.
 *
 * @module
 */
import type { ArchSpec } from "./spec.ts";
import { lenet300100, lenet5, lenet5Caffe } from "./archs/lenet.ts";
import { vgg16Cifar } from "./archs/vgg.ts";
import { resnet20, resnet56 } from "./archs/resnet.ts";
import { lookup } from "../util/errors.ts";

/** Builders by architecture id. The width multiplier scales every hidden layer. */
export const ARCHITECTURES: Readonly<Record<string, (width: number) => ArchSpec>> = {
  "lenet-300-100": lenet300100,
  "lenet-5-caffe": lenet5Caffe,
  "lenet-5": lenet5,
  "vgg16-cifar": (w) => vgg16Cifar(w),
  "resnet-20": resnet20,
  "resnet-56": resnet56,
};

/**
 * The spec of architecture `id` at width multiplier `width` (default 1).
 *
 * @example
 * ```ts
 * import { getArch } from "./registry.ts";
 * const a = getArch("lenet-300-100", 2);
 * if (a.layers[1].type !== "dense" || a.layers[1].units !== 600) throw new Error();
 * ```
 */
export function getArch(id: string, width = 1): ArchSpec {
  if (!(width > 0) || !Number.isFinite(width)) {
    throw new RangeError(
      `Cannot build architecture "${id}" at width ${width}: width must be a positive number`,
    );
  }
  return lookup(ARCHITECTURES, id, "architecture")(width);
}
