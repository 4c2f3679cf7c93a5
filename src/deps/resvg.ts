/**
 * resvg-wasm, pinned (SVG → PNG for the report), and the URL of its `index_bg.wasm`. The package
 * is imported statically here, so Deno resolves the file inside its own npm cache when there is no
 * `node_modules` folder.
 *
 * @module
 */
export { initWasm, Resvg } from "npm:@resvg/resvg-wasm@2.6.2";

/** `file:` URL of resvg's WebAssembly module. */
export const RESVG_WASM_URL: string = import.meta.resolve(
  "npm:@resvg/resvg-wasm@2.6.2/index_bg.wasm",
);
