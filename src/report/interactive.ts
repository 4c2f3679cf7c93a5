/**
 * The interactive form of a chart for `report.html`: the Vega-Lite spec gains tooltips on every
 * mark and a legend-bound selection (click a method in the legend to highlight it, shift-click to
 * add more, click elsewhere in the legend to reset), then is compiled to Vega here so the page
 * needs only Vega's runtime, which is inlined. The static SVG/PNG files use the plain spec.
 *
 * @module
 */
import { vl } from "../deps/vega.ts";
import { VEGA_RUNTIME_URL } from "../deps/vega.ts";
import { assertReadable } from "../util/permissions.ts";
import type { ChartSpec } from "./charts_common.ts";

/** Name of the legend-bound selection added to each chart with a method legend. */
export const PICK = "pick_method";

/** Opacity of the marks of methods not picked in the legend. */
const FADED = 0.08;

type Node = Record<string, unknown>;

const COMPOSITE = new Set(["boxplot", "errorbar", "errorband"]);

function units(node: Node, out: Node[] = []): Node[] {
  if (Array.isArray(node.layer)) { for (const l of node.layer as Node[]) units(l, out); }
  else if (node.spec && typeof node.spec === "object") units(node.spec as Node, out);
  else if (node.mark !== undefined) out.push(node);
  return out;
}

/**
 * Adds tooltips and legend filtering to a copy of a Vega-Lite spec.
 *
 * @example
 * ```ts
 * import { withInteraction } from "./interactive.ts";
 * const spec = withInteraction({ data: { values: [] }, mark: "point",
 *   encoding: { color: { field: "method", type: "nominal" } } });
 * if (!JSON.stringify(spec).includes("pick_method")) throw new Error("no legend selection");
 * ```
 */
export function withInteraction(spec: ChartSpec): ChartSpec {
  const copy = structuredClone(spec) as Node;
  let bound = false;
  for (const u of units(copy)) {
    const mark: Node = typeof u.mark === "string" ? { type: u.mark } : { ...(u.mark as Node) };
    const enc = (u.encoding ?? {}) as Node;
    if (enc.tooltip === undefined && mark.tooltip === undefined) mark.tooltip = { content: "data" };
    const color = enc.color as Node | undefined;
    const composite = COMPOSITE.has(String(mark.type)); // box plots drop params and opacity
    if (color?.field === "method" && enc.opacity === undefined && !composite) {
      if (!bound) {
        u.params = [
          ...((u.params as unknown[]) ?? []),
          { name: PICK, select: { type: "point", fields: ["method"] }, bind: "legend" },
        ];
        bound = true;
      }
      const base = typeof mark.opacity === "number" ? mark.opacity : 1;
      enc.opacity = { condition: { param: PICK, value: base, empty: true }, value: FADED };
      u.encoding = enc;
    }
    u.mark = mark;
  }
  return copy;
}

/**
 * The Vega spec of a chart's interactive form (see {@linkcode withInteraction}).
 *
 * @throws {Error} When vega-lite cannot compile the spec.
 */
export function interactiveVega(spec: ChartSpec): Record<string, unknown> {
  // deno-lint-ignore no-explicit-any
  return vl.compile(withInteraction(spec) as any, { logger: QUIET }).spec as Record<
    string,
    unknown
  >;
}

const QUIET = {
  level: () => 0,
  error(...a: unknown[]) {
    console.error(...a);
    return this;
  },
  warn() {
    return this;
  },
  info() {
    return this;
  },
  debug() {
    return this;
  },
};

let runtime: Promise<string> | null = null;

/** Vega's browser runtime (`vega.min.js`), read once per process. */
export function vegaRuntime(): Promise<string> {
  if (runtime === null) {
    assertReadable(VEGA_RUNTIME_URL, "Cannot write the interactive report (it inlines vega)");
    runtime = Deno.readTextFile(new URL(VEGA_RUNTIME_URL)).catch((e) => {
      runtime = null;
      throw e;
    });
  }
  return runtime;
}
