/**
 * Failure reasons for results: the error's name and message, with an explanation added where the
 * raw message does not say what happened. tfjs-backend-wasm is a wasm32 module whose heap stops at
 * 4 GiB; when an allocation fails there, emscripten prints `Aborted()` and every later call into
 * the module fails with `memory access out of bounds`. Neither names the cause or the fix.
 *
 * @module
 */

/** Maximum heap of tfjs-backend-wasm 4.22 (its `getHeapMax()`), in bytes. */
export const WASM_HEAP_MAX_BYTES = 4294901760;

const WASM_OOM = /\bAborted\(|memory access out of bounds|Cannot enlarge memory/;

/**
 * `Name: message` of an error for a result's `reason`, plus a hint when it is the wasm heap
 * running out.
 *
 * @example
 * ```ts
 * import { failureReason } from "./failure.ts";
 * const r = failureReason(new Error("Aborted(). Build with -sASSERTIONS for more info."));
 * if (!r.includes("4 GiB")) throw new Error(r);
 * if (failureReason(new RangeError("bad width")) !== "RangeError: bad width") throw new Error();
 * ```
 */
export function failureReason(e: unknown): string {
  return withMemoryHint(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
}

/**
 * `text` with the wasm out-of-memory explanation appended when it shows that failure (e.g. the
 * log tail of a worker process that died of it); otherwise `text` unchanged.
 */
export function withMemoryHint(text: string): string {
  if (!WASM_OOM.test(text)) return text;
  return `${text} — the wasm backend ran out of memory: its heap cannot grow past 4 GiB (wasm32), ` +
    `and training keeps every activation of the batch for the backward pass. Lower the batch ` +
    `size (e.g. ResNet-56 on 32×32 inputs trains at batch 64 in a 2.8 GiB heap, not at 100), ` +
    `lower the width, or use --backend tensorflow`;
}
