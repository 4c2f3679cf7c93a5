/**
 * Exponential moving average of parameters for evaluation (L0 recipe, methods.md §1.4): after
 * every step, shadow ← β·shadow + (1−β)·value for every network parameter *and* every method
 * variable; the value used for evaluation is shadow / (1 − βᵗ) (bias-corrected, shadow started
 * at 0, t = updates of that key). Keys are the optimizer's stable keys, so shadows survive
 * variables being replaced and shrink with the same removal plans.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { GatherOp } from "../models/groups.ts";
import { fusedUpdateAvailable, runFusedEma } from "../runtime/fused.ts";

/**
 * Bias-corrected EMA shadows keyed by stable names.
 *
 * @example The bias-corrected average of a constant is the constant
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { Ema } from "./ema.ts";
 * await tf.setBackend("cpu");
 * const v = tf.variable(tf.scalar(3));
 * const ema = new Ema(0.999);
 * ema.update(new Map([["v", v]]));
 * const restore = ema.swapIn(new Map([["v", v]]));
 * if (Math.abs(v.dataSync()[0] - 3) > 1e-4) throw new Error();
 * restore();
 * ema.dispose(); v.dispose();
 * ```
 */
export class Ema {
  /** Decay β. */
  readonly decay: number;
  #shadow = new Map<string, { value: tf.Tensor; t: number }>();

  /** Creates an empty average with decay `decay` in (0, 1). */
  constructor(decay: number) {
    if (!(decay > 0 && decay < 1)) {
      throw new RangeError(`EMA decay must be in (0, 1): got ${decay}`);
    }
    this.decay = decay;
  }

  /** Folds the current values of `variables` (key → variable) into the average. */
  update(variables: ReadonlyMap<string, tf.Variable>): void {
    const d = this.decay;
    for (const [key, v] of variables) {
      const fused = fusedUpdateAvailable(v.size);
      const s = this.#shadow.get(key);
      if (s && s.value.shape.join() !== v.shape.join()) {
        throw new RangeError(
          `Cannot update the EMA of "${key}": shadow has shape [${s.value.shape}] but the variable ` +
            `has [${v.shape}]; shrink the shadow with the removal plan first`,
        );
      }
      const next = fused
        ? runFusedEma(d, s?.value ?? null, v)
        : tf.tidy(() => s ? tf.add(tf.mul(s.value, d), tf.mul(v, 1 - d)) : tf.mul(v, 1 - d));
      s?.value.dispose();
      this.#shadow.set(key, { value: next, t: (s?.t ?? 0) + 1 });
    }
  }

  /** The bias-corrected average of `key` (a new tensor the caller disposes), or null. */
  value(key: string): tf.Tensor | null {
    const s = this.#shadow.get(key);
    return s ? tf.tidy(() => tf.div(s.value, 1 - this.decay ** s.t)) : null;
  }

  /**
   * Assigns the averages to `variables` and returns a function that restores the previous
   * values (call it exactly once). Keys without a shadow are left as they are.
   */
  swapIn(variables: ReadonlyMap<string, tf.Variable>): () => void {
    const saved: [tf.Variable, tf.Tensor][] = [];
    for (const [key, v] of variables) {
      const avg = this.value(key);
      if (!avg) continue;
      saved.push([v, tf.clone(v)]);
      v.assign(avg);
      avg.dispose();
    }
    return () => {
      for (const [v, old] of saved) {
        v.assign(old);
        old.dispose();
      }
      saved.length = 0;
    };
  }

  /** Assigns the averages to `variables` for good (the evaluated model after training). */
  load(variables: ReadonlyMap<string, tf.Variable>): void {
    for (const [key, v] of variables) {
      const avg = this.value(key);
      if (!avg) continue;
      v.assign(avg);
      avg.dispose();
    }
  }

  /** Gathers the shadow of `key` along `op.axis` at `op.indices`; no-op without a shadow. */
  shrink(key: string, op: Pick<GatherOp, "axis" | "indices">): void {
    const s = this.#shadow.get(key);
    if (!s) return;
    const next = tf.tidy(() => tf.gather(s.value, tf.tensor1d(op.indices, "int32"), op.axis));
    s.value.dispose();
    s.value = next;
  }

  /** Shape of the shadow of `key`, or null. */
  shape(key: string): number[] | null {
    return this.#shadow.get(key)?.value.shape ?? null;
  }

  /** Releases the shadows. */
  dispose(): void {
    for (const s of this.#shadow.values()) s.value.dispose();
    this.#shadow.clear();
  }
}
