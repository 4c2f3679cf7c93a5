/**
 * Vega and Vega-Lite, pinned (chart compilation and SVG rendering; loaded only by the report).
 *
 * @module
 */
export * as vega from "npm:vega@6.4.0";
export * as vl from "npm:vega-lite@6.5.0";

/**
 * `file:` URL of Vega's self-contained browser build (`vega.min.js`, UMD, BSD-3-Clause), inlined
 * into `report.html` so the interactive charts need no network. The package exports only
 * `./vega-schema.json` beside it, so the URL is resolved from that file.
 */
export const VEGA_RUNTIME_URL: string = new URL(
  "./vega.min.js",
  import.meta.resolve("npm:vega@6.4.0/vega-schema.json"),
).href;
