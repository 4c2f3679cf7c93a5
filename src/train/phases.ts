/**
 * Wall-clock time of the phases of a training step, for `deno task perf`. The loop calls
 * {@linkcode PhaseTimer.lap} at the end of each phase when a timer is passed in
 * {@linkcode TrainHooks.phases}; without one it does nothing. On the wasm and cpu backends every
 * kernel runs synchronously, so the time of a phase is the time of its kernels plus the JS that
 * dispatches them.
 *
 * @example
 * ```ts
 * import { PhaseTimer } from "./phases.ts";
 * const t = new PhaseTimer();
 * t.start();
 * t.lap("forward");
 * t.endStep();
 * if (t.steps !== 1 || !(t.total.forward >= 0)) throw new Error();
 * ```
 *
 * @module
 */

/** Phases of one training step, in order. */
export const PHASES = [
  "batch",
  "forward",
  "backward",
  "sync",
  "optimizer",
  "ema",
  "hooks",
] as const;
/** A phase of a training step. */
export type Phase = typeof PHASES[number];

/**
 * - `batch`: assembling the batch tensors and collecting the trainable variables;
 * - `forward`: forward pass, task loss and method penalty (recording the tape);
 * - `backward`: gradients;
 * - `sync`: reading the loss values back (and the divergence check);
 * - `optimizer`: parameter updates;
 * - `ema`: the EMA update;
 * - `hooks`: the method's `afterStep`, BN statistics and the `onStep` observer.
 */
export class PhaseTimer {
  /** Milliseconds per phase summed over the recorded steps. */
  readonly total: Record<Phase, number> = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<
    Phase,
    number
  >;
  /** Steps recorded. */
  steps = 0;
  #last = 0;

  /** Marks the start of a step. */
  start(): void {
    this.#last = performance.now();
  }

  /** Ends phase `p` now (its time runs from the previous mark). */
  lap(p: Phase): void {
    const now = performance.now();
    this.total[p] += now - this.#last;
    this.#last = now;
  }

  /** Counts one step. */
  endStep(): void {
    this.steps++;
  }

  /** Milliseconds per step of each phase. */
  perStep(): Record<Phase, number> {
    const n = Math.max(1, this.steps);
    return Object.fromEntries(PHASES.map((p) => [p, this.total[p] / n])) as Record<Phase, number>;
  }

  /** Forgets every recorded step (after warm-up). */
  reset(): void {
    for (const p of PHASES) this.total[p] = 0;
    this.steps = 0;
  }
}
