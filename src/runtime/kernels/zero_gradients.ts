/**
 * Zero gradients for comparison and logical kernels that tfjs registers without one.
 *
 * A mask computed from a trainable variable inside a loss (e.g. `tf.where(logAlpha.greater(-5),
 * …)`) puts such a kernel on the gradient path, and backprop then fails with "Cannot compute
 * gradient: gradient function not found for Greater". Their true derivative is zero almost
 * everywhere, so a zero gradient is exact.
 *
 * @module
 */
import * as tf from "../../deps/tfjs.ts";

/** Kernels covered, with their input names. */
export const ZERO_GRADIENT_KERNELS: Readonly<Record<string, readonly string[]>> = {
  Greater: ["a", "b"],
  GreaterEqual: ["a", "b"],
  Less: ["a", "b"],
  LessEqual: ["a", "b"],
  Equal: ["a", "b"],
  NotEqual: ["a", "b"],
  LogicalAnd: ["a", "b"],
  LogicalOr: ["a", "b"],
  LogicalXor: ["a", "b"],
  LogicalNot: ["x"],
  IsNan: ["x"],
  IsInf: ["x"],
  IsFinite: ["x"],
  All: ["x"],
  Any: ["x"],
};

/**
 * Registers a zero gradient for every kernel in {@linkcode ZERO_GRADIENT_KERNELS} that has no
 * gradient yet (gradients are global, not per backend). Idempotent.
 *
 * @returns the kernel names registered by this call.
 *
 * @example
 * ```ts
 * import * as tf from "../../deps/tfjs.ts";
 * import { registerZeroGradients } from "./zero_gradients.ts";
 * registerZeroGradients();
 * if (tf.getGradient("Greater") === undefined) throw new Error("missing");
 * ```
 */
export function registerZeroGradients(): string[] {
  const added: string[] = [];
  for (const [kernelName, inputs] of Object.entries(ZERO_GRADIENT_KERNELS)) {
    if (tf.getGradient(kernelName) !== undefined) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: [...inputs],
      gradFunc: (_dy, saved) =>
        Object.fromEntries(
          inputs.map((name, i) => [name, () => tf.zeros(saved[i].shape, "float32")]),
        ),
    });
    added.push(kernelName);
  }
  return added;
}
