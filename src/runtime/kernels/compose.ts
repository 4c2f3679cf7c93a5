/**
 * Internal: shared machinery for our kernel rewrites: running a backend's own kernels directly (outside the
 * engine, so nothing is tracked for us), freeing the intermediates, and replacing a registered kernel
 * while keeping its `setupFunc`/`disposeFunc`.
 *
 * @module
 */
import * as tf from "../../deps/tfjs.ts";
import type {
  KernelBackend,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  TensorInfo,
} from "../../deps/tfjs.ts";

/** Backends that {@linkcode registerTrainingKernels} knows. */
export type ShimBackend = "wasm" | "cpu";

/** Marks kernel configs registered by prunebench (global, so it survives a second module copy). */
const MARK: unique symbol = Symbol.for("prunebench.kernel") as never;

type MarkedConfig = KernelConfig & { [MARK]?: string };

/**
 * Runs a backend's kernels directly and remembers every output, so that {@linkcode KernelScope.dispose}
 * can free all intermediates through the backend's `disposeData` (the engine does not track tensors
 * created by kernel functions called from inside another kernel).
 *
 * @internal
 */
export class KernelScope {
  readonly #owned: TensorInfo[] = [];
  /** The backend instance passed to the outer kernel. */
  readonly backend: KernelBackend;
  /** The backend's registered name, e.g. `wasm`. */
  readonly backendName: string;

  /** Creates a scope for one kernel invocation. */
  constructor(backend: KernelBackend, backendName: string) {
    this.backend = backend;
    this.backendName = backendName;
  }

  /** Runs the kernel currently registered under `kernelName` for this backend. */
  run(
    kernelName: string,
    inputs: Record<string, TensorInfo>,
    attrs: NamedAttrMap = {},
  ): TensorInfo {
    const config = tf.getKernel(kernelName, this.backendName);
    if (config === undefined) {
      throw new Error(
        `Cannot run kernel "${kernelName}" on backend "${this.backendName}": it is not registered`,
      );
    }
    return this.call(config.kernelFunc, inputs, attrs);
  }

  /** Runs a given kernel function (e.g. a captured original) and remembers its output. */
  call(func: KernelFunc, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    const out = func({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) {
      for (const t of out) this.#owned.push(t);
      throw new Error(`Cannot compose kernel outputs: expected one tensor, got ${out.length}`);
    }
    this.#owned.push(out);
    return out;
  }

  /** Transposes `x`; returns `x` itself (not owned) when `perm` is the identity. */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return perm.every((p, i) => p === i) ? x : this.run("Transpose", { x }, { perm });
  }

  /** Reshapes `x` (shares its data; the backend counts the reference). */
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run("Reshape", { x }, { shape });
  }

  /** Crops `x` to `size` from the origin; returns `x` itself when nothing is cropped. */
  crop(x: TensorInfo, size: number[]): TensorInfo {
    if (size.every((n, i) => n === x.shape[i])) return x;
    return this.run("Slice", { x }, { begin: size.map(() => 0), size });
  }

  /** Stops tracking `t` (the result handed back to the engine) and returns it. */
  keep(t: TensorInfo): TensorInfo {
    const i = this.#owned.indexOf(t);
    if (i >= 0) this.#owned.splice(i, 1);
    return t;
  }

  /** Frees every remembered intermediate. */
  dispose(): void {
    for (const t of this.#owned.splice(0)) this.backend.disposeData(t.dataId);
  }
}

/**
 * Runs `body` in a fresh {@linkcode KernelScope} and returns its result; every other intermediate
 * is freed, also when `body` throws.
 *
 * @internal
 */
export function composed(
  backend: KernelBackend,
  backendName: string,
  body: (scope: KernelScope) => TensorInfo,
): TensorInfo {
  const scope = new KernelScope(backend, backendName);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}

/**
 * Registers `make(original)` as kernel `kernelName` for `backendName`, replacing any registered
 * kernel but keeping its `setupFunc` and `disposeFunc` (wasm binds its C functions in `setupFunc`).
 * Idempotent: does nothing when a prunebench kernel with the same `tag` is already registered.
 * `make` receives the original kernel function, or `undefined` when none is registered; when it
 * returns `undefined` nothing is registered.
 *
 * @returns whether a kernel was (re-)registered.
 *
 * @internal
 */
export function replaceKernel(
  kernelName: string,
  backendName: string,
  tag: string,
  make: (original: KernelFunc | undefined) => KernelFunc | undefined,
): boolean {
  const current = tf.getKernel(kernelName, backendName) as MarkedConfig | undefined;
  if (current?.[MARK] === tag) return false;
  const kernelFunc = make(current?.kernelFunc);
  if (kernelFunc === undefined) return false;
  const config: MarkedConfig = { kernelName, backendName, kernelFunc, [MARK]: tag };
  if (current?.setupFunc) config.setupFunc = current.setupFunc;
  if (current?.disposeFunc) config.disposeFunc = current.disposeFunc;
  if (current !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(config);
  return true;
}

/** Per-side zero padding amounts of a convolution. */
export interface Pads {
  /** Rows added above. */
  top: number;
  /** Rows added below. */
  bottom: number;
  /** Columns added on the left. */
  left: number;
  /** Columns added on the right. */
  right: number;
}

/** Explicit NHWC padding attribute for tfjs `Conv2D` from per-side amounts. */
export function explicitPad(p: Pads): [number, number][] {
  return [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]];
}

/**
 * Convolution geometry as tfjs itself computes it (`backend_util.computeConv2DInfo`).
 *
 * @internal
 */
export function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: NamedAttrMap,
): tf.backend_util.Conv2DInfo {
  const format = tf.backend_util.convertConv2DDataFormat(
    (attrs.dataFormat as "NHWC" | "NCHW" | undefined) ?? "NHWC",
  );
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number] | undefined) ?? 1,
    attrs.pad as "valid" | "same" | number,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    false,
    format,
  );
}
