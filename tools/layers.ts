/**
 * Fails when a module under `src/` imports from a later layer, or from outside `src/` (such as
 * `benchmarks/`). Layers in data-flow order (a module may import its own layer or an earlier one):
 *
 * util, deps, runtime → data → models → metrics → methods → train → results → harness, prune →
 * report → cli.
 *
 * `metrics/` (parameter and MAC counts, latency, size reports) is a function of a network alone and
 * lies below `methods/`: vbp logs the forward MACs and the training loop counts its cost with the
 * same counter. `results/` (schema, statistics) is read by the harness and the report.
 *
 * ```
 * deno run --allow-read tools/layers.ts
 * ```
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Layer rank of each top-level folder of `src/` (same rank: may import each other). */
export const LAYERS: Readonly<Record<string, number>> = {
  util: 0,
  deps: 0,
  runtime: 0,
  data: 1,
  models: 2,
  metrics: 3,
  methods: 4,
  train: 5,
  results: 6,
  harness: 7,
  prune: 7,
  report: 8,
  cli: 9,
};

/** One import that breaks the order. */
export interface Violation {
  /** Importing file, relative to the repository. */
  file: string;
  /** The import specifier as written. */
  specifier: string;
  /** Why it breaks the order. */
  reason: string;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^"';]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;

/** The relative imports of a module's source text (static, re-exports and literal dynamic ones). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const s = m[1] ?? m[2] ?? m[3];
    if (s.startsWith(".")) out.push(s);
  }
  return out;
}

/** The layer-order violations of one file of `src/` (paths relative to the repository `root`). */
export function violations(root: string, file: string, source: string): Violation[] {
  const src = join(root, "src");
  const layer = (p: string) => relative(src, p).split(/[\\/]/)[0];
  const from = layer(join(root, file));
  const out: Violation[] = [];
  for (const specifier of importsOf(source)) {
    const target = resolve(dirname(join(root, file)), specifier);
    const rel = relative(src, target);
    if (rel.startsWith("..")) {
      out.push({ file, specifier, reason: "imports from outside src/" });
      continue;
    }
    const to = layer(target);
    if (!(from in LAYERS) || !(to in LAYERS)) {
      out.push({
        file,
        specifier,
        reason: `layer of "${from}" or "${to}" unknown: add it to LAYERS`,
      });
    } else if (LAYERS[to] > LAYERS[from]) {
      out.push({ file, specifier, reason: `${from} may not import ${to} (a later layer)` });
    }
  }
  return out;
}

function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* walk(p);
    else if (/\.(ts|js)$/.test(e.name)) yield p;
  }
}

/** Every violation under `root/src`. */
export function checkLayers(root: string): Violation[] {
  const out: Violation[] = [];
  for (const p of walk(join(root, "src"))) {
    out.push(...violations(root, relative(root, p), Deno.readTextFileSync(p)));
  }
  return out;
}

if (import.meta.main) {
  const root = fileURLToPath(new URL("../", import.meta.url));
  const found = checkLayers(root);
  for (const v of found) console.error(`${v.file}: "${v.specifier}": ${v.reason}`);
  if (found.length) {
    console.error(
      `\n${found.length} upward import(s): move the shared piece down to the lower layer ` +
        `(order: ${Object.keys(LAYERS).join(", ")}).`,
    );
    Deno.exit(1);
  }
  console.log("layers: no upward imports");
}
