/**
 * Canonical JSON: object keys sorted recursively, so equal values give equal strings (run ids,
 * grouping keys of `summary.csv`).
 *
 * @module
 */

/**
 * JSON with object keys sorted recursively, so equal configs give equal strings.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "./canonical_json.ts";
 * if (canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }) !== '{"a":[{"c":3,"d":2}],"b":1}') throw new Error();
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  if (typeof v === "number" && !Number.isFinite(v)) {
    throw new TypeError(`Cannot hash a run config containing ${v}: use a finite number`);
  }
  return v;
}
