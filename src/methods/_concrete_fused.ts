/**
 * A fused hard-concrete training gate: one kernel computes the sample z and ∂z/∂log α from
 * log α and the uniforms, and a custom gradient multiplies by it (2–3 kernels per gate instead of
 * about 25 forward and backward), on the backends whose data JS can read directly (wasm, cpu);
 * other backends (or {@linkcode setFusedUpdates} off) use the composite ops of `_concrete.ts`.
 *
 * Every operation is rounded to float32 in the order of the composite ops, so the sample equals
 * the cpu backend's composite exactly; the gradient differs from the composite's in rounding only
 * (∂z/∂log α is formed before multiplying by the incoming gradient: ≤ 2 ulp), and on wasm `log`,
 * `log1p` and `exp` come from JS instead of the wasm C library (≤ 1 ulp each).
 *
 * @module
 */
import * as tf from "../deps/tfjs.ts";
import {
  type CpuBackend,
  f32View,
  type KernelArgs,
  type TensorRef,
  type WasmBackend,
} from "../runtime/blas/heap.ts";
import { fusedAvailable } from "../runtime/fused.ts";
import { BETA, GAMMA, hardConcreteSample, ZETA } from "./_concrete.ts";

export { setFusedUpdates } from "../runtime/fused.ts";

/** Kernel name of the fused hard-concrete sample. */
export const HARD_CONCRETE_KERNEL = "PrunebenchHardConcrete";

const fr = Math.fround;

/**
 * z and ∂z/∂log α on typed arrays: `u` has `la.length`·k entries, `la` broadcast along the last
 * axis (entry i of `u` uses `la[i % la.length]`).
 */
export function hardConcreteArrays(
  la: Float32Array,
  u: Float32Array,
  beta: number,
  z: Float32Array,
  dz: Float32Array,
): void {
  const n = la.length, b = fr(beta), scale = fr(ZETA - GAMMA), shift = fr(GAMMA);
  for (let i = 0; i < u.length; i++) {
    const ui = u[i];
    const logit = fr(fr(Math.log(ui)) - fr(Math.log1p(fr(-ui))));
    const x = fr(fr(logit + la[i % n]) / b);
    const s = fr(1 / (1 + Math.exp(-x)));
    const pre = fr(fr(s * scale) + shift);
    z[i] = pre < 0 ? 0 : pre > 1 ? 1 : pre;
    dz[i] = pre >= 0 && pre <= 1 ? fr(fr(scale * fr(s * fr(1 - s))) / b) : 0;
  }
}

function kernel(backendName: string) {
  return ({ inputs, backend, attrs }: KernelArgs): TensorRef[] => {
    const { beta } = attrs as { beta: number };
    const { la, u } = inputs as Record<string, TensorRef>;
    if (backendName === "wasm") {
      const b = backend as WasmBackend;
      const z = b.makeOutput(u.shape, "float32"), dz = b.makeOutput(u.shape, "float32");
      hardConcreteArrays(f32View(b, la), f32View(b, u), beta, f32View(b, z), f32View(b, dz));
      return [z, dz];
    }
    const b = backend as CpuBackend;
    const val = (t: TensorRef) => b.data.get(t.dataId).values as Float32Array;
    const uv = val(u), z = new Float32Array(uv.length), dz = new Float32Array(uv.length);
    hardConcreteArrays(val(la), uv, beta, z, dz);
    return [b.makeTensorInfo(u.shape, "float32", z), b.makeTensorInfo(u.shape, "float32", dz)];
  };
}

function available(size: number): boolean {
  if (!fusedAvailable(size)) return false;
  const name = tf.getBackend();
  if (!tf.getKernel(HARD_CONCRETE_KERNEL, name)) {
    tf.registerKernel({
      kernelName: HARD_CONCRETE_KERNEL,
      backendName: name,
      kernelFunc: kernel(name) as unknown as tf.KernelFunc,
    });
  }
  return true;
}

/**
 * The hard-concrete sample of `_concrete.ts` (`hardConcreteSample`) as one fused kernel with a
 * custom gradient to log α (none to `u`). Call inside `tf.tidy`.
 *
 * @example Equals the composite on the cpu backend
 * ```ts
 * import * as tf from "../deps/tfjs.ts";
 * import { hardConcreteSampleFused } from "./_concrete_fused.ts";
 * import { hardConcreteSample } from "./_concrete.ts";
 * await tf.setBackend("cpu");
 * const la = tf.tensor1d([-3, 0, 2]), u = tf.tensor1d([0.3, 0.5, 0.9]);
 * const a = hardConcreteSampleFused(la, u), b = hardConcreteSample(la, u);
 * if (a.dataSync().join() !== b.dataSync().join()) throw new Error();
 * tf.dispose([la, u, a, b]);
 * ```
 */
export function hardConcreteSampleFused(logAlpha: tf.Tensor, u: tf.Tensor, beta = BETA): tf.Tensor {
  if (!available(u.size) || logAlpha.rank !== 1 || u.shape.at(-1) !== logAlpha.shape[0]) {
    return hardConcreteSample(logAlpha, u, beta);
  }
  const f = tf.customGrad(
    ((la: tf.Tensor, noise: tf.Tensor, save: tf.GradSaveFunc) => {
      const [z, dz] = tf.engine().runKernel(
        HARD_CONCRETE_KERNEL,
        { la, u: noise } as unknown as tf.NamedTensorMap,
        { beta } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
      save([dz]);
      return {
        value: z,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          let g = tf.mul(dy, saved[0]);
          if (g.rank > 1) g = tf.reshape(tf.sum(g, [...Array(g.rank - 1).keys()]), la.shape);
          return [g, tf.zerosLike(noise)];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  return f(logAlpha, u);
}
