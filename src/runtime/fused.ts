/**
 * Fused optimizer and EMA updates: one tfjs kernel per parameter instead of 10–16 elementwise
 * kernels (and as many temporary tensors), for the backends whose tensor data JS can read and
 * write directly — `wasm` and `cpu` (JS typed arrays). Other backends use the unfused tfjs ops
 * ({@linkcode fusedAvailable} is false).
 *
 * On `wasm` the update is a WebAssembly SIMD kernel generated from `simd/updates.ts` that works on
 * the backend's heap in place of the tensors (one pass over p, g, m and v instead of 10–16); it is
 * used for tensors of every size. Where the runtime lacks wasm SIMD (or the backend's memory is not
 * reachable) a JS loop on heap views runs instead, for tensors of at most
 * {@linkcode FUSED_MAX_SIZE} elements (a JS loop costs 7–20 ns per element against ≈ 0.5 ns for a
 * tfjs-wasm SIMD op, so the tfjs ops win on large tensors there). On `cpu` the JS loop runs.
 *
 * Every arithmetic operation is rounded to float32 in the order the unfused ops evaluate it
 * (`Math.fround` in JS; wasm `f32` arithmetic rounds every result), so the fused update is
 * bit-identical to the unfused one (tested against it on the cpu backend). Outputs are new
 * tensors: inputs are never written in place, so tensors sharing data with a parameter (e.g. a
 * clone on the cpu backend) are never changed behind tfjs' back.
 *
 * Kernels are registered on first use (no import side effects).
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import {
  type CpuBackend,
  f32View,
  type KernelArgs,
  sizeOf,
  type TensorRef,
  type WasmBackend,
} from "./blas/heap.ts";
import { backendMemory, runKernel, simdAvailable } from "./simd/mod.ts";
import { emaSpec, optimizerSpec } from "./simd/updates.ts";

/** Kernel name of the fused optimizer update. */
export const FUSED_OPTIMIZER = "PrunebenchFusedOptimizer";
/** Kernel name of the fused EMA update. */
export const FUSED_EMA = "PrunebenchFusedEma";

/** Largest tensor (elements) updated by the fused kernels; larger ones use the tfjs ops. */
export const FUSED_MAX_SIZE = 16384;

/** Float32 constants of one optimizer update (each rounded as tfjs rounds a scalar operand). */
export interface FusedOptimizerAttrs {
  /** `adam`, `sgd` (momentum > 0) or `plain` (SGD without momentum). */
  kind: "adam" | "sgd" | "plain";
  /** Weight decay λ (0 = none). */
  wd: number;
  /** Decoupled decay: p ← p·(1 − ηλ) first; else λp is added to the gradient. */
  decoupled: boolean;
  /** 1 − ηλ (decoupled decay). */
  decay: number;
  /** Adam β₁, 1 − β₁, β₂, 1 − β₂, √(1 − β₂ᵗ), ε and η/(1 − β₁ᵗ); SGD: μ in `b1`, η in `lr`. */
  b1: number;
  omb1: number;
  b2: number;
  omb2: number;
  sqbc2: number;
  eps: number;
  lr: number;
  /** Nesterov momentum (SGD). */
  nesterov: boolean;
}

const fr = Math.fround;

/**
 * The fused update on typed arrays: reads p, g, m, v (m/v null = zero state, the first step) and
 * writes the new values to po, mo, vo (mo/vo unused for `plain`, vo unused for `sgd`).
 */
