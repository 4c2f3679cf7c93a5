/**
 * Zero-copy access to tensors of the tfjs wasm backend: `Float32Array` views of the wasm heap at a
 * tensor's offset, which FFI calls read and write directly.
 *
 * The wasm heap can grow (and detach earlier views) whenever the backend allocates. Kernels must
 * therefore allocate every output first and create views afterwards, in the same call.
 *
 * @module
 */
/** A tensor handle as tfjs passes it to kernels (structurally tfjs' `TensorInfo`). */
export interface TensorRef {
  /** Key of the tensor's data in the backend. */
  dataId: object;
  /** Shape. */
  shape: number[];
  /** Data type name, e.g. `float32`. */
  dtype: string;
}

/** The parts of tfjs-backend-wasm's `BackendWasm` the BLAS kernels use. */
export interface WasmBackend {
  /** The Emscripten module; `HEAPU8` is replaced when the heap grows. */
  wasm: { HEAPU8: Uint8Array };
  /** Per-tensor storage; `memoryOffset` is the byte offset in the heap. */
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  /** Allocates an output tensor in the heap (may grow the heap). */
  makeOutput(shape: number[], dtype: "float32"): TensorRef;
}

/** The parts of tfjs' cpu backend the fused JS kernels use (tensor data are JS typed arrays). */
export interface CpuBackend {
  /** Per-tensor storage. */
  data: { get(id: object): { values: unknown } };
  /** Wraps a typed array as a new output tensor. */
  makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): TensorRef;
}

/** Arguments tfjs passes to a kernel function (structurally tfjs' kernel arguments). */
export interface KernelArgs {
  /** Named input tensors. */
  inputs: Record<string, TensorRef | undefined>;
  /** The backend instance (the wasm backend for our kernels). */
  backend: unknown;
  /** Kernel attributes. */
  attrs?: Record<string, unknown>;
}

/** A kernel function (structurally tfjs' `KernelFunc`). */
export type Kernel = (args: KernelArgs) => TensorRef | TensorRef[];

/**
 * A `Float32Array` view of a float32 tensor's data in the wasm heap. Create views only after the
 * last allocation of the kernel call.
 */
export function f32View(backend: WasmBackend, t: TensorRef): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer, heapOffset(backend, t), sizeOf(t.shape));
}

/** An `Int32Array` view of an int32 tensor's data in the wasm heap (same rules as `f32View`). */
export function i32View(backend: WasmBackend, t: TensorRef): Int32Array {
  return new Int32Array(backend.wasm.HEAPU8.buffer, heapOffset(backend, t), sizeOf(t.shape));
}

/** Byte offset of a tensor's data in the wasm heap (throws when the backend does not hold it). */
export function heapOffset(backend: WasmBackend, t: TensorRef): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data === undefined) {
    throw new Error(`Cannot find tensor data in the wasm backend: shape [${t.shape}]`);
  }
  return data.memoryOffset;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

let scratch = new Float32Array(0);

/**
 * A reusable JS-side scratch buffer (outside the wasm heap, so heap growth cannot detach it) of at
 * least `n` floats. Its contents are undefined; one buffer serves every kernel call in turn.
 */
export function scratchF32(n: number): Float32Array {
  if (scratch.length < n) scratch = new Float32Array(Math.max(n, scratch.length * 2));
  return scratch.length === n ? scratch : scratch.subarray(0, n);
}
