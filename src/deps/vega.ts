/**
 * Vega and Vega-Lite, pinned (chart compilation and SVG rendering; loaded only by the report).
 *
 * @module
 */
export * as vega from "npm:vega@6.4.0";
export * as vl from "npm:vega-lite@6.5.0";
