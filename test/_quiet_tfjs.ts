/**
 * Test preload (deno task test --preload): production mode, so tests that create tensors before
 * `initBackend` (which sets it too) do not print tfjs's "running TensorFlow.js in Node.js" banner.
 *
 * @module
 */
import * as tf from "../src/deps/tfjs.ts";

tf.enableProdMode();
