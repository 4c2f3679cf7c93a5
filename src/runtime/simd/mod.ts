/**
 * Runs {@linkcode KernelSpec}s compiled to WebAssembly SIMD directly on tfjs-backend-wasm's heap:
 * the generated module imports the backend's own `WebAssembly.Memory`, so kernels read and write
 * tensors in place at their heap offsets (no copies). Each spec is compiled and instantiated once
 * per backend memory, on first use.
 *
 * @module
 */
import * as tf from "../../deps/tfjs.ts";
import {
  f32View,
  heapOffset,
  type KernelArgs,
  type TensorRef,
  type WasmBackend,
} from "../blas/heap.ts";
import { readEnv } from "../blas/library.ts";
import { compileKernels, type Expr, type KernelSpec } from "./kernel_gen.ts";

export { E, type Expr, type KernelSpec } from "./kernel_gen.ts";

/** The wasm backend with the Emscripten exports our kernels need. */
interface WasmWithMemory extends WasmBackend {
  wasm: WasmBackend["wasm"] & { asm?: { memory?: unknown } };
}

type KernelFn = (...args: number[]) => void;

const compiled = new WeakMap<WebAssembly.Memory, Map<string, KernelFn>>();
let simdSupported: boolean | null = null;
let switchedOn: boolean | null = null;

/**
 * Turns the SIMD kernels on (default) or off; off, every op falls back to the tfjs ops (or the
 * JS loops) they replace: slower, and different from them only by float32 rounding in sums. The
 * default can also be set with the environment variable `PRUNEBENCH_SIMD=off` (read when
 * permitted).
 */
export function setSimdKernels(on: boolean): void {
  switchedOn = on;
}

/** The backend's `WebAssembly.Memory`, or `null` when it is not reachable (other builds). */
export function backendMemory(backend: unknown): WebAssembly.Memory | null {
  const mem = (backend as WasmWithMemory)?.wasm?.asm?.memory;
  return mem instanceof WebAssembly.Memory ? mem : null;
}

/** True when this runtime validates WebAssembly SIMD (checked once) and the kernels are on. */
export function simdAvailable(): boolean {
  switchedOn ??= readEnv("PRUNEBENCH_SIMD")?.toLowerCase() !== "off";
  if (!switchedOn) return false;
  if (simdSupported === null) {
    try {
      const probe: KernelSpec = {
        name: "probe",
        inputs: [["x", "full"]],
        params: [],
        lets: [],
        outputs: [["y", "full", { k: "in", name: "x" }]],
      };
      simdSupported = WebAssembly.validate(compileKernels([probe]) as BufferSource);
    } catch {
      simdSupported = false;
    }
  }
  return simdSupported;
}

const SPECS = new Map<string, KernelSpec>();

/**
 * The spec named `name`, built by `build` on first use and shared after (specs are rebuilt per
 * call otherwise: the optimizer, EMA and layer kernels run for every tensor, every step).
 */
export function specNamed(name: string, build: () => KernelSpec): KernelSpec {
  let spec = SPECS.get(name);
  if (!spec) SPECS.set(name, spec = build());
  return spec;
}

/** The compiled function of `spec` bound to `memory` (compiled on first use). */
export function kernelFor(memory: WebAssembly.Memory, spec: KernelSpec): KernelFn {
  let byName = compiled.get(memory);
  if (!byName) compiled.set(memory, byName = new Map());
  let fn = byName.get(spec.name);
  if (!fn) {
    const module = new WebAssembly.Module(compileKernels([spec]) as BufferSource);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    fn = instance.exports[spec.name] as KernelFn;
    byName.set(spec.name, fn);
  }
  return fn;
}

/**
 * Runs `spec` over a `rows × cols` grid of tensors in the wasm heap: `inputs` and `outputs` in the
 * spec's order (outputs already allocated; `colSum` outputs zeroed by the caller), `params` in
 * the spec's order.
 */
export function runKernel(
  backend: WasmBackend,
  memory: WebAssembly.Memory,
  spec: KernelSpec,
  inputs: readonly TensorRef[],
  outputs: readonly TensorRef[],
  rows: number,
  cols: number,
  params: readonly number[] = [],
): void {
  if (inputs.length !== spec.inputs.length || outputs.length !== spec.outputs.length) {
    throw new Error(
      `Kernel "${spec.name}" takes ${spec.inputs.length} inputs and ${spec.outputs.length} ` +
        `outputs: got ${inputs.length} and ${outputs.length}`,
    );
  }
  const fn = kernelFor(memory, spec);
  const off = (t: TensorRef) => heapOffset(backend, t);
  fn(...inputs.map(off), ...outputs.map(off), rows, cols, ...params);
}

/**
 * Evaluates `spec` in JS with float32 rounding after every operation: the reference the compiled
 * kernels are tested against (elementwise outputs must agree bit for bit).
 */
