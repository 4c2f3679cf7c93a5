/**
 * A test fixture method module (loaded through a suite's `methodModules`): `diverge` trains like
 * `dense` but its penalty is NaN from the second step on, a deterministic stand-in for a run that
 * diverges. Forcing divergence through an extreme learning rate is not reliable: with SGD at a huge
 * step size the ReLUs can all die and the loss settle at a finite ln(classes).
 *
 * @module
 */
import * as tf from "../../src/deps/tfjs.ts";
import type { MethodSpec, PruningMethod } from "../../src/methods/types.ts";
import { denseMethod } from "../../src/methods/dense.ts";

/** `diverge`: a dense run whose penalty becomes NaN after the first step. */
const diverge: MethodSpec<Record<string, never>> = {
  id: "diverge",
  summary: "Test fixture: dense training whose penalty is NaN from step 2 on",
  citation: "—",
  granularities: ["unit"],
  defaults: {},
  docs: {},
  create(): PruningMethod {
    let steps = 0;
    return {
      ...denseMethod(),
      id: "diverge",
      penalty: () => tf.scalar(steps++ === 0 ? 0 : NaN),
    };
  },
};

/** The methods this module contributes. */
export const methods: Record<string, MethodSpec<Record<string, never>>> = { diverge };
