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

/** Input shape and number of outputs to build an architecture for (a dataset's). */
export interface ArchIO {
  /** Input shape without batch, e.g. `[28, 28, 1]` or `[20]`. */
  inputShape: number[];
  /** Outputs of the last layer (classes, or the target dimension for regression). */
  outputs: number;
}

/**
 * Adapts a spec to a dataset: its input shape and the width of its last layer. MLPs take any
 * input (they flatten it); convolutional architectures need image inputs ([H, W, C]).
 */
export function withIO(spec: ArchSpec, io: ArchIO): ArchSpec {
  const layers = [...spec.layers];
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    if (l.type === "dense") {
      layers[i] = { ...l, units: io.outputs };
      break;
    }
  }
  return { ...spec, inputShape: [...io.inputShape], numClasses: io.outputs, layers };
}

/**
 * The spec of architecture `id` at width multiplier `width` (default 1), optionally adapted to a
 * dataset's input shape and number of outputs (default: MNIST-sized for the LeNets, CIFAR-sized
 * for VGG and ResNets, 10 classes).
 *
 * @example
 * ```ts
 * import { getArch } from "./registry.ts";
 * const a = getArch("lenet-300-100", 2);
 * if (a.layers[1].type !== "dense" || a.layers[1].units !== 600) throw new Error();
 * ```
 */
export function getArch(id: string, width = 1, io?: ArchIO): ArchSpec {
  if (!(width > 0) || !Number.isFinite(width)) {
    throw new RangeError(
      `Cannot build architecture "${id}" at width ${width}: width must be a positive number`,
    );
  }
  const spec = lookup(ARCHITECTURES, id, "architecture")(width);
  return io ? withIO(spec, io) : spec;
}
