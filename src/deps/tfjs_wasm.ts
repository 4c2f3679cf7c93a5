/**
 * The tfjs WebAssembly backend, pinned (imported on demand by `initBackend("wasm")`), and the
 * folder holding its `.wasm` files, which the backend reads with `fs` when it initialises.
 *
 * @module
 */
export * from "npm:@tensorflow/tfjs-backend-wasm@4.22.0";

/**
 * `file:` URL of the folder with tfjs-backend-wasm's `.wasm` files (inside `node_modules`, or
 * Deno's npm cache when there is none); reading them needs read permission there.
 */
export const TFJS_WASM_DIR_URL: string = import.meta.resolve(
  "npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/tfjs-backend-wasm.wasm",
).replace(/[^/]+$/, "");
