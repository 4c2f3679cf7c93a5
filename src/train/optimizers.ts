/**
 * Our own optimizers (not `tf.train`): Adam/AdamW and SGD with momentum or Nesterov, with
 * PyTorch semantics, per-group settings and state that shrinks in place when units are removed.
 *
 * State is keyed by a stable string (network parameters: their name, e.g. `fc1.w`; method
 * variables: `<group>/<key>`), never by tfjs variable name, because removing units replaces
 * variables. Each key has its own step count, as in PyTorch, where a parameter without a
 * gradient is skipped (e.g. DAM's β during its cold start starts Adam's bias correction later).
 *
 * Update rules (g = gradient, p = parameter, η = lr · schedule factor, λ = weight decay):
 * - `l2` decay: g ← g + λp (PyTorch `weight_decay`); `decoupled`: p ← p(1 − ηλ) first (AdamW).
 * - Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − η/(1−β₁ᵗ) · m/(√v/√(1−β₂ᵗ) + ε).
 * - SGD: b ← g at the first step, then b ← μb + g; d = g + μb (Nesterov) or b; p ← p − ηd.
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import type { OptimizerConfig } from "../methods/types.ts";
import type { GatherOp } from "../models/groups.ts";
import { ConfigError } from "../util/errors.ts";
import {
  type FusedOptimizerAttrs,
  fusedUpdateAvailable,
  runFusedOptimizer,
} from "../runtime/fused.ts";

/** An {@linkcode OptimizerConfig} with every default filled in. */
export type ResolvedOptimizerConfig = Required<OptimizerConfig>;

/**
 * Fills in the defaults of an optimizer config and validates it, throwing a
 * {@linkcode ConfigError} that lists every problem.
 *
 * @example
 * ```ts
 * import { resolveOptimizer } from "./optimizers.ts";
 * const c = resolveOptimizer({ kind: "adam", lr: 1e-3 });
 * if (c.beta2 !== 0.999 || c.weightDecayMode !== "l2") throw new Error();
 * ```
 */
export function resolveOptimizer(
  config: OptimizerConfig,
  what = "optimizer",
): ResolvedOptimizerConfig {
  const c: ResolvedOptimizerConfig = {
    kind: config.kind,
    lr: config.lr,
    momentum: config.momentum ?? 0,
    nesterov: config.nesterov ?? false,
    beta1: config.beta1 ?? 0.9,
    beta2: config.beta2 ?? 0.999,
    epsilon: config.epsilon ?? 1e-8,
    weightDecay: config.weightDecay ?? 0,
    weightDecayMode: config.weightDecayMode ?? "l2",
    schedule: config.schedule ?? true,
    schedulePower: config.schedulePower ?? 1,
  };
  const problems: string[] = [];
  if (c.kind !== "adam" && c.kind !== "sgd") {
    problems.push(`kind must be "adam" or "sgd": got "${c.kind}"`);
  }
  if (!(c.lr >= 0) || !Number.isFinite(c.lr)) {
    problems.push(`lr must be a finite number ≥ 0: got ${c.lr}`);
  }
  if (!(c.momentum >= 0 && c.momentum < 1)) {
    problems.push(`momentum must be in [0, 1): got ${c.momentum}`);
  }
  if (c.nesterov && !(c.kind === "sgd" && c.momentum > 0)) {
    problems.push("nesterov needs SGD with momentum > 0");
  }
  if (!(c.beta1 >= 0 && c.beta1 < 1)) problems.push(`beta1 must be in [0, 1): got ${c.beta1}`);
  if (!(c.beta2 >= 0 && c.beta2 < 1)) problems.push(`beta2 must be in [0, 1): got ${c.beta2}`);
  if (!(c.epsilon >= 0)) problems.push(`epsilon must be ≥ 0: got ${c.epsilon}`);
  if (!(c.weightDecay >= 0)) problems.push(`weightDecay must be ≥ 0: got ${c.weightDecay}`);
  if (c.weightDecayMode !== "l2" && c.weightDecayMode !== "decoupled") {
    problems.push(`weightDecayMode must be "l2" or "decoupled": got "${c.weightDecayMode}"`);
  }
  if (!Number.isFinite(c.schedulePower)) {
    problems.push(`schedulePower must be finite: got ${c.schedulePower}`);
  }
  if (problems.length) throw new ConfigError(problems, what);
  return c;
}

/** Learning rate of a group at schedule factor `factor`: lr·factor^power, or lr when unscheduled. */
export function effectiveLr(config: ResolvedOptimizerConfig, factor: number): number {
  return config.lr * (config.schedule ? factor ** config.schedulePower : 1);
}

interface Slots {
  /** Steps taken for this key. */
  step: number;
  /** Adam first moment, or SGD momentum buffer. */
  m: tf.Tensor | null;
  /** Adam second moment. */
  v: tf.Tensor | null;
}

/**
 * Per-key optimizer state and update. One instance serves every parameter group of a run: the
 * config is passed with each step, so groups may differ in algorithm, lr and decay.
 *
 * @example Two Adam steps on p = 1 with g = 0.5: each step moves p by lr
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { Optimizer, resolveOptimizer } from "./optimizers.ts";
 * await tf.setBackend("cpu");
 * const p = tf.variable(tf.scalar(1)), g = tf.scalar(0.5);
 * const opt = new Optimizer(), cfg = resolveOptimizer({ kind: "adam", lr: 0.1 });
 * opt.step("p", p, g, cfg);
 * opt.step("p", p, g, cfg);
 * if (Math.abs(p.dataSync()[0] - 0.8) > 1e-6) throw new Error(String(p.dataSync()[0]));
 * opt.dispose(); p.dispose(); g.dispose();
 * ```
 */