export function fusedOptimizerUpdate(
  a: FusedOptimizerAttrs,
  p: Float32Array,
  g: Float32Array,
  m: Float32Array | null,
  v: Float32Array | null,
  po: Float32Array,
  mo: Float32Array | null,
  vo: Float32Array | null,
): void {
  const n = p.length;
  const wd = fr(a.wd), decay = fr(a.decay), l2 = a.wd > 0 && !a.decoupled;
  const b1 = fr(a.b1), omb1 = fr(a.omb1), b2 = fr(a.b2), omb2 = fr(a.omb2);
  const sqbc2 = fr(a.sqbc2), eps = fr(a.eps), lr = fr(a.lr);
  const decoupled = a.wd > 0 && a.decoupled;
  for (let i = 0; i < n; i++) {
    let pi = p[i], gi = g[i];
    if (l2) gi = fr(gi + fr(pi * wd));
    if (decoupled) pi = fr(pi * decay);
    if (a.kind === "adam") {
      const mi = m ? fr(fr(m[i] * b1) + fr(gi * omb1)) : fr(gi * omb1);
      const g2 = fr(gi * gi);
      const vi = v ? fr(fr(v[i] * b2) + fr(g2 * omb2)) : fr(g2 * omb2);
      const denom = fr(fr(fr(Math.sqrt(vi)) / sqbc2) + eps);
      po[i] = fr(pi - fr(fr(mi / denom) * lr));
      mo![i] = mi;
      vo![i] = vi;
    } else if (a.kind === "sgd") {
      const bi = m ? fr(fr(m[i] * b1) + gi) : gi;
      const d = a.nesterov ? fr(gi + fr(bi * b1)) : bi;
      po[i] = fr(pi - fr(d * lr));
      mo![i] = bi;
    } else {
      po[i] = fr(pi - fr(gi * lr));
    }
  }
}

/** EMA on typed arrays: out = s·β + v·(1 − β) (s null: v·(1 − β)), rounded as the tfjs ops. */
export function fusedEmaUpdate(
  decay: number,
  s: Float32Array | null,
  v: Float32Array,
  out: Float32Array,
): void {
  const d = fr(decay), omd = fr(1 - decay);
  if (s) { for (let i = 0; i < v.length; i++) out[i] = fr(fr(s[i] * d) + fr(v[i] * omd)); }
  else for (let i = 0; i < v.length; i++) out[i] = fr(v[i] * omd);
}

function optimizerKernel(backendName: string) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorRef[] => {
    const a = attrs as unknown as FusedOptimizerAttrs;
    const { p, g, m, v } = inputs as Record<string, TensorRef>;
    const outs = a.kind === "adam" ? 3 : a.kind === "sgd" ? 2 : 1;
    if (backendName === "wasm") {
      const b = backend as WasmBackend;
      const o = Array.from({ length: outs }, () => b.makeOutput(p.shape, "float32"));
      const memory = simdMemory(b);
      if (memory) {
        const spec = optimizerSpec({
          kind: a.kind,
          decay: a.wd > 0 ? (a.decoupled ? "decoupled" : "l2") : "none",
          hasState: m !== undefined,
          nesterov: a.nesterov,
        });
        const ins = [p, g, ...(m ? [m] : []), ...(m && v ? [v] : [])];
        const params = [a.wd, a.decay, a.b1, a.omb1, a.b2, a.omb2, a.sqbc2, a.eps, a.lr];
        runKernel(b, memory, spec, ins, o, 1, sizeOf(p.shape), params);
        return o;
      }
      const view = (t: TensorRef | undefined) => t ? f32View(b, t) : null;
      fusedOptimizerUpdate(
        a,
        view(p)!,
        view(g)!,
        view(m),
        view(v),
        view(o[0])!,
        view(o[1]),
        view(o[2]),
      );
      return o;
    }
    const b = backend as CpuBackend;
    const n = p.shape.reduce((x, y) => x * y, 1);
    const arr = (t: TensorRef | undefined) =>
      t ? b.data.get(t.dataId).values as Float32Array : null;
    const o = Array.from({ length: outs }, () => new Float32Array(n));
    fusedOptimizerUpdate(a, arr(p)!, arr(g)!, arr(m), arr(v), o[0], o[1] ?? null, o[2] ?? null);
    return o.map((x) => b.makeTensorInfo(p.shape, "float32", x));
  };
}

