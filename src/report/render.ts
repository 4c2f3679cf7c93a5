/**
 * Headless rendering: Vega-Lite spec → SVG (vega-lite compile, vega `View` with renderer
 * `"none"`, `toSVG()`), and SVG → PNG with `@resvg/resvg-wasm` and an explicit TTF font, so the
 * PNGs are identical on every machine. Needs `--allow-read` only.
 *
 * @module
 */

import { vega } from "../deps/vega.ts";
import { vl } from "../deps/vega.ts";
import { initWasm, Resvg, RESVG_WASM_URL } from "../deps/resvg.ts";
import { assertReadable } from "../util/permissions.ts";
import type { ChartSpec } from "./charts_common.ts";

/** Default fonts passed to resvg (Debian `fonts-dejavu-core`). */
export const DEFAULT_FONTS: readonly string[] = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
];

/** Default PNG width in pixels. */
export const DEFAULT_PNG_WIDTH = 1200;

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string.
 *
 * @param spec A Vega-Lite spec.
 * @returns The SVG markup.
 * @throws {Error} When vega-lite cannot compile the spec.
 *
 * @example
 * ```ts
 * import { specToSvg } from "./render.ts";
 * const svg = await specToSvg({ data: { values: [{ a: 1 }] }, mark: "point",
 *   encoding: { x: { field: "a", type: "quantitative" } } });
 * if (!svg.startsWith("<svg")) throw new Error("expected SVG");
 * ```
 */
export async function specToSvg(spec: ChartSpec): Promise<string> {
  // deno-lint-ignore no-explicit-any
  const compiled = vl.compile(spec as any, { logger: LOGGER }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** vega-lite logger: warnings to stderr, minus the benign optimizer-iteration notice. */
const LOGGER = {
  level(): number {
    return 2;
  },
  error(...args: unknown[]) {
    console.error(...args);
    return this;
  },
  warn(...args: unknown[]) {
    if (!String(args[0]).startsWith("Maximum optimization runs")) console.warn(...args);
    return this;
  },
  info() {
    return this;
  },
  debug() {
    return this;
  },
};

let wasmReady: Promise<void> | null = null;
const fontCache = new Map<string, Uint8Array>();

/** Initialises resvg-wasm once per process from the package's `index_bg.wasm`. */
function ensureWasm(): Promise<void> {
  if (wasmReady === null) {
    assertReadable(RESVG_WASM_URL, "Cannot render PNG charts with the package @resvg/resvg-wasm");
    const url = new URL(RESVG_WASM_URL);
    wasmReady = Deno.readFile(url).then((bytes) => initWasm(bytes)).catch((err) => {
      wasmReady = null;
      throw err;
    });
  }
  return wasmReady;
}

async function loadFonts(paths: readonly string[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const path of paths) {
    let bytes = fontCache.get(path);
    if (bytes === undefined) {
      try {
        bytes = await Deno.readFile(path);
      } catch (err) {
        throw new Error(
          `Cannot read font "${path}": install fonts-dejavu-core or pass fonts explicitly`,
          { cause: err },
        );
      }
      fontCache.set(path, bytes);
    }
    out.push(bytes);
  }
  return out;
}

/** Options for {@linkcode svgToPng}. */
export interface PngOptions {
  /** Output width in pixels; the height keeps the SVG's aspect ratio. Default 1200. */
  width?: number;
  /** TTF files to use; the first one's family is the default. Default: DejaVu Sans. */
  fonts?: readonly string[];
}

/**
 * Renders SVG markup to a PNG with resvg-wasm, using only the given fonts (no system fonts).
 *
 * @param svg SVG markup, e.g. from {@linkcode specToSvg}.
 * @param options Output width and font files.
 * @returns The PNG bytes.
 *
 * @example
 * ```ts
 * import { svgToPng } from "./render.ts";
 * const png = await svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="5"/>',
 *   { width: 20 });
 * if (png[1] !== 0x50) throw new Error("expected a PNG");
 * ```
 */
export async function svgToPng(svg: string, options: PngOptions = {}): Promise<Uint8Array> {
  const width = options.width ?? DEFAULT_PNG_WIDTH;
  if (!Number.isInteger(width) || width <= 0) {
    throw new RangeError(`Cannot render PNG: width must be a positive integer, got ${width}`);
  }
  await ensureWasm();
  const fontBuffers = await loadFonts(options.fonts ?? DEFAULT_FONTS);
  const resvg = new Resvg(svg, {
    fitTo: { mode: "width", value: width },
    font: { fontBuffers, loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" },
  });
  try {
    const image = resvg.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/** Width and height of a PNG, read from its IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 24 || sig.some((b, i) => png[i] !== b)) {
    throw new TypeError("Cannot read PNG size: not a PNG file");
  }
  const ihdr = new TextDecoder().decode(png.subarray(12, 16));
  if (ihdr !== "IHDR") throw new TypeError("Cannot read PNG size: IHDR chunk not first");
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

/** Width and height declared on the root `<svg>` element. */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (m === null) throw new TypeError("Cannot read SVG size: no width/height on <svg>");
  return { width: Number(m[1]), height: Number(m[2]) };
}
