/**
 * TensorFlow.js, pinned. Every module of prunebench imports tfjs through this file, so the
 * package resolves from any Deno project (relative path, `file://` or `https://` import, with or
 * without a `node_modules` folder) and all code shares one tfjs instance. In your own code import
 * `npm:@tensorflow/tfjs@4.22.0` (this exact version): Deno then loads the same package instance,
 * so your tensors live in the same engine.
 *
 * The exact versions of every dependency are written in the files of `src/deps/` and nowhere else;
 * `deno.lock` records their integrity.
 *
 * @module
 */
export * from "npm:@tensorflow/tfjs@4.22.0";