function emaKernel(backendName: string) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorRef => {
    const { decay } = attrs as { decay: number };
    const { s, v } = inputs as Record<string, TensorRef>;
    if (backendName === "wasm") {
      const b = backend as WasmBackend;
      const out = b.makeOutput(v.shape, "float32");
      const memory = simdMemory(b);
      if (memory) {
        const ins = s ? [s, v] : [v];
        runKernel(b, memory, emaSpec(s !== undefined), ins, [out], 1, sizeOf(v.shape), [
          decay,
          1 - decay,
        ]);
        return out;
      }
      fusedEmaUpdate(decay, s ? f32View(b, s) : null, f32View(b, v), f32View(b, out));
      return out;
    }
    const b = backend as CpuBackend;
    const val = (t: TensorRef) => b.data.get(t.dataId).values as Float32Array;
    const out = new Float32Array(val(v).length);
    fusedEmaUpdate(decay, s ? val(s) : null, val(v), out);
    return b.makeTensorInfo(v.shape, "float32", out);
  };
}

const FUSABLE = ["wasm", "cpu"];

/** The wasm backend's memory when SIMD kernels can run on it (and are enabled), else null. */
function simdMemory(b: WasmBackend): WebAssembly.Memory | null {
  return simdEnabled && simdAvailable() ? backendMemory(b) : null;
}

/** True when the active backend runs the fused updates as wasm SIMD kernels (any size). */
function simdActive(): boolean {
  return simdEnabled && tf.getBackend() === "wasm" && simdAvailable() &&
    backendMemory(tf.backend()) !== null;
}

/**
 * True when the active backend has the fused kernels (registering them on first call): `wasm`
 * and `cpu`, unless disabled with {@linkcode setFusedUpdates}; with `size`, also requires
 * `size` ≤ {@linkcode FUSED_MAX_SIZE} (or the limit set by `setFusedUpdates`).
 */
export function fusedAvailable(size = 0): boolean {
  if (!enabled || size > maxSize) return false;
  return registerFused();
}

/**
 * True when the optimizer and EMA updates of a tensor of `size` elements run fused: as
 * {@linkcode fusedAvailable}, but any size on `wasm` with SIMD kernels.
 */
export function fusedUpdateAvailable(size: number): boolean {
  if (!enabled) return false;
  if (size > maxSize && !simdActive()) return false;
  return registerFused();
}

function registerFused(): boolean {
  const name = tf.getBackend();
  if (!FUSABLE.includes(name)) return false;
  if (!tf.getKernel(FUSED_OPTIMIZER, name)) {
    tf.registerKernel({
      kernelName: FUSED_OPTIMIZER,
      backendName: name,
      kernelFunc: optimizerKernel(name) as unknown as tf.KernelFunc,
    });
    tf.registerKernel({
      kernelName: FUSED_EMA,
      backendName: name,
      kernelFunc: emaKernel(name) as unknown as tf.KernelFunc,
    });
  }
  return true;
}

let enabled = true;
let simdEnabled = true;
let maxSize = FUSED_MAX_SIZE;

/**
 * Turns the fused kernels on (default) or off (the unfused tfjs ops; for tests and profiling),
 * sets the largest tensor the JS loops update (default {@linkcode FUSED_MAX_SIZE}), and with
 * `simd` false makes the wasm backend use the JS loops instead of the SIMD kernels.
 */
export function setFusedUpdates(
  on: boolean,
  maxElements: number = FUSED_MAX_SIZE,
  simd = true,
): void {
  enabled = on;
  maxSize = maxElements;
  simdEnabled = simd;
}

/** Runs the fused optimizer kernel; returns [p, m?, v?] (new tensors the caller owns). */
export function runFusedOptimizer(
  a: FusedOptimizerAttrs,
  p: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor | null,
  v: tf.Tensor | null,
): tf.Tensor[] {
  const inputs: Record<string, tf.Tensor> = { p, g };
  if (m) inputs.m = m;
  if (v) inputs.v = v;
  const out = tf.engine().runKernel(
    FUSED_OPTIMIZER,
    inputs as unknown as tf.NamedTensorMap,
    a as unknown as tf.NamedAttrMap,
  );
  return Array.isArray(out) ? out : [out];
}

/** Runs the fused EMA kernel: s·β + v·(1 − β) as a new tensor. */
export function runFusedEma(decay: number, s: tf.Tensor | null, v: tf.Tensor): tf.Tensor {
  const inputs: Record<string, tf.Tensor> = { v };
  if (s) inputs.s = s;
  return tf.engine().runKernel(
    FUSED_EMA,
    inputs as unknown as tf.NamedTensorMap,
    { decay } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor;
}
