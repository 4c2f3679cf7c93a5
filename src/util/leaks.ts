/**
 * Test helper: fails when a function leaves tensors behind.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";

/**
 * Runs `fn` and throws if the number of live tensors afterwards differs from before by more than
 * `allowed` (e.g. a function that returns one tensor is allowed 1).
 *
 * @example
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { expectNoLeakedTensors } from "./leaks.ts";
 * await tf.setBackend("cpu");
 * await expectNoLeakedTensors(() => tf.tidy(() => { tf.ones([2]).add(1); }));
 * ```
 */
export async function expectNoLeakedTensors(
  fn: () => unknown | Promise<unknown>,
  allowed = 0,
): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  const after = tf.memory().numTensors;
  if (after - before !== allowed) {
    throw new Error(
      `Tensor leak: ${
        after - before
      } tensors were left behind (expected ${allowed}): before ${before}, after ${after}`,
    );
  }
}
