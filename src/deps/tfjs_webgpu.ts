/**
 * The tfjs WebGPU backend, pinned (imported on demand by `initBackend("webgpu")`).
 *
 * @module
 */
export * from "npm:@tensorflow/tfjs-backend-webgpu@4.22.0";
