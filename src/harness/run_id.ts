/**
 * Run identity (after OpenLTH): the hash of the canonical JSON of the fully resolved run config
 * (built by `identity.ts`) plus a format version. Re-running a suite finds finished runs by id and
 * skips them.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * Bumped when the meaning of a run config or the result format changes. v2: the id hashes the
 * fully resolved config (method and recipe defaults, the resolved training config, module paths as
 * the suite writes them), see `identity.ts`.
 */
export const RUN_FORMAT_VERSION = "prunebench-run-v2";

/**
 * JSON with object keys sorted recursively, so equal configs give equal strings.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "./run_id.ts";
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

/**
 * 16-hex-digit id of a resolved config.
 *
 * @example
 * ```ts
 * import { runId } from "./run_id.ts";
 * if (runId({ a: 1, b: 2 }) !== runId({ b: 2, a: 1 })) throw new Error("key order matters");
 * ```
 */
export function runId(config: unknown): string {
  return createHash("sha256").update(RUN_FORMAT_VERSION + "\n" + canonicalJson(config)).digest(
    "hex",
  )
    .slice(0, 16);
}