export class Optimizer {
  #state = new Map<string, Slots>();

  /**
   * Updates `param` in place from `grad` under `config`; `factor` is the schedule factor
   * (ignored when `config.schedule` is false; raised to `config.schedulePower` otherwise).
   */
  step(
    key: string,
    param: tf.Variable,
    grad: tf.Tensor,
    config: ResolvedOptimizerConfig,
    factor = 1,
  ): void {
    let s = this.#state.get(key);
    if (!s) this.#state.set(key, s = { step: 0, m: null, v: null });
    if (s.m && s.m.shape.join() !== param.shape.join()) {
      throw new RangeError(
        `Cannot step "${key}": optimizer state has shape [${s.m.shape}] but the parameter has ` +
          `[${param.shape}]; shrink the state with the removal plan first`,
      );
    }
    const c = config;
    const lr = effectiveLr(c, factor);
    const t = ++s.step;
    if (fusedUpdateAvailable(param.size)) return this.#fused(s, param, grad, c, lr, t);
    const prev = s;
    type Out = { p: tf.Tensor; m: tf.Tensor | null; v: tf.Tensor | null };
    const out = tf.tidy(
      ((): Out => {
        let p: tf.Tensor = param;
        let g = grad;
        if (c.weightDecay > 0 && c.weightDecayMode === "l2") {
          g = tf.add(g, tf.mul(p, c.weightDecay));
        }
        if (c.weightDecay > 0 && c.weightDecayMode === "decoupled") {
          p = tf.mul(
            p,
            1 - lr * c.weightDecay,
          );
        }
        if (c.kind === "adam") {
          const m = prev.m
            ? tf.add(tf.mul(prev.m, c.beta1), tf.mul(g, 1 - c.beta1))
            : tf.mul(g, 1 - c.beta1);
          const g2 = tf.square(g);
          const v = prev.v
            ? tf.add(tf.mul(prev.v, c.beta2), tf.mul(g2, 1 - c.beta2))
            : tf.mul(g2, 1 - c.beta2);
          const bc1 = 1 - c.beta1 ** t, bc2 = 1 - c.beta2 ** t;
          const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), c.epsilon);
          p = tf.sub(p, tf.mul(tf.div(m, denom), lr / bc1));
          return { p, m, v };
        }
        if (c.momentum === 0) return { p: tf.sub(p, tf.mul(g, lr)), m: null, v: null };
        const b = prev.m ? tf.add(tf.mul(prev.m, c.momentum), g) : tf.clone(g);
        const d = c.nesterov ? tf.add(g, tf.mul(b, c.momentum)) : b;
        return { p: tf.sub(p, tf.mul(d, lr)), m: b, v: null };
      }) as () => tf.TensorContainer,
    ) as Out;
    param.assign(out.p);
    out.p.dispose();
    s.m?.dispose();
    s.v?.dispose();
    s.m = out.m;
    s.v = out.v;
  }

  /** The same update as one fused kernel (bit-identical; src/runtime/fused.ts). */
  #fused(
    s: Slots,
    param: tf.Variable,
    grad: tf.Tensor,
    c: ResolvedOptimizerConfig,
    lr: number,
    t: number,
  ): void {
    const kind = c.kind === "adam" ? "adam" : c.momentum > 0 ? "sgd" : "plain";
    const adam = kind === "adam";
    const a: FusedOptimizerAttrs = {
      kind,
      wd: c.weightDecay,
      decoupled: c.weightDecayMode === "decoupled",
      decay: 1 - lr * c.weightDecay,
      b1: adam ? c.beta1 : c.momentum,
      omb1: 1 - c.beta1,
      b2: c.beta2,
      omb2: 1 - c.beta2,
      sqbc2: Math.sqrt(1 - c.beta2 ** t),
      eps: c.epsilon,
      lr: adam ? lr / (1 - c.beta1 ** t) : lr,
      nesterov: c.nesterov,
    };
    const [p, m, v] = runFusedOptimizer(a, param, grad, s.m, s.v);
    param.assign(p);
    p.dispose();
    s.m?.dispose();
    s.v?.dispose();
    s.m = m ?? null;
    s.v = v ?? null;
  }

  /**
   * Gathers every state slot of `key` along `op.axis` at `op.indices` (a {@linkcode GatherOp} of
   * a removal plan). No-op for keys without state.
   */
  shrink(key: string, op: Pick<GatherOp, "axis" | "indices">): void {
    const s = this.#state.get(key);
    if (!s) return;
    const gather = (t: tf.Tensor | null) => {
      if (!t) return null;
      const out = tf.tidy(() => tf.gather(t, tf.tensor1d(op.indices, "int32"), op.axis));
      t.dispose();
      return out;
    };
    s.m = gather(s.m);
    s.v = gather(s.v);
  }

  /** Shape of the state of `key`, or null when it has no tensor state yet. */
  stateShape(key: string): number[] | null {
    return this.#state.get(key)?.m?.shape ?? null;
  }

  /** Steps taken for `key` (0 if none). */
  stepCount(key: string): number {
    return this.#state.get(key)?.step ?? 0;
  }

  /** The state tensors of `key` (not copies; for tests and inspection). */
  slots(key: string): { m: tf.Tensor | null; v: tf.Tensor | null } {
    const s = this.#state.get(key);
    return { m: s?.m ?? null, v: s?.v ?? null };
  }

  /** Keys with state. */
  keys(): string[] {
    return [...this.#state.keys()];
  }

  /** Releases every state tensor. */
  dispose(): void {
    for (const s of this.#state.values()) {
      s.m?.dispose();
      s.v?.dispose();
    }
    this.#state.clear();
  }
}
