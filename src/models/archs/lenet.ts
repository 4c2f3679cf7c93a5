/**
 * LeNet family for MNIST-sized inputs (methods.md §6).
 *
 * - `lenet-300-100`: 784→300→100→10, ReLU (266,610 params). Gates: the 784 inputs of fc1 (L0's
 *   pixel gates) and the units of fc1 and fc2.
 * - `lenet-5-caffe`: conv 5×5 1→20 valid → ReLU → maxpool 2 → conv 5×5 20→50 → ReLU → maxpool 2 →
 *   FC 800→500 → ReLU → FC 500→10 (431,080 params). Gates: conv1 and conv2 filters, the 800
 *   inputs of fc1, the 500 units of fc1 (L0's 20-50-800-500 architecture string).
 * - `lenet-5`: the classic 6-16-120-84: conv 5×5 1→6 same → ReLU → maxpool 2 → conv 5×5 6→16
 *   valid → ReLU → maxpool 2 → FC 400→120 → ReLU → FC 120→84 → ReLU → FC 84→10 (61,706 params).
 *   Gates: conv1 and conv2 filters, the 400 inputs of fc1, the units of fc1 and fc2.
 *
 * @module
 */
import type { ArchSpec } from "../spec.ts";

/** Scales a hidden width by `w`: rounded, at least 1. */
export function scaleWidth(n: number, w: number): number {
  return Math.max(1, Math.round(n * w));
}

/** LeNet-300-100 at width multiplier `w`. */
export function lenet300100(w = 1): ArchSpec {
  return {
    id: "lenet-300-100",
    inputShape: [28, 28, 1],
    numClasses: 10,
    layers: [
      { type: "flatten" },
      {
        type: "dense",
        name: "fc1",
        units: scaleWidth(300, w),
        activation: "relu",
        gated: true,
        inputGated: true,
      },
      { type: "dense", name: "fc2", units: scaleWidth(100, w), activation: "relu", gated: true },
      { type: "dense", name: "fc3", units: 10, activation: "none" },
    ],
  };
}

/** LeNet-5-Caffe (20-50-800-500) at width multiplier `w`. */
export function lenet5Caffe(w = 1): ArchSpec {
  return {
    id: "lenet-5-caffe",
    inputShape: [28, 28, 1],
    numClasses: 10,
    layers: [
      {
        type: "conv2d",
        name: "conv1",
        filters: scaleWidth(20, w),
        kernel: 5,
        padding: "valid",
        activation: "relu",
        gated: true,
      },
      { type: "maxpool", size: 2 },
      {
        type: "conv2d",
        name: "conv2",
        filters: scaleWidth(50, w),
        kernel: 5,
        padding: "valid",
        activation: "relu",
        gated: true,
      },
      { type: "maxpool", size: 2 },
      { type: "flatten" },
      {
        type: "dense",
        name: "fc1",
        units: scaleWidth(500, w),
        activation: "relu",
        gated: true,
        inputGated: true,
      },
      { type: "dense", name: "fc2", units: 10, activation: "none" },
    ],
  };
}

/** Classic LeNet-5 (6-16-120-84, HALO's MNIST network) at width multiplier `w`. */
export function lenet5(w = 1): ArchSpec {
  return {
    id: "lenet-5",
    inputShape: [28, 28, 1],
    numClasses: 10,
    layers: [
      {
        type: "conv2d",
        name: "conv1",
        filters: scaleWidth(6, w),
        kernel: 5,
        padding: "same",
        activation: "relu",
        gated: true,
      },
      { type: "maxpool", size: 2 },
      {
        type: "conv2d",
        name: "conv2",
        filters: scaleWidth(16, w),
        kernel: 5,
        padding: "valid",
        activation: "relu",
        gated: true,
      },
      { type: "maxpool", size: 2 },
      { type: "flatten" },
      {
        type: "dense",
        name: "fc1",
        units: scaleWidth(120, w),
        activation: "relu",
        gated: true,
        inputGated: true,
      },
      { type: "dense", name: "fc2", units: scaleWidth(84, w), activation: "relu", gated: true },
      { type: "dense", name: "fc3", units: 10, activation: "none" },
    ],
  };
}