export function evaluateKernel(
  spec: KernelSpec,
  inputs: readonly Float32Array[],
  rows: number,
  cols: number,
  params: readonly number[] = [],
): Float32Array[] {
  const fr = Math.fround;
  const outs = spec.outputs.map(([, kind]) =>
    new Float32Array(kind === "full" ? rows * cols : kind === "rowSum" ? rows : cols)
  );
  const lets = new Map<string, number>();
  const par = new Map(spec.params.map((n, i) => [n, fr(params[i])]));
  let r = 0, c = 0;
  const ev = (e: Expr): number => {
    switch (e.k) {
      case "in": {
        const i = spec.inputs.findIndex(([n]) => n === e.name);
        const kind = spec.inputs[i][1];
        return inputs[i][kind === "full" ? r * cols + c : kind === "row" ? r : c];
      }
      case "param":
        return par.get(e.name)!;
      case "let":
        return lets.get(e.name)!;
      case "bin": {
        const a = ev(e.a), b = ev(e.b);
        const ops = { add: a + b, sub: a - b, mul: a * b, div: a / b };
        return fr(ops[e.op]);
      }
      case "un": {
        const a = ev(e.a);
        return fr(e.op === "sqrt" ? Math.sqrt(a) : e.op === "neg" ? -a : Math.abs(a));
      }
      case "cmp": {
        const a = ev(e.a);
        if (e.op === "ftz") return Math.abs(a) < 1.1754943508222875e-38 ? 0 : a;
        return e.op === "relu" ? (a < 0 ? 0 : a) : a > 0 ? 1 : 0;
      }
      case "sel": {
        const a = ev(e.a), b = ev(e.b);
        return e.op === "pmin" ? (b < a ? b : a) : a < b ? b : a;
      }
    }
  };
  for (r = 0; r < rows; r++) {
    for (c = 0; c < cols; c++) {
      for (const [n, e] of spec.lets) lets.set(n, ev(e));
      spec.outputs.forEach(([, kind, e], o) => {
        const x = ev(e);
        if (kind === "full") outs[o][r * cols + c] = x;
        else if (kind === "rowSum") outs[o][r] = fr(outs[o][r] + x);
        else outs[o][c] = fr(outs[o][c] + x);
      });
    }
  }
  return outs;
}

/** Kernel name of the generic SIMD kernel (attributes carry the spec). */
export const SIMD_KERNEL = "PrunebenchSimd";

/** Attributes of {@linkcode SIMD_KERNEL}. */
interface SimdAttrs {
  spec: KernelSpec;
  rows: number;
  cols: number;
  params: number[];
  outShapes: number[][];
}

function simdKernelFunc(args: KernelArgs): TensorRef[] {
  const b = args.backend as WasmBackend;
  const a = args.attrs as unknown as SimdAttrs;
  const memory = backendMemory(b)!;
  const outs = a.outShapes.map((s) => b.makeOutput(s, "float32"));
  a.spec.outputs.forEach(([, kind], i) => {
    if (kind === "colSum") f32View(b, outs[i]).fill(0);
  });
  const ins = a.spec.inputs.map(([n]) => args.inputs[n]!);
  runKernel(b, memory, a.spec, ins, outs, a.rows, a.cols, a.params);
  return outs;
}

/**
 * True when {@linkcode simdOp} can run: the active backend is `wasm`, its memory is reachable and
 * the runtime has wasm SIMD (registers the kernel on first call).
 */
export function simdOpAvailable(): boolean {
  if (tf.getBackend() !== "wasm" || !simdAvailable() || !backendMemory(tf.backend())) return false;
  if (!tf.getKernel(SIMD_KERNEL, "wasm")) {
    tf.registerKernel({
      kernelName: SIMD_KERNEL,
      backendName: "wasm",
      kernelFunc: simdKernelFunc as unknown as tf.KernelFunc,
    });
  }
  return true;
}

/**
 * Runs `spec` as one tfjs kernel on float32 tensors (wasm only: check
 * {@linkcode simdOpAvailable}); `inputs` in the spec's order, one output shape per output (a
 * `rowSum` output has `rows` elements, a `colSum` one `cols`). No gradient: wrap in
 * `tf.customGrad`.
 */
export function simdOp(
  spec: KernelSpec,
  inputs: readonly tf.Tensor[],
  grid: { rows: number; cols: number; params?: number[]; outShapes: number[][] },
): tf.Tensor[] {
  const named: Record<string, tf.Tensor> = {};
  spec.inputs.forEach(([n], i) => (named[n] = inputs[i]));
  const attrs: SimdAttrs = {
    spec,
    rows: grid.rows,
    cols: grid.cols,
    params: grid.params ?? [],
    outShapes: grid.outShapes,
  };
  const out = tf.engine().runKernel(
    SIMD_KERNEL,
    named as unknown as tf.NamedTensorMap,
    attrs as unknown as tf.NamedAttrMap,
  );
  return Array.isArray(out) ? out : [out as tf.Tensor];
}
