/**
 * The tfjs WebAssembly backend, pinned (imported on demand by `initBackend("wasm")`).
 *
 * @module
 */
export * from "npm:@tensorflow/tfjs-backend-wasm@4.22.0";
